"""A politician sees an indicator per municipality over the years on the goal page, the
municipality page and in the PDF papers, with its source named (issue 25); the API and the
spreadsheets carry the same figures."""

import csv
import io
import subprocess

import pytest
from openpyxl import load_workbook

from goals.models import GoalPaper
from goals.models import Indicator
from municipalities.models import Municipality
from reports.exports import series_columns
from reports.papers import render_status_paper
from tests.builders import MARKUP
from tests.builders import make_series

pytestmark = pytest.mark.django_db


@pytest.fixture
def indicator(paper):
    return Indicator.objects.get(name="Unge i forløb")


@pytest.fixture
def series(indicator, municipalities):
    return make_series(indicator, [municipalities[101], municipalities[147], municipalities[219]])


def test_the_goal_page_shows_a_chart_per_municipality_and_the_source(
    client, status_history, series, indicator
):
    page = client.get(f"/hovedstaden/maal/{indicator.goal.pk}/").content.decode()

    assert "Indikatorer fra offentlige kilder" in page
    assert page.count('class="series-chart small"') == 3
    assert (
        'Kilde: <a href="https://www.statistikbanken.dk/UNGE1" rel="noopener external">Danmarks '
        "Statistik, Statistikbanken</a>, tabel UNGE1" in page
    )
    assert "Hentet 2. april 2024." in page
    # The baseline year (the paper's adoption, 2017) marked, in the legend, chart and table.
    assert "udgangspunkt 2017" in page
    assert "<title>København: Unge i forløb, 2015–2020</title>" in page
    assert "København: 2015 12,5, 2020 7,5 (udgangspunkt 2017: 10,5)." in page
    assert '<th scope="col" class="num baseline-year">2017' in page
    assert '<td class="num">12,5</td>' in page and "Region Hovedstaden" in page
    assert f"/api/v1/series/{series.pk}/observations.csv" in page


def test_the_municipality_page_shows_its_own_line_against_the_region(
    client, status_history, series
):
    page = client.get("/hovedstaden/kommuner/147/").content.decode()

    assert page.count('class="series-chart"') == 1
    assert "<title>Frederiksberg: Unge i forløb, 2015–2020</title>" in page
    assert "Frederiksberg 10,5" in page and "Region Hovedstaden 10" in page  # the lines' ends
    assert "Danmarks Statistik, Statistikbanken" in page
    assert "København" not in page.split("indicator-series", 1)[1].split("</table>", 1)[0]


def test_an_import_shows_on_the_cached_pages_at_once(
    client, status_history, indicator, municipalities
):
    url = f"/hovedstaden/maal/{indicator.goal.pk}/"
    assert "series-chart" not in client.get(url).content.decode()

    make_series(indicator, list(municipalities.values()))

    assert "series-chart" in client.get(url).content.decode()


def test_markup_in_a_source_stays_text(client, status_history, indicator, municipalities):
    make_series(indicator, list(municipalities.values()), source=MARKUP)

    page = client.get(f"/hovedstaden/maal/{indicator.goal.pk}/").content.decode()

    assert "<script>" not in page and "&lt;script&gt;" in page


def _queries(client, url, django_assert_max_num_queries):
    """The queries of the page rendered afresh (not from the public cache), at most 25."""
    from reports import cache

    cache.invalidate()
    with django_assert_max_num_queries(25) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_query_counts_stay_flat_as_series_and_municipalities_grow(
    client, status_history, series, indicator, paper, clusters, django_assert_max_num_queries
):
    urls = [f"/hovedstaden/maal/{indicator.goal.pk}/", "/hovedstaden/kommuner/101/"]
    before = [_queries(client, url, django_assert_max_num_queries) for url in urls]

    more = [
        Municipality.objects.create(
            kommunekode=code, name=f"Kommune {code}", region=paper.region, cluster=clusters["Nord"]
        )
        for code in range(250, 262)
    ]
    for n in range(3):
        other = Indicator.objects.create(goal=indicator.goal, order=n + 2, name=f"Indikator {n}")
        make_series(
            other, [*Municipality.objects.filter(region=paper.region).order_by("pk")], table=f"T{n}"
        )
    assert len(more) == 12

    after = [_queries(client, url, django_assert_max_num_queries) for url in urls]
    assert after == before


def _pdftotext(pdf):
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def test_the_status_paper_names_the_source_and_shows_the_years_up_to_the_round(
    status_history, series
):
    text = _pdftotext(render_status_paper(status_history[2018]))

    assert "Indikator: Unge i forløb" in text
    assert "Kilde: Danmarks Statistik, Statistikbanken, tabel UNGE1" in text
    assert "Hentet 2. april 2024" in text
    section = text.split("Indikator: Unge i forløb", 1)[1]
    assert "2018" in section and "2019" not in section.split("Beslutning", 1)[0]


