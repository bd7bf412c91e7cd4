"""The secretariat keeps papers, goals, milestones and the reference data in the admin: every
change is in the history with who and what, a revert from the history is the live change form
saved with the old values (the workflow's rows are never reverted), and every rule the
database keeps is a form error in Danish, never a crash."""

import pytest
from django.urls import reverse

from goals import rounds
from goals.models import Goal
from goals.models import GoalPaper
from goals.models import Milestone
from goals.models import StatusReport
from goals.models import StatusRound
from municipalities.models import Membership
from municipalities.models import Municipality
from reports import publishing
from tests.builders import assert_polite
from tests.builders import empty_inlines
from tests.builders import goal_post_data
from tests.builders import page_form
from tests.builders import submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def goal(paper):
    return paper.goals.get(number="1")


def test_an_admin_edit_is_recorded_with_who_and_what(client, secretariat, goal):
    client.force_login(secretariat)

    response = client.post(
        f"/admin/goals/goal/{goal.pk}/change/",
        goal_post_data(goal, title="Effektive akuttilbud til alle borgere", kind="development"),
    )

    assert response.status_code == 302
    latest, before = goal.history.order_by("-history_date", "-history_id")[:2]
    assert latest.history_type == "~"
    assert latest.history_user == secretariat
    assert latest.title == "Effektive akuttilbud til alle borgere"
    assert before.title == "Effektive akuttilbud"
    changed = {change.field for change in latest.diff_against(before).changes}
    assert changed == {"title", "kind"}


