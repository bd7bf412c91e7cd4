"""The OpenAPI schema is the truth: schemathesis sends generated requests to every operation
of the live schema (anonymous and with a reporter's token) and checks that nothing answers
5xx or differs from the schema. The docs are served from the app, with every field described
in Danish and English."""

import io
import re

import pytest
import schemathesis
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

from municipalities import tokens
from tests.conftest import submitted


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
    _token, key = tokens.issue_token(reporters[101])
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
        case.call_and_validate()
        if mode == GenerationMode.POSITIVE:
            # With the reporter's token too. (A negative case may be negative by its missing
            # Authorization header: adding the token would make it a valid request.)
            case.call_and_validate(headers={"Authorization": f"Token {key}"})

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
    assert client.get("/api/v1/").url == "/api/v1/docs/"


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
