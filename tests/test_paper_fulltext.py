"""The papers as they really are: each paper's full text stored in sections (nothing left out),
every milestone in the paper's own words, every value the portal adds marked as such, and the
public paper page that shows it all with headings, paragraphs and lists.

Expectations are read from the source papers in fixtures/sources/, never from fixtures/papers/."""

import re

import pytest

from goals.models import Goal
from goals.models import GoalPaper
from goals.models import Milestone
from goals.models import PaperSection
from municipalities.models import Cluster
from tests.builders import page_html
from tests.seeds import HOVEDSTADEN_2017
from tests.seeds import HOVEDSTADEN_2024
from tests.seeds import MIDTJYLLAND
from tests.seeds import SOURCES
from tests.seeds import SYDDANMARK
from tests.seeds import normalized
from tests.seeds import seed
from tests.seeds import seed_paragraphs

pytestmark = pytest.mark.django_db


def full_text(paper):
    return "\n".join(f"{s.heading}\n{s.body}" for s in paper.sections.order_by("order"))


@pytest.mark.parametrize("source", SOURCES)
def test_every_paragraph_of_the_paper_is_in_its_stored_full_text(loaded, source):
    paper = GoalPaper.objects.get(source=source)
    stored = normalized(full_text(paper))
    paragraphs = seed_paragraphs(source)

    assert len(paragraphs) > 10
    missing = [p.strip()[:80] for p in paragraphs if normalized(p) not in stored]
    assert missing == []


def stretches(text, paper_text):
    """`text` cut into the longest stretches that stand in the paper, or None when some letter
    does not. A paragraph the extraction broke around a side box is two stretches."""
    found, start = [], 0
    while start < len(text):
        low, high = 0, len(text) - start
        while low < high:  # the longest prefix of the rest that stands in the paper
            middle = (low + high + 1) // 2
            if text[start : start + middle] in paper_text:
                low = middle
            else:
                high = middle - 1
        if low == 0:
            return None
        found.append(text[start : start + low])
        start += low
    return found


@pytest.mark.parametrize("source", SOURCES)
def test_the_full_text_adds_nothing_to_the_paper(loaded, source):
    # Read the other way round: every heading, paragraph and list item stored stands in the
    # paper (at most rejoined where a side box broke it), so nothing is invented.
    paper_text = normalized(seed(source))
    for section in PaperSection.objects.filter(paper__source=source):
        assert normalized(section.heading) in paper_text, section.heading
        for block in section.blocks:
            for text in block.items if block.kind == "list" else [block.text]:
                found = stretches(normalized(text), paper_text)
                assert found and len(found) <= 3, text[:80]
                if len(found) > 1:
                    assert all(len(stretch) >= 12 for stretch in found), (text[:80], found)


@pytest.mark.parametrize("source", SOURCES)
def test_every_milestone_is_in_the_papers_own_words(loaded, source):
    paper_text = normalized(seed(source))
    milestones = Milestone.objects.filter(goal__paper__source=source)
    for milestone in milestones:
        # Only the first letter may be a capital where the paper's sentence runs on.
        assert normalized(milestone.text.rstrip(".")) in paper_text, milestone.text


def test_the_sections_keep_the_context_the_goals_leave_out(loaded):
    def section_text(source):
        return full_text(GoalPaper.objects.get(source=source))

    hovedstaden_2016 = section_text("000_fbb1376eadf97830.txt")
    assert "Det er mål som:" in hovedstaden_2016
    assert "- Er ambitiøse, så de vil gøre en forskel for borgerne" in hovedstaden_2016
    assert "[Papiret er herefter godkendt i samtlige kommunalbestyrelser.]" in hovedstaden_2016
    assert "### Ambitiøse mål" in hovedstaden_2016
    assert "### Samarbejdet på tværs af kommuner" in hovedstaden_2016
    assert "### Hvordan vil vi gøre det?" in section_text(HOVEDSTADEN_2017)
    assert "frontløbere" in section_text(HOVEDSTADEN_2017)
    midtjylland = section_text(MIDTJYLLAND)
    assert "kvalitetsstandarder på de kommunale akutpladser" in midtjylland
    assert "- På møde i KKR Midtjylland den 8. april 2013" in midtjylland
    syddanmark = section_text(SYDDANMARK)
    for body in ("Sundhedsdirektørforum", "Forretningsudvalg", "Regionalt samarbejdsforum"):
        assert f"### {body}" in syddanmark
    assert "### Sundhedsklynger (Politisk, tværsektorielt forum)" in syddanmark


def test_midtjylland_is_a_proposal_not_an_adopted_paper(loaded):
    paper = GoalPaper.objects.get(source=MIDTJYLLAND)

    assert "Forslag til proces og indhold" in seed(MIDTJYLLAND)
    assert "vedtag" not in seed(MIDTJYLLAND).lower()
    assert paper.state == GoalPaper.State.PROPOSED
    assert paper.adopted_on is None
    # The year is the portal's estimate, and says so.
    assert paper.provenance["adopted_year"]["estimated"] is True


def test_no_item_of_the_2024_dialogue_slides_is_a_commitment(loaded):
    paper = GoalPaper.objects.get(source=HOVEDSTADEN_2024)

    assert paper.state == GoalPaper.State.DIALOGUE
    assert paper.goals.exists()
    assert not paper.goals.filter(kind=Goal.Kind.COMMITMENT).exists()
    assert not paper.goals.filter(state=Goal.State.ACHIEVED).exists()


