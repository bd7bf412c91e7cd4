"""In Chromium: the report form never loses what a reporter types. The draft is saved a few
seconds after typing stops and survives a reload; an autosave that comes after a
colleague's save overwrites nothing and says so; leaving with unsaved changes asks first;
without JavaScript the form still saves and submits. A reporter in Aarhus fills in and
submits Midtjylland's ten milestones on a 360 px phone without losing a word, on a form
far shorter than it was."""

import os
import time

import pytest
from django.conf import settings

from goals.models import StatusReport
from tests.builders import save_line
from tests.e2e.browsing import close_quietly
from tests.e2e.browsing import new_context
from tests.e2e.browsing import stored_comment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/shots-reporter"
SAVED = "Gemt kl."
# The ten-milestone Midtjylland form measured 5,675 px at 1366 px and 11,734 px at 360 px
# before it was made compact (issue 12 counted ~6,100 px).
MAX_HEIGHT = {1366: 3400, 360: 6600}


_contexts = []


@pytest.fixture(autouse=True)
def _pages_closed_before_the_flush(live_server):
    """Each test's pages are closed quietly before the live server's database is emptied
    (this fixture is set up after live_server, so it is torn down before it)."""
    yield
    while _contexts:
        close_quietly(_contexts.pop())


def new_page(browser, width=1280, **options):
    context = new_context(
        browser, locale="da-DK", viewport={"width": width, "height": 800}, **options
    )
    _contexts.append(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def comment_box(page, line):
    return page.locator(f"textarea[name='line-{line.milestone_id}-comment']")


def wait_until_saved(page):
    page.locator("[data-autosave-status][data-state=saved]").wait_for()
    assert SAVED in page.locator("[data-autosave-status]").inner_text()


def type_comment(page, line, text):
    """Type as a person does (key by key, which also counts as the user's own action)."""
    comment_box(page, line).click()
    page.keyboard.type(text)


@pytest.fixture
def small_report(open_status_round, municipalities):
    report = StatusReport.objects.get(round=open_status_round, municipality=municipalities[101])
    return report, list(report.lines.order_by("milestone__goal__order"))


@pytest.fixture
def form(browser, live_server, login, small_report):
    """København's report form in Chromium, its reporter logged in."""
    page = new_page(browser)
    login(page, "indberetter-101")
    page.goto(f"{live_server.url}/indberetning/{small_report[0].pk}/")
    yield page
    close_quietly(page.context)


def test_an_autosaved_draft_survives_a_reload(form, small_report):
    _report, (first, _second) = small_report
    page = form

    type_comment(page, first, "Akutteamet er i drift døgnet rundt.")
    wait_until_saved(page)
    assert page.input_value("input[name=version]") == "2"
    first.refresh_from_db()
    assert first.comment == "Akutteamet er i drift døgnet rundt."
    page.reload()

    assert comment_box(page, first).input_value() == "Akutteamet er i drift døgnet rundt."
    # The page's version followed the autosave, so pressing "Gem kladde" is not refused.
    comment_box(page, first).fill("Akutteamet er i drift døgnet rundt. Også i weekenden.")
    page.click("button[name=save]")
    assert "Kladden er gemt" in page.locator(".messages").inner_text()
    first.refresh_from_db()
    assert first.comment == "Akutteamet er i drift døgnet rundt. Også i weekenden."


def test_a_stale_autosave_does_not_overwrite_a_colleagues_save(form, small_report, colleague):
    report, (first, _second) = small_report
    page = form
    # Meanwhile a colleague saves the same report from another computer.
    save_line(report, first, colleague, version=1, status="met", comment="Kollegaens svar")

    type_comment(page, first, "Mit eget svar")
    page.locator("[data-autosave-status][data-state=stopped]").wait_for()

    status = page.locator("[data-autosave-status]").inner_text()
    assert "indberetter-101-b har gemt indberetningen, mens du skrev" in status
    first.refresh_from_db()
    assert first.comment == "Kollegaens svar"
    # "Gem kladde" shows both: the colleague's value beside the user's, still typed in.
    page.click("button[name=save]")
    assert "Nogen har gemt indberetningen, mens du arbejdede" in page.content()
    assert "«Kollegaens svar»" in page.content()
    assert comment_box(page, first).input_value() == "Mit eget svar"


def test_an_autosave_after_logging_out_elsewhere_says_so_and_stops(form, small_report):
    _report, (first, _second) = small_report
    page = form
    # Logged out in another tab, or the session expired: the CSRF cookie stays, the session
    # no longer logs anybody in.
    page.context.clear_cookies(name=settings.SESSION_COOKIE_NAME)

    type_comment(page, first, "Skrevet efter at være logget ud")
    page.locator("[data-autosave-status][data-state=stopped]").wait_for()

    assert "ikke længere logget ind" in page.locator("[data-autosave-status]").inner_text()
    assert comment_box(page, first).input_value() == "Skrevet efter at være logget ud"
    first.refresh_from_db()
    assert first.comment == ""


def test_leaving_with_unsaved_changes_asks_first(form, small_report):
    _report, (first, _second) = small_report
    page = form
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", answer)
    type_comment(page, first, "Endnu ikke gemt")
    page.close(run_before_unload=True)
    page.wait_for_timeout(500)

    assert asked == ["beforeunload"]
    assert not page.is_closed()
    # Asking sent the draft as well (in case the answer was "leave"): saved, as it says.
    wait_until_saved(page)


def test_a_saved_page_is_left_without_a_question(form, small_report):
    _report, (first, _second) = small_report
    page = form
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.accept()))
    type_comment(page, first, "Gemt automatisk")
    wait_until_saved(page)

    page.close(run_before_unload=True)
    assert asked == []


