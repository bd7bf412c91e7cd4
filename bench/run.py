"""Benchmark: the public pages, the API's public lists, the stored PDFs and 98 municipalities
submitting at once, on the national-scale data, against a bare Django page in the same run.

    .venv/bin/python bench/run.py [--duration 5] [--runs 3] [--reuse] [--skip-pdf]

(`make bench` runs it.) Steps:

1. builds the national-scale data in its own PostgreSQL database (`kkrmaal_bench`, dropped
   and made again unless `--reuse`): `generate_scale_data --rounds 10 --open-round` (this
   year's round open for reporting) and `--store-papers` for Hovedstaden, plus a reporter
   account per municipality;
2. measures in this process, for each page type and API list, the queries and time of the
   first request after the cache was emptied (a publication) and of the next one, and one
   municipality's submission (queries, time);
3. serves the portal with gunicorn (2 sync workers) on a free port of 127.0.0.1 with `bench.settings`, whose
   additions are a bare TemplateView of a 2 KB page and no per-address limit on the API, and
   drives each page with wrk (20 connections, `--duration` seconds, loopback only), `--runs`
   times, interleaved with the bare page; prints req/s, p50/p95 and the ratio to the bare
   page (medians over the runs);
4. lets all 98 municipalities' reporters (already logged in) submit their report at the same
   moment (`submit`, one function per municipality: "Indsend" saves and shows the summary,
   "Bekræft indsendelse" submits), every step started together by all 98, and prints each
   step's p50/p95/max and the number submitted, counted in the database;
5. runs bench/pdf.py (the region paper at 10 rounds).

Targets (issue 13): every page and API list ≥ 0.5× the bare page's throughput and p95 < 100 ms
with a warm cache; the first request after publishing < 150 ms; stored PDF ≥ 0.5× bare; submit
p95 < 1 s with none lost.
"""

import argparse
import http.cookiejar
import logging
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE = "kkrmaal_bench"


def _free_port():
    # Other people's servers may run on this machine: ask the kernel for a port nobody has.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


HOST, PORT = "127.0.0.1", int(os.environ.get("BENCH_PORT") or _free_port())
BASE = f"http://{HOST}:{PORT}"
CONNECTIONS = 20
PASSWORD = "bench-pass-123"

TARGET_RATIO, TARGET_P95_MS, TARGET_COLD_MS, TARGET_SUBMIT_P95_S = 0.5, 100, 150, 1.0
SUBMIT_STEPS = (
    "Indsend (POST: save, to the summary)",
    "the summary (GET)",
    "Bekræft indsendelse (POST)",
)


