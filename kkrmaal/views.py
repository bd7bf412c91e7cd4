"""Project-wide views: the health checks (liveness, and readiness for the load balancer), the
error pages, where a login lands, the accessibility statement."""

import logging
import sys
import uuid

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import InterfaceError
from django.db import OperationalError
from django.db import connection
from django.db.models import Count
from django.db.models import Min
from django.http import HttpResponse
from django.http import HttpResponseServerError
from django.http import JsonResponse
from django.shortcuts import redirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from kkrmaal.api.errors import error_response
from municipalities.models import Municipality
from municipalities.models import Region
from reports.models import StoredPaper

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30
HEALTHZ_FOLDER = "healthz"  # where the storage check writes its probe (backups skip it)


def is_database_outage(exception):
    """Whether the exception means the database cannot be reached (rather than a bug)."""
    return isinstance(exception, OperationalError | InterfaceError)


def database_unavailable(request):
    """503 "try again in a moment", in the visitor's language, without touching the database
    (no session, no user: the page is rendered without the request's context processors).
    Under /api/ the API's JSON error instead."""
    if request.path_info.startswith("/api/"):
        response = error_response("unavailable", 503)
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request):
    """handler500: "something went wrong" in Danish (English under /en/), rendered without
    the request, so nothing on the page needs the database or a session; a database outage
    outside a view still gets the friendly 503. Should even that page fail, a line of plain
    text says the same."""
    if is_database_outage(sys.exc_info()[1]):
        return database_unavailable(request)
    if request.path_info.startswith("/api/"):
        return error_response("server_error", 500)  # the API answers JSON, even now
    try:
        page = render_to_string("500.html")
    except Exception:
        log.exception("The error page itself could not be rendered")
        page = _("Der skete en fejl hos os. Prøv igen om lidt.")
        return HttpResponseServerError(page, content_type="text/plain; charset=utf-8")
    response = HttpResponseServerError(page)
    response["Cache-Control"] = "no-store"
    return response


def bad_request(request, exception=None):
    """handler400: a request Django refuses before any view (a host name the portal does not
    serve, a body past DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields): a Danish page, or under
    /api/ the API's JSON (413 for a body too large), never Django's English "Bad Request"."""
    too_large = isinstance(exception, RequestDataTooBig)
    if request.path_info.startswith("/api/"):
        return error_response(*(("too_large", 413) if too_large else ("bad_request", 400)))
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    """handler403: the Danish page (Django's own is English), or the API's JSON under /api/."""
    if request.path_info.startswith("/api/"):
        return error_response("permission_denied", 403)
    return render(request, "403.html", status=403)


def csrf_failure(request, reason=""):
    """A form sent from a page older than the user's login (logged in again in another tab,
    or the page left open for days): in Danish, and saying how to keep what was typed. The
    report form's autosave asks for JSON and gets the sentence to show."""
    message = _(
        "Siden er for gammel til at gemme fra, fordi du er logget ind på ny siden den blev "
        "åbnet. Intet er gemt: kopiér det, du har skrevet, genindlæs siden, og sæt det ind "
        "igen."
    )
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"error": message}, status=403)
    return render(request, "403_csrf.html", {"message": message}, status=403)


# Health checks ----------------------------------------------------------------------------------
#
# /healthz/live: the process answers (for a supervisor that restarts a stuck one). Nothing else
# is touched, not even the database: an outage elsewhere is no reason to restart every process.
# /healthz/ready: the load balancer's question, "send this server requests?". Only the
# database makes the answer no (503): without it no page works, on any server. The cache, the
# media storage and the queue of PDFs are reported, and a failing one is "degraded" with a 200:
# the portal works without them (slower, or with papers late), and they are shared by every app
# server, so failing readiness would take them all out of the load balancer at once.

QUEUE_DEGRADED_SECONDS = 600  # a paper pending longer than this: the job worker is not working


class CacheUnavailable(Exception):
    """The cache did not keep a value (kkrmaal/cache_backend.py answers as empty while Redis
    cannot be reached)."""


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache():
    key = f"healthz:{uuid.uuid4().hex}"
    probe = uuid.uuid4().hex
    cache.set(key, probe, 30)
    try:
        if cache.get(key) != probe:
            raise CacheUnavailable("the cache did not keep a value")
    finally:
        cache.delete(key)


def _check_storage():
    """Write, read back and delete a small file where uploads and papers are kept (the
    media folder, or the S3 bucket), so a full disk or a lost bucket shows."""
    content = uuid.uuid4().hex.encode()
    name = default_storage.save(f"{HEALTHZ_FOLDER}/{uuid.uuid4().hex}.txt", ContentFile(content))
    try:
        with default_storage.open(name, "rb") as f:
            if f.read() != content:
                raise OSError("read back something else than was written")
    finally:
        default_storage.delete(name)


def _check_queue():
    """The PDFs waiting to be rendered: how many, and how long the oldest has waited (since it
    was requested; a retried paper counts from its first request)."""
    pending = StoredPaper.objects.filter(state=StoredPaper.State.PENDING).aggregate(
        count=Count("pk"), oldest=Min("requested_at")
    )
    waited = (timezone.now() - pending["oldest"]).total_seconds() if pending["oldest"] else 0
    return {
        "status": "degraded" if waited > QUEUE_DEGRADED_SECONDS else "ok",
        "pending": pending["count"],
        "oldest_seconds": int(waited),
    }


def _run(check, failing):
    """The check's entry: {"status": "ok"} (or what it says), or `failing` with the error."""
    try:
        extra = check()
    except Exception as error:  # noqa: BLE001 - whatever fails, the part is unusable
        # Redis away is logged by the cache itself, once a minute, not once a probe.
        if not isinstance(error, CacheUnavailable):
            name = check.__name__.removeprefix("_check_")
            log.warning("Health check %s failed: %s", name, error)
        return {"status": failing, "error": error.__class__.__name__}
    return extra or {"status": "ok"}


@never_cache
def live(request):
    """200 while the process answers requests; touches nothing else."""
    return JsonResponse({"status": "ok"})


@never_cache
def ready(request):
    """200 while the database answers, 503 when it does not; one entry per part:
    `{"status": "degraded", "checks": {"database": {"status": "ok"}, "cache": {"status":
    "degraded", "error": "CacheUnavailable"}, "storage": …, "queue": {"status": "ok",
    "pending": 0, "oldest_seconds": 0}}}`."""
    checks = {"database": _run(_check_database, "error")}
    checks["cache"] = _run(_check_cache, "degraded")
    checks["storage"] = _run(_check_storage, "degraded")
    if checks["database"]["status"] == "ok":  # the queue is a table
        checks["queue"] = _run(_check_queue, "degraded")
    statuses = {check["status"] for check in checks.values()}
    status = "error" if "error" in statuses else "degraded" if "degraded" in statuses else "ok"
    return JsonResponse(
        {"status": status, "checks": checks}, status=503 if status == "error" else 200
    )


@login_required
def start(request):
    """Where a login without `next` lands: each role on its own work."""
    if request.user.is_superuser and request.user.is_staff:
        return redirect("admin:index")
    if Region.objects.staffed_by(request.user).exists():
        return redirect("secretariat:secretariat_home")
    if Municipality.objects.reported_by(request.user).exists():
        return redirect("goals:reporter_home")
    return redirect("reports:home")


@require_safe
def accessibility_statement(request):
    return render(request, "accessibility.html")
