"""The region's status paper as PDF: what was met by whom and what was decided, pages, contents,
page numbers, tags, metadata and fonts, a watermark on drafts, user text printed as text, and
`render_status_paper` saying what is wrong."""

import datetime
import io
import re

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from goals.models import StatusRound
from reports.papers import render_status_paper
from reports.papers import render_status_paper as render_paper
from reports.papers import status_paper_html
from tests.builders import SCRIPT_COMMENT
from tests.builders import build_round
from tests.builders import command_error
from tests.builders import pdf_text

pytestmark = pytest.mark.django_db


def _text(pdf):
    """Each page's text with runs of whitespace made one space."""
    return [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture
def paper_2018(status_history):
    return render_status_paper(status_history[2018])


def test_the_paper_tells_what_was_met_by_whom_and_what_was_decided(paper_2018):
    text = "\n".join(_text(paper_2018))
    flat = re.sub(r"\s+", " ", text)

    assert "KKR Hovedstaden" in flat and "Status 2018" in flat
    assert "Mål 1" in flat and "Effektive akuttilbud" in flat
    assert "Mål 2" in flat and "Unges sundhed" in flat
    # Goal 1 at adoption 1 of 3, now 2 of 3; milestone 1/1's counts and the matrix words.
    assert "1 af 3" in flat and "2 af 3" in flat
    assert "2 af 3 opfyldt" in flat
    for name in ("København", "Frederiksberg", "Hillerød", "Klynge Byen", "Klynge Nord"):
        assert name in flat
    assert "Forsinket" in flat and "Ikke relevant" in flat
    # Summary: one goal achieved (decision), one behind; the decisions and their reasons.
    for decision in (
        "Der er truffet 2 beslutninger",
        "Målet er nået og sættes hak ved.",
        "Hillerød følger op i 2019.",
    ):
        assert decision in flat
    # Appendix with the municipalities' comments.
    for comment in (
        "Bilag: Kommunernes bemærkninger",
        "Akutteamet lever op til kvalitetsstandarden.",
        "Strategien er vedtaget i byrådet.",
    ):
        assert comment in flat


def test_pages_contents_and_page_numbers(paper_2018):
    reader = PdfReader(io.BytesIO(paper_2018))
    pages = _text(paper_2018)
    total = len(pages)

    assert total >= 5
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (595, 842)  # A4 in points
    # Every page but the cover says "Side X af Y" and carries the running header.
    for number, text in enumerate(pages[1:], start=2):
        assert f"Side {number} af {total}" in text
        assert "KKR Hovedstaden · Status 2018" in text
    # The contents lists each section with the page it starts on.
    contents = pages[1]
    assert "Indhold" in contents
    goal_page = next(i for i, t in enumerate(pages, start=1) if "Mål 1 Effektive akuttilbud" in t)
    appendix_page = next(
        i for i, t in enumerate(pages[2:], start=3) if "Bilag: Kommunernes bemærkninger" in t
    )
    assert goal_page > 2 and appendix_page > goal_page
    assert re.search(rf"Effektive akuttilbud[ .]*{goal_page}\b", contents)
    assert re.search(rf"Bilag: Kommunernes bemærkninger[ .]*{appendix_page}\b", contents)


def test_tagged_pdf_with_metadata_and_embedded_font(paper_2018):
    reader = PdfReader(io.BytesIO(paper_2018))
    root = reader.trailer["/Root"]

    assert reader.metadata.title == "KKR Hovedstaden – Status 2018: KKR-mål for sundhed"
    assert "sundhedssekretariat" in reader.metadata.author
    assert root["/Lang"] == "da"
    assert root["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in root
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = (
                font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            )
            descriptor = descendant["/FontDescriptor"].get_object()
            if "/FontFile2" in descriptor or "/FontFile3" in descriptor:
                fonts.add(str(font["/BaseFont"]).split("+")[-1])
    assert "DejaVu-Sans" in fonts and "DejaVu-Sans-Bold" in fonts


def test_user_text_is_escaped(status_history):
    html = status_paper_html(status_history[2018])
    text = re.sub(r"\s+", " ", "\n".join(_text(render_status_paper(status_history[2018]))))

    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "&lt;/table&gt;" in html
    # The comment is printed as written, markup and all, and the appendix goes on after it.
    # (compared without whitespace: a line may break after the slash in "</script>")
    assert "<script>alert('x')</script>og</table>ensygeplejerske." in text.replace(" ", "")
    assert SCRIPT_COMMENT.split()[0] in text


def test_an_unpublished_round_is_a_draft_with_a_watermark(status_history, paper, tmp_path):
    build_round(paper, 2019, state=StatusRound.State.CLOSED, lines=[(101, "1", 1, "met", "")])
    out = tmp_path / "udkast.pdf"

    call_command("render_status_paper", "hovedstaden", "2019", "-o", str(out))

    text = re.sub(r"\s+", " ", "\n".join(_text(out.read_bytes())))
    assert "Udkast – ikke offentliggjort" in text
    assert "Udkast. Runden er ikke offentliggjort" in text
    html = status_paper_html(StatusRound.objects.get(year=2019))
    assert 'class="watermark"' in html and "UDKAST" in html
    published_html = status_paper_html(status_history[2018])
    assert 'class="watermark"' not in published_html


def test_markup_in_comments_is_printed_as_text_in_the_pdfs(status_history, municipalities):
    """The 2018 comment of Hillerød is full of markup; the PDFs print it, not run it."""
    second = status_history[2018]
    printed = "Vimangler<script>alert('x')</script>og</table>ensygeplejerske."
    for municipality in (None, municipalities[219]):
        text = "".join(pdf_text(render_paper(second, municipality)).split())
        assert printed in text, municipality


@pytest.fixture
def published_round(paper, municipalities):
    return StatusRound.objects.create(
        paper=paper,
        year=2018,
        opens=datetime.date(2018, 9, 1),
        deadline=datetime.date(2018, 11, 1),
        state=StatusRound.State.PUBLISHED,
    )


def test_render_status_paper_names_what_is_wrong(published_round, tmp_path):
    out = str(tmp_path / "x.pdf")
    assert "Der er ingen region med det korte navn »nowhere«" in command_error(
        "render_status_paper", "nowhere", "2018", "-o", out
    )
    assert "Der er ingen statusrunde for hovedstaden i 2017." in command_error(
        "render_status_paper", "hovedstaden", "2017", "-o", out
    )
    assert "Kommunen 999 hører ikke til hovedstaden." in command_error(
        "render_status_paper", "hovedstaden", "2018", "--municipality", "999", "-o", out
    )
    assert "Året skal være et helt tal, fx 2018" in command_error(
        "render_status_paper", "hovedstaden", "tyve", "-o", out
    )
    assert "Kommunekoden skal være et helt tal, fx 101" in command_error(
        "render_status_paper", "hovedstaden", "2018", "--municipality", "kbh", "-o", out
    )


def test_render_status_paper_to_an_unwritable_place_says_so(published_round, tmp_path):
    out = tmp_path / "findes-ikke" / "x.pdf"

    message = command_error("render_status_paper", "hovedstaden", "2018", "-o", str(out))

    assert f"PDF'en kunne ikke skrives til {out}" in message
    assert not out.exists()
