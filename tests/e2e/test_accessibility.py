"""Every page type, in Chromium at a desktop (1366 px) and a phone (360 px) width: axe-core
finds no serious or critical WCAG 2.2 AA violation, and the page never scrolls sideways (wide
tables scroll inside their own container instead)."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from goals.models import PaperSection
from goals.models import StatusReport
from tests.builders import save_line
from tests.builders import submitted

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = (1366, 360)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SCREENSHOTS = "/tmp/a11y"


def serious_violations(page):
    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def sideways_overflow(page):
    """How many pixels the page is wider than the window (0 when it fits)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def check(browser, url, *, storage_state=None, name):
    problems = {}
    for width in WIDTHS:
        context = browser.new_context(
            locale="da-DK", viewport={"width": width, "height": 800}, storage_state=storage_state
        )
        page = context.new_page()
        response = page.goto(url)
        assert response.ok, f"{name}: {url} answered {response.status}"
        page.screenshot(path=f"{SCREENSHOTS}/{name}-{width}.png", full_page=True)
        found = serious_violations(page)
        overflow = sideways_overflow(page)
        if overflow > 0:
            culprits = page.evaluate(
                "() => [...document.querySelectorAll('body *')]"
                ".filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)"
                ".slice(0, 4).map(e => e.tagName + '.' + e.className)"
            )
            found.append(f"the page scrolls sideways by {overflow} px ({', '.join(culprits)})")
        if found:
            problems[width] = found
        context.close()
    return problems


@pytest.fixture
def world(status_history, open_status_round, municipalities, reporters, secretariat):
    """A published history and an open round with one submitted report to review."""
    report = StatusReport.objects.get(round=open_status_round, municipality=municipalities[147])
    submitted(report, reporters[147])
    filled = StatusReport.objects.get(round=open_status_round, municipality=municipalities[101])
    first = filled.lines.order_by("milestone__goal__order").first()
    save_line(filled, first, reporters[101], status="in_progress", comment="Akutteamet bemandes.")
    return {
        "published": status_history[2018],
        "open": open_status_round,
        "submitted": report,
        "filled": filled,
    }


def storage_for(browser, live_server, login, username):
    context = browser.new_context()
    page = context.new_page()
    login(page, username)
    state = context.storage_state()
    context.close()
    return state


def test_every_page_type_passes_axe_and_fits_a_phone(browser, live_server, login, world, paper):
    import os

    os.makedirs(SCREENSHOTS, exist_ok=True)
    base = live_server.url
    region = paper.region.slug
    goal = paper.goals.order_by("order").first()
    # The paper page with its full text (a list and a sub-heading) and a value the portal added.
    PaperSection.objects.create(
        paper=paper,
        order=1,
        heading="Akutfunktioner",
        body="Kommunerne styrker akuttilbuddene.\n\n### Mål\n\n- Effektive akuttilbud\n"
        "- Unges sundhed",
    )
    paper.provenance = {"adopted_year": {"estimated": True, "note": "Papiret er udateret."}}
    paper.save()
    public = {
        "home": "/",
        "region": f"/{region}/",
        "goal": f"/{region}/maal/{goal.pk}/",
        "paper": f"/{region}/papirer/{paper.pk}/",
        "search": "/soeg/?q=akuttilbud",
        "municipality": f"/{region}/kommuner/101/",
        "status": f"/{region}/status/2018/",
        "accessibility": "/tilgaengelighed/",
        "login": "/konto/login/",
        "english-region": f"/en/{region}/",
    }
    form = f"/indberetning/{world['filled'].pk}/"
    reporter_pages = {
        "reporter-home": "/indberetning/",
        "report-form": form,  # half filled in: the amber "i gang" chosen, a line blank
        "report-summary": form + "indsend/",  # with the blank line highlighted
    }
    secretariat_pages = {
        "secretariat-home": "/sekretariat/",
        "round-overview": f"/sekretariat/runder/{world['open'].pk}/",
        "review": f"/sekretariat/indberetninger/{world['submitted'].pk}/",
        "joint-progress": f"/sekretariat/runder/{world['open'].pk}/faelles/",
        "decisions": f"/sekretariat/runder/{world['open'].pk}/beslutninger/",
    }
    problems = {}
    for name, path in public.items():
        problems.update({(name, w): p for w, p in check(browser, base + path, name=name).items()})
    for username, pages in (
        ("indberetter-101", reporter_pages),
        ("sekretariat-hovedstaden", secretariat_pages),
    ):
        state = storage_for(browser, live_server, login, username)
        for name, path in pages.items():
            found = check(browser, base + path, storage_state=state, name=name)
            problems.update({(name, w): p for w, p in found.items()})
    report = "\n".join(
        f"{name} at {width} px: {finding}"
        for (name, width), found in sorted(problems.items())
        for finding in found
    )
    assert not problems, report


