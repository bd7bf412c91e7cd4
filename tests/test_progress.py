"""The read side: counts per milestone, goal, cluster and region, the evaluation nobody can
talk up, the baseline comparison and the trend over rounds (reports.progress)."""

import datetime

from goals.evaluation import MET
from goals.evaluation import MISSING
from goals.evaluation import NOT_RELEVANT
from goals.evaluation import ON_TRACK
from goals.evaluation import OVERDUE
from goals.evaluation import evaluate
from goals.models import Goal
from goals.models import GoalPaper
from goals.models import Milestone
from goals.models import StatusRound
from municipalities.models import Municipality
from municipalities.models import Region
from reports.models import Publication
from reports.progress import round_progress
from tests.builders import SCRIPT_COMMENT
from tests.builders import build_round
from tests.builders import make_paper


def _goal(progress, number):
    return next(g for g in progress.goals if g.goal.number == number)


def _cells(progress, number, order, municipalities):
    goal = _goal(progress, number)
    mp = next(m for m in goal.milestones if m.milestone.order == order)
    return {code: mp.cells[m.pk].evaluation for code, m in municipalities.items()}


def test_evaluation_follows_status_and_deadline_not_wording():
    due = datetime.date(2017, 12, 31)
    assert evaluate("met", due, datetime.date(2018, 12, 31)) == MET
    assert evaluate("in_progress", due, datetime.date(2017, 6, 1)) == ON_TRACK
    assert evaluate("not_started", due, datetime.date(2017, 6, 1)) == ON_TRACK
    assert evaluate("in_progress", due, datetime.date(2017, 12, 31)) == OVERDUE
    assert evaluate("", due, datetime.date(2016, 1, 1)) == MISSING
    assert evaluate("not_relevant", due, datetime.date(2019, 1, 1)) == NOT_RELEVANT
    assert evaluate("in_progress", None, datetime.date(2030, 1, 1)) == ON_TRACK


def test_first_year_on_track_overdue_and_a_draft_that_claims_met(status_history, municipalities):
    progress = round_progress(status_history[2017])

    assert _cells(progress, "1", 1, municipalities) == {101: MET, 147: OVERDUE, 219: MISSING}
    assert _cells(progress, "2", 1, municipalities) == {101: ON_TRACK, 147: ON_TRACK, 219: MISSING}
    assert progress.reported_count == 2


def test_second_year_counts_per_milestone(status_history, municipalities):
    progress = round_progress(status_history[2018])

    assert _cells(progress, "1", 1, municipalities) == {101: MET, 147: MET, 219: OVERDUE}
    assert _cells(progress, "2", 1, municipalities) == {
        101: MET,
        147: NOT_RELEVANT,
        219: MISSING,
    }
    first = _goal(progress, "1").milestones[0]
    assert first.tally[MET] == 2 and first.tally[OVERDUE] == 1 and first.tally.total == 3
    assert first.statuses["met"] == 2 and first.statuses["in_progress"] == 1
    joint = _goal(progress, "1").milestones[1]
    assert joint.joint_cell.evaluation == MET and joint.tally.total == 1


def test_goal_share_against_its_baseline(status_history):
    goal = _goal(round_progress(status_history[2018]), "1")

    assert goal.baseline == (1, 3, 2016)
    assert goal.baseline_now == (2, 3)
    assert goal.headline[:2] == (2, 3)


def test_verdicts_and_decisions(status_history):
    progress = round_progress(status_history[2018])

    assert _goal(progress, "1").verdict == OVERDUE  # Hillerød is overdue
    assert _goal(progress, "2").verdict == MET  # ticked off by the round's decision
    assert {v: n for v, _label, _symbol, n in progress.verdicts} == {
        MET: 1,
        ON_TRACK: 0,
        OVERDUE: 1,
    }
    # Goals are judged in the same words as the lines.
    assert [label for _v, label, _symbol, _n in progress.verdicts] == [
        "Opfyldt",
        "På vej",
        "Forsinket",
    ]
    assert [g.goal.number for g in progress.decisions] == ["1", "2"]


