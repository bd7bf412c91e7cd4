"""Logging in through a municipality's SAML identity provider (kkrmaal/saml.py, the rules in
kkrmaal/sso.py), against Debian's SimpleSAMLphp run by the test on 127.0.0.1
(tests/identity_providers.py): the consultant whose provider says "indberetter for 751"
lands on Aarhus's report without a portal password; every assertion the portal must not
believe is refused with a Danish page, nothing made, and an audit line."""

import base64
import re
import time
import urllib.parse

import pytest
import requests
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured

from municipalities.models import ExternalIdentity
from municipalities.models import Membership
from tests.conftest import AARHUS_CVR
from tests.conftest import MIDTJYLLAND_CVR
from tests.conftest import REPORTER_PRIVILEGE
from tests.conftest import SECRETARIAT_PRIVILEGE
from tests.identity_providers import SamlIdP
from tests.identity_providers import form_fields
from tests.identity_providers import key_and_certificate

SITE = "http://127.0.0.1:8000"
CVR = "dk:gov:saml:attribute:CvrNumberIdentifier"
PRIVILEGES = "dk:gov:saml:attribute:Privileges_intermediate"
User = get_user_model()


def privilege_list(*groups):
    """The Context Handler's privilege list: [(CVR number, [privilege, …]), …], base64."""
    xml = ['<?xml version="1.0" encoding="UTF-8"?>']
    xml.append('<bpp:PrivilegeList xmlns:bpp="http://itst.dk/oiosaml/basic_privilege_profile">')
    for cvr, privileges in groups:
        xml.append(f'<PrivilegeGroup Scope="urn:dk:gov:saml:cvrNumberIdentifier:{cvr}">')
        xml.extend(f"<Privilege>{p}</Privilege>" for p in privileges)
        xml.append("</PrivilegeGroup>")
    xml.append("</bpp:PrivilegeList>")
    return base64.b64encode("".join(xml).encode()).decode()


USERS = {
    # "indberetter for 751", as the Context Handler says it: a privilege scoped to Aarhus.
    "aarhus-konsulent": {
        CVR: [AARHUS_CVR],
        PRIVILEGES: [privilege_list((AARHUS_CVR, [REPORTER_PRIVILEGE]))],
        "mail": ["konsulent@aarhus.dk"],
        "givenName": ["Karen"],
        "sn": ["Konsulent"],
    },
    # A provider without privilege lists: the role as a plain value, the CVR beside it.
    "aarhus-plain": {CVR: [AARHUS_CVR], PRIVILEGES: [REPORTER_PRIVILEGE]},
    "ukendt-kommune": {
        CVR: ["12345678"],
        PRIVILEGES: [privilege_list(("12345678", [REPORTER_PRIVILEGE]))],
    },
    "uden-rolle": {CVR: [AARHUS_CVR], "mail": ["uden-rolle@aarhus.dk"]},
    "sekretariat-mfa": {
        CVR: [MIDTJYLLAND_CVR],
        PRIVILEGES: [privilege_list((MIDTJYLLAND_CVR, [SECRETARIAT_PRIVILEGE]))],
        "mfa": ["yes"],
    },
    "sekretariat-uden-mfa": {
        CVR: [MIDTJYLLAND_CVR],
        PRIVILEGES: [privilege_list((MIDTJYLLAND_CVR, [SECRETARIAT_PRIVILEGE]))],
    },
}


@pytest.fixture(scope="module")
def idp(tmp_path_factory):
    folder = tmp_path_factory.mktemp("saml")
    sp_key, sp_cert = key_and_certificate(folder, "sp", "KKR-mål test")
    provider = SamlIdP(folder / "idp", f"{SITE}/saml2/metadata/", f"{SITE}/saml2/acs/", sp_cert)
    provider.start()
    provider.metadata_file = folder / "idp-metadata.xml"
    provider.metadata_file.write_bytes(provider.metadata())
    provider.sp_key, provider.sp_cert_file = sp_key, sp_cert
    yield provider
    provider.stop()


@pytest.fixture
def saml(idp, settings, aarhus):
    """The portal with SAML switched on against the test's provider, and its users."""
    settings.SITE_URL = SITE
    settings.SAML_ENABLED = True
    settings.SAML_IDP_METADATA = str(idp.metadata_file)
    settings.SAML_SP_CERT = str(idp.sp_cert_file)
    settings.SAML_SP_KEY = str(idp.sp_key)
    settings.SAML_ENTITY_ID = f"{SITE}/saml2/metadata/"
    idp.write_users(USERS)
    idp.register_sp()
    return idp


