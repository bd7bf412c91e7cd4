"""Who may open what: every reporting and secretariat page against every kind of user, and
the state machine's refusals shown as messages rather than errors."""

import pytest
from django.test import Client
from django.urls import reverse

from goals import rounds
from goals.models import StatusReport, StatusRound

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(open_status_round, municipalities, reporters):
    report = StatusReport.objects.get(round=open_status_round, municipality=municipalities[101])
    return {"round": open_status_round, "report": report}


# (page, method, how to build its URL)
PAGES = [
    ("reporter_home", "get", lambda w: reverse("goals:reporter_home")),
    ("report_form", "get", lambda w: reverse("goals:report_form", args=[w["report"].pk])),
    ("report_form", "post", lambda w: reverse("goals:report_form", args=[w["report"].pk])),
    ("secretariat_home", "get", lambda w: reverse("goals:secretariat_home")),
    ("round_overview", "get", lambda w: reverse("goals:round_overview", args=[w["round"].pk])),
    ("round_action", "post", lambda w: reverse("goals:round_action", args=[w["round"].pk])),
    ("joint_progress", "get", lambda w: reverse("goals:joint_progress", args=[w["round"].pk])),
    ("joint_progress", "post", lambda w: reverse("goals:joint_progress", args=[w["round"].pk])),
    ("decisions", "get", lambda w: reverse("goals:decisions", args=[w["round"].pk])),
    ("decisions", "post", lambda w: reverse("goals:decisions", args=[w["round"].pk])),
    ("review_report", "get", lambda w: reverse("goals:review_report", args=[w["report"].pk])),
    ("review_report", "post", lambda w: reverse("goals:review_report", args=[w["report"].pk])),
]

SECRETARIAT_PAGES = {
    "secretariat_home",
    "round_overview",
    "round_action",
    "joint_progress",
    "decisions",
    "review_report",
}


def post_data(page, world):
    if page == "report_form":
        data = {"version": world["report"].version, "save": "1"}
        for line in world["report"].lines.all():
            data[f"line-{line.milestone_id}-status"] = "met"
        return data
    if page == "round_action":
        return {"action": "close"}
    if page == "review_report":
        return {"action": "return", "comment": "Ikke godkendt"}
    return {}


def request(client, method, url, data):
    return client.post(url, data) if method == "post" else client.get(url)


@pytest.mark.parametrize(("page", "method", "url"), PAGES, ids=[f"{p}-{m}" for p, m, _ in PAGES])
def test_anonymous_users_are_sent_to_login(client, world, page, method, url):
    response = request(client, method, url(world), post_data(page, world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("page", "method", "url"), PAGES, ids=[f"{p}-{m}" for p, m, _ in PAGES])
@pytest.mark.parametrize("who", ["other_reporter_same_region", "other_region_reporter"])
def test_other_reporters_get_404_by_url_and_by_post(
    client, world, reporters, other_reporter, page, method, url, who
):
    user = reporters[147] if who == "other_reporter_same_region" else other_reporter
    client.force_login(user)
    response = request(client, method, url(world), post_data(page, world))
    if page == "reporter_home":
        assert response.status_code == 200
        assert reverse("goals:report_form", args=[world["report"].pk]) not in (
            response.content.decode()
        )
    else:
        assert response.status_code == 404
    world["report"].refresh_from_db()
    assert world["report"].version == 1
    assert world["report"].state == StatusReport.State.DRAFT


@pytest.mark.parametrize(("page", "method", "url"), PAGES, ids=[f"{p}-{m}" for p, m, _ in PAGES])
def test_another_regions_secretariat_gets_404(client, world, other_secretariat, page, method, url):
    client.force_login(other_secretariat)
    response = request(client, method, url(world), post_data(page, world))
    if page in ("reporter_home", "secretariat_home"):
        # their own (empty) start pages; nothing of this region on them
        assert response.status_code == 200
        assert "København" not in response.content.decode()
    else:
        assert response.status_code == 404
    world["round"].refresh_from_db()
    assert world["round"].state == StatusRound.State.OPEN


@pytest.mark.parametrize(("page", "method", "url"), PAGES, ids=[f"{p}-{m}" for p, m, _ in PAGES])
def test_the_right_people_get_in(client, world, reporters, secretariat, page, method, url):
    user = secretariat if page in SECRETARIAT_PAGES else reporters[101]
    client.force_login(user)
    response = request(client, method, url(world), post_data(page, world))
    assert response.status_code in (200, 302)
    if method == "get":
        assert response.status_code == 200


def test_a_reporter_cannot_use_the_secretariats_pages(client, world, reporters):
    client.force_login(reporters[101])
    assert client.get(reverse("goals:round_overview", args=[world["round"].pk])).status_code == 404
    response = client.post(
        reverse("goals:review_report", args=[world["report"].pk]), {"action": "approve"}
    )
    assert response.status_code == 404


def test_posts_need_the_csrf_token(world, reporters, secretariat):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reporters[101])
    url = reverse("goals:report_form", args=[world["report"].pk])
    assert client.post(url, post_data("report_form", world)).status_code == 403
    client.force_login(secretariat)
    action = reverse("goals:round_action", args=[world["round"].pk])
    assert client.post(action, {"action": "close"}).status_code == 403


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("approve_draft", {"action": "approve"}, "kun godkendes, når den er indsendt"),
        ("publish_open", {"action": "publish"}, "Runden skal lukkes, før den kan offentliggøres"),
        ("reopen_open", {"action": "reopen", "reason": "Fejl"}, "Kun en lukket eller"),
        ("reopen_no_reason", {"action": "reopen", "reason": ""}, "Skriv en begrundelse"),
        ("open_twice_closed", {"action": "open"}, "kan ikke åbnes igen"),
    ],
)
def test_the_state_machine_refuses_with_a_message(
    client, world, secretariat, action, data, message
):
    client.force_login(secretariat)
    if action in ("reopen_no_reason", "open_twice_closed"):
        rounds.close_round(world["round"], by=secretariat)
    if action == "approve_draft":
        url = reverse("goals:review_report", args=[world["report"].pk])
    else:
        url = reverse("goals:round_action", args=[world["round"].pk])
    before = (world["round"].__class__.objects.get(pk=world["round"].pk).state,)

    response = client.post(url, data, follow=True)

    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert any(message in m for m in messages), messages
    world["report"].refresh_from_db()
    assert world["report"].state == StatusReport.State.DRAFT
    assert (StatusRound.objects.get(pk=world["round"].pk).state,) == before
