"""Benchmark: how long an evidence check holds a web worker (issue 20), for ordinary files and
for the crafted ones, alone and as a whole upload of the report form.

    .venv/bin/python bench/evidence.py [--repeat 5]

For each file (built by tests/evidence_files.py: an ordinary Word document, workbook and PDFs,
a workbook of 100,000 rows, a PDF of 10 MB, issue 20's PDF of 199,000 objects, one of 48,000 objects that passes the count
but not the time limit, and the crafted active ones) it prints its size, the finding, and the
median and slowest wall-clock time of `goals.evidence.inspect` (the child process started, the
check, the answer read: what the worker waits) over `--repeat` runs. Then it posts the report
form with each file as a logged-in reporter would (Django's test client, a throwaway SQLite
database with the Midtjylland paper of the demo and this year's round open) and prints the
median and slowest time of the whole request, and of a request carrying three of the slowest
files. Before issue 20, the 199,000-object PDF took about 9 s of CPU to check and 18-22 s to
upload.
"""

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MIDTJYLLAND = "002_73cf8f81b5b917b6.txt"  # reports/demo.py's DEMO_PAPERS


def _files():
    """(label, name, content) of each file measured."""
    from tests import evidence_files as files

    return [
        ("Word, ordinary", "notat.docx", files.word_document()),
        ("Excel, ordinary", "tal.xlsx", files.excel_workbook()),
        ("Excel, 100,000 rows", "stor.xlsx", files.excel_workbook(rows=100_000)),
        ("PDF with a link", "link.pdf", files.web_link()),
        ("PDF of 10 MB", "scan.pdf", files.padded_pdf(10 * 1024 * 1024)),
        ("PDF, 199,000 objects", "mange.pdf", files.many_objects_pdf(199_000)),
        ("PDF, 48,000 objects", "tung.pdf", files.many_objects_pdf(48_000)),
        ("PDF, script in object stream", "pakket.pdf", files.script_in_an_object_stream()),
        ("PDF, URI on opening", "aabner.pdf", files.uri_on_opening()),
        ("Word, template from the web", "skabelon.docx", files.template_from_the_web()),
        ("Word, altChunk RTF with object", "bilag.docx", files.rtf_with_an_object()),
        ("Word, DDE field", "felt.docx", files.dde_field_in_word()),
        ("Excel, DDE link", "kaede.xlsx", files.dde_link_in_excel()),
    ]


def _times(repeat, run, *args):
    """What `run(*args)` answers, and the median and slowest of `repeat` runs, in seconds."""
    taken = []
    for _ in range(repeat):
        started = time.monotonic()
        result = run(*args)
        taken.append(time.monotonic() - started)
    return result, statistics.median(taken), max(taken)


def _setup():
    workdir = Path(tempfile.mkdtemp(prefix="kkrmaal-bench-evidence-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    for name in ("CACHE_URL", "REDIS_URL", "CACHE_KEY_PREFIX"):
        os.environ.pop(name, None)
    os.environ["CACHE_DIR"] = str(workdir / "cache")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kkrmaal.settings")
    import django

    django.setup()


def _reporter_and_report():
    """A reporter logged in to Django's test client, and the report of their municipality."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from goals import rounds
    from goals.loading import load_kkr_data
    from goals.models import GoalPaper
    from goals.models import StatusRound
    from municipalities.models import Membership

    call_command("migrate", verbosity=0)
    load_kkr_data()
    paper = GoalPaper.objects.get(source=MIDTJYLLAND)
    today = timezone.localdate()
    status_round = StatusRound.objects.create(
        paper=paper, year=today.year, opens=today, deadline=today + datetime.timedelta(days=30)
    )
    rounds.open_round(status_round)
    report = status_round.reports.order_by("municipality_id").first()
    user = get_user_model().objects.create_user("bench-evidence", password="bench-pass-123")
    Membership.objects.create(
        user=user, role=Membership.Role.REPORTER, municipality=report.municipality
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client, report


def _check(kind, name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from goals import evidence

    return evidence.inspect(kind, SimpleUploadedFile(name, content))


def _post(client, report, uploads):
    """The report form posted with `uploads` [(name, content)] on its first lines."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.builders import filled_in

    report.refresh_from_db()
    lines = list(report.lines.order_by("pk"))
    files = {
        f"line-{line.milestone_id}-evidence_file": SimpleUploadedFile(name, content)
        for line, (name, content) in zip(lines, uploads, strict=False)
    }
    response = client.post(f"/indberetning/{report.pk}/", filled_in(report, **files))
    assert response.status_code in (200, 302), response.status_code
    return "saved" if response.status_code == 302 else "refused"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per file (median, max)")
    args = parser.parse_args()
    _setup()
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile

    from goals import evidence

    files = _files()
    print(
        f"Limits: {settings.EVIDENCE_CHECK_CPU_SECONDS} s CPU, "
        f"{settings.EVIDENCE_CHECK_MEMORY // 2**20} MB, {settings.EVIDENCE_CHECK_SECONDS} s "
        f"on the clock; {evidence.EVIDENCE_FILES_PER_REQUEST} files a request. "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}."
    )
    evidence.start_checker()  # as gunicorn does with each worker
    print(f"\n{'check alone':34} {'bytes':>10} {'finding':18} {'median s':>9} {'max s':>7}")
    for label, name, content in files:
        kind = evidence.evidence_type(SimpleUploadedFile(name, content))
        (_kind, finding), median, slowest = _times(args.repeat, _check, kind, name, content)
        print(f"{label:34} {len(content):>10,} {finding or 'ok':18} {median:>9.3f} {slowest:>7.3f}")

    client, report = _reporter_and_report()
    print(f"\n{'whole upload (POST of the form)':34} {'answer':>10} {'median s':>9} {'max s':>7}")
    for label, name, content in files:
        answer, median, slowest = _times(args.repeat, _post, client, report, [(name, content)])
        print(f"{label:34} {answer:>10} {median:>9.3f} {slowest:>7.3f}")
    heavy = next(content for label, _name, content in files if "48,000" in label)
    worst = [(f"tung{i}.pdf", heavy) for i in range(evidence.EVIDENCE_FILES_PER_REQUEST)]
    answer, median, slowest = _times(args.repeat, _post, client, report, worst)
    label = f"{len(worst)} x PDF, 48,000 objects"
    print(f"{label:34} {answer:>10} {median:>9.3f} {slowest:>7.3f}")


if __name__ == "__main__":
    main()
