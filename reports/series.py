"""The indicator series beside the self-reported status: what Statistikbanken, eSundhed and
the like publish per municipality and year for an indicator of a goal
(`goals.models.IndicatorSeries`, imported by `goals.series_import`), read for the goal page,
the municipality page and the PDF papers.

Unlike the status, a series is not part of a round's publication: it is the source's figures
as last imported, shown with the source named and the date they were fetched. A PDF of a
round shows the years up to the round's own (`until`), so a paper about 2018 does not show
2023's figures when it is rendered again.

Each view is a few queries whatever the number of municipalities, series and years: the
series, their values, and the goals' baseline years.
"""

from dataclasses import dataclass
from dataclasses import field

from django.db.models import Min
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext as _

from goals.models import GoalPaper
from goals.models import IndicatorObservation
from goals.models import IndicatorSeries
from goals.models import Milestone
from reports import charts

Level = IndicatorObservation.Level


@dataclass
class Line:
    """One area's values in a series: {year: Decimal}."""

    label: str
    level: str
    values: dict
    municipality: object = None
    chart: str = ""

    def value(self, year):
        return self.values.get(year)

    @property
    def first_year(self):
        return min(self.values) if self.values else None

    @property
    def last_year(self):
        return max(self.values) if self.values else None


@dataclass
class SeriesView:
    series: IndicatorSeries
    years: list
    national: Line | None
    region: Line | None
    municipalities: list  # Lines in the order of the municipalities given
    baseline_year: int | None
    decimals: int = 1
    chart: str = ""  # the municipality page's and paper's chart of one municipality
    line: Line | None = None  # that municipality's line
    references: list = field(default_factory=list)

    @property
    def indicator(self):
        return self.series.indicator

    @property
    def goal(self):
        return self.series.indicator.goal

    @property
    def unit(self):
        return self.series.unit or self.series.indicator.unit

    @property
    def lines(self):
        """Every line, the references first: the table's rows."""
        return [line for line in (self.national, self.region) if line] + self.municipalities

    def line_of(self, municipality):
        return next(
            (line for line in self.municipalities if line.municipality == municipality), None
        )

    def number(self, value):
        """A value as the pages write it: 12,5 in Danish."""
        if value is None:
            return "–"
        return formats.number_format(value, decimal_pos=self.decimals, use_l10n=True)

    def rows(self):
        """[(line, [value text per year])] for the table."""
        return [
            (line, [self.number(line.value(year)) for year in self.years]) for line in self.lines
        ]


def _decimals(values):
    """As many decimals as the source prints (at most 2), for every value of the series."""
    most = 0
    for value in values:
        exponent = value.normalize().as_tuple().exponent
        most = max(most, -exponent if isinstance(exponent, int) and exponent < 0 else 0)
    return min(most, 2)


def _baseline_years(goal_ids):
    """{goal id: the earliest baseline year of its milestones}, where they name one."""
    return dict(
        Milestone.objects.filter(goal_id__in=goal_ids, baseline_year__isnull=False)
        .values("goal_id")
        .annotate(year=Min("baseline_year"))
        .values_list("goal_id", "year")
    )


def series_views(series, region, municipalities, *, until=None):
    """A `SeriesView` per series of `series` (a queryset), with the lines of `municipalities`
    (in their order), of `region` and of the whole country, up to the year `until`. The
    baseline year marked is the goal's milestones' (the earliest), else the year the paper
    was adopted, as the status's trend starts from it."""
    series = list(
        series.select_related("indicator__goal__paper").order_by(
            "indicator__goal__paper_id",
            "indicator__goal__order",
            "indicator__order",
            "indicator_id",
            "source_name",
            "table_id",
        )
    )
    if not series:
        return []
    municipalities = list(municipalities)
    observations = IndicatorObservation.objects.filter(series__in=[s.pk for s in series]).filter(
        Q(municipality__in=[m.pk for m in municipalities])
        | Q(region=region)
        | Q(municipality__isnull=True, region__isnull=True)
    )
    if until is not None:
        observations = observations.filter(year__lte=until)
    found = {}
    for row in observations.values("series_id", "municipality_id", "region_id", "year", "value"):
        key = row["municipality_id"] or ("region" if row["region_id"] else "national")
        found.setdefault(row["series_id"], {}).setdefault(key, {})[row["year"]] = row["value"]
    baselines = _baseline_years({s.indicator.goal_id for s in series})
    views = []
    for item in series:
        values = found.get(item.pk, {})
        if not values:
            continue
        goal = item.indicator.goal
        national = values.get("national")
        regional = values.get("region")
        view = SeriesView(
            series=item,
            years=sorted({year for line in values.values() for year in line}),
            national=Line(_("Hele landet"), Level.NATIONAL, national) if national else None,
            region=(
                Line(_("Region %(name)s") % {"name": region.name}, Level.REGION, regional)
                if regional
                else None
            ),
            municipalities=[
                Line(m.name, Level.MUNICIPALITY, values[m.pk], municipality=m)
                for m in municipalities
                if m.pk in values
            ],
            baseline_year=baselines.get(goal.pk, goal.paper.adopted_year),
            decimals=_decimals(v for line in values.values() for v in line.values()),
        )
        views.append(view)
    return views


def _public_series():
    return IndicatorSeries.objects.filter(indicator__goal__paper__state__in=GoalPaper.PUBLIC_STATES)


def goal_series(goal, *, until=None):
    """The series of the goal's indicators, with a small chart per municipality of its
    region (the region's and the country's lines beside): the goal page and the paper."""
    region = goal.paper.region
    municipalities = region.municipalities.order_by("name")
    views = series_views(
        IndicatorSeries.objects.filter(indicator__goal=goal), region, municipalities, until=until
    )
    return [with_small_multiples(view) for view in views]


def with_small_multiples(view):
    scale = charts.series_scale(view)
    for line in view.municipalities:
        line.chart = charts.series_chart(view, line, scale=scale, small=True)
    return view


def municipality_series(region, municipality, *, papers=None, until=None):
    """The series of the indicators of the region's public papers (or of `papers`), each
    with the municipality's line against the region's and the country's: the municipality
    page and its paper."""
    series = _public_series().filter(indicator__goal__paper__region=region)
    if papers is not None:
        series = series.filter(indicator__goal__paper__in=papers)
    views = series_views(series, region, [municipality], until=until)
    for view in views:
        view.line = view.line_of(municipality)
        scale = charts.series_scale(view)
        view.chart = charts.series_chart(view, view.line, scale=scale)
        view.narrow_chart = charts.series_chart(view, view.line, scale=scale, narrow=True)
    return [view for view in views if view.line is not None]


def paper_series(paper, region, municipalities, *, until=None):
    """{goal id: [SeriesView with small multiples]} of a paper's goals: the status paper."""
    views = series_views(
        IndicatorSeries.objects.filter(indicator__goal__paper=paper),
        region,
        municipalities,
        until=until,
    )
    by_goal = {}
    for view in views:
        by_goal.setdefault(view.goal.pk, []).append(with_small_multiples(view))
    return by_goal
