"""Reading an uploaded spreadsheet: an .xlsx workbook's first sheet, or a CSV file as Danish
Excel, Statistikbanken and eSundhed write them (semicolons, UTF-8 with or without a byte
order mark, or Windows-1252).

What the imports (`goals.paper_import`, `goals.series_import`) get is a `Sheet`: its rows with
their numbers as the spreadsheet shows them, each cell as text, a number, a date or None, so
that every message can name the row and the cell (`RowError`: "Række 7, Frist (F7): …"). A file is known by
its content, not its name, and refused with a polite Danish message (`SheetError`) when it is
too large, not a spreadsheet, an Office file with macros or built to unpack to far too much
(`goals.evidence.inspect`), or too long.

A sheet travels from the preview to the import as signed data (`Sheet.dumps`/`loads`): the
file is read once, and what is imported is exactly what was previewed, checked again against
the database of the moment.
"""

import codecs
import csv
import datetime
import io
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from decimal import Decimal

from django.core import signing
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from goals import evidence

IMPORT_MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 100
# A workbook's parts unpacked: a series of MAX_ROWS rows fits in a few megabytes. The evidence
# check (`goals.evidence.inspect`) allows far more, but openpyxl parses about a megabyte
# a second here, and reads every shared string before the first row: 100 MB of tiny strings
# held a worker three minutes.
XLSX_MAX_UNPACKED = 8 * 1024 * 1024
XLSX_MAX_SHARED_STRINGS = MAX_ROWS * 5
# The last row number read: the old Excel's last row, far below the million a sheet may claim.
XLSX_MAX_ROW_NUMBER = 65_536
# More errors than this are not read nor shown: a file this wrong is another file.
MAX_ERRORS = 100
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


class TooManyErrors(Exception):
    """Raised by an import's reader at its error before MAX_ERRORS: the rest is not read,
    and `too_many_errors()` is the plan's last."""


def too_many_errors():
    """The last error of a plan whose reading stopped: a file this wrong is not read on, and
    a page of thousands of errors helps no one."""
    return RowError(
        _(
            "Der er flere fejl, end der vises her; filen er ikke læst videre. Ret disse, og upload filen igen."
        )
    )


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
        # Sizes first (the workbook's own limits, said in its words), then the evidence
        # check (in its child process) names the package and what it can do.
        _check_xlsx_size(uploaded)
        kind, finding = evidence.inspect("zip", uploaded)
        if finding and finding != "office_unreadable":
            raise SheetError(str(evidence.FINDINGS[finding]))
        if kind != "xlsx":
            raise _not_a_sheet()
        return Sheet(name=name, rows=_xlsx_rows(uploaded), kind="xlsx")
    data = uploaded.read(IMPORT_MAX_BYTES + 1)
    uploaded.seek(0)
    if len(data) > IMPORT_MAX_BYTES:
        raise _too_large(len(data))
    return Sheet(name=name, rows=_csv_rows(data), kind="csv")


def _too_many_rows():
    return SheetError(
        _("Filen har mere end %(max)s rækker. Del den op, eller udtræk færre tal.")
        % {"max": MAX_ROWS}
    )


def _checked_rows(numbered):
    """The rows that have a cell, (number, cells), at most MAX_ROWS of them."""
    rows = []
    for number, values in numbered:
        cells = _trimmed(values)
        if cells:
            if len(rows) == MAX_ROWS:
                raise _too_many_rows()
            rows.append((number, cells))
    return rows


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


_SHARED_STRING = re.compile(rb"<(?:\w+:)?si[\s/>]")