def test_rollup_per_cluster_and_region(status_history, clusters):
    progress = round_progress(status_history[2018])

    by_cluster = dict(_goal(progress, "1").by_cluster)
    # Milestone 1/1 only: the joint milestone has no cluster.
    assert by_cluster[clusters["Byen"]][MET] == 2
    assert by_cluster[clusters["Nord"]][OVERDUE] == 1
    # Municipalities' answers only: the joint milestone is counted apart, per goal.
    assert progress.tally[MET] == 3  # 2 on 1/1 + København's 2/1
    assert progress.tally.total == 6
    assert _goal(progress, "1").shared.total == 1 and _goal(progress, "1").shared[MET] == 1


def test_trend_runs_from_baseline_over_published_rounds(status_history, paper):
    goal = _goal(round_progress(status_history[2018]), "1")

    assert [(p.year, p.baseline) for p in goal.trend] == [
        (2016, True),
        (2017, False),
        (2018, False),
    ]
    baseline, first, second = goal.trend
    assert baseline.tally[MET] == 1
    assert (first.tally[MET], first.tally[OVERDUE], first.tally[MISSING]) == (1, 1, 1)
    # The joint milestone is counted apart: 2017 in progress, due end of 2018: on track.
    assert first.tally.total == 3 and first.shared[ON_TRACK] == 1
    assert (second.tally[MET], second.tally[OVERDUE]) == (2, 1)
    assert second.shared[MET] == 1


def test_an_unpublished_round_is_left_out_of_later_trends_but_previews_itself(
    status_history, paper
):
    closed = build_round(paper, 2019, state=StatusRound.State.CLOSED, lines=[])
    # 2018 was never published (a round reopened after publishing keeps its record and
    # stays in the trend as published: see tests/test_published_record.py).
    StatusRound.objects.filter(pk=status_history[2018].pk).update(
        state=StatusRound.State.CLOSED, published_at=None
    )
    Publication.objects.filter(round=status_history[2018]).delete()
    progress = round_progress(closed)

    assert progress.trend_years == [2017, 2019]
    assert not progress.published


def test_municipality_lines_and_comments(status_history, municipalities):
    progress = round_progress(status_history[2018])

    lines = progress.municipality_lines(municipalities[219])
    assert [(line.goal.goal.number, line.cell.evaluation) for line in lines] == [
        ("1", OVERDUE),
        ("2", MISSING),
    ]
    assert lines[0].cell.comment == SCRIPT_COMMENT
    commented = {m.kommunekode: items for m, items in progress.comments()}
    assert set(commented) == {101, 219}
    assert len(commented[101]) == 2


def test_goals_that_were_not_asked_carry_no_answers(status_history, paper, development_area):
    development_area.milestones.create(text="Frivilligt", scope=Milestone.Scope.MUNICIPALITY)
    progress = round_progress(status_history[2018])

    area = _goal(progress, "A")
    assert area.tally.total == 0 and area.municipality_milestones == []
    assert [g.goal.number for g in progress.commitments] == ["1", "2"]
    assert [g.goal.number for g in progress.development_areas] == ["A"]


def test_midtjylland_baseline_18_of_19_to_19_of_19(db):
    region = Region.objects.create(name="Midtjylland", slug="midtjylland", code=1082)
    for code in range(701, 720):
        Municipality.objects.create(kommunekode=code, name=f"Kommune {code}", region=region)
    paper = make_paper(
        region,
        "midt-test.txt",
        title="De fire målsætninger",
        first_year=2013,
        last_year=2014,
        adopted_year=2012,
        kind=GoalPaper.Kind.OBJECTIVES,
    )
    goal = Goal.objects.create(paper=paper, number="1.1 a", order=1, title="Kompetencer")
    goal.milestones.create(
        text="Alle kommuner sikrer kompetencer i plejesektoren.",
        due=datetime.date(2013, 12, 31),
        baseline_count=18,
        baseline_of=19,
        baseline_year=2012,
        order=1,
    )
    status_round = build_round(
        paper, 2013, lines=[(code, "1.1 a", 1, "met", "") for code in range(701, 720)]
    )

    progress = round_progress(status_round)

    g = progress.goals[0]
    assert g.baseline == (18, 19, 2012) and g.baseline_now == (19, 19)
    assert g.verdict == MET
    assert [(p.year, p.tally[MET]) for p in g.trend] == [(2012, 18), (2013, 19)]
