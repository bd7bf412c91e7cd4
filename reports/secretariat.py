"""The secretariat's pages under /sekretariat/: its rounds, each round's cockpit (who has
reported, reminders, the Excel overview), the review of a municipality's report, the shared
pages of joint progress and decisions (reports/shared_pages.py), and the round's transitions
with their confirmation pages, publishing included.

They live in `reports`, above the workflow of `goals`, because they show the read side's
figures and publish (`reports.publishing`). Each view fetches its object through one access
helper (404 when it is not the user's region), lets a form validate, and leaves the change to
`goals.rounds`; a refusal comes back as `TransitionError` and is shown as a message.
"""

import datetime
from collections.abc import Callable
from typing import NamedTuple

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.db import transaction
from django.db.models import Case
from django.db.models import When
from django.http import Http404
from django.http import QueryDict
from django.shortcuts import get_object_or_404
from django.shortcuts import redirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from goals import notifications
from goals import rounds
from goals.evaluation import change_text
from goals.forms import ReopenForm
from goals.forms import ReviewForm
from goals.forms import RoundForm
from goals.forms import duplicate_round
from goals.models import GoalPaper
from goals.models import StatusReport
from goals.models import StatusRound
from goals.views import REPORT_RELATED
from municipalities import invitations
from municipalities.models import Region
from reports import exports
from reports import publishing
from reports import shared_pages
from reports import tasks
from reports.models import Publication
from reports.models import StoredPaper

# --- access helpers ------------------------------------------------------------------------


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