def sign_in_at_provider(client, idp, username, next_url=None):
    """The portal's login sends the browser to the provider; the user logs in there. Returns
    the fields the provider's page posts back to the portal."""
    started = client.get("/saml2/login/", {"next": next_url} if next_url else {})
    assert started.status_code == 302, started.content[:500]
    assert started["Location"].startswith(idp.url)
    _action, fields = idp.log_in(started["Location"], username)
    return fields


def log_in(client, idp, username, **kwargs):
    return client.post("/saml2/acs/", sign_in_at_provider(client, idp, username, **kwargs))


def assert_refused(response, heading, audit_log, reason):
    page = response.content.decode()
    assert response.status_code == 403
    assert heading in page
    assert "Du er ikke logget ind" in page
    assert [line["reason"] for line in audit_log() if line["event"] == "login.refused"] == [reason]


# --- the portal as a service provider ---------------------------------------------------------


def test_the_metadata_names_the_portal_its_key_and_where_assertions_go(client, saml):
    metadata = client.get("/saml2/metadata/").content.decode()

    assert 'entityID="http://127.0.0.1:8000/saml2/metadata/"' in metadata
    assert 'Location="http://127.0.0.1:8000/saml2/acs/"' in metadata
    assert 'AuthnRequestsSigned="true"' in metadata and 'WantAssertionsSigned="true"' in metadata
    certificate = "".join(saml.sp_cert_file.read_text().splitlines()[1:-1])
    assert certificate in metadata.replace("\n", "")


def test_metadata_naming_two_identity_providers_is_refused(client, saml, tmp_path):
    """Users are found by the provider's NameID: with two providers trusted, one could log
    in as the other's users. The operator is told, and no login starts."""
    one = re.sub(rb"^<\?xml[^>]*>\s*", b"", saml.metadata_file.read_bytes())
    other = one.replace(saml.entity_id.encode(), b"https://other-idp.example/metadata")
    both = tmp_path / "two-providers.xml"
    both.write_bytes(
        b'<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">'
        + one
        + other
        + b"</md:EntitiesDescriptor>"
    )
    django_settings.SAML_IDP_METADATA = str(both)

    with pytest.raises(ImproperlyConfigured, match="exactly one identity provider"):
        client.get("/saml2/login/")


def test_without_saml_configured_its_urls_are_not_there(client, settings):
    settings.SAML_ENABLED = False
    assert client.get("/saml2/login/").status_code == 404
    assert client.get("/saml2/metadata/").status_code == 404


# --- who gets in --------------------------------------------------------------------------------


def test_a_consultant_indberetter_for_751_lands_on_aarhus_report_without_a_password(
    client, saml, aarhus, audit_log
):
    response = log_in(client, saml, "aarhus-konsulent")

    assert response.status_code == 302
    home = client.get(response["Location"], follow=True)
    page = home.content.decode()
    report = aarhus.round.reports.get(municipality=aarhus)
    assert home.redirect_chain[-1][0] == "/indberetning/"
    assert "Aarhus" in page and f"/indberetning/{report.pk}/" in page
    assert client.get(f"/indberetning/{report.pk}/").status_code == 200
    user = User.objects.get(external_identities__subject="aarhus-konsulent")
    assert not user.has_usable_password()
    assert (user.email, user.get_full_name(), user.is_staff) == (
        "konsulent@aarhus.dk",
        "Karen Konsulent",
        False,
    )
    assert list(user.memberships.values_list("role", "municipality", "source")) == [
        ("reporter", aarhus.pk, "saml")
    ]
    [line] = [line for line in audit_log() if line["event"] == "login.sso"]
    assert line["provider"] == "saml" and line["created"] is True


def test_a_plain_role_attribute_with_the_cvr_number_beside_it_works_too(client, saml, aarhus):
    log_in(client, saml, "aarhus-plain")

    user = User.objects.get(external_identities__subject="aarhus-plain")
    assert list(user.memberships.values_list("municipality", flat=True)) == [aarhus.pk]


def test_the_second_login_is_the_same_user(client, saml):
    log_in(client, saml, "aarhus-konsulent")
    client.logout()
    log_in(client, saml, "aarhus-konsulent")

    assert ExternalIdentity.objects.filter(subject="aarhus-konsulent").count() == 1
    assert User.objects.filter(external_identities__subject="aarhus-konsulent").count() == 1


def test_the_role_is_lost_when_the_provider_stops_vouching_for_it(client, saml, aarhus, audit_log):
    log_in(client, saml, "aarhus-konsulent")
    user = User.objects.get(external_identities__subject="aarhus-konsulent")
    report = aarhus.round.reports.get(municipality=aarhus)
    client.logout()
    # The municipality takes the privilege away in its user administration.
    saml.write_users({**USERS, "aarhus-konsulent": {CVR: [AARHUS_CVR]}})

    response = log_in(client, saml, "aarhus-konsulent")

    assert_refused(response, "Du har ikke en rolle i KKR-mål", audit_log, "no_role")
    assert not user.memberships.exists()
    assert client.get(f"/indberetning/{report.pk}/").status_code == 302  # to the login


