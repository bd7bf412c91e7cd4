"""What every endpoint under /api/v1/ shares: the language of the answers and the headers every
answer carries (`api_middleware`: one Vary, the RateLimit headers), the checks every view
makes of its query (`ApiViewMixin`: a parameter the operation does not read is a 400),
pagination, strict ordering and filters (a value nobody has is a 400 that says so), throttling
per token, conditional GETs on published data, and the public lists and details served from
the cache (`cached_answer`).

The errors, one shape for all, are in `errors.py`; the vocabularies in `enums.py`; the
serializers and viewsets beside them (`places.py`, `goals.py`, `rounds.py`, `datapackage.py`);
`urls.py` routes them.
"""

import hashlib
import math
import re

import django_filters
import knox.auth
from django import forms
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.http import parse_http_date
from django.utils.http import quote_etag
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter
from drf_spectacular.utils import OpenApiResponse
from drf_spectacular.utils import extend_schema_field
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework import throttling
from rest_framework.authentication import get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from kkrmaal.api.errors import CODES
from kkrmaal.api.errors import InvalidParameter
from kkrmaal.api.errors import PageNotFound
from kkrmaal.api.errors import UnknownParameter
from kkrmaal.api.errors import error_response
from kkrmaal.clients import client_address
from municipalities.models import Region
from reports import cache as public_cache

# Every answer under /api/ varies with these, and says so the same way: the format (Accept),
# the language (Accept-Language) and the caller (Authorization: a token's caller may get
# answers of its own).
VARY = "Accept, Accept-Language, Authorization"


class TokenAuthentication(knox.auth.TokenAuthentication):
    """django-rest-knox's token check, with the key sent as `Authorization: Token <key>` or
    `Authorization: Bearer <key>` (what generated clients send by default; knox reads only
    Token), and a key that is not even UTF-8 refused like any wrong key: knox itself fails on
    it with a server error."""

    keywords = (b"token", b"bearer")

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() not in self.keywords:
            return None  # no key, or another scheme: the 401 says which to use
        if len(header) != 2:
            raise AuthenticationFailed(_("Ugyldig API-nøgle."))
        return self.authenticate_credentials(header[1])

    def authenticate_credentials(self, token):
        try:
            token.decode("utf-8")
        except UnicodeDecodeError:
            raise AuthenticationFailed(_("Ugyldig API-nøgle.")) from None
        return super().authenticate_credentials(token)


def api_middleware(get_response):
    """Under /api/: the answer is in the language the client asks for (`Accept-Language:
    en`; the site's pages take theirs from the address, /en/, which the API has none of), and
    every answer, error or not, carries the same Vary and the caller's RateLimit headers."""

    def middleware(request):
        if not request.path_info.startswith("/api/"):
            return get_response(request)
        language = translation.get_language_from_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = get_response(request)
        response["Vary"] = VARY
        limit = getattr(request, "rate_limit", None)
        if limit is not None:
            response["RateLimit-Policy"] = limit.policy
            response["RateLimit"] = limit.state
        return response

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


class StrictSerializer(serializers.Serializer):
    """A request body: a field the serializer does not have is an error, not quietly
    ignored (a misspelt "statuss" would otherwise save nothing and answer 200)."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise ValidationError({name: [_("Ukendt felt.")] for name in unknown})
        return super().to_internal_value(data)


# --- the query: parameters, filters, paging, ordering ----------------------------------------


def known_parameters(view):
    """The query parameters the view's operation reads, as the schema lists them: an action
    declares its own (`@action(query_parameters=…)`); a list reads paging, ordering and its
    filters; anything else reads none."""
    if view.query_parameters is not None:
        return set(view.query_parameters)
    if getattr(view, "action", None) != "list":
        return set()
    known = set()
    if view.pagination_class is not None:
        known.update(("page", "page_size"))
    backends = getattr(view, "filter_backends", ())
    if any(issubclass(b, OrderingFilter) for b in backends) and getattr(
        view, "ordering_fields", None
    ):
        known.add(OrderingFilter.ordering_param)
    if any(issubclass(b, DjangoFilterBackend) for b in backends):
        filterset = getattr(view, "filterset_class", None)
        known.update(filterset.base_filters if filterset else getattr(view, "filterset_fields", []))
    return known


class FileNegotiation(DefaultContentNegotiation):
    """A download answers its one format whatever Accept says (a client that asks for JSON
    by habit still gets the file)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        renderer = renderers[0]
        return renderer, renderer.media_type


