"""Admin for the secretariat's goal papers: papers with their themes and goals, goals with
their milestones and indicators. Every admin here is region scoped (see
`municipalities.scoping.RegionScopedAdmin`) and keeps its "Historik" (django-simple-history).
"""

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Count
from django.urls import path
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from goals.admin.imports import paper_import_view
from goals.models import Goal
from goals.models import Indicator
from goals.models import Milestone
from goals.models import PaperSection
from goals.models import StatusRound
from goals.models import Theme
from municipalities.scoping import RegionScopedHistoryAdmin
from municipalities.scoping import RegionScopedInline

RegionFilter = admin.RelatedOnlyFieldListFilter  # only the user's own regions and papers


class GoalForm(forms.ModelForm):
    """Theme and parent must come from the goal's own paper, `replaces` from its region; the
    database cannot say so, and a mismatch would put a goal in two papers at once."""

    class Meta:
        model = Goal
        fields = Goal.READING_ORDER
        # Goal titles are whole sentences as printed in the papers.
        widgets = {"title": forms.Textarea(attrs={"rows": 2, "class": "vLargeTextField"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        state = self.fields.get("state")  # only on the add form; read-only after that
        if state is not None and self.instance.pk is None:
            state.choices = [c for c in state.choices if c[0] in Goal.STARTING_STATES]

    def clean(self):
        cleaned = super().clean()
        paper = cleaned.get("paper") or (self.instance.paper if self.instance.paper_id else None)
        if paper is None:
            return cleaned
        theme, parent, replaces = (cleaned.get(f) for f in ("theme", "parent", "replaces"))
        if theme and theme.paper_id != paper.pk:
            self.add_error("theme", _("Temaet hører til et andet målpapir."))
        if parent and parent.paper_id != paper.pk:
            self.add_error("parent", _("Det overordnede mål skal stå i samme målpapir."))
        if parent and self.instance.pk and parent.pk == self.instance.pk:
            self.add_error("parent", _("Et mål kan ikke være sit eget overordnede mål."))
        if replaces and replaces.paper.region_id != paper.region_id:
            self.add_error("replaces", _("Det erstattede mål skal høre til samme region."))
        if replaces and self.instance.pk and replaces.pk == self.instance.pk:
            self.add_error("replaces", _("Et mål kan ikke erstatte sig selv."))
        elif replaces and self.instance.pk and replaces.pk != self.instance.replaces_id:
            refusal = self.instance.revision_cycle_refusal(replaces)
            if refusal:
                self.add_error("replaces", refusal)
        number = cleaned.get("number")
        if number and paper.pk:
            taken = Goal.objects.filter(paper=paper, number=number).exclude(pk=self.instance.pk)
            if taken.exists():
                self.add_error(
                    "number",
                    _("Der er allerede et mål med nummer %(number)s i dette målpapir.")
                    % {"number": number},
                )
        return cleaned


class MilestoneForm(forms.ModelForm):
    """The baseline's rules and their messages are the constraints on Milestone."""

    class Meta:
        model = Milestone
        fields = Milestone.READING_ORDER
        widgets = {"text": forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField"})}


class ThemeInline(RegionScopedInline, admin.TabularInline):
    model = Theme
    extra = 0
    fields = ["order", "title", "intro"]
    # Intros are a paragraph or two; a short box keeps the paper's page readable.
    formfield_overrides = {
        models.CharField: {"widget": forms.TextInput(attrs={"size": 40})},
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 60})},
    }


class GoalInline(RegionScopedInline, admin.TabularInline):
    """The paper's goals at a glance; sub-goals, `replaces` and milestones are edited on the
    goal's own page (the pencil link)."""

    model = Goal
    form = GoalForm
    extra = 0
    fields = ["number", "title", "theme", "kind", "state"]
    # A goal's state changes only through the round's decisions (`goals.rounds.decide_goal`).
    readonly_fields = ["state"]
    show_change_link = True

    def get_formset(self, request, obj=None, **kwargs):
        kwargs.setdefault(
            "widgets",
            {
                "number": forms.TextInput(attrs={"size": 5}),
                "title": forms.TextInput(attrs={"size": 50}),
            },
        )
        formset = super().get_formset(request, obj, **kwargs)
        theme = formset.form.base_fields.get("theme")
        if theme is not None:
            theme.queryset = theme.queryset.filter(paper=obj) if obj else theme.queryset.none()
            # The paper's own themes are edited just above; no pop-up buttons per row.
            theme.widget.can_add_related = theme.widget.can_change_related = False
            theme.widget.can_delete_related = theme.widget.can_view_related = False
        return formset


class PaperSectionInline(RegionScopedInline, admin.StackedInline):
    """The paper's full text as printed, section by section (see `goals.fulltext`)."""

    model = PaperSection
    extra = 0
    fields = ["order", "heading", "body"]
    classes = ["collapse"]
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 8, "cols": 90})},
    }


