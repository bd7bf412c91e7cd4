"""Spreadsheet exports: a published round's lines (one row per municipality × milestone) and
the secretariat's overview of a round, as CSV or Excel (.xlsx).

The public status page links here through the API (`/api/v1/rounds/<id>/lines/?format=csv`),
and `/sekretariat/` offers the overview. Both formats open right in Danish Excel:

- CSV is UTF-8 with a byte order mark (so Excel reads æ ø å) and semicolons between fields
  (Danish Excel reads the comma as the decimal sign);
- text that begins with =, +, -, @, a tab or a carriage return is never read as a formula:
  in CSV it gets a leading apostrophe (OWASP's advice), in .xlsx it is stored as text with
  Excel's own "quote prefix", so it shows exactly as written.
"""

import csv
import datetime
import io

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

CSV_SEPARATOR = ";"
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value):
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralise(value):
    """A CSV cell that no spreadsheet will evaluate."""
    return "'" + value if is_formula_like(value) else value


def round_lines(progress):
    """One dict per municipality × milestone the municipalities answer in the round, in the
    order of the status paper: municipalities by name, goals and milestones as printed."""
    region, status_round = progress.region, progress.round
    rows = []
    for municipality in progress.municipalities:
        report = progress.reports.get(municipality.pk) or {}
        cluster = municipality.cluster
        for line in progress.municipality_lines(municipality):
            milestone, cell = line.milestone.milestone, line.cell
            rows.append(
                {
                    "region": region.slug,
                    "year": status_round.year,
                    "kommunekode": municipality.kommunekode,
                    "municipality": municipality.name,
                    "cluster": cluster.name if cluster else "",
                    "goal_number": line.goal.goal.number,
                    "goal": line.goal.goal.title,
                    "milestone": milestone.pk,
                    "milestone_text": milestone.text,
                    "due": milestone.due,
                    "report_state": report.get("state", ""),
                    "status": cell.status,
                    "status_label": str(cell.status_label),
                    "evaluation": cell.evaluation,
                    "evaluation_label": str(cell.label),
                    "comment": cell.comment,
                    "evidence_url": cell.evidence_url,
                }
            )
    return rows


def round_lines_columns():
    """(key, header) of the round export's columns, headers in the active language."""
    return [
        ("region", _("Region")),
        ("year", _("År")),
        ("kommunekode", _("Kommunekode")),
        ("municipality", _("Kommune")),
        ("cluster", _("Klynge")),
        ("goal_number", _("Mål nr.")),
        ("goal", _("Mål")),
        ("milestone", _("Milepæl id")),
        ("milestone_text", _("Milepæl")),
        ("due", _("Frist")),
        ("status_label", _("Kommunens status")),
        ("evaluation_label", _("Vurdering")),
        ("comment", _("Kommentar")),
        ("evidence_url", _("Link til dokumentation")),
        ("status", _("Status (kode)")),
        ("evaluation", _("Vurdering (kode)")),
    ]


def round_overview(status_round, reports, today=None):
    """The secretariat's cockpit of a round as rows, one dict per municipality's report, with
    the cockpit's columns: state (and whether nobody has started), "Ingen indberetter" where
    the municipality has no reporter (`with_reporter()`), lines filled, last activity,
    days left or overdue, the last reminder sent by hand. `reports` as the cockpit loads them
    (`StatusReportQuerySet.with_lines_filled()` and `with_last_reminder()`, municipality,
    cluster and users loaded)."""
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
        ("last_reminded_at", _("Sidste påmindelse fra sekretariatet")),
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


def csv_response(filename, columns, rows):
    buffer = io.StringIO()
    buffer.write("\ufeff")  # the BOM tells Excel the file is UTF-8
    writer = csv.writer(buffer, delimiter=CSV_SEPARATOR, lineterminator="\r\n")
    writer.writerow([neutralise(str(header)) for _key, header in columns])
    for row in rows:
        writer.writerow([neutralise(_plain(row[key])) for key, _header in columns])
    return _attachment(buffer.getvalue().encode("utf-8"), CSV_TYPE, filename)


def xlsx_response(filename, sheet_title, columns, rows):
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title[:31]  # Excel's limit for a sheet name
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
    buffer = io.BytesIO()
    book.save(buffer)
    return _attachment(buffer.getvalue(), XLSX_TYPE, filename)


def _attachment(content, content_type, filename):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_response(fmt, name, sheet_title, columns, rows):
    """The rows as a CSV or .xlsx download named `name`.csv / `name`.xlsx."""
    if fmt == "xlsx":
        return xlsx_response(f"{name}.xlsx", sheet_title, columns, rows)
    return csv_response(f"{name}.csv", columns, rows)
