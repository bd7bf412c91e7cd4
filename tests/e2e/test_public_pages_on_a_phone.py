"""The public pages on a 390 px phone (issue 22): every chart label is drawn at 12 px or
more (the narrow chart replaces the wide one squeezed to half), the milestone tables are
cards whose evaluation is on screen, the search box's text is 16 px (iOS does not zoom), and
the language switch is in the header, not 4,000 px down in the footer."""

import os

import pytest

from goals.models import Goal
from goals.models import Indicator
from tests.builders import make_series

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/shots-public-phone"

# The smallest text drawn in any chart on the page, in CSS pixels as rendered: the font size
# scaled by the SVG's viewBox (0 when there is no chart).
SMALLEST_CHART_TEXT = """() => {
  const sizes = [];
  for (const text of document.querySelectorAll('svg text')) {
    if (!text.getBoundingClientRect().width) continue;  // a chart that is not shown
    sizes.push(parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a);
  }
  return sizes.length ? Math.min(...sizes) : 0;
}"""


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        locale="da-DK", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def pages(status_history, paper, municipalities):
    """The public pages with charts: a region's status year, a goal with a series, and a
    municipality with its own series line."""
    make_series(Indicator.objects.get(name="Unge i forløb"), list(municipalities.values()))
    goal = Goal.objects.get(indicators__name="Unge i forløb")
    return {
        "status": "/hovedstaden/status/2018/",
        "goal": f"/hovedstaden/maal/{goal.pk}/",
        "municipality": "/hovedstaden/kommuner/147/",
    }


def test_every_chart_label_reads_at_12_px_on_a_phone(phone, live_server, pages):
    os.makedirs(SHOTS, exist_ok=True)
    for name, path in pages.items():
        phone.goto(live_server.url + path)
        phone.screenshot(path=f"{SHOTS}/{name}-390.png", full_page=True)
        smallest = phone.evaluate(SMALLEST_CHART_TEXT)
        assert smallest >= 12, f"{name}: chart text drawn at {smallest:.1f} px"
        assert phone.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        ), name


def test_the_evaluation_of_each_milestone_is_on_screen_on_a_phone(phone, live_server, pages):
    for name in ("goal", "municipality"):
        phone.goto(live_server.url + pages[name])
        cells = phone.locator("table.milestones td.key")
        assert cells.count() > 0
        for box in (cells.nth(i).bounding_box() for i in range(cells.count())):
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (name, box)
        label = cells.first.evaluate("el => getComputedStyle(el, '::before').content")
        assert "Vurdering" in label


def test_the_goals_of_a_status_year_are_read_whole_on_a_phone(phone, live_server, pages):
    """The status page's goal table is cards on a phone: each goal's verdict and figures
    are on screen under its title, not in a column cut off at the right edge."""
    phone.goto(live_server.url + pages["status"])
    rows = phone.locator("table.goals tbody tr")
    assert rows.count() > 0
    for i in range(rows.count()):
        for cell in rows.nth(i).locator("th, td").all():
            box = cell.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (i, cell.inner_text(), box)
    figures = rows.first.locator("td.num").last
    assert "Opfyldt nu" in figures.evaluate("el => getComputedStyle(el, '::before').content")


def test_the_search_box_does_not_make_a_phone_zoom(phone, live_server, pages):
    phone.goto(f"{live_server.url}/soeg/?q=akut")
    size = phone.eval_on_selector("input[type=search]", "el => getComputedStyle(el).fontSize")
    assert float(size.rstrip("px")) >= 16


def test_the_language_switch_is_in_the_header(phone, live_server, pages):
    phone.goto(live_server.url + pages["goal"])
    switch = phone.locator("header.site-header a[hreflang=en]")
    assert switch.inner_text() == "English"
    assert switch.bounding_box()["y"] < 200
    switch.click()
    assert phone.locator("html").get_attribute("lang") == "en"
