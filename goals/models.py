"""Goal papers and their goals, milestones and indicators; the yearly status rounds and the
municipalities' reports in them.

The rules that span models (opening a round, submitting, reviewing, publishing) live in
`goals/rounds.py`; this module keeps each object's own rules, named for their use, so that
views, admin, notifications and the read side ask instead of re-deciding:

- which papers are public and which take new rounds: `GoalPaperQuerySet.public()`,
  `taking_rounds()` and `GoalPaper.round_refusal()`;
- which goals, milestones and indicators a round asks about: `reported_on()`;
- whether a round is past its deadline: `StatusRound.is_past_deadline(today)`; which
  rounds are public is the read side's rule (a round with a publication, whatever its state
  here), not this module's;
- which reports count, which are still due, which are late, which may be reminded now:
  `reported()`, `unsubmitted()`, `overdue(today)` and `StatusReport.is_overdue(today)`,
  `remindable(today)` and `StatusReport.may_be_reminded()`; how many of a round's reports are
  sent in ("N af M"): `StatusRound.objects.with_report_counts()`; days to or past the
  deadline: `StatusReport.days_left(today)`, `days_overdue(today)`;
- whether the municipality may still edit its report, which lines keep it from being
  submitted: `StatusReport.reporting_refusal(today)`, `blank_lines()`;
- whether the secretariat may still change a round or review a report:
  `StatusRound.secretariat_refusal()`, `StatusReport.review_refusal()`;
- whether a goal may be recorded as another's revision: `Goal.revision_refusal(goal)` (the
  decisions page offers those that `can_revise(goal)`);
- the years a person can mean (`YearField`) and the database constraints for what must never
  happen, each with the message a form shows for it.

An indicator's figures from a public source (Statistikbanken, eSundhed) are kept apart from
what the municipalities report: `IndicatorSeries` (the source, the table, when fetched) and
its `IndicatorObservation`s (a municipality's, the region's or the whole country's value in a
year), imported by `goals/series_import.py`.
"""

import os

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Count
from django.db.models import F
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from goals import fulltext
from municipalities.models import Cluster
from municipalities.models import Membership
from municipalities.models import Municipality
from municipalities.models import Region


def _done_by(verbose_name):
    """Who made a change: kept as history when the user is deleted, never a reverse accessor."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose_name,
    )


# Papers and status rounds are about years a person can mean; 0 or 99999 is a typing error.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _year_message():
    return gettext("Angiv et år mellem %(first)s og %(last)s.") % {
        "first": FIRST_YEAR,
        "last": LAST_YEAR,
    }


YEAR_MESSAGE = lazy(_year_message, str)()


class YearField(models.PositiveSmallIntegerField):
    """A year between FIRST_YEAR and LAST_YEAR; every form made from the model (the
    secretariat's pages, the admin) checks it with the same message."""

    default_validators = [
        MinValueValidator(FIRST_YEAR, YEAR_MESSAGE),
        MaxValueValidator(LAST_YEAR, YEAR_MESSAGE),
    ]

    def formfield(self, **kwargs):
        messages = {"invalid": YEAR_MESSAGE, "min_value": YEAR_MESSAGE, "max_value": YEAR_MESSAGE}
        return super().formfield(
            **{
                "form_class": forms.IntegerField,
                "min_value": FIRST_YEAR,
                "max_value": LAST_YEAR,
                "error_messages": messages,
                **kwargs,
            }
        )


class GoalPaperQuerySet(models.QuerySet):
    def in_region(self, region):
        return self.filter(region=region)

    def public(self):
        """The papers the public pages show: dialogue material, proposed and adopted ones,
        archived ones as history (each labelled, goals.naming)."""
        return self.filter(state__in=GoalPaper.PUBLIC_STATES)

    def taking_rounds(self):
        """The papers new status rounds can be made for (`GoalPaper.round_refusal`): a
        proposal (Midtjylland's "forslag") is followed up yearly like an adopted paper."""
        return self.filter(state__in=(GoalPaper.State.PROPOSED, GoalPaper.State.ADOPTED))


def _provenance_field():
    """Where a value the paper does not print comes from, per field: {"adopted_year":
    {"estimated": true, "note": "…"}, "name": {"source": "…"}}. Filled from the fixtures, shown
    beside the value on the public pages (`goals.provenance`)."""
    return models.JSONField(
        _("kilder og skøn"),
        default=dict,
        blank=True,
        help_text=_(
            "Værdier, der ikke står i papiret: hvor de kommer fra, eller at de er anslået."
        ),
    )


class GoalPaper(models.Model):
    class Kind(models.TextChoices):
        KKR_GOALS = "kkr_maal", _("KKR-mål")
        OBJECTIVES = "maalsaetninger", _("målsætninger")
        HEALTH_AGREEMENT = "sundhedsaftale", _("sundhedsaftale")
        POSITION_PAPER = "position", _("positionspapir")

    class State(models.TextChoices):
        DRAFT = "draft", _("udkast")
        # Material for a political dialogue (slides of a meeting): public and searchable,
        # labelled as such, but it commits no one and takes no status rounds.
        DIALOGUE = "dialogue", _("dialogmateriale")
        # A proposal put to the KKR and the councils whose adoption the paper does not state.
        PROPOSED = "proposed", _("forslag")
        ADOPTED = "adopted", _("vedtaget")
        ARCHIVED = "archived", _("arkiveret")

    # A draft is the secretariat's work in progress; see GoalPaperQuerySet.public.
    PUBLIC_STATES = (State.DIALOGUE, State.PROPOSED, State.ADOPTED, State.ARCHIVED)

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="papers", verbose_name=_("region")
    )
    title = models.CharField(_("titel"), max_length=250)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    adopted_year = YearField(_("vedtaget år"))
    adopted_on = models.DateField(_("vedtaget dato"), null=True, blank=True)
    first_year = YearField(_("første år"))
    last_year = YearField(_("sidste år"))
    source = models.CharField(
        _("kilde"), max_length=120, unique=True, help_text=_("Kildedokumentets filnavn.")
    )
    summary = models.TextField(_("resumé"), blank=True)
    state = models.CharField(
        _("tilstand"), max_length=10, choices=State.choices, default=State.ADOPTED
    )
    provenance = _provenance_field()

    objects = GoalPaperQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["region", "-adopted_year", "title"]
        verbose_name = _("målpapir")
        verbose_name_plural = _("målpapirer")
        constraints = [
            models.CheckConstraint(
                condition=Q(first_year__lte=F("last_year")),
                name="paper_period_in_order",
                violation_error_message=_("Det sidste år kan ikke ligge før det første."),
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.first_year}–{self.last_year})"

    def round_refusal(self):
        """Why no new status round can be made or opened for the paper, or None when it can:
        a draft's goals would be published with the round, an archived paper is history."""
        if self.state == self.State.DRAFT:
            return _(
                "Målpapiret er et udkast. Der kan først oprettes statusrunder for det, "
                "når det er vedtaget."
            )
        if self.state == self.State.ARCHIVED:
            return _("Målpapiret er arkiveret, så der kan ikke oprettes nye statusrunder for det.")
        if self.state == self.State.DIALOGUE:
            return _(
                "Papiret er dialogmateriale og forpligter ingen, så der kan ikke oprettes "
                "statusrunder for det."
            )
        return None

    @property
    def key(self):
        """The paper's identity across installations: its source document's name without the
        extension ("001_b6c4e8802b7d46aa"), which the loader finds it by (see `Goal.key`)."""
        return self.source.rsplit(".", 1)[0]

    @property
    def period(self):
        if self.first_year == self.last_year:
            return str(self.first_year)
        return f"{self.first_year}–{self.last_year}"


