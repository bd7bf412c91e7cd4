"""What reviewers found the pages did wrong with odd input, races and refusals: a page never
answers with an error page, and a refused change never throws away what the user typed.

- The round overview's cluster filter takes any text without a 500.
- Returning a report in a closed round, deciding two goals into one new goal, a save that
  meets somebody else's save, and a report posted after the round closed all show the page
  again with the reason and the input.
- Two people making the same round at once get the form's words, not a 500.
- No round is made or opened for a paper that is still a draft (or archived).
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from goals import rounds
from goals.forms import RoundForm
from goals.models import Goal, GoalDecision, GoalPaper, StatusReport, StatusRound
from tests.conftest import make_user, small_pdf, submitted

pytestmark = pytest.mark.django_db


def typed(report, comment, status="met", **extra):
    """What a reporter types into every line and indicator of the form."""
    data = {"version": report.version, "save": "1"}
    for line in report.lines.all():
        data[f"line-{line.milestone_id}-status"] = status
        data[f"line-{line.milestone_id}-comment"] = comment
        data[f"line-{line.milestone_id}-evidence_url"] = ""
    for value in report.indicator_values.all():
        data[f"value-{value.indicator_id}"] = "12,5"
    data.update(extra)
    return data


# --- 1. the overview's cluster filter ----------------------------------------------------


@pytest.mark.parametrize("value", ["99999999999999999999", "²", "١", "-1", "abc", " 1"])
def test_a_cluster_filter_that_is_no_cluster_of_the_region_shows_every_report(
    staff, open_status_round, value
):
    response = staff.get(
        reverse("goals:round_overview", args=[open_status_round.pk]), {"klynge": value}
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert "København" in text and "Hillerød" in text


def test_another_regions_cluster_is_not_a_filter_and_a_real_one_is_still_chosen(
    staff, open_status_round, clusters, other_region
):
    from municipalities.models import Cluster

    foreign = Cluster.objects.create(region=other_region, name="Fyn", order=1)
    url = reverse("goals:round_overview", args=[open_status_round.pk])

    text = staff.get(url, {"klynge": foreign.pk}).content.decode()
    assert "København" in text and "Hillerød" in text

    nord = staff.get(url, {"klynge": str(clusters["Nord"].pk)}).content.decode()
    assert "Hillerød" in nord and "København" not in nord
    assert f'value="{clusters["Nord"].pk}" selected' in nord


# --- 2. returning a report in a closed round ----------------------------------------------


def test_returning_in_a_closed_round_keeps_the_comment_and_says_why(
    staff, report, reporters, secretariat, open_status_round
):
    submitted(report, reporters[101])
    rounds.close_round(open_status_round, by=secretariat)

    response = staff.post(
        reverse("goals:review_report", args=[report.pk]),
        {"action": "return", "comment": "Uddyb venligst milepæl 1 om akutteamet."},
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert "Runden er lukket, så kommunen kan ikke rette. Genåbn runden først." in text
    assert "Uddyb venligst milepæl 1 om akutteamet." in text
    report.refresh_from_db()
    assert report.state == StatusReport.State.SUBMITTED
    assert report.review_comment == ""


# --- 3. decisions -------------------------------------------------------------------------


def test_two_goals_revised_into_the_same_goal_is_an_error_beside_the_second(
    staff, paper, open_status_round
):
    acute, youth = paper.goals.get(number="1"), paper.goals.get(number="2")
    successor = Goal.objects.create(
        paper=paper, number="3", order=3, title="Sammenhæng for borgeren", state="pipeline"
    )

    response = staff.post(
        reverse("goals:decisions", args=[open_status_round.pk]),
        {
            f"g{acute.pk}-decision": "revise",
            f"g{acute.pk}-new_goal": successor.pk,
            f"g{acute.pk}-comment": "Akutmålet samles med unges sundhed",
            f"g{youth.pk}-decision": "revise",
            f"g{youth.pk}-new_goal": successor.pk,
            f"g{youth.pk}-comment": "Unges sundhed skærpes",
        },
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert "Mål 3 er allerede valgt som revision af mål 1." in text
    assert "Beslutningerne er ikke gemt. Ret venligst fejlene herunder." in text
    assert "Akutmålet samles med unges sundhed" in text and "Unges sundhed skærpes" in text
    # The error sits in the second goal's fieldset, not the first's.
    second = text[text.index(f'name="g{youth.pk}-decision"') :]
    assert "er allerede valgt som revision" in second
    assert not GoalDecision.objects.exists()
    successor.refresh_from_db()
    assert successor.replaces is None and successor.state == Goal.State.PIPELINE


def test_a_refusal_half_way_saves_nothing_and_keeps_every_choice(staff, paper, open_status_round):
    # Each form alone is fine; together goal 2 would replace goal 1 that replaces goal 2,
    # which only rounds.decide_goal sees once the first decision is recorded.
    acute, youth = paper.goals.get(number="1"), paper.goals.get(number="2")

    response = staff.post(
        reverse("goals:decisions", args=[open_status_round.pk]),
        {
            f"g{acute.pk}-decision": "revise",
            f"g{acute.pk}-new_goal": youth.pk,
            f"g{acute.pk}-comment": "Første begrundelse",
            f"g{youth.pk}-decision": "revise",
            f"g{youth.pk}-new_goal": acute.pk,
            f"g{youth.pk}-comment": "Anden begrundelse",
        },
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert "Beslutningerne er ikke gemt:" in text
    assert "som det selv har erstattet" in text
    assert "Første begrundelse" in text and "Anden begrundelse" in text
    assert not GoalDecision.objects.exists()
    acute.refresh_from_db()
    youth.refresh_from_db()
    assert acute.state == youth.state == Goal.State.ACTIVE
    assert acute.replaces is None and youth.replaces is None
    # The badges show the goals as saved, not as the refused attempt left them in memory.
    assert "Revideret" not in text.split("<form", 1)[1].split("</legend>", 2)[0]


# --- 4. a save conflict with a file chosen ------------------------------------------------


@pytest.fixture
def colleague(municipalities):
    return make_user("indberetter-101-b", municipality=municipalities[101])


def test_after_a_conflict_the_page_asks_for_the_file_again_and_keeps_the_rest(
    report, reporters, colleague
):
    alice, bob = Client(), Client()
    alice.force_login(reporters[101])
    bob.force_login(colleague)
    url = reverse("goals:report_form", args=[report.pk])
    line = report.lines.order_by("milestone__goal__order").first()
    alice.post(url, typed(report, "Alices tekst"))

    data = typed(report, "Bobs tekst om akutplanen")
    data[f"line-{line.milestone_id}-evidence_file"] = SimpleUploadedFile(
        "akutplan.pdf", small_pdf(), content_type="application/pdf"
    )
    response = bob.post(url, data)

    assert response.status_code == 200
    text = response.content.decode()
    assert "Nogen har gemt indberetningen" in text
    assert "Vælg eventuelle nye filer igen, før du gemmer." in text
    assert "Bobs tekst om akutplanen" in text
    line.refresh_from_db()
    assert not line.evidence_file


def test_after_a_conflict_without_a_file_no_file_is_asked_for(report, reporters, colleague):
    alice, bob = Client(), Client()
    alice.force_login(reporters[101])
    bob.force_login(colleague)
    url = reverse("goals:report_form", args=[report.pk])
    alice.post(url, typed(report, "Alices tekst"))

    text = bob.post(url, typed(report, "Bobs tekst")).content.decode()

    assert "Nogen har gemt indberetningen" in text
    assert "Vælg eventuelle nye filer igen" not in text
    assert "Vælg den igen" not in text


# --- 5. a report posted after the round closed or the deadline passed ---------------------


@pytest.mark.parametrize("why", ["closed", "deadline"])
def test_input_refused_after_closing_stays_on_the_read_only_page(
    reporter, report, secretariat, open_status_round, why
):
    if why == "closed":
        rounds.close_round(open_status_round, by=secretariat)
        expected = "Runden er lukket"
    else:
        StatusRound.objects.filter(pk=open_status_round.pk).update(
            opens=datetime.date(2020, 1, 1), deadline=datetime.date(2020, 2, 1)
        )
        expected = "Fristen 01.02.2020 er overskredet"

    response = reporter.post(
        reverse("goals:report_form", args=[report.pk]),
        typed(report, "Akutteamet er bemandet <b>døgnet rundt</b>"),
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert expected in text
    assert "Dine indtastninger er ikke gemt. De står herunder, så du kan kopiere dem." in text
    assert "Kun visning." in text and "Gem kladde" not in text
    # Escaped, in a text box that can be selected and copied but not sent.
    assert "Akutteamet er bemandet &lt;b&gt;døgnet rundt&lt;/b&gt;" in text
    assert "readonly" in text and 'value="12,5"' in text
    report.refresh_from_db()
    assert report.version == 1
    assert not report.lines.exclude(comment="").exists()


def test_a_round_closed_between_the_check_and_the_save_keeps_the_input(
    reporter, report, secretariat, open_status_round, monkeypatch
):
    # The secretariat closes the round after the page's own check has passed: the save
    # itself refuses.
    save_report = rounds.save_report

    def closed_just_before(report, **kwargs):
        rounds.close_round(open_status_round, by=secretariat)
        return save_report(report, **kwargs)

    monkeypatch.setattr(rounds, "save_report", closed_just_before)

    response = reporter.post(
        reverse("goals:report_form", args=[report.pk]), typed(report, "Skrevet lige før lukning")
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert "Runden er lukket" in text
    assert "Skrevet lige før lukning" in text
    report.refresh_from_db()
    assert report.version == 1


# --- 6. two people making the same round at once ------------------------------------------


def test_a_round_made_by_somebody_else_meanwhile_is_a_form_error(staff, paper, monkeypatch):
    checks = RoundForm._post_clean

    def checked_then_colleague_saves(form):
        checks(form)
        # The colleague's identical round is saved after every check of this form passed.
        StatusRound.objects.create(
            paper=paper,
            year=2031,
            opens=datetime.date(2031, 1, 1),
            deadline=datetime.date(2031, 2, 1),
        )

    monkeypatch.setattr(RoundForm, "_post_clean", checked_then_colleague_saves)

    response = staff.post(
        reverse("goals:secretariat_home"),
        {
            "round-paper": paper.pk,
            "round-year": 2031,
            "round-opens": "2031-01-10",
            "round-deadline": "2031-03-01",
        },
    )

    assert response.status_code == 200
    assert "Der er allerede en statusrunde for 2031 for dette målpapir." in (
        response.content.decode()
    )
    assert StatusRound.objects.filter(paper=paper, year=2031).count() == 1


# --- 7. no rounds for draft or archived papers --------------------------------------------


@pytest.fixture
def draft_paper(region):
    return GoalPaper.objects.create(
        region=region,
        title="Udkast til nye KKR-mål",
        kind=GoalPaper.Kind.KKR_GOALS,
        adopted_year=2031,
        first_year=2031,
        last_year=2034,
        source="udkast.txt",
        state=GoalPaper.State.DRAFT,
    )


@pytest.fixture
def archived_paper(region):
    return GoalPaper.objects.create(
        region=region,
        title="Gamle KKR-mål",
        kind=GoalPaper.Kind.KKR_GOALS,
        adopted_year=2010,
        first_year=2010,
        last_year=2012,
        source="gamle.txt",
        state=GoalPaper.State.ARCHIVED,
    )


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
        reverse("goals:round_action", args=[status_round.pk]), {"action": "open"}, follow=True
    )

    assert "Målpapiret er et udkast" in response.content.decode()
    status_round.refresh_from_db()
    assert status_round.state == StatusRound.State.PLANNED


def test_the_new_round_form_offers_only_adopted_papers(staff, paper, draft_paper, archived_paper):
    page = staff.get(reverse("goals:secretariat_home")).content.decode()
    assert paper.title in page
    assert draft_paper.title not in page and archived_paper.title not in page

    for refused in (draft_paper, archived_paper):
        response = staff.post(
            reverse("goals:secretariat_home"),
            {
                "round-paper": refused.pk,
                "round-year": 2031,
                "round-opens": "2031-01-10",
                "round-deadline": "2031-03-01",
            },
        )
        assert response.status_code == 200
    assert not StatusRound.objects.exists()


@pytest.mark.parametrize("which", ["draft", "archived"])
def test_the_admin_refuses_a_round_for_a_draft_or_archived_paper_in_words(
    staff, draft_paper, archived_paper, which
):
    refused = draft_paper if which == "draft" else archived_paper
    response = staff.post(
        reverse("admin:goals_statusround_add"),
        {"paper": refused.pk, "year": 2031, "opens": "2031-01-10", "deadline": "2031-03-01"},
    )

    assert response.status_code == 200
    text = response.content.decode()
    expected = "Målpapiret er et udkast" if which == "draft" else "Målpapiret er arkiveret"
    assert expected in text
    assert not StatusRound.objects.exists()
