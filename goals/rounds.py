"""The yearly status round: its state machine and every change made in it.

The admin, the reporting and review pages, the API and the management commands all call these
functions, so the rules live in one place:

    round:  planned → open → closed → published        (closed/published → open: reopen_round)
            publishing itself is the read side's use case, reports.publishing.publish_round:
            it calls `mark_published` here, then freezes the record and queues its papers
    report: draft → submitted → approved
                    submitted → returned → submitted …

Which milestones a round asks about: those of the *active commitment goals* (KKR-mål) of the
round's paper, `Milestone.objects.reported_on(paper)`. The rules about one object are methods
on the models, and the functions here ask them (under a lock) rather than decide again: may
the municipality edit its report (`StatusReport.reporting_refusal`), which lines keep it from
being submitted (`StatusReport.blank_lines`), may the secretariat still change a round or
review a report (`StatusRound.secretariat_refusal`, `StatusReport.review_refusal`), may a goal
be recorded as another's revision (`Goal.revision_refusal`). This module holds the changes
that span objects.

Every function saves through the models (or simple_history's bulk helpers) so each change is in
the history with who made it: `obj._history_user = by` covers calls outside a request, where
simple_history's middleware has no user to record.

Saving a report writes its changed lines and values with `_update_with_history`: one
`UPDATE … SET f = CASE id WHEN … END` written here, then simple_history's
`bulk_history_create`. Kept hand-written (issue 18), weighed against simple_history's
`bulk_update_with_history` (Django's `bulk_update`, which builds and resolves an ORM
expression per row and field). Saving a 30-line report with 4 indicator values, every one
changed, 100 times each way, interleaved (`.venv/bin/python bench/save_report.py` and
`… --postgres`; 2 shared cores, load average 5.7), median (fastest) ms:

                      whole save_report        UPDATE + history rows
    SQLite    here    23.8 (10.1)               7.0 (2.5)
              library 44.1 (25.8)              28.6 (14.6)
    Postgres  here    14.7 (8.0)                5.8 (3.8)
              library 32.1 (22.5)              23.6 (16.2)

The library takes 1.9–2.2 times as long for the whole save, some 15–20 ms more, on both
databases (at 10 lines without values, the demo's Midtjylland report, 1.4–2.0 times). A
save is what the 98 municipalities' "Indsend" queue on two workers at a deadline, where
p95 < 1 s leaves about 20 ms a request (bench/README.md), so the difference matters. The
history rows are simple_history's either way, with who and when.
"""

import functools
from dataclasses import dataclass
from dataclasses import field

from django.core.exceptions import ValidationError
from django.db import connections
from django.db import router
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from goals import audit
from goals import evidence
from goals import notifications
from goals.models import Goal
from goals.models import GoalDecision
from goals.models import GoalPaper
from goals.models import Indicator
from goals.models import IndicatorValue
from goals.models import JointProgress
from goals.models import Milestone
from goals.models import MilestoneStatus
from goals.models import StatusReport
from goals.models import StatusRound
from municipalities.models import Municipality

Round = StatusRound.State
Report = StatusReport.State
LINE_FIELDS = ("status", "comment", "evidence_url")


class TransitionError(ValidationError):
    """A change the state machine does not allow; its message is shown to the user as is."""

    @property
    def text(self):
        return " ".join(self.messages)


@dataclass
class Change:
    """One line or indicator value somebody else saved while the user had the form open.

    `fields` maps each changed field to (value in the user's version, value now), so the
    form can take over what the user did not touch and flag what both of them changed.
    """

    kind: str  # "line" or "value"
    object_id: int  # milestone id or indicator id
    label: str
    fields: dict = field(default_factory=dict)
    changed_by: object = None


