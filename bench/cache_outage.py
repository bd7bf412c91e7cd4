"""What a Redis outage costs a request: the same pages served by gunicorn (1 sync worker) with
a working Redis (warm, and cold: emptied before every request, as after a publication), with
Redis refusing connections (nothing listens) and with Redis hanging (takes connections and
never answers).

    .venv/bin/python bench/cache_outage.py DATABASE_URL [--requests 15]

Each round of requests asks every page once, a second after the last round, so that no page
comes from the process's own memory of the versions (reports/cache.py, LOCAL_SECONDS): with
Redis away every page is rendered. The database must hold published rounds (`manage.py demo` makes them). The Redis used is one
of this script's own on a free port, never a shared one; so is the hanging one.
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCAL_SECONDS = 1.1  # reports/cache.py LOCAL_SECONDS, and a little


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def hanging_server():
    """An address that takes connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    kept = []

    def accept():
        while True:
            kept.append(server.accept()[0])

    threading.Thread(target=accept, daemon=True).start()
    return f"redis://127.0.0.1:{server.getsockname()[1]}/0"


def get(url):
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        response.read()
        status = response.status
    return status, (time.perf_counter() - started) * 1000


def serve(env):
    port = free_port()
    log = open(f"{tempfile.gettempdir()}/cache-outage-gunicorn-{port}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "kkrmaal.wsgi", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "1", "--log-level", "warning"],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/healthz/live", timeout=1)
            return process, base
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"gunicorn did not start; see {log.name}")


def pages(database_url):
    code = (
        "from goals.models import StatusRound, Goal\n"
        "r = StatusRound.objects.filter(state='published', paper__region__slug='hovedstaden')"
        ".order_by('-year').first()\n"
        "g = Goal.objects.filter(paper=r.paper).order_by('pk').first()\n"
        "print(r.year, g.pk)"
    )
    output = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    year, goal = output[-2:]
    return [
        "/hovedstaden/",
        f"/hovedstaden/status/{year}/",
        f"/hovedstaden/maal/{goal}/",
        "/api/v1/rounds/",
        f"/rapporter/hovedstaden/{year}/statuspapir.pdf",
    ]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("--requests", type=int, default=15)
    args = parser.parse_args()
    urls = pages(args.database_url)

    redis_port = free_port()
    subprocess.run(
        ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", ""]
        + ["--appendonly", "no", "--dir", tempfile.gettempdir(), "--daemonize", "yes"],
        check=True,
    )
    time.sleep(0.3)

    def flush():
        subprocess.run(
            ["redis-cli", "-p", str(redis_port), "flushdb"], check=False, capture_output=True
        )

    variants = [
        ("working, warm", f"redis://127.0.0.1:{redis_port}/0", None),
        ("working, cold", f"redis://127.0.0.1:{redis_port}/0", flush),
        ("refused", "redis://127.0.0.1:1/0", None),
        ("hanging", hanging_server(), None),
    ]
    results = {}
    try:
        for name, cache_url, before in variants:
            process, base = serve(
                {"DATABASE_URL": args.database_url, "CACHE_URL": cache_url, "DEBUG": "0"}
            )
            try:
                for url in urls:
                    get(base + url)  # the worker's first request imports and connects
                times = {url: [] for url in urls}
                for _ in range(args.requests):
                    # Past the process's own memory of the versions (reports/cache.py).
                    time.sleep(LOCAL_SECONDS)
                    for url in urls:
                        if before:
                            before()
                        status, ms = get(base + url)
                        assert status == 200, (name, url, status)
                        times[url].append(ms)
                for url in urls:
                    results[name, url] = (statistics.median(times[url]), max(times[url]))
            finally:
                process.terminate()
                process.wait(timeout=30)
    finally:
        subprocess.run(["redis-cli", "-p", str(redis_port), "shutdown", "nosave"], check=False)

    names = [name for name, _, _ in variants]
    print(f"{'page':42}" + "".join(f"{name:>22}" for name in names))
    print(f"{'':42}" + "".join(f"{'median / max ms':>22}" for _ in names))
    for url in urls:
        row = "".join(
            f"{results[name, url][0]:>13.1f} / {results[name, url][1]:>6.1f}" for name in names
        )
        print(f"{url:42}{row}")


if __name__ == "__main__":
    main()
