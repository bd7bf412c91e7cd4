"""Issue 22's "Done when", walked in Chromium on a 390 px phone: a consultant in Aarhus fills
in and submits Midtjylland's form, leaves mid-way and comes back, and is never told
something false about what is saved; a secretariat officer nudges the not-started and the
late from the cockpit a month before the deadline, invites a reporter where there is none,
and follows the round to its published papers without leaving the cockpit. Each step is
also photographed at 1366 px (SHOTS)."""

import os

import pytest
from django.core import mail
from django.db.models import Q

from goals.models import StatusReport
from municipalities.models import Municipality
from reports import tasks
from reports.models import StoredPaper
from tests.builders import make_user
from tests.builders import save_line
from tests.e2e.browsing import close_quietly
from tests.e2e.browsing import new_context
from tests.e2e.browsing import stored_comment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/shots-working-day"
PHONE = {"width": 390, "height": 844}
STATUSES = ["met", "in_progress", "not_started", "not_relevant"]
RADIO_ORDER = ["not_started", "in_progress", "met", "not_relevant"]


def shoot(page, name):
    """The page as it is now, at 390 and at 1366 px; then back on the phone."""
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 844 if width == 390 else 900})
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
    page.set_viewport_size(PHONE)


def go(page, target):
    """Tap a link or button and wait for the page it leads to."""
    with page.expect_navigation():
        target.tap()


def row(page, name):
    """The cockpit's row of the municipality `name` (not of those in its cluster)."""
    named = page.locator("th[scope=row] strong", has_text=name)
    return page.locator("table.cockpit tbody tr").filter(has=named)