class ReportConflict(Exception):
    """The report was saved by somebody else since the user loaded it (lost-update guard)."""

    def __init__(self, report, *, version, changes):
        self.report = report
        self.version = version  # the version the user had
        self.current_version = report.version
        self.changed_by = report.updated_by
        self.changed_at = report.updated_at
        self.changes = changes
        super().__init__(
            _(
                "Indberetningen er blevet ændret af en anden, mens du redigerede den. "
                "Dine indtastninger er ikke gemt endnu: se ændringerne herunder og gem igen."
            )
        )


class StaleRow(TransitionError):
    """A joint progress row or a decision was saved by a colleague after the user's page
    showed it, and the user changed it too (lost-update guard of the secretariat's pages).
    `row` is the row as saved now (None: no decision yet)."""

    def __init__(self, row, by):
        self.row = row
        super().__init__(
            _("Rækken er ændret af %(who)s, mens du redigerede den.")
            % {"who": by.get_username() if by else _("en anden")}
        )


def _same(seen, now):
    """Whether the values a page showed are the row's values now (line breaks as the browser
    sends them do not count)."""
    norm = {k: v.replace("\r\n", "\n") if isinstance(v, str) else v for k, v in now.items()}
    for name, value in seen.items():
        if isinstance(value, str):
            value = value.replace("\r\n", "\n")
        if (value or "") != (norm[name] or ""):
            return False
    return True


def _stamp(obj, by, reason=None):
    if by is not None:
        obj._history_user = by
    if reason:
        obj._change_reason = reason
    return obj


def _lock(model, pk, related="round__paper__region"):
    """The row, re-read under a lock so two requests cannot both pass the same check."""
    # of=("self",): on PostgreSQL lock the report only, not the round every reporter shares.
    return model.objects.select_for_update(of=("self",)).select_related(related).get(pk=pk)


def _refuse(refusal):
    if refusal:
        raise TransitionError(refusal)


# --- the round ---------------------------------------------------------------------------


@transaction.atomic
def open_round(status_round, *, by=None):
    """Open a planned round: one draft report per municipality of the region with a line per
    municipal milestone and a value row per indicator (none when the round has neither), and
    the secretariat's rows for joint and cluster milestones. Calling it again on an open round
    only adds what is missing."""
    status_round = _locked(status_round, "open")
    first_time = status_round.state == Round.PLANNED
    paper = status_round.paper
    refusal = paper.round_refusal()
    # A draft paper's goals would be published with the round; an archived paper may keep
    # adding what is missing to a round opened before it was archived, but gets no new one.
    if refusal and (first_time or paper.state == GoalPaper.State.DRAFT):
        raise TransitionError(refusal)
    region = paper.region
    milestones = list(Milestone.objects.reported_on(paper))
    indicators = list(Indicator.objects.reported_on(paper))
    municipalities = list(Municipality.objects.in_region(region))

    municipal = [m for m in milestones if m.scope == Milestone.Scope.MUNICIPALITY]
    # A municipality is asked only when there is something for it to answer: a paper whose
    # milestones are all joint or per cluster is the secretariat's to follow up, and an
    # empty report would be a form that can be "submitted" with nothing in it.
    asked = municipalities if municipal or indicators else []
    _create_missing(
        [StatusReport(round=status_round, municipality=m, updated_by=by) for m in asked],
        status_round.reports,
        "municipality_id",
        by=by,
    )
    reports = list(status_round.reports.all())
    _create_missing(
        [MilestoneStatus(report=r, milestone=m) for r in reports for m in municipal],
        MilestoneStatus.objects.filter(report__round=status_round),
        "report_id",
        "milestone_id",
        by=by,
    )
    _create_missing(
        [IndicatorValue(report=r, indicator=i) for r in reports for i in indicators],
        IndicatorValue.objects.filter(report__round=status_round),
        "report_id",
        "indicator_id",
        by=by,
    )

    clusters = list(region.clusters.all())
    wanted = []
    for m in milestones:
        if m.scope == Milestone.Scope.JOINT or (
            m.scope == Milestone.Scope.CLUSTER and not clusters
        ):
            wanted.append((m, None))
        elif m.scope == Milestone.Scope.CLUSTER:
            wanted.extend((m, c) for c in clusters)
    _create_missing(
        [JointProgress(round=status_round, milestone=m, cluster=c) for m, c in wanted],
        status_round.joint_progress,
        "milestone_id",
        "cluster_id",
        by=by,
    )

    if first_time:
        status_round.state = Round.OPEN
        status_round.opened_at = timezone.now()
        _stamp(status_round, by).save()
        audit.log_change("round.opened", status_round, by)
        transaction.on_commit(lambda: notifications.round_opened(status_round))
    return status_round


