"""What the tests build and read, in one place: the rows of the small world (users, papers,
rounds, reports and their answers), what a browser posts (the report form, an upload, the
admin's goal form, any page's form as it stands), and what a user gets back (a page, a PDF's
text, the message a command stops with). conftest.py makes its fixtures from these; a test
imports the ones it uses from here."""

import datetime
import io
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from pypdf import PdfWriter
from rest_framework.test import APIClient

from goals.models import Goal
from goals.models import GoalPaper
from goals.models import Indicator
from goals.models import IndicatorObservation
from goals.models import IndicatorSeries
from goals.models import Milestone
from municipalities import tokens
from municipalities.models import Membership
from reports import publishing

PASSWORD = "kkr-test-password-1"

# A comment full of markup, kept by the status history (conftest's `status_history`).
SCRIPT_COMMENT = "Vi mangler <script>alert('x')</script> og </table> en sygeplejerske."
# Words of a technical error a user must never see instead of a sentence.
TECHNICAL = ("Traceback", "IntegrityError", "Begrænsning", "Constraint", "violates")
# User text that must stay text on every page, e-mail and PDF.
MARKUP = '<script>alert("x")</script><img src=x onerror=alert(1)>'


# --- the world: users, papers, rounds ----------------------------------------------------------


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


def make_paper(region, source, *, title="KKR-mål for sundhed", first_year=2017, **fields):
    """A goal paper of `region`: KKR-mål, adopted the year it starts, running two years."""
    fields.setdefault("kind", GoalPaper.Kind.KKR_GOALS)
    fields.setdefault("adopted_year", first_year)
    fields.setdefault("last_year", first_year + 1)
    return GoalPaper.objects.create(
        region=region, source=source, title=title, first_year=first_year, **fields
    )


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


# --- a report's answers, saved through the domain functions -----------------------------------


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


def save_line(report, line, by, *, version=None, **answer):
    """One line's answer saved by `by` (see `saved`): a reporter's earlier save or, from an
    older `version`, a colleague's."""
    return saved(report, by, {line.milestone_id: answer}, version=version)


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


