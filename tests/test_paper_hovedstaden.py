"""The three Hovedstaden papers as loaded by `load_kkr_data`: the KKR-mål of 2016, the adopted
KKR-mål for 2017–2018 and the dialogue meeting on the Sundhedsaftale 2024–2027.

Every check compares what the portal holds with the papers themselves (fixtures/sources/), never
with a copy of the fixture, so a wrong word, number, date or scope in a fixture makes a test fail.
"""

import re

import pytest

from goals.models import Goal
from goals.models import GoalPaper
from goals.models import Milestone
from municipalities.models import Cluster
from tests.seeds import HOVEDSTADEN_2016
from tests.seeds import HOVEDSTADEN_2017
from tests.seeds import HOVEDSTADEN_2024
from tests.seeds import in_seed
from tests.seeds import seed
from tests.seeds import squash

SOURCES = [HOVEDSTADEN_2016, HOVEDSTADEN_2017, HOVEDSTADEN_2024]

# The 2017–2018 paper marks its "KKR-mål" bullets with this private-use glyph.
BULLET_2017 = "\uf0d8"


def _plain(text):
    """Squashed text without the markdown emphasis the extraction left in some papers."""
    return squash(text).replace("*", "")


def stands_in(text, name):
    """True when `text` is printed in the paper. An excerpt that starts mid-sentence may carry
    a capital first letter; the paper's own emphasis marks (**bold**) are ignored."""
    if in_seed(text, name):
        return True
    paper = _plain(seed(name))
    plain = _plain(text)
    return plain in paper or plain[:1].lower() + plain[1:] in paper


def passages(text):
    """The lines of a field, without the list dashes the fixture adds: each must stand in the
    paper, though the fixture may join passages the paper prints apart."""
    for line in text.splitlines():
        line = line.strip()
        line = line.removeprefix("- ")
        if line:
            yield line


def texts_of(paper):
    """Every piece of paper text the portal shows for one paper, with a label for failures."""
    yield "title", paper.title
    yield from (("summary", p) for p in passages(paper.summary))
    for theme in paper.themes.all():
        yield f"theme {theme.order}", theme.title
        yield from ((f"theme {theme.order} intro", p) for p in passages(theme.intro))
    for goal in paper.goals.all():
        yield f"goal {goal.number}", goal.title
        yield from ((f"goal {goal.number} description", p) for p in passages(goal.description))
        yield from ((f"goal {goal.number} national", p) for p in passages(goal.national_goal))
        for milestone in goal.milestones.all():
            yield f"milestone {goal.number}.{milestone.order}", milestone.text
            for name in ("due_text", "lead"):
                if getattr(milestone, name):
                    yield (
                        f"milestone {goal.number}.{milestone.order} {name}",
                        getattr(milestone, name),
                    )


def milestone_with(paper, words):
    """The one milestone of the paper whose text holds `words` (as printed in the seed)."""
    assert in_seed(words, paper.source), f"{words!r} is not in {paper.source}"
    found = [
        m
        for m in Milestone.objects.filter(goal__paper=paper)
        if squash(words).lower() in squash(m.text).lower()
    ]
    assert len(found) == 1, f"{len(found)} milestones hold {words!r}"
    return found[0]


def covered_by(bullet, milestones):
    """The bullet's words stand, in order, in the goal's milestones read one after another."""
    return _plain(bullet) in _plain(" ".join(m.text for m in milestones))


def test_the_three_papers_are_loaded_for_hovedstaden(loaded):
    papers = GoalPaper.objects.filter(source__in=SOURCES)

    assert {p.source for p in papers} == set(SOURCES)
    assert {p.region.slug for p in papers} == {"hovedstaden"}
    by_source = {p.source: p for p in papers}
    assert by_source[HOVEDSTADEN_2016].kind == GoalPaper.Kind.KKR_GOALS
    assert by_source[HOVEDSTADEN_2017].kind == GoalPaper.Kind.KKR_GOALS
    assert by_source[HOVEDSTADEN_2024].kind == GoalPaper.Kind.HEALTH_AGREEMENT
    # The 2016 paper's year is in its printed title; 2017–2018 is the adopted paper's period.
    assert by_source[HOVEDSTADEN_2016].title.endswith("2016")
    assert by_source[HOVEDSTADEN_2017].period == "2017–2018"
    assert by_source[HOVEDSTADEN_2017].state == GoalPaper.State.ADOPTED
    assert by_source[HOVEDSTADEN_2024].period == "2024–2027"
    assert "2024-2027" in by_source[HOVEDSTADEN_2024].title


