"""The whole public record in one download: a Frictionless Data Package (datapackage.json and
one CSV per table, each described by a Table Schema: its columns' types, titles, codes,
primary key and references), for all regions or one (`build(region)`).

Tables: regions, clusters, municipalities, papers, goals, milestones, indicators and
indicator-series (what the portal holds today, as the API shows it; a series' values in the
columns of its CSV file, `reports.exports.series_columns`) and, from each public round's
latest publication (`reports.models.public_rounds`, `reports.progress.published_progress`, so the download
says what the pages, PDFs and API say): rounds, lines (one per municipality × milestone,
the same table as a round's CSV, `reports.exports.round_line_columns`), goal-progress (a
goal's counts, verdict and decision per round) and shared-answers (the answers for cluster
and joint milestones), and indicator-values.

A goal's verdict and its reason are the ones the progress data gives (`GoalProgress.verdict`,
`verdict_reason`, from goals.evaluation.goal_verdict; read in `_goal_progress_rows`).

References are declared where they always hold: the published tables refer to `rounds`
only, since a published record keeps the goals, milestones and names it showed even if they
are edited or removed later (it carries their ids, keys and texts as published).

Ids are those of the API and stay the same across reloads of the fixtures (the loader finds
every row by its natural key and never remakes it); `key` columns hold the natural keys
(`GoalPaper.key`, `Goal.key`, `Milestone.key`), the same in any installation.

The package is made when it is first asked for after the public data changed and then kept
in the cache with that version (kkrmaal/api/datapackage.py): publishing, reopening or an
edit of what it shows makes the next download a new build.
"""

import csv
import datetime
import io
import json
import zipfile
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from goals.evaluation import EVALUATIONS
from goals.evaluation import GOAL_EVALUATIONS
from goals.evaluation import Evaluation
from goals.models import Goal
from goals.models import GoalDecision
from goals.models import GoalPaper
from goals.models import Indicator
from goals.models import IndicatorSeries
from goals.models import Milestone
from goals.models import MilestoneStatus
from municipalities.models import Cluster
from municipalities.models import Municipality
from municipalities.models import Region
from reports.exports import Column
from reports.exports import codes
from reports.exports import round_line_columns
from reports.exports import round_lines
from reports.exports import series_columns
from reports.exports import series_rows
from reports.models import public_rounds
from reports.progress import published_progress_of

# The data's licence, stated here once: in the package, the API's schema and the home page.
LICENCE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0 International (CC BY 4.0)",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}
ATTRIBUTION = "KKR-mål"


@dataclass
class Table:
    name: str  # the resource's name and its file, data/<name>.csv
    title: str
    description: str
    columns: list
    primary_key: list = field(default_factory=list)
    # (column, other table, its column): a reference that always holds
    references: list = field(default_factory=list)
    rows: list = field(default_factory=list)


def _c(name, type_, title, description="", values=()):
    return Column(name, type_, title, description, tuple(values))


# --- what the portal holds today -----------------------------------------------------------


