"""Admin for the yearly status rounds: rounds, reports (with their lines and indicator values),
joint progress, decisions and sent reminders.

Registered in `goals/admin/__init__.py`. Every state change goes through `goals.rounds`, as on the site: the round actions call open/close/publish,
joint progress and decisions are saved by `record_joint_progress` and `decide_goal`, and a
report's answers are only ever changed by its municipality (the admin shows them). A published
round and everything in it is read-only until it is reopened (on the round's overview page,
with a reason).
"""

from django import forms
from django.contrib import admin
from django.contrib import messages
from django.template.response import TemplateResponse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from goals import rounds
from goals.forms import RoundRulesForm
from goals.models import GoalDecision
from goals.models import IndicatorValue
from goals.models import JointProgress
from goals.models import MilestoneStatus
from goals.models import StatusRound
from municipalities.scoping import RegionScopedAdmin
from municipalities.scoping import RegionScopedHistoryAdmin
from municipalities.scoping import RegionScopedInline
from municipalities.scoping import ViewOnlyMixin
from municipalities.scoping import admin_link

RegionFilter = admin.RelatedOnlyFieldListFilter


def round_action(function, description, done, *, confirm=None):
    """An admin action applying one round transition of `goals.rounds` to each selected
    round; refusals become messages, `done(n)` says how many succeeded. With `confirm` (the
    action's name in `StatusRound.transition_refusal`), the first POST shows what will happen
    to each round, as the site's confirmation page does, and only the second one does it."""

    @admin.action(description=description)
    def action(modeladmin, request, queryset):
        if confirm and request.POST.get("post") != "yes":
            return _confirmation(modeladmin, request, queryset, confirm, description)
        succeeded = 0
        for status_round in queryset:
            try:
                function(status_round, by=request.user)
            except rounds.TransitionError as error:
                modeladmin.message_user(request, f"{status_round}: {error.text}", messages.ERROR)
            else:
                succeeded += 1
        if succeeded:
            modeladmin.message_user(request, done(succeeded), messages.SUCCESS)

    return action


def _confirmation(modeladmin, request, queryset, action, description):
    selected = list(queryset.select_related("paper__region"))
    for status_round in selected:
        status_round.refusal = status_round.transition_refusal(action)
        if not status_round.refusal:
            status_round.facts = rounds.action_facts(status_round, action)
    return TemplateResponse(
        request,
        "admin/goals/statusround/confirm_action.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": description,
            "opts": modeladmin.model._meta,
            "rounds": selected,
            "action": action,
            "action_name": request.POST.get("action"),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "can_act": any(not r.refusal for r in selected),
        },
    )


class PublishedReadOnlyMixin:
    """Rows of a published round cannot be changed in the admin either; and a round's rows
    change only through goals.rounds, so their history is for reading, never reverting."""

    round_path = "round"
    history_read_only = True

    def _round_of(self, obj):
        for part in self.round_path.split("."):
            obj = getattr(obj, part)
        return obj

    def has_change_permission(self, request, obj=None):
        if obj is not None and self._round_of(obj).is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


class StatusRoundForm(RoundRulesForm):
    class Meta:
        model = StatusRound
        fields = ["paper", "year", "opens", "deadline"]