class JsonErrorsMixin:
    """Errors as JSON, whatever the operation's own format (a file, the docs' HTML page, the
    schema's YAML), and the answer to OPTIONS too, which describes the endpoint."""

    def finalize_response(self, request, response, *args, **kwargs):
        renderer = getattr(request, "accepted_renderer", None)
        if (
            isinstance(response, Response)
            and (response.status_code >= 400 or request.method == "OPTIONS")
            # Also when the error came before the format was chosen (a parameter the
            # operation does not read): DRF would then choose the file's own.
            and (renderer is None or renderer.media_type != JSONRenderer.media_type)
        ):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


class ApiViewMixin(JsonErrorsMixin):
    """What every view of the API does besides its own work: it refuses a query parameter
    its operation does not read (400 `unknown_parameter`, before anything else), and answers
    every error as JSON, also where the operation's answer is a file."""

    # The query parameters of an action (None: see `known_parameters`); DRF's @action and
    # as_view() set it per operation.
    query_parameters = None

    def initial(self, request, *args, **kwargs):
        unknown = sorted(set(request.query_params) - known_parameters(self))
        if unknown:
            allowed = ", ".join(sorted(known_parameters(self))) or "-"
            raise UnknownParameter(
                {
                    name: [
                        _("Ukendt parameter; her kan bruges: %(allowed)s.") % {"allowed": allowed}
                    ]
                    for name in unknown
                }
            )
        super().initial(request, *args, **kwargs)


class FilterSet(django_filters.FilterSet):
    """django-filter's FilterSet, except that a filter sent without a value (`?kind=`) is a
    400 rather than quietly no filter, and so is a value outside the filter's vocabulary
    (`?region=atlantis`: a filter with `exists` says which values it has)."""

    def is_valid(self):
        valid = super().is_valid()
        for name, filter_ in self.filters.items():
            if name not in self.data:
                continue
            value = self.form.cleaned_data.get(name)
            if self.data.get(name) == "":
                self.form.add_error(name, _("Angiv en værdi, eller udelad filteret."))
                valid = False
            elif name not in self.form.errors and value not in (None, ""):
                exists = getattr(filter_, "exists", None)
                if exists is not None and not exists(value):
                    self.form.add_error(name, _("%(value)s findes ikke.") % {"value": value})
                    valid = False
        return valid


class FilterBackend(DjangoFilterBackend):
    filterset_base = FilterSet

    def filter_queryset(self, request, queryset, view):
        try:
            return super().filter_queryset(request, queryset, view)
        except ValidationError as error:
            raise InvalidParameter(error.detail) from error


MAX_ID = 2**31 - 1


def region_slugs():
    """The slugs of the regions, read once per version of the public data."""
    return public_cache.cached(
        None, "api:region-slugs", lambda: set(Region.objects.values_list("slug", flat=True))
    )


class RegionFilter(django_filters.CharFilter):
    """A filter on a region's short name (slug): one of the regions' (`/regions/`; the
    schema lists them, see `kkrmaal.api.schema`), else a 400 that says so."""

    field_class = forms.SlugField

    def __init__(self, field_name, help_text):
        # Not stripped: "\x1d" is no region, not "no filter".
        super().__init__(field_name=field_name, help_text=help_text, strip=False)
        extend_schema_field(
            {"type": "string", "pattern": "^[-a-z0-9_]+$", "description": help_text}
        )(self)

    @staticmethod
    def exists(slug):
        return slug in region_slugs()


class WholeNumberField(forms.IntegerField):
    """Digits only: Django's IntegerField would also take " 5" and "5.0"."""

    def to_python(self, value):
        if isinstance(value, str) and value and not re.fullmatch(r"-?[0-9]+", value):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class IdFilter(django_filters.NumberFilter):
    """A filter on an id, a year or a code: a whole number in range, else a 400 that says
    so (django-filter's NumberFilter would take 0.5, and the database chokes on 10**30). An
    id in range that nothing has gives an empty list, as any filter that matches nothing."""

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
                "minimum": kwargs["min_value"],
                "maximum": kwargs["max_value"],
                "description": self.extra.get("help_text", ""),
            }
        )(self)


def region_filterset(model, field_name, help_text, **filters):
    """A FilterSet of `model`: `?region=<slug>` through `field_name`, plus `filters`."""
    declared = {"region": RegionFilter(field_name=field_name, help_text=help_text), **filters}
    meta = type("Meta", (), {"model": model, "fields": list(declared)})
    return type(f"{model.__name__}Filter", (FilterSet,), {**declared, "Meta": meta})