def _reference_tables(region):
    regions = Region.objects.order_by("name")
    clusters = Cluster.objects.select_related("region").order_by("region__name", "order", "name")
    municipalities = Municipality.objects.select_related("region").order_by("kommunekode")
    rounds = (
        public_rounds()
        .select_related("paper__region")
        .order_by("paper__region__name", "year", "pk")
    )
    papers = GoalPaper.objects.public()
    if region is not None:
        regions = regions.filter(pk=region.pk)
        clusters = clusters.filter(region=region)
        municipalities = municipalities.filter(region=region)
        rounds = rounds.filter(paper__region=region)
        papers = papers.filter(region=region)
    rounds = list(rounds)
    # A public round's paper is in the package even if it is no longer public itself.
    paper_ids = {*papers.values_list("pk", flat=True), *(r.paper_id for r in rounds)}
    papers = (
        GoalPaper.objects.filter(pk__in=paper_ids)
        .select_related("region")
        .order_by("region__name", "-adopted_year", "pk")
    )
    goals = (
        Goal.objects.filter(paper__in=paper_ids)
        .select_related("paper", "theme")
        .order_by("paper__region__name", "-paper__adopted_year", "paper", "order", "pk")
    )
    milestones = (
        Milestone.objects.filter(goal__paper__in=paper_ids)
        .select_related("goal__paper")
        .order_by("goal__paper", "goal__order", "goal", "order", "pk")
    )
    indicators = (
        Indicator.objects.filter(goal__paper__in=paper_ids)
        .select_related("goal")
        .order_by("goal__paper", "goal__order", "goal", "order", "pk")
    )
    tables = [
        Table(
            "regions",
            _("Regioner"),
            _("Regionerne (KKR)."),
            [
                _c("slug", "string", _("Kort navn"), _("Regionens korte navn, dens id.")),
                _c("name", "string", _("Navn"), _("Regionens navn.")),
                _c("code", "integer", _("Regionskode"), _("Den officielle regionskode.")),
            ],
            ["slug"],
            rows=[{"slug": r.slug, "name": r.name, "code": r.code} for r in regions],
        ),
        Table(
            "clusters",
            _("Sundhedsklynger"),
            _("Sundhedsklyngerne i regionerne."),
            [
                _c("id", "integer", _("Id")),
                _c("region", "string", _("Region"), _("Regionens korte navn.")),
                _c("name", "string", _("Navn")),
                _c("description", "string", _("Beskrivelse")),
                _c("order", "integer", _("Rækkefølge"), _("Klyngens plads i regionen.")),
            ],
            ["id"],
            [("region", "regions", "slug")],
            [
                {
                    "id": c.pk,
                    "region": c.region.slug,
                    "name": c.name,
                    "description": c.description,
                    "order": c.order,
                }
                for c in clusters
            ],
        ),
        Table(
            "municipalities",
            _("Kommuner"),
            _("Kommunerne, med deres region og sundhedsklynge."),
            [
                _c("kommunekode", "integer", _("Kommunekode"), _("Den officielle kommunekode.")),
                _c("name", "string", _("Navn")),
                _c("region", "string", _("Region"), _("Regionens korte navn.")),
                _c("cluster", "integer", _("Klynge id"), _("Sundhedsklyngens id, eller tom.")),
            ],
            ["kommunekode"],
            [("region", "regions", "slug"), ("cluster", "clusters", "id")],
            [
                {
                    "kommunekode": m.kommunekode,
                    "name": m.name,
                    "region": m.region.slug,
                    "cluster": m.cluster_id,
                }
                for m in municipalities
            ],
        ),
        Table(
            "papers",
            _("Målpapirer"),
            _("De vedtagne (og arkiverede) målpapirer og papirerne bag de offentlige runder."),
            [
                _c("id", "integer", _("Id")),
                _c("key", "string", _("Nøgle"), _("Papirets faste nøgle (kildens navn).")),
                _c("region", "string", _("Region"), _("Regionens korte navn.")),
                _c("title", "string", _("Titel")),
                _c("kind", "string", _("Type"), "", codes(GoalPaper.Kind.choices)),
                _c("state", "string", _("Tilstand"), "", codes(GoalPaper.State.choices)),
                _c("adopted_year", "integer", _("Vedtaget år")),
                _c("first_year", "integer", _("Første år")),
                _c("last_year", "integer", _("Sidste år")),
            ],
            ["id"],
            [("region", "regions", "slug")],
            [
                {
                    "id": p.pk,
                    "key": p.key,
                    "region": p.region.slug,
                    "title": p.title,
                    "kind": p.kind,
                    "state": p.state,
                    "adopted_year": p.adopted_year,
                    "first_year": p.first_year,
                    "last_year": p.last_year,
                }
                for p in papers
            ],
        ),
        Table(
            "goals",
            _("Mål"),
            _("Papirernes mål og udviklingsområder."),
            [
                _c("id", "integer", _("Id")),
                _c("key", "string", _("Nøgle"), _("Målets faste nøgle (papir:målnummer).")),
                _c("paper", "integer", _("Målpapir id")),
                _c("number", "string", _("Mål nr."), _("Målets nummer som trykt; altid tekst.")),
                _c("order", "integer", _("Rækkefølge"), _("Målets plads i papiret.")),
                _c("parent", "integer", _("Overordnet mål id"), _("Eller tom.")),
                _c("theme", "string", _("Tema"), _("Temaets titel, eller tom.")),
                _c("title", "string", _("Titel")),
                _c("description", "string", _("Beskrivelse")),
                _c("kind", "string", _("Type"), "", codes(Goal.Kind.choices)),
                _c("state", "string", _("Tilstand"), "", codes(Goal.State.choices)),
                _c("national_goal", "string", _("Nationalt mål")),
                _c("replaces", "integer", _("Erstatter mål id"), _("Eller tom.")),
            ],
            ["id"],
            [("paper", "papers", "id"), ("parent", "goals", "id")],
            [
                {
                    "id": g.pk,
                    "key": g.key,
                    "paper": g.paper_id,
                    "number": g.number,
                    "order": g.order,
                    "parent": g.parent_id,
                    "theme": g.theme.title if g.theme else "",
                    "title": g.title,
                    "description": g.description,
                    "kind": g.kind,
                    "state": g.state,
                    "national_goal": g.national_goal,
                    "replaces": g.replaces_id,
                }
                for g in goals
            ],
        ),
        Table(
            "milestones",
            _("Milepæle"),
            _("Målenes milepæle."),
            [
                _c("id", "integer", _("Id")),
                _c(
                    "key",
                    "string",
                    _("Nøgle"),
                    _("Milepælens faste nøgle (papir:målnummer:plads)."),
                ),
                _c("goal", "integer", _("Mål id")),
                _c("order", "integer", _("Rækkefølge"), _("Milepælens plads under målet.")),
                _c("text", "string", _("Tekst")),
                _c("due", "date", _("Frist"), _("Eller tom.")),
                _c("due_approximate", "boolean", _("Omtrentlig frist")),
                _c("due_text", "string", _("Frist som trykt")),
                _c("scope", "string", _("Omfang"), "", codes(Milestone.Scope.choices)),
                _c("lead", "string", _("Tovholder")),
                _c("baseline_count", "integer", _("Udgangspunkt (antal)")),
                _c("baseline_of", "integer", _("Udgangspunkt (ud af)")),
                _c("baseline_year", "integer", _("Udgangspunkt (år)")),
            ],
            ["id"],
            [("goal", "goals", "id")],
            [
                {
                    "id": m.pk,
                    "key": m.key,
                    "goal": m.goal_id,
                    "order": m.order,
                    "text": m.text,
                    "due": m.due,
                    "due_approximate": m.due_approximate,
                    "due_text": m.due_text,
                    "scope": m.scope,
                    "lead": m.lead,
                    "baseline_count": m.baseline_count,
                    "baseline_of": m.baseline_of,
                    "baseline_year": m.baseline_year,
                }
                for m in milestones
            ],
        ),
        Table(
            "indicators",
            _("Indikatorer"),
            _("Målenes indikatorer."),
            [
                _c("id", "integer", _("Id")),
                _c("goal", "integer", _("Mål id")),
                _c("order", "integer", _("Rækkefølge")),
                _c("name", "string", _("Navn")),
                _c("unit", "string", _("Enhed")),
                _c("target", "number", _("Målværdi"), _("Eller tom.")),
                _c("direction", "string", _("Retning"), "", codes(Indicator.Direction.choices)),
                _c("description", "string", _("Beskrivelse")),
            ],
            ["id"],
            [("goal", "goals", "id")],
            [
                {
                    "id": i.pk,
                    "goal": i.goal_id,
                    "order": i.order,
                    "name": i.name,
                    "unit": i.unit,
                    "target": i.target,
                    "direction": i.direction,
                    "description": i.description,
                }
                for i in indicators
            ],
        ),
    ]
    series = (
        IndicatorSeries.objects.public()
        .filter(indicator__goal__paper__in=paper_ids)
        .order_by("indicator__goal__paper__region__name", "indicator__goal__order", "pk")
    )
    tables.append(
        Table(
            "indicator-series",
            _("Indikatorserier"),
            _(
                "Kildernes tal for indikatorerne (fx Statistikbanken) pr. kommune, region og "
                "hele landet og år, med kilden på hver række: de samme kolonner som seriens "
                "CSV-fil (/api/v1/series/<id>/observations.csv)."
            ),
            series_columns(),
            references=[("indicator", "indicators", "id"), ("goal", "goals", "id")],
            rows=series_rows(*series),
        )
    )
    return tables, rounds


