"""The whole public record in one download: a Frictionless Data Package that the standard
validator accepts, for all regions and per region, made anew once the public record changes,
linked from the home page with its licence; its columns have one type each in every region,
and goals and milestones keep their ids and keys across reloads."""

import csv
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from goals.loading import load_kkr_data
from goals.loading import paper_files
from goals.models import Goal
from goals.models import Indicator
from goals.models import Milestone
from goals.models import StatusRound
from reports import publishing
from reports.exports import series_columns
from tests.builders import build_round
from tests.builders import make_series

TABLES = {
    "regions",
    "clusters",
    "municipalities",
    "papers",
    "goals",
    "milestones",
    "indicators",
    "rounds",
    "lines",
    "goal-progress",
    "shared-answers",
    "indicator-values",
    "indicator-series",
}


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def two_regions(status_history, other_paper, other_municipality):
    """Hovedstaden's 2017 and 2018 (goals numbered 1 and 2) and Syddanmark's 2018 (goal A),
    with a series from Statistikbanken for Syddanmark's indicator."""
    other = build_round(other_paper, 2018, lines=[(461, "A", 1, "met", "Røgfri skoletid.")])
    make_series(Indicator.objects.get(goal__paper=other_paper), [other_municipality])
    return {**status_history, "syddanmark": other}


