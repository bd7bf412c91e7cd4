"""Accounts without an administrator (issue 24): the cockpit, its Excel overview and "Send
påmindelse nu" flag each municipality with "Ingen indberetter" (no reminder skips one without
a word), and the secretariat invites the municipality's reporter by e-mail from there: a link
that works once and expires, where the reporter sets a password and lands on the report."""

import datetime
import io
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from goals.models import StatusRound
from goals.notifications import send_reminders
from municipalities.models import Invitation
from municipalities.models import Membership
from tests.builders import PASSWORD
from tests.builders import assert_polite
from tests.builders import row_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def without_reporter(reporters, open_status_round):
    """Hillerød's only reporter has left (deactivated): nobody there gets the e-mails."""
    reporters[219].is_active = False
    reporters[219].save()
    return open_status_round


def cockpit(client, status_round):
    return client.get(reverse("secretariat:round_overview", args=[status_round.pk]))


def invite(client, status_round, kommunekode, email):
    url = reverse("secretariat:invite_reporter", args=[status_round.pk, kommunekode])
    return client.post(url, {"email": email}, follow=True)


def link_in(message):
    return re.search(r"http://\S+/konto/invitation/\S+/", message.body).group(0)


# --- "Ingen indberetter" -------------------------------------------------------------------


def test_the_cockpit_flags_a_municipality_without_a_reporter(staff, without_reporter):
    page = cockpit(staff, without_reporter)

    assert "1 kommune har ingen indberetter" in page.content.decode()
    assert "Ingen indberetter" in row_of(page, "Hillerød")
    assert "Invitér indberetter" in row_of(page, "Hillerød")
    assert "Ingen indberetter" not in row_of(page, "København")


def test_a_municipality_without_a_reporter_is_offered_an_invitation_not_a_reminder(
    staff, without_reporter
):
    """A reminder to nobody would send nothing: the row's action is the invitation."""
    hillerod = row_of(cockpit(staff, without_reporter), "Hillerød")

    assert "Send påmindelse nu" not in hillerod
    assert "Invitér indberetter" in hillerod
    assert "Send påmindelse nu" in row_of(cockpit(staff, without_reporter), "København")


def test_the_reminder_buttons_count_only_the_municipalities_a_reminder_reaches(
    staff, without_reporter
):
    """Hillerød has nobody to remind: the buttons promise the two that will hear."""
    page = cockpit(staff, without_reporter).content.decode()
    assert "Send påmindelse nu til alle 2 kommuner, der ikke har indsendt" in page
    assert "Send påmindelse nu til de 2 kommuner, der ikke har påbegyndt" in page

    remind = reverse("secretariat:round_remind", args=[without_reporter.pk])
    staff.post(remind, {"hvem": "ikke-indsendt"})
    page = cockpit(staff, without_reporter).content.decode()
    assert "Send påmindelse nu til" not in page
    # København and Frederiksberg did; Hillerød did not, and is not said to have.
    assert "De kommuner, der har en indberetter og ikke har indsendt, har fået en" in page
    assert "Alle kommuner, der ikke har indsendt, har fået" not in page


def test_where_no_municipality_has_a_reporter_no_reminder_is_offered(staff, without_reporter):
    Membership.objects.filter(municipality__kommunekode__in=[101, 147]).delete()
    page = cockpit(staff, without_reporter).content.decode()
    assert "Send påmindelse nu til" not in page
    assert "har fået en påmindelse i dag" not in page  # nobody has
    assert "har en indberetter, så en påmindelse når ingen" in page


def test_an_invitation_comes_back_to_the_cockpit_as_it_was_filtered(
    staff, without_reporter, django_capture_on_commit_callbacks
):
    filtered = "?vis=ikke-paabegyndt&sorter=-kommune"
    page = staff.get(reverse("secretariat:round_overview", args=[without_reporter.pk]) + filtered)
    invite_url = re.search(r'href="([^"]*/invit[^"]*219[^"]*)"', row_of(page, "Hillerød"))
    form = staff.get(invite_url.group(1).replace("&amp;", "&")).content.decode()
    kept = dict(re.findall(r'<input type="hidden" name="(vis|sorter)" value="([^"]*)"', form))
    assert kept == {"vis": "ikke-paabegyndt", "sorter": "-kommune"}

    url = reverse("secretariat:invite_reporter", args=[without_reporter.pk, 219])
    with django_capture_on_commit_callbacks(execute=True):
        answer = staff.post(url, {"email": "ny@hillerod.dk", **kept})

    assert answer.url == reverse("secretariat:round_overview", args=[without_reporter.pk]) + (
        "?vis=ikke-paabegyndt&sorter=-kommune"
    )


