"""Municipal reporting under /indberetning/: the reporter's home, the report form with its
autosave, the summary before submitting, the profile with API keys, and evidence files (which
the region's secretariat may open too; its own pages are reports/secretariat.py).

Each view fetches its object through one access helper (404 when it is not the user's), lets
a form validate, and leaves the change to `goals.rounds`. A refusal of the state machine comes
back as `TransitionError` and is shown as a message, never as an error page.
"""

import mimetypes
import os
from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse
from django.http import Http404
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.shortcuts import redirect
from django.shortcuts import render
from django.utils import formats
from django.utils import timezone
from django.utils.translation import gettext as _

from goals import evidence
from goals import provenance
from goals import rounds
from goals.evaluation import Cell
from goals.evaluation import Evaluation
from goals.evaluation import line_evaluation
from goals.forms import ConfirmSubmitForm
from goals.forms import ReportForm
from goals.models import MilestoneStatus
from goals.models import StatusReport
from municipalities import tokens
from municipalities.models import Municipality
from municipalities.models import Region

# Who submitted and who reviewed are read when a page shows them: joining the two users as
# well took PostgreSQL's planner longer than the rest of a save (10 relations), and a save
# never shows them.
REPORT_RELATED = ("round__paper__region", "municipality__cluster")


# --- access helpers ------------------------------------------------------------------------


def _get_report_for_user(request, pk):
    """The report, if the user reports for its municipality; 404 for anybody else."""
    return get_object_or_404(
        StatusReport.objects.select_related(*REPORT_RELATED),
        pk=pk,
        municipality__in=Municipality.objects.reported_by(request.user),
    )


def _get_line_for_user(request, pk):
    """An evidence line its municipality's reporters and its region's secretariat may open."""
    allowed = Q(report__municipality__in=Municipality.objects.reported_by(request.user)) | Q(
        report__round__paper__region__in=Region.objects.staffed_by(request.user)
    )
    return get_object_or_404(MilestoneStatus.objects.filter(allowed), pk=pk)


# --- the municipality ----------------------------------------------------------------------


@login_required
def reporter_home(request):
    municipalities = list(Municipality.objects.reported_by(request.user))
    reports = list(
        StatusReport.objects.filter(municipality__in=municipalities)
        .with_lines_filled()
        .select_related("round__paper", "municipality", "updated_by")
        .order_by("-round__year", "round__paper__title", "municipality__name")
    )
    today = timezone.localdate()
    for report in reports:
        report.overdue = report.is_overdue(today)
        report.days = report.days_left(today)
        report.days_over = report.days_overdue(today)
        report.editable = report.reporting_refusal(today) is None
    current = [r for r in reports if r.round.is_open]
    past = [r for r in reports if not r.round.is_open]
    return render(
        request,
        "goals/reporter_home.html",
        {"municipalities": municipalities, "current": current, "past": past},
    )


@login_required
def profile(request):
    """The reporter's API tokens: make one (its key is shown on this page, once; at most
    `tokens.LIVE_TOKENS_PER_USER`) or revoke one. A token acts as the user: it reaches only
    the user's own municipalities' reports, and only the user makes one."""
    municipalities = list(Municipality.objects.reported_by(request.user))
    new_key = None
    if request.method == "POST" and municipalities:
        action = request.POST.get("action")
        if action == "create":
            try:
                _token, new_key = tokens.issue_token(request.user, by=request.user)
            except ValidationError as refusal:
                messages.error(request, " ".join(refusal.messages))
                return redirect("goals:profile")
        elif action == "revoke":
            if tokens.revoke_token(request.user, request.POST.get("token", "")):
                messages.success(request, _("API-nøglen er tilbagekaldt."))
            else:
                messages.error(request, _("Den API-nøgle findes ikke (længere)."))
            return redirect("goals:profile")
    return render(
        request,
        "goals/profile.html",
        {
            "municipalities": municipalities,
            "tokens": list(tokens.tokens_of(request.user)) if municipalities else [],
            "new_key": new_key,
        },
    )


