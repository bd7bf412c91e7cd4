"""The queue of background work: rendering the stored PDF papers.

`schedule_papers` makes a pending `StoredPaper` row per document inside the publishing
transaction and queues each after the commit: to the Celery worker (`render_stored_paper`),
or, without a broker, to a thread of this process after the response (reports/background.py).
The rendering itself is `reports.papers.render_stored`.
"""

import logging

from celery import shared_task
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from reports import background
from reports.models import StoredPaper
from reports.papers import render_stored

log = logging.getLogger(__name__)


@shared_task(name="reports.render_stored_paper")
def render_stored_paper(stored_paper_id):
    """Render one stored paper; returns its state ("done" or "failed")."""
    stored = (
        StoredPaper.objects.select_related("round__paper__region", "municipality__cluster")
        .filter(pk=stored_paper_id)
        .first()
    )
    if stored is None:  # the round was deleted meanwhile
        return "gone"
    return render_stored(stored).state


def render_pending():
    """Render every paper still pending (left so by a web process that stopped half-way);
    returns how many were rendered."""
    pending = StoredPaper.objects.filter(state=StoredPaper.State.PENDING).select_related(
        "round__paper__region", "municipality__cluster"
    )
    return sum(1 for stored in pending if render_stored(stored).state == StoredPaper.State.DONE)


def schedule_papers(publication, municipality_ids=None):
    """Create a pending `StoredPaper` of `publication` for the region's paper and for every
    municipality in it (or only for `municipality_ids`, None standing for the region's
    paper), and queue their rendering once the transaction commits. Returns the rows. Called
    inside the publishing transaction, so a round is never published without them."""
    status_round = publication.round
    if municipality_ids is None:
        municipality_ids = [None, *(row["id"] for row in publication.payload["municipalities"])]
    with transaction.atomic():
        rows = StoredPaper.objects.bulk_create(
            StoredPaper(round=status_round, publication=publication, municipality_id=pk)
            for pk in municipality_ids
        )
        ids = [row.pk for row in rows]
        transaction.on_commit(lambda: queue_rendering(ids))
    return rows


# Without a broker, a paper handed to a web process's thread is leased to it in the cache for
# this long; one still pending with no lease (that process stopped half-way) is handed out
# again by `resume_abandoned`.
RENDER_LEASE_SECONDS = 600


def _lease(pk):
    return f"paper-rendering:{pk}"


def _in_process():
    return render_stored_paper.app.conf.task_always_eager


def queue_rendering(ids):
    """Hand the stored papers to the Celery worker, or without a broker to a thread of this
    process after the response (reports/background.py): never render inside a request.

    A paper that cannot be queued, e.g. while the broker is down, is marked failed rather than
    left pending for ever, so the secretariat sees it and can retry it."""
    if _in_process():
        cache.set_many({_lease(pk): True for pk in ids}, RENDER_LEASE_SECONDS)
        background.run_after_response(_render_leased, ids)
        return
    for pk in ids:
        try:
            render_stored_paper.delay(pk)
        except Exception as error:
            log.exception("Queueing stored paper %s failed", pk)
            StoredPaper.objects.filter(pk=pk).update(
                state=StoredPaper.State.FAILED,
                error=_("Kunne ikke sættes i kø til dannelse: %(error)s")
                % {"error": f"{error.__class__.__name__}: {error}"},
            )


def _render_leased(ids):
    try:
        for pk in ids:
            render_stored_paper(pk)
    finally:
        cache.delete_many([_lease(pk) for pk in ids])


def resume_abandoned(status_round):
    """Whether the round's papers are still being rendered. Without a broker, pending papers
    that no web process holds a lease on any longer (it was restarted half-way) are handed
    out again, each by one caller only; a broker's queue keeps its tasks by itself."""
    pending = list(
        StoredPaper.objects.filter(round=status_round, state=StoredPaper.State.PENDING).values_list(
            "pk", flat=True
        )
    )
    if pending and _in_process():
        claimed = [pk for pk in pending if cache.add(_lease(pk), True, RENDER_LEASE_SECONDS)]
        if claimed:
            log.warning("Rendering %d abandoned paper(s) of %s again", len(claimed), status_round)
            background.run_after_response(_render_leased, claimed)
    return bool(pending)


@transaction.atomic
def retry(stored_papers):
    """Queue the given stored papers again (the admin's retry action): all of them or, when
    saving one fails, none."""
    ids = []
    for stored in stored_papers:
        stored.state = StoredPaper.State.PENDING
        stored.error = ""
        stored.save(update_fields=["state", "error"])
        ids.append(stored.pk)
    transaction.on_commit(lambda: queue_rendering(ids))
    return len(ids)
