"""HTTP as an integrator meets it: every error in one shape, `{"code", "detail"}`, in the
request's language and naming no internal model; validators and Cache-Control on every
answer of public data, `private, no-store` on a report; one Vary everywhere; RateLimit
headers; a PATCH that changes nothing keeps the version; If-Match compared strictly."""

import json

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient

from goals.models import MilestoneStatus
from goals.models import StatusReport
from kkrmaal import views
from kkrmaal.api.common import VARY
from kkrmaal.api.common import TokenRateThrottle
from kkrmaal.api.errors import CODES
from municipalities import tokens
from tests.builders import api_client_for as client_for
from tests.builders import submitted


def _error(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) <= {"code", "detail", "fields"}, body
    assert body["code"] == code, body
    assert body["code"] in {known for codes in CODES.values() for known in codes}
    for internal in ("StatusReport", "Goal ", "matches the given query", "Traceback"):
        assert internal not in body["detail"], body
    return body


def _both(api, method, url, status, code, **extra):
    """The error in Danish and in English: the same code, each detail in its language."""
    danish = _error(getattr(api, method)(url, **extra), status, code)
    english = _error(getattr(api, method)(url, HTTP_ACCEPT_LANGUAGE="en", **extra), status, code)
    if danish["detail"] != "Send JSON (Content-Type: application/json).":  # the same words
        assert danish["detail"] != english["detail"], (danish, english)
    return danish, english


def test_every_error_has_a_code_and_a_sentence_in_the_callers_language(
    kobenhavn, report, reporters, secretariat, status_history, paper
):
    url = f"/api/v1/reports/{report.pk}/"
    danish, english = _both(kobenhavn, "get", "/api/v1/reports/999999/", 404, "not_found")
    assert (danish["detail"], english["detail"]) == ("Findes ikke.", "Not found.")
    _both(APIClient(), "get", "/api/v1/goals/999999/", 404, "not_found")
    _both(APIClient(), "get", "/api/v1/ingen-steder/", 404, "not_found")
    danish, english = _both(
        kobenhavn,
        "patch",
        url,
        400,
        "parse_error",
        data="{ikke json",
        content_type="application/json",
        HTTP_IF_MATCH='"1"',
    )
    assert english["detail"] == "The body is not valid JSON."
    _both(APIClient(), "get", "/api/v1/reports/", 401, "not_authenticated")
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION="Token " + "0" * 64)
    _both(wrong, "get", "/api/v1/reports/", 401, "authentication_failed")
    _both(client_for(secretariat), "get", "/api/v1/reports/", 403, "not_a_reporter")
    _both(kobenhavn, "put", url, 405, "method_not_allowed", data={}, format="json")
    _both(
        kobenhavn,
        "patch",
        url,
        415,
        "unsupported_media_type",
        data="status=met",
        content_type="application/x-www-form-urlencoded",
        HTTP_IF_MATCH='"1"',
    )
    _both(APIClient(), "get", "/api/v1/goals/?utm_source=x", 400, "unknown_parameter")
    danish, english = _both(
        APIClient(), "get", "/api/v1/goals/?ordering=bogus", 400, "invalid_parameter"
    )
    assert english["fields"] == {
        "ordering": ["Can be ordered by: order, number (with a leading -: descending)."]
    }
    _both(kobenhavn, "patch", url, 428, "if_match_required", data={}, format="json")
    _both(kobenhavn, "patch", url, 412, "stale", data={}, format="json", HTTP_IF_MATCH='"7"')


@pytest.mark.parametrize("keyword", ["Token", "Bearer", "token", "bearer"])
def test_a_key_is_read_after_token_or_bearer(reporters, report, keyword):
    _token, key = tokens.issue_token(reporters[101], by=reporters[101])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"{keyword} {key}")
    answer = api.get(f"/api/v1/reports/{report.pk}/")
    assert answer.status_code == 200, answer.content
    assert answer.json()["id"] == report.pk

    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION=f"{keyword} {'0' * 64}")
    _both(wrong, "get", "/api/v1/reports/", 401, "authentication_failed")


def test_a_client_that_sends_another_scheme_is_told_to_send_token_or_bearer(reporters):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Basic a2tyOm1hYWw=")
    body = _error(api.get("/api/v1/reports/"), 401, "not_authenticated")
    assert body["detail"] == (
        "Authorization skal have formen 'Token <nøgle>' eller 'Bearer <nøgle>'; skemaet Basic "
        "kendes ikke her."
    )


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/v1/datapackage.zip?x=1", 400, "unknown_parameter"),
        ("/api/v1/rounds/{round}/lines.csv?x=1", 400, "unknown_parameter"),
        ("/api/v1/rounds/{round}/lines.xlsx?x=1", 400, "unknown_parameter"),
        ("/api/v1/schema/?x=1", 400, "unknown_parameter"),
        ("/api/v1/schema/?format=bogus", 404, "not_found"),
    ],
)
def test_an_error_from_a_download_or_the_schema_is_json(status_history, path, status, code):
    # The file's own format is not chosen yet when the query is checked: the error is JSON
    # and says so, not JSON sent as a zip or a workbook, nor YAML.
    _both(APIClient(), "get", path.format(round=status_history[2018].pk), status, code)


