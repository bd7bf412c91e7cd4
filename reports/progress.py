"""The read side: how far the goals of a paper have come in a status round, live or as
published.

Everything public (pages, PDFs, the API, exports) reads progress from here and nowhere
else, so a number cannot differ between the web page and the paper. It works in two steps,
each made of a few named ones:

1. `_rows(round)` loads what a round shows as plain rows, in a fixed number of flat queries
   however many municipalities, goals and rounds there are:
   - `_earlier_records`: the paper's earlier rounds as last published (their records);
   - `_paper_rows`: what the paper says (region, paper, themes, goals, milestones,
     indicators);
   - `_region_rows`: who answers (municipalities, clusters);
   - `_answer_rows`: what the round holds (reports, the answers and indicator values sent
     in, decisions);
   - `_trend_rows`: what the trend and "change since" read (each trend round's counts and
     joint answers, the last round's answers), the earlier rounds' from their records;
2. `_assemble(rows, …)` turns those rows into the objects the templates read:
   - `_texts`: the paper and the region as unsaved model instances, linked;
   - `_answers`: the answers indexed for counting (with `_reports` and `_indicator_values`
     for the round's own tables);
   - `_asked`: the milestones the round asked about (or that were answered anyway);
   - `_goal_progress`, per goal: each milestone's cells (`_milestone_progress`) counted into
     the goal's tallies and `_by_cluster`, then its `_trend`, `_verdict` and `_changes`;
     `_matrix` lays its municipality milestones out per cluster.

`round_progress(round)` does both on today's data (the secretariat's pages, previews of an
unpublished round). Publishing stores the rows of step 1 as a `reports.models.Publication`
(`freeze`), and `published_progress(round, version=None)` runs step 2 on the stored rows:
a published page, PDF or export is rebuilt from the record and never from today's goals,
milestones or municipalities.

Each answer carries the municipality's own status and the portal's evaluation of it, two
vocabularies defined in goals/evaluation.py.

A milestone is answered per municipality, per cluster (the secretariat's joint progress
with a cluster) or once for the whole KKR (joint progress without a cluster); each answer
is a `Cell`. A goal's figures count municipalities against the municipalities it applies
to (`GoalProgress.tally`); its joint and cluster milestones are counted apart
(`GoalProgress.shared`), so "21 af 29 kommuner" reads the same in the table, the chart and
the PDF.
"""

from collections import Counter
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field

from django.db import models
from django.db.models import Count
from django.db.models import OuterRef
from django.db.models import Subquery
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext_lazy as _

from goals.evaluation import GOAL_EVALUATIONS
from goals.evaluation import MET
from goals.evaluation import MISSING
from goals.evaluation import ON_TRACK
from goals.evaluation import OVERDUE
from goals.evaluation import REPORTED_STATES
from goals.evaluation import Cell
from goals.evaluation import Evaluation
from goals.evaluation import Tally
from goals.evaluation import as_of
from goals.evaluation import evaluate
from goals.evaluation import goal_verdict
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
from goals.models import Theme
from municipalities.models import Cluster
from municipalities.models import Municipality
from municipalities.models import Region
from reports.models import Publication
from reports.models import public_rounds


@dataclass
class MilestoneProgress:
    milestone: Milestone
    cells: dict = field(default_factory=dict)  # municipality id, cluster id or None -> Cell
    tally: Tally = field(default_factory=Tally)
    statuses: Counter = field(default_factory=Counter)  # self-reported status -> count

    @property
    def scope(self):
        return self.milestone.scope

    @property
    def asked(self):
        """False for a milestone the round did not ask about (its goal was no active
        commitment, and nobody answered it)."""
        return bool(self.cells)

    @property
    def per_municipality(self):
        return self.milestone.scope == Milestone.Scope.MUNICIPALITY

    @property
    def joint_cell(self):
        return self.cells.get(None)

    @property
    def has_baseline(self):
        return self.milestone.baseline_count is not None


@dataclass
class TrendPoint:
    year: int
    tally: Tally  # the goal's counted answers: municipalities (see GoalProgress.tally)
    baseline: bool = False  # the starting point when the goal was adopted
    shared: Tally = field(default_factory=Tally)  # joint and cluster milestones
    # The goal this one continues (`Goal.replaces`), when the round counted that goal's
    # answers because it was asked about that goal and not yet about this one: one history.
    earlier_goal: Goal | None = None


@dataclass
class Change:
    """One answer that moved since the last round."""

    milestone: MilestoneProgress
    who: str  # the municipality's or cluster's name, or "Fælles for KKR"
    cell: Cell


