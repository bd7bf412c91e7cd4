"""The read side: how far the goals of a paper have come in a status round.

Everything public (pages, PDFs, the API) reads progress from here and nowhere else, so a
number cannot differ between the web page and the paper. `round_progress(round)` loads a
round in a fixed number of queries however many municipalities, goals and rounds there are:
the rows come in a handful of flat queries (the trend as one aggregate) and are joined in
Python.

Beside each municipality's self-reported status ("ikke påbegyndt", "i gang", "opfyldt",
"ikke relevant") it computes an evaluation nobody can talk up, from the status and the
milestone's deadline at the end of the round's year:

- met: reported as met;
- on track: not met, the deadline is still ahead;
- overdue: not met and the deadline has passed;
- missing: nothing reported (no submitted or approved report, or the line left blank);
- not relevant: reported as not relevant.

A milestone is answered per municipality, per cluster (the secretariat's joint progress
with a cluster) or once for the whole KKR (joint progress without a cluster); each answer
is a `Cell`. Counts roll up per milestone, per goal, per cluster and for the region.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from goals.models import (
    Goal,
    GoalDecision,
    Indicator,
    IndicatorValue,
    JointProgress,
    Milestone,
    MilestoneStatus,
    StatusReport,
    StatusRound,
)
from municipalities.models import Cluster, Municipality

MET = "met"
ON_TRACK = "on_track"
OVERDUE = "overdue"
MISSING = "missing"
NOT_RELEVANT = "not_relevant"
EVALUATIONS = [MET, ON_TRACK, OVERDUE, MISSING, NOT_RELEVANT]

# A symbol and a word beside the colour, so a cell reads in black and white and for the
# colour-blind. The symbols are in DejaVu Sans, which the PDFs embed.
EVALUATION_LABELS = {
    MET: _("Opfyldt"),
    ON_TRACK: _("På vej"),
    OVERDUE: _("Forsinket"),
    MISSING: _("Ikke indberettet"),
    NOT_RELEVANT: _("Ikke relevant"),
}
EVALUATION_SHORT = {
    MET: _("Opfyldt"),
    ON_TRACK: _("På vej"),
    OVERDUE: _("Forsinket"),
    MISSING: _("Mangler"),
    NOT_RELEVANT: _("Ikke rel."),
}
EVALUATION_SYMBOLS = {
    MET: "✓",
    ON_TRACK: "◐",
    OVERDUE: "✗",
    MISSING: "?",
    NOT_RELEVANT: "–",
}
EVALUATION_HELP = {
    MET: _("Kommunen har meldt milepælen opfyldt."),
    ON_TRACK: _("Ikke opfyldt endnu, men fristen er ikke nået."),
    OVERDUE: _("Fristen er overskredet, og milepælen er ikke opfyldt."),
    MISSING: _("Der er ikke indsendt status for milepælen."),
    NOT_RELEVANT: _("Kommunen har meldt milepælen ikke relevant."),
}

# Goal verdicts for the summary: achieved, on track, behind.
ACHIEVED = "achieved"
BEHIND = "behind"
VERDICT_LABELS = {
    ACHIEVED: _("Opfyldt"),
    ON_TRACK: _("På vej"),
    BEHIND: _("Bagud"),
}
VERDICT_SYMBOLS = {ACHIEVED: "✓", ON_TRACK: "◐", BEHIND: "✗"}

# Only what a municipality has sent in counts; a draft or a returned report is not reported.
REPORTED_STATES = (StatusReport.State.SUBMITTED, StatusReport.State.APPROVED)


def as_of(round_year):
    """The day a round's statuses are measured against: the end of the round's year, so
    a milestone due "inden udgangen af 2017" is overdue in the 2017 status if not met."""
    return datetime.date(round_year, 12, 31)


def evaluate(status, due, on):
    """The evaluation of one self-reported status for a milestone due `due`, on day `on`."""
    if status == MilestoneStatus.Status.MET:
        return MET
    if status == MilestoneStatus.Status.NOT_RELEVANT:
        return NOT_RELEVANT
    if not status:
        return MISSING
    if due is not None and due <= on:
        return OVERDUE
    return ON_TRACK


def legend():
    """One example cell per evaluation, for the legends under tables and charts."""
    return [Cell(evaluation=e) for e in EVALUATIONS]


class Tally(Counter):
    """Counts of cells per evaluation, with the totals a page shows."""

    def __missing__(self, key):
        # Templates look `tally.total` up as tally["total"] first; only evaluations count.
        if key in EVALUATIONS:
            return 0
        raise KeyError(key)

    @property
    def total(self):
        return sum(self[e] for e in EVALUATIONS)

    @property
    def met(self):
        return self[MET]

    def share(self, evaluation):
        return round(100 * self[evaluation] / self.total) if self.total else 0

    def rows(self):
        """(evaluation, label, symbol, count) of the evaluations that occur (met always), in
        a fixed order."""
        return [
            (e, EVALUATION_LABELS[e], EVALUATION_SYMBOLS[e], self[e])
            for e in EVALUATIONS
            if self[e] or e == MET
        ]


@dataclass
class Cell:
    """One answer to a milestone: a municipality's line, or the secretariat's joint
    progress for a cluster or for the whole KKR."""

    evaluation: str
    status: str = ""
    comment: str = ""
    evidence_url: str = ""

    @property
    def label(self):
        return EVALUATION_LABELS[self.evaluation]

    @property
    def short(self):
        return EVALUATION_SHORT[self.evaluation]

    @property
    def symbol(self):
        return EVALUATION_SYMBOLS[self.evaluation]

    @property
    def help(self):
        return EVALUATION_HELP[self.evaluation]

    @property
    def status_label(self):
        return MilestoneStatus.Status(self.status).label if self.status else ""


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
    def status_rows(self):
        """(label, count) of the self-reported statuses, and those not reported."""
        rows = [(label, self.statuses[value]) for value, label in MilestoneStatus.Status.choices]
        rows.append((EVALUATION_LABELS[MISSING], self.tally[MISSING]))
        return rows

    @property
    def has_baseline(self):
        return self.milestone.baseline_count is not None


@dataclass
class TrendPoint:
    year: int
    tally: Tally
    baseline: bool = False  # the starting point when the goal was adopted


@dataclass
class GoalProgress:
    goal: Goal
    milestones: list = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)
    by_cluster: list = field(default_factory=list)  # (cluster or None, Tally)
    trend: list = field(default_factory=list)  # TrendPoint, oldest first
    decision: GoalDecision | None = None
    verdict: str = ON_TRACK
    indicators: list = field(default_factory=list)
    # [(cluster or None, Tally, [(municipality, [Cell per municipality milestone]), …])]
    matrix: list = field(default_factory=list)

    @property
    def verdict_label(self):
        return VERDICT_LABELS[self.verdict]

    @property
    def verdict_symbol(self):
        return VERDICT_SYMBOLS[self.verdict]

    @property
    def municipality_milestones(self):
        return [m for m in self.milestones if m.per_municipality and m.asked]

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
        """(met, of, unit) for the goal in one phrase: over its per-municipality milestones
        when it has any ("21 af 29 kommuner"), else over its milestones ("1 af 2 milepæle")."""
        per_municipality = self.municipality_milestones
        if len(per_municipality) == 1:
            tally = per_municipality[0].tally
            return (tally.met, tally.total, _("kommuner"))
        if per_municipality:
            met = sum(m.tally.met for m in per_municipality)
            total = sum(m.tally.total for m in per_municipality)
            return (met, total, _("kommunesvar"))
        asked = [m for m in self.milestones if m.asked]
        return (
            sum(1 for m in asked if m.tally.total and m.tally.met == m.tally.total),
            len(asked),
            _("milepæle"),
        )

    @property
    def baseline_now(self):
        """(met, of) now over the same milestones as `baseline`."""
        with_baseline = [m for m in self.milestones if m.has_baseline]
        return (sum(m.tally.met for m in with_baseline), sum(m.tally.total for m in with_baseline))


@dataclass
class MunicipalityLine:
    goal: GoalProgress
    milestone: MilestoneProgress
    cell: Cell


@dataclass
class RoundProgress:
    round: StatusRound
    region: object
    paper: object
    municipalities: list
    clusters: list
    goals: list  # GoalProgress, in the paper's order
    reports: dict  # municipality id -> {"state", "submitted_at"}
    trend_years: list
    indicator_values: dict  # (municipality id, indicator id) -> value
    tally: Tally = field(default_factory=Tally)

    @property
    def published(self):
        return self.round.state == StatusRound.State.PUBLISHED

    @property
    def commitments(self):
        return [g for g in self.goals if g.goal.kind == Goal.Kind.COMMITMENT]

    @property
    def development_areas(self):
        return [g for g in self.goals if g.goal.kind != Goal.Kind.COMMITMENT]

    @property
    def verdicts(self):
        """(verdict, label, symbol, number of goals) over the commitments."""
        counts = Counter(g.verdict for g in self.commitments)
        return [(v, VERDICT_LABELS[v], VERDICT_SYMBOLS[v], counts[v]) for v in VERDICT_LABELS]

    @property
    def decisions(self):
        return [g for g in self.goals if g.decision is not None]

    @property
    def has_baselines(self):
        return any(g.baseline for g in self.commitments)

    @property
    def reported_count(self):
        return sum(1 for r in self.reports.values() if r["state"] in REPORTED_STATES)

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
                if mp.per_municipality and mp.asked:
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


def round_progress(status_round):
    """Progress of the round's paper in `status_round`, with the trend over the paper's
    published rounds up to it. A fixed number of queries (12)."""
    status_round = StatusRound.objects.select_related("paper__region").get(pk=status_round.pk)
    paper = status_round.paper
    region = paper.region
    on = as_of(status_round.year)

    trend_rounds = list(
        StatusRound.objects.filter(paper=paper, year__lte=status_round.year)
        .filter(Q(state=StatusRound.State.PUBLISHED) | Q(pk=status_round.pk))
        .order_by("year")
        .values_list("pk", "year")
    )
    goals = list(
        Goal.objects.filter(paper=paper).select_related("theme", "parent").order_by("order", "pk")
    )
    milestones = list(Milestone.objects.filter(goal__paper=paper).order_by("order", "pk"))
    indicators = list(Indicator.objects.filter(goal__paper=paper).order_by("order", "pk"))
    municipalities = list(
        Municipality.objects.filter(region=region).select_related("cluster").order_by("name")
    )
    clusters = list(Cluster.objects.filter(region=region).order_by("order", "name"))
    reports = {
        row["municipality_id"]: row
        for row in StatusReport.objects.filter(round=status_round).values(
            "municipality_id", "state", "submitted_at"
        )
    }
    lines = MilestoneStatus.objects.filter(
        report__round=status_round, report__state__in=REPORTED_STATES
    ).values("report__municipality_id", "milestone_id", "status", "comment", "evidence_url")
    trend_counts = (
        MilestoneStatus.objects.filter(
            report__round__in=[pk for pk, _year in trend_rounds],
            report__state__in=REPORTED_STATES,
        )
        .exclude(status="")
        .values("report__round_id", "milestone_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    joint = JointProgress.objects.filter(round__in=[pk for pk, _year in trend_rounds]).values(
        "round_id", "milestone_id", "cluster_id", "status", "comment"
    )
    decisions = {
        d.goal_id: d
        for d in GoalDecision.objects.filter(round=status_round).select_related("new_goal")
    }
    indicator_values = {
        (row["report__municipality_id"], row["indicator_id"]): row["value"]
        # Like the lines: a draft's numbers were never sent, so nobody reads them here.
        for row in IndicatorValue.objects.filter(
            report__round=status_round, report__state__in=REPORTED_STATES
        ).values("report__municipality_id", "indicator_id", "value")
    }

    answers = {
        (row["report__municipality_id"], row["milestone_id"]): row for row in lines
    }  # current round, per municipality
    joint_rows = defaultdict(dict)  # round id -> {(milestone id, cluster id): row}
    for row in joint:
        joint_rows[row["round_id"]][(row["milestone_id"], row["cluster_id"])] = row
    history = defaultdict(Counter)  # (round id, milestone id) -> Counter(status)
    for row in trend_counts:
        history[(row["report__round_id"], row["milestone_id"])][row["status"]] += row["n"]

    # What the round asks (as goals.rounds.reporting_milestones), or what was answered anyway.
    goal_of = {goal.pk: goal for goal in goals}
    asked = {
        m.pk
        for m in milestones
        if goal_of[m.goal_id].kind == Goal.Kind.COMMITMENT
        and goal_of[m.goal_id].state == Goal.State.ACTIVE
    }
    asked |= {milestone_pk for _municipality, milestone_pk in answers}
    asked |= {milestone_pk for milestone_pk, _cluster in joint_rows[status_round.pk]}

    milestones_of = defaultdict(list)
    for milestone in milestones:
        milestones_of[milestone.goal_id].append(milestone)
    indicators_of = defaultdict(list)
    for indicator in indicators:
        indicators_of[indicator.goal_id].append(indicator)
    cluster_of = {m.pk: m.cluster_id for m in municipalities}

    progress = RoundProgress(
        round=status_round,
        region=region,
        paper=paper,
        municipalities=municipalities,
        clusters=clusters,
        goals=[],
        reports=reports,
        trend_years=[year for _pk, year in trend_rounds],
        indicator_values=indicator_values,
    )
    for goal in goals:
        gp = GoalProgress(
            goal=goal, decision=decisions.get(goal.pk), indicators=indicators_of[goal.pk]
        )
        cluster_tallies = defaultdict(Tally)
        for milestone in milestones_of[goal.pk]:
            if milestone.pk not in asked:
                gp.milestones.append(MilestoneProgress(milestone=milestone))
                continue
            mp = _milestone_progress(
                milestone, on, municipalities, clusters, answers, joint_rows[status_round.pk]
            )
            gp.milestones.append(mp)
            gp.tally.update(mp.tally)
            for key, cell in mp.cells.items():
                if mp.per_municipality:
                    cluster_tallies[cluster_of[key]][cell.evaluation] += 1
                elif mp.scope == Milestone.Scope.CLUSTER:
                    cluster_tallies[key][cell.evaluation] += 1
        gp.by_cluster = [(c, cluster_tallies[c.pk]) for c in clusters if c.pk in cluster_tallies]
        if None in cluster_tallies:
            gp.by_cluster.append((None, cluster_tallies[None]))
        gp.trend = _trend(gp, trend_rounds, history, joint_rows, municipalities, clusters)
        gp.verdict = _verdict(gp, on)
        gp.matrix = []
        for cluster, group in progress.clusters_with_municipalities():
            rows = [(m, [mp.cells[m.pk] for mp in gp.municipality_milestones]) for m in group]
            tally = Tally(cell.evaluation for _m, cells in rows for cell in cells)
            gp.matrix.append((cluster, tally, rows))
        progress.goals.append(gp)
        progress.tally.update(gp.tally)
    return progress


def _milestone_progress(milestone, on, municipalities, clusters, answers, joint_rows):
    mp = MilestoneProgress(milestone=milestone)
    if milestone.scope == Milestone.Scope.MUNICIPALITY:
        keyed = [(m.pk, answers.get((m.pk, milestone.pk))) for m in municipalities]
    elif milestone.scope == Milestone.Scope.CLUSTER:
        keyed = [(c.pk, joint_rows.get((milestone.pk, c.pk))) for c in clusters]
    else:
        keyed = [(None, joint_rows.get((milestone.pk, None)))]
    for key, row in keyed:
        status = row["status"] if row else ""
        cell = Cell(
            evaluation=evaluate(status, milestone.due, on),
            status=status,
            comment=row["comment"] if row else "",
            evidence_url=(row or {}).get("evidence_url", ""),
        )
        mp.cells[key] = cell
        mp.tally[cell.evaluation] += 1
        if status:
            mp.statuses[status] += 1
    return mp


def _trend(gp, trend_rounds, history, joint_rows, municipalities, clusters):
    """The goal's tally in each round, after its baseline (when the paper gave one)."""
    points = []
    baseline = gp.baseline
    if baseline is not None:
        met, of, year = baseline
        # Known at adoption is only who already met it; the rest is "not yet".
        points.append(
            TrendPoint(year=year, tally=Tally({MET: met, ON_TRACK: of - met}), baseline=True)
        )
    for round_pk, year in trend_rounds:
        on = as_of(year)
        tally = Tally()
        for mp in gp.milestones:
            milestone = mp.milestone
            if not mp.asked:
                continue
            if milestone.scope == Milestone.Scope.MUNICIPALITY:
                counts = history.get((round_pk, milestone.pk), Counter())
                answered = sum(counts.values())
                for status, n in counts.items():
                    tally[evaluate(status, milestone.due, on)] += n
                tally[MISSING] += max(len(municipalities) - answered, 0)
            else:
                keys = [c.pk for c in clusters] if milestone.scope == "cluster" else [None]
                for key in keys:
                    row = joint_rows[round_pk].get((milestone.pk, key))
                    tally[evaluate(row["status"] if row else "", milestone.due, on)] += 1
        points.append(TrendPoint(year=year, tally=tally))
    return points


