"""Evidence a municipality uploads with a report line: accepted by content, refused in Danish when
too large or disguised, kept or removed on purpose, and served only to the municipality and its
region's secretariat."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.builders import filled_in
from tests.builders import first_line
from tests.builders import post_file
from tests.builders import post_report
from tests.builders import small_pdf
from tests.builders import with_evidence

pytestmark = pytest.mark.django_db


def office_file(part):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<document/>")
    return buffer.getvalue()


@pytest.fixture
def reporter_client(client, reporters):
    client.force_login(reporters[101])
    return client


def test_a_real_small_pdf_is_saved_and_served_to_the_municipality(reporter_client, report):
    content = small_pdf()
    response, line = post_file(
        reporter_client, report, SimpleUploadedFile("Akutplan 2025.pdf", content)
    )

    assert "Kladden er gemt" in response.content.decode()
    assert line.evidence_file.name.endswith(".pdf")
    download = reporter_client.get(reverse("goals:evidence_file", args=[line.pk]))
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
    reporter_client, report, name, content, stored_as
):
    _response, line = post_file(reporter_client, report, SimpleUploadedFile(name, content))
    assert line.evidence_file.name.endswith(stored_as)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("rapport.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200),  # an .exe
        ("notat.docx", office_file("payload.bin")),  # a zip, but not a Word document
        ("side.pdf", b"<html><script>alert(1)</script></html>"),
    ],
)
def test_a_disguised_file_is_refused_next_to_its_field(reporter_client, report, name, content):
    response, line = post_file(reporter_client, report, SimpleUploadedFile(name, content))
    text = response.content.decode()
    assert "Filtypen kan ikke bruges" in text
    assert "Indberetningen er ikke gemt" in text
    assert not line.evidence_file
    report.refresh_from_db()
    assert report.version == 1


def test_a_file_over_the_limit_is_refused(reporter_client, report, settings):
    settings.EVIDENCE_MAX_BYTES = 2048
    content = small_pdf() + b"%" * 4096
    response, line = post_file(reporter_client, report, SimpleUploadedFile("stor.pdf", content))
    text = response.content.decode()
    assert "Filen er for stor" in text
    assert "2,0" in text and "KB" in text  # the limit, in Danish number format
    assert not line.evidence_file


def test_the_default_limit_is_ten_megabytes(reporter_client, report, settings):
    assert settings.EVIDENCE_MAX_BYTES == 10 * 1024 * 1024
    content = small_pdf() + b"%" * (settings.EVIDENCE_MAX_BYTES + 1)
    response, line = post_file(reporter_client, report, SimpleUploadedFile("stor.pdf", content))
    assert "Filen er for stor" in response.content.decode()
    assert not line.evidence_file


def test_a_saved_file_is_kept_when_the_form_has_an_error_and_can_be_removed(
    reporter_client, report
):
    _response, line = post_file(reporter_client, report, SimpleUploadedFile("a.pdf", small_pdf()))
    saved = line.evidence_file.name
    report.refresh_from_db()

    key = f"line-{line.milestone_id}"
    response, line = post_file(
        reporter_client, report, b"", **{f"{key}-evidence_url": "ikke et link"}
    )
    text = response.content.decode()
    assert "Indtast en gyldig URL." in text
    assert "Gemt fil:" in text
    assert line.evidence_file.name == saved

    response, line = post_file(reporter_client, report, b"", **{f"{key}-clear_evidence_file": "on"})
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
    pdf = small_pdf()
    content = pdf + b"%" * (settings.EVIDENCE_MAX_BYTES - len(pdf) + extra)
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
