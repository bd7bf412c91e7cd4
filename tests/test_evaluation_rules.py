""" "Sådan vurderer vi": the rules behind an evaluation, stated on their own page (Danish and
English) and pointed to by a short note wherever the public pages show evaluations."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_rules_page_states_every_rule(client):
    page = client.get("/saadan-vurderer-vi/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "<h1>Sådan vurderer vi</h1>" in text
    assert "31. december i rundens år" in text
    assert "“primo 2018”" in text and "De vises som omtrentlige." in text
    assert "Kun indsendte og godkendte indberetninger tæller." in text
    assert "også én der melder “opfyldt”" in text
    # The municipality's own status and the portal's evaluation, named as two things.
    assert "Kommunens egen status" in text and "Portalens vurdering" in text
    for status in ("Ikke påbegyndt", "I gang", "Opfyldt", "Ikke relevant"):
        assert f"<li>{status}</li>" in text
    for evaluation in ("Opfyldt", "På vej", "Forsinket", "Ikke indberettet"):
        assert f"</span> {evaluation}</span>" in text


def test_the_rules_page_in_english(client):
    page = client.get("/en/saadan-vurderer-vi/")

    assert page.status_code == 200
    text = page.content.decode()
    assert 'lang="en"' in text
    assert "How we evaluate" in text
    assert "31 December" in text
    assert "Only submitted and approved reports count." in text


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