def _check_xlsx_size(uploaded):
    """Refuse a workbook that unpacks to more than XLSX_MAX_UNPACKED or holds more than
    XLSX_MAX_SHARED_STRINGS texts, before openpyxl reads it (the zip's sizes are checked as
    it is read: a part is never read past the size it declares)."""
    uploaded.seek(0)
    try:
        with zipfile.ZipFile(uploaded) as archive:
            parts = archive.infolist()
            if sum(part.file_size for part in parts) > XLSX_MAX_UNPACKED:
                raise _too_much_content()
            strings = next((p for p in parts if p.filename.endswith("sharedStrings.xml")), None)
            if strings is not None and _count_shared_strings(archive, strings) > (
                XLSX_MAX_SHARED_STRINGS
            ):
                raise _too_much_content()
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, zlib.error):
        raise _not_a_sheet() from None
    finally:
        uploaded.seek(0)


def _count_shared_strings(archive, part):
    count, tail = 0, b""
    with archive.open(part) as stream:
        while count <= XLSX_MAX_SHARED_STRINGS and (chunk := stream.read(1024 * 1024)):
            # A tag cut in two by the chunks is found once: in the tail and the next chunk.
            data = tail + chunk
            count += sum(1 for found in _SHARED_STRING.finditer(data) if found.end() > len(tail))
            tail = data[-16:]
    return count


def _too_much_content():
    return SheetError(
        _(
            "Regnearket indeholder for meget til at blive importeret: højst %(max)s rækker "
            "og %(columns)s kolonner. Del det op, eller gem kun tabellen."
        )
        % {"max": MAX_ROWS, "columns": MAX_COLUMNS}
    )


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
        # The sheet's own "dimension" may claim a million rows and 16,384 columns; openpyxl
        # would pad every row to it. Read the cells that are there, one column past the most.
        sheet.reset_dimensions()
        values = sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True)
        return _checked_rows(
            (n, [_xlsx_cell(value) for value in row]) for n, row in _filled(values)
        )
    # A cell's XML that is no value of its type ("abc" as a number) fails only as it is read.
    except (KeyError, ValueError, TypeError, IndexError, AttributeError, SyntaxError):
        raise _not_a_sheet() from None
    finally:
        book.close()
        uploaded.seek(0)


def _filled(rows):
    """(number, row) of the rows with a cell. openpyxl gives every row up to the last one
    there is, a million empty ones when a cell sits in the sheet's last row: refused at the
    first row past XLSX_MAX_ROW_NUMBER."""
    for number, row in enumerate(rows, start=1):
        if number > XLSX_MAX_ROW_NUMBER:
            raise SheetError(
                _(
                    "Regnearket går ud over række %(max)s. Slet de tomme rækker under tabellen, "
                    "eller kopiér tabellen over i et nyt regneark."
                )
                % {"max": f"{XLSX_MAX_ROW_NUMBER:,}".replace(",", ".")}
            )
        if row.count(None) < len(row):
            yield number, row


def _xlsx_cell(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return int(value) if value.is_integer() else Decimal(repr(value))
    if isinstance(value, str):
        text = unicodedata.normalize("NFC", value.strip())
        return text or None
    if isinstance(value, (int, datetime.date)):
        return value
    return None if value is None else str(value)


def _decoded(data):
    """The text of a CSV file: UTF-8 (with or without a byte order mark), UTF-16 with one
    (Excel's "Unicode-tekst"), else Windows-1252 (Statistikbanken's and older Excel's CSV);
    composed, so that a Mac's "Tårnby" (a + ring) is the portal's."""
    for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            text = data[len(bom) :].decode(encoding, errors="replace")
            break
    else:
        data = data.removeprefix(codecs.BOM_UTF8)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise _not_a_sheet()
    return unicodedata.normalize("NFC", text)


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
    text = _decoded(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        return _checked_rows(
            (number, [_csv_cell(value) for value in values])
            for number, values in enumerate(reader, start=1)
        )
    except csv.Error:
        raise _not_a_sheet() from None


def _csv_cell(value):
    text = value.strip()
    if text.startswith("'") and text[1:2] and text[1:2] in _CSV_FORMULA_STARTS:
        text = text[1:]
    return text or None
