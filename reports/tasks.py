"""Background work of the reports app: rendering a stored PDF status paper."""

from celery import shared_task

from reports.models import StoredPaper
from reports.papers import render_stored


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