def _conflict_data(post, conflict, first_form):
    """The user's input with what somebody else saved merged in: a field the user did not
    touch takes the saved value; a field both changed keeps the user's and is flagged."""
    data = post.copy()
    data["version"] = str(conflict.current_version)
    clashes = {}
    for change in conflict.changes:
        for name, (before, now) in change.fields.items():
            if name == "evidence_file":
                continue
            mine = first_form.typed(change.kind, change.object_id, name)
            if (mine or "") == (before or ""):
                field = first_form.bound_field(change.kind, change.object_id, name)
                data[field.html_name] = formats.localize_input(now) if now is not None else ""
            else:
                clashes[(change.kind, change.object_id, name)] = now
    return data, clashes


def _year_text(obj, field):
    """A year as the form shows it: "ca. 2013" where the portal estimated it."""
    note = provenance.addition(obj, field)
    year = getattr(obj, field)
    return _("ca. %(year)s") % {"year": year} if note and note.estimated else str(year)


def _baseline_years(report, lines):
    """Each line's `baseline_when`: the year of its milestone's "Udgangspunkt", the
    milestone's own or else the paper's adoption (the figure is the region's when the goal
    was adopted)."""
    adopted = _year_text(report.round.paper, "adopted_year")
    for line in lines:
        milestone = line.milestone
        line.baseline_when = (
            _year_text(milestone, "baseline_year") if milestone.baseline_year else adopted
        )


def _saved_by(conflict):
    """Who saved the report before the user did, for the sentence saying so."""
    return conflict.changed_by.get_username() if conflict.changed_by else _("En anden")


def _autosave(request, report, refusal):
    """The draft as static/js/report-form.js sends it a few seconds after typing stops,
    saved through the same version guard as the page's buttons (never files: those wait for
    "Gem kladde"). JSON: the new version and "Gemt kl. HH:MM"; 409 with a sentence when
    somebody else saved since or the report cannot be changed (nothing is written)."""
    if refusal:
        return JsonResponse({"error": refusal}, status=409)
    lines, values = report.rows()
    form = ReportForm(request.POST, lines=lines, values=values)
    if not form.is_valid():
        return JsonResponse(
            {
                "error": _(
                    "Kladden kan ikke gemmes automatisk, fordi et felt ikke er udfyldt "
                    "rigtigt (fx et link eller et tal). Tryk “Gem kladde” for at se hvor."
                )
            },
            status=400,
        )
    answers = {
        milestone: {**answer, "evidence_file": None, "clear_evidence_file": False}
        for milestone, answer in form.lines_payload().items()
    }
    try:
        report = rounds.save_report(
            report,
            version=form.cleaned_data["version"],
            lines=answers,
            values=form.values_payload(),
            by=request.user,
        )
    except rounds.ReportConflict as conflict:
        text = _(
            "%(who)s har gemt indberetningen, mens du skrev, så dine seneste ændringer er ikke "
            "gemt automatisk. Tryk “Gem kladde”: så ser du begges ændringer og kan gemme dine."
        )
        return JsonResponse({"error": text % {"who": _saved_by(conflict)}}, status=409)
    except rounds.TransitionError as error:
        return JsonResponse({"error": error.text}, status=409)
    saved = timezone.localtime(report.updated_at)
    return JsonResponse(
        {"version": report.version, "status": _("Gemt kl. %(time)s") % {"time": f"{saved:%H:%M}"}}
    )


