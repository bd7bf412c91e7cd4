"""The report form reads compactly: a goal's title once, a milestone's text only where it
says more than the goal's, and the facts that need a word of explanation ("Udgangspunkt",
"Tovholder") explained on the page itself, in a disclosure that works on touch and without
JavaScript."""

import pytest
from django.urls import reverse

from goals.models import Goal
from goals.models import Milestone
from goals.models import StatusReport
from tests.builders import first_line
from tests.builders import save_line

pytestmark = pytest.mark.django_db


def form_page(client, report):
    return client.get(reverse("goals:report_form", args=[report.pk])).content.decode()


def test_a_milestone_worded_as_its_goal_is_not_repeated(reporter, report):
    line = first_line(report)
    goal = line.milestone.goal
    Goal.objects.filter(pk=goal.pk).update(title=line.milestone.text.rstrip(".").upper())

    text = form_page(reporter, report)

    assert text.count(line.milestone.text.rstrip(".")[:40]) == 0  # shown once, as the title
    assert line.milestone.text.rstrip(".").upper()[:40] in text
    assert "Hver kommune har en strategi for unges sundhed." in text  # says more: shown


def test_the_baseline_is_explained_as_the_regions_figure_at_adoption(reporter, report):
    text = form_page(reporter, report)

    assert "Udgangspunkt:</span> 1 af 3 kommuner (2016)</summary>" in text
    assert (
        "Regionens tal, da målet blev vedtaget (2016): 1 af regionens 3 kommuner levede "
        "dengang op til milepælen. Det er ikke jeres kommunes eget tal."
    ) in text


def test_without_a_baseline_year_the_papers_adoption_year_is_given(reporter, report):
    Milestone.objects.filter(pk=first_line(report).milestone_id).update(baseline_year=None)

    assert "1 af 3 kommuner (2017)" in form_page(reporter, report)


def test_the_lead_is_explained(reporter, report):
    Milestone.objects.filter(pk=first_line(report).milestone_id).update(
        lead="1-2 tovholderkommuner"
    )

    text = form_page(reporter, report)

    assert '<details class="term"><summary><span class="term-name">Tovholder:</span>' in text
    assert "1-2 tovholderkommuner" in text
    assert "Den eller de kommuner, der driver arbejdet og samler op for hele regionen." in text


def test_documentation_folds_away_until_there_is_some(reporter, report, reporters):

    text = form_page(reporter, report)
    assert text.count('<details class="evidence">') == 2
    line = first_line(report)
    save_line(report, line, reporters[101], version=1, evidence_url="https://kommune.dk/plan")
    text = form_page(reporter, StatusReport.objects.get(pk=report.pk))
    assert text.count('<details class="evidence" open>') == 1
