"""A status round from planned to published: made on the secretariat's page or in the admin (years
and dates in range, one a year), opened with a report per municipality, closed, published and
reopened with a reason, through the same domain functions everywhere."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from goals import rounds
from goals.forms import RoundForm
from goals.models import Goal
from goals.models import GoalDecision
from goals.models import GoalPaper
from goals.models import IndicatorValue
from goals.models import JointProgress
from goals.models import MilestoneStatus
from goals.models import StatusReport
from goals.models import StatusRound
from reports import publishing
from reports.models import Publication
from reports.models import StoredPaper
from tests.builders import assert_polite
from tests.builders import make_paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned_round(paper):
    today = timezone.localdate()
    return StatusRound.objects.create(
        paper=paper,
        year=today.year,
        opens=today,
        deadline=today + datetime.timedelta(days=30),
    )


def answers(report, status="met"):
    return {
        line.milestone_id: {"status": status, "comment": "Fint", "evidence_url": ""}
        for line in report.lines.all()
    }


def test_opening_creates_reports_lines_values_and_joint_rows_once(
    planned_round,
    municipalities,
    reporters,
    clusters,
    secretariat,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        rounds.open_round(planned_round, by=secretariat)
    planned_round.refresh_from_db()
    assert planned_round.state == StatusRound.State.OPEN
    assert planned_round.reports.count() == 3
    # two municipal milestones per report, one indicator per report
    assert MilestoneStatus.objects.filter(report__round=planned_round).count() == 6
    assert IndicatorValue.objects.filter(report__round=planned_round).count() == 3
    joint = JointProgress.objects.filter(round=planned_round)
    assert [(p.milestone.scope, p.cluster) for p in joint] == [("joint", None)]
    assert len(mail.outbox) == 3
    assert "Statusrunden" in mail.outbox[0].subject
    assert "/indberetning/" in mail.outbox[0].body
    assert planned_round.history.first().history_user == secretariat

    rounds.open_round(planned_round, by=secretariat)
    assert planned_round.reports.count() == 3
    assert MilestoneStatus.objects.filter(report__round=planned_round).count() == 6
    assert JointProgress.objects.filter(round=planned_round).count() == 1
    assert len(mail.outbox) == 3


def test_development_areas_and_pipeline_goals_are_not_asked_about(
    planned_round, paper, municipalities, secretariat, development_area
):
    area = development_area
    area.milestones.create(text="Undersøg muligheder")
    rounds.open_round(planned_round, by=secretariat)
    assert not MilestoneStatus.objects.filter(milestone__goal=area).exists()


def test_full_cycle(
    planned_round, paper, municipalities, reporters, secretariat, django_capture_on_commit_callbacks
):
    rounds.open_round(planned_round, by=secretariat)
    report = StatusReport.objects.get(round=planned_round, municipality=municipalities[101])
    reporter = reporters[101]
    indicator = paper.goals.get(number="2").indicators.get()

    with pytest.raises(rounds.TransitionError) as refused:
        rounds.approve_report(report, by=secretariat)
    assert "kun godkendes, når den er indsendt" in refused.value.text

    report = rounds.save_report(
        report,
        version=report.version,
        lines=answers(report, status="in_progress"),
        values={indicator.pk: Decimal("12.50")},
        by=reporter,
    )
    assert report.state == StatusReport.State.DRAFT
    assert report.indicator_values.get().value == Decimal("12.50")
    assert report.lines.first().history.first().history_user == reporter

    report = rounds.submit_report(report, by=reporter)
    assert report.state == StatusReport.State.SUBMITTED
    assert report.submitted_by == reporter

    with pytest.raises(rounds.TransitionError):
        rounds.return_report(report, comment="  ", by=secretariat)
    with django_capture_on_commit_callbacks(execute=True):
        report = rounds.return_report(report, comment="Uddyb venligst mål 2.", by=secretariat)
    assert report.state == StatusReport.State.RETURNED
    assert "Uddyb venligst mål 2." in mail.outbox[-1].body

    report = rounds.save_report(
        report, version=report.version, lines=answers(report), values={}, by=reporter
    )
    report = rounds.submit_report(report, by=reporter)
    with django_capture_on_commit_callbacks(execute=True):
        report = rounds.approve_report(report, by=secretariat)
    assert report.state == StatusReport.State.APPROVED
    assert "godkendt" in mail.outbox[-1].subject
    with pytest.raises(rounds.TransitionError):
        rounds.save_report(report, version=report.version, lines={}, values={}, by=reporter)

    progress = JointProgress.objects.get(round=planned_round)
    rounds.record_joint_progress(
        progress, status="in_progress", comment="Plan i høring", by=secretariat
    )

    acute, youth = paper.goals.get(number="1"), paper.goals.get(number="2")
    revised = Goal.objects.create(
        paper=paper, number="2b", order=3, title="Unges trivsel", state=Goal.State.PIPELINE
    )
    rounds.decide_goal(planned_round, acute, decision="achieved", by=secretariat)
    rounds.decide_goal(
        planned_round, youth, decision="revise", new_goal=revised, comment="Skærpet", by=secretariat
    )
    acute.refresh_from_db()
    youth.refresh_from_db()
    revised.refresh_from_db()
    assert acute.state == Goal.State.ACHIEVED
    assert youth.state == Goal.State.REVISED
    assert revised.replaces == youth and revised.state == Goal.State.ACTIVE
    assert GoalDecision.objects.filter(round=planned_round).count() == 2
    assert youth.history.first().history_user == secretariat

    with pytest.raises(rounds.TransitionError):
        publishing.publish_round(planned_round, by=secretariat)
    rounds.close_round(planned_round, by=secretariat)
    with django_capture_on_commit_callbacks(execute=True):
        publishing.publish_round(planned_round, by=secretariat)
    planned_round.refresh_from_db()
    assert planned_round.state == StatusRound.State.PUBLISHED
    # Frozen as its first publication, with its papers rendered after the commit.
    publication = Publication.objects.latest_for(planned_round)
    assert (publication.version, publication.published_by) == (1, secretariat)
    assert set(
        StoredPaper.objects.filter(publication=publication).values_list("state", flat=True)
    ) == {StoredPaper.State.DONE}

    with pytest.raises(rounds.TransitionError):
        rounds.decide_goal(planned_round, acute, decision="continue", by=secretariat)
    with pytest.raises(rounds.TransitionError):
        rounds.reopen_round(planned_round, reason="", by=secretariat)
    rounds.reopen_round(planned_round, reason="Fejl i Hillerøds tal", by=secretariat)
    planned_round.refresh_from_db()
    assert planned_round.state == StatusRound.State.OPEN
    assert planned_round.reopen_reason == "Fejl i Hillerøds tal"
    assert planned_round.history.first().history_change_reason == "Fejl i Hillerøds tal"


def test_close_publish_reopen_buttons_and_published_is_read_only(
    staff, paper, open_status_round, django_capture_on_commit_callbacks
):
    action = reverse("secretariat:round_action", args=[open_status_round.pk])
    staff.post(action, {"action": "close"})
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(action, {"action": "publish"}, follow=True)
    assert "Runden er offentliggjort." in response.content.decode()
    open_status_round.refresh_from_db()
    assert open_status_round.state == StatusRound.State.PUBLISHED

    progress = JointProgress.objects.get(round=open_status_round)
    url = reverse("secretariat:joint_progress", args=[open_status_round.pk])
    assert "kan kun ses" in staff.get(url).content.decode()
    staff.post(url, {f"p{progress.pk}-status": "met"})
    progress.refresh_from_db()
    assert progress.status == ""
    acute = paper.goals.get(number="1")
    response = staff.post(
        reverse("secretariat:decisions", args=[open_status_round.pk]),
        {f"g{acute.pk}-decision": "achieved"},
    )
    assert not GoalDecision.objects.exists()

    response = staff.post(action, {"action": "reopen", "reason": "Rettelse af tal"}, follow=True)
    assert "Runden er genåbnet." in response.content.decode()
    open_status_round.refresh_from_db()
    assert open_status_round.state == StatusRound.State.OPEN
    assert open_status_round.history.first().history_change_reason == "Rettelse af tal"


def test_a_round_is_created_and_opened_from_the_secretariat_pages(
    staff, paper, municipalities, reporters
):
    home = reverse("secretariat:secretariat_home")
    response = staff.post(
        home, round_data(paper, year=2030, opens="2030-01-10", deadline="2030-01-05")
    )
    assert "Fristen skal ligge efter åbningsdatoen." in response.content.decode()
    staff.post(home, round_data(paper, year=2030, opens="2030-01-10", deadline="2030-03-01"))
    created = StatusRound.objects.get(year=2030)
    assert created.state == StatusRound.State.PLANNED
    staff.post(reverse("secretariat:round_action", args=[created.pk]), {"action": "open"})
    assert created.reports.count() == 3


def test_the_secretariat_home_lists_only_the_users_regions(
    client, other_secretariat, open_status_round, other_region
):
    client.force_login(other_secretariat)
    text = client.get(reverse("secretariat:secretariat_home")).content.decode()
    assert "Der er ingen statusrunder endnu." in text
    assert reverse("secretariat:round_overview", args=[open_status_round.pk]) not in text
    assert f'<option value="{open_status_round.paper.pk}"' not in text  # not offered for a round
    assert "Hovedstaden" not in text


def round_data(paper, **changes):
    """The new-round form on the secretariat's page as the browser posts it: a round of `paper`
    for 2031, opening 10 January with the deadline 1 March, but for `changes`."""
    fields = {"paper": paper.pk, "year": 2031, "opens": "2031-01-10", "deadline": "2031-03-01"}
    return {f"round-{name}": value for name, value in (fields | changes).items()}


def test_a_round_for_a_year_the_paper_already_has_is_a_form_error(staff, paper):
    StatusRound.objects.create(
        paper=paper, year=2031, opens=datetime.date(2031, 1, 1), deadline=datetime.date(2031, 2, 1)
    )

    response = staff.post(reverse("secretariat:secretariat_home"), round_data(paper))

    assert response.status_code == 200
    text = response.content.decode()
    assert "Der er allerede en statusrunde for 2031 for dette målpapir." in text
    assert_polite(text)
    assert StatusRound.objects.filter(paper=paper).count() == 1


@pytest.mark.parametrize("year", ["0", "1999", "99999", "-1", "tyve"])
def test_a_round_year_out_of_range_is_refused_in_danish(staff, paper, year):
    response = staff.post(reverse("secretariat:secretariat_home"), round_data(paper, year=year))

    assert response.status_code == 200
    text = response.content.decode()
    assert "Angiv et år mellem 2000 og 2100." in text
    assert f'value="{year}"' in text  # what was typed is kept
    assert not StatusRound.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("deadline", "2031-01-01", "Fristen skal ligge efter åbningsdatoen."),
        ("opens", "2031-02-30", "Indtast en gyldig dato."),
        ("deadline", "i morgen", "Indtast en gyldig dato."),
    ],
)
def test_bad_round_dates_are_refused_in_danish(staff, paper, field, value, message):
    response = staff.post(
        reverse("secretariat:secretariat_home"), round_data(paper, **{field: value})
    )

    text = response.content.decode()
    assert response.status_code == 200 and message in text
    assert_polite(text)
    assert not StatusRound.objects.exists()


def test_a_paper_of_another_region_cannot_be_chosen(staff, paper, other_region):
    foreign = make_paper(
        other_region, "syd.txt", title="Syddansk papir", first_year=2019, last_year=2022
    )

    response = staff.post(reverse("secretariat:secretariat_home"), round_data(foreign))

    assert response.status_code == 200
    assert "Marker en gyldig valgmulighed" in response.content.decode()
    assert not StatusRound.objects.exists()


def admin_round_data(paper, **changes):
    data = {"paper": paper.pk, "year": 2032, "opens": "2032-01-10", "deadline": "2032-03-01"}
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"deadline": "2032-01-01"}, "Fristen skal ligge efter åbningsdatoen."),
        ({"year": 0}, "Angiv et år mellem 2000 og 2100."),
        ({"year": 2031}, "Der er allerede en statusrunde for 2031 for dette målpapir."),
    ],
)
def test_a_round_in_the_admin_with_bad_dates_or_year_is_a_form_error(
    staff, paper, changes, message
):
    StatusRound.objects.create(
        paper=paper, year=2031, opens=datetime.date(2031, 1, 1), deadline=datetime.date(2031, 2, 1)
    )

    response = staff.post(
        reverse("admin:goals_statusround_add"), admin_round_data(paper, **changes)
    )

    text = response.content.decode()
    assert response.status_code == 200 and message in text
    assert_polite(text)
    assert StatusRound.objects.count() == 1


def test_a_round_made_by_somebody_else_meanwhile_is_a_form_error(staff, paper, monkeypatch):
    save = RoundForm.save

    def colleague_saves_first(form, *args, **kwargs):
        # The colleague's identical round is saved after every check of this form passed.
        StatusRound.objects.create(
            paper=paper,
            year=2031,
            opens=datetime.date(2031, 1, 1),
            deadline=datetime.date(2031, 2, 1),
        )
        return save(form, *args, **kwargs)

    monkeypatch.setattr(RoundForm, "save", colleague_saves_first)

    response = staff.post(reverse("secretariat:secretariat_home"), round_data(paper))

    assert response.status_code == 200
    text = response.content.decode()
    assert "Der er allerede en statusrunde for 2031 for dette målpapir." in text
    assert 'value="2031"' in text  # what was typed is kept


@pytest.fixture
def unadopted(region):
    """A paper of the region in each state no round may be made for: new goals still in draft
    and a period long past, archived."""
    papers = [
        ("udkast.txt", "Udkast til nye KKR-mål", 2031, 2034, GoalPaper.State.DRAFT),
        ("gamle.txt", "Gamle KKR-mål", 2010, 2012, GoalPaper.State.ARCHIVED),
    ]
    return {
        state: make_paper(
            region, source, title=title, first_year=first, last_year=last, state=state
        )
        for source, title, first, last, state in papers
    }


@pytest.fixture
def draft_paper(unadopted):
    return unadopted[GoalPaper.State.DRAFT]


def test_a_round_of_a_draft_paper_cannot_be_opened(draft_paper, municipalities, secretariat):
    Goal.objects.create(paper=draft_paper, number="1", order=1, title="Et mål i udkast")
    today = timezone.localdate()
    status_round = StatusRound.objects.create(
        paper=draft_paper, year=today.year, opens=today, deadline=today
    )

    with pytest.raises(rounds.TransitionError) as refused:
        rounds.open_round(status_round, by=secretariat)

    assert "Målpapiret er et udkast" in refused.value.text
    status_round.refresh_from_db()
    assert status_round.state == StatusRound.State.PLANNED
    assert not status_round.reports.exists()


def test_the_open_button_on_a_draft_papers_round_says_why(staff, draft_paper, municipalities):
    today = timezone.localdate()
    status_round = StatusRound.objects.create(
        paper=draft_paper, year=today.year, opens=today, deadline=today
    )

    response = staff.post(
        reverse("secretariat:round_action", args=[status_round.pk]), {"action": "open"}, follow=True
    )

    assert "Målpapiret er et udkast" in response.content.decode()
    status_round.refresh_from_db()
    assert status_round.state == StatusRound.State.PLANNED


def test_the_new_round_form_offers_only_adopted_papers(staff, paper, unadopted):
    page = staff.get(reverse("secretariat:secretariat_home")).content.decode()
    assert paper.title in page
    for refused in unadopted.values():
        assert refused.title not in page

        response = staff.post(reverse("secretariat:secretariat_home"), round_data(refused))
        assert response.status_code == 200
    assert not StatusRound.objects.exists()


@pytest.mark.parametrize(
    ("state", "message"),
    [
        (GoalPaper.State.DRAFT, "Målpapiret er et udkast"),
        (GoalPaper.State.ARCHIVED, "Målpapiret er arkiveret"),
    ],
    ids=["draft", "archived"],
)
def test_the_admin_refuses_a_round_for_a_draft_or_archived_paper_in_words(
    staff, unadopted, state, message
):
    response = staff.post(
        reverse("admin:goals_statusround_add"),
        admin_round_data(unadopted[state], year=2031, opens="2031-01-10", deadline="2031-03-01"),
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not StatusRound.objects.exists()


def test_round_list_shows_progress_and_only_the_users_region(
    staff, client, open_status_round, other_secretariat
):
    text = staff.get(reverse("admin:goals_statusround_changelist")).content.decode()
    assert "0 af 3" in text
    assert reverse("secretariat:round_overview", args=[open_status_round.pk]) in text

    client.force_login(other_secretariat)
    change = reverse("admin:goals_statusround_change", args=[open_status_round.pk])
    assert client.get(change).status_code in (302, 404)
    report = open_status_round.reports.first()
    assert client.get(reverse("admin:goals_statusreport_change", args=[report.pk])).status_code in (
        302,
        404,
    )


def test_admin_actions_open_close_and_publish_through_the_domain_functions(
    staff, paper, municipalities, reporters, django_capture_on_commit_callbacks
):
    status_round = StatusRound.objects.create(
        paper=paper, year=2031, opens="2031-01-01", deadline="2031-03-01"
    )
    url = reverse("admin:goals_statusround_changelist")

    def act(action, confirmed=True):
        data = {"action": action, "_selected_action": [status_round.pk]}
        if confirmed:
            data["post"] = "yes"  # the answer of the confirmation page
        return staff.post(url, data, follow=True)

    with django_capture_on_commit_callbacks(execute=True):
        assert "1 runde er åbnet." in act("open_rounds").content.decode()
    assert status_round.reports.count() == 3
    refused = act("publish_rounds").content.decode()
    assert "Runden skal lukkes, før den kan offentliggøres" in refused
    asked = act("close_rounds", confirmed=False).content.decode()
    assert "har ikke indsendt og kan ikke længere gøre det" in asked and 'value="yes"' in asked
    status_round.refresh_from_db()
    assert status_round.state == StatusRound.State.OPEN  # asking changed nothing
    act("close_rounds")
    asked = act("publish_rounds", confirmed=False).content.decode()
    assert "PDF-statuspapirer dannes" in asked
    status_round.refresh_from_db()
    assert status_round.state == StatusRound.State.CLOSED
    act("publish_rounds")
    status_round.refresh_from_db()
    assert status_round.state == StatusRound.State.PUBLISHED
    assert status_round.history.first().history_user.username == "sekretariat-hovedstaden"

    # published: read-only, the secretariat included
    change = staff.get(reverse("admin:goals_statusround_change", args=[status_round.pk]))
    assert change.status_code == 200
    assert 'name="deadline"' not in change.content.decode()


@pytest.mark.parametrize(
    "page",
    [
        "admin:goals_statusround_changelist",
        "admin:goals_statusround_add",
        "admin:goals_statusreport_changelist",
        "admin:goals_jointprogress_changelist",
        "admin:goals_goaldecision_changelist",
        "admin:goals_goaldecision_add",
        "admin:goals_reminder_changelist",
    ],
)
def test_every_round_admin_page_opens(staff, open_status_round, page):
    response = staff.get(reverse(page))
    assert response.status_code == 200


def test_round_actions_on_another_regions_round_change_nothing(
    client, other_secretariat, open_status_round
):
    client.force_login(other_secretariat)
    url = reverse("secretariat:round_action", args=[open_status_round.pk])
    for action in ["close", "open", "publish"]:
        assert client.post(url, {"action": action}).status_code == 404
    assert client.post(url, {"action": "reopen", "reason": "x"}).status_code == 404
    open_status_round.refresh_from_db()
    assert open_status_round.state == StatusRound.State.OPEN


def test_a_round_cannot_be_created_for_another_regions_paper(client, secretariat, other_paper):
    client.force_login(secretariat)
    response = client.post(
        reverse("secretariat:secretariat_home"),
        {
            "round-paper": other_paper.pk,
            "round-year": 2030,
            "round-opens": "2030-01-01",
            "round-deadline": "2030-02-01",
        },
    )
    assert response.status_code == 200
    assert not StatusRound.objects.filter(paper=other_paper).exists()