class Theme(models.Model):
    paper = models.ForeignKey(
        GoalPaper, on_delete=models.CASCADE, related_name="themes", verbose_name=_("målpapir")
    )
    order = models.PositiveSmallIntegerField(_("rækkefølge"))
    title = models.CharField(_("titel"), max_length=250)
    intro = models.TextField(_("indledning"), blank=True)

    class Meta:
        ordering = ["paper", "order"]
        verbose_name = _("tema")
        verbose_name_plural = _("temaer")
        constraints = [
            models.UniqueConstraint(fields=["paper", "order"], name="theme_unique_order"),
        ]

    def __str__(self):
        return self.title


class PaperSection(models.Model):
    """One section of a paper's full text, as printed: a heading and a body of paragraphs,
    lists ("- " lines) and sub-headings ("### " lines), blocks apart by a blank line. The
    goals keep what can be ticked off; the sections keep the words around them."""

    paper = models.ForeignKey(
        GoalPaper, on_delete=models.CASCADE, related_name="sections", verbose_name=_("målpapir")
    )
    order = models.PositiveSmallIntegerField(_("rækkefølge"))
    heading = models.CharField(_("overskrift"), max_length=250, blank=True)
    body = models.TextField(
        _("tekst"),
        blank=True,
        help_text=_(
            "Afsnit adskilt af en tom linje; linjer med “- ” er punktopstillinger, "
            "en linje med “### ” er en underoverskrift."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["paper", "order"]
        verbose_name = _("afsnit")
        verbose_name_plural = _("afsnit")
        constraints = [
            models.UniqueConstraint(fields=["paper", "order"], name="section_unique_order"),
        ]

    def __str__(self):
        return self.heading or f"{self.paper.title} ({self.order})"

    @property
    def anchor(self):
        return f"afsnit-{self.order}"

    @property
    def blocks(self):
        return fulltext.blocks(self.body)


class GoalQuerySet(models.QuerySet):
    def in_region(self, region):
        return self.filter(paper__region=region)

    def reported_on(self):
        """The goals a status round asks about: the active commitments (KKR-mål).
        Development areas and goals still in the pipeline are not reported on; one adopted
        as a goal becomes active and enters the next round opened."""
        return self.filter(kind=Goal.Kind.COMMITMENT, state=Goal.State.ACTIVE)

    def awaiting_decision(self, status_round):
        """The goals a round's decisions are about: those it asks about (`reported_on`) and
        those it has decided already, which its decision may have ticked off since. Not a
        goal ticked off in an earlier round, nor one not adopted yet (`adoptable`)."""
        asked = Q(kind=Goal.Kind.COMMITMENT, state=Goal.State.ACTIVE)
        decided = Q(pk__in=GoalDecision.objects.filter(round=status_round).values("goal_id"))
        return self.filter(asked | decided)

    def adoptable(self, status_round):
        """The goals a round's decision may adopt ("nyt mål vedtaget"): those not adopted yet,
        typically development areas. Once adopted, a goal is one the round has decided
        (`awaiting_decision`), so the two never overlap."""
        decided = GoalDecision.objects.filter(round=status_round).values("goal_id")
        return self.filter(state=Goal.State.PIPELINE).exclude(pk__in=decided)


class Goal(models.Model):
    class Kind(models.TextChoices):
        COMMITMENT = "commitment", _("KKR-mål")
        DEVELOPMENT_AREA = "development", _("udviklingsområde")
        # Named in a paper that commits no one, e.g. the slides of a dialogue meeting.
        FOCUS_AREA = "focus", _("fokusområde")

    class State(models.TextChoices):
        # Named in a paper but not adopted as a commitment yet (typically a development
        # area); the "nyt mål vedtaget" decision makes it active.
        PIPELINE = "pipeline", _("ikke vedtaget endnu")
        ACTIVE = "active", _("aktivt")
        ACHIEVED = "achieved", _("opfyldt")
        REVISED = "revised", _("revideret")
        RETIRED = "retired", _("udgået")

    # A revised goal is one still to be followed up: a new one or one in force.
    REVISION_STATES = (State.PIPELINE, State.ACTIVE)
    # A new goal starts not adopted yet or in force; achieved, revised and retired are what
    # a round's decision makes of it (`goals.rounds.decide_goal`).
    STARTING_STATES = REVISION_STATES

    paper = models.ForeignKey(
        GoalPaper, on_delete=models.CASCADE, related_name="goals", verbose_name=_("målpapir")
    )
    theme = models.ForeignKey(
        Theme,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="goals",
        verbose_name=_("tema"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("overordnet mål"),
    )
    number = models.CharField(
        _("nummer"), max_length=20, help_text=_("Som trykt i papiret, fx 1, 1.1 a eller A.")
    )
    order = models.PositiveSmallIntegerField(_("rækkefølge"), default=0)
    title = models.CharField(_("titel"), max_length=500)
    description = models.TextField(_("beskrivelse"), blank=True)
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices, default=Kind.COMMITMENT)
    state = models.CharField(
        _("tilstand"), max_length=10, choices=State.choices, default=State.ACTIVE
    )
    national_goal = models.TextField(
        _("nationalt mål"), blank=True, help_text=_("Det nationale mål, målet understøtter.")
    )
    replaces = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("erstatter"),
        help_text=_("Det mål, dette mål er en revision af."),
    )
    provenance = _provenance_field()

    objects = GoalQuerySet.as_manager()
    history = HistoricalRecords()

    # What the secretariat edits and the API shows, in the order they read it.
    READING_ORDER = [
        "paper",
        "theme",
        "parent",
        "number",
        "order",
        "title",
        "description",
        "kind",
        "state",
        "national_goal",
        "replaces",
    ]

    class Meta:
        ordering = ["paper", "order", "number"]
        verbose_name = _("mål")
        verbose_name_plural = _("mål")
        constraints = [
            models.UniqueConstraint(fields=["paper", "number"], name="goal_unique_number"),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="goal_not_own_parent"),
        ]
        indexes = [models.Index(fields=["paper", "state"])]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def region(self):
        return self.paper.region

    @property
    def key(self):
        """The goal's identity across installations and reloads: its paper's key and its number
        ("001_b6c4e8802b7d46aa:1.1 a"), the natural key `goals.loading` finds it by. The id is
        stable within one installation (the loader never remakes a row it finds); the key also
        across a fresh load elsewhere. Needs the paper loaded."""
        return f"{self.paper.key}:{self.number}"

    @property
    def is_commitment(self):
        return self.kind == self.Kind.COMMITMENT

    @property
    def is_reported_on(self):
        """This goal's answer to `GoalQuerySet.reported_on`, for goals already loaded."""
        return self.is_commitment and self.state == self.State.ACTIVE

    # --- the revision check: may this goal be recorded as the revision of another? -------

    def can_revise(self, goal):
        """Whether the decisions page offers this goal as the revision of `goal`: the checks
        of `revision_refusal` that need no query, and only a goal active or not adopted yet
        (an achieved, revised or retired goal is history). `revision_refusal` says why not,
        and walks the whole chain, on saving."""
        return self._revision_misfit(goal) is None and self.state in self.REVISION_STATES

    def _revision_misfit(self, goal):
        """Which check that needs no query this goal fails as the revision of `goal`, or
        None: "itself", "region" (another region's), "taken" (it already replaces another
        goal) or "state" (history, unless it is already recorded as `goal`'s revision)."""
        if self.pk == goal.pk:
            return "itself"
        if self.paper.region_id != goal.paper.region_id:
            return "region"
        if self.replaces_id and self.replaces_id != goal.pk:
            return "taken"
        if self.state not in self.REVISION_STATES and self.replaces_id != goal.pk:
            return "state"
        return None

    def revision_refusal(self, goal):
        """Why this goal cannot be recorded as the revision of `goal`, or None when it can
        (`goals.rounds.decision_refusal`, which the decisions page, its form and the admin
        ask, and `decide_goal` under its lock).

        A goal replaces at most one other (`replaces`): letting a second revision point at it
        would silently cut the first one's history, and a goal replaced by its own successor
        would make the history go round in a circle.
        """
        misfit = self._revision_misfit(goal)
        if misfit == "itself":
            return gettext("Et mål kan ikke erstatte sig selv.")
        if misfit == "region":
            return gettext("Det nye mål hører til en anden region.")
        if misfit == "taken":
            return gettext("Målet %(new)s erstatter allerede mål %(old)s. Vælg et andet mål.") % {
                "new": self.number,
                "old": self.replaces.number,
            }
        # The circle first: the goal it would close the circle with is history by now.
        refusal = self.revision_cycle_refusal(goal)
        if refusal:
            return refusal
        if misfit == "state":
            return gettext(
                "Målet %(new)s er %(state)s og kan ikke afløse et andet mål. Vælg et mål, der er "
                "aktivt eller endnu ikke vedtaget."
            ) % {"new": self.number, "state": self.get_state_display()}
        return None

    def revision_cycle_refusal(self, goal):
        """Why this goal replacing `goal` would make the revision history go round in a
        circle (`goal` replaced this one, directly or further back), or None. The decisions
        page (`revision_refusal`) and the admin's `replaces` field both ask it."""
        # Walk the saved chain of goals `goal` replaced (not the caller's copy, which may be
        # older than a revision just recorded).
        replaced = Goal.objects.values_list("replaces_id", flat=True)
        seen, earlier = {goal.pk}, replaced.filter(pk=goal.pk).first()
        while earlier is not None and earlier not in seen:
            if earlier == self.pk:
                return gettext(
                    "Mål %(goal)s kan ikke erstattes af mål %(new)s, som det selv har erstattet."
                ) % {"goal": goal.number, "new": self.number}
            seen.add(earlier)
            earlier = replaced.filter(pk=earlier).first()
        return None


