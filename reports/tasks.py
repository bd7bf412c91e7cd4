"""The background work, on one engine: django-tasks (Django 6's task API) with its database
backend, so a job is a row in the same database as the data (TASKS in settings). A worker,
`manage.py db_worker`, runs the jobs; `manage.py run_scheduler` queues the periodic ones; no
web process ever runs a job in a thread, and no public page ever starts one.

The jobs:

- `render_paper`: render one stored paper of a publication (`reports.papers.render_stored`);
  `schedule_papers` makes the pending rows inside the publishing transaction and queues one
  job per row once it commits;
- `render_preview`: an admin preview of a round's paper (reports/previews.py);
- `sweep`: every minute, the safety net below;
- `send_reminders`: once a day, `goals.notifications.send_reminders`.

Why a killed worker loses nothing. The database backend marks a job RUNNING when a worker
takes it and never looks at it again, so a job whose worker was killed stays RUNNING for ever.
The guarantee therefore comes from our own rows:

- A job first *claims* its paper with one atomic UPDATE: only a pending paper that nobody
  holds, or whose holder's lease ran out, gets `claimed_at` now, `lease_until` now plus
  PAPER_LEASE_SECONDS and one more attempt. Two workers (or a worker and
  `manage.py render_papers`) never render the same paper: the second UPDATE matches no row.
  The paper is done or failed afterwards, its lease given back.
- The sweep queues a new job for every pending paper whose lease ran out (its worker died:
  the claim is released first) or that nobody picked up within PAPER_REQUEUE_SECONDS while
  no job waits for it (the job was lost, e.g. the process stopped between the commit and
  queueing). A paper whose lease ran out after PAPER_MAX_ATTEMPTS tries is marked failed
  with a sentence saying so, not tried for ever; the secretariat sees it on the round's
  cockpit and retries it (`retry`). It also marks the queue's own rows that are RUNNING for
  longer than TASK_STUCK_SECONDS as failed, so the count of running jobs is honest.

A render that raises is not a crash: `render_stored` marks the paper failed with its reason
at once (a broken template does not mend itself), and the secretariat retries it.
"""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from goals import notifications
from reports import cache as public_cache
from reports import previews
from reports.models import StoredPaper
from reports.papers import render_stored

log = logging.getLogger(__name__)


def _seconds(name):
    return datetime.timedelta(seconds=getattr(settings, name))


# --- claiming a paper ------------------------------------------------------------------------


def claim(stored_paper_id, *, now=None, steal=False):
    """Claim the paper for this process with one atomic UPDATE; True when it won. Only a
    pending paper that nobody holds, or whose lease ran out, can be claimed (`steal` takes it
    from a live holder too: `render_papers --include-claimed`, when its worker is known to be
    dead)."""
    now = now or timezone.now()
    free = Q(claimed_at__isnull=True) | Q(lease_until__isnull=True) | Q(lease_until__lte=now)
    claimable = StoredPaper.objects.filter(pk=stored_paper_id, state=StoredPaper.State.PENDING)
    if not steal:
        claimable = claimable.filter(free)
    won = claimable.update(
        claimed_at=now,
        lease_until=now + _seconds("PAPER_LEASE_SECONDS"),
        attempts=F("attempts") + 1,
    )
    return won == 1


def _render_claimed(stored_paper_id):
    stored = (
        StoredPaper.objects.select_related(
            "round__paper__region", "municipality__cluster", "publication"
        )
        .filter(pk=stored_paper_id)
        .first()
    )
    if stored is None:  # the round was deleted meanwhile
        return "gone"
    return render_stored(stored).state


# --- the jobs ----------------------------------------------------------------------------------


@task()
def render_paper(stored_paper_id):
    """Claim and render one stored paper; returns its state, or "skipped" when it is not
    pending or another worker holds it (a job queued twice costs one UPDATE)."""
    if not claim(stored_paper_id):
        return "skipped"
    return _render_claimed(stored_paper_id)


@task()
def render_preview(round_id, municipality_id=None):
    """Render the admin preview of the round's paper (of one municipality's) as it is now."""
    previews.render(round_id, municipality_id)


@task()
def sweep():
    """The safety net, every minute from run_scheduler (see the module's docstring)."""
    return sweep_now()


@task()
def send_reminders(days_before=None):
    """The daily reminders of reports not yet submitted, the first REMINDER_DAYS_BEFORE days
    before the deadline (each reminder once, so running it twice in a day sends nothing
    more)."""
    return notifications.send_reminders(days_before=days_before)


# --- queueing ----------------------------------------------------------------------------------


def _database_backend(job):
    backend = job.get_backend()
    return backend if isinstance(backend, DatabaseBackend) else None


