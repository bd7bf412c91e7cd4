"""The decisions page reads as the secretariat's meeting notes: each goal's figures beside
its decision (this round, the last one, the evaluation), decisions named in plain Danish, and
for a revision only the region's goals that can take the goal's place."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from goals.models import Goal
from goals.models import GoalDecision
from reports import publishing
from tests.builders import make_paper

pytestmark = pytest.mark.django_db


def fieldset(page, goal):
    """The part of the page about `goal`."""
    text = page.content.decode() if hasattr(page, "content") else page
    start = text.index(f'name="g{goal.pk}-decision"')
    start = text.rindex("<fieldset", 0, start)
    return text[start : text.index("</fieldset>", start)]


def offered(page, goal):
    """The goals offered as `goal`'s revision, by number."""
    part = fieldset(page, goal)
    select = re.search(rf'<select name="g{goal.pk}-new_goal".*?</select>', part, re.DOTALL).group(0)
    return [
        label.split(" ")[0]
        for value, label in re.findall(r'<option value="(\d*)"[^>]*>([^<]*)<', select)
        if value
    ]


def test_each_goal_shows_this_rounds_and_last_rounds_figures_and_its_evaluation(
    staff, paper, status_history, development_area
):
    url = reverse("secretariat:decisions", args=[status_history[2018].pk])
    page = staff.get(url)
    acute = fieldset(page, paper.goals.get(number="1"))
    assert "Denne runde (2018)" in acute and "2 af 3 kommuner opfyldt" in acute
    assert "Sidste runde (2017)" in acute and "1 af 3 opfyldt" in acute
    assert "Vurdering" in acute and "Forsinket" in acute  # Hillerød is late on a 2017 milestone
    # The decision sits beside them.
    assert '<option value="continue" selected>fortsætter uændret</option>' in acute

    first = staff.get(reverse("secretariat:decisions", args=[status_history[2017].pk]))
    assert "ingen offentliggjort runde før" in fieldset(first, paper.goals.get(number="1"))


def test_the_decisions_are_named_in_plain_danish(staff, paper, open_status_round, development_area):
    page = staff.get(reverse("secretariat:decisions", args=[open_status_round.pk])).content.decode()
    text = re.sub(r"<[^>]*>", " ", page)  # what a reader sees, not the CSS classes
    for jargon in ("(hak)", "pipeline", " revideres "):
        assert jargon not in text
    for plain in (
        "opfyldt (målet er nået)",
        "fortsætter uændret",
        "erstattes af et revideret mål",
    ):
        assert plain in text.lower()
    # Stored values are unchanged.
    assert set(GoalDecision.Decision.values) == {"achieved", "continue", "revise", "retire", "new"}
    assert Goal.State.PIPELINE.value == "pipeline"


def test_a_revision_is_chosen_among_the_regions_goals_that_can_take_the_place(
    staff, paper, region, other_paper, open_status_round, development_area
):
    acute, youth = paper.goals.get(number="1"), paper.goals.get(number="2")
    later = make_paper(region, "later.txt", title="Nye mål", first_year=2019, last_year=2022)
    new = Goal.objects.create(paper=later, number="N1", title="Nyt mål", state="pipeline")
    Goal.objects.create(paper=later, number="N2", title="Opfyldt", state="achieved")
    Goal.objects.create(paper=later, number="N3", title="Udgået", state="retired")
    taken = Goal.objects.create(paper=later, number="N4", title="Afløser 2", replaces=youth)
    foreign = other_paper.goals.first()
    foreign.number = "S1"
    foreign.save()

    page = staff.get(reverse("secretariat:decisions", args=[open_status_round.pk]))
    assert offered(page, acute) == ["2", "A", "N1"]  # not itself, nor history, nor taken
    assert offered(page, youth) == ["1", "A", "N1", "N4"]  # N4 already replaces 2
    assert foreign.number not in offered(page, acute)

    # A forged choice gets the reason, not a silent save.
    url = reverse("secretariat:decisions", args=[open_status_round.pk])
    for goal, why in (
        (taken, "erstatter allerede mål 2"),
        (Goal.objects.get(number="N2"), "er opfyldt og kan ikke afløse et andet mål"),
        (foreign, "Marker en gyldig valgmulighed"),
    ):
        response = staff.post(
            url, {f"g{acute.pk}-decision": "revise", f"g{acute.pk}-new_goal": goal.pk}
        )
        assert why in response.content.decode(), goal
    assert not GoalDecision.objects.exists()

    staff.post(url, {f"g{acute.pk}-decision": "revise", f"g{acute.pk}-new_goal": new.pk})
    new.refresh_from_db()
    assert new.replaces == acute and new.state == Goal.State.ACTIVE
    # The chosen goal stays offered for its goal, and no longer for the others.
    page = staff.get(url)
    assert "N1" in offered(page, acute) and "N1" not in offered(page, youth)