def _verdict(gp, on):
    """Achieved, on track or behind, for the summary. Achieved when the round's decision
    ticked it off or every answer is met; behind when any milestone is overdue or its
    deadline has passed without an answer."""
    if (gp.decision and gp.decision.decision == GoalDecision.Decision.ACHIEVED) or (
        gp.goal.state == Goal.State.ACHIEVED
    ):
        return ACHIEVED
    if gp.tally.total and gp.tally[MET] + gp.tally[NOT_RELEVANT] == gp.tally.total:
        return ACHIEVED
    for mp in gp.milestones:
        if mp.tally[OVERDUE]:
            return BEHIND
        if mp.tally[MISSING] and mp.milestone.due is not None and mp.milestone.due <= on:
            return BEHIND
    return ON_TRACK


def latest_published_round(region, paper=None):
    """The region's newest published round (of `paper` when given), or None."""
    rounds = StatusRound.objects.in_region(region).filter(state=StatusRound.State.PUBLISHED)
    if paper is not None:
        rounds = rounds.filter(paper=paper)
    return rounds.select_related("paper__region").order_by("-year", "-published_at").first()


def municipality_history(progress, municipality):
    """{milestone id: [(year, Cell), …]} of the municipality's answers in the trend rounds
    (one query)."""
    years = dict(
        StatusRound.objects.filter(paper=progress.paper, year__in=progress.trend_years).values_list(
            "pk", "year"
        )
    )
    rows = MilestoneStatus.objects.filter(
        report__municipality=municipality,
        report__round__in=list(years),
        report__state__in=REPORTED_STATES,
    ).values("report__round_id", "milestone_id", "status")
    found = {(r["report__round_id"], r["milestone_id"]): r["status"] for r in rows}
    history = {}
    for goal in progress.goals:
        for mp in goal.municipality_milestones:
            history[mp.milestone.pk] = [
                (
                    year,
                    Cell(
                        evaluation=evaluate(
                            found.get((pk, mp.milestone.pk), ""), mp.milestone.due, as_of(year)
                        ),
                        status=found.get((pk, mp.milestone.pk), ""),
                    ),
                )
                for pk, year in sorted(years.items(), key=lambda item: item[1])
            ]
    return history
