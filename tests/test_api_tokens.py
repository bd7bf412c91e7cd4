"""API tokens: made by a command, by the secretariat in the admin (for their own region's
reporters only) and by a reporter on the profile page; the key is shown once and only its
hash is stored."""

import io
import re

import pytest
from django.core.management import CommandError
from django.core.management import call_command
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient


def works(key):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api.get("/api/v1/reports/").status_code == 200


def test_the_command_prints_a_new_token_once(reporters):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", "indberetter-101", stdout=out, stderr=err)
    key = out.getvalue().strip()
    assert len(key) == 64
    assert "vises kun nu" in err.getvalue()
    token = AuthToken.objects.get(user=reporters[101])
    assert token.digest != key and key not in token.digest  # only the hash is kept
    assert token.expiry is not None
    assert works(key)


def test_the_command_refuses_unknown_and_deactivated_users(reporters):
    with pytest.raises(CommandError, match="Ingen bruger"):
        call_command("create_api_token", "ingen-saadan")
    reporters[147].is_active = False
    reporters[147].save()
    with pytest.raises(CommandError, match="deaktiveret"):
        call_command("create_api_token", "indberetter-147")
    assert not AuthToken.objects.exists()


def test_a_reporter_makes_and_revokes_a_token_on_the_profile_page(reporter, reporters):
    page = reporter.get("/indberetning/")
    assert "/indberetning/profil/" in page.content.decode()

    made = reporter.post("/indberetning/profil/", {"action": "create"})
    assert made.status_code == 200
    key = re.search(r'<code class="key">(\w+)</code>', made.content.decode()).group(1)
    assert works(key)
    # Shown once: the page does not have it again.
    assert key not in reporter.get("/indberetning/profil/").content.decode()

    token = AuthToken.objects.get(user=reporters[101])
    revoked = reporter.post(
        "/indberetning/profil/", {"action": "revoke", "token": token.token_key}, follow=True
    )
    assert "API-nøglen er tilbagekaldt." in revoked.content.decode()
    assert not works(key)


def test_the_profile_page_needs_csrf_and_a_reporter(reporters, secretariat):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(reporters[101])
    assert strict.post("/indberetning/profil/", {"action": "create"}).status_code == 403
    assert not AuthToken.objects.exists()

    staff = Client()
    staff.force_login(secretariat)
    page = staff.post("/indberetning/profil/", {"action": "create"})
    assert "ikke tilknyttet en kommune" in page.content.decode()
    assert not AuthToken.objects.exists()
    assert Client().get("/indberetning/profil/").status_code == 302


def test_revoking_another_users_token_does_nothing(reporter, reporters):
    from municipalities import tokens

    other, key = tokens.issue_token(reporters[147])
    reporter.post("/indberetning/profil/", {"action": "revoke", "token": other.token_key})
    assert works(key)


def test_the_secretariat_issues_and_revokes_its_reporters_tokens_in_the_admin(
    staff, reporters, other_reporter
):
    from municipalities import tokens

    form = staff.get("/admin/municipalities/apitoken/add/").content.decode()
    assert "indberetter-101" in form
    assert "indberetter-461" not in form  # Odense is another region's

    added = staff.post(
        "/admin/municipalities/apitoken/add/", {"user": reporters[147].pk}, follow=True
    )
    text = added.content.decode()
    key = re.search(r"Ny API-nøgle til indberetter-147: (\w+)", text).group(1)
    assert works(key)

    refused = staff.post("/admin/municipalities/apitoken/add/", {"user": other_reporter.pk})
    assert refused.status_code == 200  # the form again, with an error
    assert not AuthToken.objects.filter(user=other_reporter).exists()

    theirs, _key = tokens.issue_token(other_reporter)
    listing = staff.get("/admin/municipalities/apitoken/").content.decode()
    assert "indberetter-147" in listing
    assert "indberetter-461" not in listing
    assert staff.get(f"/admin/municipalities/apitoken/{theirs.pk}/delete/").status_code == 404

    mine = AuthToken.objects.get(user=reporters[147])
    staff.post(f"/admin/municipalities/apitoken/{mine.pk}/delete/", {"post": "yes"})
    assert not works(key)
