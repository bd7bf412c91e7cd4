"""KKR Syddanmark's position paper (seed 003) as loaded by `load_kkr_data`: the five joint
focus areas as goals in printed order with no dates, the three working principles and the
governance bodies kept as theme text. Expectations are read from the paper itself."""

import re

import pytest

from goals.models import GoalPaper
from goals.models import Milestone
from municipalities.models import Cluster
from tests.seeds import SYDDANMARK
from tests.seeds import seed
from tests.seeds import stands_in


@pytest.fixture
def paper(loaded):
    return GoalPaper.objects.get(source=SYDDANMARK)


in_paper = stands_in(SYDDANMARK)


def sentences(text):
    return [s for s in re.split(r"(?<=[.?])\s+|\n+", text) if s.strip()]


def headings_between(start, end):
    """The short heading lines of one part of the paper (lines that are not sentences)."""
    text = seed(SYDDANMARK)
    part = text[text.index(start) + len(start) : text.index(end)]
    return [
        line.strip()
        for line in part.splitlines()
        if line.strip() and not line.strip().endswith((".", ":", "?"))
    ]


def test_the_paper_is_syddanmarks_position_paper(paper):
    assert paper.region.slug == "syddanmark"
    assert paper.kind == GoalPaper.Kind.POSITION_PAPER
    assert in_paper(paper.title)
    assert paper.first_year <= paper.last_year
    # The paper is not dated: its year is the portal's estimate, marked as such.
    for name in ("adopted_year", "first_year", "last_year"):
        assert paper.provenance[name]["estimated"] is True, name
    assert "Borgeren i et helhedsperspektiv" in paper.summary
    for text in [paper.summary, *paper.themes.values_list("intro", flat=True)]:
        for sentence in sentences(text):
            assert in_paper(sentence.split(": ", 1)[-1]), sentence


def test_the_five_focus_areas_are_goals_in_printed_order(paper):
    printed = headings_between(
        "Fælleskommunale fokusområder", "Organisering af sundhedssamarbejdet"
    )
    assert in_paper("Der er særligt fem områder")
    assert len(printed) == 5

    goals = list(paper.goals.order_by("order"))

    assert [goal.title for goal in goals] == printed
    assert [goal.number for goal in goals] == ["1", "2", "3", "4", "5"]
    theme = goals[0].theme
    assert theme.title == "Fælleskommunale fokusområder"
    assert all(goal.theme_id == theme.id for goal in goals)
    for goal in goals:
        for sentence in sentences(goal.description):
            assert in_paper(sentence), sentence


def test_focus_areas_are_joint_and_undated(paper):
    milestones = Milestone.objects.filter(goal__paper=paper)
    assert milestones.count() >= 5
    for milestone in milestones:
        assert milestone.scope == Milestone.Scope.JOINT, milestone.text
        assert milestone.due is None
        assert milestone.baseline_count is None
        assert in_paper(milestone.text), milestone.text
    for goal in paper.goals.all():
        assert goal.milestones.exists(), goal.title


def test_the_three_working_principles_are_kept_as_text_not_as_goals(paper):
    principles = [
        line
        for line in headings_between("Vi stiller krav til samarbejdet", "Fælleskommunale")
        if line.startswith("Vi ")
    ]
    assert len(principles) == 3

    theme = paper.themes.get(title="Vi stiller krav til samarbejdet")

    assert not theme.goals.exists()
    for principle in principles:
        assert principle in theme.intro
        assert not paper.goals.filter(title=principle).exists()


def test_the_governance_bodies_are_described(paper):
    bodies = [
        "KKR Syddanmark",
        "Kommunaldirektørkredsen",
        "Sundhedsdirektørforum",
        "Forretningsudvalg",
        "Sundhedssamarbejdsudvalget",
        "Politiske sundhedsklynger",
        "Administrative, faglige klynger",
    ]
    theme = paper.themes.get(title="Organisering af sundhedssamarbejdet")
    for body in bodies:
        assert re.search(rf"^{body}\s*$", seed(SYDDANMARK), flags=re.MULTILINE), body
        assert body in theme.intro, body
    for paragraph in theme.intro.split("\n\n"):
        for sentence in sentences(paragraph.split(": ", 1)[-1]):
            assert in_paper(sentence), sentence


def test_the_region_has_the_four_clusters_the_paper_speaks_of(paper):
    assert in_paper("I de fire syddanske klynger")
    clusters = Cluster.objects.filter(region=paper.region)
    assert clusters.count() == 4
    members = [m for c in clusters for m in c.municipalities.all()]
    assert len(members) == len(set(members)) == paper.region.municipalities.count()
    # The paper does not name the clusters; each follows one of the four acute hospitals, and
    # name, description and members say they are the portal's.
    for cluster in clusters:
        assert re.search(r"Sygehus|hospital", cluster.description), cluster.name
        assert not in_paper(cluster.name), cluster.name
        for name in ("name", "description", "municipalities"):
            assert cluster.provenance[name]["source"].startswith("portalens"), (cluster, name)
