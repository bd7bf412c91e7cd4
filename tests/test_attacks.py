"""The outside attack of issue 14, replayed: one scenario per finding, each refused now.

1. the admin's history "revert" bypassed the workflow;
2. two secretariat sessions overwrote each other on the shared pages;
3. passwords could be guessed without end, reset mails sent without end;
4. uploads took active PDFs, disguised HTML, zip bombs and executables, and read 200 MB;
5. no Content-Security-Policy, no HTTPS by default, cacheable evidence and stale PDFs;
6. a year out of range in the admin gave 500; publishing rendered inside the request.
"""

from html.parser import HTMLParser

import pytest
from django.core import mail
from django.test import Client

from goals import rounds
from goals.models import GoalDecision, JointProgress, StatusReport, StatusRound
from tests.conftest import PASSWORD, make_user, submitted

pytestmark = pytest.mark.django_db


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
    parser = _FormFields()
    parser.feed(client.get(url).content.decode())
    parser.data.pop("csrfmiddlewaretoken", None)
    return parser.data


# --- 1. the history's "revert" ------------------------------------------------------------


def test_a_post_to_a_reports_history_page_does_not_put_it_back_to_draft(staff, report, reporters):
    first_version = report.history.earliest("history_date")
    report = submitted(report, reporters[101])
    url = f"/admin/goals/statusreport/{report.pk}/history/{first_version.history_id}/"
    assert staff.get(url).status_code == 200  # shown, read-only

    response = staff.post(url, {"_save": "1"})

    assert response.status_code == 403
    report.refresh_from_db()
    assert report.state == StatusReport.State.SUBMITTED
    assert report.version == 3
    assert report.submitted_at is not None


def test_a_post_to_a_published_rounds_history_page_does_not_unpublish_it(
    staff, open_status_round, secretariat
):
    open_version = open_status_round.history.latest("history_date")
    rounds.close_round(open_status_round, by=secretariat)
    rounds.publish_round(open_status_round, by=secretariat)
    url = f"/admin/goals/statusround/{open_status_round.pk}/history/{open_version.history_id}/"
    page = staff.get(url).content.decode()
    assert 'name="_save"' not in page

    response = staff.post(url, {"_save": "1"})

    assert response.status_code == 403
    open_status_round.refresh_from_db()
    assert open_status_round.state == StatusRound.State.PUBLISHED


def test_a_goal_is_reverted_through_its_change_form_only(staff, paper, secretariat):
    """Where the change form is editable, reverting is saving that form with the old values:
    the goal's title comes back, nothing outside the form does."""
    goal = paper.goals.get(number="1")
    old = goal.history.latest("history_date")
    goal.title = "Ny titel"
    goal.state = "achieved"
    goal.save()
    url = f"/admin/goals/goal/{goal.pk}/history/{old.history_id}/"
    data = page_form(staff, url)
    assert data["title"] == "Effektive akuttilbud"

    response = staff.post(url, data)

    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.title == "Effektive akuttilbud"


# --- 2. lost updates on the secretariat's shared pages ------------------------------------


@pytest.fixture
def colleague(region):
    return make_user("sekretariat-hovedstaden-2", region=region, is_staff=True)


@pytest.fixture
def joint_round(paper, municipalities, reporters, secretariat):
    """The open round with a cluster milestone too: three rows on the joint page."""
    import datetime

    from django.utils import timezone

    from goals.models import Milestone

    Milestone.objects.create(
        goal=paper.goals.get(number="2"),
        order=2,
        text="Hver klynge laver et forløb.",
        due=datetime.date(2018, 12, 31),
        scope=Milestone.Scope.CLUSTER,
    )
    today = timezone.localdate()
    status_round = StatusRound.objects.create(
        paper=paper, year=today.year, opens=today, deadline=today + datetime.timedelta(days=30)
    )
    return rounds.open_round(status_round, by=secretariat)


def test_a_stale_joint_progress_page_does_not_put_a_colleagues_row_back(
    staff, colleague, joint_round
):
    open_status_round = joint_round
    url = f"/sekretariat/runder/{open_status_round.pk}/faelles/"
    first, second = JointProgress.objects.filter(round=open_status_round).order_by("pk")[:2]
    other = Client()
    other.force_login(colleague)
    mine, theirs = page_form(staff, url), page_form(other, url)

    theirs[f"p{first.pk}-status"] = "met"
    theirs[f"p{first.pk}-comment"] = "Planen er vedtaget."
    assert other.post(url, theirs).status_code == 302
    mine[f"p{second.pk}-status"] = "in_progress"
    response = staff.post(url, mine, follow=True)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.comment) == ("met", "Planen er vedtaget.")
    assert second.status == "in_progress"
    assert "Den fælles fremdrift er gemt." in response.content.decode()


