"""The demo installation: one account for every role and a believable status history.

`python manage.py demo` loads the data and then calls `create_demo_users` and
`build_demo_history`. The history is made only through the functions of `goals/rounds.py`
(open, save, submit, return, approve, joint progress, close, decide, publish), the way the
secretariat and the municipalities would make it, so it exercises the same rules and leaves
the same change history. Randomness is seeded per paper and year, so every install tells the
same story; a round that exists already is left alone, so running the demo again adds nothing.
"""

import datetime
import random
import secrets
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from goals import rounds
from goals.loading import FIXTURES_DIR
from goals.models import Goal
from goals.models import GoalDecision
from goals.models import GoalPaper
from goals.models import Indicator
from goals.models import JointProgress
from goals.models import Milestone
from goals.models import MilestoneStatus
from goals.models import StatusReport
from goals.models import StatusRound
from goals.series_import import read_series
from goals.series_import import store_series
from goals.sheets import read_sheet
from municipalities.models import Membership
from municipalities.models import Municipality
from municipalities.models import Region
from reports import publishing
from reports.models import Publication

# The papers the demo history is about: the adopted goals with milestones to report on.
# Each gets a published round for every year of its period (the years it was in force) and
# this year's open round, so the forms can be tried.
DEMO_PAPERS = {
    "hovedstaden": "001_b6c4e8802b7d46aa.txt",  # KKR-mål for sundhed 2017–2018
    "midtjylland": "002_73cf8f81b5b917b6.txt",  # de fire målsætninger 2013–2014
    "syddanmark": "003_34f1144947dbb059.txt",  # kommunernes rolle … (undated; 2023)
}
REPORTER_CODES = [101, 147, 751, 730, 461, 621]

# The demo reporters' own municipalities get a fixed part in the open round, so each
# account has something to show: a half-filled draft, a fresh one, a returned report, ...
OPEN_ROUND_PARTS = {
    101: "partial",
    147: "untouched",
    751: "submitted",
    730: "returned",
    461: "partial",
    621: "submitted",
}

Status = MilestoneStatus.Status
# Whether the milestone's deadline falls within the round's year (or before): the same line
# reads differently before and after its deadline, so the comments follow the phase.
AHEAD, DUE = "ahead", "due"
MUNICIPAL_COMMENTS = {
    Status.MET: [
        "Opfyldt. Indsatsen er i drift og beskrevet i kommunens sundhedspolitik.",
        "Opfyldt: aftalen er indgået og implementeret i alle relevante enheder.",
        "Målet er nået; vi følger op i det tværgående sundhedsudvalg.",
        "",
    ],
    (Status.IN_PROGRESS, AHEAD): [
        "Arbejdet er i gang, og vi forventer at være i mål inden fristen.",
        "Projektgruppen er nedsat, og de første borgerforløb er startet.",
        "Delvist på plads: aftalen med almen praksis mangler endnu.",
        "I gang i to af kommunens tre distrikter.",
    ],
    (Status.IN_PROGRESS, DUE): [
        (
            "Ikke nået inden fristen: aftalen med almen praksis mangler. Vi forventer at være "
            "i mål i første halvår."
        ),
        "Forsinket på grund af rekrutteringsproblemer; tilbuddet er i drift i en del af kommunen.",
        "I gang, men senere end planlagt: sagen behandles i udvalget i foråret.",
    ],
    (Status.NOT_STARTED, AHEAD): [
        "Ikke påbegyndt endnu; indsatsen er planlagt til næste år.",
        "Afventer den fælles model fra sekretariatet.",
    ],
    (Status.NOT_STARTED, DUE): [
        "Ikke påbegyndt på grund af manglende ressourcer; prioriteres i næste budget.",
    ],
    Status.NOT_RELEVANT: [
        "Ikke relevant for kommunen, da opgaven løses i klyngen.",
    ],
}
# Joint (KKR-wide) and cluster milestones are the secretariat's answer for all the
# municipalities together, so they speak of KKR and the working group, not of "kommunen".
JOINT_COMMENTS = {
    Status.MET: [
        "Opfyldt: KKR har godkendt resultatet, og det er sendt til alle kommuner.",
        "Opfyldt. Den tværkommunale arbejdsgruppe har afsluttet opgaven.",
        "Opfyldt og drøftet på KKR's møde; materialet ligger på sekretariatets side.",
    ],
    (Status.IN_PROGRESS, AHEAD): [
        (
            "I gang: en tværkommunal arbejdsgruppe er nedsat og forelægger et udkast for KKR "
            "inden fristen."
        ),
        "Sekretariatet samler kommunernes bidrag; sagen behandles i KKR senere på året.",
    ],
    (Status.IN_PROGRESS, DUE): [
        (
            "Ikke nået inden fristen: arbejdsgruppen er i gang, og KKR behandler sagen i "
            "første halvår."
        ),
    ],
}
# How the municipalities answer a milestone before and in (or after) its deadline year.
MUNICIPAL_WEIGHTS = {
    AHEAD: {Status.MET: 35, Status.IN_PROGRESS: 50, Status.NOT_STARTED: 12, Status.NOT_RELEVANT: 3},
    DUE: {Status.MET: 82, Status.IN_PROGRESS: 14, Status.NOT_STARTED: 2, Status.NOT_RELEVANT: 2},
}
# The chance that KKR has a joint milestone done before, and in, its deadline year.
JOINT_MET = {AHEAD: 0.25, DUE: 0.7}
RETURN_COMMENTS = [
    "Uddyb venligst status for milepælene i gang: hvad mangler, og hvornår forventes de nået?",
    "Tilføj gerne et link til den politisk godkendte plan som dokumentation.",
]
RESUBMIT_COMMENT = "Uddybet efter sekretariatets kommentar: planen behandles i udvalget i år."
CONTINUE_COMMENT = "Målet fastholdes; status følges op næste år."
CONTINUE_AFTER_PERIOD = (
    "Målet er ikke nået ved periodens udgang. KKR fastholder det og følger op i de "
    "kommende statusrunder."
)
ACHIEVED_COMMENT = "Næsten alle kommuner har opfyldt målet; der sættes hak."
ACHIEVED_JOINT_COMMENT = "Milepælene er nået i fællesskab; der sættes hak."


