"""A database outage answers 503 with a friendly page instead of a traceback.

When PostgreSQL is down (or restarting), every view that reads or writes fails with
`OperationalError` or `InterfaceError`. This middleware turns those into the portal's "try
again in a moment" page (`kkrmaal.views.database_unavailable`); `handler500` does the same for
the rare failure outside a view (e.g. saving the session). Nothing else is needed to recover:
Django drops a connection that failed, and `CONN_HEALTH_CHECKS` tests a kept connection before
reusing it, so the first request after the database is back simply connects again.
"""

import logging

from kkrmaal.views import database_unavailable
from kkrmaal.views import is_database_outage

log = logging.getLogger(__name__)


class DatabaseOutageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_outage(exception):
            return None
        # One line, not a traceback per request, while the database is away.
        log.warning("Database unavailable for %s %s: %s", request.method, request.path, exception)
        return database_unavailable(request)
