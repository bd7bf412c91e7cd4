"""Texts as people read them: who submitted a report by name, a paper's introduction in
its paragraphs, and a revised goal linking to the goal it replaces."""

import pytest

from goals.models import Goal
from tests.builders import submitted

pytestmark = pytest.mark.django_db


def test_the_review_page_and_the_overview_name_the_submitter(staff, report, reporters):
    reporter = reporters[101]
    reporter.first_name, reporter.last_name = "Karen", "Holm"
    reporter.save()
    report = submitted(report, reporter)

    review = staff.get(f"/sekretariat/indberetninger/{report.pk}/").content.decode()
    overview = staff.get(f"/sekretariat/runder/{report.round_id}/").content.decode()

    assert "af Karen Holm" in review
    assert "Karen Holm" in overview


def test_without_a_full_name_the_username_is_shown(staff, report, reporters):
    report = submitted(report, reporters[101])

    review = staff.get(f"/sekretariat/indberetninger/{report.pk}/").content.decode()

    assert f"af {reporters[101].username}" in review


def test_a_report_submitted_without_a_user_says_no_empty_af(staff, report):
    # The API and the commands may submit with by=None: the page must not read "af" alone.
    report = submitted(report, None)

    review = staff.get(f"/sekretariat/indberetninger/{report.pk}/").content.decode()
    submitted_line = review.split("Indsendt", 1)[1].split("</dd>", 1)[0]

    assert " af" not in submitted_line


def test_a_paper_introduction_keeps_its_paragraphs(client, paper):
    paper.summary = "Første afsnit om akutfunktioner.\n\nAndet afsnit om de unge."
    paper.save()

    page = client.get(f"/{paper.region.slug}/").content.decode()

    assert "<p>Første afsnit om akutfunktioner.</p>" in page
    assert "<p>Andet afsnit om de unge.</p>" in page


def test_a_goal_description_keeps_its_paragraphs(client, paper):
    goal = paper.goals.get(number="1")
    goal.description = "Det første.\n\nDet andet."
    goal.save()

    page = client.get(f"/{paper.region.slug}/maal/{goal.pk}/").content.decode()

    assert "<p>Det første.</p>" in page and "<p>Det andet.</p>" in page


def test_a_revised_goal_links_to_the_goal_it_replaces(client, paper):
    old = paper.goals.get(number="1")
    new = Goal.objects.create(
        paper=paper, number="1 b", order=3, title="Akuttilbud, revideret", replaces=old
    )

    page = client.get(f"/{paper.region.slug}/maal/{new.pk}/").content.decode()

    assert (
        f'<a href="/{paper.region.slug}/maal/{old.pk}/">Erstatter mål 1: Effektive akuttilbud</a>'
        in page
    )
