"""The pages of issue 24 in Chromium at a desktop and a phone width: the login page with its
providers, setting up and entering the second factor, the recovery codes, a refused login,
the cockpit's "Ingen indberetter" with a waiting invitation, the invitation form and the
page its link opens. axe-core finds no serious or critical WCAG 2.2 AA violation, and none
scrolls sideways (tests/e2e/test_accessibility.py's rules)."""

import os
import re

import pytest
from django.core import mail

from municipalities import invitations
from tests.e2e.test_accessibility import SCREENSHOTS
from tests.e2e.test_accessibility import WIDTHS
from tests.e2e.test_accessibility import serious_violations
from tests.e2e.test_accessibility import sideways_overflow
from tests.e2e.test_accessibility import storage_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def problems_on(browser, url, name, storage_state=None, status=200):
    problems = []
    for width in WIDTHS:
        context = browser.new_context(
            locale="da-DK", viewport={"width": width, "height": 800}, storage_state=storage_state
        )
        page = context.new_page()
        response = page.goto(url)
        assert response.status == status, f"{name}: {url} answered {response.status}"
        page.screenshot(path=f"{SCREENSHOTS}/{name}-{width}.png", full_page=True)
        problems += [f"{name} at {width} px: {v}" for v in serious_violations(page)]
        if sideways_overflow(page) > 0:
            problems.append(f"{name} at {width} px scrolls sideways")
        context.close()
    return problems


def test_the_sso_two_factor_and_invitation_pages_pass_axe(
    browser, live_server, login, settings, open_status_round, reporters, secretariat, municipalities
):
    os.makedirs(SCREENSHOTS, exist_ok=True)
    settings.STAFF_MFA_REQUIRED = True
    settings.SAML_ENABLED = settings.OIDC_ENABLED = True
    base = live_server.url
    reporters[219].is_active = False  # Hillerød: "Ingen indberetter"
    reporters[219].save()
    invitations.invite(municipalities[219], "ny@hillerod.dk", by=secretariat)
    link = re.search(r"/konto/invitation/\S+/", mail.outbox[-1].body).group(0)
    problems = problems_on(browser, base + "/konto/login/", "login-providers")
    problems += problems_on(browser, base + link, "invitation")
    problems += problems_on(browser, base + "/oidc/callback/?state=x&code=y", "refused", status=403)

    staff = storage_for(browser, live_server, login, secretariat.username)
    problems += problems_on(browser, base + "/konto/totrin/opsaet/", "mfa-setup", staff)
    # Past the second factor (as after the app's code), the secretariat's pages.
    from django_otp.plugins.otp_static.models import StaticDevice

    device = StaticDevice.objects.create(user=secretariat, name="recovery")
    device.token_set.create(token="abcd2345")
    context = browser.new_context(storage_state=staff)
    page = context.new_page()
    page.goto(base + "/konto/totrin/")
    problems += [f"mfa-verify: {v}" for v in serious_violations(page)]
    page.fill("#id_code", "abcd-2345")
    page.click("button[type=submit].primary")
    verified = context.storage_state()
    context.close()
    cockpit = f"/sekretariat/runder/{open_status_round.pk}/"
    problems += problems_on(browser, base + cockpit, "cockpit-no-reporter", verified)
    invite = f"{cockpit}inviter/219/"
    problems += problems_on(browser, base + invite, "invite-reporter", verified)
    problems += problems_on(browser, base + "/konto/totrin/gendannelseskoder/", "codes", verified)

    assert not problems, "\n".join(problems)
