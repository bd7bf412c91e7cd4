"""Spreadsheet exports: a published round's lines (one row per municipality × milestone),
the secretariat's overview of a round, an indicator's series from its source (one row per area
and year, `/api/v1/series/<id>/observations.csv`) and a goal paper in the import
template's columns (`reports/sheet_downloads.py`), as CSV or Excel (.xlsx).

The public status page links here through the API (`/api/v1/rounds/<id>/lines.csv` and
`lines.xlsx`), and `/sekretariat/` offers the overview. Both formats open right in Danish
Excel:

- CSV is UTF-8 with a byte order mark (so Excel reads æ ø å) and semicolons between fields
  (Danish Excel reads the comma as the decimal sign, so decimal numbers have one);
- text that begins with =, +, -, @, a tab or a carriage return is never read as a formula:
  in CSV it gets a leading apostrophe (OWASP's advice), in .xlsx it is stored as text with
  Excel's own "quote prefix", so it shows exactly as written.

A round's lines are open data too: their columns (`ROUND_LINE_COLUMNS`) have fixed machine
names, the same in every language and in the API's JSON, and one type each in every region
(a goal's number is text, "1" as well as "1.1 a"). The header row holds the names; the
titles and descriptions in the reader's language are in the workbook's second sheet and in
the Table Schema of the data package (reports/datapackage.py), which has the same table.
"""

import csv
import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from goals.evaluation import EVALUATIONS
from goals.models import IndicatorObservation
from goals.models import MilestoneStatus
from goals.models import StatusReport

CSV_SEPARATOR = ";"
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value):
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralise(value):
    """A CSV cell that no spreadsheet will evaluate."""
    return "'" + value if is_formula_like(value) else value


@dataclass(frozen=True)
class Column:
    """A column of an open-data table: its machine name (fixed, in every language), its type
    as Table Schema names it (string, integer, number, boolean, date, datetime), its title and
    description (translated when read), and for a code the values it takes."""

    name: str
    type: str
    title: str
    description: str = ""
    values: tuple = ()


def codes(choices):
    """A choice field's codes, for a `Column`'s values."""
    return tuple(value for value, _label in choices if value)


# The columns a round's lines and an indicator series share, worded once.
REGION = Column("region", "string", gettext_lazy("Region"), gettext_lazy("Regionens korte navn."))
GOAL = Column("goal", "integer", gettext_lazy("Mål id"), gettext_lazy("Målets id."))
GOAL_KEY = Column(
    "goal_key",
    "string",
    gettext_lazy("Målnøgle"),
    gettext_lazy("Målets faste nøgle (papir:målnummer)."),
)
GOAL_NUMBER = Column(
    "goal_number",
    "string",
    gettext_lazy("Mål nr."),
    gettext_lazy("Målets nummer som trykt; altid tekst."),
)


def round_line_columns():
    """The columns of a round's lines, in the order of the files."""
    return [
        Column(
            "round",
            "integer",
            gettext_lazy("Runde id"),
            gettext_lazy("Statusrundens id (/api/v1/rounds/)."),
        ),
        REGION,
        Column("year", "integer", gettext_lazy("År"), gettext_lazy("Året, der gøres status for.")),
        Column(
            "kommunekode",
            "integer",
            gettext_lazy("Kommunekode"),
            gettext_lazy("Den officielle kommunekode."),
        ),
        Column("municipality", "string", gettext_lazy("Kommune"), gettext_lazy("Kommunens navn.")),
        Column(
            "cluster",
            "integer",
            gettext_lazy("Klynge id"),
            gettext_lazy("Sundhedsklyngens id, eller tom."),
        ),
        Column(
            "cluster_name",
            "string",
            gettext_lazy("Klynge"),
            gettext_lazy("Sundhedsklyngens navn, eller tom."),
        ),
        GOAL,
        GOAL_KEY,
        GOAL_NUMBER,
        Column("goal_title", "string", gettext_lazy("Mål"), gettext_lazy("Målets titel.")),
        Column("milestone", "integer", gettext_lazy("Milepæl id"), gettext_lazy("Milepælens id.")),
        Column(
            "milestone_key",
            "string",
            gettext_lazy("Milepælsnøgle"),
            gettext_lazy("Milepælens faste nøgle (papir:målnummer:plads)."),
        ),
        Column(
            "milestone_text",
            "string",
            gettext_lazy("Milepæl"),
            gettext_lazy("Milepælen som trykt."),
        ),
        Column("due", "date", gettext_lazy("Frist"), gettext_lazy("Milepælens frist, eller tom.")),
        Column(
            "report_state",
            "string",
            gettext_lazy("Indberetningens tilstand"),
            gettext_lazy(
                "Kommunens indberetning: kun submitted og approved tæller; tom uden indberetning."
            ),
            codes(StatusReport.State.choices),
        ),
        Column(
            "status",
            "string",
            gettext_lazy("Status (kode)"),
            gettext_lazy("Kommunens status; tom, når linjen ikke er besvaret."),
            codes(MilestoneStatus.Status.choices),
        ),
        Column(
            "status_label",
            "string",
            gettext_lazy("Kommunens status"),
            gettext_lazy("Kommunens status i ord."),
        ),
        Column(
            "evaluation",
            "string",
            gettext_lazy("Vurdering (kode)"),
            gettext_lazy("Portalens vurdering af svaret."),
            tuple(EVALUATIONS),
        ),
        Column(
            "evaluation_label",
            "string",
            gettext_lazy("Vurdering"),
            gettext_lazy("Vurderingen i ord."),
        ),
        Column(
            "comment", "string", gettext_lazy("Kommentar"), gettext_lazy("Kommunens kommentar.")
        ),
        Column(
            "evidence_url",
            "string",
            gettext_lazy("Link til dokumentation"),
            gettext_lazy("Link, eller tom."),
        ),
    ]


