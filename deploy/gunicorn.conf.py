"""gunicorn's settings for the portal: `gunicorn --config deploy/gunicorn.conf.py`
(deploy/systemd/kkrmaal-web.service; tests/test_deployment.py runs it behind nginx).

Under systemd gunicorn takes over kkrmaal-web.socket and `bind` is not used; run by hand it
listens on GUNICORN_BIND (127.0.0.1:8000 unless set, `unix:/path` for a socket).
"""

import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path

wsgi_app = "kkrmaal.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND") or "127.0.0.1:8000"]

# Sync workers: the portal renders pages from its cache and the database, and nginx buffers
# slow clients' uploads and downloads. WEB_CONCURRENCY (the variable gunicorn reads itself)
# sets their number; by default two per core and one.
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
# A worker silent this long is killed and replaced (nginx waits 75 s: deploy/nginx/).
timeout = 60
# On `systemctl reload` (HUP) or stop (TERM), requests in flight get this long to finish.
graceful_timeout = 30
# A fresh worker now and then keeps the memory WeasyPrint and the caches grew in check.
max_requests = 1000
max_requests_jitter = 100
# Not `preload_app`: a HUP then starts the new workers on the code of the new release.

# Both logs to stdout/stderr, i.e. the journal. The address is the client's (nginx's
# X-Forwarded-For), and the request id is nginx's, as in its access log.
accesslog = "-"
access_log_format = (
    '%({x-forwarded-for}i)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}i)s'
)
errorlog = "-"
# /metrics (kkrmaal/metrics.py): each worker keeps its counts in files of one folder and a
# scrape, whichever worker answers it, adds them all up (prometheus_client's multiprocess
# mode). PROMETHEUS_MULTIPROC_DIR names the folder, emptied when gunicorn starts; unset, a
# new one in /tmp (the service's own, PrivateTmp=), removed when gunicorn stops. Set here,
# before any worker loads the app, so that every worker inherits it.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="kkrmaal-metrics-")
    os.environ["KKRMAAL_METRICS_DIR_MADE"] = os.environ["PROMETHEUS_MULTIPROC_DIR"]


def on_starting(server):
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    for counts in folder.glob("*.db"):
        counts.unlink()


def post_worker_init(worker):
    # Evidence is checked in children of multiprocessing's fork server (goals/evidence.py):
    # started with the worker, the first upload does not wait for it.
    from goals import evidence

    evidence.start_checker()


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    made = os.environ.get("KKRMAAL_METRICS_DIR_MADE")
    if made:
        shutil.rmtree(made, ignore_errors=True)


# No runtime control socket (gunicornc): systemctl reload/stop do what is needed, and its
# default place is the user's home, which the service cannot write.
control_socket_disable = True
