"""What every endpoint under /api/v1/ shares: the language of the answers, pagination, stable
ordering, strict id filters, throttling per token, the HTTP errors DRF has no class for
(409, 412, 428) and a JSON 404 for unknown addresses, conditional GETs on published data, the
public lists served from the cache (`cached_answer`), and the error bodies the schema documents.

The serializers and viewsets are beside it (`places.py`, `goals.py`, `rounds.py`); `urls.py`
routes them.
"""

import hashlib
import re

import django_filters
import knox.auth
from django import forms
from django.http import HttpResponse
from django.http import JsonResponse
from django.utils import translation
from django.utils.cache import get_conditional_response
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date
from django.utils.http import parse_http_date
from django.utils.http import quote_etag
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse
from drf_spectacular.utils import extend_schema_field
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework import status
from rest_framework import throttling
from rest_framework.exceptions import APIException
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import PageNumberPagination
from rest_framework.throttling import SimpleRateThrottle

from kkrmaal.clients import client_address
from reports import cache as public_cache


class TokenAuthentication(knox.auth.TokenAuthentication):
    """django-rest-knox's token check (`Authorization: Token <key>`), with a key that is not
    even UTF-8 refused like any wrong key: knox itself fails on it with a server error."""

    def authenticate_credentials(self, token):
        try:
            token.decode("utf-8")
        except UnicodeDecodeError:
            raise AuthenticationFailed(_("Ugyldig API-nøgle.")) from None
        return super().authenticate_credentials(token)


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


def region_field(source=None):
    """The region an object belongs to, as its slug ("hovedstaden")."""
    extra = {"source": source} if source else {}
    return serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text=_("Regionens korte navn."), **extra
    )


def text_or_null(source, help_text):
    """The text at `source`, across a relation that may be empty (then null)."""
    return serializers.CharField(
        source=source, read_only=True, allow_null=True, default=None, help_text=help_text
    )


class FilterSet(django_filters.FilterSet):
    """django-filter's FilterSet, except that a filter sent without a value (`?kind=`) is a
    400 rather than quietly no filter: the schema says what a value must be."""

    def is_valid(self):
        valid = super().is_valid()
        for name in self.filters:
            if name in self.data and self.data.get(name) == "":
                self.form.add_error(name, _("Angiv en værdi, eller udelad filteret."))
                valid = False
        return valid


class FilterBackend(DjangoFilterBackend):
    filterset_base = FilterSet


MAX_ID = 2**31 - 1