def round_lines(progress):
    """One dict per municipality × milestone the municipalities answer in the round, in the
    order of the status paper: municipalities by name, goals and milestones as printed. Its
    keys are `round_line_columns()`'s names."""
    region, status_round = progress.region, progress.round
    rows = []
    for municipality in progress.municipalities:
        report = progress.reports.get(municipality.pk) or {}
        cluster = municipality.cluster
        for line in progress.municipality_lines(municipality):
            milestone, cell, goal = line.milestone.milestone, line.cell, line.goal.goal
            rows.append(
                {
                    "round": status_round.pk,
                    "region": region.slug,
                    "year": status_round.year,
                    "kommunekode": municipality.kommunekode,
                    "municipality": municipality.name,
                    "cluster": cluster.pk if cluster else None,
                    "cluster_name": cluster.name if cluster else "",
                    "goal": goal.pk,
                    "goal_key": goal.key,
                    "goal_number": goal.number,
                    "goal_title": goal.title,
                    "milestone": milestone.pk,
                    "milestone_key": milestone.key,
                    "milestone_text": milestone.text,
                    "due": milestone.due,
                    "report_state": report.get("state") or None,
                    "status": cell.status,
                    "status_label": str(cell.status_label),
                    "evaluation": cell.evaluation,
                    "evaluation_label": str(cell.label),
                    "comment": cell.comment,
                    "evidence_url": cell.evidence_url,
                }
            )
    return rows


def column_sheet_rows(columns):
    """The columns described, one row each (name, title, type, description, codes), for the
    workbook's second sheet."""
    return [
        {
            "name": column.name,
            "title": str(column.title),
            "type": column.type,
            "description": str(column.description),
            "values": ", ".join(column.values),
        }
        for column in columns
    ]


def column_sheet_columns():
    return [
        ("name", _("Kolonne")),
        ("title", _("Titel")),
        ("type", _("Type")),
        ("description", _("Beskrivelse")),
        ("values", _("Koder")),
    ]


def round_overview(status_round, reports, today=None):
    """The secretariat's cockpit of a round as rows, one dict per municipality's report, with
    the cockpit's columns: state (and whether nobody has started), "Ingen indberetter" where
    the municipality has no reporter (`with_reporter()`), lines filled, last activity,
    days left or overdue, the last reminder (the daily job's or the secretariat's).
    `reports` as the cockpit loads them (`StatusReportQuerySet.with_lines_filled()` and
    `with_last_reminder()`, municipality, cluster and users loaded)."""
    today = today or timezone.localdate()
    rows = []
    for report in reports:
        days_left, days_over = report.days_left(today), report.days_overdue(today)
        untouched = report.is_untouched
        rows.append(
            {
                "kommunekode": report.municipality.kommunekode,
                "municipality": report.municipality.name,
                "cluster": report.municipality.cluster.name if report.municipality.cluster else "",
                "state": str(report.get_state_display()),
                "untouched": _("ja") if untouched else "",
                "reporter": "" if report.has_reporter else _("Ingen indberetter"),
                "lines_filled": report.lines_filled,
                "lines_total": report.lines_total,
                "updated_at": None if untouched else report.updated_at,
                "updated_by": "" if untouched else _user_name(report.updated_by),
                # Either one, while the report is still due in an open round.
                "days_left": "" if days_left is None or days_over else days_left,
                "days_over": "" if days_over is None else days_over,
                "last_reminded_at": report.last_reminded_at,
                "submitted_at": report.submitted_at,
                "submitted_by": _user_name(report.submitted_by),
                "review_comment": report.review_comment,
            }
        )
    return rows


