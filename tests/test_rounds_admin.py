"""The rounds in the admin: region scoped, with actions that call the same domain functions
as the site, and a published round read-only."""

import pytest
from django.urls import reverse

from goals.models import JointProgress, StatusReport, StatusRound

pytestmark = pytest.mark.django_db


def test_round_list_shows_progress_and_only_the_users_region(
    staff, client, open_status_round, other_secretariat
):
    text = staff.get(reverse("admin:goals_statusround_changelist")).content.decode()
    assert "0 af 3" in text
    assert reverse("goals:round_overview", args=[open_status_round.pk]) in text

    client.force_login(other_secretariat)
    change = reverse("admin:goals_statusround_change", args=[open_status_round.pk])
    assert client.get(change).status_code in (302, 404)
    report = open_status_round.reports.first()
    assert client.get(reverse("admin:goals_statusreport_change", args=[report.pk])).status_code in (
        302,
        404,
    )


def test_admin_actions_open_close_and_publish_through_the_domain_functions(
    staff, paper, municipalities, reporters, django_capture_on_commit_callbacks
):
    status_round = StatusRound.objects.create(
        paper=paper, year=2031, opens="2031-01-01", deadline="2031-03-01"
    )
    url = reverse("admin:goals_statusround_changelist")

    def act(action):
        return staff.post(
            url, {"action": action, "_selected_action": [status_round.pk]}, follow=True
        )

    with django_capture_on_commit_callbacks(execute=True):
        assert "1 runde er åbnet." in act("open_rounds").content.decode()
    assert status_round.reports.count() == 3
    refused = act("publish_rounds").content.decode()
    assert "Runden skal lukkes, før den kan offentliggøres" in refused
    act("close_rounds")
    act("publish_rounds")
    status_round.refresh_from_db()
    assert status_round.state == StatusRound.State.PUBLISHED
    assert status_round.history.first().history_user.username == "sekretariat-hovedstaden"

    # published: read-only, the secretariat included
    change = staff.get(reverse("admin:goals_statusround_change", args=[status_round.pk]))
    assert change.status_code == 200
    assert 'name="deadline"' not in change.content.decode()


def test_report_page_shows_the_lines_read_only_with_history(staff, open_status_round):
    report = StatusReport.objects.filter(round=open_status_round).first()
    page = staff.get(reverse("admin:goals_statusreport_change", args=[report.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Alle kommuner har en akutfunktion" in text
    assert "Unge i forløb" in text
    history = staff.get(reverse("admin:goals_statusreport_history", args=[report.pk]))
    assert history.status_code == 200


def test_joint_progress_saved_in_the_admin_is_recorded_with_its_author(
    staff, secretariat, open_status_round
):
    progress = JointProgress.objects.get(round=open_status_round)
    url = reverse("admin:goals_jointprogress_change", args=[progress.pk])
    staff.post(url, {"status": "met", "comment": "Planen er vedtaget"})
    progress.refresh_from_db()
    assert progress.status == "met"
    assert progress.updated_by == secretariat


@pytest.mark.parametrize(
    "page",
    [
        "admin:goals_statusround_changelist",
        "admin:goals_statusround_add",
        "admin:goals_statusreport_changelist",
        "admin:goals_jointprogress_changelist",
        "admin:goals_goaldecision_changelist",
        "admin:goals_goaldecision_add",
        "admin:goals_reminder_changelist",
    ],
)
def test_every_round_admin_page_opens(staff, open_status_round, page):
    response = staff.get(reverse(page))
    assert response.status_code == 200


def test_a_decision_added_in_the_admin_moves_the_goal(staff, paper, open_status_round):
    goal = paper.goals.get(number="1")
    staff.post(
        reverse("admin:goals_goaldecision_add"),
        {"round": open_status_round.pk, "goal": goal.pk, "decision": "achieved", "comment": ""},
    )
    goal.refresh_from_db()
    assert goal.state == "achieved"