@pytest.mark.parametrize("source", SOURCES)
def test_every_text_stands_in_its_own_paper(loaded, source):
    paper = GoalPaper.objects.get(source=source)
    texts = list(texts_of(paper))

    assert len(texts) > 20
    missing = [(label, text) for label, text in texts if not stands_in(text, source)]
    assert missing == []


@pytest.mark.parametrize("source", SOURCES)
def test_due_dates_follow_the_printed_words(loaded, source):
    paper_text = _plain(seed(source)).lower()
    milestones = Milestone.objects.filter(goal__paper__source=source, due__isnull=False)

    for m in milestones:
        assert str(m.due.year) in m.due_text, m
        assert stands_in(m.due_text, source), m
        # The printed deadline stands in the milestone's own words or right beside them.
        text = _plain(m.text).lower()
        start = paper_text.find(text)
        assert start >= 0, m
        nearby = paper_text[max(0, start - 300) : start + len(text) + 300]
        assert _plain(m.due_text).lower() in nearby, m
        if m.due_approximate:
            assert "udgangen" not in m.due_text, m
        else:
            # Only "inden udgangen af <år>" is an exact deadline: the last day of that year.
            assert m.due_text.startswith("inden udgangen af"), m
            assert (m.due.month, m.due.day) == (12, 31), m


def test_2016_has_one_goal_per_printed_theme_with_every_bullet_as_milestones(loaded):
    paper = GoalPaper.objects.get(source=HOVEDSTADEN_2016)
    text = seed(HOVEDSTADEN_2016)
    chapters = re.findall(r"^# (.+)$", text, flags=re.MULTILINE)
    theme_titles = chapters[chapters.index("Indledning") + 1 :]
    lists = re.findall(r"^### \*\*(KKR-mål om .+?)\*\*\n\n((?:- .+\n)+)", text, flags=re.MULTILINE)

    assert len(theme_titles) == 3
    assert [t.title for t in paper.themes.all()] == theme_titles
    assert len(lists) == 3
    for number, (theme, (heading, bullets)) in enumerate(
        zip(paper.themes.all(), lists, strict=True), start=1
    ):
        goal = theme.goals.get()
        assert (goal.number, goal.title) == (str(number), heading)
        assert goal.kind == Goal.Kind.COMMITMENT
        milestones = list(goal.milestones.all())
        for bullet in re.findall(r"^- (.+)$", bullets, flags=re.MULTILINE):
            assert covered_by(bullet, milestones), bullet
    # Each theme ends by naming the national goal it supports.
    assert all(g.national_goal for g in paper.goals.all())


def test_2017_2018_has_three_commitments_and_development_areas_a_b_c(loaded):
    paper = GoalPaper.objects.get(source=HOVEDSTADEN_2017)

    commitments = paper.goals.filter(kind=Goal.Kind.COMMITMENT)
    development = paper.goals.filter(kind=Goal.Kind.DEVELOPMENT_AREA)

    assert [g.number for g in commitments] == ["1", "2", "3"]
    assert {g.state for g in commitments} == {Goal.State.ACTIVE}
    # The three "Vi vil …" sentences that open the paper are the goals' titles.
    for goal in commitments:
        assert stands_in(goal.title, HOVEDSTADEN_2017)
        assert goal.title.startswith("Vi vil ")
    assert [g.number for g in development] == ["A", "B", "C"]
    assert {g.state for g in development} == {Goal.State.PIPELINE}
    for goal in development:
        assert stands_in(f"{goal.number}: {goal.title}", HOVEDSTADEN_2017), goal
        assert not goal.milestones.exists()


