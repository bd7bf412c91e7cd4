"""`manage.py load_kkr_data` with the real fixtures: the first run loads everything, a second
run changes nothing (no new rows, no new history, no secretariat edit undone)."""

import io

import pytest
from django.core.management import call_command

from goals.loading import paper_files
from goals.models import Goal, GoalPaper, Indicator, Milestone, Theme
from municipalities.models import Cluster, Municipality, Region

pytestmark = pytest.mark.django_db

MODELS = [Region, Cluster, Municipality, GoalPaper, Theme, Goal, Milestone, Indicator]


def load():
    out = io.StringIO()
    call_command("load_kkr_data", stdout=out)
    return out.getvalue()


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

    assert "Intet at ændre" in second
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