# --- what the public rounds published --------------------------------------------------------


def _published_tables(rounds):
    round_rows, lines, goal_rows, shared, values = [], [], [], [], []
    published = published_progress_of(rounds)
    for status_round in rounds:
        progress = published.get(status_round.pk)
        if progress is None:  # unpublished since the list was read
            continue
        round_rows.append(
            {
                "id": status_round.pk,
                "region": progress.region.slug,
                "paper": status_round.paper_id,
                "year": status_round.year,
                "opens": status_round.opens,
                "deadline": status_round.deadline,
                "published_at": progress.published_at,
                "version": progress.publication.version,
                "reported_count": progress.reported_count,
                "municipality_count": len(progress.municipalities),
            }
        )
        lines += round_lines(progress)
        goal_rows += _goal_progress_rows(progress)
        shared += _shared_rows(progress)
        values += _indicator_value_rows(progress)
    return [
        Table(
            "rounds",
            _("Statusrunder"),
            _("De offentliggjorte statusrunder, som seneste offentliggørelse viser dem."),
            [
                _c("id", "integer", _("Id")),
                _c("region", "string", _("Region")),
                _c("paper", "integer", _("Målpapir id")),
                _c("year", "integer", _("År")),
                _c("opens", "date", _("Åbnede")),
                _c("deadline", "date", _("Frist")),
                _c("published_at", "datetime", _("Offentliggjort")),
                _c("version", "integer", _("Version"), _("Offentliggørelsens nummer: 1, 2, …")),
                _c("reported_count", "integer", _("Indberettet"), _("Kommuner, der indberettede.")),
                _c("municipality_count", "integer", _("Kommuner"), _("Kommuner i regionen.")),
            ],
            ["id"],
            [("region", "regions", "slug"), ("paper", "papers", "id")],
            round_rows,
        ),
        Table(
            "lines",
            _("Kommunernes svar"),
            _(
                "Hver kommunes svar på hver milepæl for hver kommune, pr. runde (samme tabel "
                "som rundens CSV)."
            ),
            round_line_columns(),
            ["round", "kommunekode", "milestone"],
            [("round", "rounds", "id")],
            lines,
        ),
        Table(
            "goal-progress",
            _("Fremdrift pr. mål"),
            _("Hvert måls optælling, status og beslutning pr. runde."),
            [
                _c("round", "integer", _("Runde id")),
                _c("goal", "integer", _("Mål id")),
                _c("goal_key", "string", _("Målnøgle")),
                _c("goal_number", "string", _("Mål nr."), _("Altid tekst.")),
                _c("goal_title", "string", _("Mål")),
                _c("kind", "string", _("Type"), "", codes(Goal.Kind.choices)),
                _c(
                    "verdict",
                    "string",
                    _("Status for målet"),
                    _("Portalens samlede vurdering af målet; tom, når der intet er at vurdere."),
                    GOAL_EVALUATIONS,
                ),
                _c("verdict_label", "string", _("Status for målet i ord")),
                _c(
                    "verdict_reason",
                    "string",
                    _("Hvorfor målet har sin status"),
                    _("Den samme sætning som statussiden og statuspapiret."),
                ),
                *[
                    _c(name, "integer", title, _("Antal svar med denne vurdering."))
                    for name, title in _tally_titles()
                ],
                _c("total", "integer", _("I alt")),
                _c("decision", "string", _("Beslutning"), "", codes(GoalDecision.Decision.choices)),
                _c("decision_label", "string", _("Beslutningen i ord")),
                _c("decision_comment", "string", _("Begrundelse")),
                _c("new_goal", "integer", _("Nyt mål id"), _("Det reviderede mål, eller tom.")),
            ],
            ["round", "goal"],
            [("round", "rounds", "id")],
            goal_rows,
        ),
        Table(
            "shared-answers",
            _("Fælles milepæle og klyngemilepæle"),
            _("Sekretariatets svar for milepæle, der besvares for hele KKR eller pr. klynge."),
            [
                _c("round", "integer", _("Runde id")),
                _c("goal", "integer", _("Mål id")),
                _c("milestone", "integer", _("Milepæl id")),
                _c("milestone_key", "string", _("Milepælsnøgle")),
                _c("milestone_text", "string", _("Milepæl")),
                _c("scope", "string", _("Omfang"), "", ("cluster", "joint")),
                _c("cluster", "integer", _("Klynge id"), _("Tom for en fælles milepæl.")),
                _c("cluster_name", "string", _("Klynge")),
                _c(
                    "status",
                    "string",
                    _("Status (kode)"),
                    _("Tom, når den ikke er besvaret."),
                    codes(MilestoneStatus.Status.choices),
                ),
                _c("status_label", "string", _("Status")),
                _c("evaluation", "string", _("Vurdering (kode)"), "", EVALUATIONS),
                _c("evaluation_label", "string", _("Vurdering")),
                _c("comment", "string", _("Kommentar")),
            ],
            [],
            [("round", "rounds", "id")],
            shared,
        ),
        Table(
            "indicator-values",
            _("Indikatorværdier"),
            _("Kommunernes indberettede værdier pr. runde."),
            [
                _c("round", "integer", _("Runde id")),
                _c("kommunekode", "integer", _("Kommunekode")),
                _c("indicator", "integer", _("Indikator id")),
                _c("value", "number", _("Værdi"), _("Eller tom.")),
            ],
            ["round", "kommunekode", "indicator"],
            [("round", "rounds", "id")],
            values,
        ),
    ]


