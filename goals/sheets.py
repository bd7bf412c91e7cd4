"""Reading an uploaded spreadsheet: an .xlsx workbook's first sheet, or a CSV file as Danish
Excel, Statistikbanken and eSundhed write them (semicolons, UTF-8 with or without a byte
order mark, or Windows-1252).

What the imports (`goals.paper_import`, `goals.series_import`) get is a `Sheet`: its rows with
their numbers as the spreadsheet shows them, each cell as text, a number, a date or None, so
that every message can name the row and the cell (`RowError`: "Række 7, Frist (F7): …"). A file is known by
its content, not its name, and refused with a polite Danish message (`SheetError`) when it is
too large, not a spreadsheet, an Office file with macros or built to unpack to far too much
(`goals.evidence.check_office`), or too long.

A sheet travels from the preview to the import as signed data (`Sheet.dumps`/`loads`): the
file is read once, and what is imported is exactly what was previewed, checked again against
the database of the moment.
"""

import codecs
import csv
import datetime
import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.core import signing
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from goals import evidence

IMPORT_MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 100
# A preview's signed sheet is good for this long; the secretariat uploads again after it.
PREVIEW_MAX_AGE = 2 * 3600
IMPORT_ACCEPT = ".xlsx,.csv,.txt"
# What reports.exports puts before a CSV cell that starts like a formula; taken off again here,
# so an exported paper reads back as it was.
_CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class RowError:
    """What is wrong with one cell (or a whole row, or the file): its row as the spreadsheet
    numbers it, the column's header and letter."""

    message: str
    row: int | None = None
    column: str | None = None
    letter: str | None = None

    @property
    def where(self):
        if self.row is None:
            return _("Filen")
        if self.column is None:
            return _("Række %(row)s") % {"row": self.row}
        return _("Række %(row)s, %(column)s (%(cell)s)") % {
            "row": self.row,
            "column": self.column,
            "cell": f"{self.letter}{self.row}",
        }

    def __str__(self):
        return f"{self.where}: {self.message}"


class SheetError(Exception):
    """The file cannot be read as a spreadsheet; `str()` is the message for the user."""


