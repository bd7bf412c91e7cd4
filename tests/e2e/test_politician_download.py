"""In a browser: a politician finds the region's published status on the public site and
downloads the yearly status paper, which is the stored PDF of the round."""

import io

import pytest
from pypdf import PdfReader

from reports import publishing
from tests.builders import build_round

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_politician_downloads_the_published_status_paper(
    page, live_server, paper, municipalities, secretariat
):
    closed = build_round(
        paper,
        2018,
        state="closed",
        lines=[
            (101, "1", 1, "met", "Akutteamet lever op til kvalitetsstandarden."),
            (147, "1", 1, "met", ""),
            (219, "1", 1, "in_progress", "Vi mangler en sygeplejerske."),
        ],
        decisions=[("1", "continue", "Hillerød følger op i 2019.")],
    )
    publishing.publish_round(closed, by=secretariat)  # renders and stores the papers (no broker)

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="KKR Hovedstaden").first.click()
    assert "2 af 3" in page.locator("main").inner_text()  # met, of the three municipalities

    # The browser opens the PDF in its viewer; fetch what the link points at, as it does.
    link = page.get_by_role("link", name="Hent statuspapiret 2018 (PDF)").first
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    assert 'filename="KKR-Hovedstaden-status-2018.pdf"' in response.headers["content-disposition"]

    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert "Status 2018" in text
    assert "Effektive akuttilbud" in text
    assert "Vi mangler en sygeplejerske." in text
    assert "UDKAST" not in text