def _tally_titles():
    return [(value, Evaluation(value).label) for value in EVALUATIONS]


def _goal_progress_rows(progress):
    rows = []
    for gp in progress.goals:
        goal, decision = gp.goal, gp.decision
        verdict = gp.verdict  # None for a goal with nothing to evaluate (goal_verdict)
        rows.append(
            {
                "round": progress.round.pk,
                "goal": goal.pk,
                "goal_key": goal.key,
                "goal_number": goal.number,
                "goal_title": goal.title,
                "kind": goal.kind,
                "verdict": verdict,
                "verdict_label": str(gp.verdict_label) if verdict else "",
                "verdict_reason": gp.verdict_reason,
                **{e: gp.tally[e] for e in EVALUATIONS},
                "total": gp.tally.total,
                "decision": decision.decision if decision else None,
                "decision_label": str(decision.get_decision_display()) if decision else "",
                "decision_comment": decision.comment if decision else "",
                "new_goal": decision.new_goal_id if decision else None,
            }
        )
    return rows


def _shared_rows(progress):
    names = {c.pk: c.name for c in progress.clusters}
    rows = []
    for gp in progress.goals:
        for mp in gp.shared_milestones:
            milestone = mp.milestone
            for cluster, cell in mp.cells.items():
                rows.append(
                    {
                        "round": progress.round.pk,
                        "goal": gp.goal.pk,
                        "milestone": milestone.pk,
                        "milestone_key": milestone.key,
                        "milestone_text": milestone.text,
                        "scope": milestone.scope,
                        "cluster": cluster,
                        "cluster_name": names.get(cluster, ""),
                        "status": cell.status,
                        "status_label": str(cell.status_label),
                        "evaluation": cell.evaluation,
                        "evaluation_label": str(cell.label),
                        "comment": cell.comment,
                    }
                )
    return rows


