""" "Send påmindelse nu" on the round cockpit: the secretariat e-mails the reporters of one
municipality that has not sent in, of those not started, or of all, weeks before the deadline
(kindly) as after it (firmly), at most once a day each, whoever sent the day's reminder;
every reminder is recorded with who sent it and logged, and the cockpit comes back filtered
as it was. Only the round's own secretariat may send them."""

import datetime
import json
import logging

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from goals import rounds
from goals.models import Reminder
from goals.models import StatusRound
from tests.builders import first_line
from tests.builders import row_of
from tests.builders import save_line
from tests.builders import submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def late(open_status_round, reports, reporters):
    """København has sent in; Frederiksberg and Hillerød are three days late."""
    submitted(reports[101], reporters[101])
    today = timezone.localdate()
    StatusRound.objects.filter(pk=open_status_round.pk).update(
        opens=today - datetime.timedelta(days=40), deadline=today - datetime.timedelta(days=3)
    )
    mail.outbox.clear()
    return open_status_round


def remind(client, status_round, **data):
    return client.post(
        reverse("secretariat:round_remind", args=[status_round.pk]), data, follow=True
    )


def test_one_late_municipality_is_reminded_once_a_day(
    staff, late, reports, secretariat, caplog, django_capture_on_commit_callbacks
):
    logger = logging.getLogger("kkrmaal.audit")
    logger.addHandler(caplog.handler)  # the logger does not propagate (bare JSON on stdout)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            page = remind(staff, late, report=reports[147].pk).content.decode()
    finally:
        logger.removeHandler(caplog.handler)
    assert "Påmindelsen er sendt til Frederiksberg" in page
    assert [m.to for m in mail.outbox] == [["indberetter-147@example.dk"]]
    assert "overskredet" in mail.outbox[0].subject
    reminder = Reminder.objects.get(report=reports[147])
    assert reminder.kind == Reminder.Kind.MANUAL and reminder.sent_by == secretariat
    events = [json.loads(r.getMessage()) for r in caplog.records if r.name == "kkrmaal.audit"]
    assert [(e["event"], e["municipality_id"], e["user"]) for e in events] == [
        ("report.reminded", reports[147].municipality_id, "sekretariat-hovedstaden")
    ]
    # The row now says when, instead of the button; "all" counts only those left today.
    assert "Påmindet i dag kl." in page
    assert "Send påmindelse nu til den kommune over fristen, der ikke har fået en i dag" in page

    again = remind(staff, late, report=reports[147].pk).content.decode()
    assert "Frederiksberg fik allerede en påmindelse i dag kl." in again
    assert "der er ikke sendt en ny" in again
    assert len(mail.outbox) == 1
    assert Reminder.objects.filter(report=reports[147]).count() == 1


def test_all_late_municipalities_at_once_skipping_those_reminded_today(staff, late, reports):
    remind(staff, late, report=reports[147].pk)
    page = remind(staff, late).content.decode()
    assert "Påmindelsen er sendt til Hillerød" in page
    assert "Frederiksberg fik allerede en påmindelse i dag" in page
    assert "Alle kommuner over fristen har fået en påmindelse i dag." in page
    assert sorted(m.to[0] for m in mail.outbox) == [
        "indberetter-147@example.dk",
        "indberetter-219@example.dk",
    ]
    # København sent in: never reminded, not even when named.
    remind(staff, late, report=reports[101].pk)
    assert not Reminder.objects.filter(report=reports[101]).exists()
    assert len(mail.outbox) == 2


def test_a_reminder_yesterday_does_not_stop_one_today(staff, late, reports):
    remind(staff, late, report=reports[147].pk)
    Reminder.objects.filter(report=reports[147]).update(
        sent_at=timezone.now() - datetime.timedelta(days=1)
    )
    remind(staff, late, report=reports[147].pk)
    assert len(mail.outbox) == 2
    assert Reminder.objects.filter(report=reports[147]).count() == 2


def test_weeks_before_the_deadline_those_not_started_get_a_kind_reminder(
    staff, open_status_round, reports, reporters
):
    """30 days left: Frederiksberg has saved a draft, the others have not started."""
    save_line(reports[147], first_line(reports[147]), reporters[147], status="in_progress")
    mail.outbox.clear()
    url = reverse("secretariat:round_overview", args=[open_status_round.pk])
    page = staff.get(url).content.decode()
    assert "Send påmindelse nu til de 2 kommuner, der ikke har påbegyndt" in page
    assert "Send påmindelse nu til alle 3 kommuner, der ikke har indsendt" in page
    # The daily job's date is on the page, REMINDER_DAYS_BEFORE (14) days before the deadline.
    assert "Den automatiske påmindelse går ud" in page and "14 dage før fristen" in page

    page = remind(staff, open_status_round, hvem="ikke-paabegyndt").content.decode()
    assert "Påmindelserne er sendt til 2 kommuner: Hillerød, København" in page
    assert sorted(m.to[0] for m in mail.outbox) == [
        "indberetter-101@example.dk",
        "indberetter-219@example.dk",
    ]
    # Kind before the deadline: the date to keep, not "overskredet".
    assert all("overskredet" not in m.subject for m in mail.outbox)
    assert all(m.subject.startswith("Påmindelse: statusindberetning") for m in mail.outbox)
    assert "Påmindet i dag kl." in row_of(page, "København")
    assert "Påmindet i dag kl." not in row_of(page, "Frederiksberg")

    # The draft one next; the others already had theirs today.
    page = remind(staff, open_status_round).content.decode()
    assert "Påmindelsen er sendt til Frederiksberg" in page
    assert "København fik allerede en påmindelse i dag" in page
    assert "Alle kommuner, der ikke har indsendt, har fået en påmindelse i dag." in page
    assert len(mail.outbox) == 3


