"""An attacker's tour of the portal: ids changed in URLs and in POST data, hidden fields,
lapsed staff status, unpublished rounds, other regions' objects under a region's slug,
markup in user text on pages, in e-mails and in PDFs, and redirects to other sites.

Each test asserts what the attacker gets (404, login, an unchanged row, escaped text).
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from goals import rounds
from goals.models import (
    Goal,
    GoalDecision,
    GoalPaper,
    Indicator,
    IndicatorValue,
    JointProgress,
    Milestone,
    MilestoneStatus,
    StatusReport,
    StatusRound,
    Theme,
)
from municipalities.models import Municipality
from reports.papers import render_status_paper as render_paper
from reports.progress import freeze
from tests.conftest import PASSWORD, build_round, make_user, small_pdf, submitted

pytestmark = pytest.mark.django_db

MARKUP = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def other_paper(other_region, other_municipality):
    """Syddanmark's paper: one goal with a municipal milestone and an indicator."""
    paper = GoalPaper.objects.create(
        region=other_region,
        title="Syddanske mål",
        kind=GoalPaper.Kind.KKR_GOALS,
        adopted_year=2017,
        first_year=2017,
        last_year=2018,
        source="other.txt",
        state=GoalPaper.State.ADOPTED,
    )
    theme = Theme.objects.create(paper=paper, order=1, title="Forebyggelse")
    goal = Goal.objects.create(paper=paper, theme=theme, number="A", order=1, title="Røgfri")
    Milestone.objects.create(
        goal=goal,
        order=1,
        text="Alle kommuner har røgfri skoletid.",
        due=datetime.date(2018, 12, 31),
        scope=Milestone.Scope.MUNICIPALITY,
    )
    Indicator.objects.create(goal=goal, order=1, name="Rygere", unit="%")
    return paper


@pytest.fixture
def other_round(other_paper, other_secretariat):
    today = timezone.localdate()
    status_round = StatusRound.objects.create(
        paper=other_paper,
        year=today.year,
        opens=today,
        deadline=today + datetime.timedelta(days=30),
    )
    return rounds.open_round(status_round, by=other_secretariat)


@pytest.fixture
def other_report(other_round, other_municipality):
    return StatusReport.objects.get(round=other_round, municipality=other_municipality)


def snapshot(report):
    """Everything a reporter can change in a report, to compare before and after."""
    report.refresh_from_db()
    return (
        report.state,
        report.version,
        sorted(report.lines.values_list("milestone_id", "status", "comment", "evidence_url")),
        sorted(report.indicator_values.values_list("indicator_id", "value")),
    )


# --- staff status ------------------------------------------------------------------------