def _indicator_value_rows(progress):
    codes = {m.pk: m.kommunekode for m in progress.municipalities}
    return [
        {
            "round": progress.round.pk,
            "kommunekode": codes[municipality_id],
            "indicator": indicator_id,
            "value": value,
        }
        for (municipality_id, indicator_id), value in sorted(progress.indicator_values.items())
        if municipality_id in codes
    ]


# --- the package -------------------------------------------------------------------------------


def tables(region=None):
    """The package's tables, for all regions or one."""
    reference, rounds = _reference_tables(region)
    return reference + _published_tables(rounds)


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")  # 20, not str()'s 2E+1 for a normalized 20
    return str(value)


def csv_text(table):
    """The table as plain CSV (UTF-8, comma, a header row of column names): exact values, for
    programs (the round's spreadsheet download is the one made for Excel)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    names = [column.name for column in table.columns]
    writer.writerow(names)
    for row in table.rows:
        writer.writerow([_cell(row[name]) for name in names])
    return buffer.getvalue()


def _field(column):
    described = {"name": column.name, "type": column.type, "title": str(column.title)}
    if column.description:
        described["description"] = str(column.description)
    if column.values:
        described["constraints"] = {"enum": list(column.values)}
    return described


def table_schema(table):
    """The table's Table Schema (https://specs.frictionlessdata.io/table-schema/)."""
    schema = {"fields": [_field(column) for column in table.columns], "missingValues": [""]}
    if table.primary_key:
        schema["primaryKey"] = table.primary_key
    if table.references:
        schema["foreignKeys"] = [
            {
                "fields": column,
                "reference": {"resource": "" if other == table.name else other, "fields": key},
            }
            for column, other, key in table.references
        ]
    return schema