class GoalPartQuerySet(models.QuerySet):
    """Milestones and indicators: what hangs off a goal."""

    def reported_on(self, paper):
        """Those a status round of `paper` asks about (see `GoalQuerySet.reported_on`)."""
        return self.filter(goal__in=Goal.objects.filter(paper=paper).reported_on())


class Milestone(models.Model):
    class Scope(models.TextChoices):
        MUNICIPALITY = "municipality", _("hver kommune")
        CLUSTER = "cluster", _("hver klynge")
        JOINT = "joint", _("fælles for KKR")

    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("mål")
    )
    order = models.PositiveSmallIntegerField(_("rækkefølge"), default=0)
    text = models.TextField(_("tekst"))
    due = models.DateField(_("frist"), null=True, blank=True)
    due_approximate = models.BooleanField(
        _("omtrentlig frist"),
        default=False,
        help_text=_("Papiret angiver kun fx 'primo 2018' eller 'i 2017'."),
    )
    due_text = models.CharField(
        _("frist som trykt"),
        max_length=100,
        blank=True,
        help_text=_("Fx 'inden udgangen af 2017'."),
    )
    scope = models.CharField(
        _("omfang"), max_length=12, choices=Scope.choices, default=Scope.MUNICIPALITY
    )
    lead = models.CharField(_("tovholder"), max_length=250, blank=True)
    baseline_count = models.PositiveSmallIntegerField(
        _("udgangspunkt (antal)"), null=True, blank=True
    )
    baseline_of = models.PositiveSmallIntegerField(_("ud af"), null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField(_("udgangspunkt år"), null=True, blank=True)
    provenance = _provenance_field()

    objects = GoalPartQuerySet.as_manager()
    history = HistoricalRecords()

    # What the secretariat edits and the API shows, in the order they read it.
    READING_ORDER = [
        "goal",
        "order",
        "text",
        "due",
        "due_approximate",
        "due_text",
        "scope",
        "lead",
        "baseline_count",
        "baseline_of",
        "baseline_year",
    ]

    class Meta:
        ordering = ["goal", "order", "id"]
        verbose_name = _("milepæl")
        verbose_name_plural = _("milepæle")
        constraints = [
            models.CheckConstraint(
                condition=Q(baseline_count__isnull=True) | Q(baseline_of__isnull=False),
                name="milestone_baseline_count_has_total",
                violation_error_message=_("Angiv hvor mange kommuner udgangspunktet er ud af."),
            ),
            models.CheckConstraint(
                condition=Q(baseline_of__isnull=True) | Q(baseline_count__isnull=False),
                name="milestone_baseline_total_has_count",
                violation_error_message=_("Angiv antallet, der opfyldte målet."),
            ),
            models.CheckConstraint(
                condition=Q(baseline_count__isnull=True)
                | Q(baseline_of__isnull=True)
                | Q(baseline_count__lte=F("baseline_of")),
                name="milestone_baseline_within_total",
                violation_error_message=_(
                    "Udgangspunktet kan ikke være større end det samlede antal."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.goal.number}: {self.text[:80]}"

    @property
    def key(self):
        """The milestone's identity across installations: its goal's key and its place under
        the goal ("001_b6c4e8802b7d46aa:1:2"), the loader's natural key (see `Goal.key`).
        Needs the goal and its paper loaded."""
        return f"{self.goal.key}:{self.order}"

    @property
    def repeats_goal(self):
        """Many papers state a goal as its one milestone: a page then says it once, under
        the goal (spacing, letter case and a closing full stop aside). Needs the goal."""

        def plain(text):
            return " ".join(text.split()).rstrip(".").casefold()

        return plain(self.text) == plain(self.goal.title)

    @property
    def baseline(self):
        if self.baseline_count is None:
            return ""
        return _("%(met)s af %(of)s") % {"met": self.baseline_count, "of": self.baseline_of}


class Indicator(models.Model):
    class Direction(models.TextChoices):
        HIGHER = "higher", _("højere er bedre")
        LOWER = "lower", _("lavere er bedre")

    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("mål")
    )
    order = models.PositiveSmallIntegerField(_("rækkefølge"), default=0)
    name = models.CharField(_("navn"), max_length=250)
    unit = models.CharField(_("enhed"), max_length=40, blank=True)
    target = models.DecimalField(_("mål"), max_digits=12, decimal_places=2, null=True, blank=True)
    direction = models.CharField(
        _("retning"), max_length=6, choices=Direction.choices, default=Direction.HIGHER
    )
    description = models.TextField(_("beskrivelse"), blank=True)

    objects = GoalPartQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["goal", "order", "id"]
        verbose_name = _("indikator")
        verbose_name_plural = _("indikatorer")

    def __str__(self):
        return f"{self.name} ({self.unit})" if self.unit else self.name


class IndicatorSeriesQuerySet(models.QuerySet):
    def in_region(self, region):
        return self.filter(indicator__goal__paper__region=region)

    def public(self):
        """The series of the public papers' indicators (`GoalPaperQuerySet.public`)."""
        return self.filter(indicator__goal__paper__state__in=GoalPaper.PUBLIC_STATES)


class IndicatorSeries(models.Model):
    """A published statistic mapped to an indicator: a value per municipality (and for the
    region and the whole country, when the publication has them) per year, from a file the
    secretariat downloaded from Statistikbanken, eSundhed or the like (`goals.series_import`).
    The source is named wherever the values are shown. Importing the same source and table
    for the indicator again replaces its values: publications revise earlier years."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="series", verbose_name=_("indikator")
    )
    title = models.CharField(
        _("titel i kilden"), max_length=250, blank=True, help_text=_("Tabellens overskrift.")
    )
    unit = models.CharField(_("enhed i kilden"), max_length=120, blank=True)
    source_name = models.CharField(
        _("kilde"), max_length=200, help_text=_("Fx “Danmarks Statistik, Statistikbanken”.")
    )
    source_url = models.URLField(_("kildens adresse"), max_length=500, blank=True)
    table_id = models.CharField(
        _("tabel"), max_length=80, blank=True, help_text=_("Tabellens id i kilden, fx INDL05.")
    )
    fetched_on = models.DateField(_("hentet"), help_text=_("Den dag tallene blev hentet."))
    file_name = models.CharField(_("fil"), max_length=200, blank=True)
    imported_at = models.DateTimeField(_("importeret"), auto_now=True)
    imported_by = _done_by(_("importeret af"))

    objects = IndicatorSeriesQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator", "source_name", "table_id"]
        verbose_name = _("indikatorserie")
        verbose_name_plural = _("indikatorserier")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "source_name", "table_id"], name="series_unique_source"
            ),
        ]

    def __str__(self):
        return f"{self.indicator.name}: {self.source_name}"

    @property
    def source_label(self):
        """The source as the pages name it: "Kilde, tabel X, hentet 2.4.2024"."""
        parts = [self.source_name]
        if self.table_id:
            parts.append(gettext("tabel %(table)s") % {"table": self.table_id})
        parts.append(gettext("hentet %(date)s") % {"date": self.fetched_on.strftime("%d.%m.%Y")})
        return ", ".join(parts)


class IndicatorObservation(models.Model):
    """One value of a series: a municipality's in a year, or the region's (municipality
    empty) or the whole country's (both empty)."""

    class Level(models.TextChoices):
        MUNICIPALITY = "municipality", _("kommune")
        REGION = "region", _("region")
        NATIONAL = "national", _("hele landet")

    series = models.ForeignKey(
        IndicatorSeries,
        on_delete=models.CASCADE,
        related_name="observations",
        verbose_name=_("serie"),
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kommune"),
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
    )
    year = YearField(_("år"))
    value = models.DecimalField(_("værdi"), max_digits=16, decimal_places=4)

    class Meta:
        ordering = ["series", "municipality", "region", "year"]
        verbose_name = _("indikatorværdi fra kilde")
        verbose_name_plural = _("indikatorværdier fra kilder")
        constraints = [
            models.CheckConstraint(
                condition=Q(municipality__isnull=True) | Q(region__isnull=True),
                name="observation_one_area",
                violation_error_message=_(
                    "En værdi gælder en kommune eller en region, ikke begge."
                ),
            ),
            models.CheckConstraint(
                condition=Q(year__gte=FIRST_YEAR, year__lte=LAST_YEAR),
                name="observation_year_in_range",
                violation_error_message=YEAR_MESSAGE,
            ),
            models.UniqueConstraint(
                fields=["series", "municipality", "year"],
                condition=Q(municipality__isnull=False),
                name="observation_unique_municipality_year",
            ),
            models.UniqueConstraint(
                fields=["series", "region", "year"],
                condition=Q(region__isnull=False),
                name="observation_unique_region_year",
            ),
            models.UniqueConstraint(
                fields=["series", "year"],
                condition=Q(municipality__isnull=True, region__isnull=True),
                name="observation_unique_national_year",
            ),
        ]

    def __str__(self):
        return f"{self.series}: {self.area_name} {self.year} = {self.value}"

    @property
    def level(self):
        if self.municipality_id:
            return self.Level.MUNICIPALITY
        if self.region_id:
            return self.Level.REGION
        return self.Level.NATIONAL

    @property
    def area_name(self):
        if self.municipality_id:
            return self.municipality.name
        if self.region_id:
            return gettext("Region %(name)s") % {"name": self.region.name}
        return gettext("Hele landet")


class StatusRoundQuerySet(models.QuerySet):
    def in_region(self, region):
        return self.filter(paper__region=region)

    def with_report_counts(self):
        """Each round with `report_count` (its reports) and `reported_count` (those sent in,
        `StatusReportQuerySet.reported`): the "N af M indberettet" of the secretariat's
        rounds and of the admin's list, as the cockpit counts it."""
        return self.annotate(
            report_count=Count("reports"),
            reported_count=Count(
                "reports", filter=Q(reports__state__in=StatusReport.REPORTED_STATES)
            ),
        )


class StatusRound(models.Model):
    class State(models.TextChoices):
        PLANNED = "planned", _("planlagt")
        OPEN = "open", _("åben")
        CLOSED = "closed", _("lukket")
        PUBLISHED = "published", _("offentliggjort")

    paper = models.ForeignKey(
        GoalPaper, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("målpapir")
    )
    year = YearField(_("år"))
    opens = models.DateField(_("åbner"))
    deadline = models.DateField(_("frist"))
    state = models.CharField(
        _("tilstand"), max_length=10, choices=State.choices, default=State.PLANNED
    )
    opened_at = models.DateTimeField(_("åbnet"), null=True, blank=True)
    closed_at = models.DateTimeField(_("lukket"), null=True, blank=True)
    published_at = models.DateTimeField(_("offentliggjort"), null=True, blank=True)
    # Why the round was last reopened after closing or publishing; the history keeps every
    # earlier reason as the change reason of its record.
    reopen_reason = models.TextField(_("begrundelse for genåbning"), blank=True)

    objects = StatusRoundQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["paper", "-year"]
        verbose_name = _("statusrunde")
        verbose_name_plural = _("statusrunder")
        constraints = [
            models.UniqueConstraint(fields=["paper", "year"], name="round_unique_year"),
            models.CheckConstraint(
                condition=Q(opens__lte=F("deadline")),
                name="round_opens_before_deadline",
                violation_error_message=_("Fristen skal ligge efter åbningsdatoen."),
            ),
        ]

    def __str__(self):
        return f"Status {self.year}: {self.paper.title}"

    @property
    def region(self):
        return self.paper.region

    @property
    def is_open(self):
        return self.state == self.State.OPEN

    @property
    def is_published(self):
        return self.state == self.State.PUBLISHED

    def is_past_deadline(self, today):
        """Open, and the municipalities' deadline has passed."""
        return self.is_open and today > self.deadline

    def transition_refusal(self, action):
        """Why the round cannot be opened ("open"), closed ("close"), published ("publish")
        or reopened ("reopen") now, or None; `goals.rounds` checks it under a lock, the
        confirmation pages ask it first."""
        state = {"state": self.get_state_display()}
        if action == "open" and self.state not in (self.State.PLANNED, self.State.OPEN):
            return (
                _("Runden er %(state)s og kan ikke åbnes igen. Brug “Genåbn” med en begrundelse.")
                % state
            )
        if action == "close" and self.state != self.State.OPEN:
            return _("Kun en åben runde kan lukkes. Runden er %(state)s.") % state
        if action == "publish" and self.state != self.State.CLOSED:
            return _("Runden skal lukkes, før den kan offentliggøres. Runden er %(state)s.") % state
        if action == "reopen" and self.state not in (self.State.CLOSED, self.State.PUBLISHED):
            return (
                _("Kun en lukket eller offentliggjort runde kan genåbnes. Runden er %(state)s.")
                % state
            )
        return None

    def secretariat_refusal(self):
        """Why the secretariat cannot record progress or decisions in the round now, or
        None: not before the round is opened, nor once it is published (until reopened)."""
        if self.is_published:
            return _("Runden er offentliggjort. Genåbn runden med en begrundelse for at ændre den.")
        if self.state == self.State.PLANNED:
            return _("Runden er ikke åbnet endnu.")
        return None


class StatusReportQuerySet(models.QuerySet):
    def tally(self, **subsets):
        """{name: how many of these reports are in the subset} for each named queryset of
        them (e.g. `unsubmitted=reports.unsubmitted()`), all in one query."""
        return self.aggregate(
            **{
                name: Count("pk", filter=Q(pk__in=rows.values("pk")))
                for name, rows in subsets.items()
            }
        )

    def reported(self):
        """Reports the municipality has sent in: only these count in the progress."""
        return self.filter(state__in=StatusReport.REPORTED_STATES)

    def unsubmitted(self):
        """Reports the municipality still has to send (again)."""
        return self.filter(state__in=StatusReport.UNSUBMITTED_STATES)

    def overdue(self, today):
        """Unsubmitted reports of open rounds whose deadline has passed (`is_overdue`)."""
        return self.unsubmitted().filter(
            round__state=StatusRound.State.OPEN, round__deadline__lt=today
        )

    def remindable(self, today):
        """Who may be reminded now: reports not sent in of open rounds (`may_be_reminded`),
        before the deadline as after it, that no reminder reached today, whether sent by the
        daily job or by hand: one reminder a day per report, never two
        (`goals.notifications.remind_now`, `send_reminders`)."""
        return (
            self.unsubmitted()
            .filter(round__state=StatusRound.State.OPEN)
            .exclude(pk__in=Reminder.objects.sent_on(today).values("report_id"))
        )

    def untouched(self):
        """Drafts nobody has saved since the round was opened (`StatusReport.is_untouched`)."""
        return self.filter(state=StatusReport.State.DRAFT, version=1)

    def awaiting_review(self):
        """Reports sent in and waiting for the secretariat to approve or return them."""
        return self.filter(state=StatusReport.State.SUBMITTED)

    def with_lines_filled(self):
        """Each report with `lines_filled` (lines with a status) and `lines_total`."""
        return self.annotate(
            lines_total=models.Count("lines", distinct=True),
            lines_filled=models.Count("lines", filter=~Q(lines__status=""), distinct=True),
        )

    def with_reporter(self):
        """Each report with `has_reporter`: whether its municipality has a reporter the
        round's e-mails reach (`Membership.objects.reachable_reporters`); without one the
        cockpit, its export and the reminders say "Ingen indberetter"."""
        reporters = Membership.objects.reachable_reporters().filter(
            municipality=models.OuterRef("municipality_id")
        )
        return self.annotate(has_reporter=models.Exists(reporters))

    def without_reporter(self):
        """Reports whose municipality has no reporter the e-mails reach ("Ingen indberetter")."""
        return self.exclude(
            municipality__in=Membership.objects.reachable_reporters().values("municipality")
        )

    def with_last_reminder(self):
        """Each report with `last_reminded_at`: when a reminder last reached it (the daily
        job's or the secretariat's)."""
        sent = Reminder.objects.filter(report=models.OuterRef("pk"))
        return self.annotate(
            last_reminded_at=models.Subquery(sent.order_by("-sent_at").values("sent_at")[:1])
        )


class StatusReport(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("kladde")
        SUBMITTED = "submitted", _("indsendt")
        RETURNED = "returned", _("sendt retur")
        APPROVED = "approved", _("godkendt")

    # Only what a municipality has sent in counts; a draft or a returned report does not.
    REPORTED_STATES = (State.SUBMITTED, State.APPROVED)
    UNSUBMITTED_STATES = (State.DRAFT, State.RETURNED)

    round = models.ForeignKey(
        StatusRound, on_delete=models.CASCADE, related_name="reports", verbose_name=_("runde")
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name=_("kommune"),
    )
    state = models.CharField(
        _("tilstand"), max_length=10, choices=State.choices, default=State.DRAFT
    )
    # Bumped on every save of the report or its lines; a save that carries an older version
    # is refused, so two people editing at once cannot overwrite each other.
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("senest ændret"), auto_now=True)
    updated_by = _done_by(_("senest ændret af"))
    submitted_at = models.DateTimeField(_("indsendt"), null=True, blank=True)
    submitted_by = _done_by(_("indsendt af"))
    reviewed_at = models.DateTimeField(_("behandlet"), null=True, blank=True)
    reviewed_by = _done_by(_("behandlet af"))
    review_comment = models.TextField(_("sekretariatets kommentar"), blank=True)

    objects = StatusReportQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["round", "municipality__name"]
        verbose_name = _("statusindberetning")
        verbose_name_plural = _("statusindberetninger")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "municipality"], name="report_unique_per_round"
            ),
        ]
        indexes = [models.Index(fields=["round", "state"])]

    def __str__(self):
        return f"{self.municipality} – status {self.round.year}"

    def is_overdue(self, today):
        """Not sent in, and the open round's deadline has passed (`StatusReportQuerySet.overdue`)."""
        return self.state in self.UNSUBMITTED_STATES and self.round.is_past_deadline(today)

    def may_be_reminded(self):
        """Not sent in, in an open round: before the deadline a kind reminder, after it a
        firmer one (`StatusReportQuerySet.remindable` adds the once-a-day rule)."""
        return self.state in self.UNSUBMITTED_STATES and self.round.is_open

    @property
    def is_untouched(self):
        """A draft nobody has saved yet (`StatusReportQuerySet.untouched`): every save bumps
        the version, so one still at 1 is as the round's opening made it."""
        return self.state == self.State.DRAFT and self.version == 1

    def days_left(self, today):
        """Days until the deadline while the municipality still has to send the report in an
        open round (negative: days overdue), else None."""
        if self.state not in self.UNSUBMITTED_STATES or not self.round.is_open:
            return None
        return (self.round.deadline - today).days

    def days_overdue(self, today):
        """Days past the deadline while the municipality still has to send the report in an
        open round (`is_overdue`), else None: the cockpit's, its export's and the reporter's
        "N dage over fristen"."""
        days = self.days_left(today)
        return -days if days is not None and days < 0 else None

    def reporting_refusal(self, today=None):
        """Why the municipality cannot edit or submit the report now, or None when it can:
        the report form, its summary, the reporter's home, the API and `goals.rounds`
        (`save_report`, `submit_report`, under the report's lock) all ask it."""
        today = today or timezone.localdate()
        status_round = self.round
        if status_round.state == StatusRound.State.PLANNED:
            return gettext("Runden er ikke åbnet endnu.")
        if status_round.state != StatusRound.State.OPEN:
            return gettext("Runden er %(state)s, så indberetningen kan ikke længere ændres.") % {
                "state": status_round.get_state_display()
            }
        # A report the secretariat sent back is a correction it asked for: the deadline that
        # has passed meanwhile (reviews come after it) does not lock the municipality out.
        if status_round.is_past_deadline(today) and self.state != self.State.RETURNED:
            return gettext(
                "Fristen %(deadline)s er overskredet, så indberetningen kan ikke længere ændres. "
                "Kontakt sekretariatet, hvis der er brug for en rettelse."
            ) % {"deadline": status_round.deadline.strftime("%d.%m.%Y")}
        if self.state == self.State.SUBMITTED:
            return gettext("Indberetningen er indsendt og afventer sekretariatets behandling.")
        if self.state == self.State.APPROVED:
            return gettext("Indberetningen er godkendt og kan ikke længere ændres.")
        return None

    def blank_lines(self, lines=None):
        """The report's lines without a status: it can be submitted only when there are none
        (`goals.rounds.submit_report`; the summary before submitting lists them, the form
        marks them when the API submits). Of `lines` when given (loaded, or as typed in a
        form), else a queryset of the saved lines."""
        if lines is None:
            return self.lines.blank()
        return [line for line in lines if line.is_blank]

    def rows(self):
        """(lines, values): the report's lines and indicator values in the paper's order."""
        lines = self.lines.select_related("milestone__goal").order_by(
            "milestone__goal__order", "milestone__goal__number", "milestone__order", "milestone_id"
        )
        values = self.indicator_values.select_related("indicator__goal").order_by(
            "indicator__goal__order", "indicator__order", "indicator_id"
        )
        return list(lines), list(values)

    def previous_answers(self, lines, values):
        """({milestone id: line}, {indicator id: value}): the municipality's latest earlier
        answer to each of these lines and values, from the rounds of earlier years."""
        return (
            self._latest_earlier(MilestoneStatus, "milestone_id", lines),
            self._latest_earlier(IndicatorValue, "indicator_id", values),
        )

    def _latest_earlier(self, model, key, answers):
        earlier = model.objects.filter(
            **{f"{key}__in": [getattr(answer, key) for answer in answers]},
            report__municipality_id=self.municipality_id,
            report__round__year__lt=self.round.year,
        )
        latest = {}
        for answer in earlier.select_related("report__round").order_by(key, "-report__round__year"):
            latest.setdefault(getattr(answer, key), answer)
        return latest

    def next_for_review(self):
        """The round's next report waiting for review after this one, in the overview's
        order (by municipality name, from the top again after the last), or None."""
        waiting = (
            StatusReport.objects.filter(round_id=self.round_id)
            .awaiting_review()
            .exclude(pk=self.pk)
            .select_related("municipality")
            .order_by("municipality__name", "pk")
        )
        name = self.municipality.name
        return waiting.filter(municipality__name__gt=name).first() or waiting.first()

    def review_refusal(self, verb=None):
        """Why the secretariat cannot approve or return the report now, or None.

        `verb` names what was tried ("godkendes", "sendes retur") in the message."""
        refusal = self.round.secretariat_refusal()
        if refusal:
            return refusal
        if self.state != self.State.SUBMITTED:
            return _("Indberetningen kan kun %(verb)s, når den er indsendt. Den er %(state)s.") % {
                "verb": verb or _("behandles"),
                "state": self.get_state_display(),
            }
        return None