def _create_missing(rows, saved, *key, by):
    """Saves those of the unsaved `rows` that `saved` (a queryset) has no row for, told
    apart by the `key` fields, with their history (made `by`): what reopening or re-running
    `open_round` adds and no more."""
    existing = set(saved.values_list(*key))
    missing = [row for row in rows if tuple(getattr(row, f) for f in key) not in existing]
    if missing:
        bulk_create_with_history(missing, type(missing[0]), default_user=by)


def _locked(status_round, action):
    """The round read again and locked for this transaction, when `action` ("open",
    "close", "publish", "reopen") is allowed in its state; else a TransitionError saying why
    (`StatusRound.transition_refusal`, which the confirmation pages ask first)."""
    status_round = StatusRound.objects.select_for_update().get(pk=status_round.pk)
    _refuse(status_round.transition_refusal(action))
    return status_round


@transaction.atomic
def close_round(status_round, *, by):
    """No more edits by the municipalities; the secretariat can still review and decide."""
    status_round = _locked(status_round, "close")
    status_round.state = Round.CLOSED
    status_round.closed_at = timezone.now()
    _stamp(status_round, by).save()
    audit.log_change("round.closed", status_round, by)
    return status_round


def mark_published(status_round, *, by):
    """The round's own step of publishing: its state, locked and checked. Only
    `reports.publishing.publish_round` calls it, inside the transaction that also freezes the
    published record and schedules its papers: a round is never published without them."""
    status_round = _locked(status_round, "publish")
    status_round.state = Round.PUBLISHED
    status_round.published_at = timezone.now()
    _stamp(status_round, by).save()
    return status_round


@transaction.atomic
def reopen_round(status_round, *, reason, by):
    """Open a closed or published round again, e.g. to correct an error; the reason is kept."""
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError(_("Skriv en begrundelse for at genåbne runden."))
    status_round = _locked(status_round, "reopen")
    status_round.state = Round.OPEN
    status_round.closed_at = None
    status_round.published_at = None
    status_round.reopen_reason = reason
    # simple_history's change reason holds 100 characters; the field keeps the whole text.
    _stamp(status_round, by, reason=reason[:100]).save()
    audit.log_change("round.reopened", status_round, by, reason=reason)
    return status_round


def action_facts(status_round, action):
    """What closing, publishing or reopening `status_round` would touch, for the page that
    asks to confirm it: the reports by where they stand, the goals decided, and the PDF
    papers publishing makes (the region's status paper and one per municipality)."""
    reports = status_round.reports.all()
    facts = reports.tally(
        total=reports,
        approved=reports.filter(state=Report.APPROVED),
        awaiting_review=reports.awaiting_review(),
        unsubmitted=reports.unsubmitted(),
        untouched=reports.untouched(),
    )
    if action == "publish":
        facts["goals"] = Goal.objects.filter(paper=status_round.paper_id).reported_on().count()
        facts["decided"] = status_round.decisions.count()
        facts["papers"] = 1 + facts["total"]
    return facts


# --- the municipality's report -------------------------------------------------------------


