"""Redis goes away: the portal works on without its cache, slower and uncached. Public pages,
the stored PDFs, the API (whose throttles count in the cache), logging in (sessions are
`cached_db`), the report form and its autosave answer as usual; the outage is logged once,
not once a request; and when Redis is back, nothing it held from before the outage is served
(kkrmaal/cache_backend.py).

The cache is configured as the production settings configure it for a `CACHE_URL`, pointed at
an address where nothing listens (or at a Redis of the test's own, which it stops)."""

import logging
import runpy
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from rest_framework.test import APIClient

from kkrmaal import cache_backend
from municipalities import tokens
from reports.models import Publication
from reports.models import StoredPaper

pytestmark = pytest.mark.django_db

DEAD = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def production_cache(monkeypatch, url):
    """CACHES["default"] as kkrmaal/settings.py makes it with CACHE_URL=`url`, under a key
    prefix of the test's own."""
    monkeypatch.setenv("CACHE_URL", url)
    settings_module = Path(cache_backend.__file__).with_name("settings.py")
    config = runpy.run_path(str(settings_module))["CACHES"]["default"]
    return {**config, "KEY_PREFIX": f"outage-{uuid.uuid4().hex[:12]}"}


@pytest.fixture
def redis_down(settings, monkeypatch):
    """From here on the cache is a Redis nobody answers at."""
    settings.CACHES = {"default": production_cache(monkeypatch, DEAD)}


def outage_lines(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "kkrmaal.cache_backend"]


def main(html):
    return html.split('<main id="main"', 1)[1].split("</main>", 1)[0]


# --- the pages -------------------------------------------------------------------------------


def test_public_pages_answer_as_usual_while_redis_is_down(
    client, paper, status_history, settings, monkeypatch
):
    goal = paper.goals.get(number="1")
    urls = [
        "/hovedstaden/",
        "/hovedstaden/status/2018/",
        f"/hovedstaden/maal/{goal.pk}/",
        "/en/hovedstaden/status/2018/",
    ]
    before = {url: client.get(url).content.decode() for url in urls}  # with the cache

    settings.CACHES = {"default": production_cache(monkeypatch, DEAD)}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert main(response.content.decode()) == main(before[url]), url
    assert "Effektive akuttilbud" in client.get(f"/hovedstaden/maal/{goal.pk}/").content.decode()


