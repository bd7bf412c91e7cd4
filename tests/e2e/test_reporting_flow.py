"""In a browser: a reporter fills in their report with an attachment, sees the summary,
fills in what it says is missing and confirms; the secretariat returns it with a comment; the reporter sees the comment and resubmits; another
municipality's reporter never sees the report."""

import re

import pytest

from goals.models import StatusReport
from tests.builders import small_pdf

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp"


def test_report_submit_return_and_fix(
    page, live_server, login, open_status_round, municipalities, reporters, secretariat
):
    report = StatusReport.objects.get(round=open_status_round, municipality=municipalities[101])
    first, second = report.lines.order_by("milestone__goal__order")
    indicator = report.indicator_values.get()

    # The reporter finds the open round on their start page.
    login(page, "indberetter-101")
    page.goto(f"{live_server.url}/indberetning/")
    page.get_by_role("link", name="Udfyld", exact=True).click()
    page.wait_for_url(re.compile(rf"/indberetning/{report.pk}/$"))
    assert page.locator("h1").inner_text().startswith("København")

    # "Indsend" half done: what is typed (and the file) is saved as a draft, and the summary
    # marks the line without a status instead of sending the report.
    page.check(f"input[name='line-{first.milestone_id}-status'][value='met']")
    page.fill(f"textarea[name='line-{first.milestone_id}-comment']", "Akutteamet er i drift.")
    page.locator(f"#line-{first.milestone_id} details.evidence summary").click()
    page.set_input_files(
        f"input[name='line-{first.milestone_id}-evidence_file']",
        files=[{"name": "akutplan.pdf", "mimeType": "application/pdf", "buffer": small_pdf()}],
    )
    page.fill(f"input[name='value-{indicator.indicator_id}']", "42")
    page.click("button[name=submit]")
    page.wait_for_url(re.compile(rf"/indberetning/{report.pk}/indsend/$"))
    assert "1 milepæl mangler en status" in page.locator(".callout").inner_text()
    assert page.get_by_role("button", name="Bekræft indsendelse").count() == 0
    page.screenshot(path=f"{SCREENSHOTS}/report_summary_missing.png", full_page=True)

    # Back to the line that is missing: nothing typed was lost, the file is kept.
    page.get_by_role("link", name="Udfyld det, der mangler").click()
    assert (
        page.input_value(f"textarea[name='line-{first.milestone_id}-comment']")
        == "Akutteamet er i drift."
    )
    assert page.get_by_text("Gemt fil:").count() == 1
    page.check(f"input[name='line-{second.milestone_id}-status'][value='in_progress']")
    page.fill(f"textarea[name='line-{second.milestone_id}-comment']", "Strategien er i høring.")
    page.click("button[name=submit]")
    assert "Forsinket" in page.locator("table.summary").inner_text()
    page.get_by_role("button", name="Bekræft indsendelse").click()
    assert "Tak! Indberetningen er indsendt" in page.locator(".messages").inner_text()
    report.refresh_from_db()
    assert report.state == StatusReport.State.SUBMITTED
    assert report.lines.get(pk=first.pk).evidence_file.name.endswith(".pdf")

    # The secretariat sees it in the overview and returns it with a comment.
    page.context.clear_cookies()
    login(page, "sekretariat-hovedstaden")
    page.goto(f"{live_server.url}/sekretariat/runder/{open_status_round.pk}/")
    assert "1 af 3" in page.locator(".tally-main").inner_text()
    page.screenshot(path=f"{SCREENSHOTS}/round_overview.png", full_page=True)
    page.get_by_role("link", name="Behandl København", exact=True).click()
    page.click("button[value=return]")  # without a comment first
    assert "Skriv en kommentar" in page.locator(".field.has-error").inner_text()
    page.fill("textarea[name=comment]", "Uddyb venligst, hvornår strategien vedtages.")
    page.click("button[value=return]")
    assert "sendt retur" in page.locator(".messages").inner_text()

    # The reporter sees the comment, fixes and resubmits.
    page.context.clear_cookies()
    login(page, "indberetter-101")
    page.goto(f"{live_server.url}/indberetning/{report.pk}/")
    assert "Uddyb venligst, hvornår strategien vedtages." in page.locator(".callout").inner_text()
    page.screenshot(path=f"{SCREENSHOTS}/report_form_returned.png", full_page=True)
    page.fill(
        f"textarea[name='line-{second.milestone_id}-comment']",
        "Strategien vedtages i byrådet i juni.",
    )
    page.click("button[name=submit]")
    page.get_by_role("button", name="Bekræft indsendelse").click()
    assert "indsendt" in page.locator(".messages").inner_text()
    report.refresh_from_db()
    assert report.state == StatusReport.State.SUBMITTED

    # Another municipality's reporter never sees it.
    page.context.clear_cookies()
    login(page, "indberetter-147")
    page.goto(f"{live_server.url}/indberetning/")
    assert "Frederiksberg" in page.content()
    response = page.goto(f"{live_server.url}/indberetning/{report.pk}/")
    assert response.status == 404
