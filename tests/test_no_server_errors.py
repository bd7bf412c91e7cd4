"""No input a visitor, a reporter, the secretariat or a client can send is a server error:
every address answers a HEAD and an OPTIONS, a nonsense id in any admin address is "not
found", the API's docs answer OPTIONS, and a request body nested a thousand levels deep is
a 400 that says so (issue 20, finding 5)."""

import json

import pytest
from django.contrib import admin
from django.urls import reverse

from goals.models import StatusReport
from tests.builders import api_client_for
from tests.builders import public_pages


def _pages(report, paper):
    return [
        *public_pages(paper),
        "/soeg/?q=akut",
        "/konto/login/",
        "/konto/password_reset/",
        "/indberetning/",
        f"/indberetning/{report.pk}/",
        "/indberetning/profil/",
        "/sekretariat/",
        f"/sekretariat/runder/{report.round_id}/",
        f"/sekretariat/indberetninger/{report.pk}/",
        "/admin/",
        "/api/v1/",
        "/api/v1/docs/",
        "/api/v1/schema/",
        "/api/v1/regions/",
        f"/api/v1/reports/{report.pk}/",
        "/healthz/live",
    ]


@pytest.mark.parametrize("who", ["anonymous", "reporter", "secretariat"])
def test_every_page_answers_head_and_options(
    client, status_history, report, paper, reporters, secretariat, who
):
    if who != "anonymous":
        client.force_login(reporters[101] if who == "reporter" else secretariat)
    for url in _pages(report, paper):
        for method in ("head", "options"):
            response = getattr(client, method)(url)
            assert response.status_code < 500, (method, url, response.status_code)


def test_the_api_docs_answer_options_as_json(client, db):
    response = client.options("/api/v1/docs/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "GET" in response["Allow"]


def _admin_addresses():
    """Every admin's change list, as Django registers them."""
    return [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
    ]


def test_a_nonsense_id_in_any_admin_address_is_not_found(superuser_client, report):
    for changelist in _admin_addresses():
        for tail in ("abc/change/", "abc/history/", "abc/delete/", "1/history/abc/"):
            response = superuser_client.get(changelist + tail)
            assert response.status_code in (302, 403, 404), (
                changelist + tail,
                response.status_code,
            )


def test_a_nonsense_history_version_is_not_found_for_the_secretariat(staff, report):
    url = f"/admin/goals/statusreport/{report.pk}/history/abc/"

    assert staff.get(url).status_code == 404


@pytest.mark.parametrize("levels", [21, 1000, 100_000])
def test_a_body_nested_too_deep_is_a_400_and_changes_nothing(report, reporters, levels):
    api = api_client_for(reporters[101])
    milestone = report.lines.first().milestone_id
    nested = "[" * levels + "]" * levels
    body = f'{{"lines": [{{"milestone": {milestone}, "status": "met", "comment": {nested}}}]}}'

    response = api.patch(
        f"/api/v1/reports/{report.pk}/",
        body,
        content_type="application/json",
        HTTP_IF_MATCH=f'"{report.version}"',
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "too_deep"
    assert StatusReport.objects.get(pk=report.pk).version == report.version


def test_a_body_as_deep_as_the_api_reads_is_answered_as_usual(report, reporters):
    api = api_client_for(reporters[101])
    milestone = report.lines.first().milestone_id
    body = {"lines": [{"milestone": milestone, "status": "met"}]}

    response = api.patch(
        f"/api/v1/reports/{report.pk}/",
        json.dumps(body),
        content_type="application/json",
        HTTP_IF_MATCH=f'"{report.version}"',
    )

    assert response.status_code == 200, response.content


def test_a_request_django_refuses_gets_a_danish_page(client, db):
    response = client.get("/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert "Forespørgslen kan ikke læses" in response.content.decode()
