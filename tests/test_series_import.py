"""An indicator's series from a file as Statistikbanken and eSundhed publish them (issue 25):
both sample files of fixtures/series/, the shapes of the real publications (a header block,
semicolons, decimal comma, Windows-1252, municipalities by name or code, years as columns or
rows), an error per row and cell, the command with --dry-run, the admin's upload → preview →
import for the region's own secretariat only, and a failing file that changes nothing."""

import csv
import datetime
import io
import re
from decimal import Decimal
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import Workbook
from openpyxl import load_workbook

from goals.loading import FIXTURES_DIR
from goals.models import Indicator
from goals.models import IndicatorObservation
from goals.models import IndicatorSeries
from goals.series_import import read_series
from goals.series_import import store_series
from goals.sheets import read_sheet
from reports.demo import import_demo_series
from tests.builders import command_error

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/goals/indicatorseries/import/"


def upload(text, name="serie.csv", encoding="utf-8-sig"):
    return SimpleUploadedFile(name, text.encode(encoding))


def xlsx_upload(rows, name="serie.xlsx"):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


@pytest.fixture
def indicator(paper):
    return Indicator.objects.get(name="Unge i forløb")


# A Statistikbanken export as it comes: Windows-1252, the table's id in its title, two stub
# columns (the area named once for its rows), ".." where a figure is not published, thousands
# dots and a decimal comma, and the source in a note under the table.
STATISTIKBANKEN = (
    '"UNGE1: Unge i forløb efter område, alder og tid"\r\n'
    '"Enhed: Antal"\r\n'
    "\r\n"
    ';;"2016";"2017";"2018"\r\n'
    '"Hele landet";"15-24 år";"12.345,5";"12.000";"11.800,25"\r\n'
    '"Region Hovedstaden";"15-24 år";"4.100";"4.050";"3.990"\r\n'
    '"101 København";"15-24 år";"1.800";"1.790,5";"1.700"\r\n'
    '"147 Frederiksberg";"15-24 år";"..";"300";"310"\r\n'
    '"219 Hillerød";"15-24 år";"80";"79";"77"\r\n'
    '"461 Odense";"15-24 år";"900";"880";"870"\r\n'
    '"411 Christiansø";"15-24 år";"..";"..";".."\r\n'
    "\r\n"
    '"Kilde: Danmarks Statistik, Statistikbanken"\r\n'
    '"Hentet: 02.04.2024"\r\n'
)


def test_a_statistikbanken_export_is_read_as_published(
    indicator, municipalities, other_municipality
):
    sheet = read_sheet(upload(STATISTIKBANKEN, encoding="cp1252"))

    plan = read_series(sheet, indicator)

    assert plan.errors == []
    assert plan.layout == "columns"
    meta = plan.meta
    assert (meta.title, meta.table_id, meta.unit) == (
        "Unge i forløb efter område, alder og tid",
        "UNGE1",
        "Antal",
    )
    assert meta.source_name == "Danmarks Statistik, Statistikbanken"
    assert meta.fetched_on == datetime.date(2024, 4, 2)
    values = {(o.area.name, o.year): o.value for o in plan.observations}
    assert values[("Hele landet", 2016)] == Decimal("12345.5")
    assert values[("Region Hovedstaden", 2018)] == Decimal(3990)
    assert values[("København", 2017)] == Decimal("1790.5")
    assert ("Frederiksberg", 2016) not in values and values[("Frederiksberg", 2017)] == 300
    assert not any(name == "Odense" for name, _year in values)
    assert plan.notices == [
        "2 rækker for områder uden for Hovedstaden er sprunget over.",
        "1 værdi mangler i kilden (“..” eller tom) og gemmes ikke.",
    ]
    assert plan.summary() == "14 værdier for 3 kommuner, 2016–2018"


