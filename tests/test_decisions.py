"""The secretariat records the joint progress and the yearly decision per goal (achieved,
continue, revise into a new goal, retire, adopt): on its pages and in the admin, all or
nothing, with a goal replacing at most one other and only within the region. Two members of
the secretariat saving the same page lose nothing: a row a colleague saved meanwhile is never
written back, and a row both changed is refused with what the colleague saved beside what was
typed."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from goals import rounds
from goals.models import Goal
from goals.models import GoalDecision
from goals.models import JointProgress
from goals.models import Milestone
from goals.models import StatusRound
from goals.models import Theme
from tests.builders import make_paper
from tests.builders import make_user
from tests.builders import opened_round
from tests.builders import page_form
from tests.builders import page_form_from

pytestmark = pytest.mark.django_db


def decision(goal, choice, *, new_goal=None, comment=""):
    """`goal`'s fields of the decisions form as the browser posts them."""
    data = {f"g{goal.pk}-decision": choice}
    if new_goal is not None:
        data[f"g{goal.pk}-new_goal"] = new_goal.pk
    if comment:
        data[f"g{goal.pk}-comment"] = comment
    return data


def refused(client, status_round, data):
    """The text of the decisions page of `status_round` after posting `data`, which must be
    refused as a whole: the form comes back saying nothing is saved, with every comment as
    typed, and no decision is saved."""
    response = client.post(reverse("secretariat:decisions", args=[status_round.pk]), data)
    text = response.content.decode()
    assert response.status_code == 200
    assert "Beslutningerne er ikke gemt" in text
    for field, typed in data.items():
        if field.endswith("-comment"):
            assert typed in text, field
    assert not GoalDecision.objects.exists()
    return text


def test_joint_progress_is_recorded(staff, secretariat, open_status_round):
    progress = JointProgress.objects.get(round=open_status_round)
    url = reverse("secretariat:joint_progress", args=[open_status_round.pk])
    assert "Kommunerne udarbejder en fælles plan." in staff.get(url).content.decode()

    staff.post(url, {f"p{progress.pk}-status": "in_progress", f"p{progress.pk}-comment": "Udkast"})

    progress.refresh_from_db()
    assert (progress.status, progress.comment) == ("in_progress", "Udkast")
    assert progress.history.first().history_user == secretariat


def test_decisions_tick_off_and_revise_goals(staff, paper, open_status_round):
    acute, youth = paper.goals.get(number="1"), paper.goals.get(number="2")
    revised = Goal.objects.create(
        paper=paper, number="2a", order=3, title="Unges trivsel", state=Goal.State.PIPELINE
    )
    url = reverse("secretariat:decisions", args=[open_status_round.pk])

    missing = staff.post(url, decision(youth, "revise")).content.decode()
    assert "Vælg det reviderede mål, der erstatter målet." in missing
    assert not GoalDecision.objects.exists()

    staff.post(
        url,
        decision(acute, "achieved")
        | decision(youth, "revise", new_goal=revised, comment="Målet skærpes"),
    )
    acute.refresh_from_db()
    youth.refresh_from_db()
    revised.refresh_from_db()
    assert acute.state == Goal.State.ACHIEVED
    assert youth.state == Goal.State.REVISED
    assert revised.replaces == youth
    assert GoalDecision.objects.get(goal=youth).comment == "Målet skærpes"


def test_adopting_a_development_area_as_a_new_goal(
    open_status_round, development_area, secretariat
):
    area = development_area
    decision = rounds.decide_goal(open_status_round, area, decision="new", by=secretariat)
    area.refresh_from_db()
    assert (area.kind, area.state) == (Goal.Kind.COMMITMENT, Goal.State.ACTIVE)
    assert decision.new_goal is None
    assert area.history.first().history_user == secretariat


def test_a_goal_of_another_paper_cannot_be_decided_in_this_round(
    open_status_round, other_region, secretariat
):

    other = make_paper(
        other_region, "other.txt", title="Syddanmarks mål", first_year=2019, last_year=2022
    )
    stranger = Goal.objects.create(paper=other, number="1", title="Fremmed mål")
    with pytest.raises(rounds.TransitionError) as refused:
        rounds.decide_goal(open_status_round, stranger, decision="achieved", by=secretariat)
    assert "hører ikke til rundens målpapir" in refused.value.text
    stranger.refresh_from_db()
    assert stranger.state == Goal.State.ACTIVE


@pytest.fixture
def revised_pair(paper):
    """A pipeline goal that will replace goal 2."""
    return Goal.objects.create(
        paper=paper, number="2a", order=3, title="Unges trivsel", state=Goal.State.PIPELINE
    )


