"""Wrong passwords lock a user name out from one address, slow down guessing of one name from
many addresses, and never keep the user's own browser out (issue 20, finding 6: behind one
NAT, five wrong passwords for a colleague's name kept the colleague out)."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.test import Client

from tests.builders import PASSWORD

OFFICE = "203.0.113.9"  # one address for everyone behind the office's NAT
VICTIM = "indberetter-101"


def _login(client, password=PASSWORD, username=VICTIM):
    return client.post("/konto/login/", {"username": username, "password": password})


def _guess(address, times=1):
    guesser = Client(REMOTE_ADDR=address)
    for _ in range(times):
        _login(guesser, "forkert")


@pytest.fixture
def own_browser(reporters):
    """The victim's browser at the office, which has logged in (and out) before."""
    browser = Client(REMOTE_ADDR=OFFICE)
    assert _login(browser).status_code == 302
    browser.post("/konto/logout/")
    return browser


def test_a_colleague_behind_the_same_nat_cannot_lock_the_user_out_of_their_own_browser(
    own_browser,
):
    _guess(OFFICE, times=20)

    # A browser that never logged in as the user is locked out at that address …
    stranger = _login(Client(REMOTE_ADDR=OFFICE))
    assert stranger.status_code == 429
    assert "For mange forkerte forsøg" in stranger.content.decode()
    # … the user's own is not.
    assert _login(own_browser).status_code == 302


def test_wrong_passwords_from_the_trusted_browser_count_against_it(own_browser):
    for _ in range(5):
        _login(own_browser, "forkert")

    assert _login(own_browser).status_code == 429


def test_guessing_one_name_from_many_addresses_gets_a_growing_delay_not_a_lock(reporters):
    for network in range(1, 4):  # three addresses, each under the limit of five
        _guess(f"198.51.100.{network}", times=2)

    first = _login(Client(REMOTE_ADDR="192.0.2.50"))
    assert first.status_code == 429
    assert first["Retry-After"] == "1"
    assert "Vent 1 sekund" in first.content.decode()

    # The wait has passed: one more try is answered (and counted), the next wait is longer.
    AccessAttempt.objects.update(attempt_time=_minutes_ago(1))
    _guess("192.0.2.60")
    second = _login(Client(REMOTE_ADDR="192.0.2.70"))
    assert second.status_code == 429
    assert second["Retry-After"] == "2"

    # Not a lock: once the delay has passed, the right password gets in, from anywhere.
    AccessAttempt.objects.update(attempt_time=_minutes_ago(1))
    assert _login(Client(REMOTE_ADDR="192.0.2.80")).status_code == 302


def test_five_failures_from_one_address_bring_no_delay_elsewhere(reporters):
    _guess(OFFICE, times=5)

    assert _login(Client(REMOTE_ADDR="198.51.100.7")).status_code == 302


def _minutes_ago(minutes):
    from django.utils import timezone

    return timezone.now() - datetime.timedelta(minutes=minutes)


def test_reset_requests_from_one_ipv6_network_share_one_allowance(db):
    """The reset-mail limit knows a client as the lockout and the API do: an IPv6 /64 is one."""
    from django.core import mail

    from tests.builders import make_user

    for i in range(1, 13):  # twelve users, each asking once, each from a new address
        user = make_user(f"bruger-{i}")
        Client(REMOTE_ADDR=f"2001:db8:5:7::{i:x}").post(
            "/konto/password_reset/", {"email": user.email}
        )

    assert len(mail.outbox) == 10  # ten requests an hour per client address