def test_a_file_too_large_is_refused_as_it_is_chosen_and_the_typing_is_saved(
    form, small_report, settings
):
    """A scan over the limit: the form says so the moment it is chosen and lets go of it, so
    "Gem kladde" saves what was typed instead of the server refusing the whole save."""
    _report, (first, _second) = small_report
    settings.EVIDENCE_MAX_BYTES = 2000
    page = form
    page.reload()  # the limit as the page tells the browser
    type_comment(page, first, "Scanningen kommer som link i stedet.")
    page.locator(f"#line-{first.milestone_id} details.evidence summary").click()
    upload = page.locator(f"input[name='line-{first.milestone_id}-evidence_file']")
    upload.set_input_files(
        files=[{"name": "scan$'ning.pdf", "mimeType": "application/pdf", "buffer": b"%PDF" * 1000}]
    )

    said = page.locator(f"#line-{first.milestone_id} [data-size-error]")
    # The name as it is (a "$'" in it is no pattern of a replacement).
    assert "Filen er for stor (scan$'ning.pdf). Den må højst fylde" in said.inner_text()
    assert page.evaluate("el => el.files.length", upload.element_handle()) == 0
    page.click("button[name=save]")
    assert "Kladden er gemt" in page.locator(".messages").inner_text()
    first.refresh_from_db()
    assert first.comment == "Scanningen kommer som link i stedet."
    assert not first.evidence_file


def test_without_javascript_the_form_saves_and_submits(browser, live_server, login, small_report):
    report, lines = small_report
    page = new_page(browser, java_script_enabled=False)
    login(page, "indberetter-101")
    page.goto(f"{live_server.url}/indberetning/{report.pk}/")
    for line in lines:
        page.check(f"input[name='line-{line.milestone_id}-status'][value='met']")
        comment_box(page, line).fill(f"Uden script, linje {line.milestone_id}")
    page.click("button[name=save]")
    assert "Kladden er gemt" in page.locator(".messages").inner_text()

    page.click("button[name=submit]")
    assert page.locator("h1").inner_text() == "Se efter, før du indsender"
    page.click("button[name=confirm]")

    assert "Tak! Indberetningen er indsendt" in page.locator(".messages").inner_text()
    report.refresh_from_db()
    assert report.state == StatusReport.State.SUBMITTED
    assert [line.comment for line in report.lines.order_by("milestone__goal__order")] == [
        f"Uden script, linje {line.milestone_id}" for line in lines
    ]
    close_quietly(page.context)


def page_height(page):
    return page.evaluate("document.documentElement.scrollHeight")