def environment():
    workdir = ROOT / "bench" / "out"
    workdir.mkdir(parents=True, exist_ok=True)
    env = {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/12"),
        # A prefix of its own per run: nothing from an earlier run, nothing to flush.
        "CACHE_KEY_PREFIX": f"bench-{uuid.uuid4().hex[:8]}",
        "MEDIA_ROOT": str(workdir / "media"),
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    os.environ.update(env)
    return env


def build(reuse):
    import psycopg2

    admin = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
        exists = cursor.fetchone() is not None
        if exists and not reuse:
            cursor.execute(f"DROP DATABASE {DATABASE} WITH (FORCE)")
        if not exists or not reuse:
            cursor.execute(f"CREATE DATABASE {DATABASE}")
    admin.close()
    fresh = not (exists and reuse)
    if fresh:
        shutil.rmtree(os.environ["MEDIA_ROOT"], ignore_errors=True)

    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    if fresh:
        first_year = timezone.localdate().year - 9
        start = time.perf_counter()
        call_command(
            "generate_scale_data", "--rounds", "10", "--first-year", first_year, "--open-round"
        )
        print(f"  data built in {time.perf_counter() - start:.0f} s")
        start = time.perf_counter()
        call_command(
            "generate_scale_data",
            "--rounds",
            "10",
            "--first-year",
            first_year,
            "--open-round",
            "--store-papers",
            "--region",
            "hovedstaden",
        )
        print(f"  Hovedstaden's papers stored in {time.perf_counter() - start:.0f} s")
    reporters()


def reporters():
    """A reporter per municipality (made once; the password only matters for the admin)."""
    from django.contrib.auth import get_user_model

    from municipalities.models import Membership
    from municipalities.models import Municipality

    User = get_user_model()
    for municipality in Municipality.objects.all():
        user, created = User.objects.get_or_create(username=f"bench-{municipality.kommunekode}")
        if created:
            user.set_password(PASSWORD)
            user.save()
            Membership.objects.create(
                user=user, role=Membership.Role.REPORTER, municipality=municipality
            )


def urls():
    """{page type: path} on Hovedstaden's scale paper."""
    from goals.models import Goal
    from reports.models import public_rounds

    latest = public_rounds().filter(paper__source="skala-hovedstaden.txt").order_by("-year").first()
    goal = Goal.objects.filter(paper=latest.paper, number="1").get()
    return {
        "bare view": "/bench/bare/",
        "/": "/",
        "/hovedstaden/": "/hovedstaden/",
        "goal page": f"/hovedstaden/maal/{goal.pk}/",
        "municipality page": "/hovedstaden/kommuner/101/",
        "status page": f"/hovedstaden/status/{latest.year}/",
        "stored PDF": f"/rapporter/hovedstaden/{latest.year}/statuspapir.pdf",
        "municipality PDF": f"/rapporter/hovedstaden/{latest.year}/101.pdf",
        # The API's public lists (anonymous, JSON, first page of 100).
        "API regions": "/api/v1/regions/",
        "API clusters": "/api/v1/clusters/",
        "API municipalities": "/api/v1/municipalities/",
        "API papers": "/api/v1/papers/",
        "API goals": "/api/v1/goals/",
        "API milestones": "/api/v1/milestones/",
        "API rounds": "/api/v1/rounds/",
        "API round progress": f"/api/v1/rounds/{latest.pk}/progress/",
        "API round lines": f"/api/v1/rounds/{latest.pk}/lines/",
    }


def in_process(pages):
    """{page type: (queries cold, ms cold, queries warm, ms warm)}: the first request after a
    publication emptied the cache, and the next."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from reports.cache import invalidate

    client = Client(HTTP_HOST=HOST)
    for path in pages.values():  # templates, translations and connections loaded once
        client.get(path)
    results = {}
    for name, path in pages.items():
        cold_times, warm_times = [], []
        for _ in range(3):
            invalidate()
            with CaptureQueriesContext(connection) as cold:
                start = time.perf_counter()
                response = client.get(path)
                cold_times.append(time.perf_counter() - start)
            assert response.status_code == 200, (path, response.status_code)
            with CaptureQueriesContext(connection) as warm:
                start = time.perf_counter()
                client.get(path)
                warm_times.append(time.perf_counter() - start)
        results[name] = (
            len(cold),
            statistics.median(cold_times) * 1000,
            len(warm),
            statistics.median(warm_times) * 1000,
        )
    return results


def serve(env):
    log = open(ROOT / "bench" / "out" / "gunicorn.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "kkrmaal.wsgi:application",
            "--bind",
            f"{HOST}:{PORT}",
            "--workers",
            "2",
            "--worker-class",
            "sync",
            "--backlog",
            "2048",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log,
        stderr=log,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{BASE}/healthz/live", timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not start; see bench/out/gunicorn.log")


def wrk(path, duration):
    url = BASE + path
    assert urllib.parse.urlsplit(url).hostname == "127.0.0.1"  # loopback only
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{duration}s",
            "--timeout",
            "5s",
            "-s",
            str(ROOT / "bench" / "wrk_report.lua"),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=duration + 30,
    ).stdout
    requests, micros, p50, p95, slowest, errors = map(
        int, re.search(r"RESULT (.*)", out).group(1).split()
    )
    return {
        "rps": requests / (micros / 1e6),
        "p50": p50 / 1000,
        "p95": p95 / 1000,
        "max": slowest / 1000,
        "errors": errors,
    }


def load(pages, duration, runs):
    """{page type: medians over the runs}, each run of a page right after one of the bare
    page, so a busy moment on the machine hits both."""
    for path in pages.values():  # warm: fill the cache in both workers
        for _ in range(4):
            urllib.request.urlopen(BASE + path).read()
    samples = {name: [] for name in pages}
    ratios = {name: [] for name in pages}
    for _ in range(runs):
        for name, path in pages.items():
            if name == "bare view":
                continue
            bare = wrk(pages["bare view"], duration)
            result = wrk(path, duration)
            samples["bare view"].append(bare)
            samples[name].append(result)
            ratios[name].append(result["rps"] / bare["rps"])
    table = {}
    for name, runs_of in samples.items():
        table[name] = {
            key: statistics.median(r[key] for r in runs_of)
            for key in ("rps", "p50", "p95", "max", "errors")
        }
        table[name]["ratio"] = statistics.median(ratios[name]) if ratios[name] else 1.0
    return table


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _open_reports():
    """This year's reports, back to drafts with nothing filled in (as built; with --reuse an
    earlier run submitted them), by kommunekode."""
    from goals.models import IndicatorValue
    from goals.models import MilestoneStatus
    from goals.models import StatusReport
    from goals.models import StatusRound

    open_reports = StatusReport.objects.filter(round__state=StatusRound.State.OPEN)
    open_reports.update(state=StatusReport.State.DRAFT, submitted_at=None)
    MilestoneStatus.objects.filter(report__in=open_reports).update(status="", comment="")
    IndicatorValue.objects.filter(report__in=open_reports).update(value=None)
    return list(open_reports.select_related("municipality").order_by("municipality__kommunekode"))


def filled_in(page):
    """The report form on `page` as the reporter sends it: every line and indicator
    answered, and "Indsend"."""
    data = {
        "csrfmiddlewaretoken": re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(
            1
        ),
        "version": re.search(r'name="version" value="(\d+)"', page).group(1),
        "submit": "1",
    }
    for milestone in re.findall(r'name="line-(\d+)-status"', page):
        data[f"line-{milestone}-status"] = "in_progress"
        data[f"line-{milestone}-comment"] = "Vi er godt i gang."
    for indicator in re.findall(r'name="value-(\d+)"', page):
        data[f"value-{indicator}"] = "42"
    return data


def submit(send, url, form):
    """One municipality's submission, as a browser makes it from the open report form, filled
    in (`form`, see `filled_in`): "Indsend" saves what is typed and shows the summary, whose
    "Bekræft indsendelse" submits the version it showed. `send(url, data)` POSTs a form
    (`send(url)` GETs a page) and returns (status code, page). Returns None, or what went
    wrong. (The one place to change when submitting takes other steps.)"""
    status, _page = send(url, form)
    if status != 302:
        return f"Indsend answered {status}, not a redirect to the summary"
    summary = f"{url}indsend/"
    status, page = send(summary)
    if status != 200:
        return f"the summary answered {status}"
    confirm = {
        "csrfmiddlewaretoken": form["csrfmiddlewaretoken"],
        "version": re.search(r'name="version" value="(\d+)"', page).group(1),
        "confirm": "1",
    }
    status, _page = send(summary, confirm)
    return None if status == 302 else f"Bekræft indsendelse answered {status}, not a redirect"


def submission_in_process(count=10):
    """(queries, median ms) of one submission through Django's test client, for the first
    `count` municipalities: the server's own cost, without the network or the queue."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    times, queries = [], []
    # The audit lines are still made (that is part of the cost); they just go nowhere.
    for handler in logging.getLogger("kkrmaal.audit").handlers:
        handler.setStream(open(os.devnull, "w"))  # noqa: SIM115
    for report in _open_reports()[:count]:
        client = Client(HTTP_HOST=HOST, enforce_csrf_checks=True)
        client.force_login(get_user_model().objects.get(username=_reporter_name(report)))
        url = f"/indberetning/{report.pk}/"
        page = client.get(url).content.decode()

        def send(url, data=None, client=client):
            start = time.perf_counter()
            if data is None:
                answer = client.get(url)
            else:
                answer = client.post(url, data, HTTP_REFERER=f"http://{HOST}{url}")
            times.append(time.perf_counter() - start)
            return answer.status_code, answer.content.decode()

        with CaptureQueriesContext(connection) as captured:
            failure = submit(send, url, filled_in(page))
        assert failure is None, failure
        queries.append(len(captured))
    return max(queries), statistics.median(times) * 1000