def test_a_role_given_in_the_portal_stays_when_the_provider_gives_none(client, saml, aarhus):
    log_in(client, saml, "aarhus-plain")
    user = User.objects.get(external_identities__subject="aarhus-plain")
    odder = aarhus.region.municipalities.get(kommunekode=727)
    Membership.objects.create(user=user, role="reporter", municipality=odder)  # an invitation
    client.logout()
    saml.write_users({**USERS, "aarhus-plain": {CVR: [AARHUS_CVR]}})

    log_in(client, saml, "aarhus-plain")

    assert list(user.memberships.values_list("municipality", flat=True)) == [odder.pk]


# --- what is refused ----------------------------------------------------------------------------


def test_an_unknown_municipality_is_refused_and_nothing_is_made(client, saml, audit_log):
    users_before = User.objects.count()

    response = log_in(client, saml, "ukendt-kommune")

    assert_refused(
        response, "Din organisation er ikke kendt af portalen", audit_log, "unknown_organisation"
    )
    assert User.objects.count() == users_before
    assert not ExternalIdentity.objects.exists()
    [line] = [line for line in audit_log() if line["event"] == "login.refused"]
    assert line["organisations"] == ["12345678"]


def test_a_missing_role_is_refused_and_nothing_is_made(client, saml, audit_log):
    users_before = User.objects.count()

    response = log_in(client, saml, "uden-rolle")

    assert_refused(response, "Du har ikke en rolle i KKR-mål", audit_log, "no_role")
    assert User.objects.count() == users_before
    assert not client.session.get("_auth_user_id")


def test_an_assertion_changed_on_the_way_fails_its_signature(client, saml, audit_log):
    # Unencrypted for this test, so the attacker can read and change it.
    saml.register_sp(**{"assertion.encryption": False})
    fields = sign_in_at_provider(client, saml, "ukendt-kommune")
    xml = base64.b64decode(fields["SAMLResponse"]).decode()
    assert "12345678" in xml
    fields["SAMLResponse"] = base64.b64encode(xml.replace("12345678", AARHUS_CVR).encode()).decode()

    response = client.post("/saml2/acs/", fields)

    assert_refused(
        response, "Svaret fra identitetsudbyderen kunne ikke godkendes", audit_log, "signature"
    )
    assert not ExternalIdentity.objects.exists()


def test_an_assertion_is_used_once(client, saml, audit_log):
    fields = sign_in_at_provider(client, saml, "aarhus-konsulent")
    assert client.post("/saml2/acs/", fields).status_code == 302
    client.logout()

    response = client.post("/saml2/acs/", fields)

    assert_refused(
        response, "Svaret fra identitetsudbyderen er allerede brugt", audit_log, "replayed"
    )
    assert not client.session.get("_auth_user_id")


def test_a_copied_assertion_is_refused_in_another_browser(
    client, saml, audit_log, django_user_model
):
    from django.test import Client

    fields = sign_in_at_provider(client, saml, "aarhus-konsulent")
    client.post("/saml2/acs/", fields)

    response = Client().post("/saml2/acs/", fields)

    assert_refused(
        response, "Svaret fra identitetsudbyderen er allerede brugt", audit_log, "replayed"
    )


def test_an_expired_assertion_is_refused(client, saml, settings, audit_log):
    settings.SAML_CLOCK_SKEW_SECONDS = 0
    saml.register_sp(**{"assertion.lifetime": 1})
    fields = sign_in_at_provider(client, saml, "aarhus-konsulent")
    time.sleep(2.5)

    response = client.post("/saml2/acs/", fields)

    assert_refused(response, "Svaret fra identitetsudbyderen er udløbet", audit_log, "expired")
    assert not ExternalIdentity.objects.exists()


# --- the secretariat and its second factor ------------------------------------------------------


def test_a_second_factor_at_the_provider_is_not_asked_for_again(client, saml, settings, aarhus):
    settings.STAFF_MFA_REQUIRED = True
    log_in(client, saml, "sekretariat-mfa")

    page = client.get(f"/sekretariat/runder/{aarhus.round.pk}/")

    assert page.status_code == 200
    user = User.objects.get(external_identities__subject="sekretariat-mfa")
    assert user.is_staff and not user.has_usable_password()