def _waiting(job):
    """The queue's rows of `job` that wait for a worker (READY), or None when the backend
    keeps no queue to look into (the test suite's ImmediateBackend)."""
    backend = _database_backend(job)
    if backend is None:
        return None
    return DBTaskResult.objects.ready().filter(
        backend_name=backend.alias, task_path=job.module_path
    )


def _papers_waiting():
    """The stored papers that a queued render job still waits for."""
    waiting = _waiting(render_paper)
    if waiting is None:
        return set()
    ids = set()
    for args_kwargs in waiting.values_list("args_kwargs", flat=True):
        args, kwargs = args_kwargs.get("args") or [], args_kwargs.get("kwargs") or {}
        ids.add(args[0] if args else kwargs.get("stored_paper_id"))
    return ids


def enqueue_unless_waiting(job, *args):
    """Queue `job` unless one of it still waits in the queue (the scheduler's sweep, while no
    worker runs: one waiting sweep is enough). Returns whether it was queued."""
    waiting = _waiting(job)
    if waiting is not None and waiting.exists():
        return False
    job.enqueue(*args)
    return True


def queue_rendering(ids):
    """Queue a render job per stored paper. Called after the commit that made them pending;
    a job that cannot be queued (the database went away in between) is left to the sweep,
    which queues the paper again when nobody picked it up."""
    StoredPaper.objects.filter(pk__in=ids).update(queued_at=timezone.now())
    for pk in ids:
        try:
            render_paper.enqueue(pk)
        except Exception:
            log.exception("Queueing stored paper %s failed; the sweep queues it again", pk)


def schedule_papers(publication, municipality_ids=None, *, queue=True):
    """Create a pending `StoredPaper` of `publication` for the region's paper and for every
    municipality in it (or only for `municipality_ids`, None standing for the region's
    paper), and queue their rendering once the transaction commits (`queue=False`: the
    caller renders them itself, `render_now`). Returns the rows. Called inside the publishing
    transaction, so a round is never published without them."""
    status_round = publication.round
    if municipality_ids is None:
        municipality_ids = [None, *(row["id"] for row in publication.payload["municipalities"])]
    with transaction.atomic():
        rows = StoredPaper.objects.bulk_create(
            StoredPaper(round=status_round, publication=publication, municipality_id=pk)
            for pk in municipality_ids
        )
        ids = [row.pk for row in rows]
        if queue:
            transaction.on_commit(lambda: queue_rendering(ids))
    return rows


@transaction.atomic
def retry(stored_papers):
    """Queue the given stored papers again (the cockpit's "Prøv igen", the admin's action):
    all of them or, when saving one fails, none. A paper a worker is rendering right now (a
    live lease) is left to it. Returns how many were queued."""
    now = timezone.now()
    ids = []
    for stored in stored_papers:
        if (
            stored.state == StoredPaper.State.PENDING
            and stored.lease_until
            and stored.lease_until > now
        ):
            continue
        stored.state = StoredPaper.State.PENDING
        stored.error = ""
        stored.claimed_at = stored.lease_until = None
        # save(), not update(): the public pages' cache hears of it (reports/cache.py).
        stored.save(update_fields=["state", "error", "claimed_at", "lease_until"])
        ids.append(stored.pk)
    transaction.on_commit(lambda: queue_rendering(ids))
    return len(ids)


# --- the sweep ---------------------------------------------------------------------------------


def _give_up(stored):
    """Mark a paper whose worker died PAPER_MAX_ATTEMPTS times failed, if its lease is still
    run out (nobody claimed it meanwhile)."""
    sentence = _(
        "Dannelsen blev afbrudt %(attempts)d gange, fordi arbejdsprocessen stoppede undervejs."
    ) % {"attempts": stored.attempts}
    given_up = StoredPaper.objects.filter(
        pk=stored.pk, state=StoredPaper.State.PENDING, lease_until=stored.lease_until
    ).update(
        state=StoredPaper.State.FAILED,
        lease_until=None,
        error=f"{StoredPaper.INTERRUPTED}: {sentence}\n\n"
        f"The worker that claimed it last stopped before it finished (lease until "
        f"{stored.lease_until.isoformat()}); {stored.attempts} attempts, the limit is "
        f"PAPER_MAX_ATTEMPTS={settings.PAPER_MAX_ATTEMPTS}.",
    )
    if given_up:
        log.error(
            "Stored paper %s given up after %d interrupted attempts", stored.pk, stored.attempts
        )
        public_cache.invalidate(stored.round.paper.region.slug)
    return given_up