def test_an_esundhed_table_with_years_as_rows_and_a_chosen_column(indicator, municipalities):
    rows = [
        ["Unge i forløb, 15-24 år"],
        ["Kilde: eSundhed, Sundhedsdatastyrelsen"],
        ["Udtræk: 15-03-2024"],
        [],
        ["Kommunekode", "Kommune", "År", "Antal", "Andel (pct.)"],
        [101, "Københavns Kommune", 2019, 1800, 12.5],
        [101, "Københavns Kommune", 2020, 1750, 12.25],
        [147, "Frederiksberg", 2019, 300, 9.75],
        [None, "Hele landet", 2019, 12000, 11],
    ]
    sheet = read_sheet(xlsx_upload(rows))

    undecided = read_series(sheet, indicator)
    plan = read_series(sheet, indicator, value_column="andel (pct.)")

    assert [str(e) for e in undecided.errors] == [
        (
            "Række 5: Tabellen har flere kolonner med tal: “Antal” (D5), “Andel (pct.)” (E5). Skriv "
            "navnet på den, der er indikatorens værdi, i feltet “Kolonne med værdien”."
        )
    ]
    assert plan.errors == [] and plan.layout == "rows"
    assert {(o.area.name, o.year): o.value for o in plan.observations} == {
        ("København", 2019): Decimal("12.5"),
        ("København", 2020): Decimal("12.25"),
        ("Frederiksberg", 2019): Decimal("9.75"),
        ("Hele landet", 2019): Decimal(11),
    }
    assert plan.meta.unit == "Andel (pct.)"  # the column says what is counted
    assert plan.meta.fetched_on == datetime.date(2024, 3, 15)
    assert "Filen har ingen tal for: Hillerød." in plan.notices


def test_every_error_is_named_by_row_and_cell(indicator, municipalities):
    text = (
        '"Unge i forløb"\r\n'
        ';"2017";"2018"\r\n'
        '"København";"10";"11"\r\n'
        '"Frederiksbjerg";"12";"13"\r\n'
        '"Hillerød";"12,x";"14"\r\n'
        '"København";"9";"10"\r\n'
    )

    plan = read_series(read_sheet(upload(text)), indicator)

    assert [str(e) for e in plan.errors] == [
        (
            "Række 4, Område (A4): “Frederiksbjerg” er hverken en kommune, en region eller hele "
            "landet. Skriv kommunens navn eller kommunekode, fx “Aarhus” eller 751."
        ),
        (
            "Række 5, 2017 (B5): “12,x” er ikke et tal. Skriv fx 12,5; “..” betyder, at tallet "
            "mangler."
        ),
        (
            "Række 6, 2017 (B6): København 2017 står allerede i række 3. Udtræk kun én værdi pr. "
            "område og år (fx én aldersgruppe)."
        ),
        (
            "Række 6, 2018 (C6): København 2018 står allerede i række 3. Udtræk kun én værdi pr. "
            "område og år (fx én aldersgruppe)."
        ),
        (
            "Filen: Filen nævner ikke sin kilde. Skriv kilden i feltet “Kilde”, fx “Danmarks "
            "Statistik, Statistikbanken”."
        ),
    ]


def test_a_file_without_a_table_says_what_is_expected(indicator, municipalities):
    plan = read_series(read_sheet(upload("Bare tekst\r\nog mere tekst\r\n")), indicator)

    assert [str(e) for e in plan.errors] == [
        (
            "Filen: Filen har ingen overskriftsrække med årstal (fx 2019;2020;2021) eller med "
            "kolonnerne “Kommune” og “År”. Udtræk tabellen med kommunerne i rækkerne."
        )
    ]


def _store(indicator, text, **given):
    plan = read_series(read_sheet(upload(text)), indicator, given=given)
    assert plan.errors == [], [str(e) for e in plan.errors]
    return store_series(plan)


SMALL = '"Kilde: Test"\r\n"Tabel: T1"\r\n;"2017";"2018"\r\n"København";"10";"11"\r\n"Hillerød";"5";"6"\r\n'


def test_importing_the_same_source_again_replaces_its_values(indicator, municipalities):
    first, replaced = _store(indicator, SMALL)
    assert replaced == 0 and first.observations.count() == 4

    again, replaced = _store(indicator, SMALL.replace('"10";"11"', '"12";"13"'))

    assert again.pk == first.pk and replaced == 4
    assert again.observations.get(municipality__kommunekode=101, year=2017).value == 12
    other, _replaced = _store(indicator, SMALL.replace("T1", "T2"))
    assert other.pk != first.pk and IndicatorSeries.objects.count() == 2


def test_a_store_that_fails_half_way_keeps_the_old_values(indicator, municipalities, monkeypatch):
    series, _replaced = _store(indicator, SMALL)
    plan = read_series(read_sheet(upload(SMALL.replace('"10"', '"99"'))), indicator)

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(IndicatorObservation.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        store_series(plan)

    assert series.observations.count() == 4
    assert series.observations.get(municipality__kommunekode=101, year=2017).value == 10


# --- the sample files ----------------------------------------------------------------------


def _xlsx_value(path, code, year, column="Andel genindlagt (pct.)"):
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if row and row[0] == "Kommunekode")
    index = rows[header].index(column)
    return next(row[index] for row in rows[header + 1 :] if row[0] == code and row[2] == year)