@dataclass
class DemoUsers:
    admin: object
    secretariats: dict = field(default_factory=dict)  # region slug -> user
    reporters: dict = field(default_factory=dict)  # kommunekode -> user
    created: list = field(default_factory=list)  # usernames created by this run


def new_password():
    return secrets.token_urlsafe(9)


def _demo_user(username, password, created, **flags):
    """The demo account, created with `flags` the first time; later only its password is
    reset, so whatever else was changed in the demo stays as it is."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is not None:
        user.set_password(password)
        user.save(update_fields=["password"])
        return user
    user = User(username=username, email=f"{username}@example.dk", **flags)
    user.set_password(password)
    user.save()
    created.append(username)
    return user


@transaction.atomic
def create_demo_users(password):
    """`admin`, `sekretariat-<slug>` for every region and `indberetter-<kode>` for the demo
    municipalities, all with `password`."""
    created = []
    users = DemoUsers(
        admin=_demo_user("admin", password, created, is_staff=True, is_superuser=True)
    )
    for region in Region.objects.order_by("name"):
        user = _demo_user(
            f"sekretariat-{region.slug}",
            password,
            created,
            is_staff=True,
            first_name="Sekretariatet",
            last_name=region.kkr_name,
        )
        Membership.objects.get_or_create(user=user, role=Membership.Role.SECRETARIAT, region=region)
        users.secretariats[region.slug] = user
    for municipality in Municipality.objects.filter(kommunekode__in=REPORTER_CODES).order_by(
        "kommunekode"
    ):
        # A full name, as a real account has: the pages show it wherever "af" stands.
        user = _demo_user(
            f"indberetter-{municipality.kommunekode}",
            password,
            created,
            first_name="Indberetter",
            last_name=municipality.name,
        )
        Membership.objects.get_or_create(
            user=user, role=Membership.Role.REPORTER, municipality=municipality
        )
        users.reporters[municipality.kommunekode] = user
    users.created = created
    return users


# --- the status history ----------------------------------------------------------------


def _aware(day, hour=10):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _phase(milestone, paper, year):
    """AHEAD while the milestone's deadline lies after the round's year, DUE from its
    deadline year on; a milestone without a deadline is due by the end of the paper."""
    due_year = milestone.due.year if milestone.due else paper.last_year
    return AHEAD if year < due_year else DUE


def _comment(rng, comments, status, phase):
    return rng.choice(comments.get((status, phase)) or comments[status])


class _RoundStory:
    """Plays one round of one paper through goals.rounds."""

    def __init__(self, paper, year, users, earlier, *, first=False, last=False):
        self.paper = paper
        self.year = year
        self.first = first  # the paper's first round: start from the printed baselines
        self.last = last  # the last round of the paper's period: the goals are settled
        self.secretariat = users.secretariats[paper.region.slug]
        self.reporters = users.reporters
        # (municipality_id, milestone_id) -> status in the previous round: progress sticks.
        self.earlier = earlier
        self.rng = random.Random(f"kkr-demo:{paper.source}:{year}")

    def reporter(self, report):
        return self.reporters.get(report.municipality.kommunekode)

    def status_for(self, report, milestone, phase):
        before = self.earlier.get((report.municipality_id, milestone.pk))
        if before in (Status.MET, Status.NOT_RELEVANT):
            return before
        weights = dict(MUNICIPAL_WEIGHTS[phase])
        if self.first and milestone.baseline_of:
            # Start from the baseline the paper prints (Midtjylland's 18 of 19).
            share = milestone.baseline_count / milestone.baseline_of
            weights[Status.MET] = max(weights[Status.MET], round(share * 100))
        choices, odds = zip(*weights.items(), strict=True)
        return self.rng.choices(choices, odds)[0]

    def answers(self, report, lines, comment=None):
        answered = {}
        for line in lines:
            phase = _phase(line.milestone, self.paper, self.year)
            status = self.status_for(report, line.milestone, phase)
            self.earlier[(report.municipality_id, line.milestone_id)] = status
            text = comment or _comment(self.rng, MUNICIPAL_COMMENTS, status, phase)
            answered[line.milestone_id] = {"status": status, "comment": text, "evidence_url": ""}
        return answered

    def values(self, report):
        return {
            value.indicator_id: Decimal(self.rng.randint(20, 140))
            for value in report.indicator_values.all()
        }

    def fill_in(self, report, share=1.0):
        lines = list(report.lines.select_related("milestone"))
        if share < 1.0:
            lines = lines[: max(1, int(len(lines) * share))] if lines else []
        return rounds.save_report(
            report,
            version=report.version,
            lines=self.answers(report, lines),
            values=self.values(report) if share >= 1.0 else {},
            by=self.reporter(report),
        )

    def submit(self, report):
        report = self.fill_in(report)
        return rounds.submit_report(report, by=self.reporter(report))

    def send_back_and_resubmit(self, report):
        report = rounds.return_report(
            report, comment=self.rng.choice(RETURN_COMMENTS), by=self.secretariat
        )
        lines = list(report.lines.all())
        revised = {
            line.milestone_id: {"status": line.status, "comment": RESUBMIT_COMMENT}
            for line in lines
            if line.status == Status.IN_PROGRESS
        }
        report = rounds.save_report(
            report, version=report.version, lines=revised, values={}, by=self.reporter(report)
        )
        return rounds.submit_report(report, by=self.reporter(report))

    def reports(self, status_round):
        return list(
            status_round.reports.select_related("municipality").order_by(
                "municipality__kommunekode"
            )
        )

    def joint_progress(self, status_round):
        for progress in status_round.joint_progress.select_related("milestone").order_by("pk"):
            key = ("joint", progress.milestone_id, progress.cluster_id)
            phase = _phase(progress.milestone, self.paper, self.year)
            met = self.earlier.get(key) == Status.MET or self.rng.random() < JOINT_MET[phase]
            status = Status.MET if met else Status.IN_PROGRESS
            self.earlier[key] = status
            rounds.record_joint_progress(
                progress,
                status=status,
                comment=_comment(self.rng, JOINT_COMMENTS, status, phase),
                by=self.secretariat,
            )

    def play_past(self, status_round):
        rounds.open_round(status_round, by=self.secretariat)
        for report in self.reports(status_round):
            report = self.submit(report)
            if self.rng.random() < 0.12 and report.lines.exists():
                report = self.send_back_and_resubmit(report)
            rounds.approve_report(report, by=self.secretariat)
        self.joint_progress(status_round)
        rounds.close_round(status_round, by=self.secretariat)
        for goal, share, municipal in self.met_shares(status_round):
            # At the end of the period KKR ticks off a goal nearly everybody has met and
            # keeps the rest; before that every goal simply continues.
            decision, comment = GoalDecision.Decision.CONTINUE, CONTINUE_COMMENT
            if self.last and share >= 0.85:
                decision = GoalDecision.Decision.ACHIEVED
                comment = ACHIEVED_COMMENT if municipal else ACHIEVED_JOINT_COMMENT
            elif self.last:
                comment = CONTINUE_AFTER_PERIOD
            rounds.decide_goal(
                status_round, goal, decision=decision, comment=comment, by=self.secretariat
            )
        # Published by _play_round once the timestamps are in the round's own year, so the
        # frozen record shows those dates.

    def met_shares(self, status_round):
        """(goal, share of its answers reported as met, whether municipalities answer it) for
        each reported goal; the answers are the municipal lines and the secretariat's rows."""
        goals = {}
        municipal = set()
        for m in Milestone.objects.reported_on(self.paper).select_related("goal"):
            goals.setdefault(m.goal, [])
        lines = MilestoneStatus.objects.filter(report__round=status_round).select_related(
            "milestone__goal"
        )
        joint = status_round.joint_progress.select_related("milestone__goal")
        for line in lines:
            municipal.add(line.milestone.goal)
        for line in [*lines, *joint]:
            goals.setdefault(line.milestone.goal, []).append(line.status == Status.MET)
        return [
            (goal, sum(met) / len(met) if met else 0.0, goal in municipal)
            for goal, met in sorted(goals.items(), key=lambda item: item[0].order)
        ]

    def play_open(self, status_round):
        rounds.open_round(status_round, by=self.secretariat)
        for report in self.reports(status_round):
            part = OPEN_ROUND_PARTS.get(report.municipality.kommunekode) or self.rng.choice(
                ["untouched", "partial", "partial", "submitted", "submitted", "approved"]
            )
            if part == "partial":
                self.fill_in(report, share=0.5)
            elif part in ("submitted", "approved", "returned"):
                report = self.submit(report)
                if part == "approved":
                    rounds.approve_report(report, by=self.secretariat)
                elif part == "returned":
                    rounds.return_report(
                        report, comment=self.rng.choice(RETURN_COMMENTS), by=self.secretariat
                    )
        self.joint_progress(status_round)