def sweep_now(now=None):
    """Queue again what a dead worker held or what nobody picked up, give up on what was
    tried too often, and mark the queue's stuck rows failed; returns what it did."""
    now = now or timezone.now()
    done = {"requeued": [], "failed": [], "stuck_jobs": 0}
    pending = StoredPaper.objects.filter(state=StoredPaper.State.PENDING)

    # Held by a worker whose lease ran out: the worker died (or took longer than the lease).
    expired = pending.filter(lease_until__lt=now).select_related("round__paper__region")
    for stored in expired:
        if stored.attempts >= settings.PAPER_MAX_ATTEMPTS:
            if _give_up(stored):
                done["failed"].append(stored.pk)
        elif StoredPaper.objects.filter(
            pk=stored.pk, state=StoredPaper.State.PENDING, lease_until=stored.lease_until
        ).update(claimed_at=None, lease_until=None, queued_at=now):
            done["requeued"].append(stored.pk)

    # Never picked up: queued (or made) long ago, no claim, and no job waits for it.
    cutoff = now - _seconds("PAPER_REQUEUE_SECONDS")
    forgotten = pending.filter(claimed_at__isnull=True).filter(
        Q(queued_at__lt=cutoff) | Q(queued_at__isnull=True, requested_at__lt=cutoff)
    )
    waiting = _papers_waiting()
    for pk in forgotten.values_list("pk", flat=True):
        if pk in waiting:
            continue  # a long queue, not a lost job: it comes in its turn
        if StoredPaper.objects.filter(
            pk=pk, state=StoredPaper.State.PENDING, claimed_at__isnull=True
        ).update(queued_at=now):
            done["requeued"].append(pk)

    if done["requeued"]:
        log.warning("The sweep queues stored papers %s again", done["requeued"])
        for pk in done["requeued"]:
            render_paper.enqueue(pk)

    # The queue's rows whose worker was killed stay RUNNING for ever: past the limit, failed.
    backend = _database_backend(render_paper)
    if backend is not None:
        done["stuck_jobs"] = (
            DBTaskResult.objects.running()
            .filter(backend_name=backend.alias, started_at__lt=now - _seconds("TASK_STUCK_SECONDS"))
            .update(
                status="FAILED",
                finished_at=now,
                exception_class_path="reports.tasks.WorkerLost",
                traceback="The worker running this job stopped before it finished "
                f"(still running after {settings.TASK_STUCK_SECONDS} s); marked failed by "
                "reports.tasks.sweep.",
            )
        )
        if done["stuck_jobs"]:
            log.warning("The sweep marked %d stuck job(s) failed", done["stuck_jobs"])
    return done


# --- in this process -----------------------------------------------------------------------


def render_now(stored_papers, *, steal=False):
    """Render the given pending papers here and now, each claimed like a worker claims it
    (`manage.py render_papers`, the scale data). Returns (rendered, held): how many it
    rendered to done, and the papers it left because a worker holds them."""
    rendered, held = 0, []
    for stored in stored_papers:
        if not claim(stored.pk, steal=steal):
            stored.refresh_from_db(fields=["state", "lease_until"])
            if stored.state == StoredPaper.State.PENDING:
                held.append(stored)
            continue
        rendered += _render_claimed(stored.pk) == StoredPaper.State.DONE
    return rendered, held


def render_pending(*, steal=False):
    """`render_now` for every paper still pending."""
    pending = StoredPaper.objects.filter(state=StoredPaper.State.PENDING)
    return render_now(
        list(pending.select_related("round__paper__region", "municipality")), steal=steal
    )


# --- admin previews ----------------------------------------------------------------------------


def ready_preview(status_round, municipality=None):
    """The stored preview of the round as it is now, or None while it renders (queued here
    when nobody has asked for it lately); previews.PreviewFailed when it failed lately.

    Queued at once rather than after a commit: a preview is asked for by a GET that writes
    nothing, so there is nothing for the job to wait for."""
    name = previews.preview_name(status_round, municipality)
    if previews.stored_preview(name) is None and previews.start_rendering(name):
        render_preview.enqueue(status_round.pk, getattr(municipality, "pk", None))
    return previews.stored_preview(name)


# --- the scheduler's clock -----------------------------------------------------------------


def _reminders_queued_since(since):
    backend = _database_backend(send_reminders)
    if backend is None:
        return None
    return DBTaskResult.objects.filter(
        backend_name=backend.alias, task_path=send_reminders.module_path, enqueued_at__gte=since
    ).exists()


def tick(now=None, reminded_on=None):
    """One beat of `manage.py run_scheduler`: queue the sweep (unless one still waits), and
    from REMINDERS_HOUR the day's reminders, once a day (the queue remembers whether they
    were queued today, so a restarted scheduler does not queue them again; `reminded_on`,
    the day this process queued them, stands in where the backend keeps no queue). Returns
    the day the reminders were last queued."""
    now = timezone.localtime(now)
    enqueue_unless_waiting(sweep)
    today = now.date()
    if now.hour >= settings.REMINDERS_HOUR and reminded_on != today:
        day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        if not _reminders_queued_since(day_start):
            send_reminders.enqueue()
            log.info("Queued the reminders of %s", today)
        reminded_on = today
    return reminded_on