def _package(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    descriptor = json.loads(archive.read("datapackage.json"))
    tables = {
        resource["name"]: list(csv.DictReader(io.StringIO(archive.read(resource["path"]).decode())))
        for resource in descriptor["resources"]
    }
    return descriptor, tables


def _validate(tmp_path, content):
    """The standard validator's verdict on the package, from its command line."""
    path = tmp_path / "package.zip"
    path.write_bytes(content)
    validator = Path(sys.executable).with_name("frictionless")
    done = subprocess.run(
        [str(validator), "validate", "--json", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(done.stdout)
    errors = [error for task in report["tasks"] for error in task["errors"]]
    return report["valid"], errors


def test_the_whole_record_is_one_valid_data_package(api, two_regions, tmp_path):
    response = api.get("/api/v1/datapackage.zip")
    assert response["Content-Disposition"] == 'attachment; filename="kkr-maal-datapackage.zip"'
    descriptor, tables = _package(response)
    assert {resource["name"] for resource in descriptor["resources"]} == TABLES
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    valid, errors = _validate(tmp_path, response.content)
    assert valid, errors

    assert [row["year"] for row in tables["rounds"]] == ["2017", "2018", "2018"]
    assert len(tables["lines"]) == 6 + 6 + 1  # per round: municipalities × their milestones
    # The joint milestone's answers, which only the JSON progress had before.
    joint = [row for row in tables["shared-answers"] if row["scope"] == "joint"]
    assert [(row["status"], row["cluster"]) for row in joint] == [
        ("in_progress", ""),
        ("met", ""),
    ]
    youth_2018 = next(
        row
        for row in tables["goal-progress"]
        if row["goal_number"] == "2" and row["round"] == str(two_regions[2018].pk)
    )
    assert (youth_2018["verdict"], youth_2018["decision"]) == ("met", "achieved")
    # The series' values, in the columns of the series' own CSV file, with a decimal point.
    values = tables["indicator-series"]
    assert list(values[0]) == [column.name for column in series_columns()]
    assert len(values) == 6 * 3  # the municipality, the region and the country, 2015–2020
    assert {row["region"] for row in values} == {"syddanmark"}
    assert "12.5" in {row["value"] for row in values}
    assert "10" in {row["value"] for row in values}  # the region's in 2020, not 1E+1
    # The Table Schema says what each column is, in the request's language.
    lines = next(r for r in descriptor["resources"] if r["name"] == "lines")
    number = next(f for f in lines["schema"]["fields"] if f["name"] == "goal_number")
    assert (number["type"], number["title"]) == ("string", "Mål nr.")
    english, _tables = _package(api.get("/api/v1/datapackage.zip", HTTP_ACCEPT_LANGUAGE="en"))
    lines = next(r for r in english["resources"] if r["name"] == "lines")
    assert next(f for f in lines["schema"]["fields"] if f["name"] == "goal_number")["title"] == (
        "Goal no."
    )


def test_a_regions_package_holds_that_region(api, two_regions, tmp_path):
    response = api.get("/api/v1/regions/syddanmark/datapackage.zip")
    descriptor, tables = _package(response)
    assert descriptor["name"] == "kkr-maal-syddanmark"
    assert [row["slug"] for row in tables["regions"]] == ["syddanmark"]
    assert {row["region"] for row in tables["rounds"]} == {"syddanmark"}
    assert [row["kommunekode"] for row in tables["lines"]] == ["461"]
    assert _validate(tmp_path, response.content)[0]
    assert api.get("/api/v1/regions/atlantis/datapackage.zip").status_code == 404


def test_a_goal_number_is_text_in_every_region(api, two_regions, tmp_path):
    """Hovedstaden numbers its goals 1, 2 …, Syddanmark A, B …: read by the package's own
    Table Schema, and in the spreadsheets, the column is text in both."""
    from frictionless import Package

    response = api.get("/api/v1/datapackage.zip")
    path = tmp_path / "package.zip"
    path.write_bytes(response.content)
    lines = Package(str(path)).get_resource("lines")
    numbers = {(row["region"], row["goal_number"]) for row in lines.read_rows()}
    assert ("hovedstaden", "1") in numbers and ("syddanmark", "A") in numbers
    assert {type(number) for _region, number in numbers} == {str}

    for status_round in (two_regions[2018], two_regions["syddanmark"]):
        workbook = api.get(f"/api/v1/rounds/{status_round.pk}/lines.xlsx").content
        rows = list(load_workbook(io.BytesIO(workbook)).active.iter_rows())
        column = [cell.value for cell in rows[0]].index("goal_number")
        assert {row[column].data_type for row in rows[1:]} == {"s"}


def test_the_package_is_built_anew_once_a_round_is_published(
    api, paper, status_history, secretariat, django_assert_num_queries
):
    first = api.get("/api/v1/datapackage.zip")
    with django_assert_num_queries(0):
        again = api.get("/api/v1/datapackage.zip")
    assert again.content == first.content
    assert api.get("/api/v1/datapackage.zip", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    closed = build_round(
        paper, 2019, state=StatusRound.State.CLOSED, lines=[(101, "1", 1, "met", "")]
    )
    publishing.publish_round(closed, by=secretariat)

    after = api.get("/api/v1/datapackage.zip")
    assert after["ETag"] != first["ETag"]
    _descriptor, tables = _package(after)
    assert "2019" in {row["year"] for row in tables["rounds"]}


def test_the_home_page_links_the_package_and_its_licence(client, region):
    page = client.get("/").content.decode()
    assert 'href="/api/v1/datapackage.zip"' in page
    assert 'href="/api/v1/regions/hovedstaden/datapackage.zip"' in page
    assert 'href="https://creativecommons.org/licenses/by/4.0/" rel="license"' in page


def _keys_in_the_fixtures():
    """Each goal's and milestone's key, read from the fixture files alone."""
    goals, milestones = set(), set()

    def walk(paper, goal):
        number = goal["number"]["value"] if isinstance(goal["number"], dict) else goal["number"]
        goals.add(f"{paper}:{number}")
        for order, _milestone in enumerate(goal.get("milestones", []), start=1):
            milestones.add(f"{paper}:{number}:{order}")
        for child in goal.get("children", []):
            walk(paper, child)

    for path in paper_files():
        data = json.loads(Path(path).read_text())
        paper = data["source"].rsplit(".", 1)[0]
        for goal in [g for theme in data.get("themes", []) for g in theme.get("goals", [])]:
            walk(paper, goal)
        for goal in data.get("goals", []):
            walk(paper, goal)
    return goals, milestones


@pytest.mark.django_db
def test_goals_and_milestones_keep_their_ids_and_keys_across_reloads():
    load_kkr_data()
    goals = {g.key: g.pk for g in Goal.objects.select_related("paper")}
    milestones = {m.key: m.pk for m in Milestone.objects.select_related("goal__paper")}
    # A key is made of what the papers say, so any installation has the same ones.
    assert (set(goals), set(milestones)) == _keys_in_the_fixtures()
    assert len(goals) == Goal.objects.count() and len(milestones) == Milestone.objects.count()

    load_kkr_data(update=True)

    assert {g.key: g.pk for g in Goal.objects.select_related("paper")} == goals
    assert {m.key: m.pk for m in Milestone.objects.select_related("goal__paper")} == milestones


def test_building_the_package_takes_as_many_queries_for_many_rounds(
    api, paper, status_history, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        assert api.get("/api/v1/datapackage.zip").status_code == 200
    for year in (2019, 2020, 2021):
        build_round(paper, year, lines=[(101, "1", 1, "met", ""), (147, "2", 1, "met", "")])
    with django_assert_max_num_queries(12):
        _descriptor, tables = _package(api.get("/api/v1/datapackage.zip"))
    assert len(tables["rounds"]) == 5