def _changes_since(report, version):
    """Lines and values saved after the user's version, with their values then and now."""
    seen = report.history.filter(version=version).order_by("-history_date").first()
    since = seen.history_date if seen else None
    changes = []
    for model, related, key, names in (
        (MilestoneStatus, report.lines, "milestone_id", ("status", "comment", "evidence_url")),
        (IndicatorValue, report.indicator_values, "indicator_id", ("value",)),
    ):
        records = model.history.filter(report_id=report.pk)
        if since is not None:
            records = records.filter(history_date__gt=since)
        latest, before = {}, {}
        for record in records.select_related("history_user").order_by("history_date"):
            latest[record.id] = record.history_user
            if record.history_type == "+":
                # Created after the user's version (the round's opening): blank back then.
                before.setdefault(record.id, record)
        if not latest:
            continue
        if since is not None:
            earlier = model.history.filter(id__in=latest, history_date__lte=since)
            for record in earlier.order_by("history_date"):
                before[record.id] = record
        for obj in related.filter(pk__in=latest).select_related(
            "milestone__goal" if model is MilestoneStatus else "indicator"
        ):
            then = before.get(obj.pk)
            fields = {}
            for name in names:
                old = getattr(then, name) if then is not None else None
                new = getattr(obj, name)
                if old != new:
                    fields[name] = (old, new)
            if model is MilestoneStatus:
                old_file = then.evidence_file if then is not None else ""
                if (old_file or "") != obj.evidence_file.name:
                    fields["evidence_file"] = (old_file, obj.evidence_file.name)
                label = f"{obj.milestone.goal.number}: {obj.milestone.text[:80]}"
            else:
                label = str(obj.indicator)
            if fields:
                changes.append(
                    Change(
                        "line" if model is MilestoneStatus else "value",
                        getattr(obj, key),
                        label,
                        fields,
                        latest[obj.pk],
                    )
                )
    return changes


def _update_with_history(objs, model, fields, by):
    """One UPDATE that sets `fields` of each of `objs` to its value (a CASE on the id per
    field) and one INSERT of their history rows: simple_history's bulk_update_with_history,
    with the UPDATE written as the SQL Django's bulk_update makes, without its ORM
    expression per row and field (half the time of saving a report: see the module's
    docstring and bench/save_report.py)."""
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    pk = quote(model._meta.pk.column)
    # At most 100 rows a statement keeps the parameters under SQLite's oldest limit (999).
    for start in range(0, len(objs), 100):
        batch = objs[start : start + 100]
        assignments, params = [], []
        for name in fields:
            model_field = model._meta.get_field(name)
            case = f"CASE {pk} {' '.join(['WHEN %s THEN %s'] * len(batch))} END"
            if connection.features.requires_casted_case_in_updates:
                case = f"CAST({case} AS {model_field.cast_db_type(connection)})"
            assignments.append(f"{quote(model_field.column)} = {case}")
            for obj in batch:
                value = model_field.get_db_prep_save(getattr(obj, model_field.attname), connection)
                params += [obj.pk, value]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {quote(model._meta.db_table)} SET {', '.join(assignments)} "
                f"WHERE {pk} IN ({', '.join(['%s'] * len(batch))})",
                params + [obj.pk for obj in batch],
            )
    _history(model).bulk_history_create(objs, update=True, default_user=by)


@functools.cache
def _history(model):
    # simple_history makes a new manager class on each access to `Model.history`.
    return model.history


def _changed_fields(line, answer):
    """The fields of LINE_FIELDS that `answer` (as `save_report` takes it) changes in `line`."""
    return {
        name
        for name in LINE_FIELDS
        if name in answer and (answer[name] or "") != getattr(line, name)
    }


def would_change(lines_now, values_now, lines, values):
    """Whether `save_report` with `lines` and `values` would change any answer, given what is
    saved: `lines_now` {milestone id: MilestoneStatus}, `values_now` {indicator id:
    IndicatorValue}. The API answers a save that changes nothing without one, so the version
    stays and a colleague's next save is not refused for nothing."""
    for milestone_id, answer in lines.items():
        line = lines_now[milestone_id]
        if _changed_fields(line, answer) or answer.get("evidence_file"):
            return True
        if answer.get("clear_evidence_file") and line.evidence_file:
            return True
    return any(values_now[indicator_id].value != new for indicator_id, new in values.items())


