"""Spreadsheets of a published round (CSV and .xlsx, from the public status page and the
API) and the secretariat's round overview: they open in Danish Excel with æ ø å intact and
nothing in them is ever calculated as a formula."""

import csv
import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from goals.models import MilestoneStatus
from goals.models import StatusRound
from reports.progress import freeze
from tests.builders import submitted

FORMULA = '=HYPERLINK("https://angriber.example","Klik")'


@pytest.fixture
def round_2018(status_history, municipalities):
    """2018, with København's comment a formula and Frederiksberg's full of æ ø å."""
    second = status_history[2018]
    lines = MilestoneStatus.objects.filter(report__round=second, milestone__goal__number="1")
    lines.filter(report__municipality=municipalities[101]).update(comment=FORMULA)
    lines.filter(report__municipality=municipalities[147]).update(
        comment="Sundhedsplejersker på skoler i Østerbro og Ærø-færgen",
        evidence_url="https://frederiksberg.dk/sundhed",
    )
    freeze(second)  # published again with these answers
    return second


def test_the_status_page_links_to_both_spreadsheets(client, round_2018):
    page = client.get("/hovedstaden/status/2018/").content.decode()
    assert f"/api/v1/rounds/{round_2018.pk}/lines.xlsx" in page
    assert f"/api/v1/rounds/{round_2018.pk}/lines.csv" in page
    # Links made before lead to the same files.
    old = client.get(f"/api/v1/rounds/{round_2018.pk}/lines/?format=csv")
    assert (old.status_code, old["Location"]) == (301, f"/api/v1/rounds/{round_2018.pk}/lines.csv")