class RegionFilter(django_filters.CharFilter):
    """A filter on a region's short name (slug): letters, digits, - and _, else a 400."""

    field_class = forms.SlugField

    def __init__(self, field_name, help_text):
        # Not stripped: "\x1d" is no region, not "no filter".
        super().__init__(field_name=field_name, help_text=help_text, strip=False)
        extend_schema_field(
            {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$", "description": help_text}
        )(self)


def region_filterset(model, field_name, help_text, **filters):
    """A FilterSet of `model`: `?region=<slug>` through `field_name`, plus `filters`."""
    declared = {"region": RegionFilter(field_name=field_name, help_text=help_text), **filters}
    meta = type("Meta", (), {"model": model, "fields": list(declared)})
    return type(f"{model.__name__}Filter", (FilterSet,), {**declared, "Meta": meta})


class WholeNumberField(forms.IntegerField):
    """Digits only: Django's IntegerField would also take " 5" and "5.0"."""

    def to_python(self, value):
        if isinstance(value, str) and value and not re.fullmatch(r"-?[0-9]+", value):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class IdFilter(django_filters.NumberFilter):
    """A filter on an id, a year or a code: a whole number in range, else a 400 that says
    so (django-filter's NumberFilter would take 0.5, and the database chokes on 10**30)."""

    field_class = WholeNumberField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
        # The schema states the range (so generated clients and schemathesis keep to it) and
        # keeps the filter's own description.
        extend_schema_field(
            {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_ID,
                "description": self.extra.get("help_text", ""),
            }
        )(self)


@csrf_exempt  # it changes nothing; a PATCH gets the 404 too, not the CSRF page
def not_found(request, *args, **kwargs):
    """Any other address under /api/v1/ (e.g. `/api/v1/goals/abc/`): a JSON 404, as the API
    answers everywhere, not the site's HTML page."""
    return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_number(self, request, paginator):
        # DRF reads "page=" as page 1; a page that is not a number is the client's mistake
        # (one past the last is a 404, as in DRF).
        asked = request.query_params.get(self.page_query_param)
        if asked is not None and not (asked.isascii() and asked.isdigit() and int(asked) >= 1):
            raise ValidationError({self.page_query_param: [_("Angiv et sidenummer fra 1.")]})
        return super().get_page_number(request, paginator)

    def get_page_size(self, request):
        # DRF would quietly fall back to the default on "page_size=abc"; say what is wrong.
        asked = request.query_params.get(self.page_size_query_param)
        if asked is None:
            return self.page_size
        if not asked.isascii() or not asked.isdigit() or not 1 <= int(asked) <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Angiv et helt tal mellem 1 og %(max)s.") % {"max": self.max_page_size}
                    ]
                }
            )
        return int(asked)

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        described = {
            "count": _("Antal i alt."),
            "next": _("Næste side, eller null."),
            "previous": _("Forrige side, eller null."),
            "results": _("Denne sides rækker."),
        }
        for name, text in described.items():
            paginated["properties"][name]["description"] = text
        return paginated

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters


class StableOrderingFilter(OrderingFilter):
    """Any ordering the client asks for, then the primary key: rows that tie never swap
    places between two pages."""

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if "pk" not in ordering and "-pk" not in ordering:
            ordering.append("pk")
        return ordering


class ClientAddressThrottle(SimpleRateThrottle):
    """A DRF throttle that knows a client by the portal's one rule (`client_address`: the
    proxy's address behind BEHIND_PROXY, an IPv6 network as one), as the login lockout and
    the reset-mail throttle do, not by DRF's own `get_ident` (NUM_PROXIES, no /64)."""

    def get_ident(self, request):
        return client_address(request) or "unknown"


class TokenRateThrottle(ClientAddressThrottle):
    """Requests per API token (anonymous requests are counted per address by
    `AnonymousRateThrottle` below)."""

    scope = "token"

    def get_cache_key(self, request, view):
        token = getattr(request, "auth", None)
        key = getattr(token, "token_key", None)
        if key is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": key}


class AnonymousRateThrottle(ClientAddressThrottle, throttling.AnonRateThrottle):
    """DRF's limit on anonymous requests (scope "anon"), per client address."""


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


# --- the public lists from the cache ----------------------------------------------------------

# What a stored answer keeps besides its body; the rest (Allow, security headers) every answer
# gets on its way out. Vary is kept: DRF adds its "Accept" (a view with several formats) only
# to the first response it finalizes, which is the one made for the cache.
STORED_HEADERS = (
    "Content-Type",
    "Content-Disposition",
    "ETag",
    "Last-Modified",
    "Cache-Control",
    "Vary",
)


def _known_parameters(view):
    """The query parameters the view reads: only answers to these are kept, so a made-up
    parameter cannot fill the cache (it is answered, just not kept)."""
    known = {"format"}
    if view.pagination_class is not None:
        known.update(("page", "page_size"))
    if view.filter_backends:
        known.add(OrderingFilter.ordering_param)
        filterset = getattr(view, "filterset_class", None)
        known.update(filterset.base_filters if filterset else getattr(view, "filterset_fields", []))
    return known