def test_2017_2018_every_kkr_maal_bullet_is_a_milestone_of_a_goal(loaded):
    paper = GoalPaper.objects.get(source=HOVEDSTADEN_2017)
    bullets = [
        b.strip()
        for b in re.findall(BULLET_2017 + r"(.+?)\n\s*\n", seed(HOVEDSTADEN_2017), flags=re.DOTALL)
    ]
    goals = list(paper.goals.filter(kind=Goal.Kind.COMMITMENT))

    assert len(bullets) == 5
    for bullet in bullets:
        holders = [g for g in goals if covered_by(bullet, g.milestones.all())]
        assert len(holders) == 1, bullet
    for goal in goals:
        assert any(covered_by(b, goal.milestones.all()) for b in bullets), goal


def test_2017_2018_records_the_yearly_cycle(loaded):
    paper = GoalPaper.objects.get(source=HOVEDSTADEN_2017)

    for words in ("hvert år vil gøre status", "sætte hak ved opfyldte mål", "tilføje nye"):
        assert in_seed(words, HOVEDSTADEN_2017)
        assert words in paper.summary


def test_each_municipality_or_joint_as_the_papers_say(loaded):
    p2016 = GoalPaper.objects.get(source=HOVEDSTADEN_2016)
    p2017 = GoalPaper.objects.get(source=HOVEDSTADEN_2017)

    access = milestone_with(p2016, "inden udgangen af 2017 sikre sine borgere adgang")
    assert access.scope == Milestone.Scope.MUNICIPALITY
    assert (access.due.isoformat(), access.due_approximate) == ("2017-12-31", False)
    assert milestone_with(p2016, "afholde en workshop").scope == Milestone.Scope.JOINT
    assert milestone_with(p2016, "udarbejder og følger en fælles plan").scope == "joint"
    assert milestone_with(p2016, "eksplorativ afdækning").scope == Milestone.Scope.JOINT

    conference = milestone_with(p2017, "tovholderkommuner en videndeling")
    assert conference.scope == Milestone.Scope.JOINT
    assert conference.lead and conference.lead in conference.text
    assert conference.due_approximate and conference.due.year == 2018
    assert milestone_with(p2017, "etablere en fælles strategi").scope == "joint"
    assert milestone_with(p2017, "formulerer kommunerne en fælles holdning").scope == "joint"
    # Goal 1 prints one bullet only; its "hvor alle kommuner …" clause is no milestone of its
    # own (it would count the same thing twice).
    (plan,) = p2017.goals.get(number="1").milestones.all()
    assert plan.text.startswith("Kommunerne vil udarbejde og følge en fælles plan")
    assert "hvor alle kommuner skal sikre" in plan.text
    # What every municipality must do (follow the plan, secure the access), each reports on.
    assert plan.scope == Milestone.Scope.MUNICIPALITY

    # Whatever "alle kommuner" must do, each municipality reports on.
    for m in Milestone.objects.filter(goal__paper__in=[p2016, p2017]):
        if m.text.startswith("Alle kommuner"):
            assert m.scope == Milestone.Scope.MUNICIPALITY, m


def test_2024_the_clusters_that_gave_input_exist_with_a_section_each(loaded):
    paper = GoalPaper.objects.get(source=HOVEDSTADEN_2024)
    named = set(re.findall(r"^(?:Sundheds)?[Kk]lynge (\w+)$", seed(HOVEDSTADEN_2024), re.MULTILINE))

    assert named == {"Nord", "Midt", "Syd", "Bornholm", "Byen"}
    clusters = Cluster.objects.filter(region=paper.region, name__in=named)
    assert clusters.count() == 5
    titles = {t.title for t in paper.themes.all()}
    for name in named:
        assert f"Sundhedsklynge {name}" in titles
        theme = paper.themes.get(title=f"Sundhedsklynge {name}")
        assert theme.intro


def _seed_list(after, name=HOVEDSTADEN_2024):
    """The "- " items printed right after the line `after` (blank lines allowed before)."""
    match = re.search(re.escape(after) + r"\n\s*\n((?:- .+\n)+)", seed(name))
    assert match, after
    return [
        item.rstrip(".") for item in re.findall(r"^- (.+)$", match.group(1), flags=re.MULTILINE)
    ]


