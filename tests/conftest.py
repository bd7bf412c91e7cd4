"""A small world for the tests: one region with two clusters and three municipalities, a
paper with goals, milestones and an indicator, a secretariat user, a reporter per
municipality, and a region next door whose staff and reporter must be refused."""

import datetime
import io
import os
import uuid

import pytest
from django.contrib.auth import get_user_model
from pypdf import PdfWriter

from goals.models import Goal
from goals.models import GoalPaper
from goals.models import Indicator
from goals.models import Milestone
from goals.models import Theme
from municipalities.models import Cluster
from municipalities.models import Membership
from municipalities.models import Municipality
from municipalities.models import Region
from reports import publishing

PASSWORD = "kkr-test-password-1"


def small_pdf():
    """A real one-page PDF, as a reporter would upload as evidence."""
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture(autouse=True, scope="session")
def _static_root():
    """WhiteNoise serves STATIC_ROOT and warns on every request while `collectstatic` has
    not made it; the tests find static files through the finders instead."""
    from django.conf import settings

    settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)


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


# The cache (public pages, the reset-mail throttle, the preview locks) lives in Redis, as in
# production, in a database of its own. Every test has its own key prefix, so it starts with
# an empty cache and parallel runs never see each other's keys; nothing is flushed (that
# would empty the others' too): the run deletes its keys at the end.
TEST_CACHE_URL = os.environ.get("TEST_CACHE_URL", "redis://127.0.0.1:6379/13")
CACHE_RUN = f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture(autouse=True, scope="session")
def _cache_cleanup():
    yield
    import redis

    client = redis.Redis.from_url(TEST_CACHE_URL)
    for key in client.scan_iter(match=f"{CACHE_RUN}-*", count=1000):
        client.delete(key)


@pytest.fixture(autouse=True)
def _cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": TEST_CACHE_URL,
            "KEY_PREFIX": f"{CACHE_RUN}-{uuid.uuid4().hex[:8]}",
        }
    }


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


def make_paper(region, source, *, title="KKR-mål for sundhed", first_year=2017, **fields):
    """A goal paper of `region`: KKR-mål, adopted the year it starts, running two years."""
    fields.setdefault("kind", GoalPaper.Kind.KKR_GOALS)
    fields.setdefault("adopted_year", first_year)
    fields.setdefault("last_year", first_year + 1)
    return GoalPaper.objects.create(
        region=region, source=source, title=title, first_year=first_year, **fields
    )


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


def submitted(report, user):
    """The report with every line answered "opfyldt", submitted by `user`."""
    from goals import rounds

    report = rounds.save_report(
        report,
        version=report.version,
        lines={m: {"status": "met"} for m in report.lines.values_list("milestone_id", flat=True)},
        values={},
        by=user,
    )
    return rounds.submit_report(report, by=user)


IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    """Queued jobs run at once, in the test's own thread (django-tasks' ImmediateBackend):
    a worker's database connection could not see the test's uncommitted rows. The papers of
    a publishing are still queued after its commit (`publish` below runs the commit's
    callbacks); tests/test_jobs.py and tests/test_worker_crash.py use the real queue."""
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture(autouse=True)
def _api_throttle_counts(monkeypatch):
    """The API counts each test's requests from zero, in a cache of the test's own: counts
    left over from earlier tests (or another run sharing a Redis) never throttle it."""
    from django.core.cache.backends.locmem import LocMemCache
    from rest_framework.throttling import AnonRateThrottle

    from kkrmaal.api.common import TokenRateThrottle

    cache = LocMemCache(f"api-throttle-{uuid.uuid4()}", {})
    monkeypatch.setattr(TokenRateThrottle, "cache", cache)
    monkeypatch.setattr(AnonRateThrottle, "cache", cache)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Users are made in most tests; the production hasher's deliberate slowness is not
    what they test (logging in still checks the password)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- Status history for the read side and the PDFs (reports app) --------------------------


