"""The OpenAPI schema is the truth: schemathesis sends generated requests to every operation
of the live schema (anonymous and with a reporter's token) and checks that nothing answers
5xx or differs from the schema. The docs are served from the app, with every field described
in Danish and English."""

import io
import re

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.signals import request_finished
from django.core.signals import request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from municipalities import tokens
from tests.builders import submitted


@pytest.fixture
def _in_test_transaction():
    """Requests go straight to the WSGI app; like Django's test client, keep it from closing
    the connection that holds the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_world(status_history, report, reporters, _in_test_transaction):
    """Published rounds to read, an open round with København's draft and Frederiksberg's
    submitted report to write to."""
    from goals.models import StatusReport

    submitted(
        StatusReport.objects.get(round=report.round, municipality__kommunekode=147), reporters[147]
    )
    _token, key = tokens.issue_token(reporters[101], by=reporters[101])
    return key


def _check(operation, mode, key):
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case):
        # A write's If-Match is checked against the report's version now: a well-formed
        # version that is not the current one is a 412 however valid the request (the
        # generated ids reach real reports on some databases), so that check alone is left
        # out for writes (PATCH, and POST: submit carries If-Match too); every other check
        # holds.
        writes = ("PATCH", "POST")
        excluded = [positive_data_acceptance] if case.method.upper() in writes else []
        case.call_and_validate(excluded_checks=excluded)
        if mode == GenerationMode.POSITIVE:
            # With the reporter's token too. (A negative case may be negative by its missing
            # Authorization header: adding the token would make it a valid request.)
            case.call_and_validate(
                headers={"Authorization": f"Token {key}"}, excluded_checks=excluded
            )

    try:
        check()
    except Unsatisfiable:
        # Nothing of the operation can be made invalid (a lone text path parameter).
        assert mode == GenerationMode.NEGATIVE
    except Exception as error:
        error.add_note(f"{operation.method.upper()} {operation.path} ({mode.value})")
        raise


def test_every_operation_keeps_to_the_schema(api_world):
    # Operations one by one in one test: schemathesis' own pytest loader does not run under
    # this pytest version, and the world is built once for all of them.
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 17
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _check(operation, mode, api_world)


def test_the_docs_are_served_from_the_app_without_a_cdn(client):
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui" in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    for source in sources:
        assert source.startswith("/"), source  # nothing from another host
    # Nothing inline, so the site's Content-Security-Policy holds here too.
    assert "<style" not in html
    assert "<script>" not in html
    assert "script-src 'self'" in page["Content-Security-Policy"]
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert "/api/v1/schema/" in script.content.decode()
    assert client.get("/api/v1/", HTTP_ACCEPT="text/html,*/*;q=0.8").url == "/api/v1/docs/"


def test_the_api_root_gives_a_client_the_addresses_as_json(client, db):
    """A client asking /api/v1/ for JSON (or for anything, as curl does) gets the API's
    addresses, each of which answers; it was sent to the HTML docs and answered 406."""
    for accept in ("application/json", "*/*"):
        response = client.get("/api/v1/", HTTP_ACCEPT=accept)
        assert response.status_code == 200, accept
        assert response["Content-Type"].startswith("application/json")
        root = response.json()
    assert root["version"] == django_settings.SPECTACULAR_SETTINGS["VERSION"]
    assert root["goals"] == "http://testserver/api/v1/goals/"
    for name in ("regions", "municipalities", "papers", "goals", "rounds", "series", "schema"):
        assert client.get(root[name], HTTP_ACCEPT="application/json").status_code == 200, name
    assert client.get(root["reports"]).status_code == 401  # a key's, not the public's
    assert client.get("/api/v1/?foo=1").json()["code"] == "unknown_parameter"
    # A browser, however it says so, is sent to the docs; text/html;q=0 is no browser.
    for accept in ("text/html", "text/html,application/xhtml+xml,*/*;q=0.8"):
        assert client.get("/api/v1/", HTTP_ACCEPT=accept).url == "/api/v1/docs/", accept
    assert client.get("/api/v1/", HTTP_ACCEPT="text/html;q=0, */*").status_code == 200


def _descriptions(document):
    """(component.property, description) of every property of every schema component, and
    (path, parameter, description) of every parameter."""
    found = []
    for name, component in document["components"]["schemas"].items():
        for prop, spec in component.get("properties", {}).items():
            found.append((f"{name}.{prop}", spec.get("description", "")))
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                found.append((f"{method} {path} {parameter['name']}", parameter.get("description")))
    return found


def test_every_field_is_described_in_danish_and_english(client, db):
    danish = dict(_descriptions(client.get("/api/v1/schema/?format=json").json()))
    english = dict(_descriptions(client.get("/api/v1/schema/?format=json&lang=en").json()))
    assert len(danish) > 150
    assert [name for name, text in danish.items() if not text] == []
    assert danish["Municipality.kommunekode"] == "Den officielle tre-cifrede kommunekode."
    assert english["Municipality.kommunekode"] == "The official three-digit municipality code."
    untranslated = [
        name
        for name, text in danish.items()
        if english[name] == text and any(letter in text for letter in "æøåÆØÅ")
    ]
    assert untranslated == []


def test_the_schema_is_valid_openapi_without_warnings(db):
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    assert "Authorization" in out.getvalue()  # the token scheme


# --- what the schema says, besides the fields -----------------------------------------------


@pytest.fixture
def schemas(client, region):
    """The schema in Danish and in English."""
    return (
        client.get("/api/v1/schema/?format=json").json(),
        client.get("/api/v1/schema/?format=json&lang=en").json(),
    )


def _operations(document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def _resolve(document, node):
    while "$ref" in node:
        section, name = node["$ref"].split("/")[-2:]
        node = document["components"][section][name]
    return node


def test_a_generated_client_gets_the_same_class_names_in_either_language(schemas):
    danish, english = schemas
    assert set(danish["components"]["schemas"]) == set(english["components"]["schemas"])
    names = set(danish["components"]["schemas"])
    # One enum per concept, named in English; no BlankEnum beside a status enum.
    assert {
        "LineStatusEnum",
        "ReportStateEnum",
        "EvaluationEnum",
        "VerdictEnum",
        "GoalStateEnum",
        "MilestoneScopeEnum",
        "RegionEnum",
    } <= names
    assert not [name for name in names if name in ("BlankEnum", "NullEnum")]
    assert "" in danish["components"]["schemas"]["LineStatusEnum"]["enum"]
    # A client generator names an inline enum after its title, which is translated: none has.
    for document in schemas:
        for path, _method, operation in _operations(document):
            for parameter in operation.get("parameters", []):
                assert "title" not in parameter["schema"], (path, parameter["name"])


def test_fields_are_typed_and_ids_are_ids(schemas):
    danish, _english = schemas
    components = danish["components"]["schemas"]

    def refers(component, field):
        spec = components[component]["properties"][field]
        return spec.get("$ref") or spec["allOf"][0]["$ref"]

    assert refers("Line", "status").endswith("/LineStatusEnum")
    assert refers("Line", "report_state").endswith("/ReportStateEnum")
    assert refers("Line", "evaluation").endswith("/EvaluationEnum")
    assert refers("ReportLine", "status").endswith("/LineStatusEnum")
    assert refers("LineInputRequest", "status").endswith("/LineStatusEnum")
    assert refers("GoalProgress", "verdict").endswith("/VerdictEnum")
    assert refers("Round", "links").endswith("/RoundLinks")
    # "cluster" is an id wherever it appears; its name is "cluster_name".
    for name, component in components.items():
        cluster = component.get("properties", {}).get("cluster")
        if cluster:
            assert cluster["type"] == "integer", name
    assert components["Line"]["properties"]["goal_number"]["type"] == "string"


def test_operation_ids_read_well_in_a_generated_client(schemas):
    danish, _english = schemas
    ids = {operation["operationId"] for _path, _method, operation in _operations(danish)}
    assert {
        "reports_submit",
        "round_lines_list",
        "round_lines_csv",
        "round_lines_xlsx",
        "round_progress",
        "datapackage",
        "region_datapackage",
    } <= ids
    assert not [name for name in ids if name.endswith("_create") or "lines_retrieve" in name]


def test_headers_304_and_preconditions_are_declared(schemas):
    danish, _english = schemas
    for path, method, operation in _operations(danish):
        responses = operation["responses"]
        for code, response in responses.items():
            assert {"Vary", "RateLimit", "RateLimit-Policy"} <= set(response["headers"]), (
                path,
                code,
            )
        assert "Retry-After" in responses["429"]["headers"], path
        if method == "get" and operation["operationId"] != "reports_list":
            assert "304" in responses, path
            assert {"ETag", "Cache-Control"} <= set(responses["200"]["headers"]), path
    report = danish["paths"]["/api/v1/reports/{id}/"]["patch"]
    assert {"412", "428"} <= set(report["responses"])
    if_match = next(p for p in report["parameters"] if p["name"] == "If-Match")
    assert if_match["required"] and if_match["schema"]["pattern"] == '^"[0-9]+"$'
    lines = danish["paths"]["/api/v1/rounds/{id}/lines.csv"]["get"]["responses"]["200"]
    disposition = _resolve(danish, lines["headers"]["Content-Disposition"])
    assert re.fullmatch(disposition["schema"]["pattern"], 'attachment; filename="a-b.csv"')


def test_every_paging_parameter_has_its_range(schemas):
    danish, _english = schemas
    found = 0
    for path, _method, operation in _operations(danish):
        for parameter in operation.get("parameters", []):
            if parameter["name"] in ("page", "page_size"):
                found += 1
                assert parameter["schema"]["minimum"] == 1, path
                assert parameter["schema"]["maximum"] >= 500, path
    assert found >= 18  # nine lists


def test_servers_licence_contact_and_the_token_scheme(schemas, client):
    danish, _english = schemas
    assert danish["servers"] == [{"url": "http://testserver", "description": "Denne portal."}]
    assert danish["info"]["license"]["name"] == "CC BY 4.0"
    assert danish["info"]["contact"]["name"]
    token = danish["components"]["securitySchemes"]["knoxApiToken"]
    assert (token["in"], token["name"]) == ("header", "Authorization")
    assert "Token <nøgle>" in token["description"]
    # A generated client's default, Bearer, is a scheme of its own; either one will do.
    assert danish["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": (
            "Den samme nøgle som `Authorization: Bearer <nøgle>`, som genererede klienter "
            "sender den. I Authorize-feltet her: kun nøglen."
        ),
    }
    submit = danish["paths"]["/api/v1/reports/{id}/submit/"]["post"]
    assert submit["security"] == [{"knoxApiToken": []}, {"bearerAuth": []}]
    # The schema's own download has a file name any HTTP client can read.
    disposition = client.get("/api/v1/schema/")["Content-Disposition"]
    assert disposition == 'inline; filename="kkr-maal-api.yaml"'


def _json_schema(node):
    """An OpenAPI 3.0 schema as JSON Schema: `nullable` as a null alternative, an exclusive
    bound (`exclusiveMaximum: true` beside `maximum`) as the bound itself."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _json_schema(value) for key, value in node.items() if key != "example"}
    for bound in ("maximum", "minimum"):
        exclusive = f"exclusive{bound.capitalize()}"
        if node.get(exclusive) is True:
            node[exclusive] = node.pop(bound)
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


def test_the_examples_are_true(schemas):
    import jsonschema

    danish, _english = schemas
    components = _json_schema(danish["components"]["schemas"])
    examples = {
        name: spec["example"]
        for name, spec in danish["components"]["schemas"].items()
        if "example" in spec
    }
    assert {"Region", "Goal", "Round", "Progress", "Line", "Report", "Series", "Error"} <= set(
        examples
    )
    for name, example in examples.items():
        schema = {**components[name], "components": {"schemas": components}}
        jsonschema.validate(example, schema)
