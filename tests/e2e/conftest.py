"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Every test here is marked `e2e`. A missing browser is a failure, not a skip: these tests are
how we know the pages work in a browser.
"""

import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from goals.models import GoalPaper
from goals.models import StatusReport
from municipalities.models import Municipality
from tests.builders import PASSWORD
from tests.builders import make_user
from tests.builders import opened_round
from tests.e2e.browsing import close_quietly
from tests.e2e.browsing import new_context
from tests.seeds import MIDTJYLLAND

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls from
# a thread with a running loop unless told this is fine (it is, in tests).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}; install it (make browser).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = new_context(browser, locale="da-DK", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    close_quietly(context)


@pytest.fixture
def login(live_server):
    """Log `page` in as `username` through the real login form."""

    def log_in(page, username):
        page.goto(f"{live_server.url}/konto/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_load_state()

    return log_in


@pytest.fixture
def midtjylland(secretariat):
    """Midtjylland's paper as loaded, its first round open for Aarhus: ten milestones."""

    call_command("load_kkr_data", stdout=StringIO())
    paper = GoalPaper.objects.get(source=MIDTJYLLAND)
    aarhus = Municipality.objects.get(kommunekode=751)
    make_user("indberetter-751", municipality=aarhus)
    status_round = opened_round(
        paper,
        year=2013,
        by=make_user("sekretariat-midtjylland", region=paper.region, is_staff=True),
    )
    report = StatusReport.objects.get(round=status_round, municipality=aarhus)
    assert report.lines.count() == 10
    return report
