"""A municipality's own systems read and write its status report with a token: the same
rules and messages as the web form, never another municipality's report, never a lost
update."""

import pytest
from rest_framework.test import APIClient

from goals.models import MilestoneStatus
from goals.models import StatusReport
from kkrmaal.api import goals as goals_api
from kkrmaal.api.common import TokenRateThrottle
from municipalities import tokens
from tests.builders import api_client_for as client_for
from tests.builders import make_user
from tests.builders import save_line


@pytest.fixture
def lines(report):
    """København's milestone ids, in the report's order."""
    return list(
        report.lines.order_by("milestone__goal__order", "milestone__order").values_list(
            "milestone_id", flat=True
        )
    )


def patch(api, report, body, version=None, **headers):
    if version is not None:
        headers["HTTP_IF_MATCH"] = f'"{version}"'
    return api.patch(f"/api/v1/reports/{report.pk}/", body, format="json", **headers)


def test_a_token_lists_and_reads_only_its_users_municipalities(kobenhavn, report, municipalities):
    listed = kobenhavn.get("/api/v1/reports/").json()["results"]
    assert [(r["kommunekode"], r["state"]) for r in listed] == [(101, "draft")]

    response = kobenhavn.get(f"/api/v1/reports/{report.pk}/")
    assert response.status_code == 200
    assert response["ETag"] == f'"{report.version}"'
    body = response.json()
    assert body["municipality"] == "København"
    assert body["refusal"] is None
    assert [line["status"] for line in body["lines"]] == ["", ""]
    assert [v["name"] for v in body["values"]] == ["Unge i forløb"]


def test_municipality_a_gets_404_for_bs_report_and_writes_nothing(
    kobenhavn, open_status_round, municipalities
):
    frederiksberg = StatusReport.objects.get(
        round=open_status_round, municipality=municipalities[147]
    )
    milestone = frederiksberg.lines.first().milestone_id
    url = f"/api/v1/reports/{frederiksberg.pk}/"

    assert kobenhavn.get(url).status_code == 404
    answer = patch(
        kobenhavn,
        frederiksberg,
        {"lines": [{"milestone": milestone, "status": "met"}]},
        version=frederiksberg.version,
    )
    assert answer.status_code == 404
    assert kobenhavn.post(f"{url}submit/").status_code == 404

    frederiksberg.refresh_from_db()
    assert frederiksberg.version == 1
    assert frederiksberg.state == StatusReport.State.DRAFT
    assert not frederiksberg.lines.exclude(status="").exists()


def test_save_with_the_version_then_submit(kobenhavn, report, lines, reporters):
    response = patch(
        kobenhavn,
        report,
        {
            "lines": [
                {"milestone": lines[0], "status": "met", "comment": "Akutteam i drift, æøå."},
                {
                    "milestone": lines[1],
                    "status": "in_progress",
                    "evidence_url": "https://kk.dk/strategi",
                },
            ],
            "values": [{"indicator": report.indicator_values.get().indicator_id, "value": 12.5}],
        },
        version=report.version,
    )
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    saved = MilestoneStatus.objects.get(report=report, milestone_id=lines[0])
    assert (saved.status, saved.comment) == ("met", "Akutteam i drift, æøå.")
    assert saved.history.first().history_user == reporters[101]
    assert str(report.indicator_values.get().value) == "12.50"

    # Only what is sent changes.
    response = patch(
        kobenhavn, report, {"lines": [{"milestone": lines[1], "comment": "Vedtages i maj."}]}, 2
    )
    assert response.status_code == 200
    assert MilestoneStatus.objects.get(report=report, milestone_id=lines[1]).status == "in_progress"

    submitted = kobenhavn.post(f"/api/v1/reports/{report.pk}/submit/", HTTP_IF_MATCH='"3"')
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["state"] == "submitted"
    report.refresh_from_db()
    assert report.state == StatusReport.State.SUBMITTED
    assert report.submitted_by == reporters[101]

    # A submitted report waits for the secretariat: the same refusal as on the web form.
    again = patch(kobenhavn, report, {"lines": [{"milestone": lines[0], "status": "met"}]}, 4)
    assert again.status_code == 409
    assert again.json()["detail"] == (
        "Indberetningen er indsendt og afventer sekretariatets behandling."
    )
    assert kobenhavn.post(f"/api/v1/reports/{report.pk}/submit/").status_code == 409