@dataclass
class GoalProgress:
    goal: Goal
    milestones: list = field(default_factory=list)
    # The goal's count basis: the answers of its per-municipality milestones, counted against
    # the municipalities it applies to; a goal with only joint or cluster milestones counts
    # those instead. `shared` counts joint and cluster answers apart.
    tally: Tally = field(default_factory=Tally)
    shared: Tally = field(default_factory=Tally)
    joint: Tally = field(default_factory=Tally)  # KKR-wide milestones only
    by_cluster: list = field(default_factory=list)  # (cluster or None, Tally)
    trend: list = field(default_factory=list)  # TrendPoint, oldest first
    decision: GoalDecision | None = None
    # goals.evaluation.goal_verdict: MET, ON_TRACK, OVERDUE or None (nothing to evaluate),
    # and the sentence that says why.
    verdict: str | None = None
    verdict_reason: str = ""
    indicators: list = field(default_factory=list)
    # [(cluster or None, Tally, [(municipality, [Cell per municipality milestone]), …])]
    matrix: list = field(default_factory=list)
    changes: list = field(default_factory=list)  # Change, for every answer that moved

    @property
    def verdict_label(self):
        return Evaluation(self.verdict).label if self.verdict else _("Ingen vurdering")

    @property
    def verdict_symbol(self):
        return Evaluation(self.verdict).symbol if self.verdict else "–"

    @property
    def municipality_milestones(self):
        return [m for m in self.milestones if m.per_municipality and m.asked]

    @property
    def shared_milestones(self):
        return [m for m in self.milestones if not m.per_municipality and m.asked]

    @property
    def counts_municipalities(self):
        return bool(self.municipality_milestones)

    @property
    def baseline(self):
        """(met, of, year) at adoption, summed over the milestones that have a baseline;
        None when the paper gave none."""
        with_baseline = [m.milestone for m in self.milestones if m.has_baseline]
        if not with_baseline:
            return None
        return (
            sum(m.baseline_count for m in with_baseline),
            sum(m.baseline_of for m in with_baseline),
            min((m.baseline_year for m in with_baseline if m.baseline_year), default=None),
        )

    @property
    def headline(self):
        """(met, of, unit) of the goal's count basis in one phrase, the same figures as the
        last bar of its trend: "21 af 29 kommuner" for one per-municipality milestone,
        "40 af 58 kommunesvar" for several, "1 af 1 fælles milepæle" when it has none."""
        per_municipality = self.municipality_milestones
        if len(per_municipality) == 1:
            unit = _("kommuner")
        elif per_municipality:
            unit = _("kommunesvar")
        else:
            unit = _("fælles milepæle")
        return (self.tally.met, self.tally.total, unit)

    @property
    def shared_line(self):
        """(met, of) of the joint and cluster milestones when counted apart, else None."""
        if not self.counts_municipalities or not self.shared.total:
            return None
        return (self.shared.met, self.shared.total)

    @property
    def baseline_now(self):
        """(met, of) now over the same milestones as `baseline`."""
        with_baseline = [m for m in self.milestones if m.has_baseline]
        return (sum(m.tally.met for m in with_baseline), sum(m.tally.total for m in with_baseline))

    @property
    def previous(self):
        """The trend point of the last round before this one, or None."""
        rounds = [p for p in self.trend if not p.baseline]
        return rounds[-2] if len(rounds) >= 2 else None

    @property
    def change(self):
        """(met before, of before, difference in met) since the last round, or None."""
        if self.previous is None:
            return None
        before = self.previous.tally
        return (before.met, before.total, self.tally.met - before.met)


@dataclass
class MunicipalityLine:
    goal: GoalProgress
    milestone: MilestoneProgress
    cell: Cell