@csrf_exempt  # it changes nothing; a PATCH gets the 404 too, not the CSRF page
def not_found(request, *args, **kwargs):
    """Any other address under /api/v1/ (e.g. `/api/v1/goals/abc/`): a JSON 404, as the API
    answers everywhere, not the site's HTML page."""
    return error_response("not_found", 404)


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as error:
            raise PageNotFound(
                _("Side %(page)s findes ikke.")
                % {"page": request.query_params.get(self.page_query_param)}
            ) from error

    def get_page_number(self, request, paginator):
        # DRF reads "page=" as page 1; a page that is not a number is the client's mistake
        # (one past the last is a 404, as in DRF).
        asked = request.query_params.get(self.page_query_param)
        if asked is not None and not (
            asked.isascii() and asked.isdigit() and 1 <= int(asked) <= MAX_ID
        ):
            raise InvalidParameter({self.page_query_param: [_("Angiv et sidenummer fra 1.")]})
        return super().get_page_number(request, paginator)

    def get_page_size(self, request):
        # DRF would quietly fall back to the default on "page_size=abc"; say what is wrong.
        asked = request.query_params.get(self.page_size_query_param)
        if asked is None:
            return self.page_size
        if not asked.isascii() or not asked.isdigit() or not 1 <= int(asked) <= self.max_page_size:
            raise InvalidParameter(
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
        return paging_parameters()


def paging_parameters():
    """The paging parameters as the schema states them, with their ranges."""
    return [
        {
            "name": "page",
            "required": False,
            "in": "query",
            "description": _("Sidenummer, fra 1."),
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        },
        {
            "name": "page_size",
            "required": False,
            "in": "query",
            "description": _("Rækker pr. side, 1 til 500 (standard 100)."),
            "schema": {"type": "integer", "minimum": 1, "maximum": Pagination.max_page_size},
        },
    ]


def paging_openapi_parameters():
    """`paging_parameters` for `extend_schema`, on an action that pages."""
    return [
        OpenApiParameter(
            found["name"],
            found["schema"],
            OpenApiParameter.QUERY,
            description=found["description"],
        )
        for found in paging_parameters()
    ]


class StableOrderingFilter(OrderingFilter):
    """The ordering the client asks for (one of the list's `ordering_fields`, else a 400),
    then the primary key: rows that tie never swap places between two pages."""

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if "pk" not in ordering and "-pk" not in ordering:
            ordering.append("pk")
        return ordering

    def remove_invalid_fields(self, queryset, fields, view, request):
        valid = super().remove_invalid_fields(queryset, fields, view, request)
        if len(valid) != len(fields):
            raise InvalidParameter(
                {
                    self.ordering_param: [
                        _("Kan ordnes efter: %(fields)s (med - foran: faldende).")
                        % {"fields": ", ".join(view.ordering_fields)}
                    ]
                }
            )
        return valid

    def get_schema_operation_parameters(self, view):
        names = "|".join(re.escape(name) for name in view.ordering_fields)
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": str(
                    _("Ordning: %(fields)s; med - foran faldende, flere adskilt af komma.")
                    % {"fields": ", ".join(view.ordering_fields)}
                ),
                "schema": {"type": "string", "pattern": f"^-?({names})(,-?({names}))*$"},
            }
        ]


# --- throttling ----------------------------------------------------------------------------


class RateLimit:
    """What the caller's limit allows now, as the IETF draft's RateLimit headers say it
    (draft-ietf-httpapi-ratelimit-headers): the policy ("anon";q=1000;w=3600: so many
    requests a window of so many seconds) and what is left of it ("anon";r=997;t=3412:
    requests left, seconds until the oldest one counted leaves the window)."""

    def __init__(self, scope, limit, window, remaining, reset):
        self.policy = f'"{scope}";q={limit};w={window}'
        self.state = f'"{scope}";r={remaining};t={reset}'


class ClientAddressThrottle(SimpleRateThrottle):
    """A DRF throttle that knows a client by the portal's one rule (`client_address`: the
    proxy's address behind BEHIND_PROXY, an IPv6 network as one), as the login lockout and
    the reset-mail throttle do, not by DRF's own `get_ident` (NUM_PROXIES, no /64). It
    leaves what the caller has left on the request, for the RateLimit headers
    (`api_middleware`)."""

    def get_ident(self, request):
        return client_address(request) or "unknown"

    def allow_request(self, request, view):
        allowed = super().allow_request(request, view)
        if self.rate is not None and getattr(self, "key", None) is not None:
            oldest = self.history[-1] if self.history else self.now
            reset = max(math.ceil(self.duration - (self.now - oldest)), 0)
            remaining = max(self.num_requests - len(self.history), 0)
            request._request.rate_limit = RateLimit(
                self.scope, self.num_requests, self.duration, remaining, reset
            )
        return allowed