def test_a_throttled_caller_is_told_so_in_danish_with_retry_after(db, monkeypatch):
    from rest_framework.throttling import AnonRateThrottle

    monkeypatch.setattr(
        AnonRateThrottle, "THROTTLE_RATES", {"token": "3/minute", "anon": "1/minute"}
    )
    api = APIClient()
    first = api.get("/api/v1/regions/")
    assert first["RateLimit-Policy"] == '"anon";q=1;w=60'
    assert first["RateLimit"].startswith('"anon";r=0;t=')
    throttled = api.get("/api/v1/regions/")
    body = _error(throttled, 429, "throttled")
    assert body["detail"].startswith("For mange forespørgsler. Prøv igen om ")
    assert int(throttled["Retry-After"]) > 0
    assert throttled["RateLimit"].startswith('"anon";r=0;t=')


def test_a_conflict_is_the_workflows_own_sentence(kobenhavn, report, reporters):
    submitted(report, reporters[101])
    body = _error(
        kobenhavn.patch(f"/api/v1/reports/{report.pk}/", {}, format="json", HTTP_IF_MATCH='"3"'),
        409,
        "conflict",
    )
    assert body["detail"] == "Indberetningen er indsendt og afventer sekretariatets behandling."


def test_a_server_error_under_the_api_is_json_too(db):
    request = RequestFactory().get("/api/v1/goals/")
    response = views.server_error(request)
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["code"] == "server_error"


# --- validators, Cache-Control, Vary, RateLimit --------------------------------------------


def test_every_detail_has_validators_and_cache_control(status_history, municipalities):
    api = APIClient()
    second = status_history[2018]
    milestone = MilestoneStatus.objects.filter(report__round=second).first().milestone
    details = [
        "/api/v1/regions/hovedstaden/",
        f"/api/v1/clusters/{municipalities[101].cluster_id}/",
        "/api/v1/municipalities/101/",
        f"/api/v1/papers/{second.paper_id}/",
        f"/api/v1/goals/{milestone.goal_id}/",
        f"/api/v1/milestones/{milestone.pk}/",
        f"/api/v1/rounds/{second.pk}/",
        f"/api/v1/rounds/{second.pk}/progress/",
        f"/api/v1/rounds/{second.pk}/lines.csv",
    ]
    for url in details:
        answer = api.get(url)
        assert answer.status_code == 200, url
        assert answer["ETag"] and answer["Last-Modified"], url
        assert answer["Cache-Control"].startswith("public"), url
        held = api.get(url, HTTP_IF_NONE_MATCH=answer["ETag"])
        assert held.status_code == 304, url
        assert held["ETag"] == answer["ETag"], url


def test_the_same_vary_on_every_answer(status_history, kobenhavn, report):
    second = status_history[2018].pk
    anonymous = APIClient()
    answers = [
        anonymous.get("/api/v1/regions/"),
        anonymous.get("/api/v1/regions/"),  # from the cache
        anonymous.get("/api/v1/regions/hovedstaden/"),
        anonymous.get(f"/api/v1/rounds/{second}/lines/"),
        anonymous.get(f"/api/v1/rounds/{second}/lines/", HTTP_ACCEPT="text/csv"),  # 301
        anonymous.get(f"/api/v1/rounds/{second}/lines.xlsx"),
        anonymous.get(f"/api/v1/rounds/{second}/progress/", HTTP_ACCEPT_LANGUAGE="en"),
        anonymous.get("/api/v1/regions/?bogus=1"),
        anonymous.get("/api/v1/findes-ikke/"),
        anonymous.get("/api/v1/reports/"),
        kobenhavn.get("/api/v1/regions/"),
        kobenhavn.get(f"/api/v1/reports/{report.pk}/"),
    ]
    etag = answers[0]["ETag"]
    answers.append(anonymous.get("/api/v1/regions/", HTTP_IF_NONE_MATCH=etag))  # 304
    assert {answer.status_code for answer in answers} == {200, 301, 304, 400, 401, 404}
    assert {answer["Vary"] for answer in answers} == {VARY}


def test_rate_limit_headers_per_address_and_per_token(db, kobenhavn, monkeypatch):
    anonymous = APIClient()
    first, second = anonymous.get("/api/v1/regions/"), anonymous.get("/api/v1/regions/")
    assert first["RateLimit-Policy"] == '"anon";q=1000;w=3600'
    assert first["RateLimit"].startswith('"anon";r=999;t=')
    assert second["RateLimit"].startswith('"anon";r=998;t=')
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "5/minute", "anon": "1/day"})
    token = kobenhavn.get("/api/v1/regions/")
    assert token["RateLimit-Policy"] == '"token";q=5;w=60'
    assert token["RateLimit"] == '"token";r=4;t=60'


# --- a report: private, 304, no-op writes, strict If-Match ------------------------------------


def patch(api, report, body, if_match, **extra):
    return api.patch(
        f"/api/v1/reports/{report.pk}/", body, format="json", HTTP_IF_MATCH=if_match, **extra
    )


