"""The database itself refuses the rows that must never exist, whatever code writes them
(admin, forms, API, a shell): each bad row raises IntegrityError and leaves nothing behind."""

import datetime

import pytest
from django.db import IntegrityError
from django.db import transaction

from goals.models import Goal
from goals.models import GoalDecision
from goals.models import Milestone
from goals.models import MilestoneStatus
from goals.models import StatusReport
from goals.models import StatusRound
from municipalities.models import Cluster
from municipalities.models import Membership
from municipalities.models import Municipality
from tests.builders import make_paper

pytestmark = pytest.mark.django_db


def refused(create):
    """True when the database raises IntegrityError for `create()` (and rolls it back)."""
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


@pytest.fixture
def status_round(paper):
    return StatusRound.objects.create(
        paper=paper,
        year=2017,
        opens=datetime.date(2017, 11, 1),
        deadline=datetime.date(2017, 12, 1),
    )


def test_a_municipality_reports_once_per_round(status_round, municipalities):
    StatusReport.objects.create(round=status_round, municipality=municipalities[101])

    assert refused(
        lambda: StatusReport.objects.create(round=status_round, municipality=municipalities[101])
    )
    assert StatusReport.objects.filter(round=status_round).count() == 1
    # Another municipality in the same round is fine.
    StatusReport.objects.create(round=status_round, municipality=municipalities[147])


def test_a_report_line_exists_once_per_milestone(status_round, municipalities, paper):
    report = StatusReport.objects.create(round=status_round, municipality=municipalities[101])
    milestone = Milestone.objects.filter(goal__paper=paper).first()
    MilestoneStatus.objects.create(report=report, milestone=milestone, status="met")

    assert refused(
        lambda: MilestoneStatus.objects.create(report=report, milestone=milestone, status="met")
    )


def test_a_baseline_cannot_exceed_its_total(paper):
    goal = paper.goals.get(number="1")

    assert refused(
        lambda: Milestone.objects.create(
            goal=goal, order=9, text="For mange", baseline_count=20, baseline_of=19
        )
    )
    assert not Milestone.objects.filter(text="For mange").exists()
    # The border case stands as printed in Midtjylland's paper: all 19 of 19.
    Milestone.objects.create(goal=goal, order=9, text="Alle", baseline_count=19, baseline_of=19)


def test_a_baseline_count_needs_its_total(paper):
    goal = paper.goals.get(number="1")

    assert refused(
        lambda: Milestone.objects.create(goal=goal, order=9, text="Halv", baseline_count=3)
    )
    assert refused(
        lambda: Milestone.objects.create(goal=goal, order=9, text="Halv", baseline_of=19)
    )


def test_a_municipality_cannot_join_a_cluster_of_another_region(
    municipalities, other_region, region
):
    foreign_cluster = Cluster.objects.create(region=other_region, name="Fyn", order=1)
    copenhagen = municipalities[101]

    copenhagen.cluster = foreign_cluster
    assert refused(copenhagen.save)
    copenhagen.refresh_from_db()
    assert copenhagen.cluster.name == "Byen"

    assert refused(
        lambda: Municipality.objects.create(
            kommunekode=165, name="Albertslund", region=region, cluster=foreign_cluster
        )
    )
    assert not Municipality.objects.filter(kommunekode=165).exists()


def test_moving_a_cluster_member_to_another_region_is_refused(municipalities, other_region):
    copenhagen = municipalities[101]
    copenhagen.region = other_region  # its cluster Byen stays in Hovedstaden

    assert refused(copenhagen.save)


def test_a_kommunekode_has_three_digits(region):
    assert refused(lambda: Municipality.objects.create(kommunekode=99, name="X", region=region))
    assert refused(lambda: Municipality.objects.create(kommunekode=1000, name="X", region=region))


def test_a_kommunekode_is_unique(municipalities, region):
    assert refused(lambda: Municipality.objects.create(kommunekode=101, name="Kopi", region=region))


def test_a_membership_role_matches_its_scope(django_user_model, region, municipalities):
    user = django_user_model.objects.create_user("ny-bruger")
    secretariat, reporter = Membership.Role.SECRETARIAT, Membership.Role.REPORTER

    # A secretariat member serves a region, not a municipality ...
    assert refused(lambda: Membership.objects.create(user=user, role=secretariat))
    assert refused(
        lambda: Membership.objects.create(
            user=user, role=secretariat, municipality=municipalities[101]
        )
    )
    assert refused(
        lambda: Membership.objects.create(
            user=user, role=secretariat, region=region, municipality=municipalities[101]
        )
    )
    # ... and a reporter reports for a municipality, not a region.
    assert refused(lambda: Membership.objects.create(user=user, role=reporter, region=region))
    assert refused(lambda: Membership.objects.create(user=user, role="chef", region=region))
    assert not Membership.objects.filter(user=user).exists()


def test_a_membership_is_not_given_twice(secretariat, region):
    assert refused(
        lambda: Membership.objects.create(
            user=secretariat, role=Membership.Role.SECRETARIAT, region=region
        )
    )


@pytest.mark.parametrize(
    ("year", "opens", "deadline"),
    [
        (2018, datetime.date(2018, 12, 1), datetime.date(2018, 11, 1)),
        (2017, datetime.date(2017, 10, 1), datetime.date(2017, 10, 31)),
    ],
    ids=["closing before it opens", "a second round in 2017"],
)
def test_a_round_closes_after_it_opens_and_a_paper_has_one_a_year(
    status_round, paper, year, opens, deadline
):
    assert refused(
        lambda: StatusRound.objects.create(paper=paper, year=year, opens=opens, deadline=deadline)
    )
    assert list(StatusRound.objects.all()) == [status_round]


def test_a_paper_period_runs_forward(region):
    assert refused(
        lambda: make_paper(
            region,
            "baglaens.txt",
            title="Baglæns",
            first_year=2018,
            last_year=2017,
            adopted_year=2017,
        )
    )


def test_a_goal_number_is_unique_within_its_paper(paper):
    assert refused(lambda: Goal.objects.create(paper=paper, number="1", title="Kopi"))


def test_a_goal_is_not_its_own_parent(paper):
    goal = paper.goals.get(number="1")
    goal.parent_id = goal.pk

    assert refused(goal.save)


def test_a_revision_decision_names_the_new_goal(status_round, paper):
    goal = paper.goals.get(number="1")

    assert refused(
        lambda: GoalDecision.objects.create(
            round=status_round, goal=goal, decision=GoalDecision.Decision.REVISE
        )
    )
    GoalDecision.objects.create(
        round=status_round, goal=goal, decision=GoalDecision.Decision.CONTINUE
    )
    assert refused(
        lambda: GoalDecision.objects.create(
            round=status_round, goal=goal, decision=GoalDecision.Decision.ACHIEVED
        )
    )
