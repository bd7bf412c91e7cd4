"""API tokens: made by their own user on the profile page (at most three live at once) or by
an operator's command, never by somebody else: the secretariat lists and revokes its own
region's reporters' tokens in the admin and sees no key. The key is shown once and only its
hash is stored; every write through the API names the key, its user and who made it."""

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

    other, key = tokens.issue_token(reporters[147], by=reporters[147])
    reporter.post("/indberetning/profil/", {"action": "revoke", "token": other.token_key})
    assert works(key)


def test_the_secretariat_lists_and_revokes_its_reporters_tokens_but_issues_none(
    staff, reporters, other_reporter
):
    from municipalities import tokens

    mine, key = tokens.issue_token(reporters[147], by=reporters[147])
    theirs, _key = tokens.issue_token(other_reporter, by=other_reporter)

    assert staff.get("/admin/municipalities/apitoken/add/").status_code == 403
    refused = staff.post("/admin/municipalities/apitoken/add/", {"user": reporters[101].pk})
    assert refused.status_code == 403
    assert not AuthToken.objects.filter(user=reporters[101]).exists()

    listing = staff.get("/admin/municipalities/apitoken/").content.decode()
    assert "indberetter-147" in listing
    assert "indberetter-461" not in listing  # Odense is another region's
    assert key not in listing
    shown = staff.get(f"/admin/municipalities/apitoken/{mine.pk}/change/").content.decode()
    assert key not in shown
    assert staff.get(f"/admin/municipalities/apitoken/{theirs.pk}/delete/").status_code == 404

    staff.post(f"/admin/municipalities/apitoken/{mine.pk}/delete/", {"post": "yes"})
    assert not works(key)


def test_nobody_issues_a_token_for_somebody_else(secretariat, reporters):
    from django.core.exceptions import ValidationError

    from municipalities import tokens

    with pytest.raises(ValidationError):
        tokens.issue_token(reporters[147], by=secretariat)
    assert not AuthToken.objects.exists()


def test_a_user_holds_at_most_three_live_tokens(reporter, reporters):
    for _ in range(3):
        assert reporter.post("/indberetning/profil/", {"action": "create"}).status_code == 200

    fourth = reporter.post("/indberetning/profil/", {"action": "create"}, follow=True)

    assert "Der er allerede 3 gyldige API-nøgler" in fourth.content.decode()
    assert AuthToken.objects.filter(user=reporters[101]).count() == 3
    revoked = AuthToken.objects.filter(user=reporters[101]).first()
    reporter.post("/indberetning/profil/", {"action": "revoke", "token": revoked.token_key})
    again = reporter.post("/indberetning/profil/", {"action": "create"})
    assert '<code class="key">' in again.content.decode()


def test_the_api_rate_is_per_user_not_per_key(reporters, settings, monkeypatch):
    from kkrmaal.api.common import TokenRateThrottle
    from municipalities import tokens

    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "3/hour"})
    keys = [tokens.issue_token(reporters[101], by=reporters[101])[1] for _ in range(2)]
    answers = []
    for key in keys * 2:
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        answers.append(api.get("/api/v1/reports/").status_code)

    assert answers == [200, 200, 200, 429]


def test_an_api_write_names_the_key_its_user_and_who_made_it(
    reporters, report, django_capture_on_commit_callbacks
):
    from municipalities import tokens
    from tests.log_capture import captured_log_lines

    token, key = tokens.issue_token(reporters[101], by=reporters[101])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    milestone = report.lines.first().milestone_id

    with captured_log_lines() as lines, django_capture_on_commit_callbacks(execute=True):
        answer = api.patch(
            f"/api/v1/reports/{report.pk}/",
            {"lines": [{"milestone": milestone, "status": "met"}]},
            format="json",
            HTTP_IF_MATCH='"1"',
        )
    assert answer.status_code == 200, answer.content
    [line] = [row for row in lines() if row.get("event") == "report.saved"]
    assert line["user"] == "indberetter-101"
    assert line["api_key"] == token.token_key
    assert line["key_owner"] == "indberetter-101"
    assert line["key_issued_by"] == "indberetter-101"


def test_the_upgrade_revokes_tokens_the_admin_made_for_somebody_else(secretariat, reporters):
    """The migration reads who made each token from the admin's own record: a key the
    secretariat was shown for a reporter stops working; the reporter's own keys stay."""
    import importlib

    from django.apps import apps
    from django.contrib.admin.models import ADDITION
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from municipalities.models import ApiToken
    from municipalities.models import TokenOrigin

    upgrade = importlib.import_module(
        "municipalities.migrations.0008_api_tokens_belong_to_their_user"
    )
    kind = ContentType.objects.get_for_model(ApiToken, for_concrete_model=False)
    made = {}
    for name, user, maker in [
        ("by the secretariat", reporters[147], secretariat),
        ("by its owner in the admin", reporters[101], reporters[101]),
        ("on the profile page", reporters[219], None),
    ]:
        token, key = AuthToken.objects.create(user=user)
        if maker is not None:
            LogEntry.objects.create(
                user=maker,
                content_type=kind,
                object_id=token.pk,
                object_repr=str(token),
                action_flag=ADDITION,
            )
        made[name] = key

    upgrade.revoke_tokens_made_by_others(apps, None)

    assert not works(made["by the secretariat"])
    assert works(made["by its owner in the admin"])
    assert works(made["on the profile page"])
    assert TokenOrigin.objects.get(token__user=reporters[101]).issued_by == reporters[101]
    assert not TokenOrigin.objects.filter(token__user=reporters[219]).exists()
