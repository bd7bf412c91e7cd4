"""The API's public lists come from the cache, as the public pages do: the second caller costs
no query (a token caller only the token's check), a client that holds the answer gets a 304,
and publishing, reopening or editing what a list shows brings the new answer at once. Each
language, format, page, filter and caller has an answer of its own."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.http import parse_http_date
from rest_framework.test import APIClient

from goals import rounds
from goals.models import Goal
from goals.models import Milestone
from goals.models import StatusRound
from municipalities import tokens
from municipalities.models import Municipality
from reports import publishing
from tests.builders import build_round
from tests.builders import republish_corrected


@pytest.fixture
def api():
    return APIClient()


def _lists(status_history):
    second = status_history[2018].pk
    return [
        "/api/v1/regions/",
        "/api/v1/clusters/",
        "/api/v1/municipalities/?region=hovedstaden",
        "/api/v1/papers/",
        "/api/v1/goals/?ordering=-number",
        "/api/v1/milestones/",
        "/api/v1/rounds/",
        f"/api/v1/rounds/{second}/progress/",
        f"/api/v1/rounds/{second}/lines/?page_size=2&page=2",
        f"/api/v1/rounds/{second}/lines.csv",
        f"/api/v1/rounds/{second}/lines.xlsx",
        "/api/v1/regions/hovedstaden/",
        "/api/v1/municipalities/101/",
        f"/api/v1/rounds/{second}/",
    ]


def _get(api, url, **headers):
    response = api.get(url, **headers)
    assert response.status_code == 200, (url, response.content)
    return response


def test_a_public_list_is_served_from_the_cache_after_the_first_request(
    api, status_history, django_assert_num_queries
):
    for url in _lists(status_history):
        first = _get(api, url)
        with django_assert_num_queries(0):
            second = _get(api, url)
        assert second.content == first.content, url
        assert second["Content-Type"] == first["Content-Type"], url
        assert second["ETag"] == first["ETag"], url


def test_a_token_caller_gets_its_own_answer_and_pays_only_for_the_token(
    api, status_history, reporters
):
    url = "/api/v1/rounds/"
    anonymous = _get(api, url)
    assert "public" in anonymous["Cache-Control"]

    _token, key = tokens.issue_token(reporters[101], by=reporters[101])
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    with CaptureQueriesContext(connection) as first:
        answer = _get(api, url)
    # Not the anonymous caller's entry: the token's answer is made for it.
    assert any("goals_statusround" in q["sql"] for q in first.captured_queries)
    assert answer.json() == anonymous.json()
    assert "private" in answer["Cache-Control"]
    assert "Authorization" in answer["Vary"]

    with CaptureQueriesContext(connection) as second:
        assert _get(api, url).content == answer.content
    assert second.captured_queries, "the token is checked on every request"
    assert all("knox_authtoken" in q["sql"] or "auth_user" in q["sql"] for q in second), [
        q["sql"] for q in second
    ]


def test_languages_formats_pages_and_filters_are_kept_apart(api, status_history):
    url = f"/api/v1/rounds/{status_history[2018].pk}/lines/"
    danish = _get(api, url).json()["results"]
    english = _get(api, url, HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    assert "i gang" in {row["status_label"] for row in danish}
    assert "in progress" in {row["status_label"] for row in english}
    assert _get(api, url).json()["results"] == danish

    # The spreadsheet has an address of its own; asking the JSON's for CSV leads there.
    moved = api.get(url, HTTP_ACCEPT="text/csv")
    assert moved.status_code == 301
    assert moved["Location"] == f"{url[:-1]}.csv"
    assert _get(api, moved["Location"])["Content-Type"].startswith("text/csv")
    assert _get(api, url)["Content-Type"] == "application/json"
    assert len(_get(api, url, data={"page_size": 2}).json()["results"]) == 2
    assert len(_get(api, url, data={"page_size": 3}).json()["results"]) == 3

    names = [m["name"] for m in _get(api, "/api/v1/municipalities/").json()["results"]]
    first = _get(api, "/api/v1/municipalities/", data={"ordering": "-name"}).json()["results"]
    assert [m["name"] for m in first] == sorted(names, reverse=True)


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/regions/?utm=1",
        "/api/v1/municipalities/?region=findes-ikke",
        "/api/v1/rounds/?ordering=findes-ikke",
        "/api/v1/municipalities/?region=HOVEDSTADEN",
        "progress/?page=77",
        "progress/?page_size=3",
    ],
)
def test_a_parameter_or_value_nobody_reads_is_a_400(api, status_history, query):
    # A made-up parameter, a region nobody has, an ordering the list has not, paging of an
    # answer without pages: the client's mistake, said so (and only a 200 is ever kept).
    if not query.startswith("/"):
        query = f"/api/v1/rounds/{status_history[2018].pk}/{query}"
    answer = api.get(query)
    assert answer.status_code == 400, (query, answer.content)
    assert answer.json()["code"] in ("unknown_parameter", "invalid_parameter")


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/rounds/?year=1",
        "/api/v1/regions/?page=1&page=1",
        "/api/v1/goals/?page_size=0002",
        "/api/v1/goals/?ordering=-number,order",
    ],
)
def test_an_answer_an_anonymous_caller_can_vary_without_end_is_not_kept(api, status_history, query):
    # Each kept answer stays a week: spellings no client needs (a year nobody has, a
    # parameter twice, leading zeros, a list of orderings) must not let a caller fill the
    # cache. They are answered, each time anew.
    if not query.startswith("/"):
        query = f"/api/v1/rounds/{status_history[2018].pk}/{query}"
    _get(api, query)
    with CaptureQueriesContext(connection) as again:
        _get(api, query)
    assert len(again) > 0, query


def test_publishing_a_round_shows_it_at_once(api, paper, status_history, secretariat):
    closed = build_round(
        paper, 2019, state=StatusRound.State.CLOSED, lines=[(101, "1", 1, "met", "")]
    )
    years = [r["year"] for r in _get(api, "/api/v1/rounds/").json()["results"]]
    assert 2019 not in years

    publishing.publish_round(closed, by=secretariat)

    years = [r["year"] for r in _get(api, "/api/v1/rounds/").json()["results"]]
    assert 2019 in years
    assert _get(api, f"/api/v1/rounds/{closed.pk}/progress/").json()["round"]["year"] == 2019


def test_reopening_and_republishing_a_round_change_its_answers_at_once(
    api, paper, status_history, secretariat
):
    latest = status_history[2018]
    progress_url = f"/api/v1/rounds/{latest.pk}/progress/"
    lines_url = f"/api/v1/rounds/{latest.pk}/lines.csv"
    before = {url: _get(api, url) for url in ("/api/v1/rounds/", progress_url, lines_url)}

    rounds.reopen_round(latest, reason="Hillerød retter sit svar.", by=secretariat)

    # Reopened, the round keeps its last publication: the same answer, so the same
    # validators (a client holding it is not made to fetch it again).
    listed = _get(api, "/api/v1/rounds/")
    assert listed.json() == before["/api/v1/rounds/"].json()
    assert listed["ETag"] == before["/api/v1/rounds/"]["ETag"]
    assert listed["Last-Modified"] == before["/api/v1/rounds/"]["Last-Modified"]

    republish_corrected(latest, secretariat, "Rettet svar fra Hillerød")

    assert "Rettet svar fra Hillerød" in _get(api, lines_url).content.decode()
    progress = _get(api, progress_url)
    assert progress["ETag"] != before[progress_url]["ETag"]
    assert progress.json()["round"]["version"] == 2
    assert _get(api, "/api/v1/rounds/").json() != before["/api/v1/rounds/"].json()


def test_editing_what_a_list_shows_changes_it_at_once(api, status_history):
    url = "/api/v1/municipalities/?region=hovedstaden"
    assert "Københavns Kommune" not in _get(api, url).content.decode()

    kobenhavn = Municipality.objects.get(kommunekode=101)
    kobenhavn.name = "Københavns Kommune"
    kobenhavn.save()

    assert "Københavns Kommune" in _get(api, url).content.decode()


def _changed(answer):
    return parse_http_date(answer["Last-Modified"])


def test_last_modified_is_when_what_the_answer_shows_last_changed(
    api, status_history, other_paper, django_assert_num_queries
):
    # HTTP dates count whole seconds: each edit comes a second after the answer before it.
    scoped, everywhere, region = (
        "/api/v1/goals/?region=hovedstaden",
        "/api/v1/goals/",
        "/api/v1/regions/hovedstaden/",
    )
    before = {url: _get(api, url) for url in (scoped, everywhere, region)}
    time.sleep(1.1)

    # Another region's goal: the lists that show it change, Hovedstaden's do not.
    other = Goal.objects.get(paper=other_paper)
    other.title = "Klar opgavedeling i hele Syddanmark"
    other.save()
    after = {url: _get(api, url) for url in (scoped, everywhere, region)}
    assert _changed(after[everywhere]) > _changed(before[everywhere])
    assert after[everywhere]["ETag"] != before[everywhere]["ETag"]
    for url in (scoped, region):
        assert after[url]["Last-Modified"] == before[url]["Last-Modified"], url
        assert after[url]["ETag"] == before[url]["ETag"], url
        with django_assert_num_queries(0):
            held = api.get(url, HTTP_IF_MODIFIED_SINCE=before[url]["Last-Modified"])
        assert held.status_code == 304, url
    time.sleep(1.1)

    # Hovedstaden's goal (a milestone of it, shown inside it, too): its list moves.
    goal = Goal.objects.filter(paper__region__slug="hovedstaden").first()
    goal.title = "Et nyt navn"
    goal.save()
    edited = _get(api, scoped)
    assert _changed(edited) > _changed(before[scoped])
    assert edited["ETag"] != before[scoped]["ETag"]
    assert (
        api.get(scoped, HTTP_IF_MODIFIED_SINCE=before[scoped]["Last-Modified"]).status_code == 200
    )
    assert api.get(scoped, HTTP_IF_MODIFIED_SINCE=edited["Last-Modified"]).status_code == 304
    assert (
        api.get(region, HTTP_IF_MODIFIED_SINCE=before[region]["Last-Modified"]).status_code == 304
    )
    time.sleep(1.1)

    milestone = Milestone.objects.filter(goal=goal).first()
    milestone.text = "En ny milepæl"
    milestone.save()
    assert _changed(_get(api, scoped)) > _changed(edited)


@pytest.mark.parametrize("path", ["", "progress/"])
def test_a_rounds_answer_is_new_when_its_papers_title_is_edited(api, status_history, path):
    # Published, yet the answer names the paper as it is now: a client holding the old
    # title must not be told it is current.
    status_round = status_history[2018]
    url = f"/api/v1/rounds/{status_round.pk}/{path}"
    first = _get(api, url)
    status_round.paper.title = "KKR-mål for sundhed, rettet"
    status_round.paper.save()
    again = api.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    answer = again.json()
    assert (answer.get("round") or answer)["paper_title"] == "KKR-mål for sundhed, rettet"


@pytest.mark.parametrize("path", ["/api/v1/regions/", "/api/v1/goals/?page_size=1", "progress/"])
def test_a_client_holding_the_answer_gets_304(api, status_history, path, django_assert_num_queries):
    if not path.startswith("/"):
        path = f"/api/v1/rounds/{status_history[2018].pk}/{path}"
    first = _get(api, path)
    assert first["ETag"] and first["Last-Modified"]
    with django_assert_num_queries(0):
        assert api.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
        assert api.get(path, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    assert api.get(path, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


@pytest.mark.parametrize("path", ["", "progress/", "lines/"])
def test_each_language_and_format_of_a_round_has_an_etag_of_its_own(api, status_history, path):
    # A cache holding the Danish JSON that asks for the English (or the CSV) with its ETag
    # must get the other answer, not a 304 that makes it serve the Danish JSON again.
    url = f"/api/v1/rounds/{status_history[2018].pk}/{path}"
    danish = _get(api, url)
    english = api.get(url, HTTP_ACCEPT_LANGUAGE="en", HTTP_IF_NONE_MATCH=danish["ETag"])
    assert english.status_code == 200
    assert english["ETag"] != danish["ETag"]
    if path == "lines/":
        csv = api.get(f"{url[:-1]}.csv", HTTP_IF_NONE_MATCH=danish["ETag"])
        assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
        assert csv["ETag"] != danish["ETag"]


def test_an_answer_chosen_by_the_accept_header_says_so_each_time(api, status_history):
    # The answer follows Accept (JSON, or the way to the CSV), so a shared cache must keep
    # them apart, whether the answer was made for this request or came from the cache.
    url = f"/api/v1/rounds/{status_history[2018].pk}/lines/"
    for _time in range(2):
        for accept in ("application/json", "text/csv"):
            vary = api.get(url, HTTP_ACCEPT=accept)["Vary"]
            assert "Accept" in [name.strip() for name in vary.split(",")], (accept, vary)


@pytest.mark.parametrize("query", ["/api/v1/clusters/?region=¹", "/api/v1/goals/?page=٣"])
def test_a_digit_that_is_no_number_is_a_polite_error_not_a_server_error(api, status_history, query):
    # "¹" and "٣" are digits to Python's str.isdigit but no number to int().
    answer = api.get(query)
    assert answer.status_code in (400, 404), answer.content
    assert answer["Content-Type"].startswith("application/json")
