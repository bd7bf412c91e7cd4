"""The public search at /soeg/?q=… (English /en/search/): goals, milestones and the papers'
full text, public papers only, results linking to the goal or the paper's section, snippets
escaped, odd queries answered politely, the same few queries however much it finds.

The suite runs on SQLite and on PostgreSQL; on PostgreSQL this is Danish full-text search."""

import pytest

from goals.models import GoalPaper
from goals.models import PaperSection
from tests.seeds import HOVEDSTADEN_2024
from tests.seeds import MIDTJYLLAND
from tests.seeds import SYDDANMARK

pytestmark = pytest.mark.django_db


def search(client, query, prefix=""):
    response = client.get(f"{prefix}/soeg/" if not prefix else f"{prefix}/search/", {"q": query})
    return response, response.content.decode()


def test_a_word_with_aeoeaa_finds_the_paper_section_and_links_to_it(loaded, client):
    paper = GoalPaper.objects.get(source=SYDDANMARK)
    section = paper.sections.get(heading="Det tværkommunale samarbejde")

    response, html = search(client, "Sundhedsdirektørforum")

    assert response.status_code == 200
    assert f'href="/syddanmark/papirer/{paper.pk}/#{section.anchor}"' in html
    assert "<mark>Sundhedsdirektørforum</mark>" in html


def test_case_does_not_matter_for_danish_letters(loaded, client):
    lower = search(client, "ældre")[1]
    upper = search(client, "ÆLDRE")[1]

    assert "resultater for" in lower
    assert lower.count("<li>") == upper.count("<li>") > 0


def test_goals_and_milestones_link_to_their_goal_page(loaded, client):
    goal = GoalPaper.objects.get(source=MIDTJYLLAND).goals.get(number="1.1 b")

    html = search(client, "faldforebyggelse")[1]

    assert f'href="/midtjylland/maal/{goal.pk}/"' in html
    assert "<h2>Mål</h2>" in html and "<h2>Milepæle</h2>" in html


def test_drafts_are_never_found(loaded, client):
    # "SP-Link" stands only in the 2024 dialogue slides; made a draft, they are never found.
    slides = GoalPaper.objects.get(source=HOVEDSTADEN_2024)
    assert "SP-Link" in "\n".join(slides.sections.values_list("body", flat=True))
    slides.state = GoalPaper.State.DRAFT
    slides.save()

    response, html = search(client, "SP-Link")

    assert response.status_code == 200
    assert "Ingen mål eller tekst i papirerne matcher" in html
    assert "/hovedstaden/papirer/" not in html


def test_snippets_are_escaped(loaded, client):
    paper = GoalPaper.objects.get(source=SYDDANMARK)
    PaperSection.objects.create(
        paper=paper,
        order=99,
        heading="Bilag",
        body="Rusmiddelcenteret <script>alert('x')</script> & mere",
    )

    html = search(client, "rusmiddelcenteret")[1]

    assert "<script>alert" not in html
    assert (
        "<mark>Rusmiddelcenteret</mark> &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    )


@pytest.mark.parametrize(
    ("query", "status", "says"),
    [
        ("", 200, "Søg i mål og papirer"),
        ("   ", 200, "Søg i mål og papirer"),
        ("!!! ???", 400, "Skriv et eller flere ord at søge efter."),
        ("sundhed " * 40, 400, "Søgningen er for lang. Brug højst 200 tegn."),
        ("xyzzyqwerty", 200, "Ingen mål eller tekst i papirerne matcher"),
        ("' OR 1=1 --", 200, 'value="&#x27; OR 1=1 --"'),
        ("\x00", 400, "Skriv et eller flere ord"),
    ],
)
def test_empty_and_odd_queries_are_answered_politely(loaded, client, query, status, says):
    response, html = search(client, query)

    assert response.status_code == status
    assert says in html


def test_the_english_search_page(loaded, client):
    response, html = search(client, "akutfunktioner", prefix="/en")

    assert response.status_code == 200
    assert "Search goals and papers" in html
    assert 'href="/en/hovedstaden/papirer/' in html


def test_the_search_costs_the_same_queries_however_much_it_finds(
    loaded, client, django_assert_max_num_queries
):
    paper = GoalPaper.objects.get(source=SYDDANMARK)
    with django_assert_max_num_queries(3):
        search(client, "klynge")
    PaperSection.objects.bulk_create(
        PaperSection(paper=paper, order=100 + i, heading=f"Klynge {i}", body="Klyngen mødes.")
        for i in range(40)
    )

    with django_assert_max_num_queries(3):
        html = search(client, "klynge")[1]

    assert html.count("#afsnit-1") >= 10


def test_the_singular_finds_the_plural(loaded, client):
    # The papers say "akutfunktioner": PostgreSQL's Danish configuration reduces both forms to
    # one stem, the plain search finds the one inside the other.
    html = search(client, "akutfunktion")[1]

    assert "/hovedstaden/papirer/" in html
    assert "/hovedstaden/maal/" in html
