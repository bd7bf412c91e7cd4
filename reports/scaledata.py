"""A national-scale data set for load tests and benchmarks: every region with its
municipalities (all 98), a goal paper per region shaped like Hovedstaden's KKR-mål, and
yearly published status rounds with every municipality's report.

The data sits in its own paper per region (source `skala-<region>.txt`), so it never
touches the real papers or the demo history. The regions, clusters and municipalities are
the reference fixture's, loaded by `load_kkr_data` when missing.
"""

import datetime
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from goals import rounds
from goals.loading import load_kkr_data
from goals.loading import region_fixtures
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
from reports.progress import freeze
from reports.tasks import render_now
from reports.tasks import schedule_papers

# slug, name, code, number of municipalities: as the reference fixture has them.
REGIONS = [
    (region["slug"], region["name"], region["code"], len(region["municipalities"]))
    for region in region_fixtures()
]

# Hovedstaden's KKR-mål 2017–2018 (seed 001), with per-municipality milestones added so
# every goal has a matrix to fill.
GOALS = [
    {
        "theme": "Akutfunktioner",
        "number": "1",
        "title": "En fælles plan for akutfunktioner til borgere med fysiske sygdomme",
        "milestones": [
            (
                (
                    "Kommunerne udarbejder og følger en fælles plan, som viser udviklingstrinene "
                    "frem mod 2018."
                ),
                "joint",
                1,
                None,
            ),
            (
                (
                    "Kommunen sikrer sine borgere adgang til en akutfunktion, som lever op til "
                    "Sundhedsstyrelsens kvalitetsstandard."
                ),
                "municipality",
                2,
                0.4,
            ),
            (
                "Kommunen har indgået aftale med almen praksis om brug af akutfunktionen.",
                "municipality",
                4,
                None,
            ),
        ],
        "indicator": ("Borgere visiteret til akutfunktionen", "personer"),
    },
    {
        "theme": "Akut psykiatrisk tilstand",
        "number": "2",
        "title": "Større klarhed om tilbud til borgere i akut psykiatrisk tilstand",
        "milestones": [
            (
                (
                    "1-2 tovholderkommuner afholder en videndelingskonference om kommunale "
                    "akuttilbud til borgere i akut psykiatrisk tilstand."
                ),
                "joint",
                2,
                None,
            ),
            (
                "Kommunen har beskrevet sit akuttilbud til borgere i akut psykiatrisk tilstand.",
                "municipality",
                3,
                None,
            ),
        ],
        "indicator": None,
    },
    {
        "theme": "De unges sundhed",
        "number": "3",
        "title": "Bedre fysisk og mental sundhed hos de unge",
        "milestones": [
            (
                (
                    "Kommunerne etablerer en fælles strategi for fremme af fysisk og mental "
                    "sundhed på tværs af kommuner og ungdomsuddannelser."
                ),
                "joint",
                1,
                None,
            ),
            (
                "Hver klynge afholder et fælles temamøde med ungdomsuddannelserne.",
                "cluster",
                3,
                None,
            ),
            (
                "Kommunen samarbejder med mindst én ungdomsuddannelse om røgfri skoletid.",
                "municipality",
                5,
                0.2,
            ),
        ],
        "indicator": ("Ungdomsuddannelser med røgfri skoletid", "skoler"),
    },
]
DEVELOPMENT_AREAS = [
    ("A", "Sundere livsstil hos borgere med psykiske lidelser"),
    ("B", "Bedre styring af rusmiddelbehandlingen"),
    ("C", "Optimering af indsatsen for borgere med dobbeltdiagnoser"),
]
COMMENTS = [
    "Akutteamet er udvidet med to sygeplejersker, og kvalitetsstandarden er gennemgået.",
    "Vi samarbejder med nabokommunen om fælles drift af akutpladser.",
    "Aftalen med almen praksis forhandles i det kommunale lægelige udvalg.",
    "Tilbuddet er beskrevet og sendt til hospitalspsykiatrien.",
    "Røgfri skoletid er indført på erhvervsskolen fra august.",
    "Arbejdet er forsinket af rekrutteringsudfordringer på sygeplejeområdet.",
]


