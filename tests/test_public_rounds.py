"""Which rounds the public sees is decided once (`reports.models.public_rounds`): a round with
a publication, shown as its latest one, whatever its state. A round reopened for a correction
stays on the public pages and in the API as last published; a round whose state says
"published" but that has no publication (one from before publications, until
reports/upgrade.py records it) is on none of them."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from goals import rounds
from goals.models import StatusRound
from reports.models import Publication
from reports.models import public_rounds
from reports.progress import latest_published_round
from tests.builders import build_round
from tests.builders import make_paper
from tests.builders import page_html

pytestmark = pytest.mark.django_db


def _unrecorded(paper, year):
    """A round in the state "published" without a publication."""
    status_round = build_round(paper, year)
    Publication.objects.filter(round=status_round).delete()
    return status_round


def test_a_round_is_public_when_it_has_a_publication_whatever_its_state(
    paper, status_history, secretariat
):
    first, second = status_history[2017], status_history[2018]
    rounds.reopen_round(second, reason="Rettelse af Hillerøds svar", by=secretariat)
    second.refresh_from_db()
    closed = build_round(paper, 2019, state=StatusRound.State.CLOSED)
    unrecorded = _unrecorded(paper, 2020)

    assert not second.is_published and unrecorded.is_published
    public = {r.pk: r for r in public_rounds()}
    assert set(public) == {first.pk, second.pk}
    assert closed.pk not in public and unrecorded.pk not in public
    assert public[second.pk].publication_version == 1
    assert public[second.pk].last_published_at == Publication.objects.get(round=second).published_at
    assert latest_published_round(paper.region) == second


def test_a_reopened_round_stays_listed_and_an_unrecorded_one_is_nowhere(
    client, paper, status_history, secretariat
):
    second = status_history[2018]
    rounds.reopen_round(second, reason="Rettelse af Hillerøds svar", by=secretariat)
    unrecorded = _unrecorded(paper, 2019)

    for url in ("/", "/hovedstaden/"):
        page = page_html(client, url)
        assert "Status 2018" in page, url
        assert "Status 2019" not in page, url
    assert "Status 2018" in page_html(client, "/hovedstaden/status/2018/")
    assert client.get("/hovedstaden/status/2019/").status_code == 404

    api = APIClient()
    listed = api.get("/api/v1/rounds/").json()["results"]
    assert [(r["year"], r["version"]) for r in listed] == [(2018, 1), (2017, 1)]
    assert listed[0]["published_at"].startswith("2018-12-01")
    assert api.get(f"/api/v1/rounds/{second.pk}/progress/").status_code == 200
    assert api.get(f"/api/v1/rounds/{unrecorded.pk}/").status_code == 404


def test_of_two_papers_rounds_in_a_year_the_region_shows_the_one_published_last(
    paper, status_history
):
    other = make_paper(paper.region, "other.txt", title="Sundhedsaftalen", state=paper.state)
    later = build_round(other, 2018)
    Publication.objects.filter(round=later).update(
        published_at=timezone.make_aware(datetime.datetime(2018, 12, 2, 10))
    )

    assert latest_published_round(paper.region) == later
    assert latest_published_round(paper.region, paper=paper) == status_history[2018]
