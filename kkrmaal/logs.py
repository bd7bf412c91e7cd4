"""Logs an operator can search: one JSON object a line, each carrying its request.

`RequestLogMiddleware` (first in MIDDLEWARE) gives every request an id, taken from its
`X-Request-ID` when that is a sane token (nginx sends its own) or made, echoes it on the
response, keeps the request in a context variable while it runs, and ends it with one
access line at INFO (logger `kkrmaal.request`: status, duration, view). `RequestContextFilter`
(on every handler in LOGGING) copies that context onto each record, whichever module logs
it: request id, user id, client address (kkrmaal/clients.py), method and path; outside a
request they are null. `JsonFormatter` writes the record as one JSON object, the traceback
inside it (`exc_info`); `AuditFormatter` does the same for the audit trail
(goals/audit.py), its fields at the top level.

No lower layer imports this module: the context reaches their log lines through logging.
"""

import contextvars
import datetime
import logging
import re
import time
import uuid

from django.conf import settings
from django.utils.functional import SimpleLazyObject
from django.utils.functional import empty
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

from kkrmaal.clients import client_address

# What a request id may look like when it comes from outside: nginx's 32 hex digits, a UUID,
# or any other token of letters, digits, "-", "_" and "." up to 128 characters. Anything
# else (spaces, quotes, control characters, a kilobyte of text) is replaced by a new id.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
REQUEST_ID_HEADER = "X-Request-ID"

# The request being answered, for the filter below (None outside a request).
current = contextvars.ContextVar("kkrmaal_request", default=None)

# Added to every record by RequestContextFilter, in this order in the JSON.
CONTEXT_FIELDS = ("request_id", "user_id", "client_address", "method", "path")

access_log = logging.getLogger("kkrmaal.request")


def request_id_from(request):
    """The id of `request`: its X-Request-ID when sane, otherwise a new one."""
    given = request.headers.get(REQUEST_ID_HEADER, "")
    if SANE_REQUEST_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


def loaded_user_id(request):
    """The signed-in user's id, if the request has looked its user up already; never a
    query of its own (a log line must not cost one, nor log the query it would make)."""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        user = user.__dict__.get("_wrapped", empty)
        if user is empty:
            return None
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.pk


def current_request():
    """The Django request being answered in this context, or None."""
    context = current.get()
    return context["request"] if context else None


class RequestContextFilter(logging.Filter):
    """Adds the request's context to every record (null fields outside a request). A field
    the caller passed itself (`extra=`) is kept."""

    def filter(self, record):
        context = current.get()
        values = dict.fromkeys(CONTEXT_FIELDS)
        if context:
            values.update(
                request_id=context["request_id"],
                user_id=loaded_user_id(context["request"]),
                client_address=context["client_address"],
                method=context["method"],
                path=context["path"],
            )
        for field, value in values.items():
            if not hasattr(record, field):
                setattr(record, field, value)
        return True


def utc_time(record):
    """The record's time in ISO 8601, UTC, to the millisecond: 2026-11-29T09:15:02.123Z."""
    moment = datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(BaseJsonFormatter):
    """One JSON object a record: time, level, logger, message, the request's context, then
    whatever the caller passed as `extra=`, and the traceback as the field `exc_info`."""

    # Not copied as extras: the record's own attributes, the context (written first, below),
    # Django's request object and runserver's time (django.request, django.server), and the
    # audit trail's fields (AuditFormatter).
    skipped = (*RESERVED_ATTRS, *CONTEXT_FIELDS, "request", "server_time", "audit")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("reserved_attrs", self.skipped)
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(*args, **kwargs)

    def add_fields(self, log_data, record, message_dict):
        log_data["time"] = utc_time(record)
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = record.message
        for field in CONTEXT_FIELDS:
            log_data[field] = getattr(record, field, None)
        super().add_fields(log_data, record, message_dict)


class AuditFormatter(JsonFormatter):
    """The audit trail's line: time, logger, the request's id, client address and path, and
    the event's own fields (goals/audit.py passes them as `extra={"audit": {...}}`) at the
    top level. The message, the same fields as text, is left out."""

    def add_fields(self, log_data, record, message_dict):
        log_data["time"] = utc_time(record)
        log_data["logger"] = record.name
        for field in ("request_id", "client_address", "path"):
            log_data[field] = getattr(record, field, None)
        log_data.update(getattr(record, "audit", None) or {"message": record.message})
        if message_dict.get("exc_info"):
            log_data["exc_info"] = message_dict["exc_info"]


def is_static(request):
    return request.path.startswith(settings.STATIC_URL)


class RequestLogMiddleware:
    """First in MIDDLEWARE: the request id, the context for every log line of the request,
    and one access line when it is answered (not for static files, which WhiteNoise serves
    many of per page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        request_id = request_id_from(request)
        request.request_id = request_id
        token = current.set(
            {
                "request": request,
                "request_id": request_id,
                "client_address": client_address(request),
                "method": request.method,
                "path": request.path,
            }
        )
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            if not is_static(request):
                match = request.resolver_match
                access_log.info(
                    "%s %s %s",
                    request.method,
                    request.path,
                    response.status_code,
                    extra={
                        "status": response.status_code,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                        "view": match.view_name if match else None,
                    },
                )
            return response
        finally:
            current.reset(token)
