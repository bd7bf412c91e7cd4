"""What every answer tells the browser, so that a page cannot be turned against its reader:
a Content-Security-Policy without inline script (the admin's pages too), and in production
mode HTTPS only, with HSTS, unless a proxy in front terminates TLS."""

import pytest

pytestmark = pytest.mark.django_db


def test_every_page_has_a_content_security_policy_without_inline_script(client, region):
    response = client.get("/")

    policy = response["Content-Security-Policy"]
    script = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    admin_login = client.get("/admin/login/")
    assert "Content-Security-Policy" in admin_login
    assert "<style>" not in admin_login.content.decode()


def test_production_mode_redirects_to_https_and_sends_hsts_by_default():
    from tests.test_settings import manage

    production = {
        "SECRET_KEY": "k" * 20 + "a-long-random-production-secret-0123456789",
        "ALLOWED_HOSTS": "kkr.example.dk",
        "DEBUG": "0",
    }
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production)
    assert result.returncode == 0, result.stdout + result.stderr
    shown = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER)",
        **production,
    )
    assert shown.stdout.splitlines()[-1].split() == ["True", "31536000", "None"]
    # The switch for a proxy that terminates TLS.
    behind = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.SECURE_PROXY_SSL_HEADER)",
        BEHIND_PROXY="1",
        **production,
    )
    assert "HTTP_X_FORWARDED_PROTO" in behind.stdout


def test_a_signed_in_users_pages_are_stored_by_no_cache(client, report, reporters):
    client.force_login(reporters[101])

    for url in ("/indberetning/", f"/indberetning/{report.pk}/", "/indberetning/profil/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "private, no-store", url


def test_public_pages_keep_their_public_caching(client, status_history):
    assert client.get("/hovedstaden/")["Cache-Control"] == "public, no-cache"
    assert client.get("/").get("Cache-Control") != "private, no-store"