class MilestoneStatusQuerySet(models.QuerySet):
    def blank(self):
        """Lines nobody has given a status yet (`MilestoneStatus.is_blank`)."""
        return self.filter(status="")


class MilestoneStatus(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("ikke påbegyndt")
        IN_PROGRESS = "in_progress", _("i gang")
        MET = "met", _("opfyldt")
        NOT_RELEVANT = "not_relevant", _("ikke relevant")

    report = models.ForeignKey(
        StatusReport, on_delete=models.CASCADE, related_name="lines", verbose_name=_("indberetning")
    )
    milestone = models.ForeignKey(
        Milestone, on_delete=models.PROTECT, related_name="statuses", verbose_name=_("milepæl")
    )
    # Blank until the reporter answers: a draft may be saved half done.
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, blank=True)
    comment = models.TextField(_("kommentar"), blank=True)
    evidence_url = models.URLField(_("link til dokumentation"), max_length=500, blank=True)
    evidence_file = models.FileField(
        _("dokumentation"), upload_to="evidence/%Y/", max_length=255, blank=True
    )

    objects = MilestoneStatusQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["report", "milestone__goal__order", "milestone__order", "milestone_id"]
        verbose_name = _("milepælsstatus")
        verbose_name_plural = _("milepælsstatusser")
        constraints = [
            models.UniqueConstraint(fields=["report", "milestone"], name="line_unique_milestone"),
        ]

    def __str__(self):
        return f"{self.report}: {self.milestone}"

    @property
    def is_blank(self):
        """No status chosen yet (`MilestoneStatusQuerySet.blank`, for a line already loaded
        or as typed): a report with a blank line cannot be submitted
        (`StatusReport.blank_lines`)."""
        return not self.status

    @property
    def file_name(self):
        """The uploaded document's name as the municipality chose it, without the folder."""
        return os.path.basename(self.evidence_file.name or "")


