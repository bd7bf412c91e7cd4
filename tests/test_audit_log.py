"""Every state change of the workflow, and every add, change and delete in the admin, is one
JSON line on stdout: who did what to which object, when, from which address in which request,
whichever page or command made it, and only once it has committed."""

import datetime
import json
import logging
import logging.config

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from goals import rounds
from goals.models import Goal
from goals.models import GoalDecision
from goals.models import StatusReport
from reports import publishing
from tests.builders import confirm_submission
from tests.builders import filled_in
from tests.builders import goal_post_data
from tests.builders import opened_round
from tests.builders import submitted
from tests.log_capture import captured_log_lines


@pytest.fixture
def audit_lines(caplog):
    """The audit logger's lines, parsed. It does not propagate to the root logger (its own
    handler prints bare JSON on stdout), so caplog listens on it directly."""
    logger = logging.getLogger("kkrmaal.audit")
    logger.addHandler(caplog.handler)
    yield lambda: [
        json.loads(record.getMessage()) for record in caplog.records if record.name == logger.name
    ]
    logger.removeHandler(caplog.handler)


def test_each_transition_of_a_round_is_one_line_with_who_what_and_which(
    paper,
    municipalities,
    reporters,
    secretariat,
    audit_lines,
    django_capture_on_commit_callbacks,
):
    goal = paper.goals.get(number="1")
    with django_capture_on_commit_callbacks(execute=True):
        status_round = opened_round(paper, by=secretariat)
        report = StatusReport.objects.get(round=status_round, municipality=municipalities[101])
        report = submitted(report, reporters[101])  # saved, then submitted
        report = rounds.return_report(report, comment="Uddyb venligst linje 1.", by=secretariat)
        report = submitted(report, reporters[101])
        rounds.approve_report(report, by=secretariat)
        progress = status_round.joint_progress.first()
        rounds.record_joint_progress(progress, status="met", comment="", by=secretariat)
        rounds.decide_goal(status_round, goal, decision="continue", by=secretariat)
        rounds.close_round(status_round, by=secretariat)
        publishing.publish_round(status_round, by=secretariat)
        rounds.reopen_round(status_round, reason="Rettelse af Københavns status", by=secretariat)

    lines = audit_lines()
    assert [line["event"] for line in lines] == [
        "round.opened",
        "report.saved",
        "report.submitted",
        "report.returned",
        "report.saved",
        "report.submitted",
        "report.approved",
        "joint_progress.recorded",
        "goal.decided",
        "round.closed",
        "round.published",
        "round.reopened",
    ]
    opened, saved = lines[0], lines[1]
    assert opened["user"] == secretariat.username and opened["user_id"] == secretariat.pk
    assert opened["object"] == "goals.StatusRound" and opened["object_id"] == status_round.pk
    assert opened["year"] == timezone.localdate().year and opened["state"] == "open"
    assert saved["user"] == reporters[101].username
    assert saved["object"] == "goals.StatusReport" and saved["object_id"] == report.pk
    assert saved["municipality_id"] == municipalities[101].pk
    assert saved["round_id"] == status_round.pk
    approved = lines[6]
    assert approved["state"] == "approved" and approved["user"] == secretariat.username
    decided = lines[8]
    assert decided["object"] == "goals.GoalDecision"
    assert decided["object_id"] == GoalDecision.objects.get(round=status_round, goal=goal).pk
    assert decided["goal_id"] == goal.pk and decided["decision"] == "continue"
    assert lines[-1]["reason"] == "Rettelse af Københavns status"
    assert lines[-1]["state"] == "open"


