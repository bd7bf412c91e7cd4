"""Metrics for Prometheus at /metrics (prometheus_client's text format).

Counted per request by `MetricsMiddleware` (second in MIDDLEWARE):

- `kkrmaal_http_requests_total{method, status, view}`
- `kkrmaal_http_request_duration_seconds{method, view}` (a histogram)

labelled by the URL pattern's name (`reports:region`, `admin:goals_goal_change`), never the
raw path, and by the standard methods only (anything else is `other`), so a scanner cannot
make new series.

Read from the database at each scrape (`DatabaseCollector`):

- `kkrmaal_papers_pending`, `kkrmaal_papers_failed`: stored PDF papers waiting to be
  rendered, and those that failed (reports.StoredPaper, the truth for papers);
- `kkrmaal_job_queue_backlog{queue}` and `kkrmaal_job_queue_oldest_seconds{queue}`: work
  waiting and how long the oldest has waited: `papers` (pending StoredPapers) and, when
  django-tasks' database backend is installed, `tasks` (its ready tasks);
- `kkrmaal_status_reports{state, round_state}`: the municipalities' reports by state;
- `kkrmaal_metrics_database_up`: 0 when those queries failed (the rest is still served).

gunicorn runs several worker processes, each with its own counters, and a scrape reaches
one of them. With `PROMETHEUS_MULTIPROC_DIR` set (deploy/gunicorn.conf.py sets it for its
workers) each worker writes its counts to files in that folder and a scrape adds them all up
(prometheus_client's multiprocess mode); without it (runserver, tests, one process) the
process's own registry is served, with the usual process metrics.

Access: from the machine itself (the client address of kkrmaal/clients.py is loopback)
without a token; from anywhere else only with `Authorization: Bearer <METRICS_TOKEN>`,
refused (403) when no token is configured.
"""

import hmac
import ipaddress
import os
import time

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count
from django.db.models import Min
from django.db.models import Q
from django.http import HttpResponse
from django.http import HttpResponseForbidden
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_tasks_db.models import DBTaskResult
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client import REGISTRY
from prometheus_client import CollectorRegistry
from prometheus_client import Counter
from prometheus_client import Histogram
from prometheus_client import generate_latest
from prometheus_client import multiprocess
from prometheus_client.core import GaugeMetricFamily

from goals.models import StatusReport
from kkrmaal.clients import client_address
from kkrmaal.logs import is_static
from reports.models import StoredPaper

METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

REQUESTS = Counter(
    "kkrmaal_http_requests",
    "Requests answered, by method, status and view (URL pattern name).",
    ["method", "status", "view"],
)
LATENCY = Histogram(
    "kkrmaal_http_request_duration_seconds",
    "Time to answer a request, by method and view (URL pattern name).",
    ["method", "view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)


def view_label(request):
    """The URL pattern's name: bounded, unlike the path. `static` for WhiteNoise's files,
    `none` for what no pattern matched (404s, redirects made before the URLs are read)."""
    match = request.resolver_match
    if match is not None:
        return match.view_name
    return "static" if is_static(request) else "none"


class MetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        method = request.method if request.method in METHODS else "other"
        view = view_label(request)
        LATENCY.labels(method, view).observe(time.perf_counter() - started)
        REQUESTS.labels(method, str(response.status_code), view).inc()
        return response


def seconds_since(moment, now):
    return max((now - moment).total_seconds(), 0.0) if moment else 0.0


class DatabaseCollector:
    """Gauges counted in the database when Prometheus scrapes (a handful of indexed counts)."""

    def collect(self):
        up = GaugeMetricFamily(
            "kkrmaal_metrics_database_up", "1 when the database gauges could be read."
        )
        try:
            families = list(self.database_families())
        except DatabaseError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def database_families(self):
        now = timezone.now()
        papers = StoredPaper.objects.aggregate(
            pending=Count("pk", filter=Q(state=StoredPaper.State.PENDING)),
            failed=Count("pk", filter=Q(state=StoredPaper.State.FAILED)),
            oldest=Min("requested_at", filter=Q(state=StoredPaper.State.PENDING)),
        )
        yield GaugeMetricFamily(
            "kkrmaal_papers_pending",
            "Stored PDF papers waiting to be rendered.",
            value=papers["pending"],
        )
        yield GaugeMetricFamily(
            "kkrmaal_papers_failed",
            "Stored PDF papers whose rendering failed (retry them in the admin).",
            value=papers["failed"],
        )

        backlog = GaugeMetricFamily(
            "kkrmaal_job_queue_backlog", "Jobs waiting to run, by queue.", labels=["queue"]
        )
        oldest = GaugeMetricFamily(
            "kkrmaal_job_queue_oldest_seconds",
            "How long the oldest waiting job has waited (0 when none waits), by queue.",
            labels=["queue"],
        )
        backlog.add_metric(["papers"], papers["pending"])
        oldest.add_metric(["papers"], seconds_since(papers["oldest"], now))
        tasks = DBTaskResult.objects.ready().aggregate(count=Count("pk"), oldest=Min("enqueued_at"))
        backlog.add_metric(["tasks"], tasks["count"])
        oldest.add_metric(["tasks"], seconds_since(tasks["oldest"], now))
        yield backlog
        yield oldest

        reports = GaugeMetricFamily(
            "kkrmaal_status_reports",
            "The municipalities' status reports, by their state and their round's.",
            labels=["state", "round_state"],
        )
        counts = StatusReport.objects.values_list("state", "round__state").annotate(
            count=Count("pk")
        )
        for state, round_state, count in counts.order_by("state", "round__state"):
            reports.add_metric([state, round_state], count)
        yield reports


def is_loopback(address):
    """Whether the client address is the machine itself. kkrmaal/clients.py gives an IPv6
    client as its /64 network, so ::1 arrives as `::` (no other address of that network can
    reach the portal)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return ip.is_loopback or ip == ipaddress.IPv6Address("::")


def allowed(request):
    if is_loopback(client_address(request)):
        return True
    token = settings.METRICS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def exposition():
    """The text of a scrape: the request metrics (every worker's, in multiprocess mode) and
    the database gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    database = CollectorRegistry(auto_describe=False)
    database.register(DatabaseCollector())
    return generate_latest(registry) + generate_latest(database)


@never_cache
@require_safe
def metrics(request):
    if not allowed(request):
        return HttpResponseForbidden("Forbidden\n", content_type="text/plain")
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_PLAIN_0_0_4)
