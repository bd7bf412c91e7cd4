"""The public pages a politician or citizen reads: the regions, a region's goals and
progress, one goal with its milestones, chart and municipality matrix, one municipality,
and a status year with its PDF. Only published rounds are public."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from goals.models import Goal
from goals.models import GoalPaper
from goals.models import Indicator
from goals.models import IndicatorValue
from goals.models import StatusReport
from municipalities.models import Municipality
from reports.papers import render_status_paper as render_paper
from reports.progress import freeze
from tests.builders import MARKUP
from tests.builders import build_round
from tests.builders import make_paper
from tests.builders import pdf_text
from tests.builders import public_urls

pytestmark = pytest.mark.django_db


def _html(response):
    assert response.status_code == 200
    return response.content.decode()


def _plain(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_front_page_lists_regions_and_their_published_status_papers(
    client, status_history, other_region, closed_2019
):
    html = _html(client.get("/"))

    assert "KKR Hovedstaden" in html and "KKR Syddanmark" in html
    assert 'href="/hovedstaden/status/2018/"' in html
    assert 'href="/rapporter/hovedstaden/2018/statuspapir.pdf"' in html
    assert 'href="/hovedstaden/status/2017/"' in html
    assert "/hovedstaden/status/2019/" not in html


def test_region_page_shows_the_latest_published_status(client, status_history, closed_2019):
    html = _html(client.get("/hovedstaden/"))
    text = _plain(html)

    assert "Status 2018" in text
    assert "3 af 3 kommuner har indsendt deres status." in text
    assert "Effektive akuttilbud" in text and "Unges sundhed" in text
    assert 'href="/rapporter/hovedstaden/2018/statuspapir.pdf"' in html
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="trend-chart"' in html
    assert "Status 2019" not in text
    for name in ("København", "Frederiksberg", "Hillerød"):
        assert name in text


def test_goal_page_has_milestones_counts_chart_and_matrix(client, status_history, paper):
    goal = paper.goals.get(number="1")

    html = _html(client.get(f"/hovedstaden/maal/{goal.pk}/"))
    text = _plain(html)

    assert "Mål 1" in text and "Effektive akuttilbud" in text
    assert "Ved vedtagelsen (2016): 1 af 3 opfyldt → nu: 2 af 3" in text
    assert "2 af 3 kommuner opfyldt" in text
    assert "inden udgangen af 2017" in text
    assert "Udgangspunkt 2016" in html and "Status 2017" in html and "Status 2018" in html
    # The matrix: each cell a symbol and a word, grouped by cluster.
    assert "Klynge Byen" in text and "Klynge Nord" in text
    assert re.search(r"Hillerød</a></th><td class=\"cell ev-overdue\"[^>]*>.*?Forsinket", html)
    assert "2018: Fortsætter" in text and "Hillerød følger op i 2019." in text


def test_municipality_page_shows_its_answers_and_escapes_comments(client, status_history):
    html = _html(client.get("/hovedstaden/kommuner/219/"))
    text = _plain(html)

    assert "Hillerød" in text and "Klynge Nord" in text
    assert "Forsinket" in text and "Ikke indberettet" in text
    assert "2 af 3" in text  # the region beside it
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; og &lt;/table&gt;" in html
    assert 'href="/rapporter/hovedstaden/2018/219.pdf"' in html


def test_status_year_page_with_download(client, status_history):
    html = _html(client.get("/hovedstaden/status/2018/"))
    text = _plain(html)

    assert "Status 2018" in text and "Offentliggjort 1. december 2018" in text
    assert "Hent statuspapiret 2018 (PDF)" in text
    assert "Målet er nået og sættes hak ved." in text
    assert 'href="/rapporter/hovedstaden/2018/147.pdf"' in html
    assert 'href="/hovedstaden/status/2017/"' in html


def test_unpublished_and_unknown_things_are_a_danish_404(
    client, status_history, closed_2019, other_region, other_municipality
):
    other_paper = make_paper(
        other_region, "syd.txt", title="Syddanske mål", first_year=2017, last_year=2018
    )
    other_goal = Goal.objects.create(paper=other_paper, number="1", title="Fælles fokus")
    for url in [
        "/hovedstaden/status/2019/",
        "/rapporter/hovedstaden/2019/statuspapir.pdf",
        "/rapporter/hovedstaden/2019/101.pdf",
        "/hovedstaden/status/2030/",
        "/atlantis/",
        f"/hovedstaden/maal/{other_goal.pk}/",
        "/hovedstaden/kommuner/461/",
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Siden findes ikke" in response.content.decode(), url
    assert client.get(f"/syddanmark/maal/{other_goal.pk}/").status_code == 200


def test_a_draft_paper_is_not_public(client, region):
    draft = make_paper(
        region,
        "udkast.txt",
        title="Udkast til nye mål",
        first_year=2019,
        state=GoalPaper.State.DRAFT,
    )
    goal = Goal.objects.create(paper=draft, number="1", title="Hemmeligt mål")

    assert "Udkast til nye mål" not in _html(client.get("/hovedstaden/"))
    assert client.get(f"/hovedstaden/maal/{goal.pk}/").status_code == 404


def test_english_under_en(client, status_history):
    html = _html(client.get("/en/hovedstaden/"))

    assert '<html lang="en">' in html
    assert 'href="/en/hovedstaden/status/2018/"' in html


def test_pages_are_read_only(client, status_history):
    assert client.post("/hovedstaden/").status_code == 405
    assert client.post("/rapporter/hovedstaden/2018/statuspapir.pdf").status_code == 405


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    return len(queries)


def test_query_counts_stay_flat_as_municipalities_and_rounds_grow(
    client, status_history, paper, clusters, django_assert_max_num_queries
):
    goal = paper.goals.get(number="1")
    urls = public_urls(goal, years=[2018], kommunekoder=[101])
    before = {url: _queries(client, url) for url in urls}

    for code in range(250, 262):
        Municipality.objects.create(
            kommunekode=code, name=f"Kommune {code}", region=paper.region, cluster=clusters["Nord"]
        )
    for year in (2019, 2020, 2021):
        build_round(
            paper,
            year,
            lines=[(code, "1", 1, "met", "Fint") for code in range(250, 262)],
            joint=[("1", 2, "met")],
            decisions=[("1", "continue", "")],
        )
    urls = public_urls(goal, years=[2021], kommunekoder=[101])

    after = {url: _queries(client, url) for url in urls}
    assert list(before.values()) == list(after.values())
    for url in urls:
        with django_assert_max_num_queries(20):
            client.get(url)


def test_another_regions_goal_and_municipality_under_a_region_slug_are_404(
    client, status_history, other_paper, other_municipality, municipalities, paper
):
    foreign_goal = other_paper.goals.get()
    own_goal = paper.goals.get(number="1")
    pairs = [
        (reverse("reports:goal", args=["hovedstaden", foreign_goal.pk]), 404),
        (reverse("reports:goal", args=["syddanmark", own_goal.pk]), 404),
        (reverse("reports:goal", args=["syddanmark", foreign_goal.pk]), 200),
        (reverse("reports:municipality", args=["hovedstaden", 461]), 404),
        (reverse("reports:municipality", args=["syddanmark", 101]), 404),
        (reverse("reports:municipality", args=["syddanmark", 461]), 200),
        (reverse("reports:municipality_paper_pdf", args=["syddanmark", 2018, 101]), 404),
        (reverse("reports:municipality_paper_pdf", args=["hovedstaden", 2018, 461]), 404),
        (reverse("reports:municipality_paper_pdf", args=["hovedstaden", 2018, 999]), 404),
        (reverse("reports:status", args=["syddanmark", 2018]), 404),
        (reverse("reports:region_paper_pdf", args=["syddanmark", 2018]), 404),
        ("/ukendt-region/", 404),
        ("/ukendt-region/maal/1/", 404),
    ]
    for url, status in pairs:
        response = client.get(url)
        assert response.status_code == status, url
        if status == 404:
            assert "Siden findes ikke" in response.content.decode(), url


@pytest.mark.parametrize("state", ["planned", "open", "closed"])
def test_unpublished_rounds_are_invisible_to_the_public(client, paper, municipalities, state):
    build_round(paper, 2019, state=state, lines=[(101, "1", 1, "met", "Hemmelig kladde")])
    for url in [
        reverse("reports:status", args=["hovedstaden", 2019]),
        reverse("reports:region_paper_pdf", args=["hovedstaden", 2019]),
        reverse("reports:municipality_paper_pdf", args=["hovedstaden", 2019, 101]),
    ]:
        assert client.get(url).status_code == 404, url
    for url in [
        reverse("reports:region", args=["hovedstaden"]),
        reverse("reports:municipality", args=["hovedstaden", 101]),
        reverse("reports:goal", args=["hovedstaden", paper.goals.get(number="1").pk]),
    ]:
        page = client.get(url).content.decode()
        assert "Hemmelig kladde" not in page
        assert "2019" not in page, url


def test_a_draft_reports_indicator_values_stay_private_after_publishing(
    client, paper, municipalities
):
    """A municipality that never submitted has no status in the round; the numbers it
    typed into its draft must not be published on its page or in its PDF either."""
    status_round = build_round(paper, 2018, drafts=[219])
    indicator = Indicator.objects.get(goal__paper=paper)
    for code, value in [(101, "12"), (219, "4711")]:
        IndicatorValue.objects.create(
            report=StatusReport.objects.get(round=status_round, municipality__kommunekode=code),
            indicator=indicator,
            value=Decimal(value),
        )
    freeze(status_round)  # published again, with the values
    submitted_page = client.get(reverse("reports:municipality", args=["hovedstaden", 101]))
    assert "12 personer" in submitted_page.content.decode()
    draft_page = client.get(reverse("reports:municipality", args=["hovedstaden", 219]))
    assert "4711" not in draft_page.content.decode()

    text = pdf_text(render_paper(status_round, municipalities[219]))
    assert "Unge i forløb" in text
    assert "4711" not in text


def test_markup_in_goal_texts_is_escaped_in_pages_and_chart(client, status_history, paper):
    goal = paper.goals.get(number="1")
    goal.number = '1"><svg onload=x>'  # fits the 20 characters of a goal number
    goal.title = MARKUP
    goal.save()
    Municipality.objects.filter(kommunekode=101).update(name=MARKUP)
    freeze(status_history[2018])  # published again, so the published pages carry the markup
    for url in [
        reverse("reports:region", args=["hovedstaden"]),
        reverse("reports:goal", args=["hovedstaden", goal.pk]),
        reverse("reports:status", args=["hovedstaden", 2018]),
        reverse("reports:municipality", args=["hovedstaden", 101]),
    ]:
        page = client.get(url).content.decode()
        assert "<script>" not in page, url
        assert "<img src=x" not in page and "<svg onload" not in page, url
    goal_page = client.get(reverse("reports:goal", args=["hovedstaden", goal.pk])).content
    # In the page and in the chart's title.
    assert goal_page.count(b"1&quot;&gt;&lt;svg onload=x&gt;") >= 2