@transaction.atomic
def save_report(report, *, version, lines, values, by):
    """Save the municipality's answers as a draft.

    lines: {milestone_id: {"status", "comment", "evidence_url", "evidence_file" (optional
    UploadedFile), "clear_evidence_file" (optional bool)}}; values: {indicator_id: Decimal|None}.
    Only what differs is written, so the history shows real changes. Raises ReportConflict when
    `version` is not the report's current version, TransitionError when editing is not allowed.
    """
    # Whether the municipality may still edit needs the round only (its state and deadline).
    report = _lock(StatusReport, report.pk, "round")
    refusal = report.reporting_refusal()
    if refusal:
        raise TransitionError(refusal)
    if int(version) != report.version:
        raise ReportConflict(report, version=int(version), changes=_changes_since(report, version))

    # Without the models' default ordering: it joins the milestones and goals only to sort.
    current_lines = {line.milestone_id: line for line in report.lines.order_by()}
    current_values = {v.indicator_id: v for v in report.indicator_values.order_by()}
    unknown = set(lines) - set(current_lines)
    unknown_values = set(values) - set(current_values)
    if unknown or unknown_values:
        raise TransitionError(_("Indberetningen indeholder ikke de angivne milepæle."))

    replaced = []
    # Changed lines and values are written in one UPDATE and one history INSERT each, not two
    # queries a line: a whole report comes in at once, often from many municipalities at once.
    # The UPDATE sets only the fields that changed in some line (each is a CASE over the lines).
    changed_lines, changed_fields = [], set()
    for milestone_id, answer in lines.items():
        line = current_lines[milestone_id]
        changed = _changed_fields(line, answer)
        for name in changed:
            setattr(line, name, answer[name] or "")
        if answer.get("evidence_file"):
            replaced.append(line.evidence_file.name)
            # Only save() stores an uploaded file.
            line.evidence_file = answer["evidence_file"]
            _stamp(line, by).save()
            continue
        if answer.get("clear_evidence_file") and line.evidence_file:
            replaced.append(line.evidence_file.name)
            line.evidence_file = ""
            changed.add("evidence_file")
        if changed:
            changed_lines.append(_stamp(line, by))
            changed_fields |= changed
    if changed_lines:
        _update_with_history(
            changed_lines,
            MilestoneStatus,
            [name for name in (*LINE_FIELDS, "evidence_file") if name in changed_fields],
            by,
        )
    changed_values = []
    for indicator_id, new in values.items():
        value = current_values[indicator_id]
        if value.value != new:
            value.value = new
            changed_values.append(_stamp(value, by))
    if changed_values:
        _update_with_history(changed_values, IndicatorValue, ["value"], by)

    # The row is locked (select_for_update; SQLite runs IMMEDIATE transactions), so a plain
    # increment is safe and the history records the number itself.
    report.version += 1
    report.updated_by = by
    _stamp(report, by).save()
    audit.log_change("report.saved", report, by)
    if any(replaced):
        # The history usually still names the old file (and keeps it); see goals.evidence.
        transaction.on_commit(lambda: evidence.delete_unreferenced(replaced))
    return report


