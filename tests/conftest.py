"""A small world for the tests: one region with two clusters and three municipalities, a
paper with goals, milestones and an indicator, a secretariat user, a reporter per
municipality, and a region next door whose staff and reporter must be refused.

Fixtures only; what they are built from, and what the tests build and read beside them, is in
tests/builders.py. The fixtures every test uses without asking keep one test from leaking
into the next (its files, its language, its cache, no render thread outliving it) or keep the
run fast; everything else is asked for by name. A test marked `redis` gets the Redis cache."""

import datetime
import io
import os
import uuid
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.test import override_settings

from goals.models import Goal
from goals.models import Milestone
from goals.models import Theme
from municipalities.models import Cluster
from municipalities.models import Municipality
from municipalities.models import Region
from reports import publishing
from reports import tasks
from tests.builders import FAST_HASHERS
from tests.builders import SCRIPT_COMMENT
from tests.builders import add_goal
from tests.builders import api_client_for
from tests.builders import build_round
from tests.builders import make_paper
from tests.builders import make_user
from tests.builders import opened_round
from tests.builders import run_demo

# --- what every test gets: isolation, and a fast run ---------------------------------------


@pytest.fixture(autouse=True, scope="session")
def _static_root():
    """WhiteNoise serves STATIC_ROOT and warns on every request while `collectstatic` has
    not made it; the tests find static files through the finders instead."""
    from django.conf import settings

    settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Nearly every test makes users, many through tests/builders.py rather than a fixture;
    the production hasher's deliberate slowness is not what they test (logging in still
    checks the password). One override for the whole run."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _danish():
    """Every test starts in Danish, as a request or a command does: a request under /en/
    leaves English active in the test's thread, which would otherwise leak into the next
    test's command or e-mail texts."""
    from django.utils import translation

    translation.activate("da")
    yield
    translation.deactivate()


IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    """Queued jobs run at once, in the test's own thread (django-tasks' ImmediateBackend):
    a worker's database connection could not see the test's uncommitted rows. The papers of
    a publishing are still queued after its commit (`publish` below runs the commit's
    callbacks); tests/test_jobs.py and tests/test_worker_crash.py use the real queue."""
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture(autouse=True)
def _cache(request, settings):
    """Each test has a cache of its own, empty at the start: Django's in-memory cache, which
    needs no server. What it counts (the API's throttles, the reset mails) and keeps (the
    public pages, the sessions, the render leases) is gone with the test.

    A test marked `redis` needs what only a server shared by processes does (the Celery
    broker, the cache as every app process sees it): it gets the Redis cache instead, with a
    key prefix of its own (see `redis_cache`)."""
    if request.node.get_closest_marker("redis"):
        settings.CACHES = {"default": request.getfixturevalue("redis_cache")}
        yield
        return
    from django.core.cache import cache

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"test-{uuid.uuid4().hex}",
        }
    }
    yield
    cache.clear()  # what the test kept goes with it, not only the cache's name


# The Redis of the tests marked `redis`: a database of its own (13), as `make services` starts
# it. Every test has its own key prefix, so it starts with an empty cache and parallel runs
# never see each other's keys; nothing is flushed (that would empty the others' too): the run
# deletes its keys at the end.
TEST_CACHE_URL = os.environ.get("TEST_CACHE_URL", "redis://127.0.0.1:6379/13")


@pytest.fixture(scope="session")
def _redis_run():
    """The key prefix of this run in the tests' Redis, which must answer: a test marked
    `redis` fails (never skips) without it. Its keys are deleted at the end of the run."""
    import redis

    client = redis.Redis.from_url(TEST_CACHE_URL, socket_connect_timeout=2)
    try:
        client.ping()
        down = None
    except redis.RedisError as error:
        down = error
    if down:
        pytest.fail(
            f"This test is marked `redis`: it needs a Redis server at {TEST_CACHE_URL} "
            f"({down}). Start one (`make services`), set TEST_CACHE_URL, or leave these "
            "tests out with `-m 'not redis'`.",
            pytrace=False,
        )
    run = f"test-{uuid.uuid4().hex[:12]}"
    yield run
    for key in client.scan_iter(match=f"{run}-*", count=1000):
        client.delete(key)


@pytest.fixture
def redis_cache(_redis_run):
    """The cache settings of Redis, as in production, under a key prefix of this test's own."""
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": TEST_CACHE_URL,
        "KEY_PREFIX": f"{_redis_run}-{uuid.uuid4().hex[:8]}",
    }


# --- the small world --------------------------------------------------------------------------


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
    paper = make_paper(region, "test-paper.txt")
    theme = Theme.objects.create(paper=paper, order=1, title="Akutfunktioner")
    acute = add_goal(theme, "1", "Effektive akuttilbud")
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
    add_goal(
        theme,
        "2",
        "Unges sundhed",
        order=2,
        milestone="Hver kommune har en strategi for unges sundhed.",
        indicator=("Unge i forløb", "personer"),
    )
    return paper