def test_a_report_sent_in_or_a_round_not_open_gets_no_reminder(
    staff, open_status_round, reports, reporters, secretariat
):
    submitted(reports[101], reporters[101])
    mail.outbox.clear()
    page = remind(staff, open_status_round, report=reports[101].pk).content.decode()
    assert "ingen kommuner, der kan få en påmindelse" in page
    rounds.close_round(open_status_round, by=secretariat)
    page = remind(staff, open_status_round, report=reports[147].pk).content.decode()
    assert "ingen kommuner, der kan få en påmindelse" in page
    assert not mail.outbox and not Reminder.objects.exists()


def test_the_cockpit_comes_back_filtered_and_sorted_as_it_was(staff, late, reports):
    query = {"vis": "over-fristen", "sorter": "-kommune", "klynge": ""}
    cockpit = reverse("secretariat:round_overview", args=[late.pk])
    page = staff.get(cockpit, query).content.decode()
    assert 'name="vis" value="over-fristen"' in page  # carried by the reminder's form

    response = staff.post(
        reverse("secretariat:round_remind", args=[late.pk]),
        {"report": reports[147].pk, **query},
    )
    assert response.status_code == 302
    assert response.url == f"{cockpit}?vis=over-fristen&sorter=-kommune"
    # Nothing but the cockpit's own names travels through the redirect.
    response = staff.post(
        reverse("secretariat:round_remind", args=[late.pk]),
        {"next": "//evil.example", "vis": "over-fristen"},
    )
    assert response.url == f"{cockpit}?vis=over-fristen"


def test_the_button_is_a_post_with_csrf(late, client, secretariat, reports):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(secretariat)
    response = strict.post(
        reverse("secretariat:round_remind", args=[late.pk]), {"report": reports[147].pk}
    )
    assert response.status_code == 403
    client.force_login(secretariat)
    assert client.get(reverse("secretariat:round_remind", args=[late.pk])).status_code == 405
    page = client.get(reverse("secretariat:round_overview", args=[late.pk])).content.decode()
    assert "Send påmindelse nu" in page and "csrfmiddlewaretoken" in page
    assert not mail.outbox


def test_other_regions_secretariat_and_reporters_are_refused(
    client, late, reports, reporters, other_secretariat
):
    for user in (other_secretariat, reporters[147]):
        client.force_login(user)
        response = client.post(
            reverse("secretariat:round_remind", args=[late.pk]), {"report": reports[147].pk}
        )
        assert response.status_code == 404
    assert not mail.outbox and not Reminder.objects.exists()


def test_never_two_reminders_on_one_day_whoever_sends_them(staff, late, reports):
    from goals.notifications import send_reminders

    remind(staff, late, report=reports[147].pk)
    assert send_reminders() == 1  # Hillerød; Frederiksberg had the secretariat's today
    assert send_reminders() == 0
    page = remind(staff, late).content.decode()
    assert "Hillerød fik allerede en påmindelse i dag" in page
    assert len(mail.outbox) == 2
    # The next day the daily job sends Frederiksberg its own overdue reminder.
    Reminder.objects.update(sent_at=timezone.now() - datetime.timedelta(days=1))
    assert send_reminders() == 1


@pytest.mark.parametrize("forged", ["abc", "1.5", "²", "99999999999999999999"])
def test_a_forged_report_reminds_nobody_and_is_no_error(staff, late, forged):
    page = remind(staff, late, report=forged)
    assert page.status_code == 200
    assert "ingen kommuner, der kan få en påmindelse" in page.content.decode()
    assert not mail.outbox and not Reminder.objects.exists()


def test_another_regions_report_is_not_reminded_from_this_round(staff, late, other_report):
    page = remind(staff, late, report=other_report.pk).content.decode()
    assert "ingen kommuner, der kan få en påmindelse" in page
    assert not mail.outbox and not Reminder.objects.exists()


def test_a_report_sent_in_since_it_was_read_is_not_reminded(late, reports, secretariat):
    """The municipality sends in (or the round is closed) between the cockpit reading the
    late reports and the reminder's lock: nothing is sent."""
    from goals import notifications
    from goals.models import StatusReport

    stale = StatusReport.objects.select_related("round", "municipality").get(pk=reports[147].pk)
    StatusReport.objects.filter(pk=stale.pk).update(state=StatusReport.State.SUBMITTED)
    assert notifications.remind_now([stale], by=secretariat) == ([], {}, [])

    stale = StatusReport.objects.select_related("round", "municipality").get(pk=reports[219].pk)
    StatusRound.objects.filter(pk=late.pk).update(state=StatusRound.State.CLOSED)
    assert notifications.remind_now([stale], by=secretariat) == ([], {}, [])
    assert not mail.outbox and not Reminder.objects.exists()


def test_before_the_deadline_a_municipality_without_a_reporter_is_named_not_skipped(
    staff, open_status_round, reports, municipalities
):
    from municipalities.models import Membership

    Membership.objects.filter(municipality=municipalities[219]).delete()
    mail.outbox.clear()
    page = remind(staff, open_status_round, hvem="ikke-paabegyndt").content.decode()
    assert "Påmindelserne er sendt til 2 kommuner: Frederiksberg, København" in page
    assert "Hillerød har ingen indberetter, så der er ikke sendt nogen påmindelse" in page
    assert "Ingen indberetter" in row_of(page, "Hillerød")
    assert len(mail.outbox) == 2