def test_the_history_page_shows_who_changed_what(client, secretariat, goal, paper):
    client.force_login(secretariat)
    youth = paper.goals.get(number="2")
    client.post(
        f"/admin/goals/goal/{goal.pk}/change/",
        goal_post_data(
            goal,
            title="Effektive akuttilbud til alle borgere",
            kind="development",
            replaces=youth.pk,
        ),
    )

    response = client.get(f"/admin/goals/goal/{goal.pk}/history/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Historik" in page
    assert "sekretariat-hovedstaden" in page
    assert "Titel:" in page  # the field, by its Danish name
    assert "Effektive akuttilbud" in page and "til alle borgere" in page
    assert "ændret" in page and "oprettet" in page
    assert "KKR-mål&nbsp;&rarr;&nbsp;udviklingsområde" in page  # choices by their Danish labels
    assert "–&nbsp;&rarr;&nbsp;2 Unges sundhed" in page  # an empty link reads as "–"


def test_an_inline_milestone_edit_is_recorded_too(client, secretariat, goal):
    client.force_login(secretariat)
    milestone = goal.milestones.get(order=1)
    data = goal_post_data(goal)
    milestones = list(goal.milestones.order_by("order", "id"))
    data.update(
        {"milestones-TOTAL_FORMS": len(milestones), "milestones-INITIAL_FORMS": len(milestones)}
    )
    for i, m in enumerate(milestones):
        data.update(
            {
                f"milestones-{i}-id": m.pk,
                f"milestones-{i}-goal": goal.pk,
                f"milestones-{i}-order": m.order,
                f"milestones-{i}-scope": m.scope,
                f"milestones-{i}-text": m.text,
                f"milestones-{i}-lead": m.lead,
                f"milestones-{i}-due": m.due.isoformat() if m.due else "",
                f"milestones-{i}-due_text": m.due_text,
                f"milestones-{i}-baseline_count": m.baseline_count or "",
                f"milestones-{i}-baseline_of": m.baseline_of or "",
                f"milestones-{i}-baseline_year": m.baseline_year or "",
            }
        )
    data["milestones-0-baseline_count"] = 2

    response = client.post(f"/admin/goals/goal/{goal.pk}/change/", data)

    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.baseline_count == 2
    latest = milestone.history.latest()
    assert latest.history_user == secretariat
    assert latest.prev_record.baseline_count == 1
    page = client.get(f"/admin/goals/milestone/{milestone.pk}/history/").content.decode()
    assert "sekretariat-hovedstaden" in page


def test_a_post_to_a_reports_history_page_does_not_put_it_back_to_draft(staff, report, reporters):
    first_version = report.history.earliest("history_date")
    report = submitted(report, reporters[101])
    url = f"/admin/goals/statusreport/{report.pk}/history/{first_version.history_id}/"
    assert staff.get(url).status_code == 200  # shown, read-only

    response = staff.post(url, {"_save": "1"})

    assert response.status_code == 403
    report.refresh_from_db()
    assert report.state == StatusReport.State.SUBMITTED
    assert report.version == 3
    assert report.submitted_at is not None


def test_a_post_to_a_published_rounds_history_page_does_not_unpublish_it(
    staff, open_status_round, secretariat
):
    open_version = open_status_round.history.latest("history_date")
    rounds.close_round(open_status_round, by=secretariat)
    publishing.publish_round(open_status_round, by=secretariat)
    url = f"/admin/goals/statusround/{open_status_round.pk}/history/{open_version.history_id}/"
    page = staff.get(url).content.decode()
    assert 'name="_save"' not in page

    response = staff.post(url, {"_save": "1"})

    assert response.status_code == 403
    open_status_round.refresh_from_db()
    assert open_status_round.state == StatusRound.State.PUBLISHED


def test_a_goal_is_reverted_through_its_change_form_only(staff, paper, secretariat):
    """Where the change form is editable, reverting is saving that form with the old values:
    the goal's title comes back, nothing outside the form does."""
    goal = paper.goals.get(number="1")
    old = goal.history.latest("history_date")
    goal.title = "Ny titel"
    goal.state = "achieved"
    goal.save()
    url = f"/admin/goals/goal/{goal.pk}/history/{old.history_id}/"
    data = page_form(staff, url)
    assert data["title"] == "Effektive akuttilbud"

    response = staff.post(url, data)

    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.title == "Effektive akuttilbud"


def test_a_baseline_above_its_total_is_a_form_error_not_a_crash(client, secretariat, goal):
    client.force_login(secretariat)
    milestone = goal.milestones.get(order=1)

    response = client.post(
        f"/admin/goals/milestone/{milestone.pk}/change/",
        {
            "goal": goal.pk,
            "order": 1,
            "text": milestone.text,
            "scope": milestone.scope,
            "baseline_count": 5,
            "baseline_of": 3,
            "baseline_year": 2016,
        },
    )

    assert response.status_code == 200
    assert "Udgangspunktet kan ikke være større end det samlede antal." in (
        response.content.decode()
    )
    assert Milestone.objects.get(pk=milestone.pk).baseline_count == 1
    assert milestone.history.count() == 1  # nothing saved, nothing recorded


def milestone_data(goal, **changes):
    data = {
        "goal": goal.pk,
        "order": 5,
        "text": "En ny milepæl",
        "due": "",
        "due_text": "",
        "scope": "municipality",
        "lead": "",
        "baseline_count": "",
        "baseline_of": "",
        "baseline_year": "",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"baseline_count": 5, "baseline_of": 3},
            "Udgangspunktet kan ikke være større end det samlede antal.",
        ),
        ({"baseline_count": 2}, "Angiv hvor mange kommuner udgangspunktet er ud af."),
        ({"baseline_of": 3}, "Angiv antallet, der opfyldte målet."),
    ],
)
def test_a_milestone_baseline_that_does_not_add_up_is_a_form_error(staff, paper, changes, message):
    goal = paper.goals.get(number="1")

    response = staff.post(reverse("admin:goals_milestone_add"), milestone_data(goal, **changes))

    text = response.content.decode()
    assert response.status_code == 200 and message in text
    assert_polite(text)
    assert not Milestone.objects.filter(text="En ny milepæl").exists()


