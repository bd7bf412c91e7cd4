"""A secretariat officer's passkey as the second factor (django-otp-webauthn, kkrmaal/mfa.py),
in Chromium with its virtual authenticator (DevTools' WebAuthn domain): set up on the first
login, asked for on the next, and the cockpit opens only after it."""

import re

from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import expect


def test_an_officer_sets_up_a_passkey_and_confirms_with_it(
    page, live_server, login, settings, secretariat, open_status_round
):
    settings.STAFF_MFA_REQUIRED = True
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    cockpit = f"{live_server.url}/sekretariat/runder/{open_status_round.pk}/"

    login(page, secretariat.username)
    page.goto(cockpit)
    assert "/konto/totrin/opsaet/" in page.url
    page.click("#passkey-register-button")
    status = page.locator("#passkey-register-status-message")
    expect(status).to_have_text(re.compile(r"\S"))
    assert WebAuthnCredential.objects.filter(user=secretariat, confirmed=True).exists(), (
        status.inner_text()
    )
    page.click("text=Fortsæt, når adgangsnøglen er tilføjet")
    assert "/konto/totrin/gendannelseskoder/" in page.url
    assert page.locator(".recovery-codes li").count() == 10
    page.goto(cockpit)
    assert page.url == cockpit

    page.goto(f"{live_server.url}/")
    page.context.clear_cookies()
    login(page, secretariat.username)
    page.goto(cockpit)
    assert "/konto/totrin/?next=" in page.url
    page.click("#passkey-verification-button")
    page.wait_for_url(cockpit)
    assert page.locator("h1").inner_text().startswith("Status")
