"""Every word and figure exact, on every surface (issue 21): each published round of the demo
is read on its public pages, in its PDFs and through the API, and none of them prints "None",
"()" or "0 af 0", gives a verdict for a goal with nothing to evaluate, or counts differently;
the summary tiles wear the legend's colours; a paper and its goals are named for what the
paper is; search matches whole words or word starts and says where a hit stands."""

import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from goals.models import Goal
from goals.models import GoalPaper
from reports.charts import COLOURS
from reports.models import public_rounds
from reports.papers import render_status_paper
from reports.progress import published_progress

pytestmark = pytest.mark.django_db

LEAKS = [
    (re.compile(r"\bNone\b"), "None"),
    (re.compile(r"\(\s*\)"), "()"),
    (re.compile(r"\b0 af 0\b"), "0 af 0"),
]
VERDICTS = ("met", "on_track", "overdue")


def _text(html):
    """What a reader sees of a page (scripts and styles dropped, tags made spaces)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _leaks(text):
    return [word for pattern, word in LEAKS if pattern.search(text)]


def _pdf_text(pdf, tmp_path):
    path = tmp_path / "paper.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return out.stdout.decode()


@pytest.fixture
def rounds(demo):
    rounds = list(public_rounds().select_related("paper__region").order_by("pk"))
    assert len(rounds) == 5
    return rounds


def _public_pages(status_round, progress):
    region = status_round.paper.region.slug
    first = progress.municipalities[0].kommunekode
    return [
        f"/{region}/",
        f"/{region}/status/{status_round.year}/",
        f"/{region}/papirer/{status_round.paper_id}/",
        f"/{region}/kommuner/{first}/",
        *[f"/{region}/maal/{g.goal.pk}/" for g in progress.goals],
    ]


def _api_goals(status_round):
    response = APIClient().get(f"/api/v1/rounds/{status_round.pk}/progress/")
    assert response.status_code == 200, response.content
    return response.json()["goals"]


def test_no_public_page_prints_none_empty_brackets_or_zero_of_zero(client, rounds):
    pages = ["/", "/saadan-vurderer-vi/", "/soeg/?q=akutfunktion"]
    for status_round in rounds:
        pages += _public_pages(status_round, published_progress(status_round))
    for page in dict.fromkeys(pages):
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        assert not _leaks(_text(html)), (page, _leaks(_text(html)))
        # Every public page says what it is to a search engine or a link preview.
        description = re.search(r'<meta name="description" content="([^"]+)"', html)
        assert description and len(description.group(1).strip()) > 30, page


def test_no_verdict_without_anything_evaluated_and_the_same_counts_everywhere(
    client, rounds, tmp_path
):
    for status_round in rounds:
        progress = published_progress(status_round)
        api = {g["id"]: g for g in _api_goals(status_round)}
        for g in progress.goals:
            evaluated = [c for mp in g.milestones for c in mp.cells.values()]
            answered = [c for c in evaluated if c.evaluation not in ("missing", "not_relevant")]
            ticked_off = g.decision is not None and g.decision.decision == "achieved"
            if not evaluated and not ticked_off:
                assert g.verdict is None, (status_round, g.goal.number)
            if g.verdict in ("met", "on_track") and not ticked_off:
                assert answered, (status_round, g.goal.number)
            document = api[g.goal.pk]
            assert document["verdict"] == g.verdict
            assert document["verdict_reason"] == g.verdict_reason != ""
            assert (document["verdict_label"] == "") == (g.verdict is None)

        # The tiles on the page, the PDF's summary and the API count the same goals.
        commitments = [api[g.goal.pk] for g in progress.commitments]
        counted = Counter(g["verdict"] for g in commitments)
        page = client.get(f"/{status_round.paper.region.slug}/status/{status_round.year}/")
        html = page.content.decode()
        for verdict in VERDICTS:
            tile = re.search(
                rf'<li class="verdict-card {verdict}">.*?</span> (\d+)</span>', html, re.DOTALL
            )
            assert int(tile.group(1)) == counted[verdict], (status_round, verdict)
        pdf = _pdf_text(render_status_paper(status_round), tmp_path)
        assert not _leaks(pdf), (status_round, _leaks(pdf))
        summary = " ".join(pdf.split())
        for verdict, label in (
            ("met", "opfyldt"),
            ("on_track", "på vej"),
            ("overdue", "forsinket"),
        ):
            if counted[verdict]:
                assert f"{counted[verdict]} {label}" in summary, (status_round, verdict)
        # Why a goal is late, in the same sentence on the page and in the PDF.
        for g in progress.commitments:
            if g.verdict == "overdue":
                assert g.verdict_reason in _text(html)
                assert " ".join(g.verdict_reason.split()[:6]) in summary


def test_a_development_area_without_milestones_has_no_verdict(client, rounds):
    """Hovedstaden 2018's development areas A–C: nothing to evaluate, so no "på vej"."""
    status_round = next(r for r in rounds if (r.paper.region.slug, r.year) == ("hovedstaden", 2018))
    goals = {g["number"]: g for g in _api_goals(status_round)}

    for number in "ABC":
        assert goals[number]["verdict"] is None
        assert goals[number]["verdict_reason"] == (
            "Målet har ingen milepæle at vurdere i denne status."
        )
    area = Goal.objects.get(paper=status_round.paper, number="A")
    page = _text(client.get(f"/hovedstaden/maal/{area.pk}/").content.decode())
    assert "Ingen vurdering" in page and "På vej" not in page


