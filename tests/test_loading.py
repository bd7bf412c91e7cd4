"""`manage.py load_kkr_data`: the reference data (five regions, all 98 municipalities with
their official codes, the health clusters of the three regions whose papers the portal
carries) and the papers. The first run loads everything; a second run changes nothing (no
new rows, no new history, no secretariat edit undone); `--update` resets only real edits."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from goals.loading import paper_files
from goals.models import Goal, GoalPaper, Indicator, Milestone, Theme
from municipalities.models import Cluster, Municipality, Region
from tests.seeds import (
    HOVEDSTADEN_2016,
    HOVEDSTADEN_2024,
    MIDTJYLLAND,
    SYDDANMARK,
    in_seed,
    seed,
)

pytestmark = pytest.mark.django_db

CLUSTERED = ("hovedstaden", "syddanmark", "midtjylland")
MODELS = [Region, Cluster, Municipality, GoalPaper, Theme, Goal, Milestone, Indicator]


def load():
    out = StringIO()
    call_command("load_kkr_data", stdout=out)
    return out.getvalue()


def count_in_seed(pattern, name):
    """The number of municipalities a paper speaks of, e.g. 'sammen som 29 kommuner'."""
    return int(re.search(pattern, seed(name)).group(1))


def test_every_danish_municipality_is_loaded_once_with_an_official_code():
    load()

    codes = list(Municipality.objects.values_list("kommunekode", flat=True))
    assert len(codes) == 98
    assert len(set(codes)) == 98
    assert all(100 <= code <= 999 for code in codes)
    # Christiansø is administered by the state, not a municipality.
    assert not Municipality.objects.filter(kommunekode=411).exists()


def test_each_region_has_its_municipalities():
    load()

    counts = {r.slug: r.municipalities.count() for r in Region.objects.all()}
    assert counts == {
        # The papers themselves say how many municipalities stand behind them.
        "hovedstaden": count_in_seed(r"sammen som (\d+) kommuner", HOVEDSTADEN_2016),
        "syddanmark": count_in_seed(r"møde os som (\d+) kommuner", SYDDANMARK),
        "midtjylland": count_in_seed(r"\d+ ud af (\d+) kommuner", MIDTJYLLAND),
        "sjaelland": 17,
        "nordjylland": 11,
    }
    assert counts["hovedstaden"] == 29
    assert counts["syddanmark"] == 22
    assert counts["midtjylland"] == 19


def test_regions_carry_their_official_codes():
    load()

    assert dict(Region.objects.values_list("slug", "code")) == {
        "nordjylland": 1081,
        "midtjylland": 1082,
        "syddanmark": 1083,
        "hovedstaden": 1084,
        "sjaelland": 1085,
    }
    assert Region.objects.get(slug="sjaelland").name == "Sjælland"


@pytest.mark.parametrize(
    ("code", "name", "region"),
    [
        (101, "København", "hovedstaden"),
        (147, "Frederiksberg", "hovedstaden"),
        (173, "Lyngby-Taarbæk", "hovedstaden"),
        (169, "Høje-Taastrup", "hovedstaden"),
        (400, "Bornholm", "hovedstaden"),
        (259, "Køge", "sjaelland"),
        (461, "Odense", "syddanmark"),
        (621, "Kolding", "syddanmark"),
        (563, "Fanø", "syddanmark"),
        (492, "Ærø", "syddanmark"),
        (751, "Aarhus", "midtjylland"),
        (730, "Randers", "midtjylland"),
        (756, "Ikast-Brande", "midtjylland"),
        (760, "Ringkøbing-Skjern", "midtjylland"),
        (741, "Samsø", "midtjylland"),
        (851, "Aalborg", "nordjylland"),
        (820, "Vesthimmerlands", "nordjylland"),
        (849, "Jammerbugt", "nordjylland"),
        (825, "Læsø", "nordjylland"),
        (810, "Brønderslev", "nordjylland"),
        (860, "Hjørring", "nordjylland"),
    ],
)
def test_municipality_has_its_official_name_and_region(code, name, region):
    load()

    municipality = Municipality.objects.select_related("region").get(kommunekode=code)
    assert municipality.name == name
    assert municipality.region.slug == region


def test_hovedstaden_has_the_five_clusters_of_the_dialogue_meeting():
    load()

    # Seed 004 gives each cluster's input under a heading "Klynge <name>".
    printed = re.findall(r"^Klynge (\w+)\s*$", seed(HOVEDSTADEN_2024), flags=re.MULTILINE)
    names = list(Cluster.objects.filter(region__slug="hovedstaden").values_list("name", flat=True))
    assert len(names) == 5
    assert sorted(names) == sorted(printed)
    assert names == ["Nord", "Midt", "Syd", "Byen", "Bornholm"]

    byen = Municipality.objects.filter(cluster__name="Byen", region__slug="hovedstaden")
    assert set(byen.values_list("kommunekode", flat=True)) == {101, 147}
    assert Municipality.objects.get(kommunekode=101).cluster.name == "Byen"
    assert Municipality.objects.get(kommunekode=400).cluster.name == "Bornholm"
    assert Municipality.objects.get(kommunekode=219).cluster.name == "Nord"


def test_syddanmark_has_four_clusters_and_midtjylland_one_per_hospital_unit():
    load()

    assert in_seed("de fire syddanske sundhedsklynger", SYDDANMARK)
    assert Cluster.objects.filter(region__slug="syddanmark").count() == 4
    assert Municipality.objects.get(kommunekode=461).cluster.name == "Fyn"
    assert Municipality.objects.get(kommunekode=621).cluster.name == "Lillebælt"

    assert list(
        Cluster.objects.filter(region__slug="midtjylland").values_list("name", flat=True)
    ) == ["Vest", "Midt", "Randers", "Horsens", "Aarhus"]
    assert Municipality.objects.get(kommunekode=751).cluster.name == "Aarhus"
    assert Municipality.objects.get(kommunekode=730).cluster.name == "Randers"


def test_every_municipality_of_a_clustered_region_is_in_one_of_its_own_clusters():
    load()

    for municipality in Municipality.objects.filter(region__slug__in=CLUSTERED):
        assert municipality.cluster_id is not None, municipality
        assert municipality.cluster.region_id == municipality.region_id, municipality
    # No cluster is empty, and the regions without papers have none yet.
    for cluster in Cluster.objects.all():
        assert cluster.municipalities.exists(), cluster
    assert not Cluster.objects.exclude(region__slug__in=CLUSTERED).exists()
    assert not Municipality.objects.exclude(region__slug__in=CLUSTERED).filter(
        cluster__isnull=False
    )


def test_resetting_to_the_fixtures_right_after_loading_finds_nothing_to_change():
    # Every value in the fixtures survives the round trip through the database (dates,
    # numbers, texts), so --update only ever undoes real edits.
    load()
    before = snapshot()
    out = StringIO()

    call_command("load_kkr_data", "--update", stdout=out)

    assert out.getvalue().strip() == "Intet at ændre: alle data er indlæst."
    assert snapshot() == before


def test_update_resets_an_edited_municipality_and_says_so():
    load()
    Municipality.objects.filter(kommunekode=101).update(name="Kbh.", cluster=None)
    out = StringIO()

    call_command("load_kkr_data", "--update", stdout=out)

    københavn = Municipality.objects.get(kommunekode=101)
    assert københavn.name == "København"
    assert københavn.cluster.name == "Byen"
    assert "1 kommuner opdateret" in out.getvalue()


def snapshot():
    """Every loaded row as its values, and how many history records there are."""
    rows = {model.__name__: sorted(map(repr, model.objects.values_list())) for model in MODELS}
    rows["history"] = {
        model.__name__: model.history.count() for model in MODELS if hasattr(model, "history")
    }
    return rows


def test_loading_twice_changes_nothing():
    first = load()
    assert "oprettet" in first
    loaded = snapshot()
    assert len(loaded["Municipality"]) == 98
    assert len(loaded["GoalPaper"]) == len(paper_files()) >= 5

    second = load()

    assert second.strip() == "Intet at ændre: alle data er indlæst."
    assert snapshot() == loaded


def test_a_second_load_keeps_the_secretariats_edits():
    load()
    goal = Goal.objects.filter(paper__region__slug="midtjylland").order_by("order").first()
    goal.title = "Rettet af sekretariatet"
    goal.save()
    cluster = Cluster.objects.filter(region__slug="hovedstaden").first()
    cluster.description = "Klyngens egen beskrivelse"
    cluster.save()

    load()

    goal.refresh_from_db()
    cluster.refresh_from_db()
    assert goal.title == "Rettet af sekretariatet"
    assert cluster.description == "Klyngens egen beskrivelse"


def test_a_load_after_deleting_a_row_restores_only_that_row():
    load()
    loaded = snapshot()
    milestone = Milestone.objects.filter(goal__paper__region__slug="midtjylland").first()
    milestone.delete()

    result = load()

    assert "1 milepæle oprettet" in result
    restored = snapshot()
    assert len(restored["Milestone"]) == len(loaded["Milestone"])
    # The same milestone again, everything else as it was.
    assert restored["Goal"] == loaded["Goal"]
    assert restored["Municipality"] == loaded["Municipality"]
    new = Milestone.objects.get(goal=milestone.goal, order=milestone.order)
    assert (new.text, new.due, new.scope) == (milestone.text, milestone.due, milestone.scope)