def descriptor(tables, region=None):
    """datapackage.json (https://specs.frictionlessdata.io/data-package/)."""
    scope = region.slug if region else None
    return {
        "name": f"kkr-maal-{scope}" if scope else "kkr-maal",
        "title": str(
            _("KKR-mål: %(region)s") % {"region": region.name}
            if region
            else _("KKR-mål: alle regioner")
        ),
        "description": str(
            _(
                "Kommunernes fælles sundhedsmål og de offentliggjorte statusrunder: regioner, "
                "kommuner, målpapirer, mål, milepæle, indikatorserier fra kilderne, runder, "
                "kommunernes svar, fremdrift pr. mål og svarene for fælles milepæle og "
                "klyngemilepæle. Id'er er API'ets "
                "(/api/v1/); nøgler (key) er de samme i enhver installation."
            )
        ),
        "homepage": settings.SITE_URL + "/",
        "created": timezone.now().replace(microsecond=0).isoformat(),
        "licenses": [LICENCE],
        "sources": [{"title": ATTRIBUTION, "path": settings.SITE_URL + "/"}],
        "resources": [
            {
                "name": table.name,
                "path": f"data/{table.name}.csv",
                "title": str(table.title),
                "description": str(table.description),
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": table_schema(table),
            }
            for table in tables
        ],
    }


def build(region=None):
    """The data package as a zip archive (bytes): datapackage.json and data/<table>.csv."""
    found = tables(region)
    buffer = io.BytesIO()
    files = [("datapackage.json", json_text(descriptor(found, region)))]
    files += [(f"data/{table.name}.csv", csv_text(table)) for table in found]
    stamp = timezone.localtime().timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in files:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = 0o644 << 16  # readable once unpacked
            archive.writestr(info, text, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def json_text(document):
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