def test_two_colleagues_changing_the_same_joint_row_the_second_is_told(
    staff, colleague, open_status_round
):
    url = f"/sekretariat/runder/{open_status_round.pk}/faelles/"
    row = JointProgress.objects.filter(round=open_status_round).order_by("pk").first()
    other = Client()
    other.force_login(colleague)
    mine, theirs = page_form(staff, url), page_form(other, url)
    theirs[f"p{row.pk}-status"] = "met"
    other.post(url, theirs)

    mine[f"p{row.pk}-status"] = "not_started"
    mine[f"p{row.pk}-comment"] = "Mit udkast"
    page = staff.post(url, mine).content.decode()

    row.refresh_from_db()
    assert row.status == "met"
    assert "ændret af sekretariat-hovedstaden-2" in page
    assert "Mit udkast" in page  # nothing typed is lost
    # Saving again, having seen the change, wins.
    again = page_form_from(page)
    assert staff.post(url, again).status_code == 302
    row.refresh_from_db()
    assert (row.status, row.comment) == ("not_started", "Mit udkast")


def page_form_from(html):
    parser = _FormFields()
    parser.feed(html)
    parser.data.pop("csrfmiddlewaretoken", None)
    return parser.data


def test_a_stale_decisions_page_does_not_overwrite_a_colleagues_decision(
    staff, colleague, open_status_round, paper
):
    url = f"/sekretariat/runder/{open_status_round.pk}/beslutninger/"
    acute, youth = paper.goals.get(number="1"), paper.goals.get(number="2")
    other = Client()
    other.force_login(colleague)
    mine, theirs = page_form(staff, url), page_form(other, url)
    theirs[f"g{acute.pk}-decision"] = "continue"
    theirs[f"g{acute.pk}-comment"] = "Fastholdes."
    assert other.post(url, theirs).status_code == 302

    mine[f"g{youth.pk}-decision"] = "achieved"
    assert staff.post(url, mine).status_code == 302
    decisions = dict(
        GoalDecision.objects.filter(round=open_status_round).values_list("goal_id", "comment")
    )
    assert decisions == {acute.pk: "Fastholdes.", youth.pk: ""}

    # Both change the same goal's decision: the second is told and keeps their text.
    mine, theirs = page_form(staff, url), page_form(other, url)
    theirs[f"g{acute.pk}-comment"] = "Fastholdes til 2020."
    other.post(url, theirs)
    mine[f"g{acute.pk}-decision"] = "retire"
    mine[f"g{acute.pk}-comment"] = "Udgår"
    page = staff.post(url, mine).content.decode()
    assert "ændret af sekretariat-hovedstaden-2" in page
    assert "Udgår" in page
    assert GoalDecision.objects.get(goal=acute).comment == "Fastholdes til 2020."


# --- 3. brute force -----------------------------------------------------------------------


def test_fifty_wrong_passwords_lock_the_user_out_from_that_address(reporters):
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(50):
        client.post("/konto/login/", {"username": "indberetter-101", "password": "forkert"})

    response = client.post("/konto/login/", {"username": "indberetter-101", "password": PASSWORD})

    assert response.status_code == 429
    assert "For mange forkerte forsøg" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # The same user from another address, and a colleague from this one, still get in.
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    login = {"username": "indberetter-101", "password": PASSWORD}
    assert elsewhere.post("/konto/login/", login).status_code == 302
    colleague = {"username": "indberetter-147", "password": PASSWORD}
    assert client.post("/konto/login/", colleague).status_code == 302


def test_the_lockout_admin_speaks_danish(client, reporters):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("root", "root@example.dk", PASSWORD)
    Client(REMOTE_ADDR="203.0.113.9").post(
        "/konto/login/", {"username": "indberetter-101", "password": "forkert"}
    )
    client.login(username="root", password=PASSWORD)
    page = client.get("/admin/axes/accessattempt/").content.decode()
    assert "adgangsforsøg" in page.lower()
    assert "access attempt" not in page.lower()


def test_password_reset_mails_to_one_user_are_throttled(client, reporters):
    for _ in range(7):
        response = client.post("/konto/password_reset/", {"email": "indberetter-101@example.dk"})
        assert response.status_code == 302  # the same answer whether sent or not
    assert 1 <= len(mail.outbox) <= 3