@dataclass
class ScaleResult:
    regions: int
    municipalities: int
    rounds: int
    lines: int

    def __str__(self):
        return (
            f"{self.regions} regioner, {self.municipalities} kommuner, {self.rounds} "
            f"statusrunder, {self.lines} indberettede linjer."
        )


def _ensure_regions(regions):
    """The regions (by slug, every one when none are given) with all their municipalities
    and clusters, loaded from the reference fixture when missing."""
    load_kkr_data(papers=False)
    slugs = [slug for slug, *_rest in REGIONS if not regions or slug in regions]
    found = {region.slug: region for region in Region.objects.filter(slug__in=slugs)}
    return [found[slug] for slug in slugs]


def _paper(region, first_year, last_year):
    paper, _created = GoalPaper.objects.update_or_create(
        source=f"skala-{region.slug}.txt",
        defaults={
            "region": region,
            "title": "KKR-mål for sundhed",
            "kind": GoalPaper.Kind.KKR_GOALS,
            "adopted_year": first_year - 1,
            "first_year": first_year,
            "last_year": last_year,
            "summary": "Skalatest: fælles mål for akutfunktioner, psykiatri og unges sundhed.",
        },
    )
    if paper.goals.exists():
        return paper
    municipalities = Municipality.objects.filter(region=region).count()
    order = 0
    for theme_order, spec in enumerate(GOALS, start=1):
        theme = Theme.objects.create(paper=paper, order=theme_order, title=spec["theme"])
        order += 1
        goal = Goal.objects.create(
            paper=paper, theme=theme, number=spec["number"], order=order, title=spec["title"]
        )
        for m_order, (text, scope, years_in, baseline) in enumerate(spec["milestones"], 1):
            due_year = first_year + years_in - 1
            Milestone.objects.create(
                goal=goal,
                order=m_order,
                text=text,
                scope=scope,
                due=datetime.date(due_year, 12, 31),
                due_text=f"inden udgangen af {due_year}",
                baseline_count=round(baseline * municipalities) if baseline else None,
                baseline_of=municipalities if baseline else None,
                baseline_year=first_year - 1 if baseline else None,
            )
        if spec["indicator"]:
            Indicator.objects.create(
                goal=goal, order=1, name=spec["indicator"][0], unit=spec["indicator"][1]
            )
    for number, title in DEVELOPMENT_AREAS:
        order += 1
        Goal.objects.create(
            paper=paper,
            number=number,
            order=order,
            title=title,
            kind=Goal.Kind.DEVELOPMENT_AREA,
            state=Goal.State.PIPELINE,
        )
    return paper


def _open_round(paper, year):
    """This year's round, opened as the secretariat would: a blank draft per municipality,
    the deadline a month ahead, so reporters can fill it in and submit."""
    today = timezone.localdate()
    status_round = StatusRound.objects.create(
        paper=paper, year=year, opens=today, deadline=today + datetime.timedelta(days=30)
    )
    return rounds.open_round(status_round)


