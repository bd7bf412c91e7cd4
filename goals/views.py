"""Municipal reporting (/indberetning/) and the secretariat's round pages (/sekretariat/).

Each view fetches its object through one access helper (404 when it is not the user's), lets
a form validate, and leaves the change to `goals.rounds`. A refusal of the state machine comes
back as `TransitionError` and is shown as a message, never as an error page.
"""

import mimetypes
import os
from collections.abc import Callable
from functools import wraps
from typing import NamedTuple

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.db import transaction
from django.db.models import Case
from django.db.models import Count
from django.db.models import Q
from django.db.models import When
from django.http import FileResponse
from django.http import Http404
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.shortcuts import redirect
from django.shortcuts import render
from django.utils import formats
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from goals import evidence
from goals import notifications
from goals import provenance
from goals import rounds
from goals import shared_pages
from goals.forms import ConfirmSubmitForm
from goals.forms import ReopenForm
from goals.forms import ReportForm
from goals.forms import ReviewForm
from goals.forms import RoundForm
from goals.forms import duplicate_round
from goals.models import GoalPaper
from goals.models import MilestoneStatus
from goals.models import StatusReport
from goals.models import StatusRound
from municipalities import tokens
from municipalities.models import Municipality
from municipalities.models import Region
from reports import exports
from reports.evaluation import Cell
from reports.evaluation import Evaluation
from reports.evaluation import change_text
from reports.evaluation import line_evaluation

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


def _staff_regions(request):
    """Regions whose secretariat the user is on (none once their staff status is taken)."""
    return Region.objects.staffed_by(request.user)


def _get_round_for_staff(request, pk):
    """The round, if the user is on the secretariat of its region; 404 otherwise."""
    return get_object_or_404(
        StatusRound.objects.select_related("paper__region"),
        pk=pk,
        paper__region__in=_staff_regions(request),
    )


def _get_report_for_staff(request, pk):
    """The report, if the user is on the secretariat of its region; 404 otherwise."""
    return get_object_or_404(
        StatusReport.objects.select_related(*REPORT_RELATED),
        pk=pk,
        round__paper__region__in=_staff_regions(request),
    )


