"""The PDF status papers: the region's paper for a round and one municipality's report.

HTML templates under templates/reports/pdf/ (with the print CSS beside them) are filled from
`reports.progress` and drawn by WeasyPrint as tagged PDF (PDF/UA-1, title, author and
language in the metadata) with the DejaVu Sans font embedded. A published round renders from
its publication (the frozen record), so a re-render shows what was published; an
unpublished round renders today's data with an "UDKAST" watermark.

Publishing a round stores every paper of that publication once (`schedule_papers`): one
`StoredPaper` row per document, rendered by the Celery task in reports/tasks.py (after the
response in a thread of the web process when no broker is set, see reports/background.py).
Downloads serve the stored file and never render; every version's files stay.
"""

import base64
import logging
import traceback

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils import translation
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from goals.models import StatusReport
from reports import background
from reports import charts
from reports.evaluation import OVERDUE
from reports.evaluation import Evaluation
from reports.evaluation import legend
from reports.models import StoredPaper
from reports.progress import published_progress
from reports.progress import round_progress

log = logging.getLogger(__name__)
# WeasyPrint logs every layout step at INFO; a paper is not news.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

STATIC_DIR = settings.BASE_DIR / "static"
PDF_VARIANT = "pdf/ua-1"
_TRANSLITERATION = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})


def is_draft(status_round):
    """True when the round's paper shows today's data rather than a publication."""
    return not status_round.is_published


def progress_for(status_round):
    """What a paper of the round shows: the published record while the round is published,
    else today's data (a draft, or a round reopened for a correction)."""
    if not is_draft(status_round):
        progress = published_progress(status_round)
        if progress is not None:
            return progress
    return round_progress(status_round)


def download_filename(status_round, municipality=None, version=None):
    """`KKR-Hovedstaden-status-2018.pdf`, or `…-2018-101-Koebenhavn.pdf` for a municipality;
    a corrected version ends `…-v2.pdf`."""
    parts = ["KKR", status_round.paper.region.name, "status", str(status_round.year)]
    if municipality is not None:
        parts += [str(municipality.kommunekode), municipality.name]
    if version and version > 1:
        parts.append(f"v{version}")
    name = "-".join(part.replace(" ", "-") for part in parts).translate(_TRANSLITERATION)
    return name + ".pdf"


def _author(region):
    return _("Det fælleskommunale sundhedssekretariat, %(kkr)s") % {"kkr": region.kkr_name}


def _has_due(milestone_progresses):
    """Whether a "Frist" column would carry a date: a column of blanks is left out."""
    return any(mp.milestone.due or mp.milestone.due_text for mp in milestone_progresses)


def summary_paragraph(progress):
    """The résumé in words, from the figures: how the goals stand, why the ones behind are
    behind, who has not reported and what was decided."""
    commitments = progress.commitments
    counts = [(label, n) for _v, label, _s, n in progress.verdicts if n]
    sentences = [
        ngettext(
            "Af %(total)s mål er %(parts)s.",
            "Af %(total)s mål er %(parts)s.",
            len(commitments),
        )
        % {
            "total": len(commitments),
            "parts": get_text_list([f"{n} {str(label).lower()}" for label, n in counts], _("og")),
        }
    ]
    behind = [g.goal.number for g in commitments if g.verdict == OVERDUE]
    if behind:
        sentences.append(
            ngettext(
                "Mål %(numbers)s er %(behind)s, fordi mindst én milepæl ikke er opfyldt, "
                "selv om fristen er passeret.",
                "Mål %(numbers)s er %(behind)s, fordi mindst én milepæl i hvert af dem ikke er "
                "opfyldt, selv om fristen er passeret.",
                len(behind),
            )
            % {
                "numbers": get_text_list(behind, _("og")),
                "behind": str(Evaluation(OVERDUE).label).lower(),
            }
        )
    total = len(progress.municipalities)
    missing = total - progress.reported_count
    if not progress.asked_municipalities:
        sentences.append(
            _(
                "Kommunerne skulle ikke indberette i denne runde: sekretariatet har gjort "
                "status for de fælles milepæle."
            )
        )
    elif not missing:
        sentences.append(
            ngettext(
                "Kommunen har indsendt sin status.",
                "Alle %(total)s kommuner har indsendt deres status.",
                total,
            )
            % {"total": total}
        )
    else:
        sentences.append(
            ngettext(
                "%(reported)s af %(total)s kommuner har indsendt deres status; %(missing)s "
                "kommune har endnu ikke.",
                "%(reported)s af %(total)s kommuner har indsendt deres status; %(missing)s "
                "kommuner har endnu ikke.",
                missing,
            )
            % {"reported": progress.reported_count, "total": total, "missing": missing}
        )
    decisions = progress.decisions
    if decisions:
        kinds = {}
        for g in decisions:
            label = g.decision.get_decision_display()
            kinds[label] = kinds.get(label, 0) + 1
        sentences.append(
            _("Årets beslutninger: %(decisions)s.")
            % {"decisions": ", ".join(f"{n} {label}" for label, n in kinds.items())}
        )
    return " ".join(sentences)