class GoalPaperAdmin(RegionScopedHistoryAdmin):
    region_path = "region"
    list_display = ["title", "region", "kind", "period_display", "state", "goal_count", "source"]
    list_filter = [("region", RegionFilter), "kind", "state"]
    list_select_related = ["region"]
    search_fields = ["title", "source", "summary"]
    fieldsets = [
        (None, {"fields": ["region", "title", "kind", "state", "summary"]}),
        (
            _("Vedtagelse og periode"),
            {"fields": ["adopted_year", "adopted_on", "first_year", "last_year", "source"]},
        ),
        (_("Kilder og skøn"), {"fields": ["provenance"], "classes": ["collapse"]}),
    ]
    readonly_fields = ["provenance"]
    inlines = [ThemeInline, GoalInline, PaperSectionInline]

    def get_urls(self):
        # "Importér målpapir": a paper from a spreadsheet, as a draft (goals/admin/imports.py).
        view = self.admin_site.admin_view(lambda request: paper_import_view(self, request))
        return [path("import/", view, name="goals_goalpaper_import"), *super().get_urls()]

    def get_queryset(self, request):
        # A GROUP BY drops the model's default ordering; autocomplete pages need one.
        return (
            super()
            .get_queryset(request)
            .annotate(_goals=Count("goals"))
            .order_by("region__name", "-adopted_year", "title")
        )

    @admin.display(description=_("periode"), ordering="first_year")
    def period_display(self, obj):
        return obj.period

    @admin.display(description=_("antal mål"), ordering="_goals")
    def goal_count(self, obj):
        return obj._goals


class ThemeAdmin(RegionScopedHistoryAdmin):
    region_path = "paper__region"
    list_display = ["title", "order", "paper", "region"]
    list_filter = [("paper__region", RegionFilter), ("paper", RegionFilter)]
    list_select_related = ["paper__region"]
    search_fields = ["title", "intro", "paper__title"]
    autocomplete_fields = ["paper"]

    @admin.display(description=_("region"), ordering="paper__region__name")
    def region(self, obj):
        return obj.paper.region


class MilestoneInline(RegionScopedInline, admin.StackedInline):
    model = Milestone
    form = MilestoneForm
    extra = 0
    fieldsets = [
        (None, {"fields": [("order", "scope"), "text", "lead"]}),
        (_("Frist"), {"fields": [("due", "due_approximate", "due_text")]}),
        (_("Udgangspunkt"), {"fields": [("baseline_count", "baseline_of", "baseline_year")]}),
    ]


class IndicatorInline(RegionScopedInline, admin.TabularInline):
    model = Indicator
    extra = 0
    fields = ["order", "name", "unit", "target", "direction"]