def small_pdf(extra=None):
    """A real one-page PDF, as a reporter would upload as evidence; `extra(writer)` adds to
    it (pypdf objects in its catalogue, an attachment)."""
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if extra:
        extra(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def with_evidence(report, user, name="bilag.pdf"):
    """`report` with a small PDF uploaded by `user` as evidence for its first line, and that
    line."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(name, small_pdf())
    report = saved(report, user, {report.lines.first().milestone_id: {"evidence_file": upload}})
    return report, report.lines.exclude(evidence_file="").get()


def make_series(
    indicator, municipalities, *, source="Danmarks Statistik, Statistikbanken", table="UNGE1"
):
    """A series of the indicator: each municipality's, the region's and the country's value
    for 2015–2020 (København 12,5 in 2015, one less each year)."""
    series = IndicatorSeries.objects.create(
        indicator=indicator,
        source_name=source,
        source_url="https://www.statistikbanken.dk/UNGE1",
        table_id=table,
        title="Unge i forløb efter område og tid",
        unit="pct.",
        fetched_on=datetime.date(2024, 4, 2),
    )
    rows = []
    for offset, municipality in enumerate(municipalities):
        for i, year in enumerate(range(2015, 2021)):
            value = Decimal("12.5") - i + offset * 3
            rows.append(
                IndicatorObservation(
                    series=series, municipality=municipality, year=year, value=value
                )
            )
    region = municipalities[0].region
    for i, year in enumerate(range(2015, 2021)):
        rows.append(
            IndicatorObservation(series=series, region=region, year=year, value=Decimal(15 - i))
        )
        rows.append(IndicatorObservation(series=series, year=year, value=Decimal(16 - i)))
    IndicatorObservation.objects.bulk_create(rows)
    series.save()  # as store_series: the public pages are told
    return series


# --- what a browser posts ---------------------------------------------------------------------


def filled_in(
    report, *, status="in_progress", comment="Vi er godt i gang", value="7", button="save", **fields
):
    """The report form as the browser posts it: every line answered with `status` and
    `comment` (no link), every figure with `value`, the version the page was made from, the
    `button` pressed ("save", "submit"), and `fields` on top (a line's own field, an upload,
    another `version`)."""
    data = {"version": report.version, button: "1"}
    for line in report.lines.all():
        key = f"line-{line.milestone_id}"
        data[f"{key}-status"] = status
        data[f"{key}-comment"] = comment
        data[f"{key}-evidence_url"] = ""
    for figure in report.indicator_values.all():
        data[f"value-{figure.indicator_id}"] = value
    data.update(fields)
    return data


def post_report(client, report, data):
    from django.urls import reverse

    return client.post(reverse("goals:report_form", args=[report.pk]), data)


def post_file(client, report, upload, **fields):
    """`upload` posted as the evidence of the report's first line, the form filled in (see
    `filled_in`), and the page that follows; with that line as it is after."""
    from django.urls import reverse

    line = first_line(report)
    data = filled_in(report, **{f"line-{line.milestone_id}-evidence_file": upload, **fields})
    response = client.post(reverse("goals:report_form", args=[report.pk]), data, follow=True)
    line.refresh_from_db()
    return response, line


def confirm_submission(client, report, **kwargs):
    """Press "Bekræft indsendelse" on the summary, for the version saved now."""
    from django.urls import reverse

    report.refresh_from_db()
    url = reverse("goals:report_confirm", args=[report.pk])
    return client.post(url, {"version": report.version, "confirm": "1"}, **kwargs)


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


class _FormFields(HTMLParser):
    """Every field of a page's form as the browser would send it (the page's first button
    included), so a test posts exactly what a stale page shows."""

    def __init__(self):
        super().__init__()
        self.data, self._textarea, self._select = {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("checkbox", "radio", "file"):
            self.data.setdefault(name, attrs.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and "selected" in attrs:
            self.data[self._select] = attrs.get("value") or ""

    def handle_data(self, data):
        if self._textarea:
            # Browsers drop the newline that follows <textarea>.
            start = not self.data[self._textarea]
            self.data[self._textarea] += data[1:] if start and data[:1] == "\n" else data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None


def page_form(client, url):
    """The form of the page at `url` as the browser would send it unchanged."""
    return page_form_from(client.get(url).content.decode())


def page_form_from(html):
    parser = _FormFields()
    parser.feed(html)
    parser.data.pop("csrfmiddlewaretoken", None)
    return parser.data


# --- what a user gets back --------------------------------------------------------------------


def row_of(page, name):
    """The row (HTML) that names `name` in the page's last table (the cockpit's, below any
    list of papers); `page` a response or its text."""
    text = page if isinstance(page, str) else page.content.decode()
    body = text.split("<tbody>")[-1]
    return next(row for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.DOTALL) if name in row)


def first_line(report):
    return report.lines.order_by("milestone__goal__order", "milestone__order").first()


def snapshot(report):
    """Everything a reporter can change in a report, to compare before and after."""
    report.refresh_from_db()
    return (
        report.state,
        report.version,
        sorted(report.lines.values_list("milestone_id", "status", "comment", "evidence_url")),
        sorted(report.indicator_values.values_list("indicator_id", "value")),
    )


def page_html(client, url):
    """The HTML of the page at `url`, which must answer 200."""
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


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


def assert_polite(text):
    for word in TECHNICAL:
        assert word not in text, word


def api_client_for(user):
    """An API client that sends a new token of `user` (`Authorization: Token <key>`)."""
    _token, key = tokens.issue_token(user, by=user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


# --- the demo (`manage.py demo`), for the modules that read it whole -------------------------

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run_demo(*args):
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def public_pages(paper):
    """The public pages of Hovedstaden's status history (`paper`): the ones served from the
    cache once a round is published, in both languages."""
    goal = paper.goals.get(number="1")
    return [
        "/",
        "/en/",
        "/hovedstaden/",
        "/hovedstaden/status/2018/",
        "/hovedstaden/status/2017/",
        f"/hovedstaden/maal/{goal.pk}/",
        "/hovedstaden/kommuner/101/",
        "/en/hovedstaden/kommuner/101/",
    ]