def column_letter(index):
    """The spreadsheet's name of the column at 0-based `index`: A, B, …, Z, AA, …"""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def cell_text(value):
    """A cell as the user sees it, for messages and text fields: numbers without a needless
    ",0", dates as 31.12.2017."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        value = value.date()
    if isinstance(value, datetime.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value).strip()


@dataclass
class Sheet:
    name: str
    # (row number as the spreadsheet shows it, cells); cells are str, int, Decimal, date or None.
    rows: list
    kind: str = "csv"  # or "xlsx"

    def dumps(self, salt):
        """The sheet signed, for a hidden field of the preview (see PREVIEW_MAX_AGE)."""
        return signing.dumps(
            {"name": self.name, "kind": self.kind, "rows": [[n, _encode(c)] for n, c in self.rows]},
            salt=salt,
            compress=True,
        )

    @classmethod
    def loads(cls, data, salt):
        """The sheet a preview signed, or SheetError when it is not one or too old."""
        try:
            payload = signing.loads(data, salt=salt, max_age=PREVIEW_MAX_AGE)
        except signing.SignatureExpired:
            raise SheetError(
                _("Forhåndsvisningen er for gammel. Upload filen igen for at importere den.")
            ) from None
        except signing.BadSignature:
            raise SheetError(
                _("Forhåndsvisningen kunne ikke genkendes. Upload filen igen.")
            ) from None
        rows = [(n, [_decode(cell) for cell in cells]) for n, cells in payload["rows"]]
        return cls(name=payload["name"], rows=rows, kind=payload["kind"])


def _encode(cells):
    encoded = []
    for cell in cells:
        if isinstance(cell, datetime.date):
            encoded.append({"d": cell.isoformat()})
        elif isinstance(cell, Decimal):
            encoded.append({"n": str(cell)})
        else:
            encoded.append(cell)
    return encoded


def _decode(cell):
    if isinstance(cell, dict):
        if "d" in cell:
            return datetime.date.fromisoformat(cell["d"])
        return Decimal(cell["n"])
    return cell


def _too_large(size):
    return SheetError(
        _("Filen er for stor (%(size)s). Den må højst fylde %(limit)s.")
        % {"size": filesizeformat(size), "limit": filesizeformat(IMPORT_MAX_BYTES)}
    )


def _not_a_sheet():
    return SheetError(
        _(
            "Filen kan ikke læses som et regneark. Upload en Excel-fil (.xlsx) eller en "
            "CSV-fil med semikolon mellem felterne."
        )
    )


def read_sheet(uploaded, name=None):
    """The first sheet of an .xlsx file, or the rows of a CSV file, as a `Sheet`."""
    name = name or getattr(uploaded, "name", "") or "fil"
    size = getattr(uploaded, "size", None)
    if size is not None and size > IMPORT_MAX_BYTES:
        raise _too_large(size)
    uploaded.seek(0)
    head = uploaded.read(8)
    uploaded.seek(0)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise SheetError(
            _("Filen er i Excels gamle .xls-format. Gem den som .xlsx eller .csv, og prøv igen.")
        )
    if head.startswith(b"PK\x03\x04"):
        if evidence.evidence_type(uploaded) != "xlsx":
            raise _not_a_sheet()
        try:
            evidence.check_office(uploaded)
        except forms.ValidationError as error:
            raise SheetError(" ".join(error.messages)) from None
        return Sheet(name=name, rows=_xlsx_rows(uploaded), kind="xlsx")
    data = uploaded.read(IMPORT_MAX_BYTES + 1)
    uploaded.seek(0)
    if len(data) > IMPORT_MAX_BYTES:
        raise _too_large(len(data))
    return Sheet(name=name, rows=_csv_rows(data), kind="csv")


def _checked_row_count(number):
    if number > MAX_ROWS:
        raise SheetError(
            _("Filen har mere end %(max)s rækker. Del den op, eller udtræk færre tal.")
            % {"max": MAX_ROWS}
        )


def _trimmed(cells):
    cells = list(cells)
    while cells and (cells[-1] is None or cells[-1] == ""):
        cells.pop()
    if len(cells) > MAX_COLUMNS:
        raise SheetError(
            _("Filen har mere end %(max)s kolonner og kan ikke være et målpapir eller en serie.")
            % {"max": MAX_COLUMNS}
        )
    return cells


def _xlsx_rows(uploaded):
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(uploaded, read_only=True, data_only=True)
    # What openpyxl passes on from a broken workbook: its own error, the zip's, a missing
    # part, XML that does not parse (ElementTree's ParseError is a SyntaxError).
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError,
            IndexError, AttributeError, SyntaxError):  # fmt: skip
        raise _not_a_sheet() from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise _not_a_sheet()
        rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            _checked_row_count(number)
            cells = _trimmed(_xlsx_cell(value) for value in values)
            if cells:
                rows.append((number, cells))
        return rows
    finally:
        book.close()
        uploaded.seek(0)


def _xlsx_cell(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return int(value) if value.is_integer() else Decimal(repr(value))
    if isinstance(value, str):
        text = value.strip()
        return text or None
    if isinstance(value, (int, datetime.date)):
        return value
    return None if value is None else str(value)


def _decoded(data):
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Statistikbanken's and older Excel's CSV files are Windows-1252.
        return data.decode("cp1252", errors="replace")


def _delimiter(text):
    """Semicolon when the file has any outside quotes (Danish Excel, Statistikbanken), else
    a tab or a comma, whichever the first lines have more of."""
    sample = "\n".join(text.splitlines()[:30])
    # Outside quotes only: a title such as "Kilde: …; …" is no separator.
    unquoted = "".join(sample.split('"')[0::2])
    if ";" in unquoted:
        return ";"
    return "\t" if unquoted.count("\t") > unquoted.count(",") else ","


def _csv_rows(data):
    if b"\x00" in data:
        raise _not_a_sheet()
    text = _decoded(data)
    rows = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        for number, values in enumerate(reader, start=1):
            _checked_row_count(number)
            cells = _trimmed(_csv_cell(value) for value in values)
            if cells:
                rows.append((number, cells))
    except csv.Error:
        raise _not_a_sheet() from None
    return rows


def _csv_cell(value):
    text = value.strip()
    if text.startswith("'") and text[1:2] and text[1:2] in _CSV_FORMULA_STARTS:
        text = text[1:]
    return text or None
