"""`manage.py demo` sets up a portal a newcomer can log into: the real papers, an account for
every role, and a status history (a published round for each year a paper was in force, and
this year's open round) — and running it again
adds nothing but a new password."""

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone

from goals.evaluation import MET
from goals.evaluation import ON_TRACK
from goals.models import GoalDecision
from goals.models import GoalPaper
from goals.models import JointProgress
from goals.models import MilestoneStatus
from goals.models import StatusReport
from goals.models import StatusRound
from municipalities.models import Membership
from municipalities.models import Region
from reports.progress import latest_published_round
from reports.progress import published_progress
from tests.builders import run_demo

pytestmark = pytest.mark.django_db

DEMO_PAPERS = {
    "hovedstaden": "001_b6c4e8802b7d46aa.txt",
    "midtjylland": "002_73cf8f81b5b917b6.txt",
    "syddanmark": "003_34f1144947dbb059.txt",
}


def snapshot():
    models = [StatusRound, StatusReport, MilestoneStatus, JointProgress, GoalDecision]
    counts = {model.__name__: model.objects.count() for model in models}
    counts["history"] = sum(model.history.count() for model in models)
    counts["users"] = get_user_model().objects.count()
    counts["memberships"] = Membership.objects.count()
    counts["states"] = sorted(
        StatusReport.objects.values_list("round__year", "municipality__kommunekode", "state")
    )
    return counts


def test_demo_creates_accounts_for_every_role(client, demo):
    output = demo.output

    User = get_user_model()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    for slug in ("hovedstaden", "sjaelland", "syddanmark", "midtjylland", "nordjylland"):
        user = User.objects.get(username=f"sekretariat-{slug}")
        assert user.is_staff and not user.is_superuser
        assert user.memberships.get().region.slug == slug
    for code in (101, 147, 751, 730, 461, 621):
        user = User.objects.get(username=f"indberetter-{code}")
        assert not user.is_staff
        membership = user.memberships.get()
        assert membership.role == Membership.Role.REPORTER
        assert membership.municipality.kommunekode == code

    assert "http://127.0.0.1:8000/" in output
    assert "/admin/" in output
    assert "sekretariat-hovedstaden" in output and "indberetter-101" in output
    assert "demo-pass-123" in output
    # The printed account works: the secretariat logs into the admin and sees its goals.
    assert client.login(username="sekretariat-hovedstaden", password="demo-pass-123")
    page = client.get("/admin/goals/goal/").content.decode()
    assert "Vi vil forbedre de unges fysiske og mentale sundhed" in page
    assert "En klar opgavedeling" not in page  # Syddanmark's


# The papers whose rounds ask the municipalities: Syddanmark's milestones are all joint.
ASKING = ("hovedstaden", "midtjylland")


def test_demo_publishes_the_years_each_paper_was_in_force_and_opens_this_year(demo):
    published_rounds = demo.published
    year = timezone.localdate().year
    in_force = {"hovedstaden": [2017, 2018], "midtjylland": [2013, 2014], "syddanmark": [2023]}
    for slug, source in DEMO_PAPERS.items():
        paper = GoalPaper.objects.get(source=source)
        rounds = {r.year: r for r in StatusRound.objects.filter(paper=paper)}
        assert sorted(rounds) == [*in_force[slug], year], slug
        for past in in_force[slug]:
            assert paper.first_year <= past <= paper.last_year
            status_round = rounds[past]
            assert status_round.state == StatusRound.State.PUBLISHED
            assert status_round.deadline < timezone.localdate()
            assert status_round.published_at.year == past
            # Every municipality of the region reported and was approved; none was asked
            # where the paper gives them nothing to answer (Syddanmark's joint milestones).
            asked = status_round.paper.region.municipalities.count() if slug in ASKING else 0
            assert status_round.reports.count() == asked
            assert set(status_round.reports.values_list("state", flat=True)) <= {"approved"}
            assert status_round.decisions.exists()
            assert not status_round.joint_progress.filter(status="").exists()
            assert (slug, past) in published_rounds
        current = rounds[year]
        assert current.state == StatusRound.State.OPEN
        assert (current.deadline - timezone.localdate()).days == 30
        states = set(current.reports.values_list("state", flat=True))
        assert {"draft", "submitted"} <= states if slug in ASKING else not states, slug
    assert len(published_rounds) == 5

    # The region page opens on a believable status: not every goal behind.
    hovedstaden = published_progress(latest_published_round(Region.objects.get(slug="hovedstaden")))
    assert hovedstaden.round.year == 2018
    verdicts = {verdict: count for verdict, _label, _symbol, count in hovedstaden.verdicts}
    assert verdicts[MET] + verdicts[ON_TRACK] >= 1
    # KKR-wide milestones are answered by the secretariat in KKR's words.
    joint_comments = set(JointProgress.objects.values_list("comment", flat=True))
    assert joint_comments and not any("kommunens" in c for c in joint_comments)
    assert any("KKR" in c for c in joint_comments)
    # A line still "i gang" after its deadline does not claim it will make the deadline.
    late = MilestoneStatus.objects.filter(
        report__round__year=2018, report__round__state="published", status="in_progress"
    )
    assert late.exists()
    assert not late.filter(comment__contains="i mål inden fristen").exists()

    # Varied statuses with comments, not one answer copied everywhere.
    statuses = dict(
        MilestoneStatus.objects.filter(report__round__state="published")
        .values_list("status")
        .annotate(n=Count("id"))
    )
    assert {"met", "in_progress", "not_started"} <= set(statuses)
    assert MilestoneStatus.objects.exclude(comment="").values("comment").distinct().count() > 3
    # The demo reporters find their own report in the open round in the agreed shape.
    open_reports = StatusReport.objects.filter(round__year=year)
    assert open_reports.get(municipality__kommunekode=751).state == "submitted"
    returned = open_reports.get(municipality__kommunekode=730)
    assert returned.state == "returned" and returned.review_comment
    partial = open_reports.get(municipality__kommunekode=101)
    assert partial.state == "draft" and partial.lines.exclude(status="").exists()
    # Made through goals.rounds, so the history says who did it.
    submitted = open_reports.get(municipality__kommunekode=751)
    assert submitted.submitted_by.username == "indberetter-751"
    assert submitted.history.filter(history_user__username="indberetter-751").exists()


def test_running_the_demo_again_creates_nothing_new(
    client, demo, django_capture_on_commit_callbacks
):
    before = snapshot()
    published_before = len(demo.published)

    with django_capture_on_commit_callbacks(execute=True):
        output = run_demo("--password", "second-pass-456")

    assert snapshot() == before
    assert len(demo.published) == published_before
    assert "second-pass-456" in output
    # Only the password changed.
    assert client.login(username="indberetter-101", password="second-pass-456")
    assert not client.login(username="indberetter-101", password="demo-pass-123")


def test_without_a_password_a_random_one_is_printed_once(client, demo):
    output = run_demo()

    line = next(line for line in output.splitlines() if "Adgangskode" in line)
    password = line.rsplit(" ", 1)[-1]
    assert len(password) >= 10
    assert output.count(password) == 1
    assert client.login(username="admin", password=password)
