"""The PDF status papers: the region's paper for a round and one municipality's report.

HTML templates under templates/reports/pdf/ (with the print CSS beside them) are filled from
`reports.progress` and drawn by WeasyPrint as tagged PDF (PDF/UA-1, title, author and
language in the metadata) with the DejaVu Sans font embedded. A published round renders from
its publication (the frozen record), so a re-render shows what was published; an
unpublished round renders today's data with an "UDKAST" watermark.

Publishing a round stores every paper of that publication once: one `StoredPaper` row per
document (`reports.tasks.schedule_papers`), rendered by `render_stored` here in the job that
reports/tasks.py queues and a worker runs. Downloads serve the stored file and never render; every version's
files stay.
"""

import base64
import logging
import traceback
from collections import Counter

from django.conf import settings
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils import translation
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from goals.evaluation import MISSING
from goals.evaluation import OVERDUE
from goals.evaluation import Evaluation
from goals.evaluation import legend
from goals.models import StatusReport
from reports import charts
from reports.models import StoredPaper
from reports.progress import published_progress
from reports.progress import round_progress
from reports.series import municipality_series
from reports.series import paper_series

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
    sentences = []
    if counts:
        sentences.append(
            ngettext(
                "Af %(total)s mål er %(parts)s.",
                "Af %(total)s mål er %(parts)s.",
                len(commitments),
            )
            % {
                "total": len(commitments),
                "parts": get_text_list(
                    [f"{n} {str(label).lower()}" for label, n in counts], _("og")
                ),
            }
        )
    unjudged = progress.unjudged
    if unjudged:
        sentences.append(
            ngettext(
                "%(n)s mål har intet at vurdere i denne status.",
                "%(n)s mål har intet at vurdere i denne status.",
                len(unjudged),
            )
            % {"n": len(unjudged)}
        )
    # Why each late goal is late: the reason the goal's page gives (goal_verdict).
    sentences += [
        _("Mål %(number)s er forsinket. %(reason)s")
        % {"number": g.goal.number, "reason": g.verdict_reason}
        for g in commitments
        if g.verdict == OVERDUE
    ]
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
        kinds = Counter(str(g.decision.get_decision_display()) for g in decisions)
        sentences.append(
            ngettext(
                "Der er truffet %(n)s beslutning: %(decisions)s.",
                "Der er truffet %(n)s beslutninger: %(decisions)s.",
                len(decisions),
            )
            % {
                "n": len(decisions),
                "decisions": ", ".join(f"{n} {label}" for label, n in kinds.items()),
            }
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
        # The sources' figures up to the round's year (reports/series.py).
        series = paper_series(
            progress.paper, progress.region, progress.municipalities, until=progress.round.year
        )
        for goal in progress.goals:
            goal.chart = charts.trend_chart(goal)
            goal.show_due = _has_due(goal.milestones)
            goal.series = series.get(goal.goal.pk, [])
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
                "report_state": _public_report_state(report),
                "lines": progress.municipality_lines(municipality),
                "indicators": progress.indicator_rows(municipality),
                "series": municipality_series(
                    region, municipality, papers=[progress.paper], until=progress.round.year
                ),
                "draft": not progress.published,
                "title": title,
                "author": _author(region),
                "description": title,
                "created": timezone.now(),
                "legend": legend(),
            },
        )


def _public_report_state(report):
    """The report's state as the public reads it: a report never sent in (a draft, one
    returned) is "ikke indberettet", a word the public knows, not the workflow's "kladde"."""
    if report is None or report["state"] not in StatusReport.REPORTED_STATES:
        return Evaluation(MISSING).label.lower()
    return StatusReport.State(report["state"]).label


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


# Storing a paper ------------------------------------------------------------------------


def render_stored(stored):
    """Render one stored paper and save its file; a failure is recorded on the row (and
    shown on the round's cockpit and in the admin, where it can be retried) instead of
    raised. Either way the row and the storage agree: a done paper has its new file, a failed
    one has none. The job queue claims the paper first (reports/tasks.py); its lease ends
    here."""
    stored.lease_until = None
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
        stored.save(update_fields=["file", "state", "error", "lease_until"])
        return stored
    stored.state = StoredPaper.State.DONE
    stored.error = ""
    stored.rendered_at = timezone.now()
    stored.save(update_fields=["file", "state", "error", "rendered_at", "lease_until"])
    return stored


def _remove_file(stored):
    if stored.file:
        try:
            stored.file.storage.delete(stored.file.name)
        except Exception:  # S3 raises its own errors; a leftover file is no reason to fail
            log.exception("Removing %s failed", stored.file.name)
        stored.file = ""