class TokenRateThrottle(ClientAddressThrottle):
    """Requests with an API token, counted per the token's user: a user's keys share one
    allowance, so a second key is no second allowance (anonymous requests are counted per
    address by `AnonymousRateThrottle` below)."""

    scope = "token"

    def get_cache_key(self, request, view):
        if getattr(request, "auth", None) is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": f"user-{request.user.pk}"}


class AnonymousRateThrottle(ClientAddressThrottle, throttling.AnonRateThrottle):
    """DRF's limit on anonymous requests (scope "anon"), per client address."""


# --- conditional answers -------------------------------------------------------------------


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


# --- the public answers from the cache --------------------------------------------------------

# What a stored answer keeps besides its body; the rest (Allow, Vary, security headers) every
# answer gets on its way out. Not its own validators: a round's answers say when it was
# published, but they also show what may be edited since (its paper's title), so a kept
# answer's ETag and Last-Modified are those of its content (`stored_answer`).
STORED_HEADERS = (
    "Content-Type",
    "Content-Disposition",
    "Cache-Control",
)


def _kept(view, parameters):
    """Whether the answer to these parameters is kept. Each kept answer stays until the next
    publication, so only the few spellings a real client sends are: each parameter once, in
    lower case, a number without leading zeros, an ordering the list has. (An answer a
    filter leaves empty is not kept either: see `cached_answer`.)"""
    if not set(parameters) <= known_parameters(view):
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
    one) and then served from the cache without a query, with an ETag and Last-Modified that
    move only when the answer itself changed (`reports.cache.cached_with_change`: an edit
    elsewhere makes a new version but the same answer) and a 304 when the client's copy is
    current. The key is the whole address with its query string (paging, filters,
    ordering, format), the language, the format DRF chose and the caller (anonymous or the
    token's user), so no answer ever reaches another language, format or user.

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
            return None  # a filter value nobody has yet (a year without rounds)
        headers = {header: made[header] for header in STORED_HEADERS if header in made}
        return {"content": made.content, "headers": headers}

    stored, changed = public_cache.cached_with_change(None, name, compute)
    if stored is None:
        return made
    return stored_answer(request, stored, name, changed)


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
    return "api-answer:" + hashlib.md5(ident.encode(), usedforsecurity=False).hexdigest()


def stored_answer(request, stored, name, changed):
    """The answer kept under `name` ({"content", "headers"}) with its validators:
    Last-Modified is `changed`, when the answer last changed, and the ETag is made of the
    two; or a 304 when the client's copy is current."""
    user = request.user
    headers = dict(stored["headers"])
    headers["ETag"] = quote_etag(
        hashlib.md5(f"{name}:{changed.isoformat()}".encode(), usedforsecurity=False).hexdigest()
    )
    headers["Last-Modified"] = http_date(changed.timestamp())
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
        headers.pop("Content-Disposition", None)
    for header, value in headers.items():
        response[header] = value
    return response


# --- error bodies, for the schema ----------------------------------------------------------

Error = inline_serializer(
    "Error",
    fields={
        "code": serializers.CharField(
            help_text=format_lazy(
                "{} {}.",
                _(
                    "Fejlens kode, til programmer: den samme på alle sprog. Nye koder kan komme "
                    "til; de kendte er"
                ),
                ", ".join(code for codes in CODES.values() for code in codes),
            )
        ),
        "detail": serializers.CharField(
            help_text=_("Fejlen i ord, på dansk eller engelsk efter Accept-Language.")
        ),
        "fields": serializers.DictField(
            required=False,
            help_text=_(
                "Ved 400: en besked pr. felt eller parameter. For en indberetning: lines "
                "(nøgle: milepælens id, en besked pr. felt), values (nøgle: indikatorens id) "
                "og non_field_errors."
            ),
        ),
    },
)


def errors(*codes):
    """The documented error responses of an endpoint, by status code: JSON, whatever the
    operation's own answer is (a file too)."""
    text = {
        400: _("Ugyldige data eller parametre: fields har en besked pr. felt."),
        401: _("Mangler eller ugyldig API-nøgle."),
        403: _("Nøglens bruger må ikke dette."),
        404: _("Findes ikke, eller er ikke din."),
        405: _("Metoden kan ikke bruges her."),
        406: _("Svaret findes ikke i det format, Accept-headeren beder om."),
        409: _("Indberetningens eller rundens tilstand tillader det ikke."),
        412: _(
            "If-Match passer ikke: indberetningen er ændret siden din version (stale), eller "
            "ETag'en er svag (weak_etag)."
        ),
        415: _("Send JSON (Content-Type: application/json)."),
        428: _("If-Match mangler."),
        429: _("For mange forespørgsler; prøv igen om lidt (se Retry-After)."),
    }
    return {
        (code, "application/json"): OpenApiResponse(response=Error, description=text[code])
        for code in codes
    }
