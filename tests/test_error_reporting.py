"""Errors go to Sentry when SENTRY_DSN is set, with the request's id and without personal
data; without it nothing is initialised. Events are caught by a stub transport here, never
sent over the network."""

import json
from wsgiref.util import setup_testing_defaults

import pytest
import sentry_sdk
from django.urls import path
from sentry_sdk.transport import Transport

from kkrmaal import error_reporting

pytestmark = pytest.mark.django_db


def boom(request):
    raise RuntimeError("kaboom for Sentry")


urlpatterns = [path("boom/", boom)]


class Captured(Transport):
    """A transport that keeps the envelopes instead of sending them."""

    def __init__(self):
        super().__init__()
        self.envelopes = []

    def capture_envelope(self, envelope):
        self.envelopes.append(envelope)

    def events(self):
        return [e.get_event() for e in self.envelopes if e.get_event() is not None]


@pytest.fixture
def sentry():
    transport = Captured()
    error_reporting.init(
        "https://public-key@sentry.example.invalid/42",
        environment="test",
        release="kkrmaal@test",
        transport=transport,
    )
    yield transport
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)


def test_nothing_is_initialised_without_a_dsn(settings):
    assert settings.SENTRY_DSN == ""
    assert not sentry_sdk.get_client().is_active()


def wsgi_get(path, **headers):
    """GET `path` through the WSGI application, as gunicorn calls it (Sentry's request data
    comes from there)."""
    from django.core.wsgi import get_wsgi_application

    environ = {"PATH_INFO": path, "REQUEST_METHOD": "GET", "REMOTE_ADDR": "203.0.113.7"}
    setup_testing_defaults(environ)
    environ.update(headers)
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer.update(status=status, headers=dict(response_headers))

    body = b"".join(get_wsgi_application()(environ, start_response))
    return answer["status"], answer["headers"], body


@pytest.mark.urls(__name__)
def test_an_exception_in_a_view_is_captured_without_personal_data(sentry):
    status, headers, _ = wsgi_get(
        "/boom/",
        QUERY_STRING="q=1",
        HTTP_X_REQUEST_ID="sentry-req-1",
        HTTP_COOKIE="sessionid=secret-session",
        HTTP_AUTHORIZATION="Token secret-token",
    )
    sentry_sdk.flush()

    assert status.startswith("500")
    assert headers["X-Request-ID"] == "sentry-req-1"
    [event] = [e for e in sentry.events() if e.get("exception")]
    [exception] = event["exception"]["values"]
    assert exception["type"] == "RuntimeError" and exception["value"] == "kaboom for Sentry"
    assert event["environment"] == "test" and event["release"] == "kkrmaal@test"
    assert event["tags"]["request_id"] == "sentry-req-1"
    assert event["request"]["url"].endswith("/boom/")
    # send_default_pii=False: no address, cookies, credentials, bodies or local variables.
    sent = json.dumps(event)
    assert "203.0.113.7" not in sent
    assert "secret-session" not in sent and "secret-token" not in sent
    assert all("vars" not in frame for frame in exception["stacktrace"]["frames"])
