"""The health checks: `/healthz/live` (the process answers; touches nothing else) and
`/healthz/ready` for the load balancer (503 only when the database does not answer; the cache,
the media storage and the PDF queue reported, a failing one "degraded" with a 200). Anonymous,
JSON, never cached. `/healthz` answers as `/healthz/ready` for one more release."""

import datetime
import logging
import uuid

import pytest
from django.db import OperationalError
from django.db import connection
from django.utils import timezone

from reports.models import StoredPaper

pytestmark = pytest.mark.django_db

QUEUE_EMPTY = {"status": "ok", "pending": 0, "oldest_seconds": 0}


def test_ready_answers_ok_with_a_json_entry_per_check(client):
    response = client.get("/healthz/ready")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "ok",
        "checks": {
            "database": {"status": "ok"},
            "cache": {"status": "ok"},
            "storage": {"status": "ok"},
            "queue": QUEUE_EMPTY,
        },
    }
    assert "no-cache" in response["Cache-Control"]


def test_live_answers_ok_without_asking_anything(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz/live")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_the_combined_check_of_earlier_releases_answers_as_ready(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == client.get("/healthz/ready").json()


def test_ready_leaves_no_file_behind(client, settings):
    client.get("/healthz/ready")

    assert not (settings.MEDIA_ROOT / "healthz").exists() or not any(
        (settings.MEDIA_ROOT / "healthz").iterdir()
    )


@pytest.mark.parametrize("url", ["/healthz/live", "/healthz/ready"])
def test_the_checks_need_no_login_and_no_session(client, url):
    response = client.get(url)

    assert response.status_code == 200
    assert "sessionid" not in response.cookies


def test_without_the_database_ready_is_503_and_live_200(client, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", unreachable)

    response = client.get("/healthz/ready")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == {"status": "error", "error": "OperationalError"}
    assert body["checks"]["storage"] == {"status": "ok"}
    assert body["checks"]["cache"] == {"status": "ok"}
    assert "queue" not in body["checks"]  # a table: nothing to ask without the database
    assert client.get("/healthz/live").status_code == 200


def test_storage_that_cannot_be_written_is_degraded_not_unready(client, settings, tmp_path):
    # A file where the media folder should be: nothing can be stored (even as root).
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    settings.MEDIA_ROOT = blocked / "media"

    response = client.get("/healthz/ready")

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["storage"]["status"] == "degraded"
    assert response.json()["checks"]["database"] == {"status": "ok"}


def test_a_cache_that_cannot_be_reached_is_degraded_not_unready(client, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "kkrmaal.cache_backend.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens
            "KEY_PREFIX": f"healthz-{uuid.uuid4().hex[:12]}",
        }
    }
    caplog.set_level(logging.WARNING)

    for _ in range(3):  # the load balancer asks every few seconds
        response = client.get("/healthz/ready")

        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "degraded"
        assert body["checks"]["cache"] == {"status": "degraded", "error": "CacheUnavailable"}
        assert body["checks"]["database"] == {"status": "ok"}
    # The cache's one line about the outage, not one a probe.
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) == 1


def test_ready_reports_the_papers_waiting_to_be_rendered(client, open_status_round):
    for minutes_ago in (20, 1):
        stored = StoredPaper.objects.create(round=open_status_round)
        StoredPaper.objects.filter(pk=stored.pk).update(
            requested_at=timezone.now() - datetime.timedelta(minutes=minutes_ago)
        )

    response = client.get("/healthz/ready")

    # Waiting for 20 minutes: the job worker is not working; the portal still is.
    assert response.status_code == 200
    queue = response.json()["checks"]["queue"]
    assert queue["status"] == "degraded" and queue["pending"] == 2
    assert 20 * 60 <= queue["oldest_seconds"] < 21 * 60

    StoredPaper.objects.update(state=StoredPaper.State.DONE)
    assert client.get("/healthz/ready").json()["checks"]["queue"] == QUEUE_EMPTY