def test_2024_the_slides_commit_no_one_and_keep_what_was_achieved_as_text(loaded):
    paper = GoalPaper.objects.get(source=HOVEDSTADEN_2024)
    achieved = _seed_list("Hvad har vi opnået?")
    added = _seed_list("Yderligere fokus på:")
    continued = re.findall(r"^(Sammen om .+)$", seed(HOVEDSTADEN_2024), flags=re.MULTILINE)

    assert len(achieved) == 6 and len(added) == 5 and len(continued) == 6
    # A dialogue meeting adopts nothing: every item is a focus area, none a commitment.
    assert paper.state == GoalPaper.State.DIALOGUE
    assert {g.kind for g in paper.goals.all()} == {Goal.Kind.FOCUS_AREA}
    # What the 2019–2023 agreement achieved is text of the slides, not goals of 2024–2027.
    assert not paper.goals.filter(title__in=achieved).exists()
    intro = paper.themes.get(title="Den nuværende aftale").intro
    assert all(f"- {item}" in intro for item in achieved)
    # The three focus areas of 2019–2023 are printed twice: in force, and carried on.
    active = [g.title for g in paper.goals.filter(state=Goal.State.ACTIVE)]
    assert active == continued[:3] == continued[3:]
    assert [g.title for g in paper.goals.filter(state=Goal.State.PIPELINE)] == added
    assert not Milestone.objects.filter(goal__paper=paper).exists()


def test_the_2016_paper_gave_way_to_2017_2018_as_the_portals_reading(loaded):
    # The 2016 paper says only that it was approved by every council; no paper says it was
    # replaced. The portal reads the 2017–2018 paper as taking its topics up again (rusmiddel-
    # området as development area B) and marks that reading on every value it rests on.
    old = GoalPaper.objects.get(source=HOVEDSTADEN_2016)
    new = GoalPaper.objects.get(source=HOVEDSTADEN_2017)

    assert in_seed("[Papiret er herefter godkendt", HOVEDSTADEN_2016)
    assert "revider" not in seed(HOVEDSTADEN_2017) + seed(HOVEDSTADEN_2016)
    assert old.state == GoalPaper.State.ARCHIVED
    assert "portalens læsning" in old.provenance["state"]["source"]
    assert not old.goals.filter(state=Goal.State.ACTIVE).exists()
    for goal in old.goals.all():
        assert goal.state == Goal.State.REVISED
        assert "portalens læsning" in goal.provenance["state"]["source"]
    assert new.state == GoalPaper.State.ADOPTED
    assert new.goals.get(number="B").title.startswith("Bedre styring af rusmiddel")


def test_the_revised_goals_point_back_to_the_2016_goals_marked_as_the_portals_reading(loaded):
    # A politician following "akutfunktioner" from 2016 to 2017 finds one goal's history.
    old = GoalPaper.objects.get(source=HOVEDSTADEN_2016)
    new = GoalPaper.objects.get(source=HOVEDSTADEN_2017)
    linked = new.goals.filter(replaces__isnull=False).select_related("replaces")
    revised = {g.replaces.title: g.title for g in linked}

    assert set(revised) == {g.title for g in old.goals.all()}
    assert "akuttilbud" in revised["KKR-mål om akutfunktioner"]
    assert "unges" in revised["KKR-mål om de unges sundhed"]
    assert revised["KKR-mål om rusmiddelområdet"] == "Bedre styring af rusmiddelbehandlingen"
    for goal in linked:
        assert "portalens læsning" in goal.provenance["replaces"]["source"], goal


def test_frem_mod_2018_is_read_the_same_way_in_both_papers(loaded):
    dated = Milestone.objects.filter(
        goal__paper__source__in=[HOVEDSTADEN_2016, HOVEDSTADEN_2017], due_text="frem mod 2018"
    )

    assert {m.goal.paper.source for m in dated} == {HOVEDSTADEN_2016, HOVEDSTADEN_2017}
    assert {(m.due.isoformat(), m.due_approximate) for m in dated} == {("2018-12-31", True)}


def test_the_2017_2018_papers_year_is_marked_as_the_portals_estimate(loaded):
    paper = GoalPaper.objects.get(source=HOVEDSTADEN_2017)

    assert paper.adopted_year == 2017
    assert paper.provenance["adopted_year"]["estimated"] is True
