"""The indicator series and the imports in Chromium (issue 25): the goal and municipality
pages with a series, and the admin's import pages with a preview full of errors, pass axe at a
desktop and a phone width and never scroll sideways; the table of figures opens with the
keyboard."""

import io
import os

import pytest
from openpyxl import Workbook

from goals.models import Indicator
from tests.builders import make_series
from tests.e2e.test_accessibility import SCREENSHOTS
from tests.e2e.test_accessibility import check
from tests.e2e.test_accessibility import storage_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def series(status_history, paper, municipalities):
    indicator = Indicator.objects.get(name="Unge i forløb")
    return make_series(indicator, list(municipalities.values()))


def _report(problems):
    return "\n".join(
        f"{name} at {width} px: {finding}"
        for (name, width), found in sorted(problems.items())
        for finding in found
    )


def test_the_series_on_the_public_pages_pass_axe_and_fit_a_phone(browser, live_server, series):
    os.makedirs(SCREENSHOTS, exist_ok=True)
    goal = series.indicator.goal
    pages = {
        "series-goal": f"/hovedstaden/maal/{goal.pk}/",
        "series-municipality": "/hovedstaden/kommuner/147/",
    }
    problems = {}
    for name, path in pages.items():
        found = check(browser, live_server.url + path, name=name)
        problems.update({(name, w): p for w, p in found.items()})
    assert not problems, _report(problems)


def test_the_table_of_figures_opens_with_the_keyboard(page, live_server, series):
    page.goto(f"{live_server.url}/hovedstaden/maal/{series.indicator.goal.pk}/")
    summary = page.locator("details.series-table summary")
    assert not page.locator("details.series-table table").is_visible()

    summary.focus()
    page.keyboard.press("Enter")

    table = page.locator("details.series-table table")
    assert table.is_visible()
    assert "København" in table.inner_text() and "12,5" in table.inner_text()


def _file_with_errors(tmp_path):
    book = Workbook()
    book.active.append(["Tema", "Mål nr.", "Mål", "Type", "Milepæl", "Frist", "Omfang",
                        "Udgangspunkt", "Tovholder", "Indikator", "Enhed"])  # fmt: skip
    book.active.append(
        ["Akut", "1", "Et mål", "KKR-mål", "En milepæl", "snart", "region", "9 af 3", "", "", ""]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    path = tmp_path / "maal.xlsx"
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_the_import_pages_and_a_preview_with_errors_pass_axe(
    browser, live_server, login, series, secretariat, tmp_path
):
    os.makedirs(SCREENSHOTS, exist_ok=True)
    state = storage_for(browser, live_server, login, "sekretariat-hovedstaden")
    problems = {}
    for name, path in {
        "import-paper": "/admin/goals/goalpaper/import/",
        "import-series": "/admin/goals/indicatorseries/import/",
        "series-admin": f"/admin/goals/indicatorseries/{series.pk}/change/",
    }.items():
        found = check(browser, live_server.url + path, storage_state=state, name=name)
        problems.update({(name, w): p for w, p in found.items()})

    context = browser.new_context(
        locale="da-DK", storage_state=state, viewport={"width": 1366, "height": 800}
    )
    page = context.new_page()
    page.goto(live_server.url + "/admin/goals/goalpaper/import/")
    page.fill("#id_title", "KKR-mål 2027")
    page.set_input_files("#id_file", _file_with_errors(tmp_path))
    page.click("input[type=submit]")
    page.wait_for_selector(".import-errors")
    page.screenshot(path=f"{SCREENSHOTS}/import-preview-errors.png", full_page=True)
    from tests.e2e.test_accessibility import serious_violations

    found = serious_violations(page)
    cells = page.locator(".import-errors tbody td:nth-child(2)").all_inner_texts()
    context.close()
    assert cells == ["F2", "G2", "H2"]
    assert not found, found
    assert not problems, _report(problems)
