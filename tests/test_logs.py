"""Every log line is one JSON object an operator can search: its time in UTC, level, logger,
message and the request it belongs to (id, user, address, path), one access line per
request, and a traceback inside its record. The response says the request's id."""

import datetime
import logging
import re

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import path
from django.urls import reverse

from tests.log_capture import captured_log_lines

pytestmark = pytest.mark.django_db


def boom(request):
    raise RuntimeError("kaboom in a view")


def chatty(request):
    logging.getLogger("reports.something").warning("a warning inside the view")
    return HttpResponse("ok")


urlpatterns = [path("boom/", boom, name="boom"), path("chatty/", chatty, name="chatty")]


@pytest.fixture
def log_lines():
    with captured_log_lines() as lines:
        yield lines


def access_lines(lines, url):
    return [line for line in lines() if line["logger"] == "kkrmaal.request" and line["path"] == url]


def test_a_request_is_one_json_access_line_and_the_response_says_its_id(
    reporter, reporters, log_lines
):
    url = reverse("goals:reporter_home")

    response = reporter.get(url, REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 200
    [line] = access_lines(log_lines, url)
    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert line["request_id"] == request_id
    time = datetime.datetime.fromisoformat(line["time"])
    assert line["time"].endswith("Z") and time.utcoffset() == datetime.timedelta(0)
    assert abs(datetime.datetime.now(datetime.UTC) - time) < datetime.timedelta(minutes=1)
    assert line["level"] == "INFO"
    assert line["message"] == f"GET {url} 200"
    assert line["user_id"] == reporters[101].pk
    assert line["client_address"] == "203.0.113.7"
    assert (line["method"], line["status"], line["view"]) == ("GET", 200, "goals:reporter_home")
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0


@pytest.mark.urls(__name__)
def test_every_line_of_a_request_carries_its_context(client, log_lines):
    response = client.get("/chatty/", HTTP_X_REQUEST_ID="abc-123")
    logging.getLogger("reports.something").warning("outside any request")

    assert response["X-Request-ID"] == "abc-123"
    inside, outside = [line for line in log_lines() if line["logger"] == "reports.something"]
    assert inside["message"] == "a warning inside the view" and inside["level"] == "WARNING"
    assert inside["request_id"] == "abc-123"
    assert (inside["method"], inside["path"], inside["client_address"]) == (
        "GET",
        "/chatty/",
        "127.0.0.1",
    )
    assert outside["message"] == "outside any request"
    assert outside["request_id"] is None and outside["path"] is None
    [access] = access_lines(log_lines, "/chatty/")
    assert access["request_id"] == "abc-123" and access["user_id"] is None


@pytest.mark.parametrize(
    "given",
    ["0f8fad5b-d9cb-469f-a165-70867728950e", "e3b0c44298fc1c149afbf4c8996fb924", "job_7.retry-2"],
)
def test_a_sane_request_id_is_kept(client, log_lines, given):
    response = client.get("/tilgaengelighed/", HTTP_X_REQUEST_ID=given)

    assert response["X-Request-ID"] == given
    [line] = access_lines(log_lines, "/tilgaengelighed/")
    assert line["request_id"] == given


@pytest.mark.parametrize(
    "given",
    [
        "",
        "two words",
        'quote"and<tag>',
        "x" * 129,
        "-starts-with-a-dash",
        "ünïcode",
        "line\\nbreak",
        "a;b=c",
    ],
)
def test_an_insane_request_id_is_replaced(client, log_lines, given):
    response = client.get("/tilgaengelighed/", HTTP_X_REQUEST_ID=given)

    request_id = response["X-Request-ID"]
    assert request_id != given and re.fullmatch(r"[0-9a-f]{32}", request_id)
    [line] = access_lines(log_lines, "/tilgaengelighed/")
    assert line["request_id"] == request_id


@pytest.mark.urls(__name__)
def test_an_exception_is_one_record_with_its_traceback_inside(log_lines):
    client = Client(raise_request_exception=False)

    response = client.get("/boom/", HTTP_X_REQUEST_ID="the-failing-request")

    assert response.status_code == 500
    assert response["X-Request-ID"] == "the-failing-request"
    [error] = [line for line in log_lines() if line["logger"] == "django.request"]
    assert error["level"] == "ERROR"
    assert error["request_id"] == "the-failing-request" and error["path"] == "/boom/"
    assert error["exc_info"].startswith("Traceback (most recent call last):")
    assert "RuntimeError: kaboom in a view" in error["exc_info"]
    [access] = access_lines(log_lines, "/boom/")
    assert (access["status"], access["view"]) == (500, "boom")


def test_static_files_are_not_logged_but_get_an_id(client, log_lines, settings):
    response = client.get(f"{settings.STATIC_URL}css/public.css")

    assert response["X-Request-ID"]
    assert [line for line in log_lines() if line["logger"] == "kkrmaal.request"] == []
