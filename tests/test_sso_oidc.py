"""Logging in through a region's or KL's OpenID Connect provider (kkrmaal/oidc.py, the rules
in kkrmaal/sso.py), against the npm package oidc-provider run by the test on 127.0.0.1
(tests/oidc/provider.js): the same mapping as SAML, the provider's `amr` saying whether it
checked a second factor, and a Danish page for what is refused."""

import time
import urllib.parse

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation

from kkrmaal.oidc import Backend
from municipalities.models import ExternalIdentity
from municipalities.models import SsoOrganisation
from municipalities.models import SsoRole
from tests.identity_providers import OidcProvider

User = get_user_model()
CLIENT_ID, CLIENT_SECRET = "kkrmaal-test", "kkrmaal-test-secret-0123456789abcdef"
REDIRECT_URI = "http://testserver/oidc/callback/"
# Entra ID's tenant ids (the claim `tid`) of the region and of Aarhus.
MIDT_TENANT = "0b7e7d3a-1a8e-4a57-9a0f-4f3c1c2d8f11"
AARHUS_TENANT = "5a0c7a6e-7f3b-4f71-8a43-7f4c29d2b751"
USERS = {
    "officer": {
        "email": "officer@rm.dk",
        "given_name": "Olga",
        "family_name": "Officer",
        "roles": ["KKR.Sekretariat"],
        "tid": MIDT_TENANT,
    },
    "consultant": {"email": "c@aarhus.dk", "roles": ["KKR.Indberetter"], "tid": AARHUS_TENANT},
    "stranger": {"roles": ["KKR.Indberetter"], "tid": "00000000-0000-0000-0000-000000000000"},
    "no-role": {"roles": ["Something.Else"], "tid": MIDT_TENANT},
}


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    op = OidcProvider(tmp_path_factory.mktemp("oidc"), CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
    op.start()
    yield op
    op.stop()


@pytest.fixture
def oidc(provider, settings, aarhus):
    settings.OIDC_ENABLED = True
    settings.OIDC_ISSUER = provider.issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_ROLE_CLAIM = "roles"
    settings.OIDC_ORGANISATION_CLAIM = "tid"
    SsoOrganisation.objects.create(identifier=MIDT_TENANT, region=aarhus.region)
    SsoOrganisation.objects.create(identifier=AARHUS_TENANT, municipality=aarhus)
    SsoRole.objects.create(value="KKR.Sekretariat", role="secretariat")
    SsoRole.objects.create(value="KKR.Indberetter", role="reporter")
    provider.write_users(USERS)
    return provider


def log_in(client, provider, username, amr=("pwd",)):
    started = client.get("/oidc/authenticate/")
    assert started.status_code == 302, started.content[:300]
    assert started["Location"].startswith(provider.issuer)
    back = provider.log_in(started["Location"], username, amr=list(amr))
    url = urllib.parse.urlsplit(back)
    assert f"{url.scheme}://{url.netloc}{url.path}" == REDIRECT_URI
    return client.get(f"{url.path}?{url.query}"), f"{url.path}?{url.query}"


def refusals(audit_log):
    return [line["reason"] for line in audit_log() if line["event"] == "login.refused"]


def test_an_officer_with_a_second_factor_at_the_provider_goes_straight_to_the_secretariat(
    client, oidc, settings, aarhus, audit_log
):
    settings.STAFF_MFA_REQUIRED = True

    response, _callback = log_in(client, oidc, "officer", amr=("pwd", "mfa"))

    assert response.status_code == 302
    landing = client.get(response["Location"], follow=True)
    assert landing.redirect_chain[-1][0] == "/sekretariat/"
    assert client.get(f"/sekretariat/runder/{aarhus.round.pk}/").status_code == 200
    user = User.objects.get(external_identities__provider="oidc")
    assert (user.email, user.get_full_name(), user.is_staff) == (
        "officer@rm.dk",
        "Olga Officer",
        True,
    )
    assert not user.has_usable_password()
    [line] = [line for line in audit_log() if line["event"] == "login.sso"]
    assert line["second_factor"] == "amr:mfa"


def test_an_officer_with_a_password_only_is_asked_for_the_second_factor(
    client, oidc, settings, aarhus
):
    settings.STAFF_MFA_REQUIRED = True
    log_in(client, oidc, "officer", amr=("pwd",))

    page = client.get(f"/sekretariat/runder/{aarhus.round.pk}/")

    assert page.status_code == 302 and page["Location"].startswith("/konto/totrin/opsaet/")


def test_a_consultant_lands_on_the_municipality_s_report(client, oidc, aarhus):
    response, _callback = log_in(client, oidc, "consultant")

    page = client.get(response["Location"], follow=True).content.decode()
    report = aarhus.round.reports.get(municipality=aarhus)
    assert f"/indberetning/{report.pk}/" in page


def test_an_unknown_organisation_is_refused_and_nothing_is_made(client, oidc, audit_log):
    response, _callback = log_in(client, oidc, "stranger")

    assert response.status_code == 403
    assert "Din organisation er ikke kendt af portalen" in response.content.decode()
    assert refusals(audit_log) == ["unknown_organisation"]
    assert not ExternalIdentity.objects.exists()


def test_a_missing_role_is_refused(client, oidc, audit_log):
    response, _callback = log_in(client, oidc, "no-role")

    assert response.status_code == 403
    assert "Du har ikke en rolle i KKR-mål" in response.content.decode()
    assert refusals(audit_log) == ["no_role"]
    assert not ExternalIdentity.objects.exists()


def test_a_callback_is_used_once(client, oidc, audit_log):
    _response, callback = log_in(client, oidc, "consultant")
    client.logout()

    again = client.get(callback)

    assert again.status_code == 403
    assert "allerede brugt" in again.content.decode()
    assert refusals(audit_log) == ["replayed"]


def test_the_role_goes_when_the_provider_stops_giving_it(client, oidc, aarhus, audit_log):
    log_in(client, oidc, "officer", amr=("pwd", "mfa"))
    user = User.objects.get(external_identities__provider="oidc")
    client.logout()
    oidc.write_users({**USERS, "officer": {**USERS["officer"], "roles": []}})

    response, _callback = log_in(client, oidc, "officer")

    assert response.status_code == 403
    user.refresh_from_db()
    assert not user.memberships.exists() and not user.is_staff


@pytest.mark.parametrize(
    ("audience", "azp", "accepted"),
    [
        (CLIENT_ID, None, True),
        ([CLIENT_ID], None, True),
        ([CLIENT_ID, "another-app"], CLIENT_ID, True),
        ([CLIENT_ID, "another-app"], None, False),  # several audiences, none named
        ([CLIENT_ID, "another-app"], "another-app", False),  # issued to the other app
        (CLIENT_ID, "another-app", False),
    ],
)
def test_a_token_issued_to_another_client_is_refused(
    settings, monkeypatch, audience, azp, accepted
):
    """OpenID Connect Core 3.1.3.7: an ID token for several audiences must name this portal
    as the party it was issued to (azp). A token another app of the same provider got,
    listing the portal among its audiences, does not log anybody in here."""

    issuer = "https://login.example.test/tenant/v2.0"
    settings.OIDC_ISSUER = issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    monkeypatch.setattr("kkrmaal.oidc.discovery", lambda: {"issuer": issuer})
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    claims = {"iss": issuer, "sub": "s-1", "aud": audience, "iat": now, "exp": now + 300}
    if azp:
        claims["azp"] = azp
    token = jwt.encode(claims, key, algorithm="RS256")

    backend = Backend()
    if accepted:
        assert backend._verify_jws(token, key.public_key())["sub"] == "s-1"
    else:
        with pytest.raises(SuspiciousOperation):
            backend._verify_jws(token, key.public_key())
