"""The login page offers the identity providers that are switched on, first, and the
password form second; with none (a small installation), it is the password form alone and
the single sign-on URLs are not there."""

import pytest

pytestmark = pytest.mark.django_db


def test_with_no_provider_the_login_page_is_the_password_form_alone(client, settings):
    settings.SAML_ENABLED = settings.OIDC_ENABLED = False

    page = client.get("/konto/login/").content.decode()

    assert 'name="username"' in page and 'name="password"' in page
    assert "saml2" not in page and "oidc" not in page and "sso-providers" not in page
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404
    assert client.get("/saml2/login/").status_code == 404


def test_a_configured_provider_is_offered_above_the_password_form(client, settings):
    settings.SAML_ENABLED = False
    settings.OIDC_ENABLED = True
    settings.OIDC_PROVIDER_NAME = "Region Midtjyllands login"

    page = client.get("/konto/login/?next=/sekretariat/").content.decode()

    button = page.index('href="/oidc/authenticate/?next=/sekretariat/"')
    assert "Region Midtjyllands login" in page
    assert button < page.index('name="password"')


def test_a_password_login_still_works_beside_the_providers(client, settings, reporters):
    from tests.builders import PASSWORD

    settings.OIDC_ENABLED = True
    response = client.post("/konto/login/", {"username": "indberetter-101", "password": PASSWORD})

    assert response.status_code == 302 and response["Location"] == "/konto/start/"