@transaction.atomic
def submit_report(report, *, by, version=None):
    """Send the report to the secretariat; every line needs a status first.

    `version`: the version the user confirmed (the web form's summary); ReportConflict when
    somebody has saved the report since, so nobody sends in what they have not seen."""
    report = _lock(StatusReport, report.pk, "round")
    refusal = report.reporting_refusal()
    if refusal:
        raise TransitionError(refusal)
    if version is not None and int(version) != report.version:
        raise ReportConflict(report, version=int(version), changes=_changes_since(report, version))
    missing = report.blank_lines().count()
    if missing:
        raise TransitionError(
            _("Vælg en status for alle milepæle, før du indsender. %(count)d mangler.")
            % {"count": missing}
        )
    report.state = Report.SUBMITTED
    report.submitted_at = timezone.now()
    report.submitted_by = by
    report.version = report.version + 1
    report.updated_by = by
    _stamp(report, by).save()
    audit.log_change("report.submitted", report, by)
    return report


def _reviewable(report, verb):
    refusal = report.review_refusal(verb)
    if refusal:
        raise TransitionError(refusal)


@transaction.atomic
def return_report(report, *, comment, by):
    """Send a submitted report back to the municipality with the secretariat's comment."""
    comment = (comment or "").strip()
    if not comment:
        raise TransitionError(_("Skriv en kommentar til kommunen, når du sender retur."))
    report = _lock(StatusReport, report.pk)
    _reviewable(report, _("sendes retur"))
    if report.round.state != Round.OPEN:
        raise TransitionError(
            _("Runden er lukket, så kommunen kan ikke rette. Genåbn runden først.")
        )
    report.review_comment = comment
    return _reviewed(report, Report.RETURNED, by, "report.returned", notifications.report_returned)


@transaction.atomic
def approve_report(report, *, by):
    report = _lock(StatusReport, report.pk)
    _reviewable(report, _("godkendes"))
    return _reviewed(report, Report.APPROVED, by, "report.approved", notifications.report_approved)


def _reviewed(report, state, by, event, notify):
    """Records the secretariat's review: the new state, who and when (also the report's last
    activity, for the cockpit and the export), a new version; the municipality hears of it
    once the transaction has committed."""
    report.state = state
    report.reviewed_at = timezone.now()
    report.reviewed_by = by
    report.updated_by = by
    report.version = report.version + 1
    _stamp(report, by).save()
    audit.log_change(event, report, by)
    transaction.on_commit(lambda: notify(report))
    return report


# --- the secretariat's part --------------------------------------------------------------


def _secretariat_may_edit(status_round):
    refusal = status_round.secretariat_refusal()
    if refusal:
        raise TransitionError(refusal)


def decision_refusal(status_round, goal, decision, new_goal):
    """Why `decision` on `goal` (naming `new_goal` for a revision) cannot be recorded in
    `status_round`, or None when it can; whether the round takes decisions at all is
    `StatusRound.secretariat_refusal`."""
    Decision = GoalDecision.Decision
    if decision not in Decision.values:
        return _("Vælg en gyldig beslutning.")
    if goal.paper_id != status_round.paper_id:
        return _("Målet hører ikke til rundens målpapir.")
    if decision != Decision.REVISE:
        return None
    if new_goal is None:
        return _("Vælg det reviderede mål, der erstatter målet.")
    return new_goal.revision_refusal(goal)


def decisions_offered(goal, recorded):
    """The decisions offered on `goal`, whose decision in the round is `recorded` ("" for
    none): a goal not adopted yet may only be adopted ("nyt mål vedtaget", which makes it an
    active KKR goal); any other is achieved, continued, revised or retired, and keeps "nyt mål
    vedtaget" only where that is the decision recorded."""
    Decision = GoalDecision.Decision
    if goal.state == Goal.State.PIPELINE:
        return [Decision.NEW]
    return [d for d in Decision.values if d != Decision.NEW or recorded == Decision.NEW]


