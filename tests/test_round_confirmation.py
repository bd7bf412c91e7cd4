"""Closing, publishing and reopening a round ask first: a page without JavaScript says what
will happen (GET changes nothing), and only its POST, with CSRF, does it. After approving or
returning a report, the review page leads to the next report waiting."""

import pytest
from django.test import Client
from django.urls import reverse

from goals import rounds
from goals.models import StatusRound
from tests.builders import submitted

pytestmark = pytest.mark.django_db


def action_url(status_round):
    return reverse("secretariat:round_action", args=[status_round.pk])


def state(status_round):
    status_round.refresh_from_db()
    return status_round.state


def test_closing_asks_first_and_says_who_has_not_sent_in(
    staff, open_status_round, report, reporters
):
    submitted(report, reporters[101])
    overview = staff.get(reverse("secretariat:round_overview", args=[open_status_round.pk]))
    assert f'href="{action_url(open_status_round)}?action=close"' in overview.content.decode()

    page = staff.get(action_url(open_status_round), {"action": "close"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "Luk runden?" in text
    assert "2 kommuner har ikke indsendt og kan ikke gøre det efter lukningen." in text
    assert "2 af dem er ikke påbegyndt." in text
    assert 'name="action" value="close"' in text and "csrfmiddlewaretoken" in text
    assert state(open_status_round) == StatusRound.State.OPEN  # asking changed nothing

    done = staff.post(action_url(open_status_round), {"action": "close"}, follow=True)
    assert "Runden er lukket." in done.content.decode()
    assert state(open_status_round) == StatusRound.State.CLOSED


def test_publishing_says_how_many_are_approved_and_missing_and_that_papers_are_made(
    staff, open_status_round, report, reporters, secretariat
):
    submitted(report, reporters[101])
    rounds.approve_report(report, by=secretariat)
    rounds.close_round(open_status_round, by=secretariat)
    text = staff.get(action_url(open_status_round), {"action": "publish"}).content.decode()
    assert "1 af 3 indberetninger er godkendt." in text
    assert "2 kommuner mangler at indsende" in text
    assert "4 PDF-statuspapirer dannes" in text  # the region's and one per municipality
    assert state(open_status_round) == StatusRound.State.CLOSED
    staff.post(action_url(open_status_round), {"action": "publish"})
    assert state(open_status_round) == StatusRound.State.PUBLISHED


def test_reopening_asks_for_a_reason_on_its_page(staff, open_status_round, secretariat):
    rounds.close_round(open_status_round, by=secretariat)
    text = staff.get(action_url(open_status_round), {"action": "reopen"}).content.decode()
    assert "Genåbn runden?" in text and 'name="reason"' in text

    again = staff.post(action_url(open_status_round), {"action": "reopen", "reason": " "})
    assert again.status_code == 200  # the same page, with the message by the field
    assert "Skriv en begrundelse for at genåbne runden." in again.content.decode()
    assert state(open_status_round) == StatusRound.State.CLOSED

    staff.post(action_url(open_status_round), {"action": "reopen", "reason": "Tal rettet"})
    assert state(open_status_round) == StatusRound.State.OPEN
    assert open_status_round.reopen_reason == "Tal rettet"


def test_a_page_for_what_cannot_be_done_says_why_and_offers_no_button(staff, open_status_round):
    text = staff.get(action_url(open_status_round), {"action": "publish"}).content.decode()
    assert "Runden skal lukkes, før den kan offentliggøres." in text
    assert 'value="publish"' not in text
    assert staff.get(action_url(open_status_round), {"action": "slet"}).status_code == 404


def test_the_confirmation_needs_csrf_and_the_rounds_own_secretariat(
    client, open_status_round, secretariat, other_secretariat, reporters
):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(secretariat)
    assert strict.post(action_url(open_status_round), {"action": "close"}).status_code == 403
    for user in (other_secretariat, reporters[101]):
        client.force_login(user)
        assert client.get(action_url(open_status_round), {"action": "close"}).status_code == 404
        assert client.post(action_url(open_status_round), {"action": "close"}).status_code == 404
    assert state(open_status_round) == StatusRound.State.OPEN


def test_after_approving_the_next_report_waiting_is_one_click_away(staff, reports, reporters):
    for code in (101, 147, 219):
        submitted(reports[code], reporters[code])
    # Alphabetical like the overview: Frederiksberg, Hillerød, København.
    review = reverse("secretariat:review_report", args=[reports[147].pk])
    page = staff.post(review, {"action": "approve"}, follow=True).content.decode()
    assert "Indberetningen er godkendt." in page
    assert "Næste indberetning: Hillerød" in page
    assert reverse("secretariat:review_report", args=[reports[219].pk]) in page

    staff.post(
        reverse("secretariat:review_report", args=[reports[219].pk]),
        {"action": "return", "comment": "Uddyb venligst"},
    )
    # After the last one it starts from the top again.
    page = staff.get(reverse("secretariat:review_report", args=[reports[219].pk])).content.decode()
    assert "Næste indberetning: København" in page

    staff.post(reverse("secretariat:review_report", args=[reports[101].pk]), {"action": "approve"})
    page = staff.get(reverse("secretariat:review_report", args=[reports[101].pk])).content.decode()
    assert "Næste indberetning:" not in page
    assert "Ingen andre indberetninger i runden venter på behandling." in page
