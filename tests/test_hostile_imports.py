"""Files that attack the imports (issue 25's review), and files a secretariat gets from the
wrong corner of Excel: each is read, or refused in one Danish sentence within seconds, and
nothing is saved. A workbook that claims a million rows or unpacks to a flood of texts, a
cell that is no value of its type, a CSV with a byte order mark over Windows-1252 bytes or in
UTF-16, a deadline in year 0, a baseline out of clusters a region does not have, figures too
large to store, an English number, a source address too long, thousands of errors, and a
sheet too large to come back with the confirmation; and a negative figure exported back as a
number, not as quoted text."""

import io
import random
import string
import time
import unicodedata
import zipfile
from decimal import Decimal
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import Workbook

from goals import paper_import
from goals.models import GoalPaper
from goals.models import Indicator
from goals.models import IndicatorSeries
from goals.paper_import import MAX_PAPER_ROWS
from goals.paper_import import read_paper
from goals.series_import import read_series
from goals.sheets import MAX_ERRORS
from goals.sheets import XLSX_MAX_SHARED_STRINGS
from goals.sheets import XLSX_MAX_UNPACKED
from goals.sheets import SheetError
from goals.sheets import read_sheet
from municipalities.models import Municipality
from tests.builders import assert_polite
from tests.builders import command_error
from tests.builders import make_series
from tests.test_paper_import import HEADER
from tests.test_paper_import import IMPORT_URL as PAPER_URL
from tests.test_paper_import import _confirmation
from tests.test_paper_import import good_rows
from tests.test_paper_import import sheet_file
from tests.test_series_import import IMPORT_URL as SERIES_URL
from tests.test_series_import import SMALL

pytestmark = pytest.mark.django_db

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
SHARED_STRINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)


@pytest.fixture
def indicator(paper):
    return Indicator.objects.get(name="Unge i forløb")


def workbook(sheet_xml=None, shared_strings=None, extra_part=None):
    """A real workbook (the template's header and a goal) with its first sheet's XML, a
    shared strings part or another part replaced as an attacker would write them."""
    book = Workbook()
    book.active.append(["Tema", "Mål nr."])
    book.active.append(["a", 1])
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for part in source.infolist():
            data = source.read(part.filename)
            if part.filename == "xl/worksheets/sheet1.xml" and sheet_xml is not None:
                data = sheet_xml.encode()
            if shared_strings is not None and part.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_STRINGS_TYPE}"/></Types>'.encode(),
                )
            if shared_strings is not None and part.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument'
                    b'/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
                )
            target.writestr(part.filename, data)
        if shared_strings is not None:
            target.writestr("xl/sharedStrings.xml", shared_strings)
        if extra_part is not None:
            target.writestr(*extra_part)
    return SimpleUploadedFile("angreb.xlsx", out.getvalue())


def _refusal(upload):
    started = time.monotonic()
    with pytest.raises(SheetError) as refused:
        read_sheet(upload)
    return str(refused.value), time.monotonic() - started


def test_a_cell_in_the_sheets_last_row_is_refused_at_once():
    """4.6 kB that claim A1:XFD1048576 held a worker 68 seconds, padding a million rows."""
    upload = workbook(
        f'<worksheet {NS}><dimension ref="A1:XFD1048576"/><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Tema</t></is></c></row>'
        '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'
        "</sheetData></worksheet>"
    )

    said, seconds = _refusal(upload)

    assert said.startswith("Regnearket går ud over række 65.536. Slet de tomme rækker")
    assert seconds < 10


@pytest.mark.parametrize(
    "upload",
    [
        # 100 MB of tiny shared strings held a worker three minutes and 600 MB.
        pytest.param(
            lambda: workbook(
                shared_strings=f"<sst {NS}>"
                + "<si><t>a</t></si>" * (XLSX_MAX_SHARED_STRINGS + 1)
                + "</sst>"
            ),
            id="shared-strings",
        ),
        pytest.param(
            lambda: workbook(extra_part=("xl/media/fyld.xml", b" " * (XLSX_MAX_UNPACKED + 1))),
            id="unpacked",
        ),
    ],
)
def test_a_workbook_that_unpacks_to_too_much_is_refused_before_it_is_read(upload):
    said, seconds = _refusal(upload())

    assert said.startswith("Regnearket indeholder for meget til at blive importeret")
    assert seconds < 10