def _autosave_login_required(view):
    """login_required, except that the form's autosave gets JSON: the script would otherwise
    be sent the login page, and "Gem kladde" would then lose the typing to the redirect."""
    page = login_required(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        autosave = request.method == "POST" and "autosave" in request.POST
        if autosave and not request.user.is_authenticated:
            text = _(
                "Du er ikke længere logget ind, så dine seneste ændringer er ikke gemt. "
                "Kopiér dem, før du logger ind igen og retter indberetningen."
            )
            return JsonResponse({"error": text}, status=401)
        return page(request, *args, **kwargs)

    return wrapper


@_autosave_login_required
def report_form(request, pk):
    """The report form: shown, saved as a draft ("Gem kladde", back to the form) or saved
    and sent on to the summary to confirm ("Indsend", report_confirm, where the rules of
    submitting apply: nothing typed is lost on the way). The autosave is `_autosave`."""
    report = _get_report_for_user(request, pk)
    refusal = report.reporting_refusal()
    if request.method == "POST" and "autosave" in request.POST:
        return _autosave(request, report, refusal)
    if request.method != "POST" and refusal:
        return _report_view_page(request, report, refusal)
    lines, values = _form_lines(report)
    if request.method != "POST":
        form = ReportForm(
            initial={"version": report.version}, lines=lines, values=values, read_only=bool(refusal)
        )
        return _report_form_page(request, _Shown(report, form, lines, values), refusal)
    outcome = _post_report_form(request, report, refusal, lines, values)
    if isinstance(outcome, _Shown):
        return _report_form_page(request, outcome, refusal)
    return outcome


@dataclass
class _Shown:
    """What the report form page shows: the report, its form, the lines and values the form
    was made with, and the conflict when somebody else saved first."""

    report: StatusReport
    form: ReportForm
    lines: list
    values: list
    conflict: rounds.ReportConflict | None = None


def _form_lines(report):
    """The report's lines and values for the form, each line with what its saved status will
    be evaluated as once submitted (goals.evaluation), what each other status would be
    (`previews`: static/js/report-form.js shows the chosen one at once), and its baseline's
    year."""
    lines, values = report.rows()
    year = report.round.year
    for line in lines:
        line.evaluation = line_evaluation(line.status, line.milestone, year)
        line.previews = [
            (status, line_evaluation(status, line.milestone, year))
            for status in MilestoneStatus.Status.values
        ]
    _baseline_years(report, lines)
    return lines, values


def _files_again(request, text):
    """`text`, and when files were chosen, that they must be chosen again: browsers never
    refill a file input; say so rather than let it vanish quietly."""
    if request.FILES:
        text += " " + _("Vælg eventuelle nye filer igen, før du gemmer.")
    return text


def _post_report_form(request, report, refusal, lines, values):
    """The form as sent: saved and redirected, or `_Shown` again with a message saying why
    nothing was saved (an upload too large or of too many files, a report that cannot be
    changed, errors)."""
    options = {"read_only": bool(refusal)}
    too_large = evidence.refused_upload(request)
    if too_large:
        # The upload was cut off, so the rest of the page never arrived: nothing is saved.
        messages.error(request, too_large)
        form = ReportForm(
            initial={"version": report.version}, lines=lines, values=values, **options
        )
        return _Shown(report, form, lines, values)
    too_many = evidence.too_many_files(request)
    if too_many and not refusal:
        # No file is checked or saved; what was typed is shown again, to save with fewer.
        messages.error(request, too_many)
        form = ReportForm(initial=request.POST.dict(), lines=lines, values=values)
        return _Shown(report, form, lines, values)
    if refusal:
        # Nothing is saved, but what the user typed stays on the read-only page to copy.
        messages.error(
            request,
            refusal
            + " "
            + _("Dine indtastninger er ikke gemt. De står herunder, så du kan kopiere dem."),
        )
        form = ReportForm(
            initial=request.POST.dict(), lines=lines, values=values, copyable=True, **options
        )
        return _Shown(report, form, lines, values)
    form = ReportForm(request.POST, request.FILES, lines=lines, values=values, **options)
    if not form.is_valid():
        text = _("Indberetningen er ikke gemt. Ret venligst fejlene, der er markeret herunder.")
        messages.error(request, _files_again(request, text))
        return _Shown(report, form, lines, values)
    return _save_report_form(request, report, form, lines, values, options)


def _save_report_form(request, report, form, lines, values, options):
    """Save the valid `form` through the version guard: redirected to the summary
    ("Indsend") or back to the form ("Gem kladde"); on a conflict the form again with both
    users' changes merged (`_conflict_data`); on a refusal the input shown again."""
    try:
        with transaction.atomic():
            report = rounds.save_report(
                report,
                version=form.cleaned_data["version"],
                lines=form.lines_payload(),
                values=form.values_payload(),
                by=request.user,
            )
    except rounds.ReportConflict as conflict:
        lines, values = _form_lines(report)
        data, clashes = _conflict_data(request.POST, conflict, form)
        form = ReportForm(data, lines=lines, values=values, **options)
        form.clashes = clashes
        return _Shown(report, form, lines, values, conflict)
    except rounds.TransitionError as error:
        # Refused after the checks above (the round closed meanwhile, say): nothing is
        # saved, and the page shows the input again rather than dropping it.
        report = _get_report_for_user(request, report.pk)
        messages.error(request, _files_again(request, error.text))
        return _Shown(report, form, lines, values)
    if "submit" in request.POST:
        return redirect("goals:report_confirm", pk=report.pk)
    messages.success(request, _("Kladden er gemt."))
    return redirect("goals:report_form", pk=report.pk)


def _report_form_page(request, shown, refusal):
    """The form page. Earlier answers are shown beside the fields, so only a page that is
    shown reads them (not a save that succeeds and redirects)."""
    report, form, lines, values = shown.report, shown.form, shown.lines, shown.values
    form.previous_lines, form.previous_values = report.previous_answers(lines, values)
    return render(
        request,
        "goals/report_form.html",
        {
            "report": report,
            "form": form,
            "refusal": refusal,
            "conflict": shown.conflict,
            # The rebuilt form after a conflict cannot hold the files the user had chosen.
            "files_lost": bool(shown.conflict and request.FILES),
            "overdue": report.is_overdue(timezone.localdate()),
            "nothing_to_report": not (lines or values),
            "editable": not refusal and bool(lines or values),
        },
    )


def _summary_lines(report):
    """The report's lines and values as the summary and the read-only report show them: each
    line with its evaluation once submitted, "Mangler" where it has no status."""
    lines, values = report.rows()
    year = report.round.year
    for line in lines:
        line.evaluation = line_evaluation(line.status, line.milestone, year) or Cell(
            evaluation=Evaluation.MISSING
        )
    return lines, values


def _report_view_page(request, report, refusal):
    """A report the municipality can no longer change (submitted, approved, or its round
    closed or past its deadline) is shown read, as the secretariat sees it: whole comments,
    the documentation's links and each line's evaluation; not as a form greyed out."""
    lines, values = _summary_lines(report)
    return render(
        request,
        "goals/report_form.html",
        {
            "report": report,
            "refusal": refusal,
            "read_view": True,
            "lines": lines,
            "values": values,
            "overdue": report.is_overdue(timezone.localdate()),
            "nothing_to_report": not (lines or values),
        },
    )


@login_required
def report_confirm(request, pk):
    """What "Indsend" is about to send, line by line: the municipality's status, the blank
    lines, and the portal's evaluation of each. "Bekræft indsendelse" submits the version the
    summary showed; a report somebody saved since is shown again to confirm anew."""
    report = _get_report_for_user(request, pk)
    refusal = report.reporting_refusal()
    lines, values = _summary_lines(report)
    if refusal or not (lines or values):
        return redirect("goals:report_form", pk=report.pk)
    if request.method == "POST":
        form = ConfirmSubmitForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Siden manglede oplysninger om indberetningen. Prøv igen."))
            return redirect("goals:report_confirm", pk=report.pk)
        try:
            rounds.submit_report(report, by=request.user, version=form.cleaned_data["version"])
        except rounds.ReportConflict as conflict:
            messages.error(
                request,
                _(
                    "%(who)s har gemt indberetningen, efter oversigten blev vist. Se den "
                    "opdaterede oversigt herunder, og bekræft igen."
                )
                % {"who": _saved_by(conflict)},
            )
        except rounds.TransitionError as error:
            messages.error(request, error.text)
        else:
            messages.success(request, _("Tak! Indberetningen er indsendt til sekretariatet."))
            return redirect("goals:report_form", pk=report.pk)
        return redirect("goals:report_confirm", pk=report.pk)
    return render(
        request,
        "goals/report_confirm.html",
        {
            "report": report,
            "lines": lines,
            "values": values,
            "missing": report.blank_lines(lines),
            "form": ConfirmSubmitForm(initial={"version": report.version}),
        },
    )


@login_required
def evidence_file(request, line_pk):
    """An uploaded document, for its municipality's reporters and its region's secretariat."""
    line = _get_line_for_user(request, line_pk)
    if not line.evidence_file:
        raise Http404
    try:
        handle = line.evidence_file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    name = os.path.basename(line.evidence_file.name)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    # A municipality's own document: never kept by a shared cache or on a shared computer.
    response["Cache-Control"] = "private, no-store"
    return response