def test_the_status_page_names_the_municipalities_behind_a_late_goal(client, rounds):
    status_round = next(r for r in rounds if (r.paper.region.slug, r.year) == ("hovedstaden", 2018))
    progress = published_progress(status_round)
    late_goal = next(g for g in progress.commitments if g.verdict == "overdue")
    names = {m.pk: m.name for m in progress.municipalities}
    late = sorted(
        {
            names[key]
            for mp in late_goal.municipality_milestones
            for key, cell in mp.cells.items()
            if cell.evaluation == "overdue"
        }
    )

    page = _text(client.get(f"/hovedstaden/status/{status_round.year}/").content.decode())
    goal_page = _text(client.get(f"/hovedstaden/maal/{late_goal.goal.pk}/").content.decode())

    sentence = re.search(r"Ikke opfyldt efter fristen: ([^.]*)\.", page)
    assert sentence, page
    assert sorted(re.split(r", | og ", sentence.group(1))) == late
    assert sentence.group(0) in goal_page


def test_a_line_that_turned_overdue_is_a_change_since_the_last_status(client, rounds):
    """Same status as last year, but the deadline has passed since: the reader is told."""
    page = _text(client.get("/hovedstaden/status/2018/").content.decode())

    assert "nu forsinket: fristen er passeret (status: i gang)" in page


def test_the_tiles_wear_the_legends_colours_on_the_web_and_in_the_pdf(client, rounds):
    """The tiles' classes are the verdicts' own (met, on_track, overdue), and each is styled
    in the colour the legend under every chart gives it (reports/charts.py), on the web and
    in the PDF: no grey "forsinket", no yellow zero."""
    public = (Path(settings.BASE_DIR) / "static/css/public.css").read_text()
    printed = (Path(settings.BASE_DIR) / "templates/reports/pdf/print.css").read_text()
    site = (Path(settings.BASE_DIR) / "static/css/site.css").read_text()
    variables = dict(re.findall(r"(--[\w-]+):\s*([^;]+);", site))

    def colour(css, selector):
        found = re.search(rf"{re.escape(selector)}\s*{{[^}}]*?border-top-color:\s*([^;}}]+)", css)
        assert found, selector
        value = found.group(1).strip()
        return variables.get(value[4:-1], value) if value.startswith("var(") else value

    html = client.get("/hovedstaden/status/2018/").content.decode()
    assert set(re.findall(r'class="verdict-card (\w+)"', html)) == set(VERDICTS)
    for verdict in VERDICTS:
        legend = COLOURS[verdict][0]
        assert colour(public, f".verdict-card.{verdict}") == legend
        assert colour(printed, f".verdict-row td.{verdict}") == legend
        assert colour(printed, f".cover .verdicts td.{verdict}") == legend


def test_every_paper_and_goal_is_named_for_what_the_paper_is(client, demo):
    midtjylland = GoalPaper.objects.get(source="002_73cf8f81b5b917b6.txt")
    goal = midtjylland.goals.get(number="3.1")
    html = client.get(f"/midtjylland/maal/{goal.pk}/").content.decode()
    assert '<span class="badge">målsætning</span> <span class="badge">foreslået</span>' in html
    assert "aktivt" not in _text(html)

    syddanmark = GoalPaper.objects.get(source="003_34f1144947dbb059.txt")
    region = _text(client.get("/syddanmark/").content.decode())
    assert "fælleskommunalt fokusområde" in region and "KKR-mål · aktivt" not in region
    assert syddanmark.goals.count() == region.count("fælleskommunalt fokusområde")

    slides = GoalPaper.objects.get(source="004_970053b73b56a88d.txt")
    response = client.get(f"/hovedstaden/papirer/{slides.pk}/")
    assert response.status_code == 200
    assert "Dialogmateriale – oplæg til en politisk drøftelse" in _text(response.content.decode())
    found = _text(client.get("/soeg/?q=populationsansvar").content.decode())
    assert "KKR Hovedstaden" in found and "Dialogmateriale" in found