def test_if_match_is_required_and_a_stale_version_gets_412(kobenhavn, report, lines):
    body = {"lines": [{"milestone": lines[0], "status": "met"}]}
    missing = patch(kobenhavn, report, body)
    assert missing.status_code == 428
    assert "If-Match" in missing.json()["detail"]

    assert patch(kobenhavn, report, body, version=1).status_code == 200
    stale = patch(
        kobenhavn, report, {"lines": [{"milestone": lines[0], "status": "not_started"}]}, 1
    )
    assert stale.status_code == 412
    assert MilestoneStatus.objects.get(report=report, milestone_id=lines[0]).status == "met"
    report.refresh_from_db()
    assert report.version == 2
    stale_submit = kobenhavn.post(f"/api/v1/reports/{report.pk}/submit/", HTTP_IF_MATCH='"1"')
    assert stale_submit.status_code == 412


def test_a_colleagues_save_while_the_submit_is_checked_gets_412(
    kobenhavn, report, lines, colleague, monkeypatch
):
    # If-Match is compared with the report as read before the lock: a save that lands between
    # that and the submission must still stop it, as it stops the web form's confirmation.
    body = {"lines": [{"milestone": milestone, "status": "met"} for milestone in lines]}
    assert patch(kobenhavn, report, body, version=1).status_code == 200
    checked = goals_api._form

    def colleague_saves_meanwhile(report, *args, **kwargs):
        form = checked(report, *args, **kwargs)
        save_line(report, report.lines.get(milestone_id=lines[0]), colleague, status="not_started")
        return form

    monkeypatch.setattr(goals_api, "_form", colleague_saves_meanwhile)
    submitted = kobenhavn.post(f"/api/v1/reports/{report.pk}/submit/", HTTP_IF_MATCH='"2"')
    assert submitted.status_code == 412
    report.refresh_from_db()
    assert report.state == StatusReport.State.DRAFT


