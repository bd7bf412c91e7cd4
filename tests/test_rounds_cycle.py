"""The full yearly cycle through the domain functions: open → draft → submit → return →
resubmit → approve → decide → close → publish, with the history and mail it leaves."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from goals import rounds
from goals.models import (
    Goal,
    GoalDecision,
    IndicatorValue,
    JointProgress,
    MilestoneStatus,
    StatusReport,
    StatusRound,
)
from reports.models import Publication, StoredPaper


@pytest.fixture
def planned_round(paper):
    today = timezone.localdate()
    return StatusRound.objects.create(
        paper=paper,
        year=today.year,
        opens=today,
        deadline=today + datetime.timedelta(days=30),
    )


def answers(report, status="met"):
    return {
        line.milestone_id: {"status": status, "comment": "Fint", "evidence_url": ""}
        for line in report.lines.all()
    }


def test_opening_creates_reports_lines_values_and_joint_rows_once(
    planned_round,
    municipalities,
    reporters,
    clusters,
    secretariat,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        rounds.open_round(planned_round, by=secretariat)
    planned_round.refresh_from_db()
    assert planned_round.state == StatusRound.State.OPEN
    assert planned_round.reports.count() == 3
    # two municipal milestones per report, one indicator per report
    assert MilestoneStatus.objects.filter(report__round=planned_round).count() == 6
    assert IndicatorValue.objects.filter(report__round=planned_round).count() == 3
    joint = JointProgress.objects.filter(round=planned_round)
    assert [(p.milestone.scope, p.cluster) for p in joint] == [("joint", None)]
    assert len(mail.outbox) == 3
    assert "Statusrunden" in mail.outbox[0].subject
    assert "/indberetning/" in mail.outbox[0].body
    assert planned_round.history.first().history_user == secretariat

    rounds.open_round(planned_round, by=secretariat)
    assert planned_round.reports.count() == 3
    assert MilestoneStatus.objects.filter(report__round=planned_round).count() == 6
    assert JointProgress.objects.filter(round=planned_round).count() == 1
    assert len(mail.outbox) == 3


def test_development_areas_and_pipeline_goals_are_not_asked_about(
    planned_round, paper, municipalities, secretariat
):
    area = Goal.objects.create(
        paper=paper,
        number="A",
        order=9,
        title="Udviklingsområde",
        kind=Goal.Kind.DEVELOPMENT_AREA,
        state=Goal.State.PIPELINE,
    )
    area.milestones.create(text="Undersøg muligheder")
    rounds.open_round(planned_round, by=secretariat)
    assert not MilestoneStatus.objects.filter(milestone__goal=area).exists()


def test_full_cycle(
    planned_round, paper, municipalities, reporters, secretariat, django_capture_on_commit_callbacks
):
    rounds.open_round(planned_round, by=secretariat)
    report = StatusReport.objects.get(round=planned_round, municipality=municipalities[101])
    reporter = reporters[101]
    indicator = paper.goals.get(number="2").indicators.get()

    with pytest.raises(rounds.TransitionError) as refused:
        rounds.approve_report(report, by=secretariat)
    assert "kun godkendes, når den er indsendt" in refused.value.text

    report = rounds.save_report(
        report,
        version=report.version,
        lines=answers(report, status="in_progress"),
        values={indicator.pk: Decimal("12.50")},
        by=reporter,
    )
    assert report.state == StatusReport.State.DRAFT
    assert report.indicator_values.get().value == Decimal("12.50")
    assert report.lines.first().history.first().history_user == reporter

    report = rounds.submit_report(report, by=reporter)
    assert report.state == StatusReport.State.SUBMITTED
    assert report.submitted_by == reporter

    with pytest.raises(rounds.TransitionError):
        rounds.return_report(report, comment="  ", by=secretariat)
    with django_capture_on_commit_callbacks(execute=True):
        report = rounds.return_report(report, comment="Uddyb venligst mål 2.", by=secretariat)
    assert report.state == StatusReport.State.RETURNED
    assert "Uddyb venligst mål 2." in mail.outbox[-1].body

    report = rounds.save_report(
        report, version=report.version, lines=answers(report), values={}, by=reporter
    )
    report = rounds.submit_report(report, by=reporter)
    with django_capture_on_commit_callbacks(execute=True):
        report = rounds.approve_report(report, by=secretariat)
    assert report.state == StatusReport.State.APPROVED
    assert "godkendt" in mail.outbox[-1].subject
    with pytest.raises(rounds.TransitionError):
        rounds.save_report(report, version=report.version, lines={}, values={}, by=reporter)

    progress = JointProgress.objects.get(round=planned_round)
    rounds.record_joint_progress(
        progress, status="in_progress", comment="Plan i høring", by=secretariat
    )

    acute, youth = paper.goals.get(number="1"), paper.goals.get(number="2")
    revised = Goal.objects.create(
        paper=paper, number="2b", order=3, title="Unges trivsel", state=Goal.State.PIPELINE
    )
    rounds.decide_goal(planned_round, acute, decision="achieved", by=secretariat)
    rounds.decide_goal(
        planned_round, youth, decision="revise", new_goal=revised, comment="Skærpet", by=secretariat
    )
    acute.refresh_from_db()
    youth.refresh_from_db()
    revised.refresh_from_db()
    assert acute.state == Goal.State.ACHIEVED
    assert youth.state == Goal.State.REVISED
    assert revised.replaces == youth and revised.state == Goal.State.ACTIVE
    assert GoalDecision.objects.filter(round=planned_round).count() == 2
    assert youth.history.first().history_user == secretariat

    with pytest.raises(rounds.TransitionError):
        rounds.publish_round(planned_round, by=secretariat)
    rounds.close_round(planned_round, by=secretariat)
    with django_capture_on_commit_callbacks(execute=True):
        rounds.publish_round(planned_round, by=secretariat)
    planned_round.refresh_from_db()
    assert planned_round.state == StatusRound.State.PUBLISHED
    # Frozen as its first publication, with its papers rendered after the commit.
    publication = Publication.objects.latest_for(planned_round)
    assert (publication.version, publication.published_by) == (1, secretariat)
    assert set(
        StoredPaper.objects.filter(publication=publication).values_list("state", flat=True)
    ) == {StoredPaper.State.DONE}

    with pytest.raises(rounds.TransitionError):
        rounds.decide_goal(planned_round, acute, decision="continue", by=secretariat)
    with pytest.raises(rounds.TransitionError):
        rounds.reopen_round(planned_round, reason="", by=secretariat)
    rounds.reopen_round(planned_round, reason="Fejl i Hillerøds tal", by=secretariat)
    planned_round.refresh_from_db()
    assert planned_round.state == StatusRound.State.OPEN
    assert planned_round.reopen_reason == "Fejl i Hillerøds tal"
    assert planned_round.history.first().history_change_reason == "Fejl i Hillerøds tal"


def test_adopting_a_development_area_as_a_new_goal(open_status_round, paper, secretariat):
    area = Goal.objects.create(
        paper=paper,
        number="A",
        order=9,
        title="Sammenhængende forløb for borgere med demens",
        kind=Goal.Kind.DEVELOPMENT_AREA,
        state=Goal.State.PIPELINE,
    )
    decision = rounds.decide_goal(open_status_round, area, decision="new", by=secretariat)
    area.refresh_from_db()
    assert (area.kind, area.state) == (Goal.Kind.COMMITMENT, Goal.State.ACTIVE)
    assert decision.new_goal is None
    assert area.history.first().history_user == secretariat


def test_a_goal_of_another_paper_cannot_be_decided_in_this_round(
    open_status_round, other_region, secretariat
):
    from goals.models import GoalPaper

    other = GoalPaper.objects.create(
        region=other_region,
        title="Syddanmarks mål",
        kind=GoalPaper.Kind.KKR_GOALS,
        adopted_year=2019,
        first_year=2019,
        last_year=2022,
        source="other.txt",
    )
    stranger = Goal.objects.create(paper=other, number="1", title="Fremmed mål")
    with pytest.raises(rounds.TransitionError) as refused:
        rounds.decide_goal(open_status_round, stranger, decision="achieved", by=secretariat)
    assert "hører ikke til rundens målpapir" in refused.value.text
    stranger.refresh_from_db()
    assert stranger.state == Goal.State.ACTIVE
