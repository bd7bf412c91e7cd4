"""End to end, the way production runs: two app servers (gunicorn on 127.0.0.1) sharing one
PostgreSQL database of the test's own and the Redis cache, and the job worker
(`manage.py db_worker`) beside them. A round is published through the first server; the
second shows the new record at once. The worker is killed (`kill -9`) while it renders the
papers; a new worker and the scheduler, with a short lease, finish every paper with no hand
action, and every PDF downloads.

Slow (real WeasyPrint renders, processes started and stopped), so marked `slow`; it takes
about a minute and `make test` runs it (in its PostgreSQL pass only: it makes its own
database on 127.0.0.1:5432 whatever DATABASE_URL says)."""

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import psycopg2
import pytest
import redis
from django.conf import settings

from tests.job_helpers import DRAFTS
from tests.job_helpers import MUNICIPALITIES
from tests.pg_private import free_port

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="runs in the PostgreSQL pass (make test-postgres)",
    ),
]

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
REDIS_URL = "redis://127.0.0.1:6379/11"
WAIT_SECONDS = 90
LEASE_SECONDS = 10
STUCK_SECONDS = 15
PAPERS = len(MUNICIPALITIES) + 1


class Stack:
    """The processes and the database of one run; everything is stopped and removed in
    `close`, whatever happened."""

    def __init__(self, tmp_path):
        self.name = f"kkrmaal_jobs_crash_{uuid.uuid4().hex[:10]}"
        self.prefix = f"crash-{uuid.uuid4().hex[:8]}"
        self.tmp = tmp_path
        self.processes = {}
        (tmp_path / "static").mkdir()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PAPER_", "TASK_"))},
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{self.name}",
            "CACHE_URL": REDIS_URL,
            "CACHE_KEY_PREFIX": self.prefix,
            "MEDIA_ROOT": str(tmp_path / "media"),
            "STATIC_ROOT": str(tmp_path / "static"),
            "DJANGO_SETTINGS_MODULE": "kkrmaal.settings",
            "PYTHONUNBUFFERED": "1",
            "LOG_LEVEL": "WARNING",
            # Short, so a dead worker's paper comes back within seconds, not ten minutes.
            "PAPER_LEASE_SECONDS": str(LEASE_SECONDS),
            "PAPER_REQUEUE_SECONDS": "30",
            "TASK_STUCK_SECONDS": str(STUCK_SECONDS),
            "SCHEDULER_INTERVAL_SECONDS": "1",
        }
        self.env.pop("SECRET_KEY", None)
        self.env.pop("PRODUCTION", None)
        admin = psycopg2.connect(dbname="postgres", **PG)
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{self.name}"')
        admin.close()
        self.db = psycopg2.connect(dbname=self.name, **PG)
        self.db.autocommit = True

    def manage(self, *args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def start(self, name, *args):
        log = open(self.tmp / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        self.processes[name] = (
            subprocess.Popen(
                [sys.executable, *args],
                cwd=settings.BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                # A group of its own: gunicorn's workers are stopped with their master.
                start_new_session=True,
            ),
            log,
        )
        return self.processes[name][0]

    def server(self, name):
        port = free_port()
        self.start(name, "-m", "gunicorn", "kkrmaal.wsgi", "--bind", f"127.0.0.1:{port}")
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(f"{url}/healthz", timeout=5).status == 200:
                    return url
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.25)
        raise AssertionError(f"{name} did not answer: {self.log(name)}")

    def worker(self, name):
        return self.start(
            name,
            "manage.py",
            "db_worker",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0.2",
            "--worker-id",
            name,
        )

    def log(self, name):
        return (self.tmp / f"{name}.log").read_text()[-3000:]

    def query(self, sql, *params):
        with self.db.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def papers(self, publication):
        """{id: (state, claimed, attempts)} of the publication's papers."""
        rows = self.query(
            "SELECT id, state, claimed_at IS NOT NULL, attempts FROM reports_storedpaper "
            "WHERE publication_id = %s",
            publication,
        )
        return {pk: rest for pk, *rest in rows}

    def close(self):
        for process, log in self.processes.values():
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass  # stopped already, with every process of its group
            process.wait(timeout=30)
            log.close()
        self.db.close()
        admin = psycopg2.connect(dbname="postgres", **PG)
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [self.name],
            )
            cursor.execute(f'DROP DATABASE IF EXISTS "{self.name}"')
        admin.close()
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(match=f"{self.prefix}*", count=1000):
            client.delete(key)


@pytest.fixture
def stack(tmp_path):
    stack = Stack(tmp_path)
    try:
        yield stack
    finally:
        stack.close()