def test_the_reporting_page_logs_through_the_same_functions(
    reporter, report, audit_lines, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = reporter.post(f"/indberetning/{report.pk}/", filled_in(report))
    assert response.status_code == 302

    lines = audit_lines()
    assert [line["event"] for line in lines] == ["report.saved"]
    assert lines[0]["user"] == "indberetter-101" and lines[0]["object_id"] == report.pk


def test_a_change_that_is_rolled_back_is_not_logged(
    report, reporters, audit_lines, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        rounds.save_report(report, version=report.version, lines={}, values={}, by=reporters[101])
        raise RuntimeError("the request failed after saving")

    assert audit_lines() == []


def test_the_line_is_printed_on_stdout_as_bare_json(
    report, reporters, capsys, django_capture_on_commit_callbacks
):
    # The logging configuration binds stdout when it is applied: apply the audit part of it
    # again while pytest captures stdout, and put the logger back afterwards.
    logger = logging.getLogger("kkrmaal.audit")
    handlers = logger.handlers[:]
    audit_only = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": settings.LOGGING["filters"],
        "formatters": settings.LOGGING["formatters"],
        "handlers": {"audit": settings.LOGGING["handlers"]["audit"]},
        "loggers": {"kkrmaal.audit": settings.LOGGING["loggers"]["kkrmaal.audit"]},
    }
    logging.config.dictConfig(audit_only)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            rounds.save_report(
                report, version=report.version, lines={}, values={}, by=reporters[101]
            )
        out = capsys.readouterr().out
    finally:
        logger.handlers = handlers

    (line,) = out.splitlines()
    assert json.loads(line)["event"] == "report.saved"
    assert json.loads(line)["user"] == "indberetter-101"


@pytest.fixture
def log_lines():
    with captured_log_lines() as lines:
        yield lines


def audit_events(log_lines, event):
    return [
        line for line in log_lines() if line["logger"] == "kkrmaal.audit" and line["event"] == event
    ]


def test_a_submission_says_when_from_which_address_and_in_which_request(
    reporter, reporters, report, log_lines, django_capture_on_commit_callbacks
):
    url = reverse("goals:report_form", args=[report.pk])
    reporter.post(
        url, filled_in(report, status="met", comment="Det går godt", value="12,5", button="submit")
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = confirm_submission(
            reporter, report, REMOTE_ADDR="203.0.113.7", HTTP_X_REQUEST_ID="submit-7f3a"
        )

    assert response.status_code == 302
    assert response["X-Request-ID"] == "submit-7f3a"
    [line] = audit_events(log_lines, "report.submitted")
    assert line["request_id"] == "submit-7f3a"
    assert line["client_address"] == "203.0.113.7"
    time = datetime.datetime.fromisoformat(line["time"])
    assert time.utcoffset() == datetime.timedelta(0)
    assert abs(datetime.datetime.now(datetime.UTC) - time) < datetime.timedelta(minutes=1)
    assert line["user"] == reporters[101].username and line["object_id"] == report.pk
    assert line["state"] == "submitted"


def test_a_change_outside_a_request_has_no_request(
    report, reporters, log_lines, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        rounds.save_report(report, version=report.version, lines={}, values={}, by=reporters[101])

    [line] = audit_events(log_lines, "report.saved")
    assert line["request_id"] is None and line["client_address"] is None
    assert line["time"]


def test_an_admin_edit_of_a_goal_names_the_goal_the_user_and_the_changed_fields(
    staff, secretariat, paper, log_lines, django_capture_on_commit_callbacks
):
    goal = paper.goals.get(number="1")

    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            f"/admin/goals/goal/{goal.pk}/change/",
            goal_post_data(goal, title="Effektive akuttilbud til alle borgere", kind="development"),
            HTTP_X_REQUEST_ID="admin-edit-1",
        )

    assert response.status_code == 302
    [line] = audit_events(log_lines, "admin.changed")
    assert line["object"] == "goals.Goal" and line["object_id"] == goal.pk
    assert line["object_repr"] == str(Goal.objects.get(pk=goal.pk))
    assert line["user"] == secretariat.username and line["user_id"] == secretariat.pk
    [change] = line["changes"]
    assert sorted(change["changed"]["fields"]) == ["Titel", "Type"]
    assert line["request_id"] == "admin-edit-1" and line["client_address"] == "127.0.0.1"


def test_deleting_several_at_once_in_the_admin_is_one_line_each(
    staff, paper, log_lines, django_capture_on_commit_callbacks
):
    # Django saves the log entries of "Slet valgte" in one bulk_create, which sends no signal.
    goals = [
        Goal.objects.create(paper=paper, number=f"9.{i}", order=90 + i, title=f"Mål {i}")
        for i in range(2)
    ]

    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            "/admin/goals/goal/",
            {"action": "delete_selected", "_selected_action": [g.pk for g in goals], "post": "yes"},
        )

    assert response.status_code == 302
    assert not Goal.objects.filter(pk__in=[g.pk for g in goals]).exists()
    deleted = audit_events(log_lines, "admin.deleted")
    assert sorted(line["object_id"] for line in deleted) == [g.pk for g in goals]
    assert [line["object"] for line in deleted] == ["goals.Goal", "goals.Goal"]
    assert {line["object_repr"] for line in deleted} == {str(g) for g in goals}