def test_without_a_second_factor_at_the_provider_the_portal_asks_for_one(
    client, saml, settings, aarhus
):
    settings.STAFF_MFA_REQUIRED = True
    log_in(client, saml, "sekretariat-uden-mfa")

    page = client.get(f"/sekretariat/runder/{aarhus.round.pk}/")

    assert page.status_code == 302
    assert page["Location"].startswith("/konto/totrin/opsaet/")


def test_the_login_page_offers_the_provider_first(client, saml):
    page = client.get("/konto/login/").content.decode()

    assert page.index('href="/saml2/login/') < page.index('name="password"')


def test_an_invited_reporter_logs_in_through_the_provider_without_its_role(
    client, saml, aarhus, django_capture_on_commit_callbacks
):
    from django.core import mail

    from municipalities import invitations

    odder = aarhus.region.municipalities.get(kommunekode=727)
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invite(odder, "uden-rolle@aarhus.dk", by=aarhus.secretariat)
    link = next(w for w in mail.outbox[-1].body.split() if "/konto/invitation/" in w)
    path = link.removeprefix(SITE)
    offer = client.get(path).content.decode()
    assert 'href="/saml2/login/?next=/konto/invitation/"' in offer
    started = client.get("/saml2/login/", {"next": "/konto/invitation/"})
    # The link's key never travels to the provider (as the RelayState) nor waits in its logs.
    assert path.split("/")[-2] not in urllib.parse.unquote(started["Location"])

    _action, fields = saml.log_in(started["Location"], "uden-rolle")  # it gives no role
    back = client.post("/saml2/acs/", fields)
    assert back["Location"] == "/konto/invitation/"
    assert (
        "Ja, gør mig til indberetter for Odder" in client.get("/konto/invitation/").content.decode()
    )
    client.post("/konto/invitation/", {"accept": "1"})

    user = User.objects.get(external_identities__subject="uden-rolle")
    assert list(user.memberships.values_list("municipality", "source")) == [(odder.pk, "")]
    # The next login needs no invitation: the role the portal gave stays.
    client.logout()
    assert log_in(client, saml, "uden-rolle").status_code == 302


def test_an_invitation_used_since_lets_nobody_in_without_a_role(
    client, saml, aarhus, audit_log, django_capture_on_commit_callbacks
):
    """The link was opened in this browser, then used by somebody else (or expired): a login
    the provider gives no role is refused as any other, and no user is made."""
    from django.core import mail

    from municipalities import invitations

    odder = aarhus.region.municipalities.get(kommunekode=727)
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invite(odder, "uden-rolle@aarhus.dk", by=aarhus.secretariat)
    path = next(w for w in mail.outbox[-1].body.split() if "/konto/invitation/" in w)
    path = path.removeprefix(SITE)
    client.get(path)
    invitations.accept(path.split("/")[-2], aarhus.secretariat)
    users_before = User.objects.count()

    response = log_in(client, saml, "uden-rolle", next_url="/konto/invitation/")

    assert_refused(response, "Du har ikke en rolle i KKR-mål", audit_log, "no_role")
    assert User.objects.count() == users_before


def test_a_session_through_the_provider_lasts_a_working_day(client, saml, settings):
    """Not the password login's two weeks: the role the municipality takes away today is
    gone by tomorrow, when the provider is asked again."""
    log_in(client, saml, "aarhus-konsulent")

    assert client.session.get_expiry_age() == 8 * 3600
    assert client.cookies["sessionid"]["max-age"] == 8 * 3600


def test_the_login_works_while_redis_is_away(client, saml, settings):
    """The cache keeps nothing then (kkrmaal/cache_backend.py): no assertion can be
    remembered as used, and none is refused as "already used" for that."""
    settings.CACHES = {
        "default": {
            "BACKEND": "kkrmaal.cache_backend.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nobody listens there
        }
    }

    response = log_in(client, saml, "aarhus-konsulent")

    assert response.status_code == 302
    assert User.objects.filter(external_identities__subject="aarhus-konsulent").exists()


def test_a_login_started_at_the_provider_is_refused_and_says_where_to_start(
    client, saml, audit_log
):
    """IdP-initiated: a response that answers no request of the portal's (a tile on another
    portal) is refused, with a page that says to start in KKR-mål, not "already used"."""
    browser = requests.Session()
    page = browser.get(
        f"{saml.url}saml2/idp/SSOService.php", params={"spentityid": f"{SITE}/saml2/metadata/"}
    )
    action, fields = form_fields(page.text)
    fields.update(username="aarhus-konsulent", password="pw-aarhus-konsulent")
    answer = browser.post(urllib.parse.urljoin(page.url, action or ""), data=fields)
    _action, fields = form_fields(answer.text)

    response = client.post("/saml2/acs/", fields)

    assert_refused(response, "Login skal startes i KKR-mål", audit_log, "unsolicited")
    assert not ExternalIdentity.objects.exists()