def test_both_sample_series_import_for_midtjyllands_municipalities(loaded):
    first, second = import_demo_series()

    assert first.indicator.goal.number == "1.2" and second.indicator.goal.number == "1.3"
    assert first.source_name == "Eksempeldata i Statistikbankens format (ikke officielle tal)"
    assert (first.table_id, first.fetched_on) == ("EKSEMPEL-FI", datetime.date(2024, 4, 2))
    municipal = first.observations.filter(municipality__isnull=False)
    assert municipal.values("municipality").distinct().count() == 19
    assert municipal.count() == 19 * 10 - 1  # Samsø 2010 is ".." in the file
    assert not first.observations.filter(municipality__name="Samsø", year=2010).exists()
    text = (FIXTURES_DIR / "series" / "forebyggelige-indlaeggelser-midtjylland.csv").read_text(
        "utf-8-sig"
    )
    horsens = next(
        csv.reader(
            [line for line in text.splitlines() if line.startswith('"Horsens"')], delimiter=";"
        )
    )
    assert first.observations.get(municipality__name="Horsens", year=2010).value == Decimal(
        horsens[1].replace(",", ".")
    )
    assert first.observations.filter(region__slug="midtjylland").count() == 10
    assert first.observations.filter(municipality=None, region=None).count() == 10

    assert second.source_name == "Eksempeldata i eSundheds format (ikke officielle tal)"
    assert second.observations.filter(municipality__isnull=False).count() == 19 * 8
    path = FIXTURES_DIR / "series" / "genindlaeggelser-midtjylland.xlsx"
    value = second.observations.get(municipality__kommunekode=751, year=2015).value
    assert value == Decimal(str(_xlsx_value(path, 751, 2015)))

    again = import_demo_series()  # the demo run again changes nothing
    assert [s.pk for s in again] == [first.pk, second.pk]
    assert (
        IndicatorObservation.objects.count()
        == first.observations.count() + second.observations.count()
    )


def test_the_sample_files_say_they_are_no_official_figures():
    folder = FIXTURES_DIR / "series"
    readme = (folder / "README.md").read_text("utf-8")
    assert "ikke officielle tal" in readme
    assert "ikke officielle tal" in (
        folder / "forebyggelige-indlaeggelser-midtjylland.csv"
    ).read_text("utf-8-sig")
    sheet = load_workbook(folder / "genindlaeggelser-midtjylland.xlsx").active
    assert "ikke officielle tal" in " ".join(str(c.value) for c in sheet["A"][:5])


# --- the command -----------------------------------------------------------------------------


def test_the_command_checks_with_dry_run_and_prints_the_same_errors(
    tmp_path, indicator, municipalities
):
    path = tmp_path / "serie.csv"
    path.write_text(';"2017"\r\n"Atlantis";"1"\r\n', encoding="utf-8")
    err = io.StringIO()

    said = command_error(
        "import_series", str(path), indicator=str(indicator.pk), dry_run=True, stderr=err
    )

    plan = read_series(read_sheet(upload(path.read_text())), indicator)
    assert err.getvalue().splitlines() == [str(e) for e in plan.errors]
    assert "Række 2, Område (A2): “Atlantis” er hverken en kommune" in err.getvalue()
    assert said.startswith("Filen er ikke importeret: 2 fejl.")  # the area, and no source
    assert not IndicatorSeries.objects.exists()


def test_the_command_imports_after_a_dry_run(tmp_path, indicator, municipalities):
    path = tmp_path / "serie.csv"
    path.write_text(SMALL, encoding="utf-8")
    out = io.StringIO()

    call_command("import_series", str(path), indicator=str(indicator.pk), dry_run=True, stdout=out)
    assert not IndicatorSeries.objects.exists()
    assert (
        "Filen kan importeres til »Unge i forløb«: 4 værdier for 2 kommuner, 2017–2018"
        in out.getvalue()
    )

    call_command("import_series", str(path), indicator=str(indicator.pk), fetched="01.03.2024",
                 url="https://www.statistikbanken.dk/T1", stdout=out)  # fmt: skip
    series = IndicatorSeries.objects.get()
    assert (series.fetched_on, series.source_url) == (
        datetime.date(2024, 3, 1),
        "https://www.statistikbanken.dk/T1",
    )
    assert "Kilde: Test, tabel T1, hentet 01.03.2024" in out.getvalue()
    assert "--fetched skal være en dato" in command_error(
        "import_series", str(path), indicator=str(indicator.pk), fetched="i går"
    )
    assert "Der er ingen indikator med id 99999" in command_error(
        "import_series", str(path), indicator="99999"
    )


