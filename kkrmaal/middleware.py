"""A database outage answers 503 with a friendly page instead of a traceback; a signed-in
user's pages are kept by no cache.

When PostgreSQL is down (or restarting), every view that reads or writes fails with
`OperationalError` or `InterfaceError`. This middleware turns those into the portal's "try
again in a moment" page (`kkrmaal.views.database_unavailable`); `handler500` does the same for
the rare failure outside a view (e.g. saving the session). Nothing else is needed to recover:
Django drops a connection that failed, and `CONN_HEALTH_CHECKS` tests a kept connection before
reusing it, so the first request after the database is back simply connects again.
"""

import logging

from kkrmaal.logs import loaded_user_id
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


class SignedInNoStoreMiddleware:
    """A page answered to a signed-in user says `Cache-Control: private, no-store`: it holds
    their name and what only they may see (a report, a cockpit), which neither a shared cache
    nor the browser's disk (a shared office PC, the back button after "Log ud") should keep.
    A page that says how it may be cached keeps its own header: the public pages from the
    cache (`private, no-cache` for a signed-in visitor, `public` for everyone else) and the
    stored PDFs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # A page for a signed-in user has looked the user up; asking here would read the
        # session of every other answer too (and add `Vary: Cookie` to the API's).
        if "Cache-Control" not in response and loaded_user_id(request) is not None:
            response["Cache-Control"] = "private, no-store"
        return response