def test_the_midtjylland_form_fits_far_fewer_screens(browser, live_server, login, midtjylland):
    os.makedirs(SHOTS, exist_ok=True)
    heights = {}
    for width in MAX_HEIGHT:
        page = new_page(browser, width)
        login(page, "indberetter-751")
        page.goto(f"{live_server.url}/indberetning/{midtjylland.pk}/")
        heights[width] = page_height(page)
        page.screenshot(path=f"{SHOTS}/form-midtjylland-{width}.png", full_page=True)
        close_quietly(page.context)
    print("Midtjylland form height:", heights)
    for width, height in heights.items():
        assert height <= MAX_HEIGHT[width], f"{height} px at {width} px"


def test_a_reporter_fills_and_submits_midtjylland_on_a_phone_without_losing_a_word(
    browser, live_server, login, midtjylland
):
    """Every line answered with its own comment on a 360 px touch screen; half-way the
    reporter is interrupted and reloads; then "Indsend", the summary, "Bekræft"."""
    page = new_page(browser, 360, has_touch=True, is_mobile=True)
    login(page, "indberetter-751")
    url = f"{live_server.url}/indberetning/{midtjylland.pk}/"
    page.goto(url)
    lines = list(midtjylland.lines.order_by("milestone__goal__order", "milestone__order"))
    statuses = ["met", "in_progress", "not_started", "not_relevant"]
    typed = {
        line.pk: f"Aarhus, milepæl {n}: æøå «citat» og 12,5 % – {'ord ' * (n + 3)}".strip()
        for n, line in enumerate(lines, 1)
    }

    def answer(index, line):
        page.locator(
            f"label[for='id_line-{line.milestone_id}-status_"
            f"{['not_started', 'in_progress', 'met', 'not_relevant'].index(statuses[index % 4])}']"
        ).tap()
        comment_box(page, line).tap()
        page.keyboard.type(typed[line.pk])

    for index, line in enumerate(lines[:5]):
        answer(index, line)
    wait_until_saved(page)
    for line in lines[:5]:
        line.refresh_from_db()
        assert line.comment == typed[line.pk]
    page.reload()  # interrupted: nothing typed so far is lost
    for line in lines[:5]:
        assert comment_box(page, line).input_value() == typed[line.pk]
    for index, line in enumerate(lines[5:], 5):
        answer(index, line)
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )

    page.locator("button[name=submit]").tap()
    page.wait_for_url(f"{url}indsend/")
    assert "mangler en status" not in page.content()
    page.screenshot(path=f"{SHOTS}/summary-midtjylland-360.png", full_page=True)
    page.locator("button[name=confirm]").tap()

    assert "Tak! Indberetningen er indsendt" in page.locator(".messages").inner_text()
    midtjylland.refresh_from_db()
    assert midtjylland.state == StatusReport.State.SUBMITTED
    for index, line in enumerate(lines):
        line.refresh_from_db()
        assert (line.status, line.comment) == (statuses[index % 4], typed[line.pk])
    close_quietly(page.context)


# --- issue 22: the form says "gemt" only when it is, and keeps what was typed -------------


def autosave_posts(page):
    """The autosaves the page sends, counted as they leave."""
    sent = []
    page.on(
        "request",
        lambda request: (
            sent.append(request)
            if request.method == "POST" and "autosave" in (request.post_data or "")
            else None
        ),
    )
    return sent


def test_a_click_elsewhere_after_the_save_stays_saved_sends_nothing_and_asks_nothing(
    form, small_report
):
    _report, (first, _second) = small_report
    page = form
    sent = autosave_posts(page)
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.accept()))
    type_comment(page, first, "Gemt, og så et klik et andet sted")
    wait_until_saved(page)
    assert len(sent) == 1

    page.locator("h1").click()  # the textarea loses focus: a "change" event
    page.wait_for_timeout(3600)  # longer than the autosave's delay

    assert page.locator("[data-autosave-status]").get_attribute("data-state") == "saved"
    assert SAVED in page.locator("[data-autosave-status]").inner_text()
    assert len(sent) == 1
    page.close(run_before_unload=True)
    assert asked == []


def test_typing_undone_before_the_save_is_saved_again(form, small_report):
    _report, (first, _second) = small_report
    page = form
    sent = autosave_posts(page)
    type_comment(page, first, "x")
    assert page.locator("[data-autosave-status]").get_attribute("data-state") == "unsaved"
    page.keyboard.press("Backspace")

    assert page.locator("[data-autosave-status]").inner_text() == ""
    page.wait_for_timeout(3600)
    assert sent == []


