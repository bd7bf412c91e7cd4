"""One municipality's status paper as PDF: its own answers beside the region's, escaped, named
after region, year and municipality."""

import io
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader

from goals.models import Indicator
from goals.models import IndicatorValue
from goals.models import StatusReport
from reports.papers import download_filename
from reports.papers import municipality_paper_html
from reports.papers import render_status_paper
from reports.progress import freeze

pytestmark = pytest.mark.django_db


def _reader_and_text(pdf):
    reader = PdfReader(io.BytesIO(pdf))
    return reader, re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in reader.pages))


def test_hilleroed_reads_its_own_answers_beside_the_region(status_history, municipalities):
    status_round = status_history[2018]
    report = StatusReport.objects.get(round=status_round, municipality=municipalities[219])
    IndicatorValue.objects.create(
        report=report, indicator=Indicator.objects.get(name="Unge i forløb"), value=Decimal(42)
    )
    freeze(status_round)  # published again with the value (version 2)

    reader, text = _reader_and_text(render_status_paper(status_round, municipalities[219]))

    assert reader.metadata.title == "Hillerød – Status 2018: KKR-mål for sundhed"
    assert reader.trailer["/Root"]["/Lang"] == "da"
    assert "Hillerød · Status 2018" in text
    assert "Kommunekode 219" in text and "Klynge Nord" in text
    # Its answers: milestone 1/1 in progress and overdue, milestone 2/1 left blank.
    assert "Alle kommuner har en akutfunktion" in text
    assert "Forsinket" in text and "Kommunens status: i gang" in text
    assert "Ikke indberettet" in text
    # The region's totals beside them: 2 of 3 met milestone 1/1, 1 of 3 milestone 2/1.
    assert "2 af 3" in text and "1 af 3" in text
    # Its comment, as text.
    # (compared without whitespace: a line may break after the slash in "</script>")
    assert "<script>alert('x')</script>og</table>ensygeplejerske." in text.replace(" ", "")
    assert "Unge i forløb" in text and "42 personer" in text
    assert "Side 1 af" in text
    # Another municipality's comment is not in Hillerød's report.
    assert "Akutteamet lever op til kvalitetsstandarden." not in text


def test_escaped_in_the_html_too(status_history, municipalities):
    html = municipality_paper_html(status_history[2018], municipalities[219])

    assert "<script>" not in html
    assert "&lt;script&gt;" in html and "&lt;/table&gt;" in html


def test_filename_names_region_year_and_municipality(status_history, municipalities):
    assert (
        download_filename(status_history[2018], municipalities[219])
        == "KKR-Hovedstaden-status-2018-219-Hilleroed.pdf"
    )
    assert download_filename(status_history[2018]) == "KKR-Hovedstaden-status-2018.pdf"
