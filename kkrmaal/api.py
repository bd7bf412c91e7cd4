"""What the apps' APIs under /api/v1/ share: pagination, stable ordering, throttling per
token, the HTTP errors DRF has no class for (409, 412, 428), conditional GETs on published
data, and the error bodies the schema documents.

Each app keeps its own serializers and viewsets (`municipalities/api.py`, `goals/api.py`,
`reports/api.py`); `kkrmaal/urls.py` routes them.
"""

from django.utils import translation
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import PageNumberPagination
from rest_framework.throttling import SimpleRateThrottle


def language_middleware(get_response):
    """The API answers in the language the client asks for (`Accept-Language: en`); the
    site's pages take theirs from the address (/en/), which the API has none of."""

    def middleware(request):
        if request.path_info.startswith("/api/"):
            language = translation.get_language_from_request(request)
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return get_response(request)

    return middleware


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class StableOrderingFilter(OrderingFilter):
    """Any ordering the client asks for, then the primary key: rows that tie never swap
    places between two pages."""

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if "pk" not in ordering and "-pk" not in ordering:
            ordering.append("pk")
        return ordering


class TokenRateThrottle(SimpleRateThrottle):
    """Requests per API token (anonymous requests are counted per address by DRF's
    AnonRateThrottle)."""

    scope = "token"

    def get_cache_key(self, request, view):
        token = getattr(request, "auth", None)
        key = getattr(token, "token_key", None)
        if key is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": key}


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("Handlingen passer ikke til indberetningens eller rundens tilstand.")
    default_code = "conflict"


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _(
        "Indberetningen er ændret siden den version, du sendte i If-Match. Hent den igen."
    )
    default_code = "stale"


class PreconditionRequired(APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = _(
        "Send indberetningens version (dens ETag) i headeren If-Match, så intet overskrives."
    )
    default_code = "if_match_required"


def conditional(request, *, etag, last_modified):
    """A 304 response when the client's copy of published data is current, else None."""
    return get_conditional_response(
        request, etag=etag, last_modified=int(last_modified.timestamp()) if last_modified else None
    )


def with_validators(response, *, etag, last_modified=None, public=True):
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    if public:
        # Published data does not change until the round is reopened; five minutes is how long
        # a reopened round may still be served stale by a cache on the way.
        response["Cache-Control"] = "public, max-age=300"
    return response


# --- error bodies, for the schema ----------------------------------------------------------

Detail = inline_serializer(
    "Fejl",
    fields={"detail": serializers.CharField(help_text=_("Fejlen i ord."))},
)
FieldErrors = inline_serializer(
    "Feltfejl",
    fields={
        "lines": serializers.DictField(
            required=False,
            help_text=_("Fejl pr. milepæl (nøgle: milepælens id), med en besked pr. felt."),
        ),
        "values": serializers.DictField(
            required=False,
            help_text=_("Fejl pr. indikator (nøgle: indikatorens id)."),
        ),
        "non_field_errors": serializers.ListField(
            child=serializers.CharField(),
            required=False,
            help_text=_("Fejl, der ikke hører til ét felt."),
        ),
    },
)


def errors(*codes):
    """The documented error responses of an endpoint, by status code."""
    text = {
        400: (FieldErrors, _("Ugyldige data: en besked pr. felt.")),
        401: (Detail, _("Mangler eller ugyldig API-nøgle.")),
        403: (Detail, _("Nøglens bruger må ikke dette.")),
        404: (Detail, _("Findes ikke, eller er ikke din.")),
        409: (Detail, _("Indberetningens eller rundens tilstand tillader det ikke.")),
        412: (Detail, _("Indberetningen er ændret siden din version (If-Match).")),
        415: (Detail, _("Send JSON (Content-Type: application/json).")),
        428: (Detail, _("If-Match mangler.")),
        429: (Detail, _("For mange forespørgsler; prøv igen om lidt.")),
    }
    return {
        code: OpenApiResponse(response=text[code][0], description=text[code][1]) for code in codes
    }