def build_round(paper, year, *, state="published", lines=(), joint=(), decisions=(), drafts=()):
    """A status round made directly with the ORM: a report per municipality of the paper's
    region (approved, or a draft for the kommunekoder in `drafts`), with `lines` as
    (kommunekode, goal number, milestone order, status, comment), `joint` as
    (goal number, milestone order, status) and `decisions` as (goal number, decision,
    comment). A published round is frozen as its first publication, as publishing does."""
    from django.utils import timezone

    from goals.models import GoalDecision
    from goals.models import JointProgress
    from goals.models import Milestone
    from goals.models import MilestoneStatus
    from goals.models import StatusReport
    from goals.models import StatusRound

    published = state == StatusRound.State.PUBLISHED
    status_round = StatusRound.objects.create(
        paper=paper,
        year=year,
        opens=datetime.date(year, 9, 1),
        deadline=datetime.date(year, 11, 1),
        state=state,
        published_at=timezone.make_aware(datetime.datetime(year, 12, 1, 10)) if published else None,
    )
    milestones = {(m.goal.number, m.order): m for m in Milestone.objects.filter(goal__paper=paper)}
    reports = {}
    for municipality in paper.region.municipalities.all():
        draft = municipality.kommunekode in drafts
        reports[municipality.kommunekode] = StatusReport.objects.create(
            round=status_round,
            municipality=municipality,
            state=StatusReport.State.DRAFT if draft else StatusReport.State.APPROVED,
            submitted_at=None if draft else timezone.make_aware(datetime.datetime(year, 10, 20)),
        )
    for kommunekode, number, order, status, comment in lines:
        MilestoneStatus.objects.create(
            report=reports[kommunekode],
            milestone=milestones[(number, order)],
            status=status,
            comment=comment,
        )
    for number, order, status in joint:
        JointProgress.objects.create(
            round=status_round, milestone=milestones[(number, order)], status=status
        )
    for number, decision, comment in decisions:
        GoalDecision.objects.create(
            round=status_round,
            goal=paper.goals.get(number=number),
            decision=decision,
            comment=comment,
        )
    if published:
        from reports.progress import freeze

        freeze(status_round)
    return status_round


SCRIPT_COMMENT = "Vi mangler <script>alert('x')</script> og </table> en sygeplejerske."


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


# --- the region next door: what its staff and reporters own ----------------------------------


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


# --- clients and helpers many behaviours share -----------------------------------------------


