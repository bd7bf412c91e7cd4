"""A goal's state changes only through a round's decisions: the admin shows it read-only (the
goal's page, the list, the paper's goal rows) with a link to the decisions page, and a POST
that tries to change it is ignored."""

import pytest
from django.urls import reverse

from goals import rounds
from goals.models import Goal
from tests.builders import goal_post_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def goal(paper):
    return paper.goals.get(number="1")


def test_the_goal_page_shows_the_state_and_where_it_is_changed(staff, goal, open_status_round):
    page = staff.get(reverse("admin:goals_goal_change", args=[goal.pk])).content.decode()
    assert 'name="state"' not in page
    assert "aktivt" in page
    assert "Kun med en beslutning i en statusrunde." in page
    assert reverse("secretariat:decisions", args=[open_status_round.pk]) in page


def test_without_a_round_the_page_says_so(staff, goal):
    page = staff.get(reverse("admin:goals_goal_change", args=[goal.pk])).content.decode()
    assert 'name="state"' not in page
    assert "Der er ingen endnu." in page


def test_a_post_that_changes_the_state_is_ignored(staff, goal, paper):
    response = staff.post(
        reverse("admin:goals_goal_change", args=[goal.pk]),
        goal_post_data(goal, state="retired", title="Effektive akuttilbud (nyt navn)"),
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.state == Goal.State.ACTIVE  # the rest of the form is saved, not the state
    assert goal.title == "Effektive akuttilbud (nyt navn)"

    # The paper's goal rows are read-only in the same way.
    page = staff.get(reverse("admin:goals_goalpaper_change", args=[paper.pk])).content.decode()
    assert 'name="goals-0-state"' not in page


def test_the_list_shows_the_state_without_editing_it(staff, goal):
    page = staff.get(reverse("admin:goals_goal_changelist")).content.decode()
    assert "aktivt" in page and 'name="form-0-state"' not in page


def test_a_new_goal_starts_in_a_chosen_state(staff, paper):
    page = staff.get(reverse("admin:goals_goal_add")).content.decode()
    assert 'name="state"' in page


def test_the_decision_changes_it(staff, goal, open_status_round, secretariat):
    rounds.decide_goal(open_status_round, goal, decision="achieved", by=secretariat)
    page = staff.get(reverse("admin:goals_goal_change", args=[goal.pk])).content.decode()
    assert "opfyldt" in page
    goal.refresh_from_db()
    assert goal.state == Goal.State.ACHIEVED
    assert goal.history.first().history_user == secretariat


@pytest.mark.parametrize("state", ["achieved", "revised", "retired"])
def test_a_new_goal_cannot_start_as_history(staff, paper, goal, state):
    """Achieved, revised and retired are what a decision makes of a goal; the add form offers
    only "not adopted yet" and "active"."""
    data = goal_post_data(goal, number="99", title="Et nyt mål", state=state)
    response = staff.post(reverse("admin:goals_goal_add"), data)
    assert response.status_code == 200
    assert not Goal.objects.filter(paper=paper, number="99").exists()
    assert list(response.context["adminform"].form.errors) == ["state"]
    data["state"] = "pipeline"
    assert staff.post(reverse("admin:goals_goal_add"), data).status_code == 302
    assert Goal.objects.get(paper=paper, number="99").state == Goal.State.PIPELINE


def test_replaces_cannot_make_the_revision_history_go_round(staff, paper, goal):
    """`replaces` is edited on the goal's page, but not into a circle (the decisions page's
    rule, `Goal.revision_refusal`)."""
    other = paper.goals.exclude(pk=goal.pk).order_by("order", "number").first()
    url = reverse("admin:goals_goal_change", args=[goal.pk])
    assert staff.post(url, goal_post_data(goal, replaces=other.pk)).status_code == 302
    response = staff.post(
        reverse("admin:goals_goal_change", args=[other.pk]), goal_post_data(other, replaces=goal.pk)
    )
    assert response.status_code == 200
    assert "som det selv har erstattet" in response.content.decode()
    other.refresh_from_db()
    assert other.replaces_id is None
