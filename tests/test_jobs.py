"""The job queue (reports/tasks.py) on its real backend, django-tasks' database backend: a
publishing queues one job per paper and renders nothing in the request; a worker claims each
paper with one UPDATE, so two never render the same one; the sweep queues again what a dead
worker held, leaves a live worker's paper alone and gives up after PAPER_MAX_ATTEMPTS tries;
the cockpit shows what failed, with a retry that works; a public page never renders; the
scheduler queues the sweep and the day's reminders; `render_papers` renders here and now."""

import datetime
import io
import os
import signal
import subprocess
import sys
import threading

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from goals import rounds
from reports import papers
from reports import tasks
from reports.models import Publication
from reports.models import StoredPaper
from tests.builders import build_round

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
FAKE_PDF = b"%PDF-1.7\n% rendered by the test\n%%EOF\n"


@pytest.fixture
def queue(settings, db):
    """The real queue: jobs are rows in the database until a worker takes them."""
    settings.TASKS = DATABASE_TASKS
    return settings


@pytest.fixture
def renders(monkeypatch):
    """Every render of a paper, recorded; WeasyPrint is not what these tests look at."""
    calls = []

    def fake(html):
        calls.append(html)
        return FAKE_PDF

    monkeypatch.setattr(papers, "html_to_pdf", fake)
    return calls


@pytest.fixture(autouse=True)
def _connections_kept(monkeypatch):
    """The worker and the scheduler close a connection that is inside a transaction, as a
    test's is: they keep it here."""
    from django_tasks_db.management.commands import db_worker

    from reports.management.commands import run_scheduler

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    monkeypatch.setattr(run_scheduler, "close_old_connections", lambda: None)


def run_worker():
    """`manage.py db_worker --batch`, in the test's thread and transaction (without the
    command's signal handlers, which would outlive it in the test process)."""
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


def jobs(task, status=None):
    rows = DBTaskResult.objects.filter(task_path=task.module_path)
    return rows.filter(status=status) if status else rows


def published_with_a_pending_paper(paper, municipality=None, **fields):
    """A published round (build_round: frozen, nothing stored) and one pending paper of it."""
    status_round = build_round(paper, 2018, lines=[])
    stored = StoredPaper.objects.create(
        round=status_round,
        publication=Publication.objects.latest_for(status_round),
        municipality=municipality,
        **fields,
    )
    return status_round, stored


def ago(**delta):
    return timezone.now() - datetime.timedelta(**delta)


def later(**delta):
    return timezone.now() + datetime.timedelta(**delta)


# --- publishing queues, the worker renders ---------------------------------------------------


def test_publishing_queues_one_job_per_paper_and_renders_nothing_in_the_request(
    client, closed_2018, secretariat, queue, renders, django_capture_on_commit_callbacks
):
    client.force_login(secretariat)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/sekretariat/runder/{closed_2018.pk}/handling/", {"action": "publish"}
        )

    assert response.status_code == 302
    assert renders == []
    rows = StoredPaper.objects.filter(round=closed_2018)
    assert rows.count() == 4
    assert set(rows.values_list("state", flat=True)) == {StoredPaper.State.PENDING}
    assert None not in set(rows.values_list("queued_at", flat=True))
    queued = jobs(tasks.render_paper, "READY")
    assert sorted(job.args_kwargs["args"][0] for job in queued) == sorted(p.pk for p in rows)
    # The public is told the papers are coming, and the page renders nothing either.
    page = client.get("/hovedstaden/status/2018/").content.decode()
    assert "PDF'erne renderes…" in page
    assert client.get("/rapporter/hovedstaden/2018/statuspapir.pdf").status_code == 503
    assert renders == []

    run_worker()

    assert set(rows.values_list("state", flat=True)) == {StoredPaper.State.DONE}
    assert set(rows.values_list("attempts", flat=True)) == {1}
    assert set(rows.values_list("lease_until", flat=True)) == {None}
    assert len(renders) == 4
    assert jobs(tasks.render_paper, "SUCCESSFUL").count() == 4
    response = client.get("/rapporter/hovedstaden/2018/statuspapir.pdf")
    assert b"".join(response.streaming_content) == FAKE_PDF


# --- claiming ----------------------------------------------------------------------------------


def test_two_claims_of_one_paper_only_one_wins(paper, municipalities):
    _round, stored = published_with_a_pending_paper(paper)

    assert tasks.claim(stored.pk) is True
    assert tasks.claim(stored.pk) is False

    stored.refresh_from_db()
    assert stored.attempts == 1
    assert stored.claimed_at is not None
    assert stored.lease_until > timezone.now()


