"""`manage.py send_reminders` and the scheduler's daily job: reporters of unsubmitted reports
are reminded REMINDER_DAYS_BEFORE days before the deadline (kindly) and when it has passed
(firmly), each reminder once."""

import datetime
from io import StringIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from goals import rounds
from goals.models import Reminder
from goals.models import StatusReport
from goals.models import StatusRound
from tests.builders import command_error

pytestmark = pytest.mark.django_db


def set_deadline(status_round, days_from_today):
    today = timezone.localdate()
    deadline = today + datetime.timedelta(days=days_from_today)
    StatusRound.objects.filter(pk=status_round.pk).update(
        opens=min(today, deadline) - datetime.timedelta(days=30), deadline=deadline
    )


def run(*args):
    out = StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


def test_nothing_is_sent_while_the_deadline_is_far_away(open_status_round):
    mail.outbox.clear()
    assert "Sendte 0" in run()
    assert mail.outbox == []


def test_reminders_before_the_deadline_go_out_once_and_skip_submitted_reports(
    open_status_round, municipalities, reporters
):
    set_deadline(open_status_round, 5)
    submitted = StatusReport.objects.get(round=open_status_round, municipality=municipalities[147])
    rounds.save_report(
        submitted,
        version=submitted.version,
        lines={
            m: {"status": "met"} for m in submitted.lines.values_list("milestone_id", flat=True)
        },
        values={},
        by=reporters[147],
    )
    rounds.submit_report(submitted, by=reporters[147])
    mail.outbox.clear()

    assert "Sendte 2" in run()
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == ["indberetter-101@example.dk", "indberetter-219@example.dk"]
    message = mail.outbox[0]
    assert message.subject.startswith("Påmindelse: statusindberetning")
    assert "endnu ikke indsendt" in message.body
    report = StatusReport.objects.get(round=open_status_round, municipality=municipalities[101])
    link = f"{settings.SITE_URL}/indberetning/{report.pk}/"
    assert any(link in m.body for m in mail.outbox if m.to == ["indberetter-101@example.dk"])
    assert Reminder.objects.filter(kind=Reminder.Kind.BEFORE_DEADLINE).count() == 2

    assert "Sendte 0" in run()
    assert len(mail.outbox) == 2


def test_the_days_option_moves_the_first_reminder(open_status_round):
    set_deadline(open_status_round, 20)
    mail.outbox.clear()
    assert "Sendte 0" in run()
    assert "Sendte 3" in run("--days", "21")
    assert len(mail.outbox) == 3


def test_the_scheduled_job_reminds_the_days_the_setting_says_before_the_deadline(
    open_status_round, settings
):
    """Two weeks before by default; a region that wants a month sets REMINDER_DAYS_BEFORE."""
    from reports import tasks

    assert settings.REMINDER_DAYS_BEFORE == 14
    set_deadline(open_status_round, 14)
    mail.outbox.clear()
    assert tasks.send_reminders.enqueue().return_value == 3
    assert all(m.subject.startswith("Påmindelse: statusindberetning") for m in mail.outbox)

    set_deadline(open_status_round, 30)
    Reminder.objects.all().delete()
    settings.REMINDER_DAYS_BEFORE = 29
    assert tasks.send_reminders.enqueue().return_value == 0
    settings.REMINDER_DAYS_BEFORE = 30
    assert tasks.send_reminders.enqueue().return_value == 3


def test_an_overdue_report_gets_one_more_reminder(open_status_round):
    set_deadline(open_status_round, 3)
    run()
    mail.outbox.clear()
    set_deadline(open_status_round, -1)
    assert "Sendte 0" in run()  # never two reminders on one day
    Reminder.objects.update(sent_at=timezone.now() - datetime.timedelta(days=4))

    assert "Sendte 3" in run()
    assert all("overskredet" in message.subject for message in mail.outbox)
    assert "Sendte 0" in run()
    assert len(mail.outbox) == 3
    assert Reminder.objects.count() == 6


def test_a_closed_round_sends_no_reminders(open_status_round, secretariat):
    set_deadline(open_status_round, -1)
    rounds.close_round(open_status_round, by=secretariat)
    mail.outbox.clear()
    assert "Sendte 0" in run()
    assert mail.outbox == []


def test_send_reminders_refuses_negative_days(open_status_round):
    assert "--days skal være 0 eller mere." in command_error("send_reminders", "--days", "-1")
