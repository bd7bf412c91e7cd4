"""`manage.py load_kkr_data`: the reference data (five regions, all 98 municipalities with
their official codes, the health clusters of the three regions whose papers the portal
carries) and the papers. The first run loads everything; a second run changes nothing (no
new rows, no new history, no secretariat edit undone); `--update` resets only real edits, and
brings an installation loaded from older fixtures to the corrected papers without losing an
edit or a report."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from goals import rounds
from goals.loading import load_kkr_data
from goals.loading import paper_files
from goals.models import Goal
from goals.models import GoalPaper
from goals.models import Indicator
from goals.models import IndicatorValue
from goals.models import Milestone
from goals.models import MilestoneStatus
from goals.models import PaperSection
from goals.models import StatusReport
from goals.models import Theme
from municipalities.models import Cluster
from municipalities.models import Municipality
from municipalities.models import Region
from reports import publishing
from tests.builders import make_user
from tests.builders import opened_round
from tests.builders import submitted
from tests.seeds import HOVEDSTADEN_2016
from tests.seeds import HOVEDSTADEN_2024
from tests.seeds import MIDTJYLLAND
from tests.seeds import SYDDANMARK
from tests.seeds import in_seed
from tests.seeds import seed

pytestmark = pytest.mark.django_db

CLUSTERED = ("hovedstaden", "syddanmark", "midtjylland")
MODELS = [Region, Cluster, Municipality, GoalPaper, Theme, Goal, Milestone, Indicator, PaperSection]


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


# --- Bringing an installation loaded before the corrections of issue 10 up to date -----------

# The fixtures as they were before the papers were corrected (Midtjylland "adopted", the 2024
# slides' items as commitments, a duplicate milestone, an invented indicator …).
BEFORE_CORRECTIONS = Path(__file__).parent / "data" / "fixtures_before_corrections"


def test_update_corrects_an_installation_with_reports_and_keeps_every_edit_and_report():
    load_kkr_data(fixtures_dir=BEFORE_CORRECTIONS)
    hovedstaden = Region.objects.get(slug="hovedstaden")
    secretariat = make_user("sekretariat", region=hovedstaden, is_staff=True)
    p2016 = GoalPaper.objects.get(source="000_fbb1376eadf97830.txt")
    p2017 = GoalPaper.objects.get(source="001_b6c4e8802b7d46aa.txt")
    midtjylland = GoalPaper.objects.get(source="002_73cf8f81b5b917b6.txt")
    duplicate = Milestone.objects.get(goal__paper=p2017, goal__number="1", order=2)
    assert duplicate.text.startswith("Alle kommuner skal sikre")

    # A published round of 2017–2018 with København's approved report, which answers the
    # duplicate milestone too, and the secretariat's decision that goal 3 is achieved.
    published = opened_round(p2017, by=secretariat)
    københavn = StatusReport.objects.get(round=published, municipality__kommunekode=101)
    reporter = make_user("indberetter-101", municipality=københavn.municipality)
    rounds.approve_report(submitted(københavn, reporter), by=secretariat)
    rounds.decide_goal(published, p2017.goals.get(number="3"), decision="achieved", by=secretariat)
    rounds.close_round(published, by=secretariat)
    publishing.publish_round(published, by=secretariat)
    # An open round of Midtjylland's paper: every report has a row for the invented indicator.
    open_round = opened_round(midtjylland, by=secretariat)
    assert IndicatorValue.objects.filter(report__round=open_round).count() == 19
    # The secretariat retitled a goal in the admin.
    goal = midtjylland.goals.get(number="4")
    goal.title = "Bedre sammenhæng i voksenpsykiatrien"
    goal._history_user = secretariat
    goal.save()
    # The full text is new to this installation; a first plain load brings it, and the
    # secretariat corrects a typo in it.
    call_command("load_kkr_data", stdout=StringIO())
    section = PaperSection.objects.get(paper=midtjylland, order=2)
    section.body = section.body.replace("KL’s arbejde", "KL's arbejde")
    section._history_user = secretariat
    section.save()
    reports_before = sorted(
        StatusReport.objects.values_list("pk", "state", "version", "round__state")
    )
    lines_before = sorted(MilestoneStatus.objects.values_list("pk", "milestone_id", "status"))

    out = StringIO()
    call_command("load_kkr_data", "--update", stdout=out)

    # The corrections are in.
    midtjylland.refresh_from_db()
    assert (midtjylland.state, midtjylland.adopted_on) == (GoalPaper.State.PROPOSED, None)
    assert midtjylland.provenance["adopted_year"]["estimated"]
    assert not Goal.objects.filter(
        paper__source="004_970053b73b56a88d.txt", kind=Goal.Kind.COMMITMENT
    ).exists()
    assert p2016.goals.get(number="3").state == Goal.State.REVISED
    assert p2017.goals.get(number="B").replaces == p2016.goals.get(number="3")
    assert {m.due.isoformat() for m in Milestone.objects.filter(due_text="frem mod 2018")} == {
        "2018-12-31"
    }
    assert not Milestone.objects.filter(goal__paper=midtjylland, baseline_year__isnull=False)
    # The secretariat's edits stand: the title, and goal 3 achieved by the round's decision.
    assert midtjylland.goals.get(number="4").title == "Bedre sammenhæng i voksenpsykiatrien"
    assert "KL's arbejde" in PaperSection.objects.get(pk=section.pk).body
    assert p2017.goals.get(number="3").state == Goal.State.ACHIEVED
    # No report, line or value is lost; what they answer stays, and the operator is told.
    assert (
        sorted(StatusReport.objects.values_list("pk", "state", "version", "round__state"))
        == reports_before
    )
    assert sorted(MilestoneStatus.objects.values_list("pk", "milestone_id", "status")) == (
        lines_before
    )
    said = out.getvalue()
    assert Milestone.objects.filter(pk=duplicate.pk).exists()
    # The plan's milestone was reported on as joint: it stays joint in this installation.
    plan = Milestone.objects.get(goal__paper=p2017, goal__number="1", order=1)
    assert plan.scope == Milestone.Scope.JOINT
    assert "Beholdt omfanget af milepæl “1: Kommunerne vil udarbejde" in said
    assert IndicatorValue.objects.filter(report__round=open_round).count() == 19
    assert "Beholdt rettelse i mål “4 Bedre sammenhæng i voksenpsykiatrien”: title." in said
    assert f"Beholdt milepæl “{duplicate}”: står ikke længere i papiret" in said
    assert "Beholdt indikator" in said

    # A second run has nothing left to change.
    again = StringIO()
    call_command("load_kkr_data", "--update", stdout=again)
    assert again.getvalue().startswith("Intet at ændre: alle data er indlæst.")
