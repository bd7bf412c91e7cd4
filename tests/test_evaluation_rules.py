""" "Sådan vurderer vi": the rules behind an evaluation, stated on their own page (Danish and
English) and pointed to by a short note wherever the public pages show evaluations."""

import pytest

from tests.builders import page_html

pytestmark = pytest.mark.django_db


RULES = {
    "/saadan-vurderer-vi/": (
        "<h1>Sådan vurderer vi</h1>",
        "31. december i rundens år",
        "“primo 2018”",
        "De vises som omtrentlige.",
        "Kun indsendte og godkendte indberetninger tæller.",
        "også én der melder “opfyldt”",
        # The municipality's own status and the portal's evaluation, named as two things.
        "Kommunens egen status",
        "Portalens vurdering",
    ),
    "/en/saadan-vurderer-vi/": (
        'lang="en"',
        "How we evaluate",
        "31 December",
        "Only submitted and approved reports count.",
    ),
}


@pytest.mark.parametrize("url", RULES, ids=["da", "en"])
def test_the_rules_page_states_every_rule(client, url):
    text = page_html(client, url)

    for rule in RULES[url]:
        assert rule in text


def test_the_rules_page_lists_the_municipalitys_statuses_and_the_portals_evaluations(client):
    text = page_html(client, "/saadan-vurderer-vi/")

    for status in ("Ikke påbegyndt", "I gang", "Opfyldt", "Ikke relevant"):
        assert f"<li>{status}</li>" in text
    for evaluation in ("Opfyldt", "På vej", "Forsinket", "Ikke indberettet"):
        assert f"</span> {evaluation}</span>" in text


@pytest.mark.parametrize("where", ["region", "status", "goal", "municipality"])
def test_pages_with_evaluations_carry_the_note_and_link(client, status_history, paper, where):
    slug = paper.region.slug
    url = {
        "region": f"/{slug}/",
        "status": f"/{slug}/status/2018/",
        "goal": f"/{slug}/maal/{paper.goals.get(number='1').pk}/",
        "municipality": f"/{slug}/kommuner/101/",
    }[where]

    text = client.get(url).content.decode()

    assert "Sådan vurderer vi:" in text
    assert "milepælens frist pr. 31. december 2018" in text
    assert '<a href="/saadan-vurderer-vi/">Læs reglerne</a>' in text
    english = client.get(f"/en{url}").content.decode()
    assert '<a href="/en/saadan-vurderer-vi/">' in english


def test_an_approximate_deadline_is_shown_as_approximate(client, paper, request):
    milestone = paper.goals.get(number="1").milestones.get(order=2)
    milestone.due_text = "primo 2018"
    milestone.due_approximate = True
    milestone.save()
    # Published after the edit: the published page shows the milestones as they stood.
    request.getfixturevalue("status_history")

    text = client.get(f"/{paper.region.slug}/maal/{milestone.goal.pk}/").content.decode()

    assert "primo 2018" in text
    assert "(omtrentlig)" in text