def test_the_excel_overview_flags_it_too(staff, without_reporter):
    response = staff.get(reverse("secretariat:round_overview_xlsx", args=[without_reporter.pk]))
    rows = [[c.value for c in row] for row in load_workbook(io.BytesIO(response.content)).active]
    by_name = {row[1]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}

    assert by_name["Hillerød"]["Indberetter"] == "Ingen indberetter"
    assert by_name["København"]["Indberetter"] is None


def test_a_reminder_never_skips_one_silently(
    staff, without_reporter, audit_log, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    StatusRound.objects.filter(pk=without_reporter.pk).update(
        opens=today - datetime.timedelta(days=40), deadline=today - datetime.timedelta(days=2)
    )
    mail.outbox.clear()
    url = reverse("secretariat:round_remind", args=[without_reporter.pk])

    with django_capture_on_commit_callbacks(execute=True):
        page = staff.post(url, follow=True).content.decode()

    assert "Påmindelserne er sendt til 2 kommuner: Frederiksberg, København" in page
    assert "Hillerød har ingen indberetter, så der er ikke sendt nogen påmindelse" in page
    assert sorted(m.to[0] for m in mail.outbox) == [
        "indberetter-101@example.dk",
        "indberetter-147@example.dk",
    ]
    [line] = [line for line in audit_log() if line["event"] == "report.not_reminded"]
    assert line["reason"] == "no_reporter"


def test_the_daily_reminders_say_which_municipality_they_could_not_reach(
    without_reporter, audit_log, caplog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sent = send_reminders(days_before=30)

    assert sent == 2
    assert "No reminder for Hillerød" in caplog.text
    assert [line["event"] for line in audit_log()] == ["report.not_reminded"]


# --- inviting ----------------------------------------------------------------------------------


def test_the_secretariat_gives_a_municipality_its_reporter_without_the_admin(
    client, staff, secretariat, without_reporter, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        page = invite(staff, without_reporter, 219, "ny@hillerod.dk").content.decode()

    assert "Invitationen er sendt til ny@hillerod.dk" in page
    assert "Inviteret: ny@hillerod.dk" in row_of(cockpit(staff, without_reporter), "Hillerød")
    [message] = mail.outbox
    assert message.to == ["ny@hillerod.dk"]
    assert "Hillerød" in message.subject and "KKR Hovedstaden" in message.body
    link = link_in(message)
    staff.logout()

    form = client.get(link)
    assert "Du er inviteret som indberetter for Hillerød" in form.content.decode()
    done = client.post(
        link,
        {
            "username": "ny-hillerod",
            "first_name": "Nina",
            "last_name": "Ny",
            "password1": "en-lang-adgangskode-42",
            "password2": "en-lang-adgangskode-42",
        },
        follow=True,
    )

    page = done.content.decode()
    assert done.redirect_chain[-1][0] == "/indberetning/"
    assert "Du er nu indberetter for Hillerød" in page
    report = without_reporter.reports.get(municipality__kommunekode=219)
    assert f"/indberetning/{report.pk}/" in page
    membership = Membership.objects.get(user__username="ny-hillerod")
    assert (membership.municipality.kommunekode, membership.user.email) == (219, "ny@hillerod.dk")
    staff.force_login(secretariat)
    assert "Ingen indberetter" not in row_of(cockpit(staff, without_reporter), "Hillerød")


def test_the_link_works_once(client, staff, without_reporter, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(staff, without_reporter, 219, "ny@hillerod.dk")
    link = link_in(mail.outbox[-1])
    data = {
        "username": "a",
        "password1": "en-lang-adgangskode-42",
        "password2": "en-lang-adgangskode-42",
    }
    client.logout()  # `staff` is this client, logged in as the secretariat
    assert client.post(link, data).status_code == 302
    client.logout()

    again = client.post(link, {**data, "username": "b"})

    assert again.status_code == 410
    assert "Invitationen er allerede brugt" in again.content.decode()
    assert not Membership.objects.filter(user__username="b").exists()


def test_a_new_user_name_cannot_pass_for_an_existing_one(
    client, staff, without_reporter, reporters, django_capture_on_commit_callbacks
):
    """ "Indberetter-147" beside "indberetter-147" would be two people the secretariat cannot
    tell apart in its lists."""
    with django_capture_on_commit_callbacks(execute=True):
        invite(staff, without_reporter, 219, "ny@hillerod.dk")
    client.logout()

    page = client.post(
        link_in(mail.outbox[-1]),
        {
            "username": "Indberetter-147",
            "password1": "en-lang-adgangskode-42",
            "password2": "en-lang-adgangskode-42",
        },
    )

    assert page.status_code == 200
    assert "En bruger med dette brugernavn findes allerede" in page.content.decode()
    assert not Membership.objects.filter(municipality__kommunekode=219, user__is_active=True)


def test_an_expired_link_says_so(
    client, staff, without_reporter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(staff, without_reporter, 219, "ny@hillerod.dk")
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    client.logout()

    page = client.get(link_in(mail.outbox[-1]))

    assert page.status_code == 410
    assert "Invitationen er udløbet" in page.content.decode()


def test_a_made_up_link_is_not_found(client, db):
    page = client.get("/konto/invitation/not-a-real-key/")
    assert page.status_code == 404
    assert "Linket er ikke gyldigt" in page.content.decode()


def test_a_logged_in_user_accepts_with_one_click(
    client, staff, without_reporter, reporters, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(staff, without_reporter, 219, "indberetter-147@example.dk")
    link = link_in(mail.outbox[-1])
    client.force_login(reporters[147])

    assert "Du er logget ind som indberetter-147" in client.get(link).content.decode()
    client.post(link, {"accept": "1"})

    assert set(reporters[147].memberships.values_list("municipality__kommunekode", flat=True)) == {
        147,
        219,
    }


def test_a_wrong_address_gets_a_danish_error_and_nothing_is_sent(staff, without_reporter):
    mail.outbox.clear()
    page = invite(staff, without_reporter, 219, "ikke en adresse").content.decode()

    assert "Skriv en gyldig e-mailadresse" in page
    assert_polite(page)
    assert not Invitation.objects.exists() and not mail.outbox


def test_another_region_cannot_invite_to_this_round(client, other_secretariat, without_reporter):
    client.force_login(other_secretariat)
    assert invite(client, without_reporter, 219, "x@y.dk").status_code == 404
    assert not Invitation.objects.exists()


def test_a_reporter_cannot_invite(reporter, without_reporter):
    response = invite(reporter, without_reporter, 219, "x@y.dk")
    assert response.status_code == 404
    assert not Invitation.objects.exists()


def test_an_existing_user_logs_in_and_comes_back_to_the_invitation(
    client, staff, without_reporter, reporters, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(staff, without_reporter, 219, reporters[147].email)
    client.logout()
    offer = client.get(link_in(mail.outbox[-1])).content.decode()
    assert 'href="/konto/login/?next=/konto/invitation/"' in offer

    client.post(
        "/konto/login/",
        {"username": reporters[147].username, "password": PASSWORD, "next": "/konto/invitation/"},
    )
    client.post("/konto/invitation/", {"accept": "1"})

    assert reporters[147].memberships.filter(municipality__kommunekode=219).exists()


def test_without_an_opened_invitation_there_is_nothing_to_accept(reporter, reporters):
    page = reporter.post("/konto/invitation/", {"accept": "1"})

    assert page.status_code == 404 and "Linket er ikke gyldigt" in page.content.decode()
    assert list(reporters[101].memberships.values_list("municipality__kommunekode", flat=True)) == [
        101
    ]