def test_the_page_stays_flat_in_queries(
    staff, paper, status_history, django_assert_max_num_queries
):
    url = reverse("secretariat:decisions", args=[status_history[2018].pk])
    staff.get(url)
    with django_assert_max_num_queries(40):
        assert staff.get(url).status_code == 200


def test_no_migration_is_missing_for_the_new_labels():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_saving_a_page_opened_before_the_round_was_published_says_nothing_is_saved(
    staff, paper, open_status_round, secretariat
):
    """A colleague published the round while the page was open: the save is refused with the
    reason, not reported as saved, and what was typed stays in the fields."""
    from goals import rounds
    from goals.models import JointProgress

    acute = paper.goals.get(number="1")
    progress = JointProgress.objects.filter(round=open_status_round).first()
    rounds.close_round(open_status_round, by=secretariat)
    publishing.publish_round(open_status_round, by=secretariat)

    response = staff.post(
        reverse("secretariat:decisions", args=[open_status_round.pk]),
        {f"g{acute.pk}-decision": "retire", f"g{acute.pk}-comment": "Målet er udtjent"},
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "Beslutningerne er gemt" not in text
    assert "Beslutningerne er ikke gemt: Runden er offentliggjort." in text
    assert "Målet er udtjent" in text
    assert "Gem beslutninger" not in text
    assert not GoalDecision.objects.exists()

    response = staff.post(
        reverse("secretariat:joint_progress", args=[open_status_round.pk]),
        {f"p{progress.pk}-status": "met", f"p{progress.pk}-comment": "Planen er vedtaget"},
    )
    text = response.content.decode()
    assert "Den fælles fremdrift er gemt" not in text
    assert "Fremdriften er ikke gemt: Runden er offentliggjort." in text
    assert "Planen er vedtaget" in text
    progress.refresh_from_db()
    assert (progress.status, progress.comment) == ("", "")


def decisions_url(status_round):
    return reverse("secretariat:decisions", args=[status_round.pk])


def test_a_reason_typed_without_a_decision_is_kept_and_the_page_says_nothing_was_saved(
    staff, paper, open_status_round
):
    """Issue 20, finding 7: the reason was dropped while the page said "Beslutningerne er
    gemt."."""
    acute, youth = paper.goals.get(number="1"), paper.goals.get(number="2")
    data = {
        f"g{acute.pk}-comment": "KKR drøfter målet i marts",
        f"g{youth.pk}-decision": "continue",
        f"g{youth.pk}-comment": "Målet fastholdes",
    }
    response = staff.post(decisions_url(open_status_round), data, follow=True)
    text = response.content.decode()

    assert "Beslutningerne er gemt" not in text
    assert "Beslutningerne er ikke gemt, heller ikke for målene uden fejl." in text
    assert "KKR drøfter målet i marts" in text and "Målet fastholdes" in text
    # The error sits at goal 1's decision, and its card is open.
    card = fieldset(text, acute)
    assert "Vælg en beslutning, så begrundelsen kan gemmes med den." in card
    assert "Vælg en beslutning" not in fieldset(text, youth)
    opening = text[text.rindex("<details", 0, text.index(f'name="g{acute.pk}-decision"')) :]
    assert opening.startswith('<details class="decision has-error" open>')
    assert not GoalDecision.objects.exists()


def test_the_page_says_which_goals_it_saved_and_when_there_was_nothing_to_save(
    staff, paper, open_status_round, secretariat
):
    youth = paper.goals.get(number="2")
    url = decisions_url(open_status_round)
    page = staff.post(url, {f"g{youth.pk}-decision": "continue"}, follow=True).content.decode()
    assert "Beslutningen om mål 2 er gemt." in page
    # Saved again as the page shows it now: nothing changed.
    seen = {f"initial-g{youth.pk}-decision": "continue", f"initial-g{youth.pk}-comment": ""}
    unchanged = {f"g{youth.pk}-decision": "continue", **seen}
    page = staff.post(url, unchanged, follow=True).content.decode()
    assert "Der var ingen ændringer at gemme." in page

    # A decision taken cannot be blanked out by choosing "Ingen beslutning endnu".
    text = staff.post(url, {f"g{youth.pk}-decision": "", **seen}).content.decode()
    assert "En truffet beslutning kan ændres, men ikke fjernes." in fieldset(text, youth)
    assert GoalDecision.objects.get(goal=youth).decision == "continue"


def test_only_goals_that_can_take_a_decision_are_asked_about(
    staff, paper, open_status_round, development_area
):
    """Not a goal ticked off in an earlier round, nor one not adopted yet; a goal ticked off
    in this round stays, with its decision, so it can be changed."""
    acute, youth = paper.goals.get(number="1"), paper.goals.get(number="2")
    done = Goal.objects.create(paper=paper, number="0", title="Nået i 2016", state="achieved")
    url = decisions_url(open_status_round)
    staff.post(url, {f"g{acute.pk}-decision": "achieved"})

    text = staff.get(url).content.decode()
    goals = text.split("Udviklingsområder, der kan vedtages som mål")[0]
    assert f'name="g{acute.pk}-decision"' in goals and f'name="g{youth.pk}-decision"' in goals
    for absent in (done, development_area):
        assert f'name="g{absent.pk}-decision"' not in goals
    assert f'name="g{done.pk}-decision"' not in text
    assert "opfyldt (målet er nået)" in re.sub(r"<[^>]*>", " ", fieldset(text, acute)).lower()
    # "Nyt mål vedtaget" is for goals not adopted yet, which are in a section of their own.
    assert 'value="new"' not in goals


def test_the_help_is_said_once_and_the_cards_are_folded(staff, paper, open_status_round):
    text = staff.get(decisions_url(open_status_round)).content.decode()
    assert text.count("Listen viser regionens mål, der er aktive eller endnu ikke vedtaget") == 1
    assert text.count('<details class="decision">') == 2  # closed until opened
    assert "<summary>" in text and "Ingen beslutning endnu" in text


def test_a_decision_for_a_goal_that_left_the_page_meanwhile_is_not_dropped_without_a_word(
    staff, paper, open_status_round
):
    """A goal ticked off elsewhere (another round, the admin) while the page was open is no
    longer asked about: what was typed for it is named, nothing is saved, and the other
    goals keep what was typed."""
    acute, youth = paper.goals.get(number="1"), paper.goals.get(number="2")
    Goal.objects.filter(pk=acute.pk).update(state=Goal.State.ACHIEVED)
    data = {
        f"g{acute.pk}-decision": "revise",
        f"g{acute.pk}-comment": "Målet skærpes til 90 %",
        f"g{youth.pk}-decision": "continue",
        f"g{youth.pk}-comment": "Målet fastholdes",
    }
    response = staff.post(decisions_url(open_status_round), data, follow=True)
    text = response.content.decode()

    assert "Beslutningen om mål 2 er gemt" not in text
    assert "Intet er gemt. Mål 1 er ikke længere med på siden" in text
    assert "Målet skærpes til 90 %" in text and "Målet fastholdes" in text
    assert not GoalDecision.objects.exists()


def test_a_development_area_is_adopted_on_the_decisions_page_not_only_in_the_admin(
    staff, paper, open_status_round, development_area
):
    url = decisions_url(open_status_round)
    text = staff.get(url).content.decode()
    section = text[text.index('<details class="decision-section">') :]
    assert "Udviklingsområder, der kan vedtages som mål" in section  # folded: no "open"
    card = fieldset(section, development_area)
    options = re.findall(r'<option value="(\w*)"', card)
    assert options == ["", "new"]  # adopted or not yet; nothing to revise it with
    assert f"g{development_area.pk}-new_goal" not in card

    page = staff.post(url, {f"g{development_area.pk}-decision": "new"}, follow=True)
    assert "Beslutningen om mål A er gemt." in page.content.decode()
    development_area.refresh_from_db()
    assert development_area.state == Goal.State.ACTIVE
    assert development_area.kind == Goal.Kind.COMMITMENT
    # Adopted, it is one of the round's decided goals, its decision still "nyt mål vedtaget".
    text = staff.get(url).content.decode()
    assert "decision-section" not in text
    assert '<option value="new" selected>nyt mål vedtaget</option>' in fieldset(
        text, development_area
    )


def test_a_reason_for_a_development_area_without_a_decision_is_kept_not_lost(
    staff, paper, open_status_round, development_area
):
    """Finding 7 here too: the reason stays, the section opens at the error, nothing saved."""
    data = {f"g{development_area.pk}-comment": "Drøftes på næste KKR-møde"}
    text = staff.post(decisions_url(open_status_round), data).content.decode()

    assert "Beslutningerne er ikke gemt" in text
    assert '<details class="decision-section" open>' in text
    card = fieldset(text, development_area)
    assert "Drøftes på næste KKR-møde" in card
    assert "Vælg en beslutning, så begrundelsen kan gemmes med den." in card
    assert not GoalDecision.objects.exists()
    development_area.refresh_from_db()
    assert development_area.state == Goal.State.PIPELINE
