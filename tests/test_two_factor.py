"""The second factor of the secretariat and the admin (kkrmaal/mfa.py): with
STAFF_MFA_REQUIRED (on by default in production) an officer cannot publish, nor use the
admin, before entering a code from an authenticator app (or a recovery code); five wrong
codes log the session out with a Danish page and an audit line. Reporters are not asked."""

import importlib
import re

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential

from goals.models import StatusRound
from tests.builders import PASSWORD
from tests.builders import with_evidence
from tests.test_settings import KEY
from tests.test_settings import shown


@pytest.fixture(autouse=True)
def _required(settings):
    settings.STAFF_MFA_REQUIRED = True


def code_for(key_hex, offset=0):
    return f"{totp(bytes.fromhex(key_hex), step=30, t0=0, digits=6, drift=offset):06d}"


def log_in_with_password(client, username):
    response = client.post("/konto/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return response


def set_up_app(client):
    """The officer scans the QR code and types the app's code: returns the device's key."""
    page = client.get("/konto/totrin/opsaet/?next=/sekretariat/")
    assert page.status_code == 200
    key = client.session["kkrmaal_mfa_setup"]
    done = client.post("/konto/totrin/opsaet/", {"code": code_for(key), "next": "/sekretariat/"})
    assert done.status_code == 302 and done["Location"].startswith("/konto/totrin/gendannelses")
    return key


def test_the_default_is_on_in_production_and_off_for_a_local_run():
    assert shown("STAFF_MFA_REQUIRED", **KEY, PRODUCTION="true") == {"STAFF_MFA_REQUIRED": True}
    assert shown("STAFF_MFA_REQUIRED") == {"STAFF_MFA_REQUIRED": False}
    assert shown("STAFF_MFA_REQUIRED", **KEY, PRODUCTION="true", STAFF_MFA_REQUIRED="0") == {
        "STAFF_MFA_REQUIRED": False
    }


def test_an_officer_cannot_publish_without_a_second_factor(client, secretariat, closed_2018):
    log_in_with_password(client, secretariat.username)
    url = f"/sekretariat/runder/{closed_2018.pk}/handling/"

    confirmation = client.get(url, {"action": "publish"})
    publish = client.post(url, {"action": "publish"})
    admin = client.post(
        "/admin/goals/statusround/",
        {"action": "publish_rounds", "_selected_action": [closed_2018.pk], "post": "yes"},
    )

    for response in (confirmation, publish, admin):
        assert response.status_code == 302
        assert response["Location"].startswith("/konto/totrin/opsaet/?next=")
    closed_2018.refresh_from_db()
    assert closed_2018.state == StatusRound.State.CLOSED


def test_after_setting_up_the_app_the_officer_publishes(
    client, secretariat, closed_2018, audit_log, django_capture_on_commit_callbacks
):
    log_in_with_password(client, secretariat.username)
    set_up_app(client)
    codes_page = client.get("/konto/totrin/gendannelseskoder/?next=/sekretariat/").content.decode()
    codes = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", codes_page)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/sekretariat/runder/{closed_2018.pk}/handling/", {"action": "publish"})

    closed_2018.refresh_from_db()
    assert closed_2018.state == StatusRound.State.PUBLISHED
    assert len(codes) == 10 and len(set(codes)) == 10
    assert TOTPDevice.objects.get(user=secretariat).confirmed
    assert [line["event"] for line in audit_log() if line["event"].startswith("mfa.")] == [
        "mfa.added",
        "mfa.recovery_codes",
    ]


def test_the_next_login_asks_for_the_app_s_code(client, secretariat, open_status_round):
    log_in_with_password(client, secretariat.username)
    key = set_up_app(client)
    client.logout()
    log_in_with_password(client, secretariat.username)
    cockpit = f"/sekretariat/runder/{open_status_round.pk}/"

    asked = client.get(cockpit)
    assert asked.status_code == 302 and asked["Location"].startswith("/konto/totrin/?next=")
    # The next 30-second step's code: the one used at setup is never taken twice.
    verified = client.post("/konto/totrin/", {"code": code_for(key, 1), "next": cockpit})

    assert verified.status_code == 302 and verified["Location"] == cockpit
    assert client.get(cockpit).status_code == 200


def test_a_recovery_code_works_once(client, secretariat, open_status_round):
    log_in_with_password(client, secretariat.username)
    set_up_app(client)
    page = client.get("/konto/totrin/gendannelseskoder/").content.decode()
    recovery = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", page)[0]
    for _attempt in range(2):
        client.logout()
        log_in_with_password(client, secretariat.username)
        answer = client.post("/konto/totrin/", {"code": recovery, "next": "/sekretariat/"})
        if _attempt == 0:
            assert answer.status_code == 302
    assert answer.status_code == 200
    assert "Koden er forkert" in answer.content.decode()
    assert StaticDevice.objects.get(user=secretariat).token_set.count() == 9


def test_recovery_codes_are_stored_hashed(client, secretariat):
    """A copy of the database gives no code away: what is stored, typed, opens nothing."""
    log_in_with_password(client, secretariat.username)
    set_up_app(client)
    page = client.get("/konto/totrin/gendannelseskoder/").content.decode()
    shown = {
        c.replace("-", "") for c in re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", page)
    }
    stored = set(
        StaticDevice.objects.get(user=secretariat).token_set.values_list("token", flat=True)
    )
    assert len(shown) == len(stored) == 10 and not shown & stored
    client.logout()
    log_in_with_password(client, secretariat.username)

    answer = client.post("/konto/totrin/", {"code": min(stored), "next": "/sekretariat/"})

    assert answer.status_code == 200 and "Koden er forkert" in answer.content.decode()


