"""`manage.py run_scheduler`: the clock of the background work (reports/tasks.py).

A loop that wakes every SCHEDULER_INTERVAL_SECONDS (a minute) and queues the sweep (unless one
still waits for a worker) and, from REMINDERS_HOUR on, the day's reminders once a day; the job
worker (`manage.py db_worker`) runs them. It only queues, so it is light. SIGTERM or Ctrl-C
stops it between two beats; a beat that fails (the database away) is logged and the next one
tries again.

One instance runs, on one machine: deploy/systemd/kkrmaal-scheduler.service. A second one
would do no harm (the sweep and the reminders may run twice) but no good either.
"""

import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from reports import tasks

log = logging.getLogger("reports.scheduler")


class Command(BaseCommand):
    help = (
        "Sætter de faste job i kø: oprydningen hvert minut og påmindelserne én gang om dagen. "
        "Kør én af den, på én maskine."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Ét slag, og stop så.")

    def handle(self, *args, once, **options):
        stop = threading.Event()

        def request_stop(signum, frame):
            log.info("Received %s: the scheduler stops", signal.strsignal(signum))
            stop.set()

        previous = {
            number: signal.signal(number, request_stop)
            for number in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            self.run(stop, once, options["verbosity"])
        finally:
            # Called in a process that goes on (call_command): its own handlers again.
            for number, handler in previous.items():
                signal.signal(number, handler)

    def run(self, stop, once, verbosity):
        interval = settings.SCHEDULER_INTERVAL_SECONDS
        if verbosity >= 1:
            self.stdout.write(f"Planlæggeren kører (hvert {interval}. sekund).")
        reminded_on = None
        while not stop.is_set():
            close_old_connections()
            try:
                reminded_on = tasks.tick(reminded_on=reminded_on)
            except Exception:
                log.exception("The scheduler's beat failed; trying again in %d s", interval)
            finally:
                close_old_connections()
            if once:
                break
            stop.wait(interval)
