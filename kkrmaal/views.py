"""Project-wide views: the health check for the load balancer, the error pages of a
database outage, where a login lands, the accessibility statement."""

import logging
import sys
import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import InterfaceError
from django.db import OperationalError
from django.db import connection
from django.http import HttpResponse
from django.http import JsonResponse
from django.shortcuts import redirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from kkrmaal.api.errors import error_response
from kkrmaal.celery import app
from municipalities.models import Municipality
from municipalities.models import Region

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
    """handler500: a database outage outside a view still gets the friendly 503."""
    if is_database_outage(sys.exc_info()[1]):
        return database_unavailable(request)
    if request.path_info.startswith("/api/"):
        return error_response("server_error", 500)  # the API answers JSON, even now
    return defaults.server_error(request)


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


# Health check ---------------------------------------------------------------------------------


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


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


def _check_broker():
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def _checks():
    checks = {"database": _check_database, "storage": _check_storage}
    # Without a broker PDFs are rendered inline: nothing to check.
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        checks["broker"] = _check_broker
    return checks


@never_cache
def healthz(request):
    """200 when every part the portal needs answers, 503 otherwise, with one entry per check:
    `{"status": "ok", "checks": {"database": {"status": "ok"}, …}}`."""
    results = {}
    for name, check in _checks().items():
        try:
            check()
        except Exception as error:  # noqa: BLE001 - whatever fails, the part is unusable
            log.warning("Health check %s failed: %s", name, error)
            results[name] = {"status": "error", "error": error.__class__.__name__}
        else:
            results[name] = {"status": "ok"}
    healthy = all(result["status"] == "ok" for result in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": results},
        status=200 if healthy else 503,
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