class StatusRoundAdmin(PublishedReadOnlyMixin, RegionScopedHistoryAdmin):
    region_path = "paper__region"
    form = StatusRoundForm
    round_path = ""
    list_display = [
        "year",
        "paper",
        "state",
        "opens",
        "deadline",
        "reported",
        "overview_link",
    ]
    list_display_links = ["year", "paper"]
    list_filter = [("paper__region", RegionFilter), ("paper", RegionFilter), "state", "year"]
    list_select_related = ["paper__region"]
    search_fields = ["paper__title", "=year"]
    autocomplete_fields = ["paper"]
    readonly_fields = [
        "state",
        "opened_at",
        "closed_at",
        "published_at",
        "reopen_reason",
        "overview_link",
    ]
    fields = [
        "paper",
        ("year", "opens", "deadline"),
        "state",
        ("opened_at", "closed_at", "published_at"),
        "reopen_reason",
        "overview_link",
    ]
    # Publishing is the read side's: reports/admin.py adds "publish_rounds" and registers it.
    actions = ["open_rounds", "close_rounds"]

    def _round_of(self, obj):
        return obj

    def has_delete_permission(self, request, obj=None):
        # Only a round nobody has reported in yet; later ones are the record.
        if obj is None or obj.state == StatusRound.State.PLANNED:
            return RegionScopedHistoryAdmin.has_delete_permission(self, request, obj)
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .with_report_counts()
            .order_by("paper__region__name", "-year", "paper__title")
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.state != StatusRound.State.PLANNED:
            # Once open, the round belongs to its reports: paper and year stay put.
            return [*self.readonly_fields, "paper", "year"]
        return self.readonly_fields

    @admin.display(description=_("indberettet"))
    def reported(self, obj):
        return _("%(done)s af %(total)s") % {"done": obj.reported_count, "total": obj.report_count}

    @admin.display(description=_("oversigt"))
    def overview_link(self, obj):
        return admin_link("secretariat:round_overview", obj, _("Åbn oversigt"), show=obj.pk)

    open_rounds = round_action(
        rounds.open_round,
        _("Åbn de valgte runder (opretter kommunernes kladder)"),
        lambda n: ngettext("%d runde er åbnet.", "%d runder er åbnet.", n) % n,
    )
    close_rounds = round_action(
        rounds.close_round,
        _("Luk de valgte runder"),
        lambda n: ngettext("%d runde er lukket.", "%d runder er lukket.", n) % n,
        confirm="close",
    )


class ReadOnlyInline(ViewOnlyMixin, RegionScopedInline):
    """A report's answers are the municipality's; the admin shows them."""

    extra = 0
    can_delete = False


