"""Upgrading an installation whose rounds were published before publications existed:
`migrate` freezes each such round as its version 1 (published at and by as the round
recorded), keeps the papers stored then, renders the ones missing, and the public pages and
PDFs read as before the upgrade. Nothing to do on an empty or already upgraded database."""

import io
import re

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from goals.models import StatusRound
from reports import papers
from reports.models import Publication
from reports.models import StoredPaper
from tests.builders import build_round

pytestmark = pytest.mark.django_db


def _text(content):
    return re.sub(r"\s+", " ", content.decode() if isinstance(content, bytes) else content)


def _pdf(response):
    assert response.status_code == 200
    pdf = b"".join(response.streaming_content)
    return pdf, _text(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


@pytest.fixture
def installed_before_publications(paper, closed_2018, publish):
    """2017 and 2018 published the old way: no publication; 2018's papers stored then
    (rendered from the data of the day), 2017's never stored."""
    build_round(paper, 2017, lines=[(101, "1", 1, "met", "")])
    closed = publish(closed_2018)
    StoredPaper.objects.filter(round=closed).update(publication=None)
    Publication.objects.all().delete()
    for stored in StoredPaper.objects.filter(round=closed):
        papers.render_stored(stored)  # as the old code did: from the round's data
    return closed


def test_migrate_gives_every_published_round_its_record(
    client, installed_before_publications, secretariat, django_capture_on_commit_callbacks
):
    status_round = StatusRound.objects.get(pk=installed_before_publications.pk)
    # Without a record the published status would be gone from the public pages.
    assert client.get("/hovedstaden/status/2018/").status_code == 404
    old_file = StoredPaper.objects.get(round=status_round, municipality=None).file.read()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("migrate", verbosity=0)

    first = Publication.objects.get(round=status_round)
    assert first.version == 1 and first.reason == ""
    assert first.published_at == status_round.published_at
    assert first.published_by == secretariat
    page = _text(client.get("/hovedstaden/status/2018/").content)
    assert "2 af 3 kommuner" in page and "Fælles milepæle: 1 af 1 opfyldt" in page
    assert "1 af 3 kommuner" in _text(client.get("/hovedstaden/status/2017/").content)
    # The paper the public downloaded before the upgrade is the one served after it.
    pdf, text = _pdf(client.get("/rapporter/hovedstaden/2018/statuspapir.pdf"))
    assert pdf == old_file and "2 af 3 kommuner" in text
    _pdf(client.get("/rapporter/hovedstaden/2018/147.pdf"))
    # 2017 had no stored papers: they are rendered from its new record.
    _pdf2017, text2017 = _pdf(client.get("/rapporter/hovedstaden/2017/statuspapir.pdf"))
    assert "1 af 3 kommuner" in text2017

    # A second migrate finds nothing left to do.
    call_command("migrate", verbosity=0)
    assert Publication.objects.count() == 2
    assert StoredPaper.objects.filter(publication=None).count() == 0


def test_migrate_leaves_rounds_that_are_not_published_alone(paper, municipalities):
    build_round(paper, 2018, state=StatusRound.State.CLOSED, lines=[(101, "1", 1, "met", "")])
    call_command("migrate", verbosity=0)
    assert not Publication.objects.exists()