def test_a_cell_that_is_no_value_of_its_type_is_refused_in_danish(staff, region, municipalities):
    upload = workbook(
        f'<worksheet {NS}><sheetData><row r="1"><c r="A1" t="n"><v>abc</v></c></row>'
        "</sheetData></worksheet>"
    )

    page = staff.post(
        PAPER_URL,
        {"step": "preview", "region": region.pk, "title": "T", "kind": "kkr_maal", "file": upload},
    )

    assert page.status_code == 200
    assert "Filen kan ikke læses som et regneark." in page.content.decode()


def test_a_byte_order_mark_over_windows_1252_is_read(staff, region, municipalities):
    text = "\r\n".join(";".join(row) for row in good_rows())
    upload = SimpleUploadedFile("maal.csv", b"\xef\xbb\xbf" + text.encode("cp1252"))

    page = staff.post(
        PAPER_URL,
        {"step": "preview", "region": region.pk, "title": "T", "kind": "kkr_maal", "file": upload},
    ).content.decode()

    assert "Filen giver <strong>2 temaer, 3 mål, 3 milepæle, 1 indikator</strong>" in page


def test_excels_unicode_text_is_read():
    """Excel's "Unicode-tekst (*.txt)": UTF-16 with tabs, offered by the upload's .txt."""
    text = "\r\n".join("\t".join(row) for row in good_rows())
    sheet = read_sheet(SimpleUploadedFile("maal.txt", text.encode("utf-16")))

    assert sheet.rows[0] == (1, HEADER)
    assert sheet.rows[1][1][:3] == ["Akutfunktioner", "1", "Ensartede akutfunktioner"]


def test_a_municipality_written_decomposed_is_found(indicator, region, municipalities):
    """A Mac writes "Tårnby" as a + a combining ring."""
    Municipality.objects.create(kommunekode=185, name="Tårnby", region=region)
    text = SMALL.replace("Hillerød", unicodedata.normalize("NFD", "Tårnby"))

    plan = read_series(read_sheet(SimpleUploadedFile("s.csv", text.encode())), indicator)

    assert plan.errors == []
    assert {o.area.name for o in plan.observations} == {"København", "Tårnby"}


def test_a_deadline_in_year_0_is_an_error_of_its_cell(staff, region, municipalities):
    rows = good_rows()
    rows[1][5] = "i 0000"

    page = staff.post(
        PAPER_URL,
        {"step": "preview", "region": region.pk, "title": "T", "kind": "kkr_maal",
         "file": sheet_file(rows)},
    )  # fmt: skip

    assert page.status_code == 200
    assert (
        "<td>2</td><td>F2</td><td>Frist</td><td>Fristens år skal ligge mellem 2000 og 2100."
        in unescape(page.content.decode())
    )


def test_a_baseline_out_of_clusters_the_region_does_not_have_is_an_error(other_region):
    rows = good_rows()
    rows[1][6], rows[1][7] = "klynge", "1 af 99999999999"

    plan = read_paper(read_sheet(sheet_file(rows)), other_region)

    assert [str(e) for e in plan.errors] == [
        (
            "Række 2, Udgangspunkt (H2): Udgangspunktet er ud af 99999999999 klynger, men KKR "
            "Syddanmark har 0."
        )
    ]


def test_a_paper_of_thousands_of_rows_is_refused_before_it_is_imported(region, municipalities):
    rows = [HEADER] + [
        ["Tema", str(n), f"Mål {n}", "", "Milepæl", "", "", "", "", "", ""]
        for n in range(1, MAX_PAPER_ROWS + 2)
    ]

    plan = read_paper(read_sheet(sheet_file(rows, "csv")), region)

    assert [str(e) for e in plan.errors] == [
        (
            f"Filen: Filen har {MAX_PAPER_ROWS + 1} rækker under overskriftsrækken. Et målpapir "
            f"kan højst have {MAX_PAPER_ROWS}; del det op i flere papirer."
        )
    ]