def round_overview_columns():
    return [
        ("kommunekode", _("Kommunekode")),
        ("municipality", _("Kommune")),
        ("cluster", _("Klynge")),
        ("state", _("Tilstand")),
        ("untouched", _("Ikke påbegyndt")),
        ("reporter", _("Indberetter")),
        ("lines_filled", _("Linjer udfyldt")),
        ("lines_total", _("Linjer i alt")),
        ("updated_at", _("Senest aktiv")),
        ("updated_by", _("Senest aktiv af")),
        ("days_left", _("Dage til fristen")),
        ("days_over", _("Dage over fristen")),
        ("last_reminded_at", _("Sidste påmindelse")),
        ("submitted_at", _("Indsendt")),
        ("submitted_by", _("Indsendt af")),
        ("review_comment", _("Sekretariatets kommentar")),
    ]


def _user_name(user):
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _plain(value):
    """A value as a spreadsheet cell holds it: local time without zone, text as text."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None, microsecond=0)
    if isinstance(value, str):
        # Control characters are not allowed in .xlsx (and mean nothing in a CSV cell).
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _csv_plain(value):
    """A CSV cell: a decimal number with a decimal comma, as Danish Excel reads it."""
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", ",")
    return _plain(value)


def _csv_cell(value):
    """A value as its CSV cell: text neutralised against formulas, a number (-1,5) as it is."""
    cell = _csv_plain(value)
    return neutralise(cell) if isinstance(value, str) else cell


def csv_response(filename, columns, rows):
    """`rows` as CSV for Danish Excel; `columns` as (key, header) pairs."""
    buffer = io.StringIO()
    buffer.write("\ufeff")  # the BOM tells Excel the file is UTF-8
    writer = csv.writer(buffer, delimiter=CSV_SEPARATOR, lineterminator="\r\n")
    writer.writerow([neutralise(str(header)) for _key, header in columns])
    for row in rows:
        writer.writerow([_csv_cell(row[key]) for key, _header in columns])
    return _attachment(buffer.getvalue().encode("utf-8"), CSV_TYPE, filename)


def _sheet(sheet, columns, rows):
    sheet.append([str(header) for _key, header in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        values = [_plain(row[key]) for key, _header in columns]
        sheet.append(values)
        for cell, value in zip(sheet[sheet.max_row], values, strict=True):
            if is_formula_like(value):
                # openpyxl would store "=…" as a formula; as text with the quote prefix, Excel
                # shows it as written and never calculates it.
                cell.value = value
                cell.data_type = "s"
                cell.quotePrefix = True
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions  # Excel's filter buttons on the header row
    for column in sheet.iter_cols():
        # As wide as the longest line in the column, within reason (Excel's default is 13
        # whatever the column holds).
        longest = max(_cell_width(cell.value) for cell in column)
        sheet.column_dimensions[column[0].column_letter].width = min(max(longest + 2, 8), 60)


def _cell_width(value):
    """About how many characters wide Excel shows `value`."""
    if value is None:
        return 0
    if isinstance(value, datetime.datetime):
        return 16  # 2026-12-06 14:30
    if isinstance(value, datetime.date):
        return 10
    return max(len(line) for line in str(value).splitlines() or [""])


def xlsx_response(filename, sheet_title, columns, rows, described=None):
    """`rows` as an .xlsx workbook; `columns` as (key, header) pairs. With `described` (a
    list of `Column`), a second sheet describes the columns."""
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title[:31]  # Excel's limit for a sheet name
    _sheet(sheet, columns, rows)
    if described:
        _sheet(
            book.create_sheet(_("Kolonner")), column_sheet_columns(), column_sheet_rows(described)
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return _attachment(buffer.getvalue(), XLSX_TYPE, filename)


def _attachment(content, content_type, filename):
    response = HttpResponse(content, content_type=content_type)
    # ASCII as it is; anything else as RFC 6266's filename*, never raw bytes in a header.
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def export_response(fmt, name, sheet_title, columns, rows):
    """The rows as a CSV or .xlsx download named `name`.csv / `name`.xlsx; `columns` as
    (key, header) pairs."""
    if fmt == "xlsx":
        return xlsx_response(f"{name}.xlsx", sheet_title, columns, rows)
    return csv_response(f"{name}.csv", columns, rows)


# --- an indicator's series (issue 25): one row per area and year ---------------------------


def series_rows(*series):
    """The values of one or more `IndicatorSeries` as rows (one query), series by series; in
    each the whole country and the region first, then the municipalities by name, each year
    by year; every row names the source. Its keys are `series_columns()`'s names."""
    observations = IndicatorObservation.objects.filter(series__in=series).select_related(
        "municipality", "region", "series__indicator__goal__paper__region"
    )
    place = {s.pk: place for place, s in enumerate(series)}
    level_order = {"national": 0, "region": 1, "municipality": 2}
    ordered = sorted(
        observations,
        key=lambda o: (place[o.series_id], level_order[o.level], o.area_name, o.year),
    )
    rows = []
    for o in ordered:
        found, indicator = o.series, o.series.indicator
        goal = indicator.goal
        rows.append(
            {
                "series": found.pk,
                "region": goal.paper.region.slug,
                "goal": goal.pk,
                "goal_key": goal.key,
                "goal_number": goal.number,
                "indicator": indicator.pk,
                "indicator_name": indicator.name,
                "level": o.level,
                "kommunekode": o.municipality.kommunekode if o.municipality_id else None,
                "area": o.area_name,
                "year": o.year,
                "value": o.value.normalize(),
                "unit": found.unit or indicator.unit,
                "source": found.source_name,
                "source_url": found.source_url,
                "table": found.table_id,
                "fetched_on": found.fetched_on,
            }
        )
    return rows