@pytest.mark.django_db(transaction=True)
def test_workers_claiming_one_paper_at_the_same_moment_one_wins(paper, municipalities):
    """Each thread has its own database connection, as two worker processes have."""
    _round, stored = published_with_a_pending_paper(paper)
    start, results = threading.Barrier(4), []

    def worker():
        try:
            start.wait()
            results.append(tasks.claim(stored.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(results) == [False, False, False, True]
    stored.refresh_from_db()
    assert stored.attempts == 1


def test_a_job_for_a_paper_a_live_worker_holds_renders_nothing(paper, municipalities, renders):
    _round, stored = published_with_a_pending_paper(paper)
    assert tasks.claim(stored.pk)

    result = tasks.render_paper.enqueue(stored.pk)  # a second job for it (ImmediateBackend)

    assert result.return_value == "skipped"
    assert renders == []


# --- the sweep ---------------------------------------------------------------------------------


def test_a_paper_whose_worker_died_is_queued_again_by_the_sweep_and_rendered(
    client, paper, municipalities, queue, renders
):
    # The worker took the job (the queue says RUNNING for ever) and claimed the paper, then
    # was killed: its lease ran out.
    status_round, stored = published_with_a_pending_paper(
        paper, claimed_at=ago(minutes=20), lease_until=ago(minutes=10), attempts=1
    )
    tasks.render_paper.enqueue(stored.pk)
    jobs(tasks.render_paper).update(status="RUNNING", started_at=ago(hours=2))

    done = tasks.sweep_now()

    assert done == {"requeued": [stored.pk], "failed": [], "stuck_jobs": 1}
    stored.refresh_from_db()
    assert stored.state == StoredPaper.State.PENDING
    assert stored.claimed_at is None and stored.lease_until is None
    assert jobs(tasks.render_paper, "FAILED").count() == 1  # the dead worker's, honestly
    assert jobs(tasks.render_paper, "RUNNING").count() == 0
    assert jobs(tasks.render_paper, "READY").count() == 1
    # A second sweep adds nothing: the job waits for a worker.
    assert tasks.sweep_now() == {"requeued": [], "failed": [], "stuck_jobs": 0}

    run_worker()

    stored.refresh_from_db()
    assert stored.state == StoredPaper.State.DONE
    assert stored.attempts == 2
    assert len(renders) == 1
    response = client.get(f"/rapporter/hovedstaden/{status_round.year}/statuspapir.pdf")
    assert response.status_code == 200


def test_a_paper_a_live_worker_holds_is_left_alone(paper, municipalities, queue):
    claimed = ago(minutes=1)
    _round, stored = published_with_a_pending_paper(
        paper, claimed_at=claimed, lease_until=later(minutes=9), attempts=1, queued_at=ago(hours=1)
    )
    tasks.render_paper.enqueue(stored.pk)
    jobs(tasks.render_paper).update(status="RUNNING", started_at=claimed)

    assert tasks.sweep_now() == {"requeued": [], "failed": [], "stuck_jobs": 0}

    stored.refresh_from_db()
    assert (stored.state, stored.claimed_at, stored.attempts) == ("pending", claimed, 1)
    assert jobs(tasks.render_paper, "RUNNING").count() == 1


def test_a_paper_nobody_picked_up_is_queued_again_unless_its_job_still_waits(
    paper, municipalities, queue
):
    _round, stored = published_with_a_pending_paper(paper, queued_at=ago(hours=1))
    job = tasks.render_paper.enqueue(stored.pk)

    # A long queue: its job is still there, so nothing is added.
    assert tasks.sweep_now()["requeued"] == []
    # The job was lost (say the queue's row was deleted by hand): queued again.
    DBTaskResult.objects.filter(pk=job.id).delete()
    assert tasks.sweep_now()["requeued"] == [stored.pk]
    assert jobs(tasks.render_paper, "READY").count() == 1
    # Just queued: not again before PAPER_REQUEUE_SECONDS.
    DBTaskResult.objects.all().delete()
    assert tasks.sweep_now()["requeued"] == []


def kill_the_worker_while_it_renders(stored):
    """What a worker killed mid-render leaves: the paper claimed, its lease run out."""
    assert tasks.claim(stored.pk)
    StoredPaper.objects.filter(pk=stored.pk).update(lease_until=ago(seconds=1))


def test_a_paper_that_failed_k_times_stays_failed_and_the_cockpit_retries_it(
    client,
    paper,
    municipalities,
    secretariat,
    queue,
    renders,
    django_capture_on_commit_callbacks,
):
    status_round, stored = published_with_a_pending_paper(paper, municipality=municipalities[147])
    assert django_settings.PAPER_MAX_ATTEMPTS == 3

    for attempt in (1, 2):
        kill_the_worker_while_it_renders(stored)
        assert tasks.sweep_now()["requeued"] == [stored.pk], attempt
    kill_the_worker_while_it_renders(stored)
    assert tasks.sweep_now()["failed"] == [stored.pk]
    # Given up: the sweeps that follow leave it failed, with its reason.
    assert tasks.sweep_now() == {"requeued": [], "failed": [], "stuck_jobs": 0}
    stored.refresh_from_db()
    assert stored.state == StoredPaper.State.FAILED and stored.attempts == 3
    assert stored.problem == (
        "Dannelsen blev afbrudt 3 gange, fordi arbejdsprocessen stoppede undervejs."
    )
    assert renders == []

    client.force_login(secretariat)
    cockpit = reverse("secretariat:round_overview", args=[status_round.pk])
    page = client.get(cockpit).content.decode()
    assert "1 PDF-fil kunne ikke dannes" in page
    assert "Frederiksberg" in page
    assert "Dannelsen blev afbrudt 3 gange, fordi arbejdsprocessen stoppede undervejs." in page
    retry = reverse("secretariat:round_retry_papers", args=[status_round.pk])
    assert f'action="{retry}"' in page and 'name="csrfmiddlewaretoken"' in page
    assert f'name="paper" value="{stored.pk}"' in page

    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(retry, {"paper": stored.pk}, follow=True).content.decode()

    assert "PDF-filen er sat til at blive dannet igen" in page
    stored.refresh_from_db()
    assert stored.state == StoredPaper.State.PENDING and stored.error == ""
    run_worker()
    stored.refresh_from_db()
    assert stored.state == StoredPaper.State.DONE and stored.attempts == 4
    assert len(renders) == 1
    page = client.get(cockpit).content.decode()
    assert "kunne ikke dannes" not in page and "Prøv igen" not in page


def test_the_retry_is_a_post_for_the_rounds_own_secretariat_only(
    client, paper, municipalities, secretariat, other_secretariat, renders
):
    status_round, stored = published_with_a_pending_paper(
        paper, state=StoredPaper.State.FAILED, error="RuntimeError: Skrifttypen mangler"
    )
    retry = reverse("secretariat:round_retry_papers", args=[status_round.pk])

    assert client.post(retry).status_code == 302  # to the login
    client.force_login(other_secretariat)
    assert client.post(retry).status_code == 404
    assert (
        client.get(reverse("secretariat:round_overview", args=[status_round.pk])).status_code == 404
    )
    client.force_login(secretariat)
    assert client.get(retry).status_code == 405
    # Another round's paper, or no number at all: nothing queued.
    for value in ("999999", "abc"):
        client.post(retry, {"paper": value})
    stored.refresh_from_db()
    assert stored.state == StoredPaper.State.FAILED
    assert renders == []


def test_the_cockpit_shows_a_reopened_rounds_failed_and_pending_papers(
    client, closed_2018, publish, secretariat, monkeypatch
):
    def broken(html):
        raise RuntimeError("Skrifttypen mangler")

    monkeypatch.setattr(papers, "html_to_pdf", broken)
    publish(closed_2018)
    rounds.reopen_round(closed_2018, reason="Rettelse af Frederiksbergs tal", by=secretariat)
    pending = StoredPaper.objects.filter(round=closed_2018, municipality__kommunekode=219)
    pending.update(state=StoredPaper.State.PENDING, error="", queued_at=timezone.now())

    client.force_login(secretariat)
    page = client.get(f"/sekretariat/runder/{closed_2018.pk}/").content.decode()

    assert "3 PDF-filer kunne ikke dannes" in page
    assert "PDF&#x27;en kunne ikke dannes, fordi programmet stødte på en fejl." in page
    assert "Skrifttypen mangler" not in page and "Traceback" not in page
    assert "1 PDF-fil venter på at blive dannet" in page
    assert "i kø siden kl." in page


# --- the public never starts a render -----------------------------------------------------------


def test_a_public_get_never_renders(client, paper, municipalities, renders):
    """A paper abandoned by a dead worker, and one never picked up: the public is told they
    are coming (503, Retry-After), and nothing renders or is queued until the sweep does."""
    status_round, abandoned = published_with_a_pending_paper(
        paper, claimed_at=ago(hours=2), lease_until=ago(hours=1), attempts=1
    )
    forgotten = StoredPaper.objects.create(
        round=status_round,
        publication=abandoned.publication,
        municipality=municipalities[101],
        queued_at=ago(hours=2),
    )
    year = status_round.year

    for url in ("/", "/hovedstaden/", f"/hovedstaden/status/{year}/", "/hovedstaden/kommuner/101/"):
        assert client.get(url).status_code == 200, url
    for url in (
        f"/rapporter/hovedstaden/{year}/statuspapir.pdf",
        f"/rapporter/hovedstaden/{year}/101.pdf",
    ):
        response = client.get(url)
        assert response.status_code == 503, url
        assert response["Retry-After"] == "60"

    assert renders == []
    for stored, attempts in ((abandoned, 1), (forgotten, 0)):
        stored.refresh_from_db()
        assert (stored.state, stored.attempts) == (StoredPaper.State.PENDING, attempts)
    assert "PDF'erne renderes…" in client.get(f"/hovedstaden/status/{year}/").content.decode()


# --- admin previews -------------------------------------------------------------------------------


def test_an_admin_preview_is_rendered_by_the_worker(staff, report, queue, renders):
    url = f"/admin/reports/paperpreview/{report.round_id}/pdf/"

    first, second = staff.get(url), staff.get(url)

    assert first.status_code == second.status_code == 202
    assert "renderes…" in second.content.decode()
    assert jobs(tasks.render_preview).count() == 1  # asked twice, queued once
    assert renders == []
    run_worker()
    response = staff.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == FAKE_PDF


# --- the scheduler -----------------------------------------------------------------------------


def at(hour, minute=0, day=0):
    today = timezone.localdate() + datetime.timedelta(days=day)
    return timezone.make_aware(datetime.datetime.combine(today, datetime.time(hour, minute)))


def test_the_scheduler_queues_the_sweep_each_beat_and_the_reminders_once_a_day(queue):
    assert django_settings.REMINDERS_HOUR == 7

    reminded = tasks.tick(at(6, 59))
    assert reminded is None
    assert jobs(tasks.sweep).count() == 1 and jobs(tasks.send_reminders).count() == 0
    tasks.tick(at(7, 0))
    assert jobs(tasks.sweep).count() == 1  # the first still waits for a worker: not another
    assert jobs(tasks.send_reminders).count() == 1
    # A restarted scheduler (it forgot) does not queue the day's reminders again.
    tasks.tick(at(9, 30), reminded_on=None)
    assert jobs(tasks.send_reminders).count() == 1

    run_worker()

    assert jobs(tasks.sweep, "SUCCESSFUL").count() == 1
    assert jobs(tasks.send_reminders, "SUCCESSFUL").count() == 1
    tasks.tick(at(7, 5, day=1))
    assert jobs(tasks.sweep).count() == 2
    assert jobs(tasks.send_reminders).count() == 2


def test_the_reminders_job_sends_the_reminders_command_would(open_status_round, reports):
    from django.core import mail

    deadline = timezone.localdate() + datetime.timedelta(days=3)
    type(open_status_round).objects.filter(pk=open_status_round.pk).update(deadline=deadline)
    mail.outbox.clear()

    result = tasks.send_reminders.enqueue()

    assert result.return_value == len(mail.outbox) == 3
    assert tasks.send_reminders.enqueue().return_value == 0  # each reminder once


def test_run_scheduler_once(queue):
    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)

    call_command("run_scheduler", "--once", stdout=io.StringIO())

    assert jobs(tasks.sweep, "READY").count() == 1
    # Its stop handlers do not outlive it in a process that goes on.
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == handlers


def test_run_scheduler_stops_cleanly_on_sigterm(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unmigrated.sqlite3'}",
        "SCHEDULER_INTERVAL_SECONDS": "60",
        "CACHE_DIR": str(tmp_path / "cache"),
    }
    scheduler = subprocess.Popen(
        [sys.executable, "manage.py", "run_scheduler"],
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert "Planlæggeren kører" in scheduler.stdout.readline()
        scheduler.send_signal(signal.SIGTERM)
        assert scheduler.wait(timeout=10) == 0
    finally:
        if scheduler.poll() is None:
            scheduler.kill()
            scheduler.wait()


# --- render_papers, the manual fallback --------------------------------------------------------


def test_render_papers_renders_the_pending_here_except_a_live_workers(
    paper, municipalities, renders
):
    status_round, abandoned = published_with_a_pending_paper(
        paper, claimed_at=ago(hours=2), lease_until=ago(hours=1), attempts=1
    )
    held = StoredPaper.objects.create(
        round=status_round,
        publication=abandoned.publication,
        municipality=municipalities[101],
        claimed_at=ago(seconds=5),
        lease_until=later(minutes=5),
        attempts=1,
    )
    out = io.StringIO()

    call_command("render_papers", stdout=out)

    assert "Dannede 1 statuspapir(er)." in out.getvalue()
    assert "København: dannes af en arbejdsproces" in out.getvalue()
    abandoned.refresh_from_db()
    held.refresh_from_db()
    assert abandoned.state == StoredPaper.State.DONE
    assert held.state == StoredPaper.State.PENDING

    call_command("render_papers", "--include-claimed", stdout=out)

    held.refresh_from_db()
    assert held.state == StoredPaper.State.DONE and held.attempts == 2
