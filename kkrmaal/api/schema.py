"""The API's OpenAPI schema: drf-spectacular's, made to tell the whole truth (its own module:
DRF loads `kkrmaal.api.common`'s throttle and pagination classes while drf-spectacular's
schema module is itself being imported).

- `AutoSchema` documents the errors any operation can answer on all of them;
- `postprocess` (a drf-spectacular hook) adds what drf-spectacular cannot know: the servers,
  the data's licence, the enums as named components (`enums.py`), the response headers every
  answer carries (ETag, Last-Modified, Cache-Control, Vary, RateLimit, Retry-After, …) and the
  304 of a conditional GET, strict request bodies, and examples taken from the demo
  (`examples.py`);
- `urls.SchemaView` serves it with a file name that is plain ASCII.
"""

from django.conf import settings
from django.db import DatabaseError
from django.utils.translation import gettext as _
from drf_spectacular import openapi
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme

from kkrmaal.api import enums
from kkrmaal.api import examples
from kkrmaal.api.common import VARY
from kkrmaal.api.common import errors
from municipalities.models import Region
from reports.datapackage import ATTRIBUTION
from reports.datapackage import LICENCE


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, with the errors any operation can answer documented on all
    of them: 401 (a wrong or expired token), 406 (an Accept it cannot answer), 429
    (throttled), and for reads 400 (a parameter or its value) and 404 (no such object, or no
    such page)."""

    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        codes = [401, 406, 429] + ([400, 404] if self.method == "GET" else [])
        for (code, media_type), response in errors(*codes).items():
            if str(code) not in bodies:
                bodies[str(code)] = self._get_response_for_code(
                    response, str(code), [media_type], direction=direction
                )
        return bodies


class TokenScheme(KnoxTokenScheme):
    """The token header in the schema (and the docs' "Authorize" button), as
    `kkrmaal.api.common.TokenAuthentication` reads it: `Authorization: Token <key>` or
    `Authorization: Bearer <key>`, two schemes of which a client sends either."""

    target_class = "kkrmaal.api.common.TokenAuthentication"
    name = ["knoxApiToken", "bearerAuth"]

    def get_security_definition(self, auto_schema):
        return [
            {
                **super().get_security_definition(auto_schema),
                "description": _(
                    "Send nøglen som `Authorization: Token <nøgle>`: ordet Token, et mellemrum "
                    "og nøglen. I Authorize-feltet her: Token <nøgle>."
                ),
            },
            {
                "type": "http",
                "scheme": "bearer",
                "description": _(
                    "Den samme nøgle som `Authorization: Bearer <nøgle>`, som genererede "
                    "klienter sender den. I Authorize-feltet her: kun nøglen."
                ),
            },
        ]

    def get_security_requirement(self, auto_schema):
        # Either one (a list of requirements is OR; one requirement naming both is AND).
        return [{name: []} for name in self.name]


# --- the hook ----------------------------------------------------------------------------------

PUBLIC_READS = {
    "regions_list",
    "regions_retrieve",
    "clusters_list",
    "clusters_retrieve",
    "municipalities_list",
    "municipalities_retrieve",
    "papers_list",
    "papers_retrieve",
    "goals_list",
    "goals_retrieve",
    "milestones_list",
    "milestones_retrieve",
    "rounds_list",
    "rounds_retrieve",
    "round_progress",
    "round_lines_list",
    "round_lines_csv",
    "round_lines_xlsx",
    "datapackage",
    "region_datapackage",
    "series_list",
    "series_retrieve",
    "series_observations_list",
    "series_observations_csv",
    "series_observations_xlsx",
}
DOWNLOADS = {
    "round_lines_csv",
    "round_lines_xlsx",
    "series_observations_csv",
    "series_observations_xlsx",
    "datapackage",
    "region_datapackage",
}
REPORT_ANSWERS = {"reports_list", "reports_retrieve", "reports_partial_update", "reports_submit"}


def _headers():
    """The response headers, as components."""
    text = {
        "ETag": (
            _(
                "Svarets version. Send den i If-None-Match, og et uændret svar er 304 uden "
                "krop; for en indberetning er det dens version, som If-Match skal have."
            ),
            {"type": "string", "pattern": '^"[^"]*"$', "example": '"3"'},
        ),
        "Last-Modified": (
            _(
                "Hvornår det, svaret viser, senest blev ændret (offentliggørelsen for en runde); "
                "send den i If-Modified-Since."
            ),
            {"type": "string", "example": "Wed, 14 Nov 2018 09:00:00 GMT"},
        ),
        "Cache-Control": (
            _(
                "Offentlige data: public (private med en API-nøgle), no-cache eller max-age=300: "
                "spørg igen med ETag'en. En indberetning: private, no-store."
            ),
            {"type": "string", "example": "public, no-cache"},
        ),
        "Vary": (
            _("Svaret afhænger af Accept, Accept-Language og Authorization; altid det samme."),
            {"type": "string", "enum": [VARY]},
        ),
        "Content-Language": (
            _("Svarets sprog: da, eller en med Accept-Language: en."),
            {"type": "string", "enum": ["da", "en"]},
        ),
        "RateLimit-Policy": (
            _(
                "Grænsen for kalderen (IETF-udkastet til RateLimit-headere): "
                '"token" pr. API-nøgle eller "anon" pr. adresse, q forespørgsler pr. w '
                "sekunder."
            ),
            {
                "type": "string",
                "pattern": '^"(anon|token)";q=[0-9]+;w=[0-9]+$',
                "example": '"anon";q=1000;w=3600',
            },
        ),
        "RateLimit": (
            _(
                "Hvad der er tilbage af grænsen: r forespørgsler; om t sekunder falder den "
                "ældste talte ud."
            ),
            {
                "type": "string",
                "pattern": '^"(anon|token)";r=[0-9]+;t=[0-9]+$',
                "example": '"anon";r=997;t=3412',
            },
        ),
        "Retry-After": (
            _("Sekunder, til der må spørges igen."),
            {"type": "string", "pattern": "^[0-9]+$", "example": "42"},
        ),
        "Location": (_("Den nye adresse."), {"type": "string"}),
        "Content-Disposition": (
            _("Filens navn, altid ASCII."),
            {
                "type": "string",
                "pattern": '^attachment; filename="[ -~]+"$',
                "example": 'attachment; filename="status-hovedstaden-2018.csv"',
            },
        ),
        "WWW-Authenticate": (
            _("Godkendelsens skema: Token (Bearer kan også bruges)."),
            {"type": "string"},
        ),
    }
    return {
        name: {"description": description, "schema": schema}
        for name, (description, schema) in text.items()
    }


def _add_headers(response, names):
    headers = response.setdefault("headers", {})
    for name in names:
        headers[name] = {"$ref": f"#/components/headers/{name}"}


def _operation(operation_id, method, operation):
    responses = operation["responses"]
    for code, response in responses.items():
        _add_headers(response, ["Vary", "Content-Language", "RateLimit-Policy", "RateLimit"])
        if code == "429":
            _add_headers(response, ["Retry-After"])
        if code == "401":
            _add_headers(response, ["WWW-Authenticate"])
    ok = responses.get("200")
    if operation_id in PUBLIC_READS:
        _add_headers(ok, ["ETag", "Last-Modified", "Cache-Control"])
        if operation_id in DOWNLOADS:
            _add_headers(ok, ["Content-Disposition"])
        responses["304"] = _not_modified(["ETag", "Last-Modified", "Cache-Control"])
    elif operation_id in REPORT_ANSWERS:
        _add_headers(ok, ["Cache-Control"] + ([] if operation_id == "reports_list" else ["ETag"]))
        if operation_id == "reports_retrieve":
            responses["304"] = _not_modified(["ETag", "Cache-Control"])
    if "301" in responses:
        responses["301"].pop("content", None)
        _add_headers(responses["301"], ["Location"])
    if method == "get" and operation_id in PUBLIC_READS | {"reports_retrieve"}:
        parameters = operation.setdefault("parameters", [])
        for header, text in _conditional_parameters():
            if header == "If-Modified-Since" and operation_id not in PUBLIC_READS:
                continue  # a report has no Last-Modified: two saves may share a second
            parameters.append(
                {
                    "in": "header",
                    "name": header,
                    "schema": {"type": "string"},
                    "description": text,
                }
            )


def _conditional_parameters():
    return [
        ("If-None-Match", _("ETag'en fra et tidligere svar: er det uændret, svares 304.")),
        (
            "If-Modified-Since",
            _("Last-Modified fra et tidligere svar: er det ikke ændret siden, svares 304."),
        ),
    ]


def _not_modified(names):
    response = {
        "description": _(
            "Uændret siden den ETag (If-None-Match) eller det tidspunkt (If-Modified-Since), "
            "klienten sendte: ingen krop, brug den kopi, du har."
        )
    }
    _add_headers(response, ["Vary", "Content-Language", "RateLimit-Policy", "RateLimit", *names])
    return response


def _regions():
    """The regions' short names as an enum: a closed list (Denmark has five regions), and a
    filter or address with another is a 400 or 404."""
    try:
        names = dict(Region.objects.order_by("slug").values_list("slug", "name"))
    except DatabaseError:
        # drf-spectacular's system check makes the schema too, also where there is no
        # database yet (`check --deploy` before `migrate`).
        names = {}
    if not names:  # and before the reference data is loaded: an enum needs a value
        return {"type": "string", "pattern": "^[-a-z0-9_]+$"}
    return {
        "type": "string",
        "enum": list(names),
        "description": "\n".join(f"* `{slug}` - {name}" for slug, name in names.items()),
    }


def postprocess(result, generator, request, public):
    """drf-spectacular's postprocessing hook: see the module's docstring."""
    info = result["info"]
    info["license"] = {"name": "CC BY 4.0", "url": LICENCE["path"]}
    info["x-attribution"] = ATTRIBUTION
    base = request.build_absolute_uri("/").rstrip("/") if request is not None else settings.SITE_URL
    result["servers"] = [{"url": base, "description": _("Denne portal.")}]
    components = result.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in enums.ENUMS:
        schemas[name] = enums.component(name)
    schemas["RegionEnum"] = _regions()
    components["headers"] = _headers()
    for path, path_item in result["paths"].items():
        for method, operation in path_item.items():
            _operation(operation["operationId"], method, operation)
            for parameter in operation.get("parameters", []):
                if (parameter["name"], parameter["in"]) == ("region", "query") or (
                    parameter["name"] == "slug" and path.startswith("/api/v1/regions/")
                ):
                    parameter["schema"] = enums.ref("RegionEnum")
    for name, schema in schemas.items():
        if name.endswith("Request") and schema.get("type") == "object":
            schema["additionalProperties"] = False
        if name in examples.EXAMPLES:
            schema["example"] = examples.EXAMPLES[name]
    return result