def test_reading_stops_after_a_hundred_errors(staff, indicator, municipalities):
    lines = ['"Kilde: Test"', ";" + ";".join(str(year) for year in range(2010, 2031))]
    lines += ['"101 København";' + ";".join(["abc"] * 21)] * 2000
    upload = SimpleUploadedFile("s.csv", "\r\n".join(lines).encode())

    page = unescape(
        staff.post(
            SERIES_URL, {"step": "preview", "indicator": indicator.pk, "file": upload}
        ).content.decode()
    )

    assert f"Filen har {MAX_ERRORS} fejl. Intet er gemt" in page
    assert page.count("er ikke et tal") == MAX_ERRORS - 1
    assert "Der er flere fejl, end der vises her; filen er ikke læst videre." in page
    assert "<dt>Kilde</dt><dd>Test</dd>" in page  # what was read is still named
    assert not IndicatorSeries.objects.exists()


def test_a_figure_too_large_to_store_is_an_error_of_its_cell(indicator, municipalities):
    """999999999999,99999 rounds to thirteen digits before the comma as it is stored."""
    text = SMALL.replace('"10"', '"999999999999,99999"')

    plan = read_series(read_sheet(SimpleUploadedFile("s.csv", text.encode())), indicator)

    assert [str(e) for e in plan.errors] == ["Række 4, 2017 (B4): Tallet er for stort."]


def test_figures_are_stored_as_the_preview_shows_them(indicator, municipalities):
    text = SMALL.replace('"10"', '"1,234.5"').replace('"11"', '"12,123456"')

    plan = read_series(read_sheet(SimpleUploadedFile("s.csv", text.encode())), indicator)

    values = {(o.area.name, o.year): o.value for o in plan.observations}
    assert values[("København", 2017)] == Decimal("1234.5")  # an English Excel's thousands
    assert values[("København", 2018)] == Decimal("12.1235")  # four decimals, as stored


def test_a_source_address_too_long_to_store_is_an_error(indicator, municipalities):
    text = SMALL + '"URL: https://example.com/' + "a" * 600 + '"\r\n'

    plan = read_series(read_sheet(SimpleUploadedFile("s.csv", text.encode())), indicator)

    assert [str(e) for e in plan.errors] == ["Filen: Kildens adresse må højst være 500 tegn."]


