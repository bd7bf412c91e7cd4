"""Every change to a goal or a milestone is kept with who made it and when, and the
secretariat reads it on the object's "Historik" page in the admin."""

import pytest

from goals.models import Milestone
from tests.test_admin_scoping import goal_post_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def goal(paper):
    return paper.goals.get(number="1")


def test_an_admin_edit_is_recorded_with_who_and_what(client, secretariat, goal):
    client.force_login(secretariat)

    response = client.post(
        f"/admin/goals/goal/{goal.pk}/change/",
        goal_post_data(goal, title="Effektive akuttilbud til alle borgere", state="revised"),
    )

    assert response.status_code == 302
    latest, before = goal.history.order_by("-history_date", "-history_id")[:2]
    assert latest.history_type == "~"
    assert latest.history_user == secretariat
    assert latest.title == "Effektive akuttilbud til alle borgere"
    assert before.title == "Effektive akuttilbud"
    changed = {change.field for change in latest.diff_against(before).changes}
    assert changed == {"title", "state"}


def test_the_history_page_shows_who_changed_what(client, secretariat, goal, paper):
    client.force_login(secretariat)
    youth = paper.goals.get(number="2")
    client.post(
        f"/admin/goals/goal/{goal.pk}/change/",
        goal_post_data(
            goal,
            title="Effektive akuttilbud til alle borgere",
            state="revised",
            replaces=youth.pk,
        ),
    )

    response = client.get(f"/admin/goals/goal/{goal.pk}/history/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Historik" in page
    assert "sekretariat-hovedstaden" in page
    assert "Titel:" in page  # the field, by its Danish name
    assert "Effektive akuttilbud" in page and "til alle borgere" in page
    assert "ændret" in page and "oprettet" in page
    assert "aktivt&nbsp;&rarr;&nbsp;revideret" in page  # choices by their Danish labels
    assert "–&nbsp;&rarr;&nbsp;2 Unges sundhed" in page  # an empty link reads as "–"


def test_an_inline_milestone_edit_is_recorded_too(client, secretariat, goal):
    client.force_login(secretariat)
    milestone = goal.milestones.get(order=1)
    data = goal_post_data(goal)
    milestones = list(goal.milestones.order_by("order", "id"))
    data.update(
        {"milestones-TOTAL_FORMS": len(milestones), "milestones-INITIAL_FORMS": len(milestones)}
    )
    for i, m in enumerate(milestones):
        data.update(
            {
                f"milestones-{i}-id": m.pk,
                f"milestones-{i}-goal": goal.pk,
                f"milestones-{i}-order": m.order,
                f"milestones-{i}-scope": m.scope,
                f"milestones-{i}-text": m.text,
                f"milestones-{i}-lead": m.lead,
                f"milestones-{i}-due": m.due.isoformat() if m.due else "",
                f"milestones-{i}-due_text": m.due_text,
                f"milestones-{i}-baseline_count": m.baseline_count or "",
                f"milestones-{i}-baseline_of": m.baseline_of or "",
                f"milestones-{i}-baseline_year": m.baseline_year or "",
            }
        )
    data["milestones-0-baseline_count"] = 2

    response = client.post(f"/admin/goals/goal/{goal.pk}/change/", data)

    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.baseline_count == 2
    latest = milestone.history.latest()
    assert latest.history_user == secretariat
    assert latest.prev_record.baseline_count == 1
    page = client.get(f"/admin/goals/milestone/{milestone.pk}/history/").content.decode()
    assert "sekretariat-hovedstaden" in page


def test_a_baseline_above_its_total_is_a_form_error_not_a_crash(client, secretariat, goal):
    client.force_login(secretariat)
    milestone = goal.milestones.get(order=1)

    response = client.post(
        f"/admin/goals/milestone/{milestone.pk}/change/",
        {
            "goal": goal.pk,
            "order": 1,
            "text": milestone.text,
            "scope": milestone.scope,
            "baseline_count": 5,
            "baseline_of": 3,
            "baseline_year": 2016,
        },
    )

    assert response.status_code == 200
    assert "Udgangspunktet kan ikke være større end det samlede antal." in (
        response.content.decode()
    )
    assert Milestone.objects.get(pk=milestone.pk).baseline_count == 1
    assert milestone.history.count() == 1  # nothing saved, nothing recorded
