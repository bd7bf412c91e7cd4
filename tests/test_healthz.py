"""The load balancer's health check: anonymous, JSON, never cached, one entry per part the
portal needs (database and media storage)."""

import pytest
from django.db import OperationalError
from django.db import connection

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_with_a_json_entry_per_check(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "ok",
        "checks": {"database": {"status": "ok"}, "storage": {"status": "ok"}},
    }
    assert "no-cache" in response["Cache-Control"]


def test_healthz_leaves_no_file_behind(client, settings):
    client.get("/healthz")

    assert not (settings.MEDIA_ROOT / "healthz").exists() or not any(
        (settings.MEDIA_ROOT / "healthz").iterdir()
    )


def test_healthz_needs_no_login_and_no_session(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert "sessionid" not in response.cookies


def test_healthz_says_so_when_the_database_is_unreachable(client, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", unreachable)

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == {"status": "error", "error": "OperationalError"}
    assert body["checks"]["storage"] == {"status": "ok"}


def test_healthz_says_so_when_media_storage_cannot_be_written(client, settings, tmp_path):
    # A file where the media folder should be: nothing can be stored (even as root).
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    settings.MEDIA_ROOT = blocked / "media"

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["storage"]["status"] == "error"
    assert response.json()["checks"]["database"] == {"status": "ok"}