@transaction.atomic
def record_joint_progress(progress, *, status, comment, by, seen=None):
    """The secretariat's status of a joint milestone or of one cluster's share of one.

    `seen`: {"status", "comment"} as the user's page showed them; StaleRow when a colleague
    has saved the row since."""
    progress = (
        JointProgress.objects.select_for_update(of=("self",))
        .select_related("round", "updated_by")
        .get(pk=progress.pk)
    )
    _secretariat_may_edit(progress.round)
    if seen is not None and not _same(
        seen, {"status": progress.status, "comment": progress.comment}
    ):
        raise StaleRow(progress, progress.updated_by)
    if status and status not in MilestoneStatus.Status.values:
        raise TransitionError(_("Vælg en gyldig status."))
    progress.status = status or ""
    progress.comment = comment or ""
    progress.updated_by = by
    _stamp(progress, by).save()
    audit.log_change("joint_progress.recorded", progress, by)
    return progress


def decision_values(decision):
    """A goal's decision in a round as the decisions page shows it (blank: none yet)."""
    if decision is None:
        return {"decision": "", "new_goal": "", "comment": ""}
    return {
        "decision": decision.decision,
        "new_goal": str(decision.new_goal_id or ""),
        "comment": decision.comment,
    }


@transaction.atomic
def decide_goal(status_round, goal, *, decision, new_goal=None, comment="", by, seen=None):
    """Record the round's verdict on a goal and move the goal's lifecycle along with it.

    achieved → the goal is achieved; retire → retired; continue → active again; revise → the
    new goal `replaces` the old, which becomes revised (and the new one active); new → this
    goal (typically a development area in the pipeline) is adopted as a KKR goal: active.
    `seen`: the decision as the user's page showed it (`decision_values`); StaleRow when a
    colleague has decided since.
    """
    status_round = StatusRound.objects.select_for_update().get(pk=status_round.pk)
    _secretariat_may_edit(status_round)
    if seen is not None:
        # The round's lock above serialises decisions, so this read cannot go stale.
        current = (
            GoalDecision.objects.filter(round=status_round, goal=goal)
            .select_related("decided_by")
            .first()
        )
        if not _same(seen, decision_values(current)):
            raise StaleRow(current, current.decided_by if current else None)
    Decision = GoalDecision.Decision
    if decision != Decision.REVISE:
        new_goal = None
    elif new_goal is not None:
        # Re-read under a lock: two decisions naming the same new goal at once must not both
        # pass the check below.
        new_goal = Goal.objects.select_for_update(of=("self",)).get(pk=new_goal.pk)
    refusal = decision_refusal(status_round, goal, decision, new_goal)
    if refusal:
        raise TransitionError(refusal)

    states = {
        Decision.ACHIEVED: Goal.State.ACHIEVED,
        Decision.RETIRE: Goal.State.RETIRED,
        Decision.CONTINUE: Goal.State.ACTIVE,
        Decision.REVISE: Goal.State.REVISED,
        Decision.NEW: Goal.State.ACTIVE,
    }
    changed = goal.state != states[decision]
    goal.state = states[decision]
    if decision == Decision.NEW and goal.kind != Goal.Kind.COMMITMENT:
        goal.kind = Goal.Kind.COMMITMENT
        changed = True
    if changed:
        _stamp(goal, by).save()
    if new_goal is not None:
        new_goal.replaces = goal
        new_goal.state = Goal.State.ACTIVE
        _stamp(new_goal, by).save()

    found = GoalDecision.objects.filter(round=status_round, goal=goal).first()
    if (
        found is not None
        and found.new_goal_id
        and found.new_goal_id != getattr(new_goal, "pk", None)
    ):
        # The decision no longer names the goal it named before: that goal stops claiming to
        # replace this one, or it could never be chosen as another goal's revision.
        earlier = Goal.objects.select_for_update(of=("self",)).get(pk=found.new_goal_id)
        if earlier.replaces_id == goal.pk:
            earlier.replaces = None
            _stamp(earlier, by).save()
    record = found or GoalDecision(round=status_round, goal=goal)
    record.decision = decision
    record.new_goal = new_goal
    record.comment = comment or ""
    record.decided_by = by
    _stamp(record, by).save()
    audit.log_change("goal.decided", record, by, goal_state=goal.state)
    return record
