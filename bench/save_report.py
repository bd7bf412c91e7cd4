"""Benchmark: saving a whole report (issue 18), the UPDATE of its lines and values written by
hand (one `UPDATE … SET f = CASE id WHEN … END` per model, as goals/rounds.py writes it) against
django-simple-history's `bulk_update_with_history` (Django's `bulk_update`), in one process.

    .venv/bin/python bench/save_report.py [--repeat 60] [--postgres]

Builds, in a throwaway SQLite database or with `--postgres` in its own PostgreSQL database
`kkrmaal_bench_save` (dropped and made again; DATABASE_URL's server, default
postgres@127.0.0.1:5432), the demo's Midtjylland paper (reports/demo.py; its report has 10
lines) with its milestones copied until a report has `--lines` lines (30) and `--indicators`
indicators (4), and opens this year's round on it. Then one municipality's report is saved with
`goals.rounds.save_report` over and over, every line's status, comment and link and every
indicator's value changed each time (two full answers in turn), once with each way of writing,
the two interleaved so that a busy moment on a shared machine hits both alike. It prints, for
each, the median and fastest time of the whole `save_report` (lock, read, compare, UPDATE,
history INSERT, the report's own row, the audit line) and of the UPDATE + history INSERT alone,
and the ratio library / hand-written.
"""

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

POSTGRES_DATABASE = "kkrmaal_bench_save"
MIDTJYLLAND = "002_73cf8f81b5b917b6.txt"  # reports/demo.py's DEMO_PAPERS


def _database(postgres):
    if not postgres:
        workdir = Path(tempfile.mkdtemp(prefix="kkrmaal-bench-save-"))
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
        return "SQLite (a file)"
    import psycopg2

    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    server = server.rsplit("/", 1)[0]
    admin = psycopg2.connect(f"{server}/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {POSTGRES_DATABASE} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {POSTGRES_DATABASE}")
    admin.close()
    os.environ["DATABASE_URL"] = f"{server}/{POSTGRES_DATABASE}"
    return f"PostgreSQL ({POSTGRES_DATABASE})"


def library(objs, model, fields, by):
    """django-simple-history's helper: Django's bulk_update, then the history rows."""
    from simple_history.utils import bulk_update_with_history

    bulk_update_with_history(objs, model, fields, default_user=by)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=60, help="saves per way (median)")
    parser.add_argument("--lines", type=int, default=30, help="lines of the report (30)")
    parser.add_argument("--indicators", type=int, default=4, help="its indicators (4)")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL, not SQLite")
    args = parser.parse_args()

    where = _database(args.postgres)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    for name in ("CACHE_URL", "REDIS_URL", "CACHE_KEY_PREFIX"):
        os.environ.pop(name, None)
    os.environ["CACHE_DIR"] = tempfile.mkdtemp(prefix="kkrmaal-bench-save-cache-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kkrmaal.settings")

    import logging

    import django

    django.setup()
    # The audit lines are still made (part of a save's cost); they just go nowhere.
    for handler in logging.getLogger("kkrmaal.audit").handlers:
        handler.setStream(open(os.devnull, "w"))  # noqa: SIM115
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from goals import rounds
    from goals.loading import load_kkr_data
    from goals.models import GoalPaper
    from goals.models import Indicator
    from goals.models import Milestone
    from goals.models import MilestoneStatus
    from goals.models import StatusRound

    call_command("migrate", verbosity=0)
    load_kkr_data()
    # Midtjylland's paper of the demo (its report has 10 lines and no indicator); its
    # milestones copied until a report has `--lines` lines, and `--indicators` indicators.
    paper = GoalPaper.objects.get(source=MIDTJYLLAND)
    asked = list(Milestone.objects.filter(goal__paper=paper, scope="municipality").order_by("pk"))
    for copy in range(max(args.lines - len(asked), 0)):
        milestone = asked[copy % len(asked)]
        milestone.pk = None
        milestone.order += 100 * (copy // len(asked) + 1)
        milestone.save()
    goals = list(paper.goals.filter(milestones__isnull=False).distinct().order_by("pk"))
    for number in range(args.indicators):
        Indicator.objects.create(
            goal=goals[number % len(goals)], order=number, name=f"Tal {number}"
        )
    today = timezone.localdate()
    status_round = StatusRound.objects.create(
        paper=paper, year=today.year, opens=today, deadline=today + datetime.timedelta(days=30)
    )
    rounds.open_round(status_round)
    by = get_user_model().objects.create_user("bench-save", password="bench-pass-123")
    report = status_round.reports.order_by("municipality_id").first()
    milestones = list(report.lines.values_list("milestone_id", flat=True))
    indicators = list(report.indicator_values.values_list("indicator_id", flat=True))
    answers = [
        (
            {
                m: {
                    "status": status,
                    "comment": f"{word} {m}",
                    "evidence_url": f"https://x.dk/{word}",
                }
                for m in milestones
            },
            {i: Decimal(value) for i in indicators},
        )
        for status, word, value in (("in_progress", "Igang", 10), ("met", "Opfyldt", 20))
    ]
    print(
        f"{where}: {report.municipality.name}'s report, {len(milestones)} lines and "
        f"{len(indicators)} indicator values, every one changed on each save"
    )

    # goals/rounds.py's own function (issue 18 kept it) against the library's.
    ways = {"hand-written": rounds._update_with_history, "library": library}
    whole = {name: [] for name in ways}
    writes = {name: [] for name in ways}
    turn = 0

    def save(name):
        nonlocal turn, report
        spent = []

        def timed(*a, **kw):
            start = time.perf_counter()
            ways[name](*a, **kw)
            spent.append(time.perf_counter() - start)

        lines, values = answers[turn % 2]
        turn += 1
        rounds._update_with_history = timed
        start = time.perf_counter()
        report = rounds.save_report(
            report, version=report.version, lines=lines, values=values, by=by
        )
        return time.perf_counter() - start, sum(spent)

    original = rounds._update_with_history
    try:
        for name in ways:  # warm up: the first queries prepare and cache what they use
            for _ in range(5):
                save(name)
        for i in range(args.repeat):
            order = list(ways) if i % 2 == 0 else list(reversed(ways))
            for name in order:
                total, write = save(name)
                whole[name].append(total)
                writes[name].append(write)
    finally:
        rounds._update_with_history = original

    # Both ways wrote what was asked, and a history row with its author per line and save.
    lines, values = answers[(turn - 1) % 2]
    assert {line.milestone_id: line.status for line in report.lines.all()} == {
        m: answer["status"] for m, answer in lines.items()
    }
    assert {v.indicator_id: v.value for v in report.indicator_values.all()} == values
    written = MilestoneStatus.history.filter(report_id=report.pk, history_user=by).count()
    assert written == turn * len(lines), (written, turn * len(lines))

    def ms(values):
        return f"median {statistics.median(values) * 1000:6.2f} ms, fastest {min(values) * 1000:6.2f} ms"

    for name in ways:
        print(f"  {name:13} save_report {ms(whole[name])}; UPDATE + history {ms(writes[name])}")
    for label, times in (("save_report", whole), ("UPDATE + history", writes)):
        ratio = statistics.median(times["library"]) / statistics.median(times["hand-written"])
        fastest = min(times["library"]) / min(times["hand-written"])
        print(f"  library / hand-written, {label}: median {ratio:.2f}, fastest {fastest:.2f}")


if __name__ == "__main__":
    main()
