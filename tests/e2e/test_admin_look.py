"""The admin is part of the product: it wears the portal's colours, links back to the portal,
and its goal list shows every column at a 1366 px laptop width without scrolling."""

import pytest
from django.utils.text import Truncator

from goals.models import Milestone

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_goal_list_fits_a_laptop_in_the_portals_colours(
    browser, live_server, login, paper, secretariat
):
    context = browser.new_context(locale="da-DK", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    login(page, "sekretariat-hovedstaden")
    page.goto(f"{live_server.url}/admin/goals/goal/")

    header = page.locator("#header")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(11, 92, 173)"
    assert page.get_by_role("link", name="Til portalen").get_attribute("href") == "/"

    headings = page.locator("#result_list thead th").all_inner_texts()
    assert [h.strip().lower() for h in headings[1:]] == [
        "nummer",
        "titel",
        "målpapir",
        "type",
        "tilstand",
        "milepæle",
    ]
    hidden = page.evaluate(
        "() => { const box = document.querySelector('.results');"
        " return box.scrollWidth - box.clientWidth; }"
    )
    assert hidden <= 0, f"the goal list hides {hidden} px of its columns at 1366 px"
    context.close()


def test_the_milestone_list_links_each_milestone_and_shows_every_header_at_1366_px(
    browser, live_server, login, paper, secretariat
):
    context = browser.new_context(locale="da-DK", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    login(page, "sekretariat-hovedstaden")
    page.goto(f"{live_server.url}/admin/goals/milestone/")

    # The row's link is the milestone's own text, not its goal's number for every row.
    links = page.locator("#result_list tbody a").all_inner_texts()
    milestones = Milestone.objects.filter(goal__paper=paper)
    assert sorted(links) == sorted(Truncator(m.text).chars(100) for m in milestones)
    # "Tovholder" is read whole, and the sidebar's longest name stays on one line.
    clipped = page.evaluate(
        "() => [...document.querySelectorAll('#result_list thead th')]"
        ".filter(th => th.scrollWidth > th.clientWidth).map(th => th.innerText)"
    )
    assert clipped == []
    lead = page.locator("#result_list thead th", has_text="Tovholder")
    assert lead.evaluate("th => th.getBoundingClientRect().right") <= 1366
    hidden = page.evaluate(
        "() => { const box = document.querySelector('.results');"
        " return box.scrollWidth - box.clientWidth; }"
    )
    assert hidden <= 0, f"the milestone list hides {hidden} px of its columns at 1366 px"
    reports = page.locator("#nav-sidebar a", has_text="Statusindberetninger").first
    lines = reports.evaluate(
        "a => Math.round(a.getBoundingClientRect().height"
        " / parseFloat(getComputedStyle(a).lineHeight))"
    )
    assert lines == 1, "the sidebar wraps Statusindberetninger"
    context.close()