class IndicatorValue(models.Model):
    report = models.ForeignKey(
        StatusReport,
        on_delete=models.CASCADE,
        related_name="indicator_values",
        verbose_name=_("indberetning"),
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="values", verbose_name=_("indikator")
    )
    value = models.DecimalField(_("værdi"), max_digits=12, decimal_places=2, null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("indikatorværdi")
        verbose_name_plural = _("indikatorværdier")
        constraints = [
            models.UniqueConstraint(fields=["report", "indicator"], name="indicator_value_unique"),
        ]

    def __str__(self):
        return f"{self.indicator}: {self.value}"


class JointProgress(models.Model):
    """The secretariat's status of a joint milestone (or of one cluster's share of a cluster
    milestone) in a round."""

    round = models.ForeignKey(
        StatusRound,
        on_delete=models.CASCADE,
        related_name="joint_progress",
        verbose_name=_("runde"),
    )
    milestone = models.ForeignKey(
        Milestone,
        on_delete=models.PROTECT,
        related_name="joint_progress",
        verbose_name=_("milepæl"),
    )
    cluster = models.ForeignKey(
        Cluster,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="joint_progress",
        verbose_name=_("klynge"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=MilestoneStatus.Status.choices, blank=True
    )
    comment = models.TextField(_("kommentar"), blank=True)
    updated_at = models.DateTimeField(_("senest ændret"), auto_now=True)
    updated_by = _done_by(_("senest ændret af"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["round", "milestone__goal__order", "milestone__order", "cluster__order"]
        verbose_name = _("fælles fremdrift")
        verbose_name_plural = _("fælles fremdrift")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "milestone"],
                condition=Q(cluster__isnull=True),
                name="joint_progress_unique_joint",
            ),
            models.UniqueConstraint(
                fields=["round", "milestone", "cluster"],
                condition=Q(cluster__isnull=False),
                name="joint_progress_unique_cluster",
            ),
        ]

    def __str__(self):
        where = self.cluster.name if self.cluster_id else _("fælles")
        return f"{self.milestone} ({where})"


class GoalDecision(models.Model):
    class Decision(models.TextChoices):
        ACHIEVED = "achieved", _("opfyldt (målet er nået)")
        CONTINUE = "continue", _("fortsætter uændret")
        REVISE = "revise", _("erstattes af et revideret mål")
        RETIRE = "retire", _("udgår")
        NEW = "new", _("nyt mål vedtaget")

    round = models.ForeignKey(
        StatusRound, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("runde")
    )
    goal = models.ForeignKey(
        Goal, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("mål")
    )
    decision = models.CharField(_("beslutning"), max_length=10, choices=Decision.choices)
    new_goal = models.ForeignKey(
        Goal,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("nyt eller revideret mål"),
    )
    comment = models.TextField(_("begrundelse"), blank=True)
    decided_at = models.DateTimeField(_("besluttet"), auto_now=True)
    decided_by = _done_by(_("besluttet af"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["round", "goal__order"]
        verbose_name = _("beslutning")
        verbose_name_plural = _("beslutninger")
        constraints = [
            models.UniqueConstraint(fields=["round", "goal"], name="decision_unique_per_goal"),
            models.CheckConstraint(
                condition=~Q(decision="revise") | Q(new_goal__isnull=False),
                name="decision_revise_names_new_goal",
                violation_error_message=_("Vælg det reviderede mål, der erstatter målet."),
            ),
        ]

    def __str__(self):
        return f"{self.goal.number}: {self.get_decision_display()}"


class ReminderQuerySet(models.QuerySet):
    def sent_on(self, day):
        """The reminders sent on `day` (local date), by the daily job or by hand: at most one
        a day reaches a report (`StatusReportQuerySet.remindable`)."""
        return self.filter(sent_at__date=day)


class Reminder(models.Model):
    """A reminder e-mail about one report. The automatic kinds are sent once each; the
    secretariat sends one by hand ("send påmindelse nu") whenever it likes, but no report
    gets two reminders on one day, whoever sends them."""

    class Kind(models.TextChoices):
        BEFORE_DEADLINE = "before_deadline", _("før fristen")
        OVERDUE = "overdue", _("fristen er overskredet")
        MANUAL = "manual", _("sendt af sekretariatet")

    report = models.ForeignKey(
        StatusReport,
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("indberetning"),
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    sent_at = models.DateTimeField(_("sendt"), auto_now_add=True)
    sent_by = _done_by(_("sendt af"))

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["report", "sent_at"]
        verbose_name = _("påmindelse")
        verbose_name_plural = _("påmindelser")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "kind"],
                condition=~Q(kind="manual"),
                name="reminder_once_per_kind",
            ),
        ]

    def __str__(self):
        return f"{self.report}: {self.get_kind_display()}"
