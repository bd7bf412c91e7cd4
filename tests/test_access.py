"""Who gets in where on the site: anonymous visitors to the login, a reporter to their own
municipality's reports only, the secretariat to its own region only (and only while it has
staff status); CSRF on every change, GET changes nothing, the menu offers each user their
pages, a password can be reset by e-mail. Guessing is cut short: wrong passwords lock one user
name out from one address (or one IPv6 network) while everyone else still gets in, and reset
mails to one user are throttled however the address is spelled."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from goals import rounds
from goals.models import GoalDecision
from goals.models import IndicatorValue
from goals.models import JointProgress
from goals.models import Milestone
from goals.models import MilestoneStatus
from goals.models import StatusReport
from goals.models import StatusRound
from tests.builders import PASSWORD
from tests.builders import filled_in
from tests.builders import make_user
from tests.builders import snapshot
from tests.builders import submitted
from tests.builders import with_evidence

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
    ("secretariat_home", "get", lambda w: reverse("secretariat:secretariat_home")),
    (
        "round_overview",
        "get",
        lambda w: reverse("secretariat:round_overview", args=[w["round"].pk]),
    ),
    ("round_action", "post", lambda w: reverse("secretariat:round_action", args=[w["round"].pk])),
    (
        "joint_progress",
        "get",
        lambda w: reverse("secretariat:joint_progress", args=[w["round"].pk]),
    ),
    (
        "joint_progress",
        "post",
        lambda w: reverse("secretariat:joint_progress", args=[w["round"].pk]),
    ),
    ("decisions", "get", lambda w: reverse("secretariat:decisions", args=[w["round"].pk])),
    ("decisions", "post", lambda w: reverse("secretariat:decisions", args=[w["round"].pk])),
    ("review_report", "get", lambda w: reverse("secretariat:review_report", args=[w["report"].pk])),
    (
        "review_report",
        "post",
        lambda w: reverse("secretariat:review_report", args=[w["report"].pk]),
    ),
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
    assert (
        client.get(reverse("secretariat:round_overview", args=[world["round"].pk])).status_code
        == 404
    )
    response = client.post(
        reverse("secretariat:review_report", args=[world["report"].pk]), {"action": "approve"}
    )
    assert response.status_code == 404


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
        url = reverse("secretariat:review_report", args=[world["report"].pk])
    else:
        url = reverse("secretariat:round_action", args=[world["round"].pk])
    before = (world["round"].__class__.objects.get(pk=world["round"].pk).state,)

    response = client.post(url, data, follow=True)

    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    if action == "reopen_no_reason":
        # The confirmation page again, the message by its reason field.
        assert message in response.content.decode()
    else:
        assert any(message in m for m in messages), messages
    world["report"].refresh_from_db()
    assert world["report"].state == StatusReport.State.DRAFT
    assert (StatusRound.objects.get(pk=world["round"].pk).state,) == before


def menu_links(client, user):
    client.login(username=user.username, password=PASSWORD)
    html = client.get("/").content.decode()
    return {
        "reporting": reverse("goals:reporter_home") in html,
        "rounds": reverse("secretariat:secretariat_home") in html,
        "admin": reverse("admin:index") in html,
    }


@pytest.mark.django_db
def test_a_reporter_is_offered_reporting_only(client, reporters):
    assert menu_links(client, reporters[101]) == {
        "reporting": True,
        "rounds": False,
        "admin": False,
    }


@pytest.mark.django_db
def test_secretariat_staff_are_offered_the_rounds_and_the_admin(client, secretariat):
    assert menu_links(client, secretariat) == {"reporting": False, "rounds": True, "admin": True}


@pytest.mark.django_db
def test_anonymous_visitors_are_offered_the_login(client, region):
    html = client.get("/").content.decode()
    assert reverse("login") in html
    assert reverse("goals:reporter_home") not in html


@pytest.mark.django_db
def test_staff_status_taken_away_takes_the_rounds_link_too(client, secretariat):
    secretariat.is_staff = False
    secretariat.save()
    assert menu_links(client, secretariat) == {
        "reporting": False,
        "rounds": False,
        "admin": False,
    }


def test_a_secretariat_member_without_staff_status_is_refused_everywhere(
    client, region, open_status_round, report, reporters
):
    """Withdrawing staff status is how an administrator takes the secretariat away from
    somebody; the membership row left behind must not keep the pages open."""
    report, line = with_evidence(report, reporters[101])
    lapsed = make_user("tidligere-sekretariat", region=region, is_staff=False)
    client.force_login(lapsed)

    for url in [
        reverse("secretariat:secretariat_home"),
        reverse("secretariat:round_overview", args=[open_status_round.pk]),
        reverse("secretariat:joint_progress", args=[open_status_round.pk]),
        reverse("secretariat:decisions", args=[open_status_round.pk]),
        reverse("secretariat:review_report", args=[report.pk]),
        reverse("goals:evidence_file", args=[line.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    response = client.post(
        reverse("secretariat:round_action", args=[open_status_round.pk]), {"action": "close"}
    )
    assert response.status_code == 404
    open_status_round.refresh_from_db()
    assert open_status_round.state == StatusRound.State.OPEN
    home = client.get(reverse("goals:reporter_home")).content.decode()
    assert "Gå til sekretariatets sider" not in home


def test_a_deactivated_users_open_session_no_longer_opens_anything(
    client, reporters, secretariat, report
):
    for user, url in [
        (reporters[101], reverse("goals:report_form", args=[report.pk])),
        (secretariat, reverse("secretariat:review_report", args=[report.pk])),
    ]:
        client.force_login(user)
        assert client.get(url).status_code == 200
        user.is_active = False
        user.save()
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_anonymous_get_of_a_post_only_page_goes_to_login(client, open_status_round):
    response = client.get(reverse("secretariat:round_action", args=[open_status_round.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_reviewing_another_regions_report_changes_nothing(
    client, secretariat, other_report, other_reporter
):
    other_report = submitted(other_report, other_reporter)
    client.force_login(secretariat)
    url = reverse("secretariat:review_report", args=[other_report.pk])
    assert client.get(url).status_code == 404
    for data in [{"action": "approve"}, {"action": "return", "comment": "Nej"}]:
        assert client.post(url, data).status_code == 404
    other_report.refresh_from_db()
    assert other_report.state == StatusReport.State.SUBMITTED
    assert other_report.reviewed_by is None
    assert mail.outbox == []


def test_a_reporter_cannot_reach_other_lines_by_extra_keys(
    client, reporters, report, open_status_round, municipalities, other_report, other_paper
):
    """The form is built from the report's own lines; keys for milestones and indicators of
    other reports, other papers and the joint milestones are ignored, never saved."""
    neighbour = StatusReport.objects.get(round=open_status_round, municipality=municipalities[147])
    before_neighbour, before_foreign = snapshot(neighbour), snapshot(other_report)
    joint = Milestone.objects.get(scope=Milestone.Scope.JOINT)
    foreign_milestone = other_paper.goals.get().milestones.get()
    foreign_indicator = other_paper.goals.get().indicators.get()
    data = filled_in(report)
    for milestone in (joint, foreign_milestone):
        data[f"line-{milestone.pk}-status"] = "met"
        data[f"line-{milestone.pk}-comment"] = "Indsmuglet"
    data[f"value-{foreign_indicator.pk}"] = "99"
    client.force_login(reporters[101])
    response = client.post(reverse("goals:report_form", args=[report.pk]), data, follow=True)

    assert "Kladden er gemt" in response.content.decode()
    assert snapshot(neighbour) == before_neighbour
    assert snapshot(other_report) == before_foreign
    assert not MilestoneStatus.objects.filter(comment="Indsmuglet").exists()
    assert not MilestoneStatus.objects.filter(report=report, milestone=joint).exists()
    assert not JointProgress.objects.filter(status="met").exists()
    assert not IndicatorValue.objects.filter(value=Decimal(99)).exists()


def test_a_reporter_cannot_post_to_another_municipalitys_report(
    client, reporters, open_status_round, municipalities, other_reporter, other_report
):
    neighbour = StatusReport.objects.get(round=open_status_round, municipality=municipalities[147])
    for user, target in [(reporters[101], neighbour), (reporters[101], other_report)]:
        before = snapshot(target)
        data = {"version": target.version, "submit": "1"}
        for line in target.lines.all():
            data[f"line-{line.milestone_id}-status"] = "met"
        client.force_login(user)
        assert client.post(reverse("goals:report_form", args=[target.pk]), data).status_code == 404
        assert snapshot(target) == before


def test_the_secretariat_cannot_edit_a_report_through_the_reporters_page(
    client, secretariat, report
):
    before = snapshot(report)
    client.force_login(secretariat)
    url = reverse("goals:report_form", args=[report.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, filled_in(report, status="met")).status_code == 404
    assert snapshot(report) == before


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:x"]
)
def test_login_and_language_switch_do_not_redirect_off_site(client, reporters, target):
    response = client.post(
        reverse("login"), {"username": "indberetter-101", "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert "evil" not in response["Location"] and "javascript" not in response["Location"]
    response = client.post(reverse("set_language"), {"language": "en", "next": target})
    assert "evil" not in response.get("Location", "")
    assert "javascript" not in response.get("Location", "")


def test_every_state_changing_page_needs_the_csrf_token(
    reporters, secretariat, report, open_status_round
):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(secretariat)
    before_round = open_status_round.state
    for url, data in [
        (reverse("secretariat:round_action", args=[open_status_round.pk]), {"action": "close"}),
        (reverse("secretariat:joint_progress", args=[open_status_round.pk]), {}),
        (reverse("secretariat:decisions", args=[open_status_round.pk]), {}),
        (reverse("secretariat:review_report", args=[report.pk]), {"action": "approve"}),
        (reverse("secretariat:secretariat_home"), {"round-year": 2030}),
    ]:
        assert csrf_client.post(url, data).status_code == 403, url
    open_status_round.refresh_from_db()
    assert open_status_round.state == before_round
    csrf_client.force_login(reporters[101])
    before = snapshot(report)
    data = filled_in(report, status="met", button="submit")
    assert csrf_client.post(reverse("goals:report_form", args=[report.pk]), data).status_code == 403
    assert snapshot(report) == before


def test_get_requests_change_nothing(client, secretariat, reporters, report, open_status_round):
    """Links (or an <img> on another site) cannot act: only POST changes state."""
    client.force_login(secretariat)
    before_round, before_report = open_status_round.state, snapshot(report)
    for url in [
        reverse("secretariat:round_action", args=[open_status_round.pk]) + "?action=close",
        reverse("secretariat:review_report", args=[report.pk]) + "?action=approve",
        reverse("secretariat:decisions", args=[open_status_round.pk])
        + f"?g{report.round.paper.goals.first().pk}-decision=retire",
    ]:
        client.get(url)
    client.force_login(reporters[101])
    client.get(reverse("goals:report_form", args=[report.pk]) + "?submit=1")
    open_status_round.refresh_from_db()
    assert open_status_round.state == before_round
    assert snapshot(report) == before_report
    assert not GoalDecision.objects.exists()


def test_password_reset_by_email(client, reporters):
    page = client.get(reverse("password_reset"))
    assert "Glemt adgangskode" in page.content.decode()

    response = client.post(
        reverse("password_reset"), {"email": "indberetter-101@example.dk"}, follow=True
    )
    assert "Tjek din e-mail" in response.content.decode()
    [message] = mail.outbox
    assert message.subject == "Ny adgangskode til KKR-mål"
    link = re.search(r"https?://\S+/konto/reset/\S+/", message.body).group(0)

    form = client.get(link, follow=True)
    assert "Vælg ny adgangskode" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Ny-sikker-kode-2025", "new_password2": "Ny-sikker-kode-2025"},
        follow=True,
    )
    assert "Adgangskoden er skiftet" in done.content.decode()
    assert client.login(username="indberetter-101", password="Ny-sikker-kode-2025")


def test_fifty_wrong_passwords_lock_the_user_out_from_that_address(reporters):
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(50):
        client.post("/konto/login/", {"username": "indberetter-101", "password": "forkert"})

    response = client.post("/konto/login/", {"username": "indberetter-101", "password": PASSWORD})

    assert response.status_code == 429
    assert "For mange forkerte forsøg" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # The same user from another address, and a colleague from this one, still get in.
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    login = {"username": "indberetter-101", "password": PASSWORD}
    assert elsewhere.post("/konto/login/", login).status_code == 302
    colleague = {"username": "indberetter-147", "password": PASSWORD}
    assert client.post("/konto/login/", colleague).status_code == 302


def test_guessing_from_ever_new_addresses_of_one_ipv6_network_is_locked_out(reporters):
    """An IPv6 connection has a whole /64 network of addresses to choose from; counted per
    address, each of them would bring five fresh guesses."""
    for i in range(1, 51):
        Client(REMOTE_ADDR=f"2001:db8:5:7::{i:x}").post(
            "/konto/login/", {"username": "indberetter-101", "password": "forkert"}
        )

    guesser = Client(REMOTE_ADDR="2001:db8:5:7:a:b:c:d")
    response = guesser.post("/konto/login/", {"username": "indberetter-101", "password": PASSWORD})

    assert response.status_code == 429
    # Another network (the user at home) still gets in.
    home = Client(REMOTE_ADDR="2001:db8:9::1")
    login = {"username": "indberetter-101", "password": PASSWORD}
    assert home.post("/konto/login/", login).status_code == 302


def test_the_lockout_admin_speaks_danish(client, reporters):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("root", "root@example.dk", PASSWORD)
    Client(REMOTE_ADDR="203.0.113.9").post(
        "/konto/login/", {"username": "indberetter-101", "password": "forkert"}
    )
    client.login(username="root", password=PASSWORD)
    page = client.get("/admin/axes/accessattempt/").content.decode()
    assert "adgangsforsøg" in page.lower()
    assert "access attempt" not in page.lower()


def test_password_reset_mails_to_one_user_are_throttled(client, reporters):
    for _ in range(7):
        response = client.post("/konto/password_reset/", {"email": "indberetter-101@example.dk"})
        assert response.status_code == 302  # the same answer whether sent or not
    assert 1 <= len(mail.outbox) <= 3


def test_reset_mails_to_one_user_are_throttled_however_the_address_is_spelled(client, reporters):
    """Django finds the user by the address compared Unicode-caselessly (ſ is s, K is k);
    each spelling must not get its own allowance of mails."""
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(username="indberetter-101").update(email="sundhed@example.dk")
    spellings = ["sundhed@example.dk", "ſundhed@example.dk", "sundhed@example.dk".upper()]
    for spelling in spellings * 3:
        client.post("/konto/password_reset/", {"email": spelling})

    assert 1 <= len(mail.outbox) <= 3