@dataclass
class RoundProgress:
    round: StatusRound
    region: Region
    paper: GoalPaper
    municipalities: list
    clusters: list
    goals: list  # GoalProgress, in the paper's order
    reports: dict  # municipality id -> {"state", "submitted_at", "submitted_by_name"}
    trend_years: list
    indicator_values: dict  # (municipality id, indicator id) -> value
    tally: Tally = field(default_factory=Tally)  # municipalities' answers over all goals
    previous_year: int | None = None
    # The stored record this was rebuilt from; None for today's (live) data.
    publication: object = None

    @property
    def published(self):
        return self.publication is not None

    @property
    def published_at(self):
        return self.publication.published_at if self.publication else None

    @property
    def commitments(self):
        return [g for g in self.goals if g.goal.is_commitment]

    @property
    def development_areas(self):
        return [g for g in self.goals if not g.goal.is_commitment]

    @property
    def verdicts(self):
        """(evaluation, label, symbol, number of goals) over the commitments."""
        counts = Counter(g.verdict for g in self.commitments)
        return [(v, Evaluation(v).label, Evaluation(v).symbol, counts[v]) for v in GOAL_EVALUATIONS]

    @property
    def unjudged(self):
        """The commitments with nothing to evaluate, so no verdict (not counted in `verdicts`)."""
        return [g for g in self.commitments if g.verdict is None]

    @property
    def decisions(self):
        return [g for g in self.goals if g.decision is not None]

    @property
    def has_baselines(self):
        return any(g.baseline for g in self.commitments)

    @property
    def reported_count(self):
        return sum(1 for r in self.reports.values() if r["state"] in REPORTED_STATES)

    @property
    def asked_municipalities(self):
        """Whether the round asked the municipalities anything: one whose paper has only
        joint or cluster milestones (and no indicators) makes no reports (goals.rounds)."""
        return bool(self.reports)

    @property
    def changes(self):
        """[(goal, [Change, …])] of the commitments that moved since the last round."""
        return [(g, g.changes) for g in self.commitments if g.changes]

    def clusters_with_municipalities(self):
        """[(cluster or None, [municipality, …])] in the clusters' order, for the matrix."""
        groups = defaultdict(list)
        for municipality in self.municipalities:
            groups[municipality.cluster_id].append(municipality)
        ordered = [(c, groups[c.pk]) for c in self.clusters if groups.get(c.pk)]
        if groups.get(None):
            ordered.append((None, groups[None]))
        return ordered

    def municipality_lines(self, municipality):
        """The municipality's own answers, milestone by milestone, with the goal's progress
        beside them (for its page and its PDF)."""
        lines = []
        for goal in self.goals:
            for mp in goal.milestones:
                # A municipality added after a publication has no line in it.
                if mp.per_municipality and municipality.pk in mp.cells:
                    lines.append(MunicipalityLine(goal, mp, mp.cells[municipality.pk]))
        return lines

    def comments(self):
        """[(municipality, [(goal, milestone, cell), …])] of every non-empty comment."""
        result = []
        for municipality in self.municipalities:
            items = [
                (line.goal, line.milestone, line.cell)
                for line in self.municipality_lines(municipality)
                if line.cell.comment.strip()
            ]
            if items:
                result.append((municipality, items))
        return result

    def indicator_rows(self, municipality):
        """[(goal, indicator, value)] for the municipality's indicators in this round."""
        return [
            (goal, indicator, self.indicator_values.get((municipality.pk, indicator.pk)))
            for goal in self.goals
            for indicator in goal.indicators
        ]

    def municipality(self, kommunekode):
        """The municipality as the round shows it (its name as published), or None."""
        return next((m for m in self.municipalities if m.kommunekode == kommunekode), None)


# --- loading: the rows a round shows ---------------------------------------------------------


def _fields(model):
    return [f.attname for f in model._meta.concrete_fields]


def _row(instance):
    # A file (a region's logo) is kept by its name, as the database keeps it.
    values = {name: getattr(instance, name) for name in _fields(type(instance))}
    return {k: v.name if isinstance(v, FieldFile) else v for k, v in values.items()}


def _submitter(row):
    """The submitter's full name, else the username ("" when nobody submitted)."""
    full = " ".join(
        part
        for part in (row.pop("submitted_by__first_name"), row.pop("submitted_by__last_name"))
        if part
    )
    username = row.pop("submitted_by__username")
    row["submitted_by_name"] = full or username or ""
    return row


_REPORTED = {"report__state__in": REPORTED_STATES}


def _rows(status_round):
    """Everything `status_round` shows, as plain rows that serialise to JSON. A fixed number
    of queries (at most 15): the round, the earlier rounds' records, and the steps below."""
    status_round = StatusRound.objects.select_related("paper__region").get(pk=status_round.pk)
    earlier = _earlier_records(status_round)
    return {
        "format": 1,
        "year": status_round.year,
        **_paper_rows(status_round.paper),
        **_region_rows(status_round.paper.region),
        **_answer_rows(status_round),
        **_trend_rows(status_round, earlier),
    }


def _earlier_records(status_round):
    """{round id: {"year", "lines", "joint"}} of the paper's earlier rounds as the public saw
    them: each one's newest publication (a round reopened for a correction meanwhile still
    counts as it was published). One query."""
    return Publication.objects.latest_records(
        StatusRound.objects.filter(paper=status_round.paper, year__lt=status_round.year),
        "lines",
        "joint",
    )


def _paper_rows(paper):
    """What the paper says today: the region, the paper, its themes, goals, milestones and
    indicators (four queries)."""
    return {
        "region": _row(paper.region),
        "paper": _row(paper),
        "themes": list(Theme.objects.filter(paper=paper).values(*_fields(Theme))),
        "goals": list(
            Goal.objects.filter(paper=paper).order_by("order", "pk").values(*_fields(Goal))
        ),
        "milestones": list(
            Milestone.objects.filter(goal__paper=paper)
            .order_by("order", "pk")
            .values(*_fields(Milestone))
        ),
        "indicators": list(
            Indicator.objects.filter(goal__paper=paper)
            .order_by("order", "pk")
            .values(*_fields(Indicator))
        ),
    }


