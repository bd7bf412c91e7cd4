"""Issue 21, the rest: one history across a revised goal, the verdict said once beside its
badge, the public words of a goal and paper through the API, every reading a paper does not
state marked, and the municipality page's lead true at every width."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from goals import rounds as goal_rounds
from goals.models import Goal
from goals.models import GoalDecision
from goals.models import GoalPaper
from goals.models import StatusRound
from reports.charts import trend_chart
from reports.progress import published_progress
from reports.progress import round_progress
from tests.builders import add_goal
from tests.builders import make_user

pytestmark = pytest.mark.django_db


def _text(html):
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _revised_goal():
    """The 2017–18 paper's goal 1, revised in this year's open round into a new goal 1 a."""
    old = Goal.objects.get(paper__source="001_b6c4e8802b7d46aa.txt", number="1")
    status_round = StatusRound.objects.get(paper=old.paper, state=StatusRound.State.OPEN)
    new = add_goal(old.theme, "1 a", "Revideret akutmål", order=old.order, milestone="Ny milepæl")
    secretariat = make_user("sekretariat-revision", region=old.paper.region, is_staff=True)
    goal_rounds.decide_goal(
        status_round, old, decision=GoalDecision.Decision.REVISE, new_goal=new, by=secretariat
    )
    return status_round, old, new


def test_a_revised_goal_shows_the_rounds_of_the_goal_it_continues(
    demo, django_assert_max_num_queries
):
    """One history: the new goal's trend counts the old goal's 29 answers in 2017 and 2018,
    marked as that goal's, instead of "Ingen indberetninger" or 29 "ikke indberettet"."""
    status_round, old, new = _revised_goal()
    with django_assert_max_num_queries(15):
        progress = round_progress(status_round)
    old_trend = (
        published_progress(StatusRound.objects.get(paper=old.paper, year=2018)).goals[0].trend
    )
    gp = next(g for g in progress.goals if g.goal.pk == new.pk)
    earlier = [p for p in gp.trend if p.year in (2017, 2018)]

    assert [p.earlier_goal.pk for p in earlier] == [old.pk, old.pk]
    assert gp.trend[-1].year == status_round.year and gp.trend[-1].earlier_goal is None
    assert earlier[-1].tally == next(p for p in old_trend if p.year == 2018).tally
    chart = _text(trend_chart(gp))
    assert "Ingen indberetninger" not in chart
    assert "* Status 2017: svarene på mål 1, som målet viderefører" in chart


def test_the_api_names_a_paper_and_its_goals_in_the_publics_words(demo):
    """A proposal's goal is `commitment`/`active` to the machine, and "målsætning ·
    foreslået" to the reader: the API gives both, in Danish and English."""
    proposal = GoalPaper.objects.get(source="002_73cf8f81b5b917b6.txt")
    client = APIClient()

    paper = client.get(f"/api/v1/papers/{proposal.pk}/").json()
    goals = client.get(f"/api/v1/goals/?paper={proposal.pk}").json()["results"]

    assert paper["state"] == "proposed"
    assert paper["public_label"] == {"da": "Forslag", "en": "Proposal"}
    active = [g for g in goals if g["kind"] == "commitment" and g["state"] == "active"]
    assert active
    assert {g["public_label"]["da"] for g in active} == {"målsætning · foreslået"}
    assert {g["public_label"]["en"] for g in active} == {"objective · proposed"}


def test_the_municipality_pages_lead_names_the_column_not_a_side(client, demo):
    """Below 40rem the table is a stack of cards and nothing stands "til højre": the lead
    names the column, whose name each card repeats (its data-label)."""
    html = client.get("/hovedstaden/kommuner/101/").content.decode()
    lead = _text(re.search(r'<p class="lead">(.*?)</p>', html, re.DOTALL).group(1))

    assert "Til højre" not in lead
    assert "»Regionen i alt«" in lead
    assert 'data-label="Regionen i alt"' in html


def test_the_verdict_is_said_once_beside_its_badge(client, demo):
    """The badge says "✗ Forsinket"; the sentence beside it says why, without "Forsinket"
    again (web and PDF print the same sentence of goals.evaluation.goal_verdict)."""
    status_round = StatusRound.objects.get(paper__region__slug="hovedstaden", year=2018)
    progress = published_progress(status_round)
    late = [g for g in progress.goals if g.verdict == "overdue"]
    page = _text(client.get("/hovedstaden/status/2018/").content.decode())

    assert late
    for g in progress.goals:
        assert not g.verdict_reason.lower().startswith(str(g.verdict_label).lower())
    assert "Forsinket Forsinket" not in page and "Forsinket, fordi" not in page
    for g in late:
        assert f"✗ Forsinket {g.verdict_reason}" in page


FIXTURES = Path(settings.BASE_DIR) / "fixtures"


def _marked(value):
    """Whether a fixture value carries the mark of an addition (goals/provenance.py)."""
    return isinstance(value, dict) and bool({"source", "estimated", "derived"} & set(value))


def _value(value):
    return value["value"] if _marked(value) else value


def _goals(goals):
    for goal in goals:
        yield goal
        yield from _goals(goal.get("children", []))


def _readings(paper, source):
    """(what, value, printed) of each reading of `paper` the portal could add: years, state,
    goal numbers, deadlines and continuations; `printed` when the source text states it."""
    text = re.sub(r"\s+", " ", source)
    for field in ("adopted_year", "first_year", "last_year"):
        yield field, paper[field], str(_value(paper[field])) in text
    says = {"proposed": "Forslag", "dialogue": "dialogmøde"}.get(_value(paper["state"]))
    yield "state", paper["state"], bool(says and says in text)
    for goal in _goals([g for theme in paper["themes"] for g in theme.get("goals", [])]):
        number = str(_value(goal["number"]))
        printed = re.search(rf"^\s*{re.escape(number)}[.:)]? ", source, re.MULTILINE)
        yield f"mål {number}", goal["number"], bool(printed)
        if "replaces" in goal:
            yield f"mål {number} fortsætter", goal["replaces"], False
        for milestone in goal.get("milestones", []):
            if milestone.get("due"):
                yield f"mål {number} frist", milestone["due"], bool(milestone.get("due_text"))


@pytest.mark.parametrize("fixture", sorted(p.name for p in (FIXTURES / "papers").glob("*.json")))
def test_every_reading_a_paper_does_not_state_carries_a_mark(fixture):
    """Years, state, numbers, deadlines and continuations the source text does not print are
    marked in the fixture, so the public pages say who added them."""
    paper = json.loads((FIXTURES / "papers" / fixture).read_text())
    source = (FIXTURES / "sources" / paper["source"]).read_text()

    unmarked = [
        what
        for what, value, printed in _readings(paper, source)
        if not printed and not _marked(value)
    ]

    assert not unmarked, unmarked


def test_a_number_the_portal_composed_is_marked_on_the_goals_page(client, demo):
    goal = Goal.objects.get(paper__source="002_73cf8f81b5b917b6.txt", number="1.1 a")
    page = _text(client.get(f"/midtjylland/maal/{goal.pk}/").content.decode())

    assert "nummer: nummereret af sekretariatet" in page