class Browser:
    """A secretariat member's browser: cookies, and the CSRF token of the last form."""

    def __init__(self, url):
        self.url = url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path):
        with self.opener.open(self.url + path, timeout=30) as response:
            return response.status, response.read().decode()

    def post_form(self, path, data):
        """GET the page at `path`, then POST `data` with its CSRF token."""
        _status, page = self.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        with self.opener.open(self.url + path, body, timeout=60) as response:
            return response.status, response.geturl(), response.read().decode()


def status(url, path):
    try:
        with urllib.request.urlopen(url + path, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_for(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s: {what}")


def test_a_killed_worker_loses_no_paper(stack):
    started = time.monotonic()
    stack.manage("migrate", "--verbosity", "0")
    seeded = json.loads(
        stack.manage("shell", "-v", "0", "-c", "from tests.job_helpers import seed; seed()").stdout
    )
    first, second = stack.server("web-1"), stack.server("web-2")
    stack.worker("worker-1")
    year_page = "/hovedstaden/status/2018/"
    assert status(second, year_page)[0] == 404  # not published yet
    assert b"/hovedstaden/status/2017/" in status(second, "/hovedstaden/")[1]  # cached there

    # Publish through the first server, as the secretariat does.
    browser = Browser(first)
    code, landed, _page = browser.post_form(
        "/konto/login/", {"username": seeded["username"], "password": seeded["password"]}
    )
    assert code == 200 and not landed.endswith("/konto/login/"), landed
    code, landed, page = browser.post_form(
        f"/sekretariat/runder/{seeded['round']}/handling/?action=publish", {"action": "publish"}
    )
    assert landed.endswith(f"/sekretariat/runder/{seeded['round']}/"), landed
    assert "Runden er offentliggjort." in page
    published = time.monotonic()

    # The second server shows the new record at once (it reads a shared cache's token at
    # most a second old).
    def new_record_shown():
        code, body = status(second, year_page)
        return code == 200 and body.decode()

    page = wait_for(new_record_shown, 2, "the second server shows the publication")
    reported = len(MUNICIPALITIES) - len(DRAFTS)
    assert f"{reported} af {len(MUNICIPALITIES)} kommuner har indsendt deres status." in page
    # The region page was cached there before: it follows within the same second's token.
    wait_for(
        lambda: b"/hovedstaden/status/2018/" in status(second, "/hovedstaden/")[1],
        2,
        "the second server's region page links the new status",
    )
    shown_after = time.monotonic() - published
    (publication,) = stack.query(
        "SELECT id FROM reports_publication WHERE round_id = %s", seeded["round"]
    )[0]
    assert (
        len(
            stack.query("SELECT id FROM reports_storedpaper WHERE publication_id = %s", publication)
        )
        == PAPERS
    )

    # kill -9 the worker while it renders a paper (claimed, not yet done).
    def rendering():
        return [
            pk
            for pk, (state, claimed, _n) in stack.papers(publication).items()
            if state == "pending" and claimed
        ]

    wait_for(rendering, 60, "the worker renders a paper")
    stack.processes["worker-1"][0].send_signal(signal.SIGKILL)
    stack.processes["worker-1"][0].wait(timeout=10)
    killed = time.monotonic()
    (victim,) = rendering()  # held by the dead worker: claimed, never finished
    assert (
        stack.query(
            "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'"
        )[0][0]
        == 1
    )
    # The public is told the PDF is coming, not given an error.
    code, _body = status(second, "/rapporter/hovedstaden/2018/statuspapir.pdf")
    assert code in (200, 503)

    # A new worker and the scheduler; no hand on the papers.
    stack.worker("worker-2")
    stack.start("scheduler", "manage.py", "run_scheduler")

    def all_done():
        papers = stack.papers(publication)
        return all(state == "done" for state, _c, _n in papers.values()) and papers

    papers = wait_for(all_done, WAIT_SECONDS, "every paper of the publication is done")
    recovered_after = time.monotonic() - killed
    assert papers[victim][2] == 2  # claimed by the killed worker, then by the new one
    # The dead worker's job does not stay "running" for ever.
    wait_for(
        lambda: (
            not stack.query(
                "SELECT id FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'"
            )
        ),
        STUCK_SECONDS + 10,
        "the dead worker's job is marked failed",
    )

    # Every PDF downloads, from either server.
    for url in (first, second):
        for path in [
            "/rapporter/hovedstaden/2018/statuspapir.pdf",
            *(f"/rapporter/hovedstaden/2018/{code}.pdf" for code, _name in MUNICIPALITIES),
        ]:
            code, body = status(url, path)
            assert code == 200 and body.startswith(b"%PDF-"), (url, path, code)

    # SIGTERM stops the scheduler and the worker cleanly.
    for name in ("scheduler", "worker-2"):
        process = stack.processes[name][0]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0, stack.log(name)
    print(
        f"\nshown on the second server {shown_after:.2f} s after publishing; every paper "
        f"done {recovered_after:.1f} s after the kill; whole test {time.monotonic() - started:.0f} s"
    )