def _backdate(status_round, year):
    """Move a past round's timestamps into its own year. The functions stamp "now", which
    would make a 2024 round look submitted today; this touches timestamps only."""
    opens = datetime.date(year, 9, 1)
    deadline = datetime.date(year, 10, 15)
    rng = random.Random(f"kkr-demo-dates:{status_round.pk}")
    StatusRound.objects.filter(pk=status_round.pk).update(
        opened_at=_aware(opens),
        closed_at=_aware(deadline + datetime.timedelta(days=14)),
    )
    for report in status_round.reports.all():
        submitted = deadline - datetime.timedelta(days=rng.randint(0, 30))
        reviewed = deadline + datetime.timedelta(days=rng.randint(1, 10))
        StatusReport.objects.filter(pk=report.pk).update(
            submitted_at=_aware(submitted, 14),
            reviewed_at=_aware(reviewed, 11),
            updated_at=_aware(reviewed, 11),
        )
    JointProgress.objects.filter(round=status_round).update(
        updated_at=_aware(deadline + datetime.timedelta(days=7))
    )
    GoalDecision.objects.filter(round=status_round).update(
        decided_at=_aware(deadline + datetime.timedelta(days=21))
    )


def demo_years(paper, today):
    """The years the demo publishes a round for: each year the paper was in force, up to
    last year."""
    return [year for year in range(paper.first_year, paper.last_year + 1) if year < today.year]


