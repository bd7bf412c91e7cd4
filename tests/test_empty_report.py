"""A round whose paper asks the municipalities nothing (its milestones are all joint or per
cluster, and it has no indicators) opens without a report for any municipality; a report
made empty before that says why there is nothing to report and offers no "Indsend"."""

import pytest
from django.urls import reverse

from goals import rounds
from goals.models import Goal
from goals.models import Milestone
from goals.models import StatusReport
from goals.models import StatusRound
from reports import publishing
from tests.builders import make_paper
from tests.builders import opened_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def joint_paper(region):
    """A paper with one goal whose only milestone is the KKR's joint one."""
    paper = make_paper(region, "joint-paper.txt", title="Fælles indsatser")
    goal = Goal.objects.create(paper=paper, number="1", order=1, title="Fælles akutplan")
    Milestone.objects.create(
        goal=goal, order=1, text="KKR vedtager en fælles akutplan.", scope=Milestone.Scope.JOINT
    )
    return paper


def test_a_round_with_nothing_for_the_municipalities_asks_none_of_them(
    joint_paper, municipalities, reporters, secretariat, mailoutbox
):
    status_round = opened_round(joint_paper, by=secretariat)

    assert status_round.state == StatusRound.State.OPEN
    assert not status_round.reports.exists()
    assert status_round.joint_progress.count() == 1  # the secretariat's own row
    assert mailoutbox == []  # no municipality is told to report


def test_a_milestone_added_later_asks_the_municipalities_when_the_round_is_opened_again(
    joint_paper, municipalities, secretariat
):
    status_round = opened_round(joint_paper, by=secretariat)
    Milestone.objects.create(
        goal=joint_paper.goals.get(), order=2, text="Hver kommune har en akutplan."
    )

    rounds.open_round(status_round, by=secretariat)

    assert status_round.reports.count() == len(municipalities)
    assert all(report.lines.count() == 1 for report in status_round.reports.all())


def test_an_existing_empty_report_says_why_and_offers_no_indsend(
    client, joint_paper, municipalities, reporters, secretariat
):
    status_round = opened_round(joint_paper, by=secretariat)
    # Made before municipalities with nothing to answer were left out.
    report = StatusReport.objects.create(round=status_round, municipality=municipalities[101])
    client.force_login(reporters[101])

    text = client.get(reverse("goals:report_form", args=[report.pk])).content.decode()

    assert "Der er intet at indberette" in text
    assert "Kommunen skal ikke indsende noget." in text
    assert "Indsend" not in text and "Gem kladde" not in text
    assert "<form" not in text.split("<main")[1].split("</main>")[0].replace(
        '<form class="inline"', ""
    )
    summary = client.get(reverse("goals:report_confirm", args=[report.pk]))
    assert summary["Location"] == reverse("goals:report_form", args=[report.pk])
    home = client.get(reverse("goals:reporter_home")).content.decode()
    assert "Intet at indberette" in home


def test_the_published_round_says_the_municipalities_were_not_asked(
    client, joint_paper, municipalities, secretariat
):
    status_round = opened_round(joint_paper, by=secretariat)
    rounds.close_round(status_round, by=secretariat)
    publishing.publish_round(status_round, by=secretariat)
    region = joint_paper.region

    for url in (f"/{region.slug}/status/{status_round.year}/", f"/{region.slug}/"):
        text = client.get(url).content.decode()
        assert "Kommunerne skulle ikke indberette i denne runde" in text, url
        assert "0 af 3 kommuner" not in text, url