def test_a_secretariat_member_without_staff_status_is_refused_everywhere(
    client, region, open_status_round, report, reporters
):
    """Withdrawing staff status is how an administrator takes the secretariat away from
    somebody; the membership row left behind must not keep the pages open."""
    rounds.save_report(
        report,
        version=report.version,
        lines={
            report.lines.first().milestone_id: {
                "evidence_file": SimpleUploadedFile("a.pdf", small_pdf())
            }
        },
        values={},
        by=reporters[101],
    )
    line = report.lines.exclude(evidence_file="").get()
    lapsed = make_user("tidligere-sekretariat", region=region, is_staff=False)
    client.force_login(lapsed)

    for url in [
        reverse("goals:secretariat_home"),
        reverse("goals:round_overview", args=[open_status_round.pk]),
        reverse("goals:joint_progress", args=[open_status_round.pk]),
        reverse("goals:decisions", args=[open_status_round.pk]),
        reverse("goals:review_report", args=[report.pk]),
        reverse("goals:evidence_file", args=[line.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    response = client.post(
        reverse("goals:round_action", args=[open_status_round.pk]), {"action": "close"}
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
        (secretariat, reverse("goals:review_report", args=[report.pk])),
    ]:
        client.force_login(user)
        assert client.get(url).status_code == 200
        user.is_active = False
        user.save()
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_anonymous_get_of_a_post_only_page_goes_to_login(client, open_status_round):
    response = client.get(reverse("goals:round_action", args=[open_status_round.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- ids of another region in URLs and POST data -----------------------------------------


def test_round_actions_on_another_regions_round_change_nothing(
    client, other_secretariat, open_status_round
):
    client.force_login(other_secretariat)
    url = reverse("goals:round_action", args=[open_status_round.pk])
    for action in ["close", "open", "publish"]:
        assert client.post(url, {"action": action}).status_code == 404
    assert client.post(url, {"action": "reopen", "reason": "x"}).status_code == 404
    open_status_round.refresh_from_db()
    assert open_status_round.state == StatusRound.State.OPEN


def test_reviewing_another_regions_report_changes_nothing(
    client, secretariat, other_report, other_reporter
):
    other_report = submitted(other_report, other_reporter)
    client.force_login(secretariat)
    url = reverse("goals:review_report", args=[other_report.pk])
    assert client.get(url).status_code == 404
    for data in [{"action": "approve"}, {"action": "return", "comment": "Nej"}]:
        assert client.post(url, data).status_code == 404
    other_report.refresh_from_db()
    assert other_report.state == StatusReport.State.SUBMITTED
    assert other_report.reviewed_by is None
    assert mail.outbox == []


def test_a_decision_cannot_point_at_another_regions_goal(
    client, secretariat, paper, open_status_round, other_paper
):
    goal = paper.goals.get(number="1")
    foreign = other_paper.goals.get()
    client.force_login(secretariat)
    response = client.post(
        reverse("goals:decisions", args=[open_status_round.pk]),
        {f"g{goal.pk}-decision": "revise", f"g{goal.pk}-new_goal": str(foreign.pk)},
    )
    assert response.status_code == 200
    assert "Beslutningerne er ikke gemt" in response.content.decode()
    assert not GoalDecision.objects.exists()
    foreign.refresh_from_db()
    assert foreign.replaces is None and foreign.state == Goal.State.ACTIVE
    goal.refresh_from_db()
    assert goal.state == Goal.State.ACTIVE


def test_a_decision_posted_for_a_goal_outside_the_rounds_paper_is_ignored(
    client, secretariat, region, paper, open_status_round, other_paper
):
    second_paper = GoalPaper.objects.create(
        region=region,
        title="Andet papir",
        kind=GoalPaper.Kind.KKR_GOALS,
        adopted_year=2019,
        first_year=2019,
        last_year=2020,
        source="andet.txt",
    )
    theme = Theme.objects.create(paper=second_paper, order=1, title="Tema")
    same_region = Goal.objects.create(paper=second_paper, theme=theme, number="9", order=1)
    foreign = other_paper.goals.get()
    client.force_login(secretariat)
    data = {}
    for goal in (same_region, foreign):
        data[f"g{goal.pk}-decision"] = "retire"
    response = client.post(reverse("goals:decisions", args=[open_status_round.pk]), data)
    assert response.status_code == 302
    assert not GoalDecision.objects.exists()
    assert set(Goal.objects.filter(state=Goal.State.RETIRED)) == set()


def test_decisions_of_another_regions_round_are_404(client, secretariat, other_round, other_paper):
    foreign = other_paper.goals.get()
    client.force_login(secretariat)
    url = reverse("goals:decisions", args=[other_round.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {f"g{foreign.pk}-decision": "retire"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.state == Goal.State.ACTIVE and not GoalDecision.objects.exists()


def test_joint_progress_rows_of_another_round_cannot_be_posted(
    client, secretariat, open_status_round, other_region, other_paper, other_secretariat
):
    # Another region's round with a joint row of its own.
    joint = Milestone.objects.create(
        goal=other_paper.goals.get(),
        order=2,
        text="Fælles plan",
        due=datetime.date(2018, 12, 31),
        scope=Milestone.Scope.JOINT,
    )
    today = timezone.localdate()
    foreign_round = rounds.open_round(
        StatusRound.objects.create(paper=other_paper, year=today.year, opens=today, deadline=today),
        by=other_secretariat,
    )
    foreign_row = JointProgress.objects.get(round=foreign_round, milestone=joint)
    client.force_login(secretariat)
    own = reverse("goals:joint_progress", args=[open_status_round.pk])
    response = client.post(
        own, {f"p{foreign_row.pk}-status": "met", f"p{foreign_row.pk}-comment": "Hacket"}
    )
    assert response.status_code == 302
    foreign = reverse("goals:joint_progress", args=[foreign_round.pk])
    assert client.post(foreign, {f"p{foreign_row.pk}-status": "met"}).status_code == 404
    foreign_row.refresh_from_db()
    assert (foreign_row.status, foreign_row.comment) == ("", "")


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
    data = {"version": report.version, "save": "1"}
    for line in report.lines.all():
        data[f"line-{line.milestone_id}-status"] = "in_progress"
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


def test_a_read_only_report_ignores_posted_values(client, reporters, report):
    """Disabled fields of a submitted report: a crafted POST changes nothing."""
    report = submitted(report, reporters[101])
    before = snapshot(report)
    data = {"version": report.version, "save": "1"}
    for line in report.lines.all():
        data[f"line-{line.milestone_id}-status"] = "not_started"
        data[f"line-{line.milestone_id}-comment"] = "Ændret bagefter"
    client.force_login(reporters[101])
    client.post(reverse("goals:report_form", args=[report.pk]), data)
    assert snapshot(report) == before


def test_the_secretariat_cannot_edit_a_report_through_the_reporters_page(
    client, secretariat, report
):
    before = snapshot(report)
    client.force_login(secretariat)
    url = reverse("goals:report_form", args=[report.pk])
    assert client.get(url).status_code == 404
    data = {"version": report.version, "save": "1"}
    for line in report.lines.all():
        data[f"line-{line.milestone_id}-status"] = "met"
    assert client.post(url, data).status_code == 404
    assert snapshot(report) == before


def test_a_round_cannot_be_created_for_another_regions_paper(client, secretariat, other_paper):
    client.force_login(secretariat)
    response = client.post(
        reverse("goals:secretariat_home"),
        {
            "round-paper": other_paper.pk,
            "round-year": 2030,
            "round-opens": "2030-01-01",
            "round-deadline": "2030-02-01",
        },
    )
    assert response.status_code == 200
    assert not StatusRound.objects.filter(paper=other_paper).exists()


def test_evidence_is_served_to_its_municipality_and_region_only(
    client, reporters, secretariat, other_secretariat, other_reporter, report
):
    report = rounds.save_report(
        report,
        version=report.version,
        lines={
            report.lines.first().milestone_id: {
                "evidence_file": SimpleUploadedFile("bilag.pdf", small_pdf())
            }
        },
        values={},
        by=reporters[101],
    )
    line = report.lines.exclude(evidence_file="").get()
    empty = report.lines.filter(evidence_file="").first()
    url = reverse("goals:evidence_file", args=[line.pk])
    for user, status in [
        (reporters[101], 200),
        (secretariat, 200),
        (reporters[147], 404),
        (other_reporter, 404),
        (other_secretariat, 404),
    ]:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == status, user
        if status == 200:
            # Downloaded, never shown inline, and the browser may not guess another type.
            assert response["Content-Disposition"].startswith("attachment")
            assert response["X-Content-Type-Options"] == "nosniff"
    client.force_login(reporters[101])
    assert client.get(reverse("goals:evidence_file", args=[empty.pk])).status_code == 404


@pytest.mark.parametrize(
    "link",
    ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "file:///etc/passwd"],
)
def test_an_evidence_link_must_be_a_web_address(client, reporters, report, link):
    """The secretariat clicks the link on the review page; only web addresses are kept."""
    line = report.lines.first()
    data = {"version": report.version, "save": "1", f"line-{line.milestone_id}-evidence_url": link}
    client.force_login(reporters[101])
    response = client.post(reverse("goals:report_form", args=[report.pk]), data)
    assert response.status_code == 200
    assert "Indberetningen er ikke gemt" in response.content.decode()
    line.refresh_from_db()
    assert line.evidence_url == ""


# --- the public side ---------------------------------------------------------------------


def test_another_regions_goal_and_municipality_under_a_region_slug_are_404(
    client, status_history, other_paper, other_municipality, municipalities, paper
):
    foreign_goal = other_paper.goals.get()
    own_goal = paper.goals.get(number="1")
    pairs = [
        (reverse("reports:goal", args=["hovedstaden", foreign_goal.pk]), 404),
        (reverse("reports:goal", args=["syddanmark", own_goal.pk]), 404),
        (reverse("reports:goal", args=["syddanmark", foreign_goal.pk]), 200),
        (reverse("reports:municipality", args=["hovedstaden", 461]), 404),
        (reverse("reports:municipality", args=["syddanmark", 101]), 404),
        (reverse("reports:municipality", args=["syddanmark", 461]), 200),
        (reverse("reports:municipality_paper_pdf", args=["syddanmark", 2018, 101]), 404),
        (reverse("reports:municipality_paper_pdf", args=["hovedstaden", 2018, 461]), 404),
        (reverse("reports:municipality_paper_pdf", args=["hovedstaden", 2018, 999]), 404),
        (reverse("reports:status", args=["syddanmark", 2018]), 404),
        (reverse("reports:region_paper_pdf", args=["syddanmark", 2018]), 404),
        ("/ukendt-region/", 404),
        ("/ukendt-region/maal/1/", 404),
    ]
    for url, status in pairs:
        response = client.get(url)
        assert response.status_code == status, url
        if status == 404:
            assert "Siden findes ikke" in response.content.decode(), url


@pytest.mark.parametrize("state", ["planned", "open", "closed"])
def test_unpublished_rounds_are_invisible_to_the_public(client, paper, municipalities, state):
    build_round(paper, 2019, state=state, lines=[(101, "1", 1, "met", "Hemmelig kladde")])
    for url in [
        reverse("reports:status", args=["hovedstaden", 2019]),
        reverse("reports:region_paper_pdf", args=["hovedstaden", 2019]),
        reverse("reports:municipality_paper_pdf", args=["hovedstaden", 2019, 101]),
    ]:
        assert client.get(url).status_code == 404, url
    for url in [
        reverse("reports:region", args=["hovedstaden"]),
        reverse("reports:municipality", args=["hovedstaden", 101]),
        reverse("reports:goal", args=["hovedstaden", paper.goals.get(number="1").pk]),
    ]:
        page = client.get(url).content.decode()
        assert "Hemmelig kladde" not in page
        assert "2019" not in page, url


def test_a_draft_reports_indicator_values_stay_private_after_publishing(
    client, paper, municipalities
):
    """A municipality that never submitted has no status in the round; the numbers it
    typed into its draft must not be published on its page or in its PDF either."""
    status_round = build_round(paper, 2018, drafts=[219])
    indicator = Indicator.objects.get(goal__paper=paper)
    for code, value in [(101, "12"), (219, "4711")]:
        IndicatorValue.objects.create(
            report=StatusReport.objects.get(round=status_round, municipality__kommunekode=code),
            indicator=indicator,
            value=Decimal(value),
        )
    freeze(status_round)  # published again, with the values
    submitted_page = client.get(reverse("reports:municipality", args=["hovedstaden", 101]))
    assert "12 personer" in submitted_page.content.decode()
    draft_page = client.get(reverse("reports:municipality", args=["hovedstaden", 219]))
    assert "4711" not in draft_page.content.decode()

    text = pdf_text(render_paper(status_round, municipalities[219]))
    assert "Unge i forløb" in text
    assert "4711" not in text


def pdf_text(data):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# --- escaping ----------------------------------------------------------------------------


def test_markup_in_goal_texts_is_escaped_in_pages_and_chart(client, status_history, paper):
    goal = paper.goals.get(number="1")
    goal.number = '1"><svg onload=x>'  # fits the 20 characters of a goal number
    goal.title = MARKUP
    goal.save()
    Municipality.objects.filter(kommunekode=101).update(name=MARKUP)
    freeze(status_history[2018])  # published again, so the published pages carry the markup
    for url in [
        reverse("reports:region", args=["hovedstaden"]),
        reverse("reports:goal", args=["hovedstaden", goal.pk]),
        reverse("reports:status", args=["hovedstaden", 2018]),
        reverse("reports:municipality", args=["hovedstaden", 101]),
    ]:
        page = client.get(url).content.decode()
        assert "<script>" not in page, url
        assert "<img src=x" not in page and "<svg onload" not in page, url
    goal_page = client.get(reverse("reports:goal", args=["hovedstaden", goal.pk])).content
    # In the page and in the chart's title.
    assert goal_page.count(b"1&quot;&gt;&lt;svg onload=x&gt;") >= 2


def test_markup_in_reports_is_escaped_on_the_secretariats_pages(
    client, reporters, secretariat, report, open_status_round
):
    report = rounds.save_report(
        report,
        version=report.version,
        lines={
            line.milestone_id: {
                "status": "met",
                "comment": MARKUP,
                "evidence_url": "https://example.dk/?q=<b>",
            }
            for line in report.lines.all()
        },
        values={},
        by=reporters[101],
    )
    rounds.submit_report(report, by=reporters[101])
    client.force_login(secretariat)
    for url in [
        reverse("goals:review_report", args=[report.pk]),
        reverse("goals:round_overview", args=[open_status_round.pk]),
    ]:
        page = client.get(url).content.decode()
        assert "<script>" not in page and "<img src=x" not in page, url
    review = client.get(reverse("goals:review_report", args=[report.pk])).content.decode()
    assert "&lt;script&gt;" in review
    client.force_login(reporters[101])
    form_page = client.get(reverse("goals:report_form", args=[report.pk])).content.decode()
    assert "<script>" not in form_page and "&lt;script&gt;" in form_page


def test_markup_in_a_return_comment_reaches_the_email_as_plain_text(
    client, secretariat, reporters, report, django_capture_on_commit_callbacks
):
    report = submitted(report, reporters[101])
    client.force_login(secretariat)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("goals:review_report", args=[report.pk]),
            {"action": "return", "comment": 'Ret "tal" & <b>kommentar</b>'},
        )
    (message,) = mail.outbox
    assert 'Ret "tal" & <b>kommentar</b>' in message.body
    assert "&lt;" not in message.body and "&amp;" not in message.body
    assert "\n" not in message.subject
    # …and shown escaped to the municipality.
    client.force_login(reporters[101])
    page = client.get(reverse("goals:report_form", args=[report.pk])).content.decode()
    assert "<b>kommentar</b>" not in page and "&lt;b&gt;kommentar&lt;/b&gt;" in page


def test_markup_in_comments_is_printed_as_text_in_the_pdfs(status_history, municipalities):
    """The 2018 comment of Hillerød is full of markup; the PDFs print it, not run it."""
    second = status_history[2018]
    printed = "Vimangler<script>alert('x')</script>og</table>ensygeplejerske."
    for municipality in (None, municipalities[219]):
        text = "".join(pdf_text(render_paper(second, municipality)).split())
        assert printed in text, municipality


# --- redirects and CSRF ------------------------------------------------------------------


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
        (reverse("goals:round_action", args=[open_status_round.pk]), {"action": "close"}),
        (reverse("goals:joint_progress", args=[open_status_round.pk]), {}),
        (reverse("goals:decisions", args=[open_status_round.pk]), {}),
        (reverse("goals:review_report", args=[report.pk]), {"action": "approve"}),
        (reverse("goals:secretariat_home"), {"round-year": 2030}),
    ]:
        assert csrf_client.post(url, data).status_code == 403, url
    open_status_round.refresh_from_db()
    assert open_status_round.state == before_round
    csrf_client.force_login(reporters[101])
    before = snapshot(report)
    data = {"version": report.version, "submit": "1"}
    for line in report.lines.all():
        data[f"line-{line.milestone_id}-status"] = "met"
    assert csrf_client.post(reverse("goals:report_form", args=[report.pk]), data).status_code == 403
    assert snapshot(report) == before


def test_get_requests_change_nothing(client, secretariat, reporters, report, open_status_round):
    """Links (or an <img> on another site) cannot act: only POST changes state."""
    client.force_login(secretariat)
    before_round, before_report = open_status_round.state, snapshot(report)
    for url in [
        reverse("goals:round_action", args=[open_status_round.pk]) + "?action=close",
        reverse("goals:review_report", args=[report.pk]) + "?action=approve",
        reverse("goals:decisions", args=[open_status_round.pk])
        + f"?g{report.round.paper.goals.first().pk}-decision=retire",
    ]:
        client.get(url)
    client.force_login(reporters[101])
    client.get(reverse("goals:report_form", args=[report.pk]) + "?submit=1")
    open_status_round.refresh_from_db()
    assert open_status_round.state == before_round
    assert snapshot(report) == before_report
    assert not GoalDecision.objects.exists()
