"""An error nobody foresaw gets the portal's own page (templates/500.html), in Danish, and in
English under /en/: what happened and what to do, never Django's bare "Server Error (500)".
The page needs neither the database nor the session (kkrmaal.views.server_error)."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def broken(client, monkeypatch):
    """A client whose accessibility page raises, answered as a browser would see it."""

    def boom(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("kkrmaal.views.render", boom)
    client.raise_request_exception = False
    return client


def test_an_error_gets_the_danish_page(broken, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = broken.get("/tilgaengelighed/")

    assert response.status_code == 500
    text = response.content.decode()
    assert '<html lang="da">' in text
    assert "<h1>Der skete en fejl</h1>" in text
    assert "Prøv igen om lidt" in text and "gem igen" in text
    assert 'href="/static/css/site.css"' in text
    assert "Server Error" not in text and "RuntimeError" not in text and "a bug" not in text
    assert response["Cache-Control"] == "no-store"


def test_an_error_under_en_gets_the_english_page(broken):
    response = broken.get("/en/accessibility/")

    assert response.status_code == 500
    text = response.content.decode()
    assert '<html lang="en">' in text
    assert "<h1>Something went wrong</h1>" in text
    assert 'href="/en/"' in text


def test_an_error_page_that_fails_itself_still_says_it_in_words(broken, monkeypatch):
    def broken_template(*args, **kwargs):
        raise RuntimeError("the template is broken too")

    monkeypatch.setattr("kkrmaal.views.render_to_string", broken_template)

    response = broken.get("/tilgaengelighed/")

    assert response.status_code == 500
    assert response.content.decode() == "Der skete en fejl hos os. Prøv igen om lidt."