def test_a_stored_pdf_is_downloaded_while_redis_is_down(client, status_history, redis_down):
    status_round = status_history[2018]
    stored = StoredPaper.objects.create(
        round=status_round,
        publication=Publication.objects.filter(round=status_round).first(),
        state=StoredPaper.State.DONE,
    )
    stored.file.save("statuspapir.pdf", ContentFile(b"%PDF-1.7 the stored paper"))

    response = client.get("/rapporter/hovedstaden/2018/statuspapir.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == b"%PDF-1.7 the stored paper"


def test_logging_in_answers_as_usual_while_redis_is_down(client, reporters, redis_down):
    reporters[101].set_password("a-password-for-the-outage")
    reporters[101].save()

    response = client.post(
        "/konto/login/",
        {"username": "indberetter-101", "password": "a-password-for-the-outage"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/konto/start/"
    # The session was kept (in the database): the next page knows who is signed in.
    assert client.get("/konto/start/")["Location"] == "/indberetning/"
    assert "Log ud (indberetter-101)" in client.get("/indberetning/").content.decode()


def _form_data(report, **extra):
    data = {"version": report.version, "save": "1"}
    for line in report.lines.all():
        data[f"line-{line.milestone_id}-status"] = "in_progress"
        data[f"line-{line.milestone_id}-comment"] = "Vi er godt i gang"
        data[f"line-{line.milestone_id}-evidence_url"] = ""
    for value in report.indicator_values.all():
        data[f"value-{value.indicator_id}"] = "7"
    return {**data, **extra}


def test_the_report_form_and_its_autosave_answer_as_usual_while_redis_is_down(
    client, reporters, report, redis_down
):
    client.force_login(reporters[101])
    url = f"/indberetning/{report.pk}/"

    page = client.get(url)
    assert page.status_code == 200
    assert "Effektive akuttilbud" in page.content.decode()

    autosaved = client.post(url, _form_data(report, autosave="1"))
    assert autosaved.status_code == 200
    assert autosaved.json()["version"] == 2

    report.refresh_from_db()
    saved = client.post(url, _form_data(report))
    assert saved.status_code == 302
    report.refresh_from_db()
    assert report.version == 3
    assert set(report.lines.values_list("comment", flat=True)) == {"Vi er godt i gang"}


def test_the_api_answers_as_usual_while_redis_is_down(
    status_history, reporters, report, redis_down, monkeypatch
):
    # The throttles count in Django's cache, as in production (the suite gives them their own).
    from rest_framework.throttling import AnonRateThrottle

    from kkrmaal.api.common import TokenRateThrottle

    monkeypatch.setattr(TokenRateThrottle, "cache", cache)
    monkeypatch.setattr(AnonRateThrottle, "cache", cache)

    listed = APIClient().get("/api/v1/rounds/")
    assert listed.status_code == 200
    assert sorted(r["year"] for r in listed.json()["results"]) == [2017, 2018]

    _token, key = tokens.issue_token(reporters[101], by=reporters[101])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    milestone = report.lines.order_by("milestone__goal__order").first().milestone_id
    patched = api.patch(
        f"/api/v1/reports/{report.pk}/",
        {"lines": [{"milestone": milestone, "status": "met"}]},
        format="json",
        HTTP_IF_MATCH=f'"{report.version}"',
    )
    assert patched.status_code == 200, patched.content
    assert patched["ETag"] == '"2"'
    assert report.lines.get(milestone_id=milestone).status == "met"


def test_the_reset_mail_throttle_lets_requests_through_while_redis_is_down(
    client, reporters, redis_down, mailoutbox
):
    # It fails open (kkrmaal/accounts.py says why): each request counts as the window's first.
    for _ in range(4):
        response = client.post("/konto/password_reset/", {"email": "indberetter-101@example.dk"})
        assert response.status_code == 302
    assert len(mailoutbox) == 4


# --- what the operator sees ------------------------------------------------------------------


def test_the_outage_is_logged_once_not_once_a_request(
    client, paper, status_history, reporters, redis_down, caplog, monkeypatch
):
    # Every operation tries Redis again (no breaker): still one line, the one of the start.
    monkeypatch.setattr(cache_backend, "RETRY_SECONDS", 0.0)
    caplog.set_level(logging.WARNING, logger="kkrmaal.cache_backend")
    client.force_login(reporters[101])

    for url in ["/hovedstaden/", "/hovedstaden/status/2018/", "/indberetning/", "/"]:
        assert client.get(url).status_code == 200, url

    lines = outage_lines(caplog)
    assert len(lines) == 1, lines
    assert lines[0].startswith("Cache redis://127.0.0.1:1/0 unreachable (ConnectionError")
    assert not [r for r in caplog.records if r.exc_info]  # no traceback


# --- the breaker and the way back ------------------------------------------------------------


@pytest.fixture
def hanging_redis():
    """An address that takes connections and never answers; yields (url, connections made)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted = []

    def accept():
        while True:
            try:
                accepted.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0", accepted
    server.close()
    for connection in accepted:
        connection.close()


def test_a_hanging_redis_is_waited_for_once_per_interval(
    client, paper, status_history, settings, monkeypatch, hanging_redis
):
    url, connections = hanging_redis
    settings.CACHES = {"default": production_cache(monkeypatch, url)}

    for page in ["/hovedstaden/", "/hovedstaden/status/2018/", "/hovedstaden/"]:
        assert client.get(page).status_code == 200

    # The first operation waited for its socket timeout; every other one skipped Redis.
    assert len(connections) == 1


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnRedis:
    """A redis-server of the test's own (never the shared one), started and stopped at will."""

    def __init__(self):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        subprocess.run(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", "/tmp", "--daemonize", "yes"],
            check=True,
            capture_output=True,
        )
        for _ in range(100):
            if self.cli("ping").stdout.strip() == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        self.cli("shutdown", "nosave")
        for _ in range(100):
            if self.cli("ping").returncode != 0:
                return
            time.sleep(0.05)

    def cli(self, *args):
        return subprocess.run(
            ["redis-cli", "-p", str(self.port), *args], check=False, capture_output=True, text=True
        )


@pytest.fixture
def own_redis():
    server = OwnRedis()
    server.start()
    yield server
    server.stop()


def test_after_the_outage_nothing_from_before_it_is_served(
    settings, monkeypatch, own_redis, caplog
):
    monkeypatch.setattr(cache_backend, "RETRY_SECONDS", 0.0)
    caplog.set_level(logging.WARNING, logger="kkrmaal.cache_backend")
    settings.CACHES = {"default": production_cache(monkeypatch, own_redis.url)}
    cache.set("page", "before the outage")
    cache.set("other", "kept")
    assert cache.get("page") == "before the outage"

    own_redis.stop()
    assert cache.get("page") is None
    cache.set("page", "during the outage")  # lost: the old value is still in Redis
    assert cache.add("lease", True) is False  # nobody holds a lease nobody recorded
    with pytest.raises(ValueError):
        cache.incr("counter")

    own_redis.start()  # empty: its data was not saved; put the old one back as if it were
    own_redis.cli("set", cache.make_key("page"), "1")  # (integers are stored unpickled)

    assert cache.get("page") is None  # forgotten, not the 1 from before
    cache.set("page", "after the outage")
    assert cache.get("page") == "after the outage"
    lines = outage_lines(caplog)
    assert len(lines) == 2, lines
    assert "unreachable" in lines[0]
    assert lines[1].startswith(f"Cache redis://127.0.0.1:{own_redis.port}/0 reachable again")
    assert "1 keys forgotten" in lines[1]


def test_an_outage_without_lost_writes_forgets_nothing(settings, monkeypatch, own_redis):
    monkeypatch.setattr(cache_backend, "RETRY_SECONDS", 0.0)
    settings.CACHES = {"default": production_cache(monkeypatch, own_redis.url)}

    own_redis.stop()
    assert cache.get("page") is None
    own_redis.start()
    own_redis.cli("set", cache.make_key("page"), "7")  # (integers are stored unpickled)

    assert cache.get("page") == 7