class MilestoneStatusInline(ReadOnlyInline, admin.TabularInline):
    model = MilestoneStatus
    fields = ["milestone_text", "status", "comment", "evidence_url", "evidence"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("milestone__goal")

    @admin.display(description=_("milepæl"))
    def milestone_text(self, obj):
        return f"{obj.milestone.goal.number}: {Truncator(obj.milestone.text).chars(120)}"

    @admin.display(description=_("dokumentation"))
    def evidence(self, obj):
        return admin_link("goals:evidence_file", obj, _("Hent fil"), show=obj.evidence_file)


class IndicatorValueInline(ReadOnlyInline, admin.TabularInline):
    model = IndicatorValue
    fields = ["indicator", "value"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("indicator")


class StatusReportAdmin(PublishedReadOnlyMixin, RegionScopedHistoryAdmin):
    region_path = "round__paper__region"
    list_display = [
        "municipality",
        "round",
        "state",
        "submitted_at",
        "submitted_by",
        "reviewed_at",
        "review_link",
    ]
    list_filter = [
        ("round__paper__region", RegionFilter),
        ("round", RegionFilter),
        "state",
        ("municipality__cluster", RegionFilter),
    ]
    list_select_related = ["municipality", "round__paper", "submitted_by"]
    search_fields = ["municipality__name", "=municipality__kommunekode"]
    date_hierarchy = "submitted_at"
    fields = [
        ("round", "municipality"),
        ("state", "version"),
        ("submitted_at", "submitted_by"),
        ("reviewed_at", "reviewed_by"),
        "review_comment",
        ("updated_at", "updated_by"),
        "review_link",
    ]
    readonly_fields = [name for row in fields for name in ((row,) if isinstance(row, str) else row)]
    inlines = [MilestoneStatusInline, IndicatorValueInline]
    actions = ["approve_reports"]

    def has_add_permission(self, request):
        return False  # reports are made by opening a round

    def has_change_permission(self, request, obj=None):
        # Viewable; changes go through the review page (approve / return with a comment).
        return False

    @admin.display(description=_("behandling"))
    def review_link(self, obj):
        return admin_link("secretariat:review_report", obj, _("Behandl"))

    @admin.action(description=_("Godkend de valgte indsendte indberetninger"))
    def approve_reports(self, request, queryset):
        approved = 0
        for report in queryset.select_related("round", "municipality"):
            try:
                rounds.approve_report(report, by=request.user)
            except rounds.TransitionError as error:
                self.message_user(request, f"{report.municipality}: {error.text}", messages.ERROR)
            else:
                approved += 1
        if approved:
            self.message_user(
                request,
                ngettext("%d indberetning er godkendt.", "%d indberetninger er godkendt.", approved)
                % approved,
                messages.SUCCESS,
            )


class JointProgressForm(forms.ModelForm):
    class Meta:
        model = JointProgress
        fields = ["status", "comment"]

    def clean(self):
        # Refused here, with the input kept, rather than in save_model after the admin has
        # already said "changed successfully".
        cleaned = super().clean()
        refusal = self.instance.round.secretariat_refusal()
        if refusal:
            self.add_error(None, refusal)
        return cleaned


class JointProgressAdmin(PublishedReadOnlyMixin, RegionScopedHistoryAdmin):
    region_path = "round__paper__region"
    form = JointProgressForm
    list_display = ["milestone_text", "cluster_name", "round", "status", "updated_by"]
    list_filter = [("round__paper__region", RegionFilter), ("round", RegionFilter), "status"]
    list_select_related = ["milestone__goal", "cluster", "round__paper", "updated_by"]
    search_fields = ["milestone__text", "milestone__goal__number", "comment"]
    readonly_fields = ["round", "milestone", "cluster", "updated_at", "updated_by"]
    fields = ["round", "milestone", "cluster", "status", "comment", "updated_at", "updated_by"]

    def has_add_permission(self, request):
        return False  # made by opening the round

    @admin.display(description=_("milepæl"), ordering="milestone__goal__order")
    def milestone_text(self, obj):
        return f"{obj.milestone.goal.number}: {Truncator(obj.milestone.text).chars(90)}"

    @admin.display(description=_("gælder"), ordering="cluster__order")
    def cluster_name(self, obj):
        return obj.cluster.name if obj.cluster_id else _("fælles")

    def save_model(self, request, obj, form, change):
        try:
            rounds.record_joint_progress(
                obj, status=obj.status, comment=obj.comment, by=request.user
            )
        except rounds.TransitionError as error:
            self.message_user(request, error.text, messages.ERROR)


class GoalDecisionForm(forms.ModelForm):
    class Meta:
        model = GoalDecision
        fields = ["round", "goal", "decision", "new_goal", "comment"]

    def clean(self):
        cleaned = super().clean()
        status_round, goal = cleaned.get("round"), cleaned.get("goal")
        decision = cleaned.get("decision")
        if status_round is None or goal is None or decision is None:
            return cleaned
        if refusal := status_round.secretariat_refusal():
            self.add_error("round", refusal)
        elif refusal := rounds.decision_refusal(
            status_round, goal, decision, cleaned.get("new_goal")
        ):
            revising = decision == GoalDecision.Decision.REVISE
            self.add_error("new_goal" if revising else "goal", refusal)
        return cleaned


class GoalDecisionAdmin(PublishedReadOnlyMixin, RegionScopedHistoryAdmin):
    region_path = "round__paper__region"
    form = GoalDecisionForm
    list_display = ["goal", "round", "decision", "new_goal", "decided_by", "decided_at"]
    list_filter = [("round__paper__region", RegionFilter), ("round", RegionFilter), "decision"]
    list_select_related = ["goal", "round__paper", "new_goal", "decided_by"]
    search_fields = ["goal__number", "goal__title", "comment"]
    autocomplete_fields = ["goal", "new_goal"]
    readonly_fields = ["decided_by", "decided_at"]

    def save_model(self, request, obj, form, change):
        # decide_goal moves the goals' lifecycle along; it saves the decision itself.
        try:
            saved = rounds.decide_goal(
                obj.round,
                obj.goal,
                decision=obj.decision,
                new_goal=obj.new_goal,
                comment=obj.comment,
                by=request.user,
            )
        except rounds.TransitionError as error:
            self.message_user(request, error.text, messages.ERROR)
        else:
            obj.pk = saved.pk


class ReminderAdmin(ViewOnlyMixin, RegionScopedAdmin):
    region_path = "report__round__paper__region"
    list_display = ["report", "kind", "sent_at"]
    list_filter = ["kind", ("report__round", RegionFilter)]
    list_select_related = ["report__municipality", "report__round__paper"]
    search_fields = ["report__municipality__name"]
