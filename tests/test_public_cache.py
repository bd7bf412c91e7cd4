"""The public pages come from the cache once a round is published: the second visitor costs
no query, a browser that holds the page gets a 304 (and one that holds a status paper's PDF
asks again each time, and gets the new one after a republish), and publishing, reopening or
editing what a page shows brings the new content at once. The secretariat's and reporters' own parts of a
page (their name in the menu) are never shared."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from goals import rounds
from goals.models import StatusRound
from reports import publishing
from tests.builders import build_round
from tests.builders import public_pages
from tests.builders import republish_corrected
from tests.builders import small_pdf
from tests.builders import submitted


def _text(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_a_published_page_is_served_from_the_cache_after_the_first_request(
    client, paper, status_history, django_assert_num_queries
):
    for url in public_pages(paper):
        first = _text(client, url)
        with django_assert_num_queries(0):
            second = _text(client, url)
        assert second == first, url


def test_signed_in_visitors_get_the_cached_page_with_their_own_menu(
    client, paper, status_history, secretariat, reporters
):
    first = _text(client, "/hovedstaden/")
    assert "Log ind" in first

    client.force_login(secretariat)
    with CaptureQueriesContext(connection) as queries:
        page = _text(client, "/hovedstaden/")
    # Only the session, the user and the menu's two questions (reporter? secretariat?): the
    # page itself is cached.
    assert len(queries) <= 4, [q["sql"] for q in queries]
    assert "Log ud (sekretariat-hovedstaden)" in page
    assert "Statusrunder" in page
    assert "Log ind" not in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert page.split('<main id="main"')[1] == first.split('<main id="main"')[1]

    client.force_login(reporters[101])
    page = _text(client, "/hovedstaden/")
    assert "Log ud (indberetter-101)" in page
    assert "sekretariat-hovedstaden" not in page

    client.logout()
    page = _text(client, "/hovedstaden/")
    assert "Log ud" not in page and "indberetter-101" not in page
    # No validators for a signed-in visitor's page: a browser must not keep it for the next.
    client.force_login(reporters[101])
    response = client.get("/hovedstaden/")
    assert "ETag" not in response and "private" in response["Cache-Control"]


def test_publishing_a_round_shows_it_at_once(client, paper, status_history, secretariat):
    closed = build_round(
        paper, 2019, state=StatusRound.State.CLOSED, lines=[(101, "1", 1, "met", "")]
    )
    assert "Status 2019" not in _text(client, "/hovedstaden/")
    assert "/hovedstaden/status/2019/" not in _text(client, "/")

    publishing.publish_round(closed, by=secretariat)

    assert "Status 2019" in _text(client, "/hovedstaden/")
    assert "/hovedstaden/status/2019/" in _text(client, "/")
    assert client.get("/hovedstaden/status/2019/").status_code == 200


def _fresh(client, url, settings):
    """The page rendered from scratch: the same request against an empty cache."""
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"fresh-{uuid.uuid4().hex}"}
    }
    return _text(client, url)


def test_reopening_a_round_changes_its_pages_at_once(
    client, paper, status_history, secretariat, settings
):
    urls = ["/", "/hovedstaden/", "/hovedstaden/status/2017/", "/hovedstaden/kommuner/219/"]
    before = {url: _text(client, url) for url in urls}
    assert "Status 2018" in before["/hovedstaden/"]

    latest = StatusRound.objects.get(paper=paper, year=2018)
    rounds.reopen_round(latest, reason="En kommune har rettet sit svar.", by=secretariat)

    # Whether a reopened round stays public as last published or not, no page may show
    # anything but what a fresh render shows.
    after = {url: _text(client, url) for url in urls}
    for url in urls:
        assert after[url] == _fresh(client, url, settings), url


def test_republishing_after_a_reopen_shows_the_corrected_answers(
    client, paper, status_history, secretariat
):
    latest = StatusRound.objects.get(paper=paper, year=2018)
    assert "Rettet svar fra Hillerød" not in _text(client, "/hovedstaden/kommuner/219/")

    rounds.reopen_round(latest, reason="Hillerød retter sit svar.", by=secretariat)
    republish_corrected(latest, secretariat, "Rettet svar fra Hillerød")

    assert "Rettet svar fra Hillerød" in _text(client, "/hovedstaden/kommuner/219/")


def test_editing_what_a_page_shows_changes_it_at_once(client, paper, status_history):
    goal = paper.goals.get(number="1")
    url = f"/hovedstaden/maal/{goal.pk}/"
    assert "Hurtigere akuttilbud" not in _text(client, url)

    goal.title = "Hurtigere akuttilbud"
    goal.save()

    assert "Hurtigere akuttilbud" in _text(client, url)
    assert "Hurtigere akuttilbud" in _text(client, "/hovedstaden/")


@pytest.mark.parametrize("url", ["/", "/hovedstaden/", "/hovedstaden/status/2018/"])
def test_a_browser_holding_the_page_gets_304(
    client, paper, status_history, secretariat, url, django_assert_num_queries
):
    first = client.get(url)
    assert first.status_code == 200
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert "Cookie" in first["Vary"]

    with django_assert_num_queries(0):
        again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304

    # After a publication the old validators no longer match: the new page comes.
    closed = build_round(paper, 2019, state=StatusRound.State.CLOSED)
    publishing.publish_round(closed, by=secretariat)
    fresh = client.get(url, headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh["ETag"] != etag


def test_the_secretariats_live_round_page_is_never_cached(
    staff, open_status_round, report, reporters
):
    url = f"/sekretariat/runder/{open_status_round.pk}/"
    assert "<strong>0 af 3</strong> indberettet" in _text(staff, url)

    submitted(report, reporters[101])

    assert "<strong>1 af 3</strong> indberettet" in _text(staff, url)


@pytest.fixture
def stored_2018(paper, status_history):
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from reports.models import Publication
    from reports.models import StoredPaper

    status_round = StatusRound.objects.get(paper=paper, year=2018)
    stored = StoredPaper(
        round=status_round,
        publication=Publication.objects.latest_for(status_round),
        state=StoredPaper.State.DONE,
        rendered_at=timezone.now(),
    )
    stored.file.save("KKR-Hovedstaden-status-2018.pdf", ContentFile(small_pdf()))
    return stored


def test_a_stored_paper_is_sent_without_asking_the_database_again(
    client, stored_2018, django_assert_num_queries
):
    url = "/rapporter/hovedstaden/2018/statuspapir.pdf"
    first = client.get(url)
    assert first.status_code == 200
    assert b"".join(first.streaming_content) == small_pdf()

    with django_assert_num_queries(0):
        again = client.get(url)
        assert b"".join(again.streaming_content).startswith(b"%PDF-")
    with django_assert_num_queries(0):
        assert client.get(url, headers={"If-None-Match": first["ETag"]}).status_code == 304


def test_behind_a_proxy_the_proxy_sends_the_stored_paper(client, settings, stored_2018):
    settings.PAPERS_ACCEL_REDIRECT = "/protected-media/"

    response = client.get("/rapporter/hovedstaden/2018/statuspapir.pdf")

    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == "/protected-media/" + stored_2018.file.name
    assert 'filename="KKR-Hovedstaden-status-2018.pdf"' in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"


def test_a_public_pdf_is_revalidated_and_changes_with_a_republish(client, status_history):
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from reports.models import Publication
    from reports.models import StoredPaper

    status_round = status_history[2018]
    stored = StoredPaper.objects.create(
        round=status_round,
        publication=Publication.objects.latest_for(status_round),
        state=StoredPaper.State.DONE,
        rendered_at=timezone.now(),
    )
    stored.file.save("status.pdf", ContentFile(b"%PDF-1.7 first"), save=True)
    url = f"/rapporter/hovedstaden/{status_round.year}/statuspapir.pdf"

    first = client.get(url)
    assert "no-cache" in first["Cache-Control"]
    assert "max-age=300" not in first["Cache-Control"]
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    # Republished: the paper is rendered again, and the old copy no longer validates.
    stored.file.save("status.pdf", ContentFile(b"%PDF-1.7 second"), save=False)
    stored.rendered_at = timezone.now()
    stored.save()
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert b"".join(again.streaming_content) == b"%PDF-1.7 second"


def test_a_publication_made_by_another_app_process_shows_within_a_second(
    client, paper, status_history, secretariat, monkeypatch
):
    from reports import cache as public_cache

    class OtherProcess(dict):
        def clear(self):
            """The publishing process forgets its versions; this one's memory stays."""

    monkeypatch.setattr(public_cache, "LOCAL_SECONDS", 60)  # however slow the machine
    closed = build_round(paper, 2019, state=StatusRound.State.CLOSED)
    assert "Status 2019" not in _text(client, "/hovedstaden/")

    monkeypatch.setattr(public_cache, "_local_versions", OtherProcess(public_cache._local_versions))
    publishing.publish_round(closed, by=secretariat)
    assert "Status 2019" not in _text(client, "/hovedstaden/")  # within the time

    monkeypatch.setattr(public_cache, "LOCAL_SECONDS", 0)  # the time has passed
    assert "Status 2019" in _text(client, "/hovedstaden/")


@pytest.mark.parametrize(
    "url", ["/hovedstaden/kommuner/101/", "/en/hovedstaden/kommuner/101/", "/hovedstaden/"]
)
def test_a_cached_page_carries_nothing_of_the_first_visitors_query_string(
    client, paper, status_history, url
):
    """The page is cached by its path; a first visitor's query string (a tracking tag, a
    crafted `next`) must not reach the visitors after them, in the language link or
    anywhere else."""
    first = _text(client, f"{url}?utm_source=X&next=//evil.example")
    second = _text(client, url)
    for page in (first, second):
        assert "evil.example" not in page
        assert "utm_source" not in page
