"""With a broker configured, publishing queues the PDF rendering instead of doing it inline,
and a Celery worker on the real Redis (127.0.0.1:6379) renders and stores the papers."""

import time
import uuid

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.db import close_old_connections

from goals.models import StatusRound
from kkrmaal.celery import app
from reports.models import Publication
from reports.models import StoredPaper
from reports.tasks import schedule_papers
from tests.builders import build_round

BROKER = "redis://127.0.0.1:6379/15"
WAIT_SECONDS = 120


def _forget_connections():
    """Drop the app's producer pool and its cached queues and router, made (by earlier tasks
    run inline) for the old broker and default queue."""
    app._pool = None
    app.__dict__.pop("amqp", None)


@pytest.fixture
def celery_on_redis():
    """The project's Celery app pointed at the real Redis, on a queue of its own so that no
    other worker takes (or gives) its tasks; restored and cleaned up afterwards."""
    queue = f"kkrmaal-test-{uuid.uuid4().hex[:10]}"
    keys = ["broker_url", "task_always_eager", "task_default_queue", "broker_connection_timeout"]
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(
        broker_url=BROKER,
        task_always_eager=False,
        task_default_queue=queue,
        broker_connection_timeout=5,
    )
    _forget_connections()
    yield app, queue
    app.conf.update(saved)
    _forget_connections()
    redis.Redis.from_url(BROKER).delete(queue)


def _wait_for_states(status_round, expected):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        states = set(StoredPaper.objects.filter(round=status_round).values_list("state", flat=True))
        if states == expected:
            return states
        time.sleep(0.25)
    return states


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_on_redis_renders_the_published_papers(celery_on_redis, paper, municipalities):
    celery_app, queue = celery_on_redis
    assert redis.Redis.from_url(BROKER).ping()
    status_round = build_round(
        paper, 2018, lines=[(code, "1", 1, "met", "") for code in municipalities]
    )

    rows = schedule_papers(Publication.objects.of_round(status_round).first())

    # Queued on Redis, not rendered inline.
    assert len(rows) == 4
    assert set(StoredPaper.objects.values_list("state", flat=True)) == {StoredPaper.State.PENDING}
    assert redis.Redis.from_url(BROKER).llen(queue) == 4

    with start_worker(
        celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30
    ):
        states = _wait_for_states(status_round, {StoredPaper.State.DONE})
    close_old_connections()

    assert states == {StoredPaper.State.DONE}
    region_paper = StoredPaper.objects.get(round=status_round, municipality=None)
    with region_paper.file.open("rb") as f:
        assert f.read(5) == b"%PDF-"
    assert StatusRound.objects.get(pk=status_round.pk).state == StatusRound.State.PUBLISHED
    assert redis.Redis.from_url(BROKER).llen(queue) == 0
