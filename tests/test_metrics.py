"""/metrics in Prometheus' text format: requests by method, status and view, and gauges read
from the database when scraped (papers pending and failed, the job queue, the reports). The
machine itself reads it without a token, anyone else only with METRICS_TOKEN."""

import datetime

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from reports import tasks
from reports.models import StoredPaper

pytestmark = pytest.mark.django_db

TOKEN = "s3cret-scrape-token-0123456789"


def scrape(client, **headers):
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return response.content.decode()


def samples(text):
    """{(name, ((label, value), ...)): value} of every sample in a scrape."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(text, name, **labels):
    return samples(text).get((name, tuple(sorted(labels.items()))))


REQUESTS = "kkrmaal_http_requests_total"


def test_requests_are_counted_by_method_status_and_view(client):
    page = {"method": "GET", "status": "200", "view": "accessibility"}
    before = value(scrape(client), REQUESTS, **page) or 0

    client.get("/tilgaengelighed/")
    client.get("/en/accessibility/")  # the same view in English: the same series
    client.get("/no/such/page/at/all/")  # matches no URL pattern
    client.generic("BREW", "/tilgaengelighed/")

    text = scrape(client)
    assert value(text, REQUESTS, **page) == before + 2
    assert value(text, REQUESTS, method="GET", status="404", view="none") >= 1
    assert value(text, REQUESTS, method="other", status="405", view="accessibility") >= 1
    assert (
        value(text, "kkrmaal_http_request_duration_seconds_count", method="GET", view=page["view"])
        >= 2
    )
    assert "/tilgaengelighed/" not in text and "such/page" not in text


def test_the_papers_and_queue_gauges_are_read_from_the_database(client, open_status_round):
    StoredPaper.objects.create(round=open_status_round, state=StoredPaper.State.FAILED)
    waiting = StoredPaper.objects.create(round=open_status_round, state=StoredPaper.State.PENDING)
    StoredPaper.objects.filter(pk=waiting.pk).update(
        requested_at=timezone.now() - datetime.timedelta(minutes=20)
    )

    text = scrape(client)

    assert "kkrmaal_papers_failed 1.0" in text.splitlines()
    assert value(text, "kkrmaal_papers_failed") == 1
    assert value(text, "kkrmaal_papers_pending") == 1
    assert value(text, "kkrmaal_job_queue_backlog", queue="papers") == 1
    assert 20 * 60 <= value(text, "kkrmaal_job_queue_oldest_seconds", queue="papers") < 25 * 60
    reports = open_status_round.reports.count()
    assert value(text, "kkrmaal_status_reports", state="draft", round_state="open") == reports
    assert value(text, "kkrmaal_metrics_database_up") == 1


def test_nothing_waiting_is_zero(client):
    text = scrape(client)

    assert value(text, "kkrmaal_papers_failed") == 0
    assert value(text, "kkrmaal_papers_pending") == 0
    assert value(text, "kkrmaal_job_queue_oldest_seconds", queue="papers") == 0


def test_the_machine_itself_needs_no_token(client):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="::ffff:127.0.0.1").status_code == 200


def test_anyone_else_is_refused_without_a_token_configured(client, settings):
    settings.METRICS_TOKEN = ""

    assert client.get("/metrics", REMOTE_ADDR="198.51.100.4").status_code == 403
    refused = client.get("/metrics", REMOTE_ADDR="198.51.100.4", HTTP_AUTHORIZATION="Bearer ")
    assert refused.status_code == 403
    assert b"kkrmaal_" not in refused.content


def test_anyone_else_needs_the_right_token(client, settings):
    settings.METRICS_TOKEN = TOKEN
    outside = {"REMOTE_ADDR": "198.51.100.4"}

    assert client.get("/metrics", **outside).status_code == 403
    wrong = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}x", **outside)
    assert wrong.status_code == 403
    basic = client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}", **outside)
    assert basic.status_code == 403
    right = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **outside)
    assert right.status_code == 200
    assert "kkrmaal_papers_failed" in right.content.decode()


def test_behind_the_proxy_the_forwarded_address_counts(client, settings):
    """nginx connects from the machine itself: the client is the address it appended."""
    settings.BEHIND_PROXY = True
    settings.METRICS_TOKEN = TOKEN
    via_nginx = {"REMOTE_ADDR": "127.0.0.1"}

    outside = client.get("/metrics", HTTP_X_FORWARDED_FOR="198.51.100.4", **via_nginx)
    assert outside.status_code == 403
    forged = client.get("/metrics", HTTP_X_FORWARDED_FOR="127.0.0.1, 198.51.100.4", **via_nginx)
    assert forged.status_code == 403
    local = client.get("/metrics", HTTP_X_FORWARDED_FOR="127.0.0.1", **via_nginx)
    assert local.status_code == 200
    with_token = client.get(
        "/metrics",
        HTTP_X_FORWARDED_FOR="198.51.100.4",
        HTTP_AUTHORIZATION=f"Bearer {TOKEN}",
        **via_nginx,
    )
    assert with_token.status_code == 200


def test_a_scrape_sets_no_cookie_and_is_never_cached(client):
    response = client.get("/metrics")

    assert not response.cookies
    assert "no-cache" in response["Cache-Control"]


def test_jobs_waiting_in_the_queue_are_counted(client, settings):
    """The job queue's own backlog (django-tasks' rows), beside the papers': a worker that
    stopped shows as jobs piling up."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert value(scrape(client), "kkrmaal_job_queue_backlog", queue="tasks") == 0

    tasks.sweep.enqueue()
    tasks.send_reminders.enqueue()

    text = scrape(client)
    assert value(text, "kkrmaal_job_queue_backlog", queue="tasks") == 2
    assert value(text, "kkrmaal_job_queue_oldest_seconds", queue="tasks") < 60