def build_demo_history(users, today=None):
    """For each demo paper a published round for every year it was in force and this year's
    open round; returns the rounds it created (none when they exist already).

    The open round belongs to the same paper: its goals not ticked off were kept ("fastholdt")
    by the decisions of the last published round, so this year's round follows them up. That
    is what goals.rounds allows: rounds for an adopted (or proposed) paper in any year.
    """
    today = today or timezone.localdate()
    created = []
    # Each step would e-mail the demo users; the history is made quietly.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        for slug, source in DEMO_PAPERS.items():
            paper = GoalPaper.objects.filter(source=source, region__slug=slug).first()
            if paper is None or slug not in users.secretariats:
                continue
            earlier = {}
            past = demo_years(paper, today)
            for year in [*past, today.year]:
                story = _RoundStory(
                    paper,
                    year,
                    users,
                    earlier,
                    first=year == past[0] if past else False,
                    last=year == past[-1] if past else False,
                )
                status_round = _play_round(story, today, past=year in past)
                if status_round is not None:
                    created.append(status_round)
    return created


def _play_round(story, today, *, past):
    paper, year = story.paper, story.year
    existing = StatusRound.objects.filter(paper=paper, year=year).first()
    if existing is not None:
        # Remember how far the municipalities came, so a later round continues the story.
        for line in MilestoneStatus.objects.filter(report__round=existing).select_related("report"):
            story.earlier[(line.report.municipality_id, line.milestone_id)] = line.status
        for row in existing.joint_progress.all():
            story.earlier[("joint", row.milestone_id, row.cluster_id)] = row.status
        return None
    with transaction.atomic():
        if past:
            # The functions rightly refuse municipal edits after the deadline, so the past
            # round is played with its deadline still ahead and gets its own dates after.
            status_round = StatusRound.objects.create(
                paper=paper, year=year, opens=datetime.date(year, 9, 1), deadline=today
            )
            story.play_past(status_round)
            status_round.refresh_from_db()
            status_round.deadline = datetime.date(year, 10, 15)
            status_round._history_user = story.secretariat
            status_round.save()
            _backdate(status_round, year)
            publishing.publish_round(status_round, by=story.secretariat)
            published_at = _aware(status_round.deadline + datetime.timedelta(days=30))
            StatusRound.objects.filter(pk=status_round.pk).update(published_at=published_at)
            Publication.objects.filter(round=status_round).update(published_at=published_at)
        else:
            status_round = StatusRound.objects.create(
                paper=paper,
                year=year,
                opens=today - datetime.timedelta(days=7),
                deadline=today + datetime.timedelta(days=30),
            )
            story.play_open(status_round)
    return status_round