def _region_rows(region):
    """Who answers: the region's municipalities and clusters (two queries)."""
    return {
        "municipalities": list(
            Municipality.objects.filter(region=region)
            .order_by("name")
            .values(*_fields(Municipality))
        ),
        "clusters": list(
            Cluster.objects.filter(region=region)
            .order_by("order", "name")
            .values(*_fields(Cluster))
        ),
    }


def _answer_rows(status_round):
    """What the round holds: each municipality's report (state, submitted when and by whom),
    the answers and indicator values of the reports sent in (a draft's were never sent, so
    nobody reads them here) and the round's decisions (four queries)."""
    return {
        "reports": [
            _submitter(row)
            for row in StatusReport.objects.filter(round=status_round).values(
                "municipality_id",
                "state",
                "submitted_at",
                "submitted_by__username",
                "submitted_by__first_name",
                "submitted_by__last_name",
            )
        ],
        "lines": list(
            MilestoneStatus.objects.filter(report__round=status_round, **_REPORTED).values(
                "report__municipality_id", "milestone_id", "status", "comment", "evidence_url"
            )
        ),
        "decisions": list(
            GoalDecision.objects.filter(round=status_round).values(
                "goal_id",
                "decision",
                "comment",
                "new_goal_id",
                "new_goal__number",
                "new_goal__title",
                "new_goal__paper_id",
            )
        ),
        "indicator_values": list(
            IndicatorValue.objects.filter(report__round=status_round, **_REPORTED).values(
                "report__municipality_id", "indicator_id", "value"
            )
        ),
    }


def _trend_rows(status_round, earlier):
    """What the trend and "change since" read, over the earlier rounds' `earlier` records and
    this round: the rounds with their years, each one's count of municipalities per answered
    status, each one's joint and cluster answers (this round's are its own too), and the last
    earlier round's answers (two queries, for this round's counts and joint answers)."""
    years = sorted(((pk, record["year"]) for pk, record in earlier.items()), key=lambda r: r[1])
    previous_pk, previous_year = years[-1] if years else (None, None)
    return {
        "trend_rounds": [[pk, year] for pk, year in [*years, (status_round.pk, status_round.year)]],
        "trend_counts": [*_earlier_counts(earlier), *_status_counts(status_round)],
        "joint": [*_earlier_joint(earlier), *_joint_rows(status_round)],
        "previous_round": previous_pk,
        "previous_year": previous_year,
        "previous_lines": [
            {key: row[key] for key in ("report__municipality_id", "milestone_id", "status")}
            for row in earlier.get(previous_pk, {}).get("lines", [])
            if row["status"]
        ],
    }


def _earlier_counts(records):
    """The trend's counts of earlier rounds from their records: (round, milestone, status)
    rows with the number of municipalities that answered so."""
    counts = Counter(
        (pk, row["milestone_id"], row["status"])
        for pk, record in records.items()
        for row in record["lines"]
        if row["status"]
    )
    return [
        {"report__round_id": pk, "milestone_id": milestone, "status": status, "n": n}
        for (pk, milestone, status), n in counts.items()
    ]