def test_the_web_forms_rules_and_messages_per_field(kobenhavn, report, lines):
    indicator = report.indicator_values.get().indicator_id
    response = patch(
        kobenhavn,
        report,
        {
            "lines": [
                {"milestone": lines[0], "status": "met", "evidence_url": "javascript:alert(1)"},
                {"milestone": lines[1], "comment": "x" * 5001},
            ],
            "values": [{"indicator": indicator, "value": -3}],
        },
        version=1,
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    errors = response.json()["fields"]
    assert errors["lines"][str(lines[0])]["evidence_url"]
    assert errors["lines"][str(lines[1])]["comment"]
    assert errors["values"][str(indicator)] == ["Tallet må ikke være negativt."]
    report.refresh_from_db()
    assert report.version == 1
    assert not report.lines.exclude(status="").exists()

    english = patch(
        kobenhavn,
        report,
        {"values": [{"indicator": indicator, "value": -3}]},
        version=1,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert english.json()["fields"]["values"][str(indicator)] == ["The number cannot be negative."]
    assert english.json()["detail"] == "Invalid data: fields has a message per field."

    unknown = patch(kobenhavn, report, {"lines": [{"milestone": 999999, "status": "met"}]}, 1)
    assert unknown.status_code == 400
    assert "999999" in unknown.json()["fields"]["lines"]

    wrong_status = patch(kobenhavn, report, {"lines": [{"milestone": lines[0], "status": "ja"}]}, 1)
    assert wrong_status.status_code == 400
    assert wrong_status.json()["fields"]["lines"][str(lines[0])]["status"] == [
        "Marker en gyldig valgmulighed. ja er ikke en af de tilgængelige valgmuligheder."
    ]


def test_submitting_needs_a_status_on_every_line(kobenhavn, report, lines):
    assert patch(kobenhavn, report, {"lines": [{"milestone": lines[0], "status": "met"}]}, 1)
    response = kobenhavn.post(f"/api/v1/reports/{report.pk}/submit/")
    assert response.status_code == 400
    assert response.json()["fields"]["lines"] == {
        str(lines[1]): {"status": ["Vælg en status, før du indsender."]}
    }
    report.refresh_from_db()
    assert report.state == StatusReport.State.DRAFT


def test_http_errors_mean_what_http_says(kobenhavn, report, other_reporter, secretariat):
    url = f"/api/v1/reports/{report.pk}/"
    assert APIClient().get(url).status_code == 401
    wrong = APIClient()
    for key in ("0" * 64, "ÆØÅ", "a b", ""):
        wrong.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert wrong.get(url).status_code == 401, key

    # A token of somebody who reports for no municipality (the secretariat) may not.
    assert client_for(secretariat).get("/api/v1/reports/").status_code == 403
    # Odense's reporter: not theirs.
    assert client_for(other_reporter).get(url).status_code == 404

    assert kobenhavn.put(url, {}, format="json", HTTP_IF_MATCH='"1"').status_code == 405
    assert kobenhavn.delete(url).status_code == 405
    form_encoded = kobenhavn.patch(
        url, "status=met", content_type="application/x-www-form-urlencoded", HTTP_IF_MATCH='"1"'
    )
    assert form_encoded.status_code == 415


def test_a_revoked_token_stops_working(reporters, report):
    token, key = tokens.issue_token(reporters[101], by=reporters[101])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/reports/").status_code == 200
    assert tokens.revoke_token(reporters[101], token.token_key)
    assert api.get("/api/v1/reports/").status_code == 401


def test_throttled_per_token_and_per_address(kobenhavn, reporters, monkeypatch):
    from rest_framework.throttling import AnonRateThrottle

    rates = {"token": "3/minute", "anon": "2/minute"}
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", rates)
    for _ in range(3):
        assert kobenhavn.get("/api/v1/reports/").status_code == 200
    limited = kobenhavn.get("/api/v1/reports/")
    assert limited.status_code == 429
    assert limited["Retry-After"]
    # Another token of another user has its own count.
    assert client_for(reporters[147]).get("/api/v1/reports/").status_code == 200

    anonymous = APIClient()
    assert anonymous.get("/api/v1/regions/").status_code == 200
    assert anonymous.get("/api/v1/regions/").status_code == 200
    assert anonymous.get("/api/v1/regions/").status_code == 429
    # Making up a forwarded address does not start a new count.
    assert anonymous.get("/api/v1/regions/", HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 429
    other_address = APIClient(REMOTE_ADDR="10.1.2.3")
    assert other_address.get("/api/v1/regions/").status_code == 200


@pytest.fixture
def anonymous_limit_of_two(db, monkeypatch):
    from rest_framework.throttling import AnonRateThrottle

    monkeypatch.setattr(
        AnonRateThrottle, "THROTTLE_RATES", {"token": "3/minute", "anon": "2/minute"}
    )


def test_addresses_of_one_ipv6_network_share_the_anonymous_limit(anonymous_limit_of_two):
    """An IPv6 client may take any address of its /64 network; a new one is no new count,
    for the API as for the login lockout."""
    first = APIClient(REMOTE_ADDR="2001:db8:5:7::1")
    assert first.get("/api/v1/regions/").status_code == 200
    assert first.get("/api/v1/regions/").status_code == 200

    next_door = APIClient(REMOTE_ADDR="2001:db8:5:7:a:b:c:d")
    assert next_door.get("/api/v1/regions/").status_code == 429
    another_network = APIClient(REMOTE_ADDR="2001:db8:9::1")
    assert another_network.get("/api/v1/regions/").status_code == 200


def test_behind_a_proxy_the_forwarded_address_counts_for_the_api_as_for_the_login(
    settings, anonymous_limit_of_two, reporters
):
    """Behind the proxy every request comes from the proxy's address; the client is the
    address the proxy appends to X-Forwarded-For, for the API's limit and the lockout alike
    (what the client itself puts in front of it counts for nothing)."""
    from django.test import Client

    from tests.builders import PASSWORD

    settings.BEHIND_PROXY = True
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    guesser = {**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    forging = {**proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.50, 198.51.100.7"}
    colleague = {**proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    login = {"username": "indberetter-101", "password": PASSWORD}

    api = APIClient()
    assert api.get("/api/v1/regions/", **guesser).status_code == 200
    assert api.get("/api/v1/regions/", **guesser).status_code == 200
    assert api.get("/api/v1/regions/", **forging).status_code == 429
    assert api.get("/api/v1/regions/", **colleague).status_code == 200

    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client(**guesser).post("/konto/login/", {**login, "password": "forkert"})
    assert Client(**forging).post("/konto/login/", login).status_code == 429
    assert Client(**colleague).post("/konto/login/", login).status_code == 302


def test_a_user_reporting_for_two_municipalities_sees_both(open_status_round, municipalities):
    from municipalities.models import Membership

    both = make_user("indberetter-begge", municipality=municipalities[101])
    Membership.objects.create(
        user=both, role=Membership.Role.REPORTER, municipality=municipalities[219]
    )
    listed = client_for(both).get("/api/v1/reports/").json()["results"]
    assert sorted(r["kommunekode"] for r in listed) == [101, 219]


def test_reading_reports_takes_as_many_queries_for_many(
    open_status_round, municipalities, django_assert_max_num_queries
):
    from municipalities.models import Membership

    everywhere = make_user("indberetter-alle", municipality=municipalities[101])
    api = client_for(everywhere)
    with django_assert_max_num_queries(8):
        assert len(api.get("/api/v1/reports/").json()["results"]) == 1
    report = StatusReport.objects.get(round=open_status_round, municipality=municipalities[101])
    with django_assert_max_num_queries(9):
        assert len(api.get(f"/api/v1/reports/{report.pk}/").json()["lines"]) == 2

    for code in (147, 219):
        Membership.objects.create(
            user=everywhere, role=Membership.Role.REPORTER, municipality=municipalities[code]
        )
    with django_assert_max_num_queries(8):
        assert len(api.get("/api/v1/reports/").json()["results"]) == 3
