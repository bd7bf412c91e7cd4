"""Bringing rounds published before publications existed onto the record.

Until migration reports/0003 a published round was shown from today's data and had no
`Publication`; the public pages and PDFs now read publications only, so such a round would
vanish. `record_published_rounds` freezes each of them as version 1 (published at and by
as the round says) and hands its stored papers to that version. It runs after every
`migrate` (see reports/apps.py), so an upgrade needs no manual step, and it does nothing
once every published round has a publication.

It runs after migrating and not as a data migration because it calls `progress.freeze`,
which reads the models as they are today: inside a migration those could have columns that a
later migration adds, and the freezing would fail or store another shape than the pages read.
"""

from django.db import transaction
from django.db.migrations.executor import MigrationExecutor

from goals.models import StatusRound
from reports import progress
from reports import tasks
from reports.models import Publication
from reports.models import StoredPaper


def record_published_rounds():
    """Freeze every published round without a publication as its version 1; returns the
    new publications."""
    # By the state: rounds published before publications existed, which the public rule
    # (`public_rounds`, a round with a publication) does not see yet.
    unrecorded = StatusRound.objects.filter(
        state=StatusRound.State.PUBLISHED, publications__isnull=True
    )
    return [_record(status_round) for status_round in unrecorded]


@transaction.atomic
def _record(status_round):
    status_round = StatusRound.objects.select_for_update().get(pk=status_round.pk)
    if Publication.objects.filter(round=status_round).exists():  # another process was first
        return None
    publication = progress.freeze(status_round, by=_publisher(status_round))
    # The papers stored at the time are what the public downloaded: they stay, as version
    # 1; a municipality without one (or a round never rendered) gets its paper rendered.
    old = StoredPaper.objects.filter(round=status_round, publication=None)
    old.update(publication=publication)
    stored = set(
        StoredPaper.objects.filter(publication=publication).values_list(
            "municipality_id", flat=True
        )
    )
    wanted = [None, *(row["id"] for row in publication.payload["municipalities"])]
    missing = [pk for pk in wanted if pk not in stored]
    if missing:
        tasks.schedule_papers(publication, municipality_ids=missing)
    return publication


def _publisher(status_round):
    """Who published the round, as its history recorded the publishing (None if unknown)."""
    published = (
        status_round.history.filter(
            state=StatusRound.State.PUBLISHED, published_at=status_round.published_at
        )
        .order_by("history_date")
        .first()
    )
    return published.history_user if published else None


def fully_migrated(connection):
    """True when every migration is applied (the models match the database)."""
    executor = MigrationExecutor(connection)
    return not executor.migration_plan(executor.loader.graph.leaf_nodes())


def after_migrate(sender, using, **kwargs):
    """post_migrate receiver: record the published rounds once the schema is complete (a
    `migrate` back to an older state leaves them alone)."""
    from django.db import connections

    if fully_migrated(connections[using]):
        record_published_rounds()
