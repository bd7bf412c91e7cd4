"""The admin's preview of a round's papers (drafts with the "UDKAST" watermark): rendered once
per version of the round by the job worker (`reports.tasks.render_preview`, queued by
`reports.tasks.ready_preview`), and kept in storage until something the paper shows changes.
Rendering takes seconds; a page that asks meanwhile is told "renderes…" and looks again by
itself. A render that fails is reported with its reason and not tried again for a while
(RENDERING_SECONDS) unless the round changes: otherwise every look of the refreshing page
would queue another doomed render. The same holds for a job that never ran (no worker): it
is queued again after RENDERING_SECONDS.
"""

import hashlib
import logging

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Count
from django.db.models import Max

from goals.models import Goal
from goals.models import GoalDecision
from goals.models import Indicator
from goals.models import IndicatorValue
from goals.models import JointProgress
from goals.models import Milestone
from goals.models import MilestoneStatus
from goals.models import StatusReport
from goals.models import StatusRound
from reports import papers

log = logging.getLogger(__name__)

PREVIEW_DIR = "forhaandsvisninger"
RENDERING_SECONDS = 300  # how long a started render keeps others from starting the same


def round_version(status_round):
    """A fingerprint that changes whenever anything the round's papers show changes: the
    newest history entry (and the number of them) of the round, its reports, lines, values,
    joint progress and decisions and of its paper's goals, milestones and indicators, plus the
    region's municipalities."""
    pk, paper = status_round.pk, status_round.paper_id
    histories = [
        StatusRound.history.filter(id=pk),
        StatusReport.history.filter(round_id=pk),
        MilestoneStatus.history.filter(report__round_id=pk),
        IndicatorValue.history.filter(report__round_id=pk),
        JointProgress.history.filter(round_id=pk),
        GoalDecision.history.filter(round_id=pk),
        Goal.history.filter(paper_id=paper),
        Milestone.history.filter(goal__paper_id=paper),
        Indicator.history.filter(goal__paper_id=paper),
    ]
    parts = [str(h.aggregate(n=Count("history_id"), last=Max("history_date"))) for h in histories]
    parts.append(
        str(
            list(
                status_round.paper.region.municipalities.order_by("pk").values_list(
                    "pk", "name", "kommunekode", "cluster_id"
                )
            )
        )
    )
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:20]


def _folder(status_round, municipality):
    who = municipality.kommunekode if municipality is not None else "region"
    return f"{PREVIEW_DIR}/{status_round.pk}/{who}/"


def preview_name(status_round, municipality=None):
    """Where the preview of the round's current version is (or will be) stored."""
    return f"{_folder(status_round, municipality)}{round_version(status_round)}.pdf"


class PreviewFailed(Exception):
    """The preview of the round's current version could not be rendered; `reason` says why."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def stored_preview(name):
    """`name` (a `preview_name`) when that preview is stored, None while it is not;
    PreviewFailed when its render failed lately."""
    if default_storage.exists(name):
        return name
    failed = cache.get(f"preview-failed:{name}")
    if failed is not None:
        raise PreviewFailed(failed)
    return None


def start_rendering(name):
    """True for the one caller that should queue the render of the preview `name` (nobody
    has in the last RENDERING_SECONDS)."""
    return cache.add(f"preview-rendering:{name}", True, RENDERING_SECONDS)


def render(round_pk, municipality_pk=None):
    """Render and store the preview of the round (of one municipality's paper) as it is now
    (the job `reports.tasks.render_preview`); a failure is remembered for RENDERING_SECONDS."""
    status_round = StatusRound.objects.select_related("paper__region").filter(pk=round_pk).first()
    if status_round is None:  # deleted meanwhile
        return
    municipality = (
        status_round.paper.region.municipalities.get(pk=municipality_pk)
        if municipality_pk
        else None
    )
    name = preview_name(status_round, municipality)
    if default_storage.exists(name):  # queued twice: rendered already
        cache.delete(f"preview-rendering:{name}")
        return
    try:
        pdf = papers.render_status_paper(status_round, municipality)
    except Exception as error:
        log.exception("The preview %s could not be rendered", name)
        cache.set(f"preview-failed:{name}", str(error) or type(error).__name__, RENDERING_SECONDS)
        return
    finally:
        cache.delete(f"preview-rendering:{name}")
    folder = _folder(status_round, municipality)
    if default_storage.exists(folder):
        # Earlier versions' previews are of no more use.
        for old in default_storage.listdir(folder)[1]:
            default_storage.delete(folder + old)
    default_storage.save(name, ContentFile(pdf))
