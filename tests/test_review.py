"""The secretariat's pages: the round overview with its counts and filters, reviewing a
report beside the previous round, joint progress, decisions, and closing, publishing and
reopening a round."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from goals import rounds
from goals.models import (
    Goal,
    GoalDecision,
    JointProgress,
    MilestoneStatus,
    StatusReport,
    StatusRound,
)

pytestmark = pytest.mark.django_db


def submit(report, user, status="met", comment=""):
    report = rounds.save_report(
        report,
        version=report.version,
        lines={
            m: {"status": status, "comment": comment}
            for m in report.lines.values_list("milestone_id", flat=True)
        },
        values={},
        by=user,
    )
    return rounds.submit_report(report, by=user)


@pytest.fixture
def reports(open_status_round, municipalities):
    return {
        code: StatusReport.objects.get(round=open_status_round, municipality=m)
        for code, m in municipalities.items()
    }


def test_the_overview_counts_who_has_reported_and_filters(
    staff, open_status_round, reports, reporters, clusters
):
    submit(reports[101], reporters[101])
    url = reverse("goals:round_overview", args=[open_status_round.pk])

    text = staff.get(url).content.decode()
    assert "<strong>1 af 3</strong> indberettet" in text
    assert "København" in text and "Frederiksberg" in text and "Hillerød" in text
    assert "indberetter-101" in text  # submitted by whom

    nord = staff.get(url, {"klynge": clusters["Nord"].pk}).content.decode()
    assert "Hillerød" in nord and "Frederiksberg" not in nord
    submitted = staff.get(url, {"tilstand": "submitted"}).content.decode()
    assert "København" in submitted and "Hillerød" not in submitted
    assert "<strong>1 af 3</strong> indberettet" in submitted  # counts stay for the whole round


def test_overdue_reports_are_marked(staff, open_status_round, reports, reporters):
    submit(reports[101], reporters[101])
    StatusRound.objects.filter(pk=open_status_round.pk).update(
        opens=datetime.date(2020, 1, 1), deadline=datetime.date(2020, 2, 1)
    )
    text = staff.get(reverse("goals:round_overview", args=[open_status_round.pk])).content.decode()
    assert text.count('<tr class="overdue">') == 2
    assert "overskredet</span> 2" in text


def test_review_shows_the_previous_round_beside_this_one(
    staff, paper, open_status_round, reports, reporters, municipalities
):
    previous = StatusRound.objects.create(
        paper=paper,
        year=open_status_round.year - 1,
        opens=datetime.date(2020, 1, 1),
        deadline=datetime.date(2020, 2, 1),
        state=StatusRound.State.PUBLISHED,
    )
    old = StatusReport.objects.create(round=previous, municipality=municipalities[101])
    for line in reports[101].lines.all():
        MilestoneStatus.objects.create(
            report=old, milestone=line.milestone, status="not_started", comment="Sidste år"
        )
    submit(reports[101], reporters[101], comment="I år")

    text = staff.get(reverse("goals:review_report", args=[reports[101].pk])).content.decode()
    assert "I år" in text and "Sidste år" in text
    assert f"({previous.year})" in text
    assert "Godkend" in text and "Send retur med kommentar" in text


def test_returning_needs_a_comment_and_tells_the_municipality(
    staff, open_status_round, reports, reporters
):
    submit(reports[101], reporters[101])
    url = reverse("goals:review_report", args=[reports[101].pk])

    text = staff.post(url, {"action": "return", "comment": " "}).content.decode()
    assert "Skriv en kommentar, så kommunen ved, hvad der skal rettes." in text
    reports[101].refresh_from_db()
    assert reports[101].state == StatusReport.State.SUBMITTED

    with_comment = {"action": "return", "comment": "Uddyb mål 2"}
    response = staff.post(url, with_comment, follow=True)
    assert "sendt retur til kommunen" in response.content.decode()
    reports[101].refresh_from_db()
    assert reports[101].state == StatusReport.State.RETURNED
    assert reports[101].review_comment == "Uddyb mål 2"


def test_approving_a_submitted_report(
    staff, secretariat, open_status_round, reports, reporters, django_capture_on_commit_callbacks
):
    submit(reports[147], reporters[147])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            reverse("goals:review_report", args=[reports[147].pk]),
            {"action": "approve"},
            follow=True,
        )
    assert "Indberetningen er godkendt." in response.content.decode()
    reports[147].refresh_from_db()
    assert reports[147].state == StatusReport.State.APPROVED
    assert reports[147].reviewed_by == secretariat
    assert reports[147].history.first().history_user == secretariat
    assert mail.outbox[0].to == ["indberetter-147@example.dk"]
    assert "godkendt" in mail.outbox[0].subject


def test_joint_progress_is_recorded(staff, secretariat, open_status_round):
    progress = JointProgress.objects.get(round=open_status_round)
    url = reverse("goals:joint_progress", args=[open_status_round.pk])
    assert "Kommunerne udarbejder en fælles plan." in staff.get(url).content.decode()

    staff.post(url, {f"p{progress.pk}-status": "in_progress", f"p{progress.pk}-comment": "Udkast"})

    progress.refresh_from_db()
    assert (progress.status, progress.comment) == ("in_progress", "Udkast")
    assert progress.history.first().history_user == secretariat


def test_decisions_tick_off_and_revise_goals(staff, paper, open_status_round):
    acute, youth = paper.goals.get(number="1"), paper.goals.get(number="2")
    revised = Goal.objects.create(
        paper=paper, number="2a", order=3, title="Unges trivsel", state=Goal.State.PIPELINE
    )
    url = reverse("goals:decisions", args=[open_status_round.pk])

    missing = staff.post(url, {f"g{youth.pk}-decision": "revise"}).content.decode()
    assert "Vælg det reviderede mål, der erstatter målet." in missing
    assert not GoalDecision.objects.exists()

    staff.post(
        url,
        {
            f"g{acute.pk}-decision": "achieved",
            f"g{youth.pk}-decision": "revise",
            f"g{youth.pk}-new_goal": revised.pk,
            f"g{youth.pk}-comment": "Målet skærpes",
        },
    )
    acute.refresh_from_db()
    youth.refresh_from_db()
    revised.refresh_from_db()
    assert acute.state == Goal.State.ACHIEVED
    assert youth.state == Goal.State.REVISED
    assert revised.replaces == youth
    assert GoalDecision.objects.get(goal=youth).comment == "Målet skærpes"


def test_close_publish_reopen_buttons_and_published_is_read_only(
    staff, paper, open_status_round, django_capture_on_commit_callbacks
):
    action = reverse("goals:round_action", args=[open_status_round.pk])
    staff.post(action, {"action": "close"})
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(action, {"action": "publish"}, follow=True)
    assert "Runden er offentliggjort." in response.content.decode()
    open_status_round.refresh_from_db()
    assert open_status_round.state == StatusRound.State.PUBLISHED

    progress = JointProgress.objects.get(round=open_status_round)
    url = reverse("goals:joint_progress", args=[open_status_round.pk])
    assert "kan kun ses" in staff.get(url).content.decode()
    staff.post(url, {f"p{progress.pk}-status": "met"})
    progress.refresh_from_db()
    assert progress.status == ""
    acute = paper.goals.get(number="1")
    response = staff.post(
        reverse("goals:decisions", args=[open_status_round.pk]),
        {f"g{acute.pk}-decision": "achieved"},
    )
    assert not GoalDecision.objects.exists()

    response = staff.post(action, {"action": "reopen", "reason": "Rettelse af tal"}, follow=True)
    assert "Runden er genåbnet." in response.content.decode()
    open_status_round.refresh_from_db()
    assert open_status_round.state == StatusRound.State.OPEN
    assert open_status_round.history.first().history_change_reason == "Rettelse af tal"


def test_a_round_is_created_and_opened_from_the_secretariat_pages(
    staff, paper, municipalities, reporters
):
    response = staff.post(
        reverse("goals:secretariat_home"),
        {
            "round-paper": paper.pk,
            "round-year": 2030,
            "round-opens": "2030-01-10",
            "round-deadline": "2030-01-05",
        },
    )
    assert "Fristen skal ligge efter åbningsdatoen." in response.content.decode()
    staff.post(
        reverse("goals:secretariat_home"),
        {
            "round-paper": paper.pk,
            "round-year": 2030,
            "round-opens": "2030-01-10",
            "round-deadline": "2030-03-01",
        },
    )
    created = StatusRound.objects.get(year=2030)
    assert created.state == StatusRound.State.PLANNED
    staff.post(reverse("goals:round_action", args=[created.pk]), {"action": "open"})
    assert created.reports.count() == 3


def test_the_secretariat_home_lists_only_the_users_regions(
    client, other_secretariat, open_status_round, other_region
):
    client.force_login(other_secretariat)
    text = client.get(reverse("goals:secretariat_home")).content.decode()
    assert "Der er ingen statusrunder endnu." in text
    assert reverse("goals:round_overview", args=[open_status_round.pk]) not in text
    assert f'<option value="{open_status_round.paper.pk}"' not in text  # not offered for a round
    assert "Hovedstaden" not in text


def test_pages_cope_with_changes_made_without_a_user(
    staff, client, open_status_round, reports, reporters
):
    """The demo and management commands act with by=None; the pages must still show them."""
    submit(reports[219], None)
    overview = staff.get(reverse("goals:round_overview", args=[open_status_round.pk]))
    assert overview.status_code == 200
    review = staff.get(reverse("goals:review_report", args=[reports[219].pk]))
    assert review.status_code == 200
    client.force_login(reporters[219])
    assert client.get(reverse("goals:report_form", args=[reports[219].pk])).status_code == 200