def test_a_report_is_private_and_a_client_holding_it_gets_304(kobenhavn, report):
    url = f"/api/v1/reports/{report.pk}/"
    answer = kobenhavn.get(url)
    assert answer["Cache-Control"] == "private, no-store"
    assert kobenhavn.get("/api/v1/reports/")["Cache-Control"] == "private, no-store"
    held = kobenhavn.get(url, HTTP_IF_NONE_MATCH=answer["ETag"])
    assert held.status_code == 304
    assert held["Cache-Control"] == "private, no-store"
    milestone = report.lines.first().milestone_id
    patch(kobenhavn, report, {"lines": [{"milestone": milestone, "status": "met"}]}, '"1"')
    assert kobenhavn.get(url, HTTP_IF_NONE_MATCH=answer["ETag"]).status_code == 200


def test_a_patch_that_changes_nothing_saves_nothing_and_keeps_the_version(kobenhavn, report):
    milestone = report.lines.first().milestone_id
    saved = patch(kobenhavn, report, {"lines": [{"milestone": milestone, "status": "met"}]}, '"1"')
    assert saved["ETag"] == '"2"'
    history = MilestoneStatus.history.count()
    for body in ({}, {"lines": []}, {"lines": [{"milestone": milestone, "status": "met"}]}):
        answer = patch(kobenhavn, report, body, '"2"')
        assert answer.status_code == 200, (body, answer.content)
        assert answer["ETag"] == '"2"', body
        assert answer.json()["version"] == 2
    report.refresh_from_db()
    assert report.version == 2
    assert MilestoneStatus.history.count() == history
    # A colleague's save with the version they read is not refused for the no-op.
    assert (
        patch(kobenhavn, report, {"lines": [{"milestone": milestone, "comment": "Ja"}]}, '"2"')[
            "ETag"
        ]
        == '"3"'
    )


def test_a_field_the_api_does_not_know_is_a_400_not_a_silent_no_op(kobenhavn, report):
    milestone = report.lines.first().milestone_id
    top = _error(patch(kobenhavn, report, {"foo": 1}, '"1"'), 400, "invalid")
    assert top["fields"] == {"foo": ["Ukendt felt."]}
    nested = _error(
        patch(kobenhavn, report, {"lines": [{"milestone": milestone, "statuss": "met"}]}, '"1"'),
        400,
        "invalid",
    )
    assert nested["fields"] == {"lines": {"0": {"statuss": ["Ukendt felt."]}}}
    report.refresh_from_db()
    assert report.version == 1


@pytest.mark.parametrize(
    ("if_match", "status", "code"),
    [
        ('W/"1"', 412, "weak_etag"),  # a weak tag never matches (RFC 9110: strong comparison)
        ("#=", 400, "invalid_if_match"),
        ("1", 400, "invalid_if_match"),  # unquoted
        ('"1", "2"', 400, "invalid_if_match"),  # one version, the one you read
        ("*", 428, "if_match_required"),  # any version is no version
        ('"2"', 412, "stale"),
    ],
)
def test_if_match_is_compared_strictly(kobenhavn, report, if_match, status, code):
    milestone = report.lines.first().milestone_id
    answer = patch(
        kobenhavn, report, {"lines": [{"milestone": milestone, "status": "met"}]}, if_match
    )
    _error(answer, status, code)
    assert StatusReport.objects.get(pk=report.pk).version == 1
    assert not report.lines.exclude(status="").exists()


# --- every error of the API is JSON (issue 20, finding 8) -------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "extra", "status", "code"),
    [
        ("post", "/api/v1/docs/", {}, 405, "method_not_allowed"),
        ("delete", "/api/v1/schema/", {}, 405, "method_not_allowed"),
        ("get", "/api/", {}, 404, "not_found"),
        ("get", "/api/v2/regions/", {}, 404, "not_found"),
        ("get", "/api/v1/regions/", {"HTTP_HOST": "evil.example"}, 400, "bad_request"),
    ],
)
def test_every_error_under_the_api_is_json_not_a_page(db, method, url, extra, status, code):
    api = APIClient()

    _error(getattr(api, method)(url, **extra), status, code)


def test_a_body_too_large_is_a_json_413_and_saves_nothing(kobenhavn, report):
    milestone = report.lines.first().milestone_id
    comment = "x" * 3_000_000
    body = json.dumps({"lines": [{"milestone": milestone, "status": "met", "comment": comment}]})

    response = kobenhavn.patch(
        f"/api/v1/reports/{report.pk}/",
        body,
        content_type="application/json",
        HTTP_IF_MATCH='"1"',
    )

    _error(response, 413, "too_large")
    assert StatusReport.objects.get(pk=report.pk).version == 1


def test_if_match_listing_many_versions_is_a_400(kobenhavn, report):
    milestone = report.lines.first().milestone_id
    many = ", ".join(f'"{version}"' for version in range(1, 201))

    answer = patch(kobenhavn, report, {"lines": [{"milestone": milestone, "status": "met"}]}, many)

    _error(answer, 400, "invalid_if_match")
    assert StatusReport.objects.get(pk=report.pk).version == 1
