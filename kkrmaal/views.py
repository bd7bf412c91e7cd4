"""Project-wide views: the health check, where a login lands, the accessibility statement."""

from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from municipalities.models import Municipality, Region


@never_cache
def healthz(request):
    """200 when the app can reach its database, 503 otherwise (for the load balancer)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok"})


@login_required
def start(request):
    """Where a login without `next` lands: each role on its own work."""
    if request.user.is_superuser and request.user.is_staff:
        return redirect("admin:index")
    if Region.objects.staffed_by(request.user).exists():
        return redirect("goals:secretariat_home")
    if Municipality.objects.reported_by(request.user).exists():
        return redirect("goals:reporter_home")
    return redirect("reports:home")


@require_safe
def accessibility_statement(request):
    return render(request, "accessibility.html")