def test_csv_opens_in_danish_excel(client, round_2018):
    response = client.get(f"/api/v1/rounds/{round_2018.pk}/lines.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="status-hovedstaden-2018.csv"' in response["Content-Disposition"]
    assert response["ETag"]
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    # The columns' machine names, the same in every language (titles: the data package).
    assert header[:7] == [
        "round",
        "region",
        "year",
        "kommunekode",
        "municipality",
        "cluster",
        "cluster_name",
    ]
    assert len(body) == 6
    by_code = {(row[3], row[11]): dict(zip(header, row, strict=True)) for row in body}
    kobenhavn = next(r for (code, _m), r in by_code.items() if code == "101")
    assert kobenhavn["municipality"] == "København"
    assert kobenhavn["comment"] == "'" + FORMULA  # shown as text, never calculated
    frederiksberg = next(
        r for (code, _m), r in by_code.items() if code == "147" and r["goal_number"] == "1"
    )
    assert frederiksberg["comment"] == "Sundhedsplejersker på skoler i Østerbro og Ærø-færgen"
    assert frederiksberg["evidence_url"] == "https://frederiksberg.dk/sundhed"
    assert frederiksberg["evaluation_label"] == "Opfyldt"
    assert frederiksberg["cluster_name"] == "Byen"
    assert frederiksberg["round"] == str(round_2018.pk)
    english = client.get(
        f"/api/v1/rounds/{round_2018.pk}/lines.csv", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode("utf-8-sig")
    assert english.splitlines()[0] == ";".join(header)
    # No cell of the file starts a formula.
    assert not [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@")]


def test_xlsx_keeps_text_as_text(client, round_2018):
    response = client.get(f"/api/v1/rounds/{round_2018.pk}/lines.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.active
    assert sheet.title == "Status 2018"
    rows = list(sheet.iter_rows())
    header = [cell.value for cell in rows[0]]
    comment = header.index("comment")
    number = header.index("goal_number")
    cells = {row[4].value: row for row in rows[1:] if row[number].value == "1"}
    formula_cell = cells["København"][comment]
    assert formula_cell.value == FORMULA
    assert formula_cell.data_type == "s"  # a string, not a formula
    assert formula_cell.quotePrefix
    assert cells["Frederiksberg"][comment].value == (
        "Sundhedsplejersker på skoler i Østerbro og Ærø-færgen"
    )
    assert not [cell for row in rows for cell in row if cell.data_type == "f"]
    # The second sheet says what each column is, in the reader's language.
    described = {row[0]: row for row in book["Kolonner"].iter_rows(min_row=2, values_only=True)}
    assert described["goal_number"][1:3] == ("Mål nr.", "string")
    assert set(described) == set(header)


def test_markup_and_control_characters_travel_safely(client, round_2018, municipalities):
    MilestoneStatus.objects.filter(
        report__round=round_2018, report__municipality=municipalities[219]
    ).update(comment="-2 sygeplejersker\x0b\ttil <b>Hillerød</b>")
    freeze(round_2018)
    csv_text = client.get(f"/api/v1/rounds/{round_2018.pk}/lines.csv").content.decode()
    assert "'-2 sygeplejersker\ttil <b>Hillerød</b>" in csv_text
    workbook = client.get(f"/api/v1/rounds/{round_2018.pk}/lines.xlsx").content
    values = [
        c.value for row in load_workbook(io.BytesIO(workbook)).active.iter_rows() for c in row
    ]
    assert "-2 sygeplejersker\ttil <b>Hillerød</b>" in values


def test_the_secretariat_downloads_the_round_overview(staff, open_status_round, report, reporters):
    from tests.builders import submitted

    submitted(report, reporters[101])
    page = staff.get(f"/sekretariat/runder/{open_status_round.pk}/").content.decode()
    url = f"/sekretariat/runder/{open_status_round.pk}/oversigt.xlsx"
    assert url in page
    response = staff.get(url)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = rows[0]
    assert header[:4] == ["Kommunekode", "Kommune", "Klynge", "Tilstand"]
    # The cockpit's columns: untouched, lines filled, last activity, days left or overdue.
    by_name = {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_name) == {"København", "Frederiksberg", "Hillerød"}
    copenhagen, hillerod = by_name["København"], by_name["Hillerød"]
    assert copenhagen["Tilstand"] == "indsendt"
    assert copenhagen["Senest aktiv af"] == "indberetter-101"
    assert copenhagen["Indsendt af"] == "indberetter-101"
    assert copenhagen["Linjer udfyldt"] == copenhagen["Linjer i alt"] > 0
    assert copenhagen["Dage til fristen"] is None  # submitted: no days left to count
    assert hillerod["Tilstand"] == "kladde"
    assert hillerod["Ikke påbegyndt"] == "ja"
    assert hillerod["Linjer udfyldt"] == 0
    assert hillerod["Senest aktiv"] is None
    assert hillerod["Dage til fristen"] == 30


def test_the_overview_is_only_for_the_regions_secretariat(
    client, open_status_round, other_secretariat, reporters
):
    url = f"/sekretariat/runder/{open_status_round.pk}/oversigt.xlsx"
    assert client.get(url).status_code == 302  # to the login
    client.force_login(other_secretariat)
    assert client.get(url).status_code == 404
    client.force_login(reporters[101])
    assert client.get(url).status_code == 404


def test_the_round_overview_counts_the_days_past_the_deadline_as_the_cockpit_does(
    staff, open_status_round, report, reporters
):
    """`StatusReport.days_overdue`: the late drafts' days over, none for a report sent in."""
    submitted(report, reporters[101])
    today = timezone.localdate()
    StatusRound.objects.filter(pk=open_status_round.pk).update(
        opens=today - datetime.timedelta(days=40), deadline=today - datetime.timedelta(days=3)
    )
    cockpit = staff.get(f"/sekretariat/runder/{open_status_round.pk}/").content.decode()
    assert "3 dage over fristen" in cockpit
    response = staff.get(f"/sekretariat/runder/{open_status_round.pk}/oversigt.xlsx")
    rows = [
        [cell.value for cell in row]
        for row in load_workbook(io.BytesIO(response.content)).active.iter_rows()
    ]
    by_name = {row[1]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert by_name["Hillerød"]["Dage over fristen"] == 3
    assert by_name["Hillerød"]["Dage til fristen"] is None
    assert by_name["København"]["Dage over fristen"] is None
    assert by_name["København"]["Dage til fristen"] is None


def test_the_overview_has_filters_columns_that_fit_and_says_who_has_no_reporter(
    staff, open_status_round, municipalities
):
    from municipalities.models import Membership

    Membership.objects.filter(municipality=municipalities[219]).delete()
    response = staff.get(f"/sekretariat/runder/{open_status_round.pk}/oversigt.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}4"

    def width(title):
        letter = sheet.cell(1, header.index(title) + 1).column_letter
        return sheet.column_dimensions[letter].width

    # Each column as wide as its longest cell, not 13 for every one.
    assert width("Sekretariatets kommentar") >= len("Sekretariatets kommentar")
    assert width("Kommunekode") < width("Sekretariatets kommentar")
    assert len({width(title) for title in header}) > 3
    rows = {
        row[1]: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(2, values_only=True)
    }
    assert rows["Hillerød"]["Indberetter"] == "Ingen indberetter"
    assert rows["København"]["Indberetter"] is None