# --- the pages -----------------------------------------------------------------------------


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
            return redirect("secretariat:round_overview", pk=status_round.pk)
    status_rounds = (
        StatusRound.objects.filter(paper__region__in=regions)
        .select_related("paper__region")
        .with_report_counts()
        .order_by("paper__region__name", "-year", "paper__title")
    )
    return render(
        request,
        "secretariat/secretariat_home.html",
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


# What the cockpit keeps of its query string after an action: the filter and the order.
COCKPIT_QUERY = ("klynge", "tilstand", "vis", "sorter")


def _cockpit_query(data):
    """The cockpit's filter and order as named in `data` (the cockpit's query string, or the
    hidden fields its forms and confirmation pages carry it in), as a query string to go back
    to after an action. Only these names, each cut short: nothing else travels through."""
    query = QueryDict(mutable=True)
    for name in COCKPIT_QUERY:
        value = data.get(name, "")
        if value:
            query[name] = value[:100]
    return query


def _kept(data):
    """The cockpit's filter and order for a page's forms (`kept`, hidden fields) and links
    (`kept_query`)."""
    query = _cockpit_query(data)
    return {"kept": list(query.items()), "kept_query": query.urlencode()}


def _back_to_cockpit(request, status_round):
    """POST-redirect-GET to the cockpit filtered and sorted as the user left it."""
    url = reverse("secretariat:round_overview", args=[status_round.pk])
    query = _cockpit_query(request.POST).urlencode()
    return redirect(f"{url}?{query}" if query else url)


def _cockpit_reports(status_round):
    """The round's reports as the cockpit and its export show them (a fixed number of
    queries however many municipalities there are)."""
    reports = (
        status_round.reports.with_lines_filled()
        .with_last_reminder()
        .with_reporter()
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


def _cockpit_tally(status_round, today):
    """Every count on the cockpit in one query, over the whole round, not just the rows
    shown: per state and quick filter, those sent in ("N af M", `reported()`), the overdue and
    those a reminder sent now would reach (not those without a reporter: "Ingen
    indberetter") and those one reached today."""
    everything = status_round.reports.all()
    remindable = everything.remindable(today)
    reached = remindable.exclude(pk__in=everything.without_reporter().values("pk"))
    return everything.tally(
        **{state: everything.filter(state=state) for state in StatusReport.State.values},
        **{
            slug: function(everything, today)
            for slug, (_label, function) in COCKPIT_FILTERS.items()
        },
        reported=everything.reported(),
        overdue=everything.overdue(today),
        remindable=reached,
        untouched_remindable=reached.untouched(),
        reminded_today=everything.unsubmitted()
        .filter(round__state=StatusRound.State.OPEN)
        .exclude(pk__in=remindable.values("pk")),
        no_reporter=everything.without_reporter(),
    )


def _cockpit_filtered(request, reports, clusters, today):
    """(rows, chosen): the rows the query string asks for, by cluster (`?klynge=`), state
    (`?tilstand=`) and quick filter (`?vis=`), and what it chose of each."""
    # Matched as text against the region's own clusters: any other value (too large for the
    # database, "²", another region's cluster) shows all of them rather than an error.
    wanted = request.GET.get("klynge", "")
    cluster = next((c for c in clusters if str(c.pk) == wanted), None)
    if cluster is not None:
        reports = reports.filter(municipality__cluster=cluster)
    state = request.GET.get("tilstand", "")
    if state in StatusReport.State.values:
        reports = reports.filter(state=state)
    shown = request.GET.get("vis", "")
    if shown in COCKPIT_FILTERS:
        reports = COCKPIT_FILTERS[shown][1](reports, today)
    else:
        shown = ""
    chosen = {"cluster_id": str(cluster.pk) if cluster else "", "state": state, "shown": shown}
    return reports, chosen


def _cockpit_order(request):
    """(order, fields): the sort order `?sorter=` names (by municipality when it names none
    the cockpit knows) and the fields it sorts the rows by."""
    order = request.GET.get("sorter", "kommune")
    key = order.removeprefix("-")
    if key not in COCKPIT_ORDERS:
        order = key = "kommune"
    fields = COCKPIT_ORDERS[key]
    if order.startswith("-"):
        fields = ("-" + fields[0], *fields[1:])
    return order, fields


def _cockpit_rows(reports, status_round, today, papers):
    """The rows as the cockpit shows them: each overdue or not, with its days left or past
    the deadline (the model's `days_left`, `days_overdue`), whether it may be reviewed or
    reminded and whether a reminder reached it today."""
    reports = _with_round(reports, status_round)
    # "Ingen indberetter": the invitation sent to the municipality, if one is waiting.
    waiting = invitations.pending_by_municipality(status_round.paper.region_id)
    for report in reports:
        report.invitation = None if report.has_reporter else waiting.get(report.municipality_id)
        report.can_review = report.review_refusal() is None
        report.may_be_reminded = report.may_be_reminded()
        report.paper = papers.get(report.municipality_id)  # its published PDF, if any
        report.overdue = report.is_overdue(today)
        report.days = report.days_left(today)
        report.days_over = report.days_overdue(today)
        report.reminded_today = bool(
            report.last_reminded_at and timezone.localdate(report.last_reminded_at) == today
        )
    return reports


@login_required
def round_overview(request, pk):
    """The round's cockpit: per municipality its state, lines filled, last activity and days
    left or overdue; filtered and sorted by links, late municipalities reminded from here."""
    status_round = _get_round_for_staff(request, pk)
    today = timezone.localdate()
    tally = _cockpit_tally(status_round, today)
    clusters = list(status_round.paper.region.clusters.all())
    reports, chosen = _cockpit_filtered(request, _cockpit_reports(status_round), clusters, today)
    order, fields = _cockpit_order(request)
    states = StatusReport.State.choices
    published = _published_papers(status_round)
    papers = published.get("municipality_papers", {})
    return render(
        request,
        "secretariat/round_overview.html",
        {
            "round": status_round,
            "reports": _cockpit_rows(reports.order_by(*fields), status_round, today, papers),
            "counts": [(state, label, tally[state]) for state, label in states],
            "total": sum(tally[state] for state, _label in states),
            "done": tally["reported"],
            # Over the whole round, like the counts beside it, not just the filtered rows.
            "overdue_count": tally["overdue"],
            "remindable_count": tally["remindable"],
            "reminded_today_count": tally["reminded_today"],
            "quick_filters": [
                (label, _cockpit_link(request, vis=slug), slug == chosen["shown"], tally[slug])
                for slug, (label, _function) in COCKPIT_FILTERS.items()
            ],
            "all_link": _cockpit_link(request, vis=""),
            "sort_links": {
                name: _cockpit_link(request, sorter="-" + name if order == name else name)
                for name in COCKPIT_ORDERS
            },
            "order": order,
            "clusters": clusters,
            **chosen,
            "states": states,
            "past_deadline": status_round.is_past_deadline(today),
            **_unfinished_papers(status_round),
            # "Ingen indberetter": municipalities the round's e-mails reach nobody in.
            "no_reporter_count": tally["no_reporter"],
            "untouched_remindable": tally["untouched_remindable"],
            "unsubmitted_count": tally["ikke-indsendt"],
            # The daily job's first reminder (goals.notifications.send_reminders).
            "reminder_days_before": settings.REMINDER_DAYS_BEFORE,
            "auto_reminder_on": status_round.deadline
            - datetime.timedelta(days=settings.REMINDER_DAYS_BEFORE),
            **_kept(request.GET),
            **published,
        },
    )


def _published_papers(status_round):
    """The round's latest publication, if any, and its papers as the public gets them: the
    region's paper and {municipality id: paper}, each done or still being rendered, so the
    cockpit links the public status page and the PDFs once they are there."""
    publication = Publication.objects.latest_for(status_round)
    if publication is None:
        return {"publication": None}
    stored = list(StoredPaper.objects.filter(publication=publication))
    by_municipality = {paper.municipality_id: paper for paper in stored if paper.municipality_id}
    region_paper = next((paper for paper in stored if not paper.municipality_id), None)
    done = StoredPaper.State.DONE
    return {
        "publication": publication,
        "region_paper": region_paper,
        "municipality_papers": by_municipality,
        "papers_done": sum(paper.state == done for paper in by_municipality.values()),
    }


def _unfinished_papers(status_round):
    """The round's PDF papers not done yet (reports.StoredPaper), of every version and
    whatever the round's state (a reopened round's public PDFs may have failed too), so the
    secretariat sees them where it published: the failed ones with their error in a short
    sentence and "Prøv igen", the pending ones with whether a worker has them."""
    unfinished = list(
        status_round.stored_papers.exclude(state=StoredPaper.State.DONE)
        .select_related("municipality", "publication")
        .order_by("-publication__version", "municipality__name")
    )
    now = timezone.now()
    for stored in unfinished:
        stored.being_rendered = bool(stored.lease_until and stored.lease_until > now)
    failed = [stored for stored in unfinished if stored.state == StoredPaper.State.FAILED]
    return {
        "failed_papers": failed,
        "pending_papers": [s for s in unfinished if s.state == StoredPaper.State.PENDING],
    }


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


# Whom "send påmindelse nu" for many reaches (`hvem`): those not started, or everyone who
# has not sent in; the same QuerySet rules as the cockpit's quick filters.
REMIND_GROUPS = {
    "ikke-paabegyndt": lambda reports: reports.untouched(),
    "ikke-indsendt": lambda reports: reports,
}


@login_required  # first, so anonymous visitors go to login rather than get a 405
@require_POST
def round_remind(request, pk):
    """ "Send påmindelse nu", before the deadline as after it: to one municipality
    (`report`), to those not started or to all that have not sent in (`hvem`); the daily job
    sends its own from REMINDER_DAYS_BEFORE days before the deadline."""
    status_round = _get_round_for_staff(request, pk)
    # Not only `remindable()`: those a reminder already reached today are read too, so the
    # page can say when it went (`remind_now` sends them nothing).
    reports = status_round.reports.unsubmitted()
    group = REMIND_GROUPS.get(request.POST.get("hvem", ""), REMIND_GROUPS["ikke-indsendt"])
    reports = _with_round(group(reports).select_related("municipality"), status_round)
    wanted = request.POST.getlist("report")[:1]
    if wanted and wanted[0]:
        # Matched as text against the round's own reports not sent in: any other value (not
        # a number, too large for the database, another round's report) reminds nobody.
        reports = [report for report in reports if str(report.pk) == wanted[0]]
    reminded, skipped, no_reporter = notifications.remind_now(reports, by=request.user)
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
    if no_reporter:
        messages.warning(
            request,
            ngettext(
                "%(names)s har ingen indberetter, så der er ikke sendt nogen påmindelse. "
                "Invitér en indberetter fra kommunens række i oversigten.",
                "%(count)d kommuner har ingen indberetter, så der er ikke sendt påmindelser "
                "til dem: %(names)s. Invitér en indberetter fra kommunens række i oversigten.",
                len(no_reporter),
            )
            % {
                "count": len(no_reporter),
                "names": ", ".join(r.municipality.name for r in no_reporter),
            },
        )
    if not reminded and not skipped and not no_reporter:
        messages.error(
            request,
            _(
                "Der er ingen kommuner, der kan få en påmindelse: påmindelser går kun til "
                "kommuner, der ikke har indsendt, mens runden er åben."
            ),
        )
    return _back_to_cockpit(request, status_round)


@login_required  # first, so anonymous visitors go to login rather than get a 405
@require_POST
def round_retry_papers(request, pk):
    """ "Prøv igen": queue the round's failed PDF papers again (one, `paper`, or all)."""
    status_round = _get_round_for_staff(request, pk)
    failed = status_round.stored_papers.filter(state=StoredPaper.State.FAILED)
    wanted = request.POST.get("paper", "")
    if wanted:
        # Matched as text against the round's own failed papers: any other value (not a
        # number, another round's paper, one done meanwhile) queues nothing.
        failed = [stored for stored in failed if str(stored.pk) == wanted]
    count = tasks.retry(failed)
    if count:
        messages.success(
            request,
            ngettext(
                "PDF-filen er sat til at blive dannet igen. Siden viser, når den er klar.",
                "%(count)d PDF-filer er sat til at blive dannet igen. Siden viser, når de er klar.",
                count,
            )
            % {"count": count},
        )
    else:
        messages.info(request, _("Der er ingen fejlede PDF-filer at danne igen."))
    return _back_to_cockpit(request, status_round)


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
        publishing.publish_round,
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
            return _back_to_cockpit(request, status_round)
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
        return _back_to_cockpit(request, status_round)
    return render(
        request,
        "secretariat/round_confirm.html",
        {
            "round": status_round,
            "action": action,
            "question": ROUND_ACTIONS[action].question,
            "answer": ROUND_ACTIONS[action].answer,
            "form": form,
            "facts": rounds.action_facts(status_round, action),
            "refusal": status_round.transition_refusal(action),
            **_kept(request.GET or request.POST),
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
            # Back to the report, now in its new state, with the way to the next one; the
            # cockpit's filter travels along to the way back.
            url = reverse("secretariat:review_report", args=[report.pk])
            kept = _cockpit_query(request.GET).urlencode()
            return redirect(f"{url}?{kept}" if kept else url)
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
        "secretariat/review.html",
        {
            "report": report,
            "round": report.round,
            "lines": lines,
            "values": values,
            "form": form,
            "can_review": report.review_refusal() is None,
            "review_state": _review_state(report),
            **_kept(request.GET),
            "next_report": report.next_for_review(),
        },
    )


def _review_state(report):
    """Where the report stands, in words, when it cannot be reviewed now: approved,
    published, sent back, not sent in, or in a round not opened yet."""
    status_round = report.round
    State = StatusReport.State
    if status_round.is_published:
        return _(
            "Runden er offentliggjort, og indberetningen indgår som %(state)s. Den kan ikke "
            "behandles igen, før runden genåbnes med en begrundelse."
        ) % {"state": report.get_state_display()}
    if status_round.state == StatusRound.State.PLANNED:
        return status_round.secretariat_refusal()
    if report.state == State.APPROVED and report.reviewed_at is None:
        return _("Indberetningen er godkendt og færdigbehandlet.")
    if report.state == State.APPROVED:
        return _("Indberetningen er godkendt %(when)s og færdigbehandlet.") % {
            "when": formats.date_format(timezone.localtime(report.reviewed_at), "DATE_FORMAT")
        }
    if report.state == State.RETURNED:
        return _(
            "Indberetningen er sendt retur til kommunen. Den kan behandles igen, når kommunen "
            "har indsendt den på ny."
        )
    return _("Indberetningen kan behandles, når kommunen har indsendt den.")


@login_required
def joint_progress(request, pk):
    return shared_pages.JointProgressPage(request, _get_round_for_staff(request, pk)).respond()


@login_required
def decisions(request, pk):
    return shared_pages.DecisionsPage(request, _get_round_for_staff(request, pk)).respond()
