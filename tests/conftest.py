"""A small world for the tests: one region with two clusters and three municipalities, a
paper with goals, milestones and an indicator, a secretariat user, a reporter per
municipality, and a region next door whose staff and reporter must be refused."""

import datetime

import pytest
from django.contrib.auth import get_user_model

from goals.models import Goal, GoalPaper, Indicator, Milestone, Theme
from municipalities.models import Cluster, Membership, Municipality, Region

PASSWORD = "kkr-test-password-1"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def region(db):
    return Region.objects.create(name="Hovedstaden", slug="hovedstaden", code=1084)


@pytest.fixture
def other_region(db):
    return Region.objects.create(name="Syddanmark", slug="syddanmark", code=1083)


@pytest.fixture
def clusters(region):
    return {
        "Byen": Cluster.objects.create(region=region, name="Byen", order=1),
        "Nord": Cluster.objects.create(region=region, name="Nord", order=2),
    }


@pytest.fixture
def municipalities(region, clusters):
    return {
        101: Municipality.objects.create(
            kommunekode=101, name="København", region=region, cluster=clusters["Byen"]
        ),
        147: Municipality.objects.create(
            kommunekode=147, name="Frederiksberg", region=region, cluster=clusters["Byen"]
        ),
        219: Municipality.objects.create(
            kommunekode=219, name="Hillerød", region=region, cluster=clusters["Nord"]
        ),
    }


@pytest.fixture
def other_municipality(other_region):
    return Municipality.objects.create(kommunekode=461, name="Odense", region=other_region)


def make_user(username, *, region=None, municipality=None, **extra):
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, email=f"{username}@example.dk", **extra
    )
    if region is not None:
        Membership.objects.create(user=user, role=Membership.Role.SECRETARIAT, region=region)
    if municipality is not None:
        Membership.objects.create(
            user=user, role=Membership.Role.REPORTER, municipality=municipality
        )
    return user


@pytest.fixture
def secretariat(region):
    return make_user("sekretariat-hovedstaden", region=region, is_staff=True)


@pytest.fixture
def other_secretariat(other_region):
    return make_user("sekretariat-syddanmark", region=other_region, is_staff=True)


@pytest.fixture
def reporters(municipalities):
    return {
        code: make_user(f"indberetter-{code}", municipality=municipality)
        for code, municipality in municipalities.items()
    }


@pytest.fixture
def other_reporter(other_municipality):
    return make_user("indberetter-461", municipality=other_municipality)


@pytest.fixture
def paper(region):
    """A small paper shaped like Hovedstaden's: two goals, milestones of every scope."""
    paper = GoalPaper.objects.create(
        region=region,
        title="KKR-mål for sundhed",
        kind=GoalPaper.Kind.KKR_GOALS,
        adopted_year=2017,
        first_year=2017,
        last_year=2018,
        source="test-paper.txt",
    )
    theme = Theme.objects.create(paper=paper, order=1, title="Akutfunktioner")
    acute = Goal.objects.create(
        paper=paper, theme=theme, number="1", order=1, title="Effektive akuttilbud"
    )
    youth = Goal.objects.create(
        paper=paper, theme=theme, number="2", order=2, title="Unges sundhed"
    )
    Milestone.objects.create(
        goal=acute,
        order=1,
        text="Alle kommuner har en akutfunktion, der lever op til kvalitetsstandarden.",
        due=datetime.date(2017, 12, 31),
        due_text="inden udgangen af 2017",
        scope=Milestone.Scope.MUNICIPALITY,
        baseline_count=1,
        baseline_of=3,
        baseline_year=2016,
    )
    Milestone.objects.create(
        goal=acute,
        order=2,
        text="Kommunerne udarbejder en fælles plan.",
        due=datetime.date(2018, 12, 31),
        scope=Milestone.Scope.JOINT,
    )
    Milestone.objects.create(
        goal=youth,
        order=1,
        text="Hver kommune har en strategi for unges sundhed.",
        due=datetime.date(2018, 12, 31),
        scope=Milestone.Scope.MUNICIPALITY,
    )
    Indicator.objects.create(goal=youth, order=1, name="Unge i forløb", unit="personer")
    return paper


@pytest.fixture
def open_status_round(paper, municipalities, reporters, secretariat):
    """This year's round of `paper`, opened by the secretariat: a draft per municipality,
    deadline in 30 days."""
    from django.utils import timezone

    from goals import rounds
    from goals.models import StatusRound

    today = timezone.localdate()
    status_round = StatusRound.objects.create(
        paper=paper, year=today.year, opens=today, deadline=today + datetime.timedelta(days=30)
    )
    return rounds.open_round(status_round, by=secretariat)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Users are made in most tests; the production hasher's deliberate slowness is not
    what they test (logging in still checks the password)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