def _reporter_name(report):
    return f"bench-{report.municipality.kommunekode}"


def submissions():
    """Every municipality's reporter, logged in with the report form open, submits at the
    same moment, each step of `submit` together. Returns (for each step the request times in
    seconds, failures, number submitted in the database, number of reports)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from goals.models import StatusReport
    from goals.models import StatusRound

    users = {u.username: u for u in get_user_model().objects.filter(username__startswith="bench-")}
    reports = _open_reports()
    browsers = []
    for report in reports:
        # Logged in as a browser would be after the login page: a session in the database.
        session = Client()
        session.force_login(users[_reporter_name(report)])
        sessionid = session.cookies["sessionid"].value
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
        opener.addheaders = [("Cookie", f"sessionid={sessionid}")]
        url = f"{BASE}/indberetning/{report.pk}/"
        page = opener.open(url).read().decode()
        csrf = next(c.value for c in jar if c.name == "csrftoken")
        opener.addheaders = [
            ("Cookie", f"sessionid={sessionid}; csrftoken={csrf}"),
            ("Referer", url),
        ]
        # Filled in before the start: the 98 browsers are other machines, whose work is not
        # this one's to time.
        browsers.append((opener, url, filled_in(page)))

    # Every step of the submission starts at the same moment for all 98: the worst case,
    # 98 identical requests queued at once on the two workers.
    start_line = threading.Barrier(len(browsers))
    steps, failures = [[] for _ in browsers], []

    def browser(i, opener, url, form):
        def send(url, data=None):
            start_line.wait(timeout=300)
            body = None if data is None else urllib.parse.urlencode(list(data.items())).encode()
            start = time.perf_counter()
            try:
                with opener.open(url, body, timeout=60) as answer:
                    return answer.status, answer.read().decode()
            except urllib.error.HTTPError as answer:
                return answer.code, ""
            finally:
                steps[i].append(time.perf_counter() - start)

        try:
            failure = submit(send, url, form)
        except (OSError, threading.BrokenBarrierError) as error:
            failure = error
        if failure is not None:
            failures.append((url, failure))
            start_line.abort()  # the others would wait for this browser forever

    threads = [
        threading.Thread(target=browser, args=(i, *client)) for i, client in enumerate(browsers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    submitted = StatusReport.objects.filter(
        round__state=StatusRound.State.OPEN, state=StatusReport.State.SUBMITTED
    ).count()
    # The n-th request of every browser: Indsend (POST), the summary (GET), Bekræft (POST).
    times = [[done[n] for done in steps if len(done) > n] for n in range(max(map(len, steps)))]
    return times, failures, submitted, len(reports)


def _percentile(values, share):
    values = sorted(values)
    return values[min(len(values) - 1, round(share * (len(values) - 1)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--runs", type=int, default=3, help="wrk runs per page (median)")
    parser.add_argument("--reuse", action="store_true", help="keep the database if it exists")
    parser.add_argument("--skip-pdf", action="store_true", help="leave out bench/pdf.py")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk (make bench does)")

    env = environment()
    print(f"Benchmark on {os.uname().nodename}, {os.cpu_count()} CPUs, {time.strftime('%F %T %Z')}")
    print(f"Building the national-scale data in PostgreSQL ({DATABASE}) …")
    build(args.reuse)
    pages = urls()

    print("\nIn process, first request after a publication (cold) and the next (warm):")
    print(f"  {'page':<20}{'queries':>9}{'cold ms':>10}{'queries':>9}{'warm ms':>10}")
    for name, (qc, tc, qw, tw) in in_process(pages).items():
        mark = "" if tc < TARGET_COLD_MS or name == "bare view" else "  > 150 ms"
        print(f"  {name:<20}{qc:>9}{tc:>10.1f}{qw:>9}{tw:>10.1f}{mark}")
    queries, ms = submission_in_process()
    print(
        f"  one submission (Indsend, summary, Bekræft; logged in): {queries} queries, "
        f"median {ms:.1f} ms a request"
    )

    from django.db import connections

    connections.close_all()
    server = serve(env)
    try:
        print(
            f"\ngunicorn, 2 sync workers; wrk, {CONNECTIONS} connections, {args.duration} s, "
            f"median of {args.runs} (interleaved with the bare page):"
        )
        table = load(pages, args.duration, args.runs)
        print(
            f"  {'page':<20}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
            f"{'ratio':>8}{'errors':>8}"
        )
        for name, row in table.items():
            misses = []
            if row["ratio"] < TARGET_RATIO:
                misses.append("ratio")
            if row["p95"] >= TARGET_P95_MS:
                misses.append("p95")
            print(
                f"  {name:<20}{row['rps']:>9.0f}{row['p50']:>9.1f}{row['p95']:>9.1f}"
                f"{row['max']:>9.1f}{row['ratio']:>8.2f}{row['errors']:>8.0f}"
                + (f"  misses: {', '.join(misses)}" if misses else "")
            )

        print("\n98 municipalities submitting at the same moment (logged in):")
        times, failures, submitted, total = submissions()
        for step, step_times in zip(SUBMIT_STEPS, times, strict=False):
            print(
                f"  {step:<34} p50 {statistics.median(step_times):.2f} s, "
                f"p95 {_percentile(step_times, 0.95):.2f} s, max {max(step_times):.2f} s"
                f" (target p95 < {TARGET_SUBMIT_P95_S:.0f} s)"
            )
        print(
            f"  submitted in the database: {submitted} of {total}; failed answers: {len(failures)}"
        )
        for failure in failures[:5]:
            print(f"    {failure}")
    finally:
        server.terminate()
        server.wait(timeout=30)

    if not args.skip_pdf:
        print("\nThe region's PDF (bench/pdf.py --rounds 10):")
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "pdf.py"), "--rounds", "10"],
            check=True,
            env={k: v for k, v in os.environ.items() if k not in env},
        )


if __name__ == "__main__":
    main()
