"""Work that must not run inside a request when no Celery broker is configured.

A region's papers take half a minute to render. With a broker (CELERY_BROKER_URL) a worker
renders them; without one (a single-server install) they are rendered in a daemon thread of
the web process, started after the request's transaction has committed, so the response is
immediate and the pages say "renderes…" meanwhile. Should the process stop half-way, the
papers left pending are handed out again by the next visit of the round's public pages once
their lease has run out (reports/papers.py), or by `manage.py render_papers`.

`RENDER_IN_BACKGROUND = False` runs the work in the caller instead: the test suite's
transactions are invisible to another thread's database connection.
"""

import contextlib
import logging
import threading

from django.conf import settings
from django.db import connections

log = logging.getLogger(__name__)
_threads = []
_inline = threading.local()


@contextlib.contextmanager
def inline():
    """Run the work in the caller while inside this block: a command that goes on writing
    (`manage.py demo`) must not race its own render threads (SQLite locks the database)."""
    _inline.active = True
    try:
        yield
    finally:
        _inline.active = False


def run_after_response(function, *args):
    """Run `function(*args)` in a daemon thread (or at once; see the module docstring)."""
    if not settings.RENDER_IN_BACKGROUND or getattr(_inline, "active", False):
        function(*args)
        return None
    thread = threading.Thread(target=_run, args=(function, *args), daemon=True)
    _threads[:] = [t for t in _threads if t.is_alive()]
    _threads.append(thread)
    thread.start()
    return thread


def _run(function, *args):
    try:
        function(*args)
    except Exception:
        log.exception("Background work %s failed", getattr(function, "__name__", function))
    finally:
        # The thread's own connections; the web process's stay untouched.
        connections.close_all()


def wait(timeout=60):
    """Wait for the work started so far (management commands, tests)."""
    for thread in _threads:
        thread.join(timeout)