def _get_line_for_user(request, pk):
    """An evidence line its municipality's reporters and its region's secretariat may open."""
    allowed = Q(report__municipality__in=Municipality.objects.reported_by(request.user)) | Q(
        report__round__paper__region__in=_staff_regions(request)
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
        report.days_over = -report.days if report.days is not None else None
        report.editable = rounds.reporting_refusal(report, today) is None
    current = [r for r in reports if r.round.is_open]
    past = [r for r in reports if not r.round.is_open]
    return render(
        request,
        "goals/reporter_home.html",
        {"municipalities": municipalities, "current": current, "past": past},
    )


@login_required
def profile(request):
    """The reporter's API tokens: make one (its key is shown on this page, once) or revoke
    one. A token acts as the user: it reaches only the user's own municipalities' reports."""
    municipalities = list(Municipality.objects.reported_by(request.user))
    new_key = None
    if request.method == "POST" and municipalities:
        action = request.POST.get("action")
        if action == "create":
            _token, new_key = tokens.issue_token(request.user)
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
    report = _get_report_for_user(request, pk)
    refusal = rounds.reporting_refusal(report)
    if request.method == "POST" and "autosave" in request.POST:
        return _autosave(request, report, refusal)
    lines, values = report.rows()
    for line in lines:
        # What the saved status will be evaluated as once submitted (reports.evaluation).
        line.evaluation = line_evaluation(line.status, line.milestone, report.round.year)
    _baseline_years(report, lines)
    # "Indsend" saves what is typed as a draft and shows the summary to confirm
    # (report_confirm), where the rules of submitting apply: nothing typed is lost on the way.
    submitting = request.method == "POST" and "submit" in request.POST
    options = {"read_only": bool(refusal)}
    conflict = None
    too_large = request.method == "POST" and evidence.refused_upload(request)
    if too_large:
        # The upload was cut off, so the rest of the page never arrived: nothing is saved.
        messages.error(request, too_large)
        form = ReportForm(
            initial={"version": report.version}, lines=lines, values=values, **options
        )
    elif request.method == "POST" and refusal:
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
    elif request.method == "POST":
        form = ReportForm(request.POST, request.FILES, lines=lines, values=values, **options)
        if form.is_valid():
            try:
                with transaction.atomic():
                    report = rounds.save_report(
                        report,
                        version=form.cleaned_data["version"],
                        lines=form.lines_payload(),
                        values=form.values_payload(),
                        by=request.user,
                    )
            except rounds.ReportConflict as error:
                conflict = error
                lines, values = report.rows()
                data, clashes = _conflict_data(request.POST, error, form)
                form = ReportForm(data, lines=lines, values=values, **options)
                form.clashes = clashes
            except rounds.TransitionError as error:
                # Refused after the checks above (the round closed meanwhile, say): nothing is
                # saved, and the page shows the input again rather than dropping it.
                report = _get_report_for_user(request, pk)
                text = error.text
                if request.FILES:
                    text += " " + _("Vælg eventuelle nye filer igen, før du gemmer.")
                messages.error(request, text)
            else:
                if submitting:
                    return redirect("goals:report_confirm", pk=report.pk)
                messages.success(request, _("Kladden er gemt."))
                return redirect("goals:report_form", pk=report.pk)
        else:
            text = _("Indberetningen er ikke gemt. Ret venligst fejlene, der er markeret herunder.")
            if request.FILES:
                # Browsers never refill a file input; say so rather than let it vanish quietly.
                text += " " + _("Vælg eventuelle nye filer igen, før du gemmer.")
            messages.error(request, text)
    else:
        form = ReportForm(
            initial={"version": report.version}, lines=lines, values=values, **options
        )
    # Earlier answers are shown beside the fields, so only a page that is shown reads them
    # (not a save that succeeds and redirects).
    form.previous_lines, form.previous_values = report.previous_answers(lines, values)
    return render(
        request,
        "goals/report_form.html",
        {
            "report": report,
            "form": form,
            "refusal": refusal,
            "conflict": conflict,
            # The rebuilt form after a conflict cannot hold the files the user had chosen.
            "files_lost": bool(conflict and request.FILES),
            "overdue": report.is_overdue(timezone.localdate()),
            "nothing_to_report": not (lines or values),
            "editable": not refusal and bool(lines or values),
        },
    )


@login_required
def report_confirm(request, pk):
    """What "Indsend" is about to send, line by line: the municipality's status, the blank
    lines, and the portal's evaluation of each. "Bekræft indsendelse" submits the version the
    summary showed; a report somebody saved since is shown again to confirm anew."""
    report = _get_report_for_user(request, pk)
    refusal = rounds.reporting_refusal(report)
    lines, values = report.rows()
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
    year = report.round.year
    for line in lines:
        line.evaluation = line_evaluation(line.status, line.milestone, year) or Cell(
            evaluation=Evaluation.MISSING
        )
    return render(
        request,
        "goals/report_confirm.html",
        {
            "report": report,
            "lines": lines,
            "values": values,
            "missing": [line for line in lines if not line.status],
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


# --- the secretariat -----------------------------------------------------------------------


@login_required
def secretariat_home(request):
    regions = list(_staff_regions(request))
    if not regions:
        raise Http404
    papers = GoalPaper.objects.filter(region__in=regions)
    form = RoundForm(request.POST or None, papers=papers, prefix="round")
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                status_round = form.save()
        except IntegrityError:
            # Somebody made the same paper's round for that year since the form checked.
            form.add_error("year", duplicate_round(form.cleaned_data["year"]))
        else:
            messages.success(
                request,
                _("Runden %(year)s er oprettet. Åbn den, når kommunerne skal indberette.")
                % {"year": status_round.year},
            )
            return redirect("goals:round_overview", pk=status_round.pk)
    status_rounds = (
        StatusRound.objects.filter(paper__region__in=regions)
        .select_related("paper__region")
        .annotate(
            report_count=Count("reports"),
            done_count=Count("reports", filter=Q(reports__state__in=StatusReport.REPORTED_STATES)),
        )
        .order_by("paper__region__name", "-year", "paper__title")
    )
    return render(
        request,
        "goals/secretariat_home.html",
        {"regions": regions, "rounds": status_rounds, "form": form},
    )


# The cockpit's quick filters (`?vis=`) and sort orders (`?sorter=`, "-" first reverses):
# each names a QuerySet rule of `StatusReport`, so the page, its counts and the export agree.
COCKPIT_FILTERS = {
    "ikke-indsendt": (gettext_lazy("ikke indsendt"), lambda reports, today: reports.unsubmitted()),
    "over-fristen": (gettext_lazy("over fristen"), lambda reports, today: reports.overdue(today)),
    "ikke-paabegyndt": (gettext_lazy("ikke påbegyndt"), lambda reports, today: reports.untouched()),
    "til-gennemsyn": (
        gettext_lazy("til gennemsyn"),
        lambda reports, today: reports.awaiting_review(),
    ),
}
COCKPIT_ORDERS = {
    "kommune": ("municipality__name",),
    # Along the workflow: untouched drafts, half-done drafts, returned, submitted, approved.
    "tilstand": ("workflow_step", "municipality__name"),
    "aktivitet": ("updated_at", "municipality__name"),
    "linjer": ("lines_filled", "municipality__name"),
}


def _cockpit_reports(status_round):
    """The round's reports as the cockpit and its export show them (a fixed number of
    queries however many municipalities there are)."""
    reports = (
        status_round.reports.with_lines_filled()
        .with_last_reminder()
        .select_related("municipality__cluster", "updated_by", "submitted_by", "reviewed_by")
        .annotate(
            workflow_step=Case(
                When(state=StatusReport.State.DRAFT, version=1, then=0),
                When(state=StatusReport.State.DRAFT, then=1),
                When(state=StatusReport.State.RETURNED, then=2),
                When(state=StatusReport.State.SUBMITTED, then=3),
                default=4,
            )
        )
        .order_by("municipality__name")
    )
    return reports


def _with_round(reports, status_round):
    reports = list(reports)
    for report in reports:
        report.round = status_round  # already loaded; saves a query per row
    return reports


def _cockpit_link(request, **changes):
    query = request.GET.copy()
    for name, value in changes.items():
        query.pop(name, None)
        if value:
            query[name] = value
    return "?" + query.urlencode() if query else "?"


@login_required
def round_overview(request, pk):
    """The round's cockpit: per municipality its state, lines filled, last activity and days
    left or overdue; filtered and sorted by links, late municipalities reminded from here."""
    status_round = _get_round_for_staff(request, pk)
    region = status_round.paper.region
    today = timezone.localdate()
    everything = status_round.reports.all()
    reports = _cockpit_reports(status_round)
    # Every count on the page in one query, over the whole round, not just the rows shown.
    counted = {
        **{state: everything.filter(state=state) for state in StatusReport.State.values},
        **{
            slug: function(everything, today)
            for slug, (_label, function) in COCKPIT_FILTERS.items()
        },
        "overdue": everything.overdue(today),
        "remindable": everything.remindable(today),
    }
    tally = everything.tally(**counted)
    counts = {state: tally[state] for state in StatusReport.State.values}
    total = sum(counts.values())
    clusters = list(region.clusters.all())
    # Matched as text against the region's own clusters: any other value (too large for the
    # database, "²", another region's cluster) shows all of them rather than an error.
    wanted = request.GET.get("klynge", "")
    cluster = next((c for c in clusters if str(c.pk) == wanted), None)
    cluster_id = str(cluster.pk) if cluster else ""
    state = request.GET.get("tilstand", "")
    if cluster is not None:
        reports = reports.filter(municipality__cluster=cluster)
    if state in StatusReport.State.values:
        reports = reports.filter(state=state)
    shown = request.GET.get("vis", "")
    if shown in COCKPIT_FILTERS:
        reports = COCKPIT_FILTERS[shown][1](reports, today)
    else:
        shown = ""
    order = request.GET.get("sorter", "kommune")
    key = order.removeprefix("-")
    if key not in COCKPIT_ORDERS:
        order = key = "kommune"
    fields = COCKPIT_ORDERS[key]
    if order.startswith("-"):
        fields = ("-" + fields[0], *fields[1:])
    reports = _with_round(reports.order_by(*fields), status_round)
    for report in reports:
        report.overdue = report.is_overdue(today)
        report.days = report.days_left(today)
        report.days_over = -report.days if report.days is not None and report.days < 0 else 0
        report.reminded_today = bool(
            report.last_reminded_at and timezone.localdate(report.last_reminded_at) == today
        )
    overdue_count = tally["overdue"]
    return render(
        request,
        "goals/round_overview.html",
        {
            "round": status_round,
            "reports": reports,
            "counts": [(s, label, counts.get(s, 0)) for s, label in StatusReport.State.choices],
            "total": total,
            "done": sum(counts.get(state, 0) for state in StatusReport.REPORTED_STATES),
            # Over the whole round, like the counts beside it, not just the filtered rows.
            "overdue_count": overdue_count,
            "remindable_count": tally["remindable"],
            "quick_filters": [
                (
                    label,
                    _cockpit_link(request, vis=slug),
                    slug == shown,
                    tally[slug],
                )
                for slug, (label, _function) in COCKPIT_FILTERS.items()
            ],
            "all_link": _cockpit_link(request, vis=""),
            "shown": shown,
            "sort_links": {
                name: _cockpit_link(request, sorter="-" + name if order == name else name)
                for name in COCKPIT_ORDERS
            },
            "order": order,
            "clusters": clusters,
            "cluster_id": cluster_id,
            "state": state,
            "states": StatusReport.State.choices,
            "past_deadline": status_round.is_past_deadline(today),
            # The PDF papers rendered at publishing that failed (reports.StoredPaper), so the
            # secretariat sees it where it published, not only in the admin.
            "failed_papers": (
                status_round.stored_papers.filter(state="failed").count()
                if status_round.state == StatusRound.State.PUBLISHED
                else 0
            ),
        },
    )


@login_required
def round_overview_xlsx(request, pk):
    """The cockpit as an Excel sheet, with the same columns."""
    status_round = _get_round_for_staff(request, pk)
    reports = _with_round(_cockpit_reports(status_round), status_round)
    region = status_round.paper.region
    return exports.xlsx_response(
        f"oversigt-{region.slug}-{status_round.year}.xlsx",
        _("Status %(year)s") % {"year": status_round.year},
        exports.round_overview_columns(),
        exports.round_overview(status_round, reports),
    )


@login_required  # first, so anonymous visitors go to login rather than get a 405
@require_POST
def round_remind(request, pk):
    """ "Send påmindelse nu" to one late municipality (`report`) or all late ones."""
    status_round = _get_round_for_staff(request, pk)
    reports = _with_round(
        status_round.reports.overdue(timezone.localdate()).select_related("municipality"),
        status_round,
    )
    wanted = request.POST.getlist("report")[:1]
    if wanted and wanted[0]:
        # Matched as text against the round's own overdue reports: any other value (not a
        # number, too large for the database, another round's report) reminds nobody.
        reports = [report for report in reports if str(report.pk) == wanted[0]]
    reminded, skipped = notifications.remind_now(reports, by=request.user)
    if reminded:
        messages.success(
            request,
            ngettext(
                "Påmindelsen er sendt til %(names)s.",
                "Påmindelserne er sendt til %(count)d kommuner: %(names)s.",
                len(reminded),
            )
            % {"count": len(reminded), "names": ", ".join(r.municipality.name for r in reminded)},
        )
    for report, sent_at in skipped.items():
        messages.info(
            request,
            _(
                "%(name)s fik allerede en påmindelse i dag kl. %(time)s, så der er ikke sendt "
                "en ny. Der kan sendes én påmindelse om dagen."
            )
            % {
                "name": report.municipality.name,
                "time": formats.time_format(timezone.localtime(sent_at), "H:i"),
            },
        )
    if not reminded and not skipped:
        messages.error(
            request,
            _("Der er ingen kommuner over fristen med en indberetter, der kan få en påmindelse."),
        )
    return redirect("goals:round_overview", pk=status_round.pk)


class RoundAction(NamedTuple):
    do: Callable  # the transition in goals.rounds
    question: str  # the confirmation page's question
    answer: str  # and its button
    done: str  # what the round's page says afterwards


ROUND_ACTIONS = {
    "open": RoundAction(
        rounds.open_round,
        gettext_lazy("Åbn runden?"),
        gettext_lazy("Ja, åbn runden"),
        gettext_lazy("Runden er åbnet, og kommunerne har fået besked."),
    ),
    "close": RoundAction(
        rounds.close_round,
        gettext_lazy("Luk runden?"),
        gettext_lazy("Ja, luk runden"),
        gettext_lazy("Runden er lukket. Kommunerne kan ikke længere ændre deres indberetninger."),
    ),
    "publish": RoundAction(
        rounds.publish_round,
        gettext_lazy("Offentliggør runden?"),
        gettext_lazy("Ja, offentliggør runden"),
        gettext_lazy("Runden er offentliggjort."),
    ),
    "reopen": RoundAction(
        rounds.reopen_round,
        gettext_lazy("Genåbn runden?"),
        gettext_lazy("Ja, genåbn runden"),
        gettext_lazy("Runden er genåbnet."),
    ),
}


@login_required
def round_action(request, pk):
    """Open a round at once; close, publish and reopen after a confirmation page (GET: what
    will happen; POST with CSRF: do it)."""
    status_round = _get_round_for_staff(request, pk)
    action = request.POST.get("action") or request.GET.get("action")
    if action not in ROUND_ACTIONS:
        if request.method == "POST":
            messages.error(request, _("Ukendt handling."))
            return redirect("goals:round_overview", pk=status_round.pk)
        raise Http404
    form = ReopenForm(request.POST or None) if action == "reopen" else None
    if request.method == "POST" and (form is None or form.is_valid()):
        extra = {"reason": form.cleaned_data["reason"]} if form else {}
        try:
            ROUND_ACTIONS[action].do(status_round, by=request.user, **extra)
        except rounds.TransitionError as error:
            messages.error(request, error.text)
        else:
            messages.success(request, ROUND_ACTIONS[action].done)
        return redirect("goals:round_overview", pk=status_round.pk)
    return render(
        request,
        "goals/round_confirm.html",
        {
            "round": status_round,
            "action": action,
            "question": ROUND_ACTIONS[action].question,
            "answer": ROUND_ACTIONS[action].answer,
            "form": form,
            "facts": rounds.action_facts(status_round, action),
            "refusal": status_round.transition_refusal(action),
        },
    )


@login_required
def review_report(request, pk):
    report = _get_report_for_staff(request, pk)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["action"] == "approve":
                rounds.approve_report(report, by=request.user)
                messages.success(request, _("Indberetningen er godkendt."))
            else:
                rounds.return_report(report, comment=form.cleaned_data["comment"], by=request.user)
                messages.success(request, _("Indberetningen er sendt retur til kommunen."))
        except rounds.TransitionError as error:
            # Shown on the page again with the comment as typed, not lost in a redirect.
            messages.error(request, error.text)
        else:
            # Back to the report, now in its new state, with the way to the next one.
            return redirect("goals:review_report", pk=report.pk)
    lines, values = report.rows()
    previous_lines, previous_values = report.previous_answers(lines, values)
    for line in lines:
        line.previous = previous_lines.get(line.milestone_id)
        if line.previous is not None:
            line.change = change_text(line.previous.status, line.status)
    for value in values:
        value.previous = previous_values.get(value.indicator_id)
    return render(
        request,
        "goals/review.html",
        {
            "report": report,
            "round": report.round,
            "lines": lines,
            "values": values,
            "form": form,
            "can_review": report.review_refusal() is None,
            "next_report": report.next_for_review(),
        },
    )


@login_required
def joint_progress(request, pk):
    return shared_pages.JointProgressPage(request, _get_round_for_staff(request, pk)).respond()


@login_required
def decisions(request, pk):
    return shared_pages.DecisionsPage(request, _get_round_for_staff(request, pk)).respond()