def test_a_second_factor_wrong_five_times_logs_out_with_a_danish_page(
    client, secretariat, audit_log
):
    log_in_with_password(client, secretariat.username)
    key = set_up_app(client)
    client.logout()
    log_in_with_password(client, secretariat.username)
    right = {code_for(key, offset) for offset in (-1, 0, 1)}
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in right)

    answers = [client.post("/konto/totrin/", {"code": wrong}) for _attempt in range(5)]

    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
    page = answers[-1].content.decode()
    assert "For mange forkerte koder" in page and "logget ud" in page
    assert "_auth_user_id" not in client.session
    lines = [line for line in audit_log() if line["event"] in ("mfa.failed", "mfa.locked")]
    assert [line["event"] for line in lines] == ["mfa.failed"] * 5 + ["mfa.locked"]
    assert lines[-1]["user"] == secretariat.username
    # Locked for a while, even with the right code.
    log_in_with_password(client, secretariat.username)
    assert client.post("/konto/totrin/", {"code": code_for(key, 1)}).status_code == 429


def test_a_reporter_is_not_asked(reporter, report):
    assert reporter.get(f"/indberetning/{report.pk}/").status_code == 200


def test_with_the_requirement_off_staff_work_as_before(client, settings, secretariat):
    settings.STAFF_MFA_REQUIRED = False
    log_in_with_password(client, secretariat.username)

    assert client.get("/sekretariat/").status_code == 200


def test_a_password_alone_never_adds_a_factor_beside_the_existing_one(client, secretariat):
    log_in_with_password(client, secretariat.username)
    set_up_app(client)
    client.logout()
    log_in_with_password(client, secretariat.username)  # somebody who knows only the password

    setup = client.get("/konto/totrin/opsaet/")
    passkey = client.post("/konto/totrin/adgangsnoegle/registration/begin/")
    codes = client.get("/konto/totrin/gendannelseskoder/")

    assert setup.status_code == 302 and setup["Location"].startswith("/konto/totrin/?next=")
    assert passkey.status_code == 403
    assert codes.status_code == 302 and codes["Location"].startswith("/konto/totrin/?next=")
    assert TOTPDevice.objects.filter(user=secretariat).count() == 1


def test_passing_the_factor_gives_the_session_a_new_key(client, secretariat, open_status_round):
    """A session cookie copied after the password but before the code is worth nothing."""
    log_in_with_password(client, secretariat.username)
    key = set_up_app(client)
    client.logout()
    log_in_with_password(client, secretariat.username)
    copied = client.cookies["sessionid"].value

    client.post("/konto/totrin/", {"code": code_for(key, 1), "next": "/sekretariat/"})

    assert client.cookies["sessionid"].value != copied
    thief = Client()
    thief.cookies["sessionid"] = copied
    cockpit = thief.get(f"/sekretariat/runder/{open_status_round.pk}/")
    assert cockpit.status_code == 302 and cockpit["Location"].startswith("/konto/login/")


def test_the_secretariat_opens_no_evidence_file_without_the_factor(
    client, secretariat, report, reporters
):
    _report, line = with_evidence(report, reporters[101])
    log_in_with_password(client, secretariat.username)

    answer = client.get(f"/indberetning/bilag/{line.pk}/")

    assert answer.status_code == 302 and answer["Location"].startswith("/konto/totrin/opsaet/")


def test_a_passkey_also_gives_the_session_a_new_key(client, secretariat, monkeypatch):
    # The browser's WebAuthn ceremony is django-otp-webauthn's; here it says "this passkey".
    passkey = WebAuthnCredential.objects.create(
        user=secretariat,
        name="Bærbar",
        credential_id=b"passkey",
        public_key=b"key",
        credential_id_sha256="0" * 64,
        confirmed=True,
    )
    monkeypatch.setattr(
        WebAuthnHelper, "authenticate_complete", lambda self, user, state, data: passkey
    )
    log_in_with_password(client, secretariat.username)
    session = client.session
    session["otp_webauthn_authentication_state"] = {"challenge": "c"}
    session.save()
    copied = client.cookies["sessionid"].value

    done = client.post(
        "/konto/totrin/adgangsnoegle/authentication/complete/?next=/sekretariat/",
        "{}",
        content_type="application/json",
    )

    assert done.status_code == 200 and done.json()["redirect_url"] == "/sekretariat/"
    assert client.cookies["sessionid"].value != copied
    assert client.get("/sekretariat/").status_code == 200


def test_recovery_codes_made_before_hashing_keep_working(client, secretariat):
    from django.apps import apps

    hashing = importlib.import_module("kkrmaal.migrations.0001_hash_recovery_codes")
    device = StaticDevice.objects.create(user=secretariat, name="recovery", confirmed=True)
    device.token_set.create(token="abcdefgh")  # as django-otp stored it until now
    hashing.hash_codes(apps, None)
    log_in_with_password(client, secretariat.username)

    answer = client.post("/konto/totrin/", {"code": "abcd-efgh", "next": "/sekretariat/"})

    assert answer.status_code == 302 and answer["Location"] == "/sekretariat/"
    assert not device.token_set.exists()


def test_the_lock_holds_while_the_cache_keeps_nothing(client, settings, secretariat):
    """Redis away: the cache answers as an empty one (kkrmaal/cache_backend.py). Five wrong
    codes still lock the factor."""
    log_in_with_password(client, secretariat.username)
    key = set_up_app(client)
    client.logout()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    log_in_with_password(client, secretariat.username)
    right = {code_for(key, offset) for offset in (-1, 0, 1)}
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in right)

    answers = [client.post("/konto/totrin/", {"code": wrong}) for _attempt in range(5)]

    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