def test_the_municipality_paper_names_the_source(status_history, series, municipalities):
    text = _pdftotext(render_status_paper(status_history[2018], municipalities[219]))

    assert "Indikator: Unge i forløb" in text
    assert "Kilde: Danmarks Statistik, Statistikbanken, tabel UNGE1" in text
    assert "Hillerød" in text and "Region Hovedstaden" in text


def test_the_api_lists_the_series_and_its_values(client, status_history, series):
    listed = client.get("/api/v1/series/?region=hovedstaden").json()
    assert listed["count"] == 1
    item = listed["results"][0]
    assert (item["indicator_name"], item["source_name"], item["table_id"]) == (
        "Unge i forløb", "Danmarks Statistik, Statistikbanken", "UNGE1",
    )  # fmt: skip
    assert (item["first_year"], item["last_year"], item["value_count"]) == (2015, 2020, 30)
    assert item["fetched_on"] == "2024-04-02"

    values = client.get(f"/api/v1/series/{series.pk}/observations/?page_size=500").json()["results"]
    assert {
        "year": 2015,
        "level": "municipality",
        "kommunekode": 101,
        "area": "København",
        "value": 12.5,
    } in values
    assert {
        "year": 2015,
        "level": "national",
        "kommunekode": None,
        "area": "Hele landet",
        "value": 16.0,
    } in values

    response = client.get(f"/api/v1/series/{series.pk}/observations.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    kbh = next(r for r in rows if r["kommunekode"] == "101" and r["year"] == "2015")
    assert kbh["value"] == "12,5" and kbh["source"] == "Danmarks Statistik, Statistikbanken"
    assert kbh["fetched_on"] == "2024-04-02" and kbh["area"] == "København"
    assert (kbh["series"], kbh["indicator"]) == (str(series.pk), str(series.indicator_id))
    assert client.get(f"/api/v1/series/{series.pk}/observations.xlsx").status_code == 200


def test_a_series_file_has_the_same_machine_columns_in_both_languages(client, series):
    """Column names a program can rely on, whatever language the request asked for; numbers
    are numbers (a decimal comma in the CSV, for Danish Excel; cells of numbers in the
    workbook) in every row, and the workbook's second sheet names the columns in words."""
    names = [column.name for column in series_columns()]
    url = f"/api/v1/series/{series.pk}/observations"
    for language in ("da", "en"):
        answer = client.get(f"{url}.csv", HTTP_ACCEPT_LANGUAGE=language)
        reader = csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";")
        header, *rows = list(reader)
        assert header == names, language
        assert len(rows) == 30
        for row in (dict(zip(names, row, strict=True)) for row in rows):
            assert isinstance(float(row["value"].replace(",", ".")), float)
            assert int(row["year"]) in range(2015, 2021)
            assert row["kommunekode"] == "" or int(row["kommunekode"]) in (101, 147, 219)
            assert row["level"] in ("municipality", "region", "national")

        book = load_workbook(
            io.BytesIO(client.get(f"{url}.xlsx", HTTP_ACCEPT_LANGUAGE=language).content)
        )
        sheet, described = book.worksheets
        values = list(sheet.iter_rows(values_only=True))
        assert list(values[0]) == names, language
        for row in (dict(zip(names, row, strict=True)) for row in values[1:]):
            assert isinstance(row["value"], int | float) and isinstance(row["year"], int)
            assert row["kommunekode"] is None or isinstance(row["kommunekode"], int)
        titles = {row[0]: row[1] for row in described.iter_rows(min_row=2, values_only=True)}
        assert titles["value"] == {"da": "Værdi", "en": "Value"}[language]


def test_a_draft_papers_series_is_not_public(client, region, municipalities):
    draft = GoalPaper.objects.create(
        region=region, title="Udkast", kind="kkr_maal", adopted_year=2027, first_year=2027,
        last_year=2028, source="udkast.xlsx", state=GoalPaper.State.DRAFT,
    )  # fmt: skip
    goal = draft.goals.create(number="1", title="Et mål")
    hidden = make_series(
        Indicator.objects.create(goal=goal, name="Hemmelig"), list(municipalities.values())
    )

    assert client.get("/api/v1/series/").json()["count"] == 0
    assert client.get(f"/api/v1/series/{hidden.pk}/observations/").status_code == 404
    assert "Hemmelig" not in client.get("/hovedstaden/kommuner/101/").content.decode()


def test_the_series_read_in_english_under_en(client, status_history, series, indicator):
    page = client.get(f"/en/hovedstaden/maal/{indicator.goal.pk}/").content.decode()

    assert "Indicators from public sources" in page
    assert "The figures in a table" in page and "The whole country" in page
    assert "Danmarks Statistik, Statistikbanken" in page
