"""After logging in each role lands on its own work; every page offers the other language and
keeps the reader on the same page; the accessibility statement is one click from any page."""

import pytest
from django.contrib.auth import get_user_model

from tests.builders import PASSWORD
from tests.builders import page_html


def log_in(client, username, next_url=None):
    data = {"username": username, "password": PASSWORD}
    url = "/konto/login/" + (f"?next={next_url}" if next_url else "")
    if next_url:
        data["next"] = next_url
    return client.post(url, data, follow=True)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "username, lands_on",
    [
        ("indberetter-101", "/indberetning/"),
        ("sekretariat-hovedstaden", "/sekretariat/"),
    ],
)
def test_each_role_lands_on_its_own_work(client, reporters, secretariat, username, lands_on):
    response = log_in(client, username)
    assert response.redirect_chain[-1][0] == lands_on
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_superuser_lands_in_the_admin(client, region):
    get_user_model().objects.create_superuser("chef", "chef@example.dk", PASSWORD)
    response = log_in(client, "chef")
    assert response.redirect_chain[-1][0] == "/admin/"


@pytest.mark.django_db
def test_next_still_wins_over_the_role(client, reporters, status_history, region):
    response = log_in(client, "indberetter-101", next_url=f"/{region.slug}/")
    assert response.redirect_chain[-1][0] == f"/{region.slug}/"


@pytest.mark.django_db
def test_a_user_without_a_role_lands_on_the_front_page(client, region):
    get_user_model().objects.create_user("gaest", password=PASSWORD)
    response = log_in(client, "gaest")
    assert response.redirect_chain[-1][0] == "/"


@pytest.mark.django_db
def test_the_language_switch_keeps_the_page(client, status_history, region):
    danish = client.get(f"/{region.slug}/status/2018/").content.decode()
    assert f'href="/en/{region.slug}/status/2018/" hreflang="en"' in danish

    english = client.get(f"/en/{region.slug}/status/2018/").content.decode()
    assert 'lang="en"' in english
    assert f'href="/{region.slug}/status/2018/" hreflang="da"' in english


@pytest.mark.django_db
def test_pages_without_an_english_version_offer_no_switch(client, reporters):
    client.force_login(reporters[101])
    html = client.get("/indberetning/").content.decode()
    assert "hreflang" not in html


@pytest.mark.django_db
def test_the_accessibility_statement_is_linked_from_every_page(client, region, reporters):
    for url in ("/", f"/{region.slug}/", "/konto/login/"):
        assert 'href="/tilgaengelighed/"' in client.get(url).content.decode()
    statement = page_html(client, "/tilgaengelighed/")
    for text in ("Tilgængelighedserklæring", "Digitaliseringsstyrelsen", "WCAG"):
        assert text in statement
    assert 'lang="en"' in page_html(client, "/en/accessibility/")