class GoalAdmin(RegionScopedHistoryAdmin):
    region_path = "paper__region"
    same_parent_choices = {"theme": "paper"}
    form = GoalForm
    list_display = [
        "number",
        "short_title",
        "short_paper",
        "kind",
        "state",
        "milestone_count",
    ]
    list_display_links = ["number", "short_title"]
    list_filter = [
        ("paper__region", RegionFilter),
        ("paper", RegionFilter),
        "kind",
        "state",
    ]
    list_select_related = ["paper"]
    search_fields = ["number", "title", "description"]
    # Newest paper first, each paper's goals in the order printed.
    ordering = ["paper__region__name", "-paper__adopted_year", "paper_id", "order", "number"]
    autocomplete_fields = ["paper", "parent", "replaces"]
    fieldsets = [
        (None, {"fields": ["paper", "theme", "parent", ("number", "order"), "title"]}),
        (None, {"fields": ["description", ("kind", "state"), "national_goal", "replaces"]}),
    ]
    inlines = [MilestoneInline, IndicatorInline]
    list_per_page = 50

    def get_readonly_fields(self, request, obj=None):
        # A new goal starts in a state (not adopted yet, or in force); after that its state
        # changes only through a round's decisions, which keep the record of why.
        if obj is None:
            return self.readonly_fields
        return [*self.readonly_fields, "state", "state_via_decisions"]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.fieldsets
        return [
            *self.fieldsets[:1],
            (
                None,
                {
                    "fields": [
                        "description",
                        ("kind", "state"),
                        "state_via_decisions",
                        "national_goal",
                        "replaces",
                    ]
                },
            ),
        ]

    @admin.display(description=_("tilstanden ændres"))
    def state_via_decisions(self, obj):
        status_round = (
            obj.paper.rounds.exclude(state=StatusRound.State.PLANNED).order_by("-year").first()
        )
        if status_round is None:
            return _(
                "Med en beslutning, når målpapiret har en åben statusrunde. Der er ingen endnu."
            )
        return format_html(
            '{} <a href="{}">{}</a>',
            _("Kun med en beslutning i en statusrunde."),
            reverse("secretariat:decisions", args=[status_round.pk]),
            _("Beslutninger, status %(year)s") % {"year": status_round.year},
        )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_milestones=Count("milestones"))
            .order_by(*self.ordering)
        )

    @admin.display(description=_("titel"), ordering="title")
    def short_title(self, obj):
        return Truncator(obj.title).chars(90)

    @admin.display(description=_("målpapir"), ordering="paper__title")
    def short_paper(self, obj):
        return f"{Truncator(obj.paper.title).chars(45)} ({obj.paper.period})"

    @admin.display(description=_("milepæle"), ordering="_milestones")
    def milestone_count(self, obj):
        return obj._milestones


class MilestoneAdmin(RegionScopedHistoryAdmin):
    region_path = "goal__paper__region"
    form = MilestoneForm
    list_display = ["goal_number", "short_text", "due_display", "scope", "lead", "baseline"]
    # Each row's link is its own milestone, not the goal every milestone of it shares.
    list_display_links = ["short_text"]
    list_filter = [
        ("goal__paper__region", RegionFilter),
        ("goal__paper", RegionFilter),
        "scope",
        "due_approximate",
    ]
    list_select_related = ["goal__paper"]
    search_fields = ["text", "lead", "goal__number", "goal__title"]
    autocomplete_fields = ["goal"]
    ordering = ["-goal__paper__adopted_year", "goal__paper_id", "goal__order", "order"]

    @admin.display(description=_("mål"), ordering="goal__order")
    def goal_number(self, obj):
        return f"{obj.goal.number} ({Truncator(obj.goal.paper.title).chars(30)} {obj.goal.paper.period})"

    @admin.display(description=_("milepæl"))
    def short_text(self, obj):
        return Truncator(obj.text).chars(100)

    @admin.display(description=_("frist"), ordering="due")
    def due_display(self, obj):
        return obj.due_text or obj.due or "–"


class IndicatorAdmin(RegionScopedHistoryAdmin):
    region_path = "goal__paper__region"
    list_display = ["name", "unit", "target", "direction", "goal"]
    list_filter = [("goal__paper__region", RegionFilter), ("goal__paper", RegionFilter)]
    list_select_related = ["goal"]
    search_fields = ["name", "goal__number", "goal__title"]
    autocomplete_fields = ["goal"]