@pytest.fixture
def development_area(paper):
    """An udviklingsområde of `paper`, still in the pipeline: not reported on."""
    return Goal.objects.create(
        paper=paper,
        number="A",
        order=9,
        title="Sammenhængende forløb for borgere med demens",
        kind=Goal.Kind.DEVELOPMENT_AREA,
        state=Goal.State.PIPELINE,
    )


@pytest.fixture
def open_status_round(paper, municipalities, reporters, secretariat):
    """This year's round of `paper`, opened by the secretariat: a draft per municipality,
    deadline in 30 days."""
    return opened_round(paper, by=secretariat)


@pytest.fixture
def report(open_status_round, municipalities):
    """København's draft in the open round."""
    from goals.models import StatusReport

    return StatusReport.objects.get(round=open_status_round, municipality=municipalities[101])


@pytest.fixture
def reports(open_status_round, municipalities):
    """Every municipality's draft in the open round, by kommunekode."""
    from goals.models import StatusReport

    return {
        code: StatusReport.objects.get(round=open_status_round, municipality=m)
        for code, m in municipalities.items()
    }


# --- people and clients many behaviours share -------------------------------------------------


@pytest.fixture
def reporter(client, reporters):
    """A client logged in as København's reporter."""
    client.force_login(reporters[101])
    return client


@pytest.fixture
def staff(client, secretariat):
    """A client logged in as the region's secretariat."""
    client.force_login(secretariat)
    return client