# --- the admin -------------------------------------------------------------------------------


def _confirmation(page):
    form = page[page.index('class="confirm"') :]
    form = form[: form.index("</form>")]
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    return {name: unescape(value) for name, value in hidden.items()}


def test_the_secretariat_previews_and_stores_a_series(
    staff, secretariat, indicator, municipalities
):
    page = staff.post(
        IMPORT_URL,
        {"step": "preview", "indicator": indicator.pk, "file": upload(SMALL, "unge.csv"),
         "fetched_on": "01.03.2024"},
    ).content.decode()  # fmt: skip
    assert "Forhåndsvisning af unge.csv" in page
    assert "4 værdier for 2 kommuner, 2017–2018" in page
    assert "Filen har ingen tal for: Frederiksberg." in page
    assert not IndicatorSeries.objects.exists()

    response = staff.post(IMPORT_URL, _confirmation(page))

    series = IndicatorSeries.objects.get()
    assert response["Location"] == f"/admin/goals/indicatorseries/{series.pk}/change/"
    assert series.fetched_on == datetime.date(2024, 3, 1) and series.imported_by == secretariat
    assert series.file_name == "unge.csv" and series.observations.count() == 4
    change = staff.get(response["Location"]).content.decode()
    assert "Serien er gemt for “Unge i forløb”" in unescape(change)


def test_a_failing_file_leaves_the_stored_series_as_it_was(staff, indicator, municipalities):
    series, _replaced = _store(indicator, SMALL)

    page = staff.post(
        IMPORT_URL,
        {
            "step": "preview",
            "indicator": indicator.pk,
            "file": upload(SMALL.replace('"10"', '"ti"')),
        },
    ).content.decode()

    assert "Filen har 1 fejl. Intet er gemt" in page
    assert "<td>4</td><td>B4</td><td>2017</td><td>“ti” er ikke et tal." in unescape(page)
    assert 'value="Gem serien"' not in page
    assert series.observations.get(municipality__kommunekode=101, year=2017).value == 10


def test_only_the_indicators_own_region_may_import_onto_it(
    client, other_secretariat, indicator, other_paper, municipalities
):
    client.force_login(other_secretariat)
    form = client.get(IMPORT_URL).content.decode()
    assert "Unge i forløb" not in form and "Rygere" in form

    page = client.post(
        IMPORT_URL, {"step": "preview", "indicator": indicator.pk, "file": upload(SMALL)}
    ).content.decode()

    assert "Vælg en indikator i en region, hvis sekretariat du er med i." in page
    assert not IndicatorSeries.objects.exists()


def test_another_regions_series_is_not_in_the_admin(
    client, other_secretariat, staff, indicator, municipalities
):
    series, _replaced = _store(indicator, SMALL)
    assert staff.get(f"/admin/goals/indicatorseries/{series.pk}/change/").status_code == 200
    client.force_login(other_secretariat)
    assert client.get(f"/admin/goals/indicatorseries/{series.pk}/change/").status_code == 404
    assert client.get("/admin/goals/indicatorseries/").content.decode().count("Unge i forløb") == 0


def test_the_database_keeps_one_value_per_area_and_year(indicator, municipalities, region):
    """What the import checks, the database holds too: an area is a municipality or a region,
    never both, and each area (the whole country too, where both are empty) has one value a
    year."""
    from django.db import IntegrityError
    from django.db import transaction

    series = IndicatorSeries.objects.create(
        indicator=indicator, source_name="Test", fetched_on=datetime.date(2024, 1, 1)
    )
    kbh = municipalities[101]
    for area in ({"municipality": kbh}, {"region": region}, {}):
        IndicatorObservation.objects.create(series=series, year=2020, value=1, **area)
        with pytest.raises(IntegrityError), transaction.atomic():
            IndicatorObservation.objects.create(series=series, year=2020, value=2, **area)
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorObservation.objects.create(
            series=series, municipality=kbh, region=region, year=2021, value=1
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorObservation.objects.create(series=series, municipality=kbh, year=1999, value=1)
    assert series.observations.count() == 3
