"""`generate_scale_data`: the national data set, read by the read side in the same number of
queries at any scale, and its options refused in Danish when they make no sense."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from goals.models import Goal
from goals.models import StatusRound
from municipalities.models import Municipality
from reports.progress import published_progress
from reports.progress import round_progress
from tests.builders import build_round
from tests.builders import command_error
from tests.builders import public_urls

pytestmark = pytest.mark.django_db


MAX_READ_SIDE_QUERIES = 15  # live data; a published round reads its record in one


def _count(fn):
    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries)


def _page_counts(client, round_, goal, kommunekode):
    """The queries of each public page around the round's `goal`, by the page's kind."""
    urls = public_urls(goal, years=[round_.year], kommunekoder=[kommunekode])
    counts = {}
    for kind, url in zip(("front", "region", "status", "goal", "municipality"), urls, strict=True):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[kind] = len(queries)
    return counts


def test_same_query_count_on_national_scale(
    client, paper, municipalities, django_assert_max_num_queries
):
    small = build_round(
        paper,
        2017,
        lines=[(code, "1", 1, "met", "") for code in municipalities],
    )
    small_count = _count(lambda: round_progress(small))
    small_pages = _page_counts(client, small, paper.goals.get(number="1"), 101)

    out = io.StringIO()
    call_command("generate_scale_data", "--rounds", "10", stdout=out)
    assert "98 kommuner" in out.getvalue()
    assert Municipality.objects.count() == 98
    big = (
        StatusRound.objects.filter(paper__source="skala-hovedstaden.txt").order_by("-year").first()
    )
    assert StatusRound.objects.filter(paper=big.paper, state="published").count() == 10
    big_progress = round_progress(big)
    assert len(big_progress.municipalities) == 29
    assert sum(len(g.trend) for g in big_progress.goals) > 30  # ten rounds of history

    big_count = _count(lambda: round_progress(big))
    big_goal = Goal.objects.get(paper=big.paper, number="1")
    big_pages = _page_counts(client, big, big_goal, 101)

    assert small_count == big_count
    with django_assert_max_num_queries(MAX_READ_SIDE_QUERIES):
        round_progress(big)
    with django_assert_max_num_queries(1):
        published_progress(big)
    assert small_pages == big_pages


def test_every_region_at_national_scale_reads_in_the_same_queries(db):
    call_command("generate_scale_data", "--rounds", "3", stdout=io.StringIO())
    latest = StatusRound.objects.filter(year=2019).select_related("paper__region")

    counts = {r.paper.region.slug: _count(lambda r=r: round_progress(r)) for r in latest}

    assert len(counts) == 5
    assert len(set(counts.values())) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rounds", "0"], "--rounds skal være mellem 1 og 50."),
        (["--rounds", "-3"], "--rounds skal være mellem 1 og 50."),
        (["--first-year", "0"], "--first-year skal være mellem 2000 og 2100"),
        (["--first-year", "99999"], "--first-year skal være mellem 2000 og 2100"),
        (["--first-year", "2095", "--rounds", "10"], "Den sidste runde (2104) ligger efter 2100."),
        (["--region", "atlantis"], "Ukendt region »atlantis«. Vælg en af: hovedstaden"),
        (["--rounds", "ti"], "--rounds skal være et helt tal"),
    ],
)
def test_generate_scale_data_refuses_bad_options_in_danish(args, message):
    assert message in command_error("generate_scale_data", *args)
    assert not StatusRound.objects.exists()


def test_scale_data_for_the_benchmark_leaves_this_years_round_open_and_stores_the_papers(
    client, db, django_capture_on_commit_callbacks
):
    """The benchmark needs no manual step: reporters can submit this year's round, and the
    latest published round's papers download at once."""
    from django.utils import timezone

    from goals.models import StatusReport
    from reports.models import StoredPaper

    this_year = timezone.localdate().year
    out = io.StringIO()
    # The papers are queued when the command's transaction commits, as on a server.
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "generate_scale_data",
            *("--rounds", "2", "--first-year", str(this_year - 1), "--region", "nordjylland"),
            *("--open-round", "--store-papers"),
            stdout=out,
        )

    open_round = StatusRound.objects.get(paper__region__slug="nordjylland", year=this_year)
    assert open_round.state == StatusRound.State.OPEN
    assert open_round.deadline > timezone.localdate()
    reports = StatusReport.objects.filter(round=open_round)
    assert reports.count() == 11
    assert set(reports.values_list("state", flat=True)) == {StatusReport.State.DRAFT}
    # The region's paper and the 11 municipalities' (the count the command prints is taken
    # before this test's transaction lets the rendering start).
    assert "statuspapirer gemt." in out.getvalue()
    assert StoredPaper.objects.filter(state=StoredPaper.State.DONE).count() == 12

    response = client.get(f"/rapporter/nordjylland/{this_year - 1}/statuspapir.pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert client.get(f"/nordjylland/status/{this_year}/").status_code == 404