def test_the_secretariats_cockpit_decisions_and_confirmations_pass_axe(
    browser, live_server, login, world, secretariat
):
    """The cockpit of a late round (filtered and sorted, one municipality reminded, the
    others with their button), the decisions page with last round's figures, and the
    confirmation pages of closing, publishing and reopening."""
    import datetime
    import os

    from django.utils import timezone

    from goals import notifications
    from goals import rounds
    from goals.models import StatusRound

    os.makedirs(SCREENSHOTS, exist_ok=True)
    late, published = world["open"], world["published"]
    today = timezone.localdate()
    StatusRound.objects.filter(pk=late.pk).update(
        opens=today - datetime.timedelta(days=40), deadline=today - datetime.timedelta(days=3)
    )
    late.refresh_from_db()
    notifications.remind_now(late.reports.filter(municipality__kommunekode=219), by=secretariat)
    closed = StatusRound.objects.create(
        paper=late.paper, year=late.year + 1, opens=today, deadline=today
    )
    rounds.open_round(closed, by=secretariat)
    rounds.close_round(closed, by=secretariat)
    pages = {
        "cockpit-late": f"/sekretariat/runder/{late.pk}/",
        "cockpit-filtered": f"/sekretariat/runder/{late.pk}/?vis=over-fristen&sorter=-linjer",
        "decisions-figures": f"/sekretariat/runder/{published.pk}/beslutninger/",
        "confirm-close": f"/sekretariat/runder/{late.pk}/handling/?action=close",
        "confirm-publish": f"/sekretariat/runder/{closed.pk}/handling/?action=publish",
        "confirm-reopen": f"/sekretariat/runder/{published.pk}/handling/?action=reopen",
    }
    state = storage_for(browser, live_server, login, "sekretariat-hovedstaden")
    problems = {}
    for name, path in pages.items():
        found = check(browser, live_server.url + path, storage_state=state, name=name)
        problems.update({(name, w): p for w, p in found.items()})
    assert not problems, "\n".join(
        f"{name} at {width} px: {finding}"
        for (name, width), found in sorted(problems.items())
        for finding in found
    )


def test_a_reporter_submits_with_the_keyboard_alone(
    page, live_server, login, open_status_round, municipalities
):
    """Tab through the form, choose "opfyldt" in each line's status group with the arrow
    keys, type the indicator value, and submit with Enter on the button."""
    report = StatusReport.objects.get(round=open_status_round, municipality=municipalities[101])
    login(page, "indberetter-101")
    page.goto(f"{live_server.url}/indberetning/{report.pk}/")
    focused = (
        "() => {const e = document.activeElement;"
        " return [e.tagName, e.name || '', e.value || '', e.type || '']}"
    )
    for _ in range(200):
        page.keyboard.press("Tab")
        tag, name, _value, kind = page.evaluate(focused)
        if kind == "radio" and name.endswith("-status"):
            for _ in range(4):
                if page.evaluate(focused)[2] == "met":
                    break
                page.keyboard.press("ArrowDown")
        elif name.startswith("value-"):
            page.keyboard.type("12")
        elif tag == "BUTTON" and name == "submit":
            page.keyboard.press("Enter")
            break
    else:
        pytest.fail("Tab never reached the submit button")
    # The summary to confirm: Tab to "Bekræft indsendelse" and press Enter.
    page.wait_for_url(f"{live_server.url}/indberetning/{report.pk}/indsend/")
    for _ in range(50):
        page.keyboard.press("Tab")
        if page.evaluate(focused)[1] == "confirm":
            page.keyboard.press("Enter")
            break
    else:
        pytest.fail("Tab never reached the confirm button")
    assert "Tak! Indberetningen er indsendt" in page.locator(".messages").inner_text()
    report.refresh_from_db()
    assert report.state == StatusReport.State.SUBMITTED
    assert set(report.lines.values_list("status", flat=True)) == {"met"}