def test_values_the_papers_do_not_print_say_where_they_come_from(loaded):
    p2017 = GoalPaper.objects.get(source=HOVEDSTADEN_2017)
    syddanmark = GoalPaper.objects.get(source=SYDDANMARK)
    assert not re.search(r"\b20\d\d\b", seed(SYDDANMARK))
    assert not re.search(r"vedtaget|godkendt", seed(HOVEDSTADEN_2017))

    assert p2017.provenance["adopted_year"]["estimated"]
    for name in ("adopted_year", "first_year", "last_year"):
        assert syddanmark.provenance[name]["estimated"], name
    # No baseline year is printed in Midtjylland's paper, so none is stored.
    assert not Milestone.objects.filter(
        goal__paper__source=MIDTJYLLAND, baseline_year__isnull=False
    ).exists()
    # Only Hovedstaden's five cluster names stand in a paper (seed 004).
    for cluster in Cluster.objects.select_related("region"):
        assert cluster.provenance["municipalities"]["source"], cluster
        named_in_a_paper = cluster.region.slug == "hovedstaden" and re.search(
            rf"^Klynge {cluster.name}$", seed(HOVEDSTADEN_2024), re.MULTILINE
        )
        assert ("name" in cluster.provenance) == (not named_in_a_paper), cluster


def test_the_paper_page_shows_the_full_text_with_headings_paragraphs_and_lists(loaded, client):
    paper = GoalPaper.objects.get(source="000_fbb1376eadf97830.txt")

    html = page_html(client, f"/hovedstaden/papirer/{paper.pk}/")

    for part in (
        "<h2>Indledning</h2>",
        "<h3>Ambitiøse mål</h3>",
        "<li>Er ambitiøse, så de vil gøre en forskel for borgerne</li>",
        "<p>Kommunerne i KKR-Hovedstaden sætter i dette papir fælles mål",
    ):
        assert part in html
    # Archived is the portal's reading, and the page says so, with why.
    for note in (
        "tilstand: sekretariatets læsning af papirerne",
        "Portalen har tilføjet 9 oplysninger, som ikke står i papiret",
        "<strong>Mål 3</strong> – tilstand: sekretariatets læsning af papirerne: Emnet fortsætter",
    ):
        assert note in html
    for goal in paper.goals.all():
        assert f'href="/hovedstaden/maal/{goal.pk}/"' in html


def test_the_paper_page_says_forslag_and_marks_the_estimated_year(loaded, client):
    paper = GoalPaper.objects.get(source=MIDTJYLLAND)

    html = client.get(f"/midtjylland/papirer/{paper.pk}/").content.decode()

    assert "<strong>Forslag</strong>" in html
    assert "årstal anslået af sekretariatet" in html
    assert "Vedtaget" not in html


def test_the_region_and_goal_pages_link_to_the_paper(loaded, client):
    paper = GoalPaper.objects.get(source=MIDTJYLLAND)
    goal = paper.goals.get(number="3.1")
    link = f'href="/midtjylland/papirer/{paper.pk}/"'

    region = client.get("/midtjylland/").content.decode()
    goal_page = client.get(f"/midtjylland/maal/{goal.pk}/").content.decode()

    assert link in region and "Forslag" in region
    assert "klyngenavn: navngivet af sekretariatet" in region
    assert link in goal_page
    # "inden udgangen af marts måned" gives no year: the page marks the year as estimated.
    assert (
        "inden udgangen af marts måned" in goal_page
        and "årstal anslået af sekretariatet" in goal_page
    )


def test_the_english_paper_page_keeps_the_papers_danish_text(loaded, client):
    paper = GoalPaper.objects.get(source=SYDDANMARK)

    response = client.get(f"/en/syddanmark/papirer/{paper.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Sundhedsdirektørforum" in html
    assert "year estimated by the secretariat" in html


def test_numbers_and_states_the_paper_does_not_print_are_marked(loaded, client):
    paper = GoalPaper.objects.get(source=SYDDANMARK)
    goal = paper.goals.get(title="En klar opgavedeling")
    assert not re.search(r"^\s*1\.?\s+En klar opgavedeling", seed(SYDDANMARK), re.MULTILINE)

    goal_page = client.get(f"/syddanmark/maal/{goal.pk}/").content.decode()
    paper_page = client.get(f"/syddanmark/papirer/{paper.pk}/").content.decode()

    assert "nummer: nummereret af sekretariatet" in goal_page
    assert "tilstand: sekretariatets læsning af papirerne" in paper_page


def test_a_draft_paper_has_no_public_page(loaded, client):
    paper = GoalPaper.objects.get(source=HOVEDSTADEN_2024)
    paper.state = GoalPaper.State.DRAFT
    paper.save()

    assert client.get(f"/hovedstaden/papirer/{paper.pk}/").status_code == 404
    assert client.get(f"/syddanmark/papirer/{paper.pk}/").status_code == 404


def test_the_paper_page_costs_the_same_queries_however_long_the_paper(
    loaded, client, django_assert_max_num_queries
):
    short = GoalPaper.objects.get(source=HOVEDSTADEN_2017)
    long = GoalPaper.objects.get(source=MIDTJYLLAND)
    PaperSection.objects.bulk_create(
        PaperSection(paper=long, order=100 + i, heading=f"Bilag {i}", body="- a\n- b\n\nTekst.")
        for i in range(30)
    )

    with django_assert_max_num_queries(5):
        assert client.get(f"/hovedstaden/papirer/{short.pk}/").status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get(f"/midtjylland/papirer/{long.pk}/").status_code == 200


def test_section_text_is_escaped(loaded, client):
    paper = GoalPaper.objects.get(source=SYDDANMARK)
    PaperSection.objects.create(
        paper=paper, order=99, heading="<b>x</b>", body="- <script>alert(1)</script>\n\nA & B"
    )

    html = client.get(f"/syddanmark/papirer/{paper.pk}/").content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html