def logo_data_uri(region):
    """The region's uploaded logo inline, so the PDF needs no file URL; None without one
    (or when the file has gone missing: the paper is still made, without the logo)."""
    if not region.logo:
        return None
    try:
        with region.logo.open("rb") as file:
            data = file.read()
    except OSError:
        log.warning("The logo of %s could not be read", region)
        return None
    mime = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def status_paper_html(status_round, *, progress=None):
    """The region's status paper as HTML, ready for WeasyPrint."""
    progress = progress or progress_for(status_round)
    with translation.override("da"):
        for goal in progress.goals:
            goal.chart = charts.trend_chart(goal)
            goal.show_due = _has_due(goal.milestones)
        region, paper = progress.region, progress.paper
        title = _("%(kkr)s – Status %(year)s: %(paper)s") % {
            "kkr": region.kkr_name,
            "year": progress.round.year,
            "paper": paper.title,
        }
        return render_to_string(
            "reports/pdf/status_paper.html",
            {
                "progress": progress,
                "round": progress.round,
                "region": region,
                "paper": paper,
                "draft": not progress.published,
                "title": title,
                "author": _author(region),
                "description": _("Årlig status over de fælles sundhedsmål i %(kkr)s.")
                % {"kkr": region.kkr_name},
                "created": timezone.now(),
                "legend": legend(),
                "comments": progress.comments(),
                "summary": summary_paragraph(progress),
                "logo": logo_data_uri(region),
            },
        )


def municipality_paper_html(status_round, municipality, *, progress=None):
    """One municipality's report for the round, with the region's totals beside it."""
    progress = progress or progress_for(status_round)
    # The municipality as published (its name then), when the record has it.
    municipality = progress.municipality(municipality.kommunekode) or municipality
    report = progress.reports.get(municipality.pk)
    with translation.override("da"):
        for goal in progress.goals:
            goal.show_municipal_due = _has_due(goal.municipality_milestones)
        region = progress.region
        title = _("%(name)s – Status %(year)s: %(paper)s") % {
            "name": municipality.name,
            "year": progress.round.year,
            "paper": progress.paper.title,
        }
        return render_to_string(
            "reports/pdf/municipality_paper.html",
            {
                "progress": progress,
                "round": progress.round,
                "region": region,
                "paper": progress.paper,
                "municipality": municipality,
                "report": report,
                "report_state": (
                    StatusReport.State(report["state"]).label if report else _("ingen indberetning")
                ),
                "lines": progress.municipality_lines(municipality),
                "indicators": progress.indicator_rows(municipality),
                "draft": not progress.published,
                "title": title,
                "author": _author(region),
                "description": title,
                "created": timezone.now(),
                "legend": legend(),
            },
        )


def html_to_pdf(html):
    """WeasyPrint: tagged PDF/UA with the fonts embedded (imported late: it is heavy)."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    return HTML(string=html, base_url=str(STATIC_DIR) + "/").write_pdf(
        font_config=FontConfiguration(), pdf_variant=PDF_VARIANT
    )


def render_status_paper(status_round, municipality=None, *, progress=None):
    """The PDF bytes of the region's paper, or of one municipality's report."""
    if municipality is None:
        return html_to_pdf(status_paper_html(status_round, progress=progress))
    return html_to_pdf(municipality_paper_html(status_round, municipality, progress=progress))


# Storing at publication ---------------------------------------------------------------------


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
    from reports.tasks import render_stored_paper

    return render_stored_paper.app.conf.task_always_eager


def queue_rendering(ids):
    """Hand the stored papers to the Celery worker, or without a broker to a thread of this
    process after the response (reports/background.py): never render inside a request.

    A paper that cannot be queued, e.g. while the broker is down, is marked failed rather than
    left pending for ever, so the secretariat sees it and can retry it."""
    from reports.tasks import render_stored_paper

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
    from reports.tasks import render_stored_paper

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


def render_stored(stored):
    """Render one stored paper and save its file; a failure is recorded on the row (and
    shown in the admin, where it can be retried) instead of raised. Either way the row and
    the storage agree: a done paper has its new file, a failed one has none."""
    stored.attempts += 1
    try:
        progress = (
            published_progress(stored.round, stored.publication.version)
            if stored.publication_id
            else None
        )
        pdf = render_status_paper(stored.round, stored.municipality, progress=progress)
        _remove_file(stored)  # a re-render replaces the file under the same name
        stored.file.save(
            download_filename(stored.round, stored.municipality), ContentFile(pdf), save=False
        )
    except Exception as error:
        log.exception("Rendering %s failed", stored)
        # Whatever was written of it, or rendered before, is not this paper: no leftovers.
        _remove_file(stored)
        stored.state = StoredPaper.State.FAILED
        stored.error = f"{error.__class__.__name__}: {error}\n\n{traceback.format_exc()}"
        stored.save(update_fields=["file", "state", "error", "attempts"])
        return stored
    stored.state = StoredPaper.State.DONE
    stored.error = ""
    stored.rendered_at = timezone.now()
    stored.save(update_fields=["file", "state", "error", "rendered_at", "attempts"])
    return stored


def _remove_file(stored):
    if stored.file:
        try:
            stored.file.storage.delete(stored.file.name)
        except Exception:  # S3 raises its own errors; a leftover file is no reason to fail
            log.exception("Removing %s failed", stored.file.name)
        stored.file = ""


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
