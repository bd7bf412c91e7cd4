"""Who sees and edits what in the admin: a secretariat its own region's rows only (lists, pages,
history, choices, autocomplete), reference data for superusers, nobody without a membership;
odd addresses are a 404 (an odd date filter a wrong filter), never a server error."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from goals.models import Goal
from goals.models import Milestone
from municipalities.models import Cluster
from municipalities.models import Membership
from tests.builders import PASSWORD
from tests.builders import goal_post_data
from tests.builders import make_paper
from tests.builders import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_goal(other_paper):
    return other_paper.goals.get()


@pytest.fixture
def own_goal(paper):
    return paper.goals.get(number="1")


@pytest.fixture
def staff_client(client, secretariat, other_paper):
    client.force_login(secretariat)
    return client


def test_goal_list_shows_only_the_users_region(staff_client, paper, other_paper):
    response = staff_client.get("/admin/goals/goal/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Effektive akuttilbud" in page
    assert "Unges sundhed" in page
    assert "Klar opgavedeling i Syddanmark" not in page
    # The region filter offers the user's own region only.
    assert "Syddanmark" not in page


def test_paper_list_shows_only_the_users_region(staff_client, paper, other_paper):
    page = staff_client.get("/admin/goals/goalpaper/").content.decode()

    assert "KKR-mål for sundhed" in page
    assert "Kommunernes rolle i det nære sundhedsvæsen" not in page


def test_another_regions_goal_is_not_found(staff_client, other_goal):
    for url in (
        f"/admin/goals/goal/{other_goal.pk}/change/",
        f"/admin/goals/goal/{other_goal.pk}/history/",
        f"/admin/goals/goal/{other_goal.pk}/delete/",
    ):
        response = staff_client.get(url)
        assert response.status_code == 404, url
        assert b"Klar opgavedeling" not in response.content


def test_another_regions_goal_history_version_is_not_found(staff_client, other_goal):
    version = other_goal.history.latest()

    response = staff_client.get(f"/admin/goals/goal/{other_goal.pk}/history/{version.history_id}/")

    assert response.status_code == 404


def test_another_regions_paper_and_milestone_are_not_found(staff_client, other_paper):
    milestone = Milestone.objects.get(goal__paper=other_paper)

    for url in (
        f"/admin/goals/goalpaper/{other_paper.pk}/change/",
        f"/admin/goals/milestone/{milestone.pk}/change/",
    ):
        response = staff_client.get(url)
        assert response.status_code == 404, url
        assert b"Syddansk milep" not in response.content
        assert b"Kommunernes rolle" not in response.content


@pytest.mark.parametrize(
    "address",
    [
        lambda goal: f"/admin/goals/goal/{goal.pk}/change/",
        lambda goal: f"/admin/goals/goal/{goal.pk}/history/{goal.history.latest().history_id}/",
    ],
    ids=["change form", "history revert"],
)
def test_posting_to_another_regions_goal_changes_nothing(staff_client, other_goal, address):
    response = staff_client.post(address(other_goal), goal_post_data(other_goal, title="Overtaget"))

    assert response.status_code == 404
    other_goal.refresh_from_db()
    assert other_goal.title == "Klar opgavedeling i Syddanmark"


def test_deleting_another_regions_goal_is_refused(staff_client, other_goal):
    response = staff_client.post(f"/admin/goals/goal/{other_goal.pk}/delete/", {"post": "yes"})
    assert response.status_code == 404
    staff_client.post(
        "/admin/goals/goal/",
        {"action": "delete_selected", "_selected_action": [other_goal.pk], "post": "yes"},
    )

    assert Goal.objects.filter(pk=other_goal.pk).exists()


def test_the_user_edits_their_own_goal(staff_client, own_goal, secretariat):
    response = staff_client.post(
        f"/admin/goals/goal/{own_goal.pk}/change/",
        goal_post_data(own_goal, title="Effektive akuttilbud i hele regionen"),
    )

    assert response.status_code == 302
    own_goal.refresh_from_db()
    assert own_goal.title == "Effektive akuttilbud i hele regionen"


def test_goal_form_offers_only_the_users_region(staff_client, own_goal, other_paper):
    page = staff_client.get(f"/admin/goals/goal/{own_goal.pk}/change/").content.decode()

    assert page.count("Akutfunktioner") >= 1  # its own theme
    assert "Fokusområder i Syddanmark" not in page
    # Milestones are edited inline on the goal's page.
    assert "Alle kommuner har en akutfunktion" in page
    assert "Syddansk milep" not in page


def test_autocomplete_offers_only_the_users_goals_and_papers(staff_client, own_goal, other_goal):
    def choices(field, model="goal"):
        response = staff_client.get(
            "/admin/autocomplete/",
            {"app_label": "goals", "model_name": model, "field_name": field, "term": ""},
        )
        assert response.status_code == 200
        return {item["text"] for item in response.json()["results"]}

    for field in ("parent", "replaces"):
        offered = choices(field)
        assert "1 Effektive akuttilbud" in offered
        assert not any("Syddanmark" in text for text in offered)
    papers = choices("paper")
    assert any("KKR-mål for sundhed" in text for text in papers)
    assert not any("Kommunernes rolle" in text for text in papers)


def test_choosing_another_regions_paper_or_goal_is_refused(staff_client, own_goal, other_goal):
    for changes in (
        {"paper": other_goal.paper_id},
        {"parent": other_goal.pk},
        {"replaces": other_goal.pk},
        {"theme": other_goal.theme_id},
    ):
        response = staff_client.post(
            f"/admin/goals/goal/{own_goal.pk}/change/", goal_post_data(own_goal, **changes)
        )
        assert response.status_code == 200, changes  # the form again, with an error
        assert "errorlist" in response.content.decode(), changes
    own_goal.refresh_from_db()
    assert own_goal.paper.region.slug == "hovedstaden"
    assert own_goal.parent is None and own_goal.replaces is None


def test_adding_a_goal_to_another_regions_paper_is_refused(staff_client, other_paper):
    goal = Goal(paper=other_paper, number="Z", title="Indsmuglet")
    staff_client.post("/admin/goals/goal/add/", goal_post_data(goal))

    assert not Goal.objects.filter(title="Indsmuglet").exists()


def test_a_municipality_offers_only_its_own_regions_clusters(
    staff_client, municipalities, other_region
):
    Cluster.objects.create(region=other_region, name="Sydvest", order=1)

    page = staff_client.get(
        f"/admin/municipalities/municipality/{municipalities[101].pk}/change/"
    ).content.decode()

    assert "Byen" in page
    assert "Sydvest" not in page


def test_memberships_of_the_region_are_visible_but_read_only(
    staff_client, reporters, other_reporter
):
    page = staff_client.get("/admin/municipalities/membership/").content.decode()

    assert "indberetter-101" in page
    assert "sekretariat-hovedstaden" in page
    assert "indberetter-461" not in page
    assert staff_client.get("/admin/municipalities/membership/add/").status_code == 403
    membership = Membership.objects.get(user=reporters[101])
    staff_client.post(
        f"/admin/municipalities/membership/{membership.pk}/change/",
        {"user": membership.user_id, "role": "secretariat", "region": membership.user_id},
    )
    membership.refresh_from_db()
    assert membership.role == Membership.Role.REPORTER


def test_staff_cannot_rename_their_region(staff_client, region):
    staff_client.post(
        f"/admin/municipalities/region/{region.pk}/change/",
        {"name": "Overtaget", "slug": region.slug, "code": region.code},
    )

    region.refresh_from_db()
    assert region.name == "Hovedstaden"


def test_the_user_admin_is_for_superusers_only(staff_client):
    assert staff_client.get("/admin/auth/user/").status_code == 403


def test_a_superuser_sees_every_region(client, paper, other_paper):
    admin_user = get_user_model().objects.create_superuser("admin", "a@example.dk", PASSWORD)
    client.force_login(admin_user)

    page = client.get("/admin/goals/goal/").content.decode()

    assert "Effektive akuttilbud" in page
    assert "Klar opgavedeling i Syddanmark" in page


def test_staff_without_a_membership_sees_nothing(client, paper):
    client.force_login(make_user("uden-rolle", is_staff=True))

    index = client.get("/admin/")
    assert index.status_code == 200
    assert "/admin/goals/goal/" not in index.content.decode()
    assert client.get("/admin/goals/goal/").status_code == 403
    own_goal = paper.goals.first()
    assert client.get(f"/admin/goals/goal/{own_goal.pk}/change/").status_code in (403, 404)


def test_a_reporter_cannot_enter_the_admin(client, reporters, paper):
    client.force_login(reporters[101])

    response = client.get("/admin/goals/goal/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_goal_list_stays_flat_as_goals_grow(staff_client, paper, django_assert_max_num_queries):
    theme = paper.themes.first()
    Goal.objects.bulk_create(
        Goal(paper=paper, theme=theme, number=f"9.{i}", order=10 + i, title=f"Mål {i}")
        for i in range(40)
    )

    with django_assert_max_num_queries(15):
        response = staff_client.get("/admin/goals/goal/")

    assert response.status_code == 200
    assert "Mål 39" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/admin/goals/goal/abc/change/",
        "/admin/goals/goal/abc/history/",
        "/admin/goals/goal/abc/delete/",
        "/admin/goals/statusround/99999999999999999999/change/",
    ],
)
def test_a_nonsense_id_in_an_admin_address_is_not_found(staff, paper, path):
    assert staff.get(path).status_code == 404


@pytest.mark.parametrize(("code", "status"), [("abc", 404), ("²", 404), ("999", 404)])
def test_a_preview_for_a_nonsense_municipality_is_not_found(staff, open_status_round, code, status):
    url = reverse("admin:reports_paperpreview_pdf", args=[open_status_round.pk])

    assert staff.get(url, {"kommune": code}).status_code == status


@pytest.mark.parametrize(
    "path", ["/admin/goals/goal/abc/change/", "/admin/goals/goal/abc/history/"]
)
def test_a_nonsense_id_is_no_server_error_for_a_superuser_either(superuser_client, paper, path):
    response = superuser_client.get(path, follow=True)

    assert response.status_code in (200, 404)


@pytest.mark.parametrize(
    "query",
    [
        "submitted_at__year=99999999999",
        "submitted_at__year=2020&submitted_at__month=99999999999",
        "submitted_at__year=2020&submitted_at__month=1&submitted_at__day=99999999999",
    ],
)
def test_a_date_hierarchy_value_out_of_range_is_a_wrong_filter_not_a_500(staff, report, query):
    response = staff.get(f"/admin/goals/statusreport/?{query}")

    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_a_goal_is_offered_its_own_papers_themes_and_a_municipality_its_regions_clusters(
    superuser_client, paper, municipalities, region, other_region
):
    # Even a superuser, who may see every region: a theme of another paper, or a cluster of
    # another region, would put the row in two places at once.
    other_theme = make_paper(region, "andet.txt", title="Et andet papir").themes.create(
        order=1, title="Tema fra et andet papir"
    )
    Cluster.objects.create(region=other_region, name="Klynge i Syddanmark", order=1)
    goal = paper.goals.get(number="1")

    goal_page = superuser_client.get(f"/admin/goals/goal/{goal.pk}/change/").content.decode()
    municipality_page = superuser_client.get(
        f"/admin/municipalities/municipality/{municipalities[101].pk}/change/"
    ).content.decode()

    assert goal.theme.title in goal_page
    assert other_theme.title not in goal_page
    assert "Byen" in municipality_page
    assert "Klynge i Syddanmark" not in municipality_page