@pytest.fixture
def superuser_client(client, db):
    client.force_login(make_user("admin", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def colleague(municipalities):
    """A second reporter for København, who saves the same report at the same time."""
    return make_user("indberetter-101-b", municipality=municipalities[101])


# Words of a technical error a user must never see instead of a sentence.
TECHNICAL = ("Traceback", "IntegrityError", "Begrænsning", "Constraint", "violates")
# User text that must stay text on every page, e-mail and PDF.
MARKUP = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def assert_polite(text):
    for word in TECHNICAL:
        assert word not in text, word


def report_data(report, **extra):
    """The report form as the browser posts it, every line answered."""
    data = {"version": report.version, "save": "1"}
    for line in report.lines.all():
        key = f"line-{line.milestone_id}"
        data[f"{key}-status"] = "in_progress"
        data[f"{key}-comment"] = "Vi er godt i gang"
        data[f"{key}-evidence_url"] = ""
    for value in report.indicator_values.all():
        data[f"value-{value.indicator_id}"] = "7"
    data.update(extra)
    return data


def first_line(report):
    return report.lines.order_by("milestone__goal__order", "milestone__order").first()


def post_report(client, report, data):
    from django.urls import reverse

    return client.post(reverse("goals:report_form", args=[report.pk]), data)


def save_line(report, line, by, *, version=None, **answer):
    """One line's answer saved by `by` (see `saved`): a reporter's earlier save or, from an
    older `version`, a colleague's."""
    return saved(report, by, {line.milestone_id: answer}, version=version)


def confirm_submission(client, report, **kwargs):
    """Press "Bekræft indsendelse" on the summary, for the version saved now."""
    from django.urls import reverse

    report.refresh_from_db()
    url = reverse("goals:report_confirm", args=[report.pk])
    return client.post(url, {"version": report.version, "confirm": "1"}, **kwargs)


def snapshot(report):
    """Everything a reporter can change in a report, to compare before and after."""
    report.refresh_from_db()
    return (
        report.state,
        report.version,
        sorted(report.lines.values_list("milestone_id", "status", "comment", "evidence_url")),
        sorted(report.indicator_values.values_list("indicator_id", "value")),
    )


def pdf_text(data):
    """A PDF's text, page after page."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def command_error(*args, **options):
    """The message a management command stops with."""
    from django.core.management import CommandError
    from django.core.management import call_command

    with pytest.raises(CommandError) as raised:
        call_command(*args, **options)
    return str(raised.value)


def goal_post_data(goal, **changes):
    """The goal change form as the browser would post it, with empty inlines."""
    data = {
        "paper": goal.paper_id,
        "theme": goal.theme_id or "",
        "parent": goal.parent_id or "",
        "number": goal.number,
        "order": goal.order,
        "title": goal.title,
        "description": goal.description,
        "kind": goal.kind,
        "state": goal.state,
        "national_goal": goal.national_goal,
        "replaces": goal.replaces_id or "",
        **empty_inlines("milestones", "indicators"),
    }
    data.update(changes)
    return data


def empty_inlines(*prefixes):
    """The management forms of the admin inlines `prefixes`, posted with no rows."""
    return {
        f"{prefix}-{field}": count
        for prefix in prefixes
        for field, count in [
            ("TOTAL_FORMS", 0),
            ("INITIAL_FORMS", 0),
            ("MIN_NUM_FORMS", 0),
            ("MAX_NUM_FORMS", 1000),
        ]
    }


# --- building blocks the fixtures above and the behaviours share ------------------------------


def add_goal(theme, number, title, *, order=1, milestone="", indicator=None):
    """A goal under `theme`; with `milestone`, the text of a milestone every municipality
    answers by the end of 2018, and with `indicator`, the (name, unit) of a figure it reports."""
    goal = Goal.objects.create(
        paper=theme.paper, theme=theme, number=number, order=order, title=title
    )
    if milestone:
        Milestone.objects.create(
            goal=goal,
            order=1,
            text=milestone,
            due=datetime.date(2018, 12, 31),
            scope=Milestone.Scope.MUNICIPALITY,
        )
    if indicator:
        name, unit = indicator
        Indicator.objects.create(goal=goal, order=1, name=name, unit=unit)
    return goal


def opened_round(paper, *, by, year=None, opens=None, deadline=None):
    """A round of `paper` opened by `by`, a draft per municipality: by default this year's,
    opening today with the deadline in 30 days."""
    from django.utils import timezone

    from goals import rounds
    from goals.models import StatusRound

    today = timezone.localdate()
    status_round = StatusRound.objects.create(
        paper=paper,
        year=year or today.year,
        opens=opens or today,
        deadline=deadline or today + datetime.timedelta(days=30),
    )
    return rounds.open_round(status_round, by=by)


def saved(report, user, lines, values=None, *, version=None):
    """`report` saved by `user` as the report form saves it: `lines` as {milestone id: {field:
    value}}, `values` as {indicator id: value}, from `version` (default: the report's own)."""
    from goals import rounds

    return rounds.save_report(
        report,
        version=report.version if version is None else version,
        lines=lines,
        values=values or {},
        by=user,
    )


def republish_corrected(status_round, by, comment, kommunekode=219):
    """The reopened `status_round` with the municipality's answer to milestone 1/1 corrected
    to `comment` (as the secretariat's admin saves a line), closed and published again."""
    from goals import rounds

    line = status_round.reports.get(municipality__kommunekode=kommunekode).lines.get(
        milestone__goal__number="1", milestone__order=1
    )
    line.comment = comment
    line.save()
    rounds.close_round(status_round, by=by)
    return publishing.publish_round(status_round, by=by)


def with_evidence(report, user, name="bilag.pdf"):
    """`report` with a small PDF uploaded by `user` as evidence for its first line, and that
    line."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(name, small_pdf())
    report = saved(report, user, {report.lines.first().milestone_id: {"evidence_file": upload}})
    return report, report.lines.exclude(evidence_file="").get()


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
def publish(secretariat, django_capture_on_commit_callbacks):
    """Publishes a round as the secretariat does; its papers are rendered when the publishing
    commits, as on a server."""

    def publish(status_round, by=secretariat):
        with django_capture_on_commit_callbacks(execute=True):
            publishing.publish_round(status_round, by=by)
        status_round.refresh_from_db()
        return status_round

    return publish


def public_urls(goal, *, years=(), kommunekoder=()):
    """The public pages around `goal`: the front page, its region's page, the status pages of
    `years`, the goal's page and the pages of the municipalities `kommunekoder`."""
    region = goal.paper.region.slug
    return [
        "/",
        f"/{region}/",
        *(f"/{region}/status/{year}/" for year in years),
        f"/{region}/maal/{goal.pk}/",
        *(f"/{region}/kommuner/{kommunekode}/" for kommunekode in kommunekoder),
    ]


def page_html(client, url):
    """The HTML of the page at `url`, which must answer 200."""
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.fixture
def loaded(db):
    """The portal as `load_kkr_data` loads it: the five regions, every municipality and the
    papers of fixtures/papers/."""
    from django.core.management import call_command

    call_command("load_kkr_data", stdout=io.StringIO())


@pytest.fixture
def closed_2019(paper, status_history):
    """2019 after the published history, closed but not published: København's answer holds a
    comment the public must not read."""
    from goals.models import StatusRound

    return build_round(
        paper, 2019, state=StatusRound.State.CLOSED, lines=[(101, "2", 1, "met", "Hemmelig kladde")]
    )