def test_a_goal_that_already_replaces_another_cannot_replace_a_second(
    staff, paper, open_status_round, revised_pair
):
    acute, youth = paper.goals.get(number="1"), paper.goals.get(number="2")
    url = reverse("secretariat:decisions", args=[open_status_round.pk])
    staff.post(url, decision(youth, "revise", new_goal=revised_pair))

    response = staff.post(
        url,
        decision(youth, "revise", new_goal=revised_pair)
        | decision(acute, "revise", new_goal=revised_pair, comment="Min begrundelse"),
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert "Målet 2a erstatter allerede mål 2. Vælg et andet mål." in text
    assert "Min begrundelse" in text
    revised_pair.refresh_from_db()
    acute.refresh_from_db()
    assert revised_pair.replaces == youth
    assert acute.state == Goal.State.ACTIVE
    assert not GoalDecision.objects.filter(goal=acute).exists()


def test_the_domain_refuses_a_second_replacement_and_a_cycle(
    paper, open_status_round, revised_pair, secretariat
):
    acute, youth = paper.goals.get(number="1"), paper.goals.get(number="2")
    rounds.decide_goal(
        open_status_round, youth, decision="revise", new_goal=revised_pair, by=secretariat
    )
    # The same decision saved again is fine.
    rounds.decide_goal(
        open_status_round, youth, decision="revise", new_goal=revised_pair, by=secretariat
    )

    with pytest.raises(rounds.TransitionError, match="erstatter allerede mål 2"):
        rounds.decide_goal(
            open_status_round, acute, decision="revise", new_goal=revised_pair, by=secretariat
        )
    with pytest.raises(rounds.TransitionError, match="som det selv har erstattet"):
        rounds.decide_goal(
            open_status_round, revised_pair, decision="revise", new_goal=youth, by=secretariat
        )
    revised_pair.refresh_from_db()
    youth.refresh_from_db()
    assert revised_pair.replaces == youth and youth.replaces is None


def test_a_revision_taken_back_frees_the_new_goal_for_another(
    paper, open_status_round, revised_pair, secretariat
):
    acute, youth = paper.goals.get(number="1"), paper.goals.get(number="2")
    rounds.decide_goal(
        open_status_round, youth, decision="revise", new_goal=revised_pair, by=secretariat
    )

    rounds.decide_goal(open_status_round, youth, decision="continue", by=secretariat)
    rounds.decide_goal(
        open_status_round, acute, decision="revise", new_goal=revised_pair, by=secretariat
    )

    revised_pair.refresh_from_db()
    youth.refresh_from_db()
    assert revised_pair.replaces == acute
    assert youth.state == Goal.State.ACTIVE
    assert GoalDecision.objects.get(goal=youth).new_goal is None


def test_revising_a_goal_into_itself_is_not_offered(staff, paper, open_status_round):
    youth = paper.goals.get(number="2")

    text = refused(staff, open_status_round, decision(youth, "revise", new_goal=youth))

    # Not in the list; a forged POST gets the reason rather than "invalid choice".
    assert "Et mål kan ikke erstatte sig selv." in text


def test_joint_progress_in_a_planned_round_is_a_form_error_not_a_lost_edit(
    staff, paper, open_status_round
):
    progress = JointProgress.objects.filter(round=open_status_round).first()
    StatusRound.objects.filter(pk=open_status_round.pk).update(state=StatusRound.State.PLANNED)

    response = staff.post(
        reverse("admin:goals_jointprogress_change", args=[progress.pk]),
        {"status": "met", "comment": "Planen er vedtaget"},
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert "Runden er ikke åbnet endnu." in text
    assert "Planen er vedtaget" in text
    progress.refresh_from_db()
    assert (progress.status, progress.comment) == ("", "")


@pytest.mark.parametrize("case", ["itself", "already_replaces"])
def test_a_decision_in_the_admin_that_the_domain_refuses_is_a_form_error(
    staff, paper, open_status_round, revised_pair, secretariat, case
):
    acute, youth = paper.goals.get(number="1"), paper.goals.get(number="2")
    if case == "itself":
        new_goal, message = acute, "Et mål kan ikke erstatte sig selv."
    else:
        rounds.decide_goal(
            open_status_round, youth, decision="revise", new_goal=revised_pair, by=secretariat
        )
        new_goal, message = revised_pair, "Målet 2a erstatter allerede mål 2."

    response = staff.post(
        reverse("admin:goals_goaldecision_add"),
        {
            "round": open_status_round.pk,
            "goal": acute.pk,
            "decision": "revise",
            "new_goal": new_goal.pk,
            "comment": "Skærpet",
        },
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not GoalDecision.objects.filter(goal=acute).exists()
    acute.refresh_from_db()
    assert acute.state == Goal.State.ACTIVE


def test_two_goals_revised_into_the_same_goal_is_an_error_beside_the_second(
    staff, paper, open_status_round
):
    acute, youth = paper.goals.get(number="1"), paper.goals.get(number="2")
    successor = Goal.objects.create(
        paper=paper, number="3", order=3, title="Sammenhæng for borgeren", state="pipeline"
    )

    data = decision(
        acute, "revise", new_goal=successor, comment="Akutmålet samles med unges sundhed"
    )
    data |= decision(youth, "revise", new_goal=successor, comment="Unges sundhed skærpes")

    text = refused(staff, open_status_round, data)

    assert "Mål 3 er allerede valgt som revision af mål 1." in text
    assert "Beslutningerne er ikke gemt, heller ikke for målene uden fejl." in text
    # The error sits in the second goal's fieldset, not the first's.
    second = text[text.index(f'name="g{youth.pk}-decision"') :]
    assert "er allerede valgt som revision" in second
    successor.refresh_from_db()
    assert successor.replaces is None and successor.state == Goal.State.PIPELINE


def test_a_refusal_half_way_saves_nothing_and_keeps_every_choice(staff, paper, open_status_round):
    # Each form alone is fine; together goal 2 would replace goal 1 that replaces goal 2,
    # which only rounds.decide_goal sees once the first decision is recorded.
    acute, youth = paper.goals.get(number="1"), paper.goals.get(number="2")

    data = decision(acute, "revise", new_goal=youth, comment="Første begrundelse")
    data |= decision(youth, "revise", new_goal=acute, comment="Anden begrundelse")

    text = refused(staff, open_status_round, data)

    assert "Beslutningerne er ikke gemt:" in text
    assert "som det selv har erstattet" in text
    acute.refresh_from_db()
    youth.refresh_from_db()
    assert acute.state == youth.state == Goal.State.ACTIVE
    assert acute.replaces is None and youth.replaces is None
    # The badges show the goals as saved, not as the refused attempt left them in memory.
    assert "Revideret" not in text.split("<form", 1)[1].split("</legend>", 2)[0]


def test_joint_progress_saved_in_the_admin_is_recorded_with_its_author(
    staff, secretariat, open_status_round
):
    progress = JointProgress.objects.get(round=open_status_round)
    url = reverse("admin:goals_jointprogress_change", args=[progress.pk])
    staff.post(url, {"status": "met", "comment": "Planen er vedtaget"})
    progress.refresh_from_db()
    assert progress.status == "met"
    assert progress.updated_by == secretariat


def test_a_decision_added_in_the_admin_moves_the_goal(staff, paper, open_status_round):
    goal = paper.goals.get(number="1")
    staff.post(
        reverse("admin:goals_goaldecision_add"),
        {"round": open_status_round.pk, "goal": goal.pk, "decision": "achieved", "comment": ""},
    )
    goal.refresh_from_db()
    assert goal.state == "achieved"


def test_a_decision_cannot_point_at_another_regions_goal(
    client, secretariat, paper, open_status_round, other_paper
):
    goal = paper.goals.get(number="1")
    foreign = other_paper.goals.get()
    client.force_login(secretariat)
    refused(client, open_status_round, decision(goal, "revise", new_goal=foreign))
    foreign.refresh_from_db()
    assert foreign.replaces is None and foreign.state == Goal.State.ACTIVE
    goal.refresh_from_db()
    assert goal.state == Goal.State.ACTIVE


def test_a_decision_posted_for_a_goal_outside_the_rounds_paper_is_ignored(
    client, secretariat, region, paper, open_status_round, other_paper
):
    second_paper = make_paper(
        region, "andet.txt", title="Andet papir", first_year=2019, last_year=2020
    )
    theme = Theme.objects.create(paper=second_paper, order=1, title="Tema")
    same_region = Goal.objects.create(paper=second_paper, theme=theme, number="9", order=1)
    foreign = other_paper.goals.get()
    client.force_login(secretariat)
    data = decision(same_region, "retire") | decision(foreign, "retire")
    response = client.post(reverse("secretariat:decisions", args=[open_status_round.pk]), data)
    assert response.status_code == 302
    assert not GoalDecision.objects.exists()
    assert set(Goal.objects.filter(state=Goal.State.RETIRED)) == set()


def test_decisions_of_another_regions_round_are_404(client, secretariat, other_round, other_paper):
    foreign = other_paper.goals.get()
    client.force_login(secretariat)
    url = reverse("secretariat:decisions", args=[other_round.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, decision(foreign, "retire")).status_code == 404
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
    own = reverse("secretariat:joint_progress", args=[open_status_round.pk])
    response = client.post(
        own, {f"p{foreign_row.pk}-status": "met", f"p{foreign_row.pk}-comment": "Hacket"}
    )
    assert response.status_code == 302
    foreign = reverse("secretariat:joint_progress", args=[foreign_round.pk])
    assert client.post(foreign, {f"p{foreign_row.pk}-status": "met"}).status_code == 404
    foreign_row.refresh_from_db()
    assert (foreign_row.status, foreign_row.comment) == ("", "")


@pytest.fixture
def staff_colleague(region):
    """A second secretariat member, in a browser session of their own."""
    other = Client()
    other.force_login(make_user("sekretariat-hovedstaden-2", region=region, is_staff=True))
    return other


@pytest.fixture
def joint_round(paper, municipalities, reporters, secretariat):
    """The open round with a cluster milestone too: three rows on the joint page."""
    Milestone.objects.create(
        goal=paper.goals.get(number="2"),
        order=2,
        text="Hver klynge laver et forløb.",
        due=datetime.date(2018, 12, 31),
        scope=Milestone.Scope.CLUSTER,
    )
    return opened_round(paper, by=secretariat)


def save_after_a_colleague(staff, colleague, url, theirs, mine, **options):
    """The colleague and I open the page at `url`; the colleague saves `theirs` first, then I
    save `mine` from my page, stale by now. My response."""
    my_form, their_form = page_form(staff, url), page_form(colleague, url)
    assert colleague.post(url, {**their_form, **theirs}).status_code == 302
    return staff.post(url, {**my_form, **mine}, **options)


def test_a_stale_joint_progress_page_does_not_put_a_colleagues_row_back(
    staff, staff_colleague, joint_round
):
    open_status_round = joint_round
    url = f"/sekretariat/runder/{open_status_round.pk}/faelles/"
    first, second = JointProgress.objects.filter(round=open_status_round).order_by("pk")[:2]

    theirs = {f"p{first.pk}-status": "met", f"p{first.pk}-comment": "Planen er vedtaget."}
    mine = {f"p{second.pk}-status": "in_progress"}
    response = save_after_a_colleague(staff, staff_colleague, url, theirs, mine, follow=True)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.comment) == ("met", "Planen er vedtaget.")
    assert second.status == "in_progress"
    assert "Den fælles fremdrift er gemt." in response.content.decode()


def test_two_colleagues_changing_the_same_joint_row_the_second_is_told(
    staff, staff_colleague, open_status_round
):
    url = f"/sekretariat/runder/{open_status_round.pk}/faelles/"
    row = JointProgress.objects.filter(round=open_status_round).order_by("pk").first()

    theirs = {f"p{row.pk}-status": "met"}
    mine = {f"p{row.pk}-status": "not_started", f"p{row.pk}-comment": "Mit udkast"}
    page = save_after_a_colleague(staff, staff_colleague, url, theirs, mine).content.decode()

    row.refresh_from_db()
    assert row.status == "met"
    assert "ændret af sekretariat-hovedstaden-2" in page
    assert "Gemt nu: Status: opfyldt; Kommentar: –." in page  # what the colleague saved
    assert "Mit udkast" in page  # nothing typed is lost
    # Saving again, having seen the change, wins.
    again = page_form_from(page)
    assert staff.post(url, again).status_code == 302
    row.refresh_from_db()
    assert (row.status, row.comment) == ("not_started", "Mit udkast")


def test_a_stale_decisions_page_does_not_overwrite_a_colleagues_decision(
    staff, staff_colleague, open_status_round, paper
):
    url = f"/sekretariat/runder/{open_status_round.pk}/beslutninger/"
    acute, youth = paper.goals.get(number="1"), paper.goals.get(number="2")
    theirs = {f"g{acute.pk}-decision": "continue", f"g{acute.pk}-comment": "Fastholdes."}
    mine = {f"g{youth.pk}-decision": "achieved"}
    response = save_after_a_colleague(staff, staff_colleague, url, theirs, mine)
    assert response.status_code == 302
    decisions = dict(
        GoalDecision.objects.filter(round=open_status_round).values_list("goal_id", "comment")
    )
    assert decisions == {acute.pk: "Fastholdes.", youth.pk: ""}

    # Both change the same goal's decision: the second is told and keeps their text.
    theirs = {f"g{acute.pk}-comment": "Fastholdes til 2020."}
    mine = {f"g{acute.pk}-decision": "retire", f"g{acute.pk}-comment": "Udgår"}
    page = save_after_a_colleague(staff, staff_colleague, url, theirs, mine).content.decode()
    assert "ændret af sekretariat-hovedstaden-2" in page
    assert "Begrundelse: Fastholdes til 2020." in page
    assert "Udgår" in page
    assert GoalDecision.objects.get(goal=acute).comment == "Fastholdes til 2020."