def _status_counts(status_round):
    """The same counts for `status_round`, from its reports sent in (one query)."""
    return (
        MilestoneStatus.objects.filter(report__round=status_round, **_REPORTED)
        .exclude(status="")
        .values("report__round_id", "milestone_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )


def _earlier_joint(records):
    """The joint and cluster answers of earlier rounds, each from its own record."""
    return [
        row for pk, record in records.items() for row in record["joint"] if row["round_id"] == pk
    ]


def _joint_rows(status_round):
    """The joint and cluster answers of `status_round` (one query)."""
    return JointProgress.objects.filter(round=status_round).values(
        "round_id", "milestone_id", "cluster_id", "status", "comment"
    )


# --- assembling: the objects the templates read ----------------------------------------------


def _instances(model, rows):
    """Unsaved model instances from rows, each value parsed back from its JSON form (dates,
    decimals), so a stored record reads like today's objects (`get_scope_display`, …)."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    return [
        model(**{name: fields[name].to_python(value) for name, value in row.items()})
        for row in rows
    ]


_DATETIME = models.DateTimeField()
_DATE = models.DateField()
_DECIMAL = models.DecimalField(max_digits=12, decimal_places=2)


def _decision(row):
    """An unsaved `GoalDecision` from its stored row (the new goal as it was named then)."""
    decision = GoalDecision(
        goal_id=row["goal_id"], decision=row["decision"], comment=row["comment"]
    )
    if row["new_goal_id"]:
        decision.new_goal = Goal(
            pk=row["new_goal_id"],
            number=row["new_goal__number"],
            title=row["new_goal__title"],
            paper_id=row["new_goal__paper_id"],
        )
    return decision


@dataclass
class _Texts:
    """The paper and the region of a record as unsaved instances, linked as the templates
    read them (a goal's paper, theme and parent, a milestone's goal, a municipality's
    cluster), and grouped by goal."""

    region: Region
    paper: GoalPaper
    goals: list
    milestones: list
    goal_of: dict  # goal id -> Goal
    milestones_of: dict  # goal id -> [Milestone], in order
    indicators_of: dict  # goal id -> [Indicator], in order
    municipalities: list
    clusters: list
    cluster_of_municipality: dict  # municipality id -> cluster id or None


@dataclass
class _Answers:
    """A record's answers, indexed the way the counting looks them up."""

    on: object  # the date the round's answers are evaluated as of (goals.evaluation.as_of)
    trend_rounds: list  # (round id, year), oldest first, this round last
    current: int | None  # this round's id
    lines: dict  # (municipality id, milestone id) -> row
    joint: dict  # round id -> {(milestone id, cluster id or None): row}
    history: dict  # (round id, milestone id) -> Counter(status)
    previous: dict | None  # the last round's statuses, None when there was no such round
    previous_on: object = None  # the day the last round was evaluated as of


def _assemble(rows, status_round, publication=None):
    """Progress objects from `rows` (fresh from `_rows`, or stored in a publication): the
    texts and the answers read back, what the round asked, then each goal's progress."""
    texts = _texts(rows)
    answers = _answers(rows)
    progress = RoundProgress(
        round=status_round,
        region=texts.region,
        paper=texts.paper,
        municipalities=texts.municipalities,
        clusters=texts.clusters,
        goals=[],
        reports=_reports(rows),
        trend_years=[y for _pk, y in answers.trend_rounds],
        indicator_values=_indicator_values(rows),
        previous_year=rows["previous_year"],
        publication=publication,
    )
    decisions = {row["goal_id"]: _decision(row) for row in rows["decisions"]}
    asked = _asked(texts, answers)
    groups = progress.clusters_with_municipalities()
    for goal in texts.goals:
        gp = _goal_progress(goal, decisions.get(goal.pk), texts, answers, asked)
        gp.matrix = _matrix(gp, groups)
        progress.goals.append(gp)
        if gp.counts_municipalities:
            progress.tally.update(gp.tally)
    return progress


def _texts(rows):
    """The record's paper, goals, milestones, indicators, clusters and municipalities."""
    (region,) = _instances(Region, [rows["region"]])
    (paper,) = _instances(GoalPaper, [rows["paper"]])
    paper.region = region
    themes = {t.pk: t for t in _instances(Theme, rows["themes"])}
    goals = _instances(Goal, rows["goals"])
    goal_of = {goal.pk: goal for goal in goals}
    for goal in goals:
        goal.paper = paper
        goal.theme = themes.get(goal.theme_id)
        goal.parent = goal_of.get(goal.parent_id)
    milestones = _instances(Milestone, rows["milestones"])
    milestones_of = defaultdict(list)
    for milestone in milestones:
        milestone.goal = goal_of[milestone.goal_id]
        milestones_of[milestone.goal_id].append(milestone)
    indicators_of = defaultdict(list)
    for indicator in _instances(Indicator, rows["indicators"]):
        indicators_of[indicator.goal_id].append(indicator)
    clusters = _instances(Cluster, rows["clusters"])
    cluster_of = {c.pk: c for c in clusters}
    municipalities = _instances(Municipality, rows["municipalities"])
    for municipality in municipalities:
        municipality.region = region
        municipality.cluster = cluster_of.get(municipality.cluster_id)
    return _Texts(
        region=region,
        paper=paper,
        goals=goals,
        milestones=milestones,
        goal_of=goal_of,
        milestones_of=milestones_of,
        indicators_of=indicators_of,
        municipalities=municipalities,
        clusters=clusters,
        cluster_of_municipality={m.pk: m.cluster_id for m in municipalities},
    )


def _reports(rows):
    """municipality id -> {"state", "submitted_at", "submitted_by_name"} of its report."""
    return {
        row["municipality_id"]: {
            "state": row["state"],
            "submitted_at": _DATETIME.to_python(row["submitted_at"]),
            "submitted_by_name": row.get("submitted_by_name", ""),
        }
        for row in rows["reports"]
    }


def _indicator_values(rows):
    """(municipality id, indicator id) -> the value reported (a Decimal), or None."""
    return {
        (row["report__municipality_id"], row["indicator_id"]): (
            None if row["value"] is None else _DECIMAL.to_python(row["value"])
        )
        for row in rows["indicator_values"]
    }


def _answers(rows):
    """The record's answers: this round's by municipality, every trend round's joint and
    cluster answers and counts, and the last round's statuses for "change since"."""
    trend_rounds = [tuple(pair) for pair in rows["trend_rounds"]]
    joint = defaultdict(dict)
    for row in rows["joint"]:
        joint[row["round_id"]][(row["milestone_id"], row["cluster_id"])] = row
    history = defaultdict(Counter)
    for row in rows["trend_counts"]:
        history[(row["report__round_id"], row["milestone_id"])][row["status"]] += row["n"]
    previous_pk = rows["previous_round"]
    previous = None
    if previous_pk is not None:
        previous = {
            (row["report__municipality_id"], row["milestone_id"]): row["status"]
            for row in rows["previous_lines"]
        }
        for (milestone_pk, cluster_pk), row in joint[previous_pk].items():
            previous[("joint", milestone_pk, cluster_pk)] = row["status"]
    return _Answers(
        on=as_of(rows["year"]),
        trend_rounds=trend_rounds,
        current=trend_rounds[-1][0] if trend_rounds else None,
        lines={(row["report__municipality_id"], row["milestone_id"]): row for row in rows["lines"]},
        joint=joint,
        history=history,
        previous=previous,
        previous_on=as_of(rows["previous_year"]) if rows["previous_year"] else None,
    )


def _asked(texts, answers):
    """The ids of the milestones the round asks about (Milestone.objects.reported_on), and
    of those answered anyway."""
    asked = {m.pk for m in texts.milestones if m.goal.is_reported_on}
    asked |= {milestone_pk for _municipality, milestone_pk in answers.lines}
    asked |= {milestone_pk for milestone_pk, _cluster in answers.joint[answers.current]}
    return asked


def _goal_progress(goal, decision, texts, answers, asked):
    """The goal's progress: each milestone's answers counted into the goal's tallies (by
    cluster too), its trend, verdict and the answers that changed since the last round."""
    gp = GoalProgress(goal=goal, decision=decision, indicators=texts.indicators_of[goal.pk])
    cluster_tallies = defaultdict(Tally)
    for milestone in texts.milestones_of[goal.pk]:
        if milestone.pk not in asked:
            gp.milestones.append(MilestoneProgress(milestone=milestone))
            continue
        mp = _milestone_progress(
            milestone,
            answers.on,
            texts.municipalities,
            texts.clusters,
            answers.lines,
            answers.joint[answers.current],
            answers.previous,
            answers.previous_on,
        )
        gp.milestones.append(mp)
        if mp.per_municipality:
            gp.tally.update(mp.tally)
            for key, cell in mp.cells.items():
                cluster_tallies[texts.cluster_of_municipality[key]][cell.evaluation] += 1
        else:
            gp.shared.update(mp.tally)
            if mp.scope == Milestone.Scope.JOINT:
                gp.joint.update(mp.tally)
    if not gp.counts_municipalities:
        gp.tally = Tally(gp.shared)
    gp.by_cluster = _by_cluster(cluster_tallies, texts.clusters)
    gp.trend = _trend(gp, answers.trend_rounds, answers.history, answers.joint, texts)
    who = _Who(texts.municipalities, texts.clusters)
    verdict = _verdict(gp, answers.on, who)
    gp.verdict, gp.verdict_reason = verdict.evaluation, verdict.reason
    gp.changes = _changes(gp, who)
    return gp


def _by_cluster(cluster_tallies, clusters):
    """[(cluster or None, Tally)] in the clusters' order, municipalities without one last."""
    by_cluster = [(c, cluster_tallies[c.pk]) for c in clusters if c.pk in cluster_tallies]
    if None in cluster_tallies:
        by_cluster.append((None, cluster_tallies[None]))
    return by_cluster


def _matrix(gp, groups):
    """The goal's municipality milestones as a matrix: per cluster (`groups`, see
    `RoundProgress.clusters_with_municipalities`) its tally and each municipality's cells."""
    matrix = []
    for cluster, group in groups:
        row_cells = [(m, [mp.cells[m.pk] for mp in gp.municipality_milestones]) for m in group]
        tally = Tally(cell.evaluation for _m, cells in row_cells for cell in cells)
        matrix.append((cluster, tally, row_cells))
    return matrix


class _Who:
    """Who answers a milestone's cell, by the cell's key: a municipality's name, "Klynge …"
    or "Fælles for KKR" (the key None)."""

    def __init__(self, municipalities, clusters):
        self.municipalities = {m.pk: m.name for m in municipalities}
        self.clusters = {c.pk: _("Klynge %(name)s") % {"name": c.name} for c in clusters}

    def __call__(self, milestone, key):
        if milestone.scope == Milestone.Scope.MUNICIPALITY:
            return self.municipalities[key]
        return self.clusters[key] if key is not None else _("Fælles for KKR")


def _changes(gp, who):
    return [
        Change(mp, who(mp.milestone, key), cell)
        for mp in gp.milestones
        for key, cell in mp.cells.items()
        if cell.change
    ]


def _milestone_progress(
    milestone, on, municipalities, clusters, answers, joint_rows, previous, previous_on
):
    mp = MilestoneProgress(milestone=milestone)
    if milestone.scope == Milestone.Scope.MUNICIPALITY:
        keyed = [
            (m.pk, answers.get((m.pk, milestone.pk)), (m.pk, milestone.pk)) for m in municipalities
        ]
    else:
        keys = [c.pk for c in clusters] if milestone.scope == Milestone.Scope.CLUSTER else [None]
        keyed = [
            (key, joint_rows.get((milestone.pk, key)), ("joint", milestone.pk, key)) for key in keys
        ]
    for key, row, previous_key in keyed:
        status = row["status"] if row else ""
        before = None if previous is None else previous.get(previous_key, "")
        evaluation = evaluate(status, milestone.due, on)
        cell = Cell(
            evaluation=evaluation,
            status=status,
            comment=row["comment"] if row else "",
            evidence_url=(row or {}).get("evidence_url", ""),
            previous=before,
            turned_overdue=evaluation == OVERDUE
            and bool(before)
            and evaluate(before, milestone.due, previous_on) != OVERDUE,
        )
        mp.cells[key] = cell
        mp.tally[cell.evaluation] += 1
        if status:
            mp.statuses[status] += 1
    return mp


def _trend(gp, trend_rounds, history, joint_rows, texts):
    """The goal's counts in each round, after its baseline (when the paper gave one), on
    the goal's count basis (see GoalProgress.tally). A round that holds no answer to the
    goal's milestones but answers to the goal it continues (`Goal.replaces`, in the same
    paper) counts those instead, marked as that goal's, rather than "Ingen indberetninger";
    this round counts the goal's own answers, however few."""
    points = []
    baseline = gp.baseline
    if baseline is not None:
        met, of, year = baseline
        # Known at adoption is only who already met it; the rest is "not yet".
        points.append(
            TrendPoint(year=year, tally=Tally({MET: met, ON_TRACK: of - met}), baseline=True)
        )
    own = [mp.milestone for mp in gp.milestones if mp.asked]
    earlier_goal = texts.goal_of.get(gp.goal.replaces_id)
    earlier = texts.milestones_of[earlier_goal.pk] if earlier_goal else []
    count = _RoundCounter(history, joint_rows, texts.municipalities, texts.clusters)
    for i, (round_pk, year) in enumerate(trend_rounds):
        on = as_of(year)
        point = TrendPoint(year=year, tally=Tally())
        point.tally, point.shared = count(own, round_pk, on)
        before = i < len(trend_rounds) - 1  # this round (the last) asks about the goal itself
        if (
            before
            and earlier
            and not count.answered(own, round_pk)
            and count.answered(earlier, round_pk)
        ):
            point.tally, point.shared = count(earlier, round_pk, on)
            point.earlier_goal = earlier_goal
        points.append(point)
    return points


class _RoundCounter:
    """A round's counts of some milestones' answers, from the record's `history` (counts of
    municipal answers) and `joint_rows` (joint and cluster answers)."""

    def __init__(self, history, joint_rows, municipalities, clusters):
        self.history, self.joint_rows = history, joint_rows
        self.municipalities, self.clusters = municipalities, clusters

    def _keys(self, milestone):
        if milestone.scope == Milestone.Scope.CLUSTER:
            return [c.pk for c in self.clusters]
        return [None]

    def answered(self, milestones, round_pk):
        """Whether anybody answered one of `milestones` in the round."""
        return any(
            self.history.get((round_pk, m.pk))
            if m.scope == Milestone.Scope.MUNICIPALITY
            else any((m.pk, key) in self.joint_rows[round_pk] for key in self._keys(m))
            for m in milestones
        )

    def __call__(self, milestones, round_pk, on):
        """(tally, shared) of `milestones` in the round: the municipal answers counted
        against every municipality (the unanswered as missing), the joint and cluster ones
        apart; a goal without municipal milestones counts those instead."""
        tally, shared = Tally(), Tally()
        for milestone in milestones:
            if milestone.scope == Milestone.Scope.MUNICIPALITY:
                counts = self.history.get((round_pk, milestone.pk), Counter())
                for status, n in counts.items():
                    tally[evaluate(status, milestone.due, on)] += n
                tally[MISSING] += max(len(self.municipalities) - sum(counts.values()), 0)
            else:
                for key in self._keys(milestone):
                    row = self.joint_rows[round_pk].get((milestone.pk, key))
                    shared[evaluate(row["status"] if row else "", milestone.due, on)] += 1
        if not any(m.scope == Milestone.Scope.MUNICIPALITY for m in milestones):
            tally = Tally(shared)
        return tally, shared


def _verdict(gp, on, who):
    """The goal's verdict and its reason (goals.evaluation.goal_verdict): ticked off when
    the round's decision or the goal's state says it is achieved."""
    ticked_off = (gp.decision and gp.decision.decision == GoalDecision.Decision.ACHIEVED) or (
        gp.goal.state == Goal.State.ACHIEVED
    )
    asked = [(mp.milestone, mp.cells) for mp in gp.milestones if mp.asked]
    return goal_verdict(asked, who, on, ticked_off=bool(ticked_off))


# --- the public entry points -------------------------------------------------------------------


def round_progress(status_round):
    """Today's progress of the round's paper in `status_round` (live data), with the trend
    over the paper's published rounds up to it. A fixed number of queries (at most 15)."""
    return _assemble(_rows(status_round), status_round)


def freeze(status_round, *, by=None, reason=""):
    """Store what `status_round` shows now as its next publication (see the module
    docstring); returns the `Publication`."""
    return Publication.objects.add(status_round, payload=_rows(status_round), by=by, reason=reason)


def published_progress(status_round, version=None):
    """The round as published: its latest publication, or `version`, rebuilt from the stored
    record (two queries). None when the round has no such publication."""
    publication = Publication.objects.of_round(status_round, version).first()
    if publication is None:
        return None
    return _assemble(publication.payload, publication.round, publication)


def published_progress_of(rounds):
    """{round id: the round as published}, each from its latest publication, rebuilt from the
    stored records in one query however many rounds there are (the data package reads every
    public round)."""
    latest = Publication.objects.filter(round=OuterRef("round")).order_by("-version")
    publications = Publication.objects.filter(
        round__in=rounds, version=Subquery(latest.values("version")[:1])
    ).select_related("round__paper__region")
    return {p.round_id: _assemble(p.payload, p.round, p) for p in publications}


def latest_published_round(region, paper=None):
    """The region's newest public round (`reports.models.public_rounds`; of `paper` when
    given), or None: of the newest year, the one published last. A round reopened for a
    correction keeps showing its last publication meanwhile."""
    rounds = public_rounds().filter(paper__region=region)
    if paper is not None:
        rounds = rounds.filter(paper=paper)
    return rounds.select_related("paper__region").order_by("-year", "-last_published_at").first()


def municipality_history(progress, municipality):
    """{milestone id: [(year, Cell), …]} of the municipality's answers in the trend rounds
    of `progress` (a published round), each as that round's own newest publication shows
    it, evaluated against the deadline it carried then (one query)."""
    years = dict(progress.publication.payload["trend_rounds"])
    records = Publication.objects.latest_records(list(years), "lines", "milestones")
    found = {}  # (round id, milestone id) -> (status, due)
    for round_pk, record in records.items():
        due = {row["id"]: row["due"] for row in record["milestones"]}
        for row in record["lines"]:
            if row["report__municipality_id"] == municipality.pk:
                milestone_pk = row["milestone_id"]
                found[(round_pk, milestone_pk)] = (row["status"], due.get(milestone_pk))
    history = {}
    for goal in progress.goals:
        for mp in goal.municipality_milestones:
            cells = []
            for pk, year in sorted(years.items(), key=lambda item: item[1]):
                if pk not in records:  # published then, since reopened and never republished
                    continue
                status, due = found.get((pk, mp.milestone.pk), ("", None))
                due = _DATE.to_python(due) if due else mp.milestone.due
                cells.append(
                    (year, Cell(evaluation=evaluate(status, due, as_of(year)), status=status))
                )
            history[mp.milestone.pk] = cells
    return history


def published_decisions(goal):
    """The decisions on `goal` in its paper's published rounds, newest year first, as each
    round's newest publication recorded them (unsaved `GoalDecision`s; one query)."""
    rounds = StatusRound.objects.filter(paper_id=goal.paper_id)
    decisions = []
    for round_pk, record in Publication.objects.latest_records(rounds, "decisions").items():
        for row in record["decisions"]:
            if row["goal_id"] != goal.pk:
                continue
            decision = _decision(row)
            decision.round = StatusRound(pk=round_pk, year=record["year"], paper_id=goal.paper_id)
            decisions.append(decision)
    return sorted(decisions, key=lambda d: -d.round.year)