def test_a_goal_number_already_in_the_paper_is_a_form_error(staff, paper):
    twin = Goal(paper=paper, number="1", order=9, title="Et dobbelt mål")

    response = staff.post(reverse("admin:goals_goal_add"), goal_post_data(twin))

    text = response.content.decode()
    assert response.status_code == 200
    assert "Der er allerede et mål med nummer 1 i dette målpapir." in text
    assert not Goal.objects.filter(title="Et dobbelt mål").exists()


@pytest.mark.parametrize(
    ("years", "message"),
    [
        (
            {"adopted_year": 2020, "first_year": 2024, "last_year": 2020},
            "Det sidste år kan ikke ligge før det første.",
        ),
        (
            {"adopted_year": 0, "first_year": 2020, "last_year": 2022},
            "Angiv et år mellem 2000 og 2100.",
        ),
    ],
    ids=["period-backwards", "year-zero"],
)
def test_a_paper_with_impossible_years_is_a_form_error(superuser_client, region, years, message):
    data = {
        "region": region.pk,
        "title": "Umulige år",
        "kind": GoalPaper.Kind.KKR_GOALS,
        "state": GoalPaper.State.ADOPTED,
        "source": "umulig.txt",
        **years,
        **empty_inlines("themes", "goals"),
    }

    response = superuser_client.post(reverse("admin:goals_goalpaper_add"), data)

    text = response.content.decode()
    assert response.status_code == 200
    assert message in text
    assert_polite(text)
    assert not GoalPaper.objects.filter(title="Umulige år").exists()


def test_a_cluster_of_another_region_is_a_form_error(superuser_client, region, other_region):
    from municipalities.models import Cluster

    foreign = Cluster.objects.create(region=other_region, name="Fyn")
    data = {"kommunekode": 165, "name": "Albertslund", "region": region.pk, "cluster": foreign.pk}

    response = superuser_client.post(reverse("admin:municipalities_municipality_add"), data)

    text = response.content.decode()
    assert response.status_code == 200
    assert "Klyngen hører til en anden region end kommunen." in text
    assert not Municipality.objects.filter(kommunekode=165).exists()


def test_a_cluster_with_municipalities_cannot_move_to_another_region(
    superuser_client, clusters, municipalities, other_region
):
    byen = clusters["Byen"]

    response = superuser_client.post(
        reverse("admin:municipalities_cluster_change", args=[byen.pk]),
        {"region": other_region.pk, "name": byen.name, "order": byen.order, "description": ""},
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert "Klyngen har kommuner i Hovedstaden." in text
    byen.refresh_from_db()
    assert byen.region_id == municipalities[101].region_id


@pytest.mark.parametrize("code", [99, 1000])
def test_a_kommunekode_that_is_not_three_digits_is_a_form_error(superuser_client, region, code):
    data = {"kommunekode": code, "name": "Ukendt", "region": region.pk, "cluster": ""}

    response = superuser_client.post(reverse("admin:municipalities_municipality_add"), data)

    text = response.content.decode()
    assert response.status_code == 200
    assert "Kommunekoden skal have tre cifre (100–999)." in text
    assert_polite(text)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"role": "secretariat", "municipality": "MUNI"}, "Et sekretariatsmedlem knyttes kun"),
        ({"role": "reporter", "region": "REGION"}, "En indberetter knyttes kun"),
        ({"role": "reporter", "municipality": "MUNI"}, "Brugeren er allerede indberetter for"),
    ],
)
def test_a_membership_whose_role_and_scope_do_not_match_is_a_form_error(
    superuser_client, region, municipalities, reporters, changes, message
):
    user = reporters[101]
    data = {"user": user.pk, "role": "", "region": "", "municipality": ""}
    data.update(changes)
    if data["municipality"] == "MUNI":
        data["municipality"] = municipalities[101].pk
    if data["region"] == "REGION":
        data["region"] = region.pk

    response = superuser_client.post(reverse("admin:municipalities_membership_add"), data)

    text = response.content.decode()
    assert response.status_code == 200 and message in text
    assert_polite(text)
    assert Membership.objects.filter(user=user).count() == 1
