"""The status paper reads well: a written summary made from the figures, columns only where
they carry data, each decision once, a short running header, the contents on the summary's
page, and the region's own logo on the cover when one is uploaded in the admin."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfReader

from municipalities.models import LOGO_MAX_BYTES
from municipalities.models import Region
from reports.papers import render_status_paper
from reports.papers import status_paper_html
from tests.builders import make_user


def _pages(pdf):
    return [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def _page_of(pages, text):
    return next(page for page in pages if text in page)


def _image(kind="PNG", size=(120, 40)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (11, 61, 110)).save(buffer, format=kind)
    return buffer.getvalue()


@pytest.fixture
def pages_2018(status_history):
    return _pages(render_status_paper(status_history[2018]))


def test_the_summary_says_in_words_what_the_figures_show(status_history, pages_2018):
    summary = _page_of(pages_2018, "Resumé Af")

    assert (
        "Af 2 mål er 1 opfyldt og 1 forsinket. Mål 1 er forsinket. Ikke opfyldt efter fristen: "
        "Hillerød. Alle 3 kommuner har indsendt deres status."
    ) in summary
    assert (
        "Der er truffet 2 beslutninger: 1 fortsætter uændret, 1 opfyldt (målet er nået)." in summary
    )
    assert "sammenlignes de milepæle, papiret gav" not in " ".join(pages_2018)
    # In 2017 Hillerød's report was still a draft: the summary counts it as missing.
    pages_2017 = _pages(render_status_paper(status_history[2017]))
    assert "2 af 3 kommuner har indsendt deres status; 1 kommune har endnu ikke." in (
        _page_of(pages_2017, "Resumé Af")
    )


def test_a_column_is_printed_only_when_it_carries_data(pages_2018):
    # Goal 1 has a milestone with a baseline, goal 2 has none: only goal 1's table has the
    # column, and no goal's table is a column of dashes.
    goal_1 = _page_of(pages_2018, "Mål 1 Effektive akuttilbud")
    goal_2 = _page_of(pages_2018, "Mål 2 Unges sundhed")
    assert "Udgangspunkt" in goal_1 and "1 af 3 (2016)" in goal_1
    table_2 = goal_2.split("Milepæle", 1)[1].split("Udvikling over årene", 1)[0]
    assert "Udgangspunkt" not in table_2
    assert "# Milepæl Frist Vurdering 2018" in table_2
    # The dash is the symbol of "ikke relevant"; anywhere else it would be an empty cell.
    assert "–" not in re.sub(r"– (\d+ )?[Ii]kke relevant", "", table_2)


def test_each_decision_is_printed_once_with_a_short_running_header(pages_2018):
    text = " ".join(pages_2018)

    assert text.count("Målet er nået og sættes hak ved.") == 1
    assert text.count("Hillerød følger op i 2019.") == 1
    goal_1 = _page_of(pages_2018, "Mål 1 Effektive akuttilbud")
    # The running header names the goal by its number; its title is printed once, as the
    # heading, not again above it.
    assert re.search(
        r"KKR Hovedstaden · Status 2018 Mål 1 KKR-mål for sundhed Side 3 af \d+", goal_1
    )
    assert goal_1.count("Effektive akuttilbud") == 1


def test_contents_share_a_page_with_the_summary(pages_2018):
    assert "Indhold" in pages_2018[1] and "Resumé Af 2 mål" in pages_2018[1]
    assert len(pages_2018) <= 6


def _post_region(client, region, logo, **changes):
    """The region's admin form posted as the browser would: its fields and inline rows as
    shown, the logo and `changes` on top."""
    url = f"/admin/municipalities/region/{region.pk}/change/"
    page = client.get(url)
    form = page.context["adminform"].form
    data = {name: form.initial.get(name, "") for name in form.fields if name != "logo"}
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data.update({management.add_prefix(k): v for k, v in management.initial.items()})
        for sub in formset.formset.forms:
            for name, field in sub.fields.items():
                value = sub.initial.get(name, field.initial)
                data[sub.add_prefix(name)] = getattr(value, "pk", value) or ""
    data.update(changes, logo=logo)
    return client.post(url, data)


def test_the_superuser_uploads_a_logo_that_the_cover_shows(
    client, status_history, closed_2019, region
):
    client.force_login(make_user("root", is_staff=True, is_superuser=True))

    def post(logo):
        return _post_region(client, region, logo)

    refused = post(SimpleUploadedFile("logo.png", _image("GIF"), "image/png"))
    assert refused.status_code == 200
    assert "Logoet skal være en PNG- eller JPEG-fil." in refused.content.decode()
    refused = post(SimpleUploadedFile("logo.png", b"<svg></svg>", "image/png"))
    assert refused.status_code == 200 and "errornote" in refused.content.decode()
    big = _image(size=(1600, 1600))
    big += b"\0" * (LOGO_MAX_BYTES + 1 - len(big))
    refused = post(SimpleUploadedFile("logo.png", big, "image/png"))
    assert "Logoet er for stort" in refused.content.decode()
    assert not Region.objects.get(pk=region.pk).logo

    accepted = post(SimpleUploadedFile("kkr.png", _image(), "image/png"))
    assert accepted.status_code == 302
    region.refresh_from_db()
    assert region.logo.name.endswith(".png")
    # 2019 is not published yet: its paper is rendered from today's data, the logo too.
    html = status_paper_html(closed_2019)
    assert 'class="logo" src="data:image/png;base64,' in html
    assert 'alt="Logo for KKR Hovedstaden"' in html
    # The rendered cover carries the image.
    cover = PdfReader(io.BytesIO(render_status_paper(closed_2019))).pages[0]
    assert len(cover.images) == 1
    # A paper published before the logo came stays as it was published.
    assert 'class="logo"' not in status_paper_html(status_history[2018])


def test_the_secretariat_changes_its_own_logo_and_nothing_else(
    staff, region, other_region, closed_2019
):
    response = _post_region(
        staff, region, SimpleUploadedFile("kkr.jpg", _image("JPEG"), "image/jpeg"), name="Ny"
    )

    assert response.status_code == 302
    region.refresh_from_db()
    assert region.logo.name.endswith(".jpg") and region.name == "Hovedstaden"
    assert 'src="data:image/jpeg;base64,' in status_paper_html(closed_2019)
    assert staff.get(f"/admin/municipalities/region/{other_region.pk}/change/").status_code == 404
    assert staff.get("/admin/municipalities/region/add/").status_code == 403


def test_without_a_logo_the_cover_has_none(status_history):
    assert 'class="logo"' not in status_paper_html(status_history[2018])