@pytest.fixture
def superuser_client(client, db):
    client.force_login(make_user("admin", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def colleague(municipalities):
    """A second reporter for København, who saves the same report at the same time."""
    return make_user("indberetter-101-b", municipality=municipalities[101])


# --- the region next door: what its staff and reporters own -----------------------------------


@pytest.fixture
def other_paper(other_region, other_municipality):
    """Syddanmark's paper: one goal with a municipal milestone and an indicator."""
    paper = make_paper(
        other_region, "other-paper.txt", title="Kommunernes rolle i det nære sundhedsvæsen"
    )
    theme = Theme.objects.create(paper=paper, order=1, title="Fokusområder i Syddanmark")
    add_goal(
        theme,
        "A",
        "Klar opgavedeling i Syddanmark",
        milestone="Syddansk milepæl: alle kommuner har røgfri skoletid.",
        indicator=("Rygere", "%"),
    )
    return paper


@pytest.fixture
def other_round(other_paper, other_secretariat):
    """This year's round of Syddanmark's paper, opened."""
    return opened_round(other_paper, by=other_secretariat)


@pytest.fixture
def other_report(other_round, other_municipality):
    from goals.models import StatusReport

    return StatusReport.objects.get(round=other_round, municipality=other_municipality)


# --- rounds of the past, and publishing -------------------------------------------------------


@pytest.fixture
def status_history(paper, municipalities):
    """Two published years of the small paper: 2017 and 2018.

    Milestone 1/1 (each municipality, due end of 2017, baseline 1 of 3):
      2017: København met; Frederiksberg in progress (overdue); Hillerød's report is still a
            draft that claims "met", which does not count (not reported).
      2018: København and Frederiksberg met; Hillerød in progress (overdue), with a comment
            full of markup.
    Milestone 2/1 (each municipality, due end of 2018):
      2017: København in progress and Frederiksberg not started (both on track).
      2018: København met, Frederiksberg not relevant, Hillerød left it blank (not reported).
    The joint milestone 1/2 is in progress in 2017 and met in 2018.
    """
    # kommunekode, goal, milestone: the answer in 2017 and in 2018, each (status, comment).
    answers = [
        (101, "1", 1, ("met", ""), ("met", "Akutteamet lever op til kvalitetsstandarden.")),
        (147, "1", 1, ("in_progress", ""), ("met", "")),
        (219, "1", 1, ("met", "Kladde, ikke indsendt."), ("in_progress", SCRIPT_COMMENT)),
        (101, "2", 1, ("in_progress", ""), ("met", "Strategien er vedtaget i byrådet.")),
        (147, "2", 1, ("not_started", ""), ("not_relevant", "")),
        (219, "2", 1, ("", ""), ("", "")),
    ]
    first = build_round(
        paper,
        2017,
        lines=[(code, goal, order, *in_2017) for code, goal, order, in_2017, _ in answers],
        joint=[("1", 2, "in_progress")],
        decisions=[("1", "continue", "Målet fastholdes.")],
        drafts=[219],
    )
    second = build_round(
        paper,
        2018,
        lines=[(code, goal, order, *in_2018) for code, goal, order, _, in_2018 in answers],
        joint=[("1", 2, "met")],
        decisions=[
            ("1", "continue", "Hillerød følger op i 2019."),
            ("2", "achieved", "Målet er nået og sættes hak ved."),
        ],
    )
    return {2017: first, 2018: second}


@pytest.fixture
def closed_2018(paper, municipalities):
    """2018, closed with the municipalities' answers and ready to publish: København and
    Hillerød met milestone 1/1, Frederiksberg is in progress (2 of 3); København met 2/1; the
    joint milestone 1/2 is met."""
    from goals.models import StatusRound

    return build_round(
        paper,
        2018,
        state=StatusRound.State.CLOSED,
        lines=[
            (101, "1", 1, "met", "Akutteamet er i drift."),
            (147, "1", 1, "in_progress", ""),
            (219, "1", 1, "met", ""),
            (101, "2", 1, "met", ""),
        ],
        joint=[("1", 2, "met")],
    )


@pytest.fixture
def closed_2019(paper, status_history):
    """2019 after the published history, closed but not published: København's answer holds a
    comment the public must not read."""
    from goals.models import StatusRound

    return build_round(
        paper, 2019, state=StatusRound.State.CLOSED, lines=[(101, "2", 1, "met", "Hemmelig kladde")]
    )


@pytest.fixture
def publish(secretariat, django_capture_on_commit_callbacks):
    """Publishes a round as the secretariat does; its papers are rendered when the publishing
    commits, as on a server."""

    def publish(status_round, by=secretariat):
        with django_capture_on_commit_callbacks(execute=True):
            publishing.publish_round(status_round, by=by)
        status_round.refresh_from_db()
        return status_round

    return publish


# --- the real papers --------------------------------------------------------------------------


@pytest.fixture
def loaded(db):
    """The portal as `load_kkr_data` loads it: the five regions, every municipality and the
    papers of fixtures/papers/."""
    from django.core.management import call_command

    call_command("load_kkr_data", stdout=io.StringIO())


# --- single sign-on: Aarhus in Midtjylland, as the identity providers know it (issue 24) ------

AARHUS_CVR = "55133018"
MIDTJYLLAND_CVR = "29190925"
REPORTER_PRIVILEGE = "http://kkrmaal.dk/roles/usersystemrole/indberetter/1"
SECRETARIAT_PRIVILEGE = "http://kkrmaal.dk/roles/usersystemrole/sekretariat/1"


@pytest.fixture
def aarhus(db):
    """Aarhus (751) in Midtjylland with an open round, and the mapping the secretariat keeps
    in the admin: Aarhus's and the region's CVR numbers, and the two roles' privileges."""
    from municipalities.models import Membership
    from municipalities.models import SsoOrganisation
    from municipalities.models import SsoRole

    midtjylland = Region.objects.create(name="Midtjylland", slug="midtjylland", code=1082)
    aarhus = Municipality.objects.create(kommunekode=751, name="Aarhus", region=midtjylland)
    Municipality.objects.create(kommunekode=727, name="Odder", region=midtjylland)
    SsoOrganisation.objects.create(identifier=AARHUS_CVR, municipality=aarhus)
    SsoOrganisation.objects.create(identifier=MIDTJYLLAND_CVR, region=midtjylland)
    SsoRole.objects.create(value=REPORTER_PRIVILEGE, role=Membership.Role.REPORTER)
    SsoRole.objects.create(value=SECRETARIAT_PRIVILEGE, role=Membership.Role.SECRETARIAT)
    paper = make_paper(midtjylland, "midt-paper.txt", title="Sundhedsaftale Midt")
    theme = Theme.objects.create(paper=paper, order=1, title="Forebyggelse")
    add_goal(theme, "1", "Røgfri fremtid", milestone="Røgfri skoletid i alle kommuner.")
    secretariat = make_user("sekretariat-midt", region=midtjylland, is_staff=True)
    aarhus.round = opened_round(paper, by=secretariat)
    aarhus.secretariat = secretariat
    return aarhus


@pytest.fixture
def audit_log(caplog):
    """The audit logger's lines so far, parsed (it does not propagate to the root logger)."""
    import json
    import logging

    logger = logging.getLogger("kkrmaal.audit")
    logger.addHandler(caplog.handler)
    yield lambda: [
        json.loads(record.getMessage()) for record in caplog.records if record.name == logger.name
    ]
    logger.removeHandler(caplog.handler)


@pytest.fixture
def kobenhavn(reporters):
    """The API as København's reporter, with a token of their own."""
    return api_client_for(reporters[101])


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """`manage.py demo --password demo-pass-123`, run once for the whole module (a full run
    takes many seconds); its rows are removed again afterwards.

    The rounds published through reports.publishing.publish_round are recorded instead of
    rendering their PDFs: a test that reads a PDF renders the one it reads."""
    published = []

    def record(publication):
        published.append((publication.round.paper.region.slug, publication.round.year))
        return []

    with (
        pytest.MonkeyPatch.context() as patch,
        override_settings(PASSWORD_HASHERS=FAST_HASHERS),
        django_db_blocker.unblock(),
    ):
        patch.setattr(tasks, "schedule_papers", record)
        try:
            # Outside a test's transaction: every commit happens, so publishing records at
            # once. A demo that fails half-way is flushed too, or its rows would break every
            # later module of this worker.
            output = run_demo("--password", "demo-pass-123")
            yield SimpleNamespace(output=output, published=published)
        finally:
            call_command("flush", interactive=False, verbosity=0)