def _kept(view, parameters):
    """Whether the answer to these parameters is kept. Each kept answer stays until the next
    publication, so only the few spellings a real client sends are: each parameter once, in
    lower case, a number without leading zeros, an ordering the list has. (An answer a
    filter leaves empty is not kept either: see `cached_answer`.)"""
    if not set(parameters) <= _known_parameters(view):
        return False
    fields = getattr(view, "ordering_fields", None) or ()
    orderings = {*fields, *(f"-{name}" for name in fields)}
    for name in parameters:
        values = parameters.getlist(name)
        if len(values) != 1:
            return False
        value = values[0]
        number = value.isascii() and value.isdigit()  # "¹" and "٣" are digits, not numbers
        if value != value.lower() or (number and value != str(int(value))):
            return False
        if name == OrderingFilter.ordering_param and value not in orderings:
            return False
    return True


def cached_answer(view, request, make):
    """The answer `make()` gives to this GET, made once per version of the public data
    (`reports.cache`: a publication, a reopening or an edit of what the API shows makes a new
    one) and then served from the cache without a query, with an ETag and a 304 when the
    client's copy is current. The key is the whole address with its query string (paging,
    filters, ordering, format), the language, the format DRF chose and the caller (anonymous
    or the token's user), so no answer ever reaches another language, format or user.

    Only 200 answers are kept; an error or a 304 of `make()` itself is passed on as it is."""
    parameters = request.query_params
    if request.method not in ("GET", "HEAD") or not _kept(view, parameters):
        return make()
    name = _answer_key(request)
    made = None

    def compute():
        nonlocal made
        made = view.finalize_response(request, make())
        if hasattr(made, "render"):  # a DRF Response; a spreadsheet comes made
            made.render()
        if made.status_code != 200:
            return None
        data = getattr(made, "data", None)
        if parameters and isinstance(data, dict) and data.get("count") == 0:
            return None  # a filter value nobody has (a made-up region or year)
        headers = {header: made[header] for header in STORED_HEADERS if header in made}
        return {"content": made.content, "headers": headers}

    version, stored = public_cache.cached_with_version(None, name, compute)
    if stored is None:
        return made
    return _stored_answer(request, stored, name, version)


def _answer_key(request):
    """The cache key of an answer: the whole address with its query string, the language,
    the format DRF chose and the caller (anonymous or the token's user)."""
    parameters = request.query_params
    user = request.user
    ident = "|".join(
        [
            request.build_absolute_uri(request.path),
            "&".join(f"{name}={parameters.getlist(name)}" for name in sorted(parameters)),
            translation.get_language(),
            request.accepted_media_type,
            f"user-{user.pk}" if user.is_authenticated else "anonymous",
        ]
    )
    return "api:" + hashlib.md5(ident.encode(), usedforsecurity=False).hexdigest()


def _stored_answer(request, stored, name, version):
    """The answer kept under `name` for `version` of the public data, with its validators
    (a list's ETag and Last-Modified are the cache's version), or a 304 when the client's
    copy is current."""
    user = request.user
    headers = dict(stored["headers"])
    # A round's answers carry their publication's ETag; a list carries the cache's version.
    headers.setdefault(
        "ETag",
        quote_etag(hashlib.md5(f"{name}:{version}".encode(), usedforsecurity=False).hexdigest()),
    )
    headers.setdefault("Last-Modified", http_date(public_cache.version_time(version).timestamp()))
    headers.setdefault(
        "Cache-Control", "private, no-cache" if user.is_authenticated else "public, no-cache"
    )
    response = get_conditional_response(
        request, etag=headers["ETag"], last_modified=parse_http_date(headers["Last-Modified"])
    )
    if response is None:
        response = HttpResponse(stored["content"])
    else:
        headers.pop("Content-Type", None)
    for header, value in headers.items():
        response[header] = value
    # The answer differs with the token (and, as every answer here, the language).
    patch_vary_headers(response, ("Authorization",))
    return response


# --- error bodies, for the schema ----------------------------------------------------------

Detail = inline_serializer(
    "Error",
    fields={"detail": serializers.CharField(help_text=_("Fejlen i ord."))},
)
FieldErrors = inline_serializer(
    "FieldErrors",
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