# The sample series of fixtures/series/ (illustrative figures, not official ones: see its
# README), each on an indicator of Midtjylland's goal 1 ("forebygge uhensigtsmæssige
# indlæggelser og genindlæggelser"): (region, paper source, goal number, indicator, unit,
# file, the column of its value when the table has several).
DEMO_SERIES = [
    (
        "midtjylland",
        "002_73cf8f81b5b917b6.txt",
        "1.2",
        "Forebyggelige indlæggelser blandt ældre",
        "pr. 1.000 borgere 65+",
        "forebyggelige-indlaeggelser-midtjylland.csv",
        "",
    ),
    (
        "midtjylland",
        "002_73cf8f81b5b917b6.txt",
        "1.3",
        "Akutte genindlæggelser inden for 30 dage",
        "pct.",
        "genindlaeggelser-midtjylland.xlsx",
        "Andel genindlagt (pct.)",
    ),
]
DEMO_INDICATOR_NOTE = (
    "Demoens eksempel: papiret nævner indlæggelser og genindlæggelser, men fastsætter ingen "
    "indikator. Serien er eksempeldata, ikke officielle tal."
)


def import_demo_series(by=None, fixtures_dir=FIXTURES_DIR):
    """The sample series of `fixtures/series/`, each imported (`goals.series_import`, as the
    admin and `manage.py import_series` do) onto a demo indicator of its goal, made when
    missing. Importing again replaces the values: running the demo again changes nothing.
    Returns the series stored."""
    stored = []
    for slug, source, number, name, unit, file_name, column in DEMO_SERIES:
        goal = Goal.objects.filter(
            paper__region__slug=slug, paper__source=source, number=number
        ).first()
        if goal is None:
            continue
        indicator = Indicator.objects.filter(goal=goal, name=name).first()
        if indicator is None:
            indicator = Indicator.objects.create(
                goal=goal,
                order=goal.indicators.count() + 1,
                name=name,
                unit=unit,
                direction=Indicator.Direction.LOWER,
                description=DEMO_INDICATOR_NOTE,
            )
        path = fixtures_dir / "series" / file_name
        with open(path, "rb") as handle:
            sheet = read_sheet(File(handle, name=file_name))
        plan = read_series(sheet, indicator, value_column=column)
        if plan.errors:
            raise ValueError(f"{file_name}: " + "; ".join(str(e) for e in plan.errors))
        series, _replaced = store_series(plan, by=by, file_name=file_name)
        stored.append(series)
    return stored