def test_readings_the_papers_do_not_state_are_marked_in_the_publics_words(client, demo):
    old = GoalPaper.objects.get(source="000_fbb1376eadf97830.txt")
    proposal = GoalPaper.objects.get(source="002_73cf8f81b5b917b6.txt")

    for region, paper in (("hovedstaden", old), ("midtjylland", proposal)):
        page = _text(client.get(f"/{region}/papirer/{paper.pk}/").content.decode())
        assert "periode udledt af fristerne" in page, paper
        assert "portalens" not in page, paper
    assert "årstal anslået af sekretariatet" in _text(
        client.get(f"/midtjylland/papirer/{proposal.pk}/").content.decode()
    )


def test_the_municipality_pdf_keeps_its_columns_and_its_words(rounds, tmp_path):
    status_round = next(r for r in rounds if (r.paper.region.slug, r.year) == ("midtjylland", 2014))
    progress = published_progress(status_round)
    municipality = progress.municipalities[0]

    text = _pdf_text(render_status_paper(status_round, municipality), tmp_path)

    assert not _leaks(text)
    assert "kladde" not in text.lower() and "Mangler" not in text
    goal_tables = len({line.goal.goal.pk for line in progress.municipality_lines(municipality)})
    assert goal_tables > 1 and text.count("Frist") == goal_tables


def test_search_matches_whole_words_or_word_starts(client, demo):
    found = client.get("/soeg/?q=KOL").content.decode()
    hits = re.findall(r"<mark>(.*?)</mark>", found)

    assert hits and all(hit.casefold().startswith("kol") for hit in hits)
    # "skole" stands in the public papers, and is not a hit for "KOL".
    papers = GoalPaper.objects.public().filter(region__slug="hovedstaden")
    pages = [client.get(f"/hovedstaden/papirer/{paper.pk}/") for paper in papers]
    assert any("skole" in _text(page.content.decode()).casefold() for page in pages)
    assert "skole" not in _text(found).casefold()
    assert "KKR Midtjylland · " in _text(found) and "Forslag" in _text(found)


def test_an_english_search_says_the_content_is_danish(client, demo):
    page = _text(client.get("/en/search/?q=acute").content.decode())

    assert "The goals and papers exist in Danish only" in page
    assert "akutfunktion" in page


def test_the_matrix_names_each_cells_cluster_for_screen_readers(client, rounds):
    status_round = next(r for r in rounds if (r.paper.region.slug, r.year) == ("hovedstaden", 2018))
    goal = published_progress(status_round).commitments[0].goal
    html = client.get(f"/hovedstaden/maal/{goal.pk}/").content.decode()

    ids = set(re.findall(r'<th[^>]* id="([^"]+)"', html))
    cells = re.findall(r'<td class="cell [^"]*" headers="([^"]+)"', html)
    assert cells
    for headers in cells:
        named = headers.split()
        assert len(named) == 3 and set(named) <= ids
        assert any(re.fullmatch(r"m\d+-c\d+", h) for h in named)  # the cluster's header row


def test_a_continued_goal_points_to_the_status_of_the_goal_that_continues_it(
    client, rounds, django_assert_max_num_queries
):
    """One history: the 2016 paper's goal has no rounds of its own; its page shows the 2018
    status of the 2017–18 goal that continues it, not "no status"."""
    successor = Goal.objects.get(paper__source="001_b6c4e8802b7d46aa.txt", number="1")
    old = successor.replaces
    assert old.paper.source == "000_fbb1376eadf97830.txt"
    status_round = next(r for r in rounds if (r.paper.region.slug, r.year) == ("hovedstaden", 2018))
    verdict = next(
        g for g in published_progress(status_round).goals if g.goal.pk == successor.pk
    ).verdict_reason

    with django_assert_max_num_queries(20):
        page = _text(client.get(f"/hovedstaden/maal/{old.pk}/").content.decode())

    assert f"Målet føres videre i mål 1: {successor.title}" in page
    assert "Status 2018:" in page and "Forsinket" in page and verdict in page