def test_a_sheet_too_large_to_confirm_is_said_at_the_preview(
    staff, region, municipalities, settings
):
    """The confirmation sends the signed sheet back: past DATA_UPLOAD_MAX_MEMORY_SIZE Django
    answers a bare 400 "Bad request", and the secretariat's preview was for nothing."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    text = random.Random(25)
    rows = [HEADER] + [
        ["Tema", str(n), "Mål", "", "".join(text.choices(string.ascii_letters, k=400))] + [""] * 6
        for n in range(1, 200)
    ]

    page = staff.post(
        PAPER_URL,
        {"step": "preview", "region": region.pk, "title": "Stort", "kind": "kkr_maal",
         "file": sheet_file(rows)},
    ).content.decode()  # fmt: skip

    assert "Filen rummer for meget tekst til at blive importeret på én gang." in page
    assert 'value="Importér som udkast"' not in page
    assert_polite(page)
    assert not GoalPaper.objects.filter(title="Stort").exists()


def test_the_command_refuses_a_title_too_long_to_store(tmp_path, region, municipalities):
    path = tmp_path / "maal.xlsx"
    path.write_bytes(sheet_file(good_rows()).read())

    said = command_error("import_paper", str(path), region="hovedstaden", title="T" * 251)

    assert said == "Titlen må højst være 250 tegn; den er 251."
    assert not GoalPaper.objects.filter(region=region, state=GoalPaper.State.DRAFT).exists()


# The form checks the title before anything is imported. "Twice": the second confirmation
# comes after the first draft was saved, and the form says so. "At once": both forms were
# checked before either draft existed, and the import finds the first's draft under the
# region's lock. Either way one draft, and a polite sentence instead of an error page.
ONE_AFTER_THE_OTHER = pytest.mark.parametrize("at_once", [False, True], ids=["twice", "at-once"])


@ONE_AFTER_THE_OTHER
def test_a_confirmation_sent_twice_makes_one_draft(
    staff, region, municipalities, monkeypatch, at_once
):
    page = staff.post(
        PAPER_URL,
        {"step": "preview", "region": region.pk, "title": "KKR-mål 2027", "kind": "kkr_maal",
         "file": sheet_file(good_rows())},
    ).content.decode()  # fmt: skip
    confirmation = _confirmation(page)
    assert staff.post(PAPER_URL, confirmation).status_code == 302
    if at_once:
        monkeypatch.setattr("goals.admin.imports.draft_refusal", lambda region, title: None)

    again = staff.post(PAPER_URL, confirmation)

    assert again.status_code == 200
    said = unescape(again.content.decode())
    assert "KKR Hovedstaden har allerede et udkast med titlen “KKR-mål 2027”." in said
    assert_polite(said)
    assert GoalPaper.objects.filter(title="KKR-mål 2027").count() == 1


def test_a_source_name_taken_between_the_look_and_the_save_gives_the_next_one(
    region, municipalities, monkeypatch
):
    """The source name is unique: a second paper from "maal.csv" is "maal.csv (2)", also
    when another import (the same file, another region) took the name between the look and
    the save, instead of an error page."""

    plan = read_paper(read_sheet(sheet_file(good_rows(), "csv")), region)
    first = paper_import.import_paper(plan, region=region, title="Første", source="maal.csv")
    look = paper_import._unique_source
    looks = []

    def looked_before_the_other_saved(name):
        looks.append(name)
        return name if len(looks) == 1 else look(name)

    monkeypatch.setattr(paper_import, "_unique_source", looked_before_the_other_saved)
    second = paper_import.import_paper(plan, region=region, title="Anden", source="maal.csv")

    assert (first.source, second.source) == ("maal.csv", "maal.csv (2)")
    assert len(looks) == 2


@ONE_AFTER_THE_OTHER
def test_the_command_run_twice_makes_one_draft(
    tmp_path, region, municipalities, monkeypatch, at_once
):
    path = tmp_path / "maal.csv"
    path.write_bytes(sheet_file(good_rows(), "csv").read())
    call_command(
        "import_paper", str(path), region="hovedstaden", title="KKR 2027", stdout=io.StringIO()
    )
    if at_once:
        monkeypatch.setattr(
            "goals.management.commands.import_paper.draft_refusal", lambda region, title: None
        )

    said = command_error("import_paper", str(path), region="hovedstaden", title="KKR 2027")

    assert said.startswith("KKR Hovedstaden har allerede et udkast med titlen “KKR 2027”.")
    assert GoalPaper.objects.filter(title="KKR 2027").count() == 1


def test_statistikbankens_codes_and_texts_name_the_region_by_its_own_code(
    indicator, region, municipalities
):
    """With "Kode og tekst", Statistikbanken writes "084 Region Hovedstaden": 84 is its own
    code for the region, which the portal knows as 1084."""
    text = SMALL + '"000 Hele landet";"20";"21"\r\n"084 Region Hovedstaden";"15";"16"\r\n'

    plan = read_series(read_sheet(SimpleUploadedFile("s.csv", text.encode())), indicator)

    assert plan.errors == []
    assert {(o.area.name, o.year): o.value for o in plan.observations}[
        ("Region Hovedstaden", 2018)
    ] == 16


def test_a_negative_figure_is_exported_as_a_number(
    client, status_history, indicator, municipalities
):
    """A CSV cell that starts with "-" is quoted against formulas; a negative figure (a fall
    in per cent) is a number, and Excel must read it as one."""
    series = make_series(indicator, [municipalities[101]])
    series.observations.filter(municipality__kommunekode=101, year=2015).update(
        value=Decimal("-1.5")
    )

    text = client.get(f"/api/v1/series/{series.pk}/observations.csv").content.decode("utf-8-sig")

    assert ";-1,5" in text
    assert "'-1,5" not in text


def test_a_workbook_with_xml_entities_is_refused():
    """openpyxl refuses DTDs and entities only with defusedxml (pinned in pyproject.toml)."""
    upload = workbook(
        '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        f'<worksheet {NS}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&b;</t></is>'
        "</c></row></sheetData></worksheet>"
    )

    said, _seconds = _refusal(upload)

    assert said.startswith("Filen kan ikke læses som et regneark.")