def _rounds(paper, years, rng, publish_last=True, open_last=False):
    municipalities = list(Municipality.objects.filter(region=paper.region).order_by("pk"))
    clusters = list(Cluster.objects.filter(region=paper.region))
    milestones = list(Milestone.objects.filter(goal__paper=paper).select_related("goal"))
    indicators = list(Indicator.objects.filter(goal__paper=paper))
    goals = list(Goal.objects.filter(paper=paper).reported_on())
    # The year each municipality (or cluster) meets each milestone, so progress only grows.
    met_in = {}
    for milestone in milestones:
        met_already = milestone.baseline_count or 0
        units = {"municipality": municipalities, "cluster": clusters}.get(milestone.scope, [None])
        for i, unit in enumerate(units):
            met_in[(milestone.pk, getattr(unit, "pk", None))] = (
                years[0] - 1 if i < met_already else years[0] + int(rng.expovariate(0.35))
            )
    existing = set(StatusRound.objects.filter(paper=paper).values_list("year", flat=True))
    made = lines_made = 0
    for index, year in enumerate(years):
        if year in existing:
            continue
        if open_last and index == len(years) - 1:
            _open_round(paper, year)
            made += 1
            continue
        published = publish_last or index < len(years) - 1
        status_round = StatusRound.objects.create(
            paper=paper,
            year=year,
            opens=datetime.date(year, 9, 1),
            deadline=datetime.date(year, 11, 1),
            state=StatusRound.State.PUBLISHED if published else StatusRound.State.CLOSED,
            opened_at=timezone.make_aware(datetime.datetime(year, 9, 1, 9)),
            closed_at=timezone.make_aware(datetime.datetime(year, 11, 15, 9)),
            published_at=(
                timezone.make_aware(datetime.datetime(year, 12, 1, 9)) if published else None
            ),
        )
        made += 1
        reports = StatusReport.objects.bulk_create(
            StatusReport(
                round=status_round,
                municipality=m,
                state=(
                    StatusReport.State.APPROVED if rng.random() > 0.04 else StatusReport.State.DRAFT
                ),
                submitted_at=timezone.make_aware(datetime.datetime(year, 10, 25, 12)),
            )
            for m in municipalities
        )
        lines, values = [], []
        for report in reports:
            for milestone in milestones:
                if milestone.scope != "municipality":
                    continue
                lines.append(
                    MilestoneStatus(
                        report=report,
                        milestone=milestone,
                        status=_status(met_in[(milestone.pk, report.municipality_id)], year, rng),
                        comment=rng.choice(COMMENTS) if rng.random() < 0.08 else "",
                    )
                )
            for indicator in indicators:
                values.append(
                    IndicatorValue(report=report, indicator=indicator, value=rng.randint(5, 400))
                )
        MilestoneStatus.objects.bulk_create(lines, batch_size=2000)
        IndicatorValue.objects.bulk_create(values, batch_size=2000)
        lines_made += len(lines)
        joint = []
        for milestone in milestones:
            if milestone.scope == "municipality":
                continue
            units = clusters if milestone.scope == "cluster" else [None]
            for unit in units:
                joint.append(
                    JointProgress(
                        round=status_round,
                        milestone=milestone,
                        cluster=unit,
                        status=_status(
                            met_in[(milestone.pk, getattr(unit, "pk", None))], year, rng
                        ),
                    )
                )
        JointProgress.objects.bulk_create(joint)
        GoalDecision.objects.bulk_create(
            GoalDecision(
                round=status_round,
                goal=goal,
                decision=GoalDecision.Decision.CONTINUE,
                comment="Målet fastholdes, og status følges op næste år.",
            )
            for goal in goals
        )
        if published:
            freeze(status_round)
    return made, lines_made


def _status(met_year, year, rng):
    if met_year <= year:
        return MilestoneStatus.Status.MET
    if rng.random() < 0.03:
        return MilestoneStatus.Status.NOT_RELEVANT
    if met_year - year <= 2:
        return MilestoneStatus.Status.IN_PROGRESS
    return MilestoneStatus.Status.NOT_STARTED


@transaction.atomic
def generate_scale_data(
    regions=None, rounds=10, first_year=2017, seed=1, publish_last=True, open_last=False
):
    """Create (or complete) the scale data set; returns what it holds. Idempotent: rounds
    that exist are left alone. `open_last`: the last year's round is open for reporting
    instead of published."""
    rng = random.Random(seed)
    years = list(range(first_year, first_year + rounds))
    made = lines = 0
    chosen = _ensure_regions(regions)
    for region in chosen:
        paper = _paper(region, first_year, years[-1])
        r, n = _rounds(paper, years, rng, publish_last=publish_last, open_last=open_last)
        made += r
        lines += n
    return ScaleResult(
        regions=len(chosen),
        municipalities=Municipality.objects.filter(region__in=chosen).count(),
        rounds=made,
        lines=lines,
    )


def store_latest_papers(regions=None):
    """Render and store the papers of each scale region's newest public round (its latest
    publication), as publishing it would have (the older rounds' downloads stay pending).
    Returns how many are stored."""

    chosen = Region.objects.filter(slug__in=regions) if regions else Region.objects.all()
    stored = 0
    for region in chosen.order_by("name"):
        latest = (
            public_rounds()
            .filter(paper__region=region, paper__source=f"skala-{region.slug}.txt")
            .order_by("-year")
            .first()
        )
        if latest is None:
            continue
        # Rendered here, claimed as the job worker would claim them, rather than queued.
        rows = schedule_papers(Publication.objects.latest_for(latest), queue=False)
        stored += render_now(rows)[0]
    return stored
