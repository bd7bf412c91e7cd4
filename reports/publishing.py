"""Publishing a round: the use case that spans the workflow and the published record.

The round's state changes in `goals.rounds` (`mark_published`); what the public then sees is
this app's: the round's next `Publication` (the frozen record, `reports.progress.freeze`; a
republish after a reopen is the next version, with the reopen's reason) and its stored PDF
papers (`reports.tasks.schedule_papers`, queued for the job worker after the commit). All in
one transaction, so a round is never public without its record and papers. The secretariat's
confirmation page, the admin's action and the demo call `publish_round`; nothing below this
layer does.
"""

from django.db import transaction

from goals import audit
from goals import rounds
from reports import progress
from reports import tasks


@transaction.atomic
def publish_round(status_round, *, by):
    """Make the round's results public and read-only; returns the round. Raises
    `goals.rounds.TransitionError` when the round cannot be published now."""
    status_round = rounds.mark_published(status_round, by=by)
    publication = progress.freeze(status_round, by=by, reason=status_round.reopen_reason)
    tasks.schedule_papers(publication)
    audit.log_change("round.published", status_round, by, version=publication.version)
    return status_round
