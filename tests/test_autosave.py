"""The report form's autosave (static/js/report-form.js) as the server sees it: a POST of the
form with "autosave", answered in JSON, through the same version guard as "Gem kladde". A
stale autosave writes nothing and says why; files are never sent this way."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from goals import rounds
from goals.models import StatusRound
from tests.builders import filled_in
from tests.builders import first_line
from tests.builders import post_report
from tests.builders import save_line
from tests.builders import small_pdf
from tests.builders import snapshot
from tests.builders import submitted

pytestmark = pytest.mark.django_db


def autosave(client, report, data):
    return post_report(client, report, {**data, "autosave": "1"})


def test_an_autosave_saves_the_draft_and_answers_the_new_version(reporter, report):
    response = autosave(reporter, report, filled_in(report))

    assert response.status_code == 200
    answer = response.json()
    assert answer["version"] == 2
    assert answer["status"].startswith("Gemt kl. ")
    report.refresh_from_db()
    assert report.version == 2 and report.state == "draft"
    assert set(report.lines.values_list("comment", flat=True)) == {"Vi er godt i gang"}

    # The next save carries the version the autosave answered, and is not refused as stale.
    again = filled_in(report, version=answer["version"])
    again[f"line-{first_line(report).milestone_id}-comment"] = "Skrevet videre"
    assert autosave(reporter, report, again).json()["version"] == 3


def test_a_stale_autosave_overwrites_nothing_and_says_so(reporter, report, colleague):
    line = first_line(report)
    save_line(report, line, colleague, version=1, status="met", comment="Kollegaens tekst")
    before = snapshot(report)

    response = autosave(reporter, report, filled_in(report, version=1))

    assert response.status_code == 409
    assert "indberetter-101-b har gemt indberetningen, mens du skrev" in response.json()["error"]
    assert snapshot(report) == before
    line.refresh_from_db()
    assert line.comment == "Kollegaens tekst"


def test_an_autosave_with_a_bad_field_is_refused_in_words(reporter, report):
    line = first_line(report)
    data = filled_in(report, **{f"line-{line.milestone_id}-evidence_url": "ikke et link"})

    response = autosave(reporter, report, data)

    assert response.status_code == 400
    assert "Tryk “Gem kladde” for at se hvor" in response.json()["error"]
    report.refresh_from_db()
    assert report.version == 1


def test_an_autosave_never_stores_or_removes_a_file(reporter, report):
    line = first_line(report)
    post_report(
        reporter,
        report,
        filled_in(
            report,
            **{
                f"line-{line.milestone_id}-evidence_file": SimpleUploadedFile(
                    "plan.pdf", small_pdf(), content_type="application/pdf"
                )
            },
        ),
    )
    line.refresh_from_db()
    stored = line.evidence_file.name
    report.refresh_from_db()

    data = filled_in(report, **{f"line-{line.milestone_id}-clear_evidence_file": "on"})
    assert autosave(reporter, report, data).status_code == 200

    line.refresh_from_db()
    assert line.evidence_file.name == stored


def test_an_autosave_after_the_deadline_is_refused(reporter, report):
    StatusRound.objects.filter(pk=report.round_id).update(
        opens=datetime.date(2020, 1, 1), deadline=datetime.date(2020, 2, 1)
    )

    response = autosave(reporter, report, filled_in(report))

    assert response.status_code == 409
    assert "Fristen 01.02.2020 er overskredet" in response.json()["error"]
    report.refresh_from_db()
    assert report.version == 1


def test_an_autosave_needs_the_csrf_token_and_the_municipalitys_reporter(reporters, report, client):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(reporters[101])
    assert autosave(browser, report, filled_in(report)).status_code == 403
    client.force_login(reporters[147])
    assert autosave(client, report, filled_in(report)).status_code == 404
    report.refresh_from_db()
    assert report.version == 1


def test_an_autosave_after_the_session_ended_says_so_in_json(client, report):
    # Logged out in another tab, or the session expired: the script must not be sent the
    # login page, nor tell the user to press "Gem kladde", which would lose the typing to the
    # login redirect. It gets a sentence that says what happened, and nothing is saved.
    response = autosave(client, report, filled_in(report))
    assert response.status_code == 401
    assert "logget ind" in response.json()["error"]
    report.refresh_from_db()
    assert report.version == 1
    # The page itself still sends an anonymous visitor to the login page.
    assert post_report(client, report, filled_in(report)).status_code == 302


def test_a_page_older_than_the_login_is_refused_in_danish_with_how_to_keep_the_text(
    reporters, report
):
    # Logged in again in another tab: the old page's CSRF token no longer fits. The autosave
    # gets the sentence in JSON (the script stops and shows it); the buttons get a Danish
    # page instead of Django's English one; nothing is saved either way.
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(reporters[101])
    url = reverse("goals:report_form", args=[report.pk])
    data = {**filled_in(report), "csrfmiddlewaretoken": "en-gammel-side"}

    autosaved = browser.post(url, {**data, "autosave": "1"}, HTTP_ACCEPT="application/json")
    page = browser.post(url, data)

    assert autosaved.status_code == 403
    assert "kopiér det, du har skrevet, genindlæs siden" in autosaved.json()["error"]
    assert page.status_code == 403
    text = page.content.decode()
    assert "Siden skal genindlæses" in text and "tilbage-knap" in text
    assert "CSRF verification failed" not in text
    report.refresh_from_db()
    assert report.version == 1


def test_the_form_carries_the_script_and_its_texts(reporter, report):
    text = reporter.get(f"/indberetning/{report.pk}/").content.decode()

    assert 'src="/static/js/report-form.js" defer' in text
    assert "data-autosave " in text and 'role="status"' in text
    assert "<script>" not in text  # the CSP forbids inline script


# --- the draft sent as the page goes (fetch keepalive: the same POST, CSRF and all) ---------


def test_the_draft_sent_as_the_page_goes_is_saved_with_the_pages_csrf_token(reporters, report):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(reporters[101])
    url = reverse("goals:report_form", args=[report.pk])
    token = browser.get(url).context["csrf_token"]

    sent = browser.post(
        url,
        {**filled_in(report), "autosave": "1", "csrfmiddlewaretoken": token},
        HTTP_ACCEPT="application/json",
    )
    assert sent.status_code == 200 and sent.json()["version"] == 2
    assert set(report.lines.values_list("comment", flat=True)) == {"Vi er godt i gang"}

    forged = browser.post(url, {**filled_in(report, version=2), "autosave": "1"})
    assert forged.status_code == 403
    report.refresh_from_db()
    assert report.version == 2


def test_a_draft_sent_as_the_page_goes_reaches_only_the_reporters_own_municipality(
    reporters, report, client
):
    client.force_login(reporters[147])
    before = snapshot(report)
    assert (
        autosave(client, report, filled_in(report, comment="Fra en anden kommune")).status_code
        == 404
    )
    assert snapshot(report) == before


@pytest.mark.parametrize("then", ["submitted", "approved"])
def test_a_draft_sent_late_never_touches_a_submitted_report(
    reporter, reporters, report, secretariat, then
):
    """A page left open while the report was submitted from another tab sends its draft as
    it goes: refused, and the submitted report stays exactly as it was sent."""
    stale_page = filled_in(report, status="not_started", comment="Kladde fra en gammel fane")
    report = submitted(report, reporters[101])
    if then == "approved":
        rounds.approve_report(report, by=secretariat)
    before = snapshot(report)

    for version in (stale_page["version"], report.version):
        response = autosave(reporter, report, {**stale_page, "version": version})
        assert response.status_code == 409
        assert response.json()["error"]
    report.refresh_from_db()
    assert report.state == then
    assert snapshot(report) == before


def test_only_a_form_that_can_be_changed_offers_a_kept_draft_back(reporter, reporters, report):
    url = f"/indberetning/{report.pk}/"
    page = reporter.get(url).content.decode()
    assert "data-draft-offer hidden" in page and "Vi har en kladde fra {when}" in page

    submitted(report, reporters[101])
    assert "data-draft-offer" not in reporter.get(url).content.decode()