def series_columns():
    """The columns of an indicator series' values, in the order of the files (and the data
    package's table indicator-series)."""
    return [
        Column("series", "integer", gettext_lazy("Serie id"), gettext_lazy("Seriens id.")),
        REGION,
        GOAL,
        GOAL_KEY,
        GOAL_NUMBER,
        Column(
            "indicator", "integer", gettext_lazy("Indikator id"), gettext_lazy("Indikatorens id.")
        ),
        Column(
            "indicator_name",
            "string",
            gettext_lazy("Indikator"),
            gettext_lazy("Indikatorens navn."),
        ),
        Column(
            "level",
            "string",
            gettext_lazy("Niveau"),
            gettext_lazy(
                "municipality (en kommune), region (regionen) eller national (hele landet)."
            ),
            codes(IndicatorObservation.Level.choices),
        ),
        Column(
            "kommunekode",
            "integer",
            gettext_lazy("Kommunekode"),
            gettext_lazy("Kommunens kode; tom for regionen og hele landet."),
        ),
        Column(
            "area", "string", gettext_lazy("Område"), gettext_lazy("Kommunens eller områdets navn.")
        ),
        Column("year", "integer", gettext_lazy("År"), gettext_lazy("Året.")),
        Column(
            "value",
            "number",
            gettext_lazy("Værdi"),
            gettext_lazy("Værdien (i CSV-filen med decimalkomma, som dansk Excel læser den)."),
        ),
        Column(
            "unit",
            "string",
            gettext_lazy("Enhed"),
            gettext_lazy("Enheden, som kilden angiver den."),
        ),
        Column(
            "source",
            "string",
            gettext_lazy("Kilde"),
            gettext_lazy("Kilden, fx Danmarks Statistik."),
        ),
        Column(
            "source_url",
            "string",
            gettext_lazy("Kildens adresse"),
            gettext_lazy("Kildens webadresse, eller tom."),
        ),
        Column(
            "table",
            "string",
            gettext_lazy("Tabel"),
            gettext_lazy("Tabellens id i kilden, eller tom."),
        ),
        Column(
            "fetched_on",
            "date",
            gettext_lazy("Hentet"),
            gettext_lazy("Den dag tallene blev hentet fra kilden."),
        ),
    ]


def table_response(fmt, name, sheet_title, columns, rows):
    """Rows of an open-data table (`columns`: a list of `Column`) as CSV or .xlsx named
    `name`.csv / `name`.xlsx: the columns' machine names in the header row, the same in every
    language, and in the workbook a second sheet that describes them in the reader's."""
    named = [(column.name, column.name) for column in columns]
    if fmt == "xlsx":
        return xlsx_response(f"{name}.xlsx", sheet_title, named, rows, described=columns)
    return csv_response(f"{name}.csv", named, rows)


def round_lines_response(fmt, progress):
    """A published round's lines as open data (`table_response`)."""
    return table_response(
        fmt,
        f"status-{progress.region.slug}-{progress.round.year}",
        _("Status %(year)s") % {"year": progress.round.year},
        round_line_columns(),
        round_lines(progress),
    )