def phone(browser):
    context = new_context(browser, locale="da-DK", viewport=PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.on("dialog", lambda dialog: dialog.accept())  # "Leave site?": yes
    return page


def said(page):
    """What the form's status line says, and its state."""
    line = page.locator("[data-autosave-status]")
    return line.inner_text().strip(), line.get_attribute("data-state")


@pytest.fixture
def round_elsewhere(midtjylland):
    """Around Aarhus: Randers has a reporter who has not started, Silkeborg's has saved a
    line and not sent in (late with a month to go); the other municipalities have none."""
    status_round = midtjylland.round
    reporters = {}
    for kommunekode in (730, 740):
        municipality = Municipality.objects.get(kommunekode=kommunekode)
        reporters[kommunekode] = make_user(f"indberetter-{kommunekode}", municipality=municipality)
    silkeborg = status_round.reports.get(municipality__kommunekode=740)
    save_line(silkeborg, silkeborg.lines.first(), reporters[740], status="in_progress")
    return status_round


def test_the_working_day(browser, live_server, login, midtjylland, round_elsewhere, settings):
    os.makedirs(SHOTS, exist_ok=True)
    consultant_fills_in_and_submits(browser, live_server, login, midtjylland)
    officer_follows_the_round_to_its_papers(browser, live_server, login, round_elsewhere, settings)


def consultant_fills_in_and_submits(browser, live_server, login, report):
    page = phone(browser)
    login(page, "indberetter-751")
    page.goto(f"{live_server.url}/indberetning/")
    page.get_by_role("link", name="Udfyld", exact=True).tap()
    url = f"{live_server.url}/indberetning/{report.pk}/"
    page.wait_for_url(url)
    assert said(page)[0] == ""  # nothing typed: nothing said
    shoot(page, "1-form")
    lines = list(report.lines.order_by("milestone__goal__order", "milestone__order"))
    typed = {line.pk: f"Aarhus, linje {n}: æøå og 12,5 %" for n, line in enumerate(lines, 1)}

    def answer(index, line):
        status = STATUSES[index % 4]
        page.locator(
            f"label[for='id_line-{line.milestone_id}-status_{RADIO_ORDER.index(status)}']"
        ).tap()
        page.locator(f"textarea[name='line-{line.milestone_id}-comment']").tap()
        page.keyboard.type(typed[line.pk])

    for index, line in enumerate(lines[:4]):
        answer(index, line)
    page.locator("[data-autosave-status][data-state=saved]").wait_for()
    text, _state = said(page)
    assert text.startswith("Gemt kl.")
    assert all(stored_comment(line) == typed[line.pk] for line in lines[:4])  # it is

    # A tap elsewhere after the save: still saved, and nothing asks before leaving.
    page.locator("h1").tap()
    page.wait_for_timeout(1500)
    assert said(page) == (text, "saved")
    shoot(page, "2-saved")

    # Interrupted 0.4 s after typing, long before the autosave: the phone leaves the page.
    answer(4, lines[4])
    page.wait_for_timeout(400)
    assert said(page)[1] != "saved"  # not claimed saved before it is
    page.goto("about:blank")
    for _ in range(50):  # the save sent as the page went lands a moment later
        if stored_comment(lines[4]) == typed[lines[4].pk]:
            break
        page.wait_for_timeout(100)
    assert stored_comment(lines[4]) == typed[lines[4].pk]

    # Back: the text is there, saved, nothing offered back as if lost, nothing said falsely.
    page.goto(url)
    box = page.locator(f"textarea[name='line-{lines[4].milestone_id}-comment']")
    assert box.input_value() == typed[lines[4].pk]
    page.wait_for_timeout(1000)
    assert page.locator("[data-draft-offer]").is_hidden()
    assert said(page)[0] == ""
    shoot(page, "3-back")

    for index, line in enumerate(lines[5:], 5):
        answer(index, line)
    page.locator("button[name=submit]").tap()
    page.wait_for_url(f"{url}indsend/")
    assert "Mangler status" not in page.locator("main").inner_text()
    shoot(page, "4-summary")
    page.locator("button[name=confirm]").tap()
    assert "Tak! Indberetningen er indsendt" in page.locator(".messages").inner_text()
    assert "Indberetningen, som sekretariatet ser den" in page.content()
    shoot(page, "5-submitted")
    report.refresh_from_db()
    assert report.state == StatusReport.State.SUBMITTED
    for line in lines:
        assert stored_comment(line) == typed[line.pk]
    close_quietly(page.context)


def officer_follows_the_round_to_its_papers(browser, live_server, login, status_round, settings):
    # The papers wait for a worker, as in production: the cockpit shows them on their way.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    page = phone(browser)
    login(page, "sekretariat-midtjylland")
    go(page, page.get_by_role("link", name="Statusrunder").first)
    go(page, page.get_by_role("link", name="Åbn oversigt").first)
    cockpit = f"{live_server.url}/sekretariat/runder/{status_round.pk}/"
    assert page.url.startswith(cockpit)
    main = page.locator("main")
    assert "dage tilbage" in main.inner_text()  # weeks before the deadline
    shoot(page, "6-cockpit")

    # The not-started, a month early: Randers is reminded; those without a reporter are
    # offered an invitation, not a reminder to nobody.
    go(page, page.get_by_role("link", name="Ikke påbegyndt"))
    assert "vis=ikke-paabegyndt" in page.url
    horsens = row(page, "Horsens")
    assert horsens.get_by_role("button", name="Send påmindelse nu").count() == 0
    mail.outbox.clear()
    go(page, page.get_by_role("button", name="der ikke har påbegyndt"))
    messages = page.locator(".messages").inner_text()
    assert "Randers" in messages and "har ingen indberetter" in messages
    assert "vis=ikke-paabegyndt" in page.url  # the filter kept
    assert [m.to for m in mail.outbox] == [["indberetter-730@example.dk"]]
    shoot(page, "7-reminded-not-started")

    go(page, horsens.get_by_role("link", name="Invitér indberetter"))
    page.fill("#id_email", "ny@horsens.dk")
    go(page, page.get_by_role("button", name="Send invitationen"))
    assert "Invitationen er sendt til ny@horsens.dk" in page.locator(".messages").inner_text()
    assert "vis=ikke-paabegyndt" in page.url  # back where the officer was
    assert "Inviteret: ny@horsens.dk" in horsens.inner_text()

    # The late: all not sent in; Randers already heard today, so only Silkeborg is nudged.
    go(page, page.get_by_role("link", name="Ikke indsendt"))
    mail.outbox.clear()
    go(page, page.get_by_role("button", name="der ikke har indsendt"))
    messages = page.locator(".messages").inner_text()
    assert "Silkeborg" in messages and "Randers fik allerede en påmindelse i dag" in messages
    assert [m.to for m in mail.outbox] == [["indberetter-740@example.dk"]]
    shoot(page, "8-reminded-late")

    # Deadline day: closed, published, the papers followed from the cockpit.
    go(page, page.get_by_role("link", name="Luk runden"))
    shoot(page, "9-close-confirm")
    go(page, page.get_by_role("button", name="Ja, luk runden"))
    assert "Runden er lukket." in page.locator(".messages").inner_text()
    go(page, page.get_by_role("link", name="Offentliggør"))
    go(page, page.get_by_role("button", name="Ja, offentliggør runden"))
    assert page.url.startswith(cockpit)
    papers = page.locator(".published-papers")
    assert "Regionens statuspapir (PDF) dannes stadig." in papers.inner_text()
    shoot(page, "10-published-papers-on-their-way")

    # The worker renders the region's paper and Aarhus's; the others are still on their way.
    wanted = Q(municipality=None) | Q(municipality__kommunekode=751)
    for stored in StoredPaper.objects.filter(wanted, round=status_round):
        assert tasks.render_paper.call(stored.pk) == StoredPaper.State.DONE
    page.reload()
    assert "vis=ikke-indsendt" in page.url  # the filter kept through closing and publishing
    go(page, page.locator("nav.quick-filters a").first)  # "Alle"
    shoot(page, "11-published-papers")
    for link in (
        papers.get_by_role("link", name="Regionens statuspapir (PDF)"),
        row(page, "Aarhus").get_by_role("link", name="PDF"),
    ):
        response = page.request.get(live_server.url + link.get_attribute("href"))
        assert response.ok and response.headers["content-type"] == "application/pdf"
    go(page, papers.get_by_role("link", name="Den offentlige statusside"))
    assert "2013" in page.locator("h1").inner_text()
    shoot(page, "12-public-status")
    close_quietly(page.context)
