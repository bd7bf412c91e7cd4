"""The API's errors, all in one shape: `{"code": "…", "detail": "…"}`, plus `fields` (a message
per field or parameter) when the request's data or query was wrong. `code` is for programs
and never changes with the language; `detail` is a sentence in the request's language
(Danish, or English with `Accept-Language: en`) that names no internal model.

- `ApiError` and its subclasses are the API's own errors: their detail is passed on as is.
- DRF's, knox's and Django's own exceptions (a 404 from `get_object_or_404`, a wrong token,
  a throttled request, a body that is not JSON …) get the API's text for their code
  (`STOCK_TEXTS`): DRF's texts are English, partly translated, or name the model
  ("No StatusReport matches the given query.").
- A `ValidationError` keeps its messages per field under `fields`.

`exception_handler` is DRF's EXCEPTION_HANDLER; `error_response` gives the same body from a
plain Django view (the catch-all 404, a server error or database outage under /api/). A new
error of the API is a subclass of `ApiError` with its own `default_code`; its code is then
added to `CODES` (the schema documents them; clients must accept codes they do not know).
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import connections
from django.http import Http404
from django.http import JsonResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework import status
from rest_framework.response import Response


class ApiError(exceptions.APIException):
    """An error of the API's own: its code and its text (already in the request's language)
    reach the client unchanged."""


class InvalidParameter(ApiError):
    """A query parameter the operation does not read, or a value it does not accept."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_parameter"
    default_detail = _("Ugyldig parameter.")

    def __init__(self, fields, code=None):
        self.fields = {
            name: [str(message) for message in messages] for name, messages in fields.items()
        }
        sentence = "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in self.fields.items()
        )
        super().__init__(sentence, code)


class UnknownParameter(InvalidParameter):
    default_code = "unknown_parameter"


class PageNotFound(ApiError):
    status_code = status.HTTP_404_NOT_FOUND
    default_code = "not_found"
    default_detail = _("Siden findes ikke.")


class InvalidIfMatch(ApiError):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_if_match"
    default_detail = _(
        'If-Match skal være indberetningens version i anførselstegn, som ETag sendte den, fx "3".'
    )


class Conflict(ApiError):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("Handlingen passer ikke til indberetningens eller rundens tilstand.")
    default_code = "conflict"


class PreconditionFailed(ApiError):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _(
        "Indberetningen er ændret siden den version, du sendte i If-Match. Hent den igen."
    )
    default_code = "stale"


class WeakETag(PreconditionFailed):
    """A weak entity tag never matches in If-Match (RFC 9110 13.1.1: strong comparison)."""

    default_detail = _(
        'If-Match sammenlignes strengt: en svag ETag (W/"3") passer aldrig. Send versionen, '
        'som ETag sendte den, fx "3".'
    )
    default_code = "weak_etag"


class PreconditionRequired(ApiError):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = _(
        "Send indberetningens version (dens ETag) i headeren If-Match, så intet overskrives."
    )
    default_code = "if_match_required"


class TooDeep(ApiError):
    """A request body nested deeper than the API reads (kkrmaal/api/parsers.py)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "too_deep"
    default_detail = _("Kroppen er indlejret for dybt: højst 20 niveauer af lister og objekter.")


# The API's text for the codes of DRF's, knox's and Django's own exceptions.
STOCK_TEXTS = {
    "not_authenticated": _(
        "Adressen kræver en API-nøgle: Authorization: Token <nøgle> (eller Bearer <nøgle>)."
    ),
    "authentication_failed": _("API-nøglen er ugyldig, udløbet eller tilbagekaldt."),
    "permission_denied": _("Nøglens bruger må ikke dette."),
    "not_found": _("Findes ikke."),
    "method_not_allowed": _("Metoden %(method)s kan ikke bruges her."),
    "not_acceptable": _("Svaret findes ikke i det format, Accept-headeren beder om."),
    "unsupported_media_type": _("Send JSON (Content-Type: application/json)."),
    "parse_error": _("Kroppen er ikke gyldig JSON."),
    "throttled": _("For mange forespørgsler. Prøv igen om %(wait)s sekunder."),
    "invalid": _("Ugyldige data: fields har en besked pr. felt."),
    "bad_request": _("Forespørgslen kan ikke læses."),
    "too_large": _("Kroppen er for stor."),
    "server_error": _("Der skete en fejl på serveren. Prøv igen senere."),
    "unavailable": _("Portalen er midlertidigt utilgængelig. Prøv igen om lidt."),
}

# Every code the API answers with, for the schema's description of `code`.
CODES = {
    400: [
        "invalid",
        "invalid_parameter",
        "unknown_parameter",
        "parse_error",
        "invalid_if_match",
        "too_deep",
        "bad_request",
    ],
    401: ["not_authenticated", "authentication_failed"],
    403: ["permission_denied", "not_a_reporter"],
    404: ["not_found"],
    405: ["method_not_allowed"],
    406: ["not_acceptable"],
    409: ["conflict"],
    412: ["stale", "weak_etag"],
    413: ["too_large"],
    415: ["unsupported_media_type"],
    428: ["if_match_required"],
    429: ["throttled"],
    500: ["server_error"],
    503: ["unavailable"],
}


def error_body(code, detail, fields=None):
    body = {"code": code, "detail": str(detail)}
    if fields:
        body["fields"] = fields
    return body


def error_response(code, status_code, detail=None):
    """The error body as a plain Django response, for views outside DRF."""
    text = detail if detail is not None else STOCK_TEXTS[code]
    return JsonResponse(error_body(code, text), status=status_code)


def exception_handler(exc, context):
    """DRF's exception handler, with every error in the API's shape and language."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()  # Http404's own text may name the model
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a server error: handler500 answers it
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    _set_rollback()
    request = context.get("request")
    return Response(_body(exc, request), status=exc.status_code, headers=headers)


def _set_rollback():
    """As DRF's own handler: an error rolls back a request's atomic block. (DRF's
    `set_rollback` lives in rest_framework.views, which imports the settings' classes, so
    this module, imported by them, cannot import it.)"""
    for connection in connections.all(initialized_only=True):
        if connection.settings_dict["ATOMIC_REQUESTS"] and connection.in_atomic_block:
            connection.set_rollback(True)


def _body(exc, request):
    if isinstance(exc, InvalidParameter):
        return error_body(exc.detail.code, exc.detail, exc.fields)
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return error_body("invalid", STOCK_TEXTS["invalid"], fields)
    code = exc.get_codes()
    if not isinstance(code, str):
        code = exc.default_code
    if isinstance(exc, ApiError) or code not in STOCK_TEXTS:
        return error_body(code, exc.detail)
    return error_body(code, _stock_text(exc, code, request))


def _stock_text(exc, code, request):
    if code == "throttled":
        if exc.wait is None:
            return gettext("For mange forespørgsler. Prøv igen om lidt.")
        return STOCK_TEXTS[code] % {"wait": int(exc.wait)}
    if code == "method_not_allowed":
        return STOCK_TEXTS[code] % {"method": request.method if request else ""}
    if code == "not_authenticated" and request is not None:
        scheme = request.headers.get("Authorization", "").split(" ", 1)[0]
        if scheme and scheme.lower() not in ("token", "bearer"):
            return gettext(
                "Authorization skal have formen 'Token <nøgle>' eller 'Bearer <nøgle>'; "
                "skemaet %(scheme)s kendes ikke her."
            ) % {"scheme": scheme[:20]}
    return STOCK_TEXTS[code]