def saved_comment(line, timeout=5.0):
    """The line's comment once the server has it (a save sent as a page goes arrives a
    moment later), or as it is after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        comment = stored_comment(line)
        if comment or time.monotonic() > deadline:
            return comment
        time.sleep(0.1)


def test_leaving_right_after_typing_keeps_the_text(
    browser, live_server, login, small_report, caplog
):
    """0.4 s after the last key, long before the autosave: the reporter leaves, accepts the
    browser's question, and finds the text on coming back. It was sent once: beforeunload,
    pagehide and visibilitychange each used to send it, the second refused as stale."""
    report, (first, _second) = small_report
    caplog.set_level("INFO", logger="kkrmaal.request")
    page = new_page(browser)
    login(page, "indberetter-101")
    url = f"{live_server.url}/indberetning/{report.pk}/"
    page.goto(url)
    page.on("dialog", lambda dialog: dialog.accept())
    type_comment(page, first, "Skrevet lige før jeg gik")
    page.wait_for_timeout(400)

    # Away to another site (a page of this one would be read while the save is written,
    # which the tests' in-memory SQLite answers with "table is locked").
    page.goto("about:blank")
    assert saved_comment(first) == "Skrevet lige før jeg gik"  # sent as the page went
    page.wait_for_timeout(500)
    posts = [r.getMessage() for r in caplog.records if r.getMessage().startswith("POST /indb")]
    assert posts == [f"POST /indberetning/{report.pk}/ 200"]
    page.goto(url)

    assert comment_box(page, first).input_value() == "Skrevet lige før jeg gik"
    # The server has it: nothing is offered back, and the page says nothing false.
    assert page.locator("[data-draft-offer]").is_hidden()
    assert page.locator("[data-autosave-status]").inner_text() == ""
    close_quietly(page.context)


def test_leaving_again_after_staying_sends_the_draft_again(
    browser, live_server, login, small_report
):
    """The save sent as she left was lost (the network), and she chose to stay. Leaving again
    sends the same answers once more, rather than taking them for sent."""
    report, (first, _second) = small_report
    page = new_page(browser)
    login(page, "indberetter-101")
    page.goto(f"{live_server.url}/indberetning/{report.pk}/")
    type_comment(page, first, "Sendt anden gang")
    page.wait_for_timeout(400)
    lost = f"**/indberetning/{report.pk}/"
    page.route(
        lost, lambda route: route.abort() if route.request.method == "POST" else route.continue_()
    )
    page.once("dialog", lambda dialog: dialog.dismiss())  # "Leave site?": stay
    page.close(run_before_unload=True)
    page.wait_for_timeout(1500)
    assert not page.is_closed()
    assert stored_comment(first) == ""

    page.unroute(lost)
    page.once("dialog", lambda dialog: dialog.accept())
    page.close(run_before_unload=True)
    assert saved_comment(first) == "Sendt anden gang"


def test_a_page_read_before_the_last_save_landed_is_read_again(form, small_report, reporters):
    """Reloading right after typing: the page may be read a moment before the save sent as
    the old one went is written. It is read once more, and then shows the text, saved, with
    nothing offered back as if it were lost."""
    report, (first, _second) = small_report
    page = form
    name = f"line-{first.milestone_id}-comment"
    # The copy kept as the page was just left, a second ago.
    page.evaluate(
        "([key, name]) => localStorage.setItem(key, JSON.stringify("
        "{at: Date.now() - 1000, fields: {[name]: 'Sendt som siden gik'}}))",
        [f"kkr-report-draft:/indberetning/{report.pk}/", name],
    )
    url = page.url

    def read_then_saved(route):
        answer = route.fetch()  # the page as read before the save landed
        save_line(report, first, reporters[101], comment="Sendt som siden gik")
        route.fulfill(response=answer)
        page.unroute(url)

    page.route(url, read_then_saved)
    page.reload()

    page.wait_for_function(
        "([name, text]) => document.querySelector(`textarea[name='${name}']`)?.value === text",
        arg=[name, "Sendt som siden gik"],
    )
    page.wait_for_timeout(500)
    assert page.locator("[data-draft-offer]").is_hidden()
    assert page.evaluate("Object.keys(localStorage).length") == 0


def test_a_draft_the_server_never_got_is_offered_back(browser, live_server, login, small_report):
    """The session ended in another tab: the save sent as the page goes is refused, and the
    text waits in the browser until the reporter is back, logged in again."""
    report, (first, _second) = small_report
    page = new_page(browser)
    login(page, "indberetter-101")
    url = f"{live_server.url}/indberetning/{report.pk}/"
    page.goto(url)
    page.on("dialog", lambda dialog: dialog.accept())
    page.context.clear_cookies(name=settings.SESSION_COOKIE_NAME)
    type_comment(page, first, "Skrevet i toget")
    page.wait_for_timeout(400)
    page.goto(f"{live_server.url}/")
    assert saved_comment(first, timeout=1.0) == ""

    login(page, "indberetter-101")
    page.goto(url)
    offer = page.locator("[data-draft-offer]")
    offer.wait_for()
    assert "Vi har en kladde fra" in offer.inner_text()
    assert comment_box(page, first).input_value() == ""
    page.click("[data-draft-use]")

    assert comment_box(page, first).input_value() == "Skrevet i toget"
    wait_until_saved(page)
    assert saved_comment(first) == "Skrevet i toget"
    page.reload()
    assert page.locator("[data-draft-offer]").is_hidden()
    close_quietly(page.context)


DRAFTS = "Object.keys(localStorage).filter(key => key.startsWith('kkr-report-draft'))"


def test_a_number_the_server_writes_its_own_way_is_not_offered_back_as_lost(form, small_report):
    """The reporter types "42", a comment ending in a space and a link without "https://",
    and saves with the button. The page comes back showing "42,00", the comment stripped
    and the link with its scheme: that is what she typed,
    so it is not read again, nothing is offered back, and the copy in the browser is gone.
    (Comparing the text as typed reloaded the page 0.7 s later, losing a click on
    "Indsend".)"""
    report, (first, _second) = small_report
    page = form
    indicator = report.indicator_values.get()
    page.evaluate("window.sessionStorage.clear()")
    value = page.locator(f"input[name='value-{indicator.indicator_id}']")
    value.click()
    page.keyboard.type("42")
    type_comment(page, first, "Akutteamet er i drift. ")
    link = page.locator(f"input[name='line-{first.milestone_id}-evidence_url']")
    page.locator(f"#line-{first.milestone_id} details.evidence summary").click()
    link.fill("kommune.dk/akutplan")
    page.click("button[name=save]")
    assert "Kladden er gemt" in page.locator(".messages").inner_text()
    page.evaluate("window.notReloaded = true")

    page.wait_for_timeout(1500)
    assert page.evaluate("window.notReloaded === true"), "the page was read again"
    assert value.input_value() == "42,00"
    assert link.input_value().endswith("://kommune.dk/akutplan")
    assert page.locator("[data-draft-offer]").is_hidden()
    assert page.evaluate(DRAFTS) == []
    assert page.locator("[data-autosave-status]").inner_text() == ""


def test_in_a_comment_a_link_or_a_number_written_out_is_a_change_that_is_saved(form, small_report):
    """Only a link field gets its scheme, and only a number field is read as a number: a
    comment changed from "kommune.dk/plan" to "https://kommune.dk/plan" is a change, saved."""
    _report, (first, _second) = small_report
    page = form
    type_comment(page, first, "kommune.dk/plan")
    wait_until_saved(page)

    comment_box(page, first).fill("https://kommune.dk/plan")
    comment_box(page, first).dispatch_event("input")
    assert page.locator("[data-autosave-status]").get_attribute("data-state") == "unsaved"
    page.wait_for_function(
        "() => document.querySelector('[data-autosave-status]').dataset.state === 'saved'"
    )
    assert stored_comment(first) == "https://kommune.dk/plan"


def test_logging_out_forgets_the_drafts_kept_in_this_browser(
    browser, live_server, login, small_report
):
    """A shared municipal PC: text the server never got is kept in the browser for its
    reporter, until she logs out. Then the next person is offered nothing, whether she
    logged out from another page or from the form itself."""
    report, (first, _second) = small_report
    page = new_page(browser)
    page.on("dialog", lambda dialog: dialog.accept())
    url = f"{live_server.url}/indberetning/{report.pk}/"
    for leave_by_logging_out in (False, True):
        login(page, "indberetter-101")
        page.goto(url)
        page.context.clear_cookies(name=settings.SESSION_COOKIE_NAME)  # ended elsewhere
        type_comment(page, first, "Fortroligt udkast")
        page.wait_for_timeout(400)
        if not leave_by_logging_out:
            page.goto(f"{live_server.url}/")
            assert page.evaluate(DRAFTS), "kept until its reporter is back"
            login(page, "indberetter-101")
        page.get_by_role("button", name="Log ud").click()
        page.wait_for_load_state()
        assert "Log ind" in page.locator(".site-header").inner_text()
        assert page.evaluate(DRAFTS) == []

    login(page, "indberetter-101")
    page.goto(url)
    page.wait_for_timeout(500)
    assert page.locator("[data-draft-offer]").is_hidden()
    assert comment_box(page, first).input_value() == ""
    close_quietly(page.context)


def test_the_preview_follows_the_status_chosen(form, small_report):
    """Milestone 1/1 was due at the end of 2017: "opfyldt" is met, "i gang" is late."""
    _report, (first, _second) = small_report
    page = form
    line = page.locator(f"#line-{first.milestone_id}")
    preview = line.locator("[data-will-be]")

    line.locator("label.status-met").click()
    assert "Opfyldt" in preview.inner_text()
    line.locator("label.status-in_progress").click()

    assert "Opfyldt" not in preview.inner_text()
    assert "Forsinket" in preview.inner_text()


def test_after_submitting_the_reporter_reads_the_report_as_the_secretariat_will(form, small_report):
    _report, lines = small_report
    page = form
    for line in lines:
        page.locator(f"#line-{line.milestone_id} label.status-met").click()
        comment_box(page, line).fill(f"Linje {line.milestone_id} er i drift.")
    page.click("button[name=submit]")
    page.click("button[name=confirm]")

    assert "Tak! Indberetningen er indsendt" in page.locator(".messages").inner_text()
    assert page.locator("form.report-form, textarea, input[type=radio]").count() == 0
    view = page.locator("table.summary")
    for line in lines:
        assert f"Linje {line.milestone_id} er i drift." in view.inner_text()
    assert "Indberetningen, som sekretariatet ser den" in page.content()


def test_on_a_phone_the_save_bar_never_covers_the_field_being_typed_in(
    browser, live_server, login, midtjylland
):
    page = new_page(browser, 390, has_touch=True, is_mobile=True)
    login(page, "indberetter-751")
    page.goto(f"{live_server.url}/indberetning/{midtjylland.pk}/")
    bar = page.locator(".form-actions")
    line = midtjylland.lines.order_by("milestone__goal__order", "milestone__order")[4]
    box = comment_box(page, line)
    # The field just peeks out above the bottom edge, behind the sticky bar.
    page.evaluate(
        "(el) => window.scrollBy(0, el.getBoundingClientRect().top - window.innerHeight + 20)",
        box.element_handle(),
    )
    box.focus()
    page.keyboard.type("Synligt, mens jeg skriver")
    page.wait_for_timeout(200)

    field, cover = box.bounding_box(), bar.bounding_box()
    assert field["y"] + field["height"] <= cover["y"], (field, cover)
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/form-focused-390.png")
    wait_until_saved(page)  # not a save in flight as the test's database is emptied
    close_quietly(page.context)


def test_on_a_phone_the_summary_has_no_empty_box_where_a_milestone_repeats_its_goal(
    browser, live_server, login, small_report
):
    """Many papers state a goal as its one milestone: said once, in the goal's row. Without
    a comment the milestone's own cell has nothing to say, and on a phone it is not shown
    as an empty box above the status."""
    report, (first, _second) = small_report
    milestone = first.milestone
    milestone.text = milestone.goal.title
    milestone.save()
    page = new_page(browser, 390, has_touch=True, is_mobile=True)
    login(page, "indberetter-101")
    page.goto(f"{live_server.url}/indberetning/{report.pk}/indsend/")

    row = page.locator("table.summary tbody tr:not(.goal-row)").first
    assert "Mangler status" in row.inner_text()
    shown = [cell for cell in row.locator("td").all() if cell.is_visible()]
    assert shown and all(cell.inner_text().strip() for cell in shown)
    assert shown[0].get_attribute("data-label") == "Kommunens status"
    close_quietly(page.context)
