"""The secretariat reviews the municipalities' reports: the round's overview with counts, filters
and overdue marks, the review page beside last round's answers, approving and returning with a
comment, and refusals that keep what was typed."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from goals import rounds
from goals.models import MilestoneStatus
from goals.models import StatusReport
from goals.models import StatusRound
from reports import publishing
from tests.builders import MARKUP
from tests.builders import submitted

pytestmark = pytest.mark.django_db


def submit(report, user, status="met", comment=""):
    report = rounds.save_report(
        report,
        version=report.version,
        lines={
            m: {"status": status, "comment": comment}
            for m in report.lines.values_list("milestone_id", flat=True)
        },
        values={},
        by=user,
    )
    return rounds.submit_report(report, by=user)


@pytest.fixture
def reports(open_status_round, municipalities):
    return {
        code: StatusReport.objects.get(round=open_status_round, municipality=m)
        for code, m in municipalities.items()
    }


def test_the_overview_counts_who_has_reported_and_filters(
    staff, open_status_round, reports, reporters, clusters
):
    submit(reports[101], reporters[101])
    url = reverse("secretariat:round_overview", args=[open_status_round.pk])

    text = staff.get(url).content.decode()
    assert "<strong>1 af 3</strong> indberettet" in text
    assert "København" in text and "Frederiksberg" in text and "Hillerød" in text
    assert "indberetter-101" in text  # submitted by whom

    nord = staff.get(url, {"klynge": clusters["Nord"].pk}).content.decode()
    assert "Hillerød" in nord and "Frederiksberg" not in nord
    submitted = staff.get(url, {"tilstand": "submitted"}).content.decode()
    assert "København" in submitted and "Hillerød" not in submitted
    assert "<strong>1 af 3</strong> indberettet" in submitted  # counts stay for the whole round


def test_overdue_reports_are_marked(staff, open_status_round, reports, reporters):
    submit(reports[101], reporters[101])
    StatusRound.objects.filter(pk=open_status_round.pk).update(
        opens=datetime.date(2020, 1, 1), deadline=datetime.date(2020, 2, 1)
    )
    text = staff.get(
        reverse("secretariat:round_overview", args=[open_status_round.pk])
    ).content.decode()
    assert text.count('<tr class="overdue">') == 2
    assert "overskredet</span> 2" in text


def test_review_shows_the_previous_round_beside_this_one(
    staff, paper, open_status_round, reports, reporters, municipalities
):
    previous = StatusRound.objects.create(
        paper=paper,
        year=open_status_round.year - 1,
        opens=datetime.date(2020, 1, 1),
        deadline=datetime.date(2020, 2, 1),
        state=StatusRound.State.PUBLISHED,
    )
    old = StatusReport.objects.create(round=previous, municipality=municipalities[101])
    for line in reports[101].lines.all():
        MilestoneStatus.objects.create(
            report=old, milestone=line.milestone, status="not_started", comment="Sidste år"
        )
    submit(reports[101], reporters[101], comment="I år")

    text = staff.get(reverse("secretariat:review_report", args=[reports[101].pk])).content.decode()
    assert "I år" in text and "Sidste år" in text
    assert f"({previous.year})" in text
    assert "Godkend" in text and "Send retur med kommentar" in text


def test_returning_needs_a_comment_and_tells_the_municipality(
    staff, open_status_round, reports, reporters
):
    submit(reports[101], reporters[101])
    url = reverse("secretariat:review_report", args=[reports[101].pk])

    text = staff.post(url, {"action": "return", "comment": " "}).content.decode()
    assert "Skriv en kommentar, så kommunen ved, hvad der skal rettes." in text
    reports[101].refresh_from_db()
    assert reports[101].state == StatusReport.State.SUBMITTED

    with_comment = {"action": "return", "comment": "Uddyb mål 2"}
    response = staff.post(url, with_comment, follow=True)
    assert "sendt retur til kommunen" in response.content.decode()
    reports[101].refresh_from_db()
    assert reports[101].state == StatusReport.State.RETURNED
    assert reports[101].review_comment == "Uddyb mål 2"


def test_approving_a_submitted_report(
    staff, secretariat, open_status_round, reports, reporters, django_capture_on_commit_callbacks
):
    submit(reports[147], reporters[147])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            reverse("secretariat:review_report", args=[reports[147].pk]),
            {"action": "approve"},
            follow=True,
        )
    assert "Indberetningen er godkendt." in response.content.decode()
    reports[147].refresh_from_db()
    assert reports[147].state == StatusReport.State.APPROVED
    assert reports[147].reviewed_by == secretariat
    assert reports[147].history.first().history_user == secretariat
    assert mail.outbox[0].to == ["indberetter-147@example.dk"]
    assert "godkendt" in mail.outbox[0].subject


def test_pages_cope_with_changes_made_without_a_user(
    staff, client, open_status_round, reports, reporters
):
    """The demo and management commands act with by=None; the pages must still show them."""
    submit(reports[219], None)
    overview = staff.get(reverse("secretariat:round_overview", args=[open_status_round.pk]))
    assert overview.status_code == 200
    review = staff.get(reverse("secretariat:review_report", args=[reports[219].pk]))
    assert review.status_code == 200
    client.force_login(reporters[219])
    assert client.get(reverse("goals:report_form", args=[reports[219].pk])).status_code == 200


def test_review_refusals_are_messages_in_danish(staff, report, reporters, secretariat):
    url = reverse("secretariat:review_report", args=[report.pk])

    draft = staff.post(url, {"action": "approve"}, follow=True).content.decode()
    assert "Indberetningen kan kun godkendes, når den er indsendt. Den er kladde." in draft

    submitted(report, reporters[101])
    no_comment = staff.post(url, {"action": "return", "comment": "   "}).content.decode()
    assert "Skriv en kommentar, så kommunen ved, hvad der skal rettes." in no_comment
    nonsense = staff.post(url, {"action": "slet"}).content.decode()
    assert "Marker en gyldig valgmulighed" in nonsense
    report.refresh_from_db()
    assert report.state == StatusReport.State.SUBMITTED

    staff.post(url, {"action": "approve"})
    twice = staff.post(url, {"action": "approve"}, follow=True).content.decode()
    assert "Den er godkendt." in twice

    rounds.close_round(report.round, by=secretariat)
    publishing.publish_round(report.round, by=secretariat)
    published = staff.post(url, {"action": "approve"}, follow=True).content.decode()
    assert "Runden er offentliggjort." in published
    report.refresh_from_db()
    assert report.state == StatusReport.State.APPROVED


@pytest.mark.parametrize("value", ["99999999999999999999", "²", "١", "-1", "abc", " 1"])
def test_a_cluster_filter_that_is_no_cluster_of_the_region_shows_every_report(
    staff, open_status_round, value
):
    response = staff.get(
        reverse("secretariat:round_overview", args=[open_status_round.pk]), {"klynge": value}
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert "København" in text and "Hillerød" in text


def test_another_regions_cluster_is_not_a_filter_and_a_real_one_is_still_chosen(
    staff, open_status_round, clusters, other_region
):
    from municipalities.models import Cluster

    foreign = Cluster.objects.create(region=other_region, name="Fyn", order=1)
    url = reverse("secretariat:round_overview", args=[open_status_round.pk])

    text = staff.get(url, {"klynge": foreign.pk}).content.decode()
    assert "København" in text and "Hillerød" in text

    nord = staff.get(url, {"klynge": str(clusters["Nord"].pk)}).content.decode()
    assert "Hillerød" in nord and "København" not in nord
    assert f'value="{clusters["Nord"].pk}" selected' in nord


def test_returning_in_a_closed_round_keeps_the_comment_and_says_why(
    staff, report, reporters, secretariat, open_status_round
):
    submitted(report, reporters[101])
    rounds.close_round(open_status_round, by=secretariat)

    response = staff.post(
        reverse("secretariat:review_report", args=[report.pk]),
        {"action": "return", "comment": "Uddyb venligst milepæl 1 om akutteamet."},
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert "Runden er lukket, så kommunen kan ikke rette. Genåbn runden først." in text
    assert "Uddyb venligst milepæl 1 om akutteamet." in text
    report.refresh_from_db()
    assert report.state == StatusReport.State.SUBMITTED
    assert report.review_comment == ""


def test_markup_in_reports_is_escaped_on_the_secretariats_pages(
    client, reporters, secretariat, report, open_status_round
):
    report = rounds.save_report(
        report,
        version=report.version,
        lines={
            line.milestone_id: {
                "status": "met",
                "comment": MARKUP,
                "evidence_url": "https://example.dk/?q=<b>",
            }
            for line in report.lines.all()
        },
        values={},
        by=reporters[101],
    )
    rounds.submit_report(report, by=reporters[101])
    client.force_login(secretariat)
    for url in [
        reverse("secretariat:review_report", args=[report.pk]),
        reverse("secretariat:round_overview", args=[open_status_round.pk]),
    ]:
        page = client.get(url).content.decode()
        assert "<script>" not in page and "<img src=x" not in page, url
    review = client.get(reverse("secretariat:review_report", args=[report.pk])).content.decode()
    assert "&lt;script&gt;" in review
    client.force_login(reporters[101])
    form_page = client.get(reverse("goals:report_form", args=[report.pk])).content.decode()
    assert "<script>" not in form_page and "&lt;script&gt;" in form_page


def test_markup_in_a_return_comment_reaches_the_email_as_plain_text(
    client, secretariat, reporters, report, django_capture_on_commit_callbacks
):
    report = submitted(report, reporters[101])
    client.force_login(secretariat)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("secretariat:review_report", args=[report.pk]),
            {"action": "return", "comment": 'Ret "tal" & <b>kommentar</b>'},
        )
    (message,) = mail.outbox
    assert 'Ret "tal" & <b>kommentar</b>' in message.body
    assert "&lt;" not in message.body and "&amp;" not in message.body
    assert "\n" not in message.subject
    # …and shown escaped to the municipality.
    client.force_login(reporters[101])
    page = client.get(reverse("goals:report_form", args=[report.pk])).content.decode()
    assert "<b>kommentar</b>" not in page and "&lt;b&gt;kommentar&lt;/b&gt;" in page


def test_report_page_shows_the_lines_read_only_with_history(staff, open_status_round):
    report = StatusReport.objects.filter(round=open_status_round).first()
    page = staff.get(reverse("admin:goals_statusreport_change", args=[report.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Alle kommuner har en akutfunktion" in text
    assert "Unge i forløb" in text
    history = staff.get(reverse("admin:goals_statusreport_history", args=[report.pk]))
    assert history.status_code == 200


def test_a_report_that_cannot_be_reviewed_says_where_it_stands(
    staff, report, reporters, secretariat
):
    """Only a draft waits for the municipality; an approved report, a returned one and any
    report of a published round say what they are, in words."""
    url = reverse("secretariat:review_report", args=[report.pk])
    waiting = "Indberetningen kan behandles, når kommunen har indsendt den."
    assert waiting in staff.get(url).content.decode()

    submitted(report, reporters[101])
    rounds.return_report(report, comment="Udfyld linje 2", by=secretariat)
    text = staff.get(url).content.decode()
    assert "sendt retur til kommunen. Den kan behandles igen" in text and waiting not in text

    report.refresh_from_db()
    submitted(report, reporters[101])
    rounds.approve_report(report, by=secretariat)
    text = staff.get(url).content.decode()
    assert "Indberetningen er godkendt" in text and "færdigbehandlet" in text
    assert waiting not in text

    rounds.close_round(report.round, by=secretariat)
    publishing.publish_round(report.round, by=secretariat)
    text = staff.get(url).content.decode()
    assert "Runden er offentliggjort, og indberetningen indgår som godkendt." in text
    assert "round-published" in text and waiting not in text and "Godkend</button>" not in text


def test_the_filter_travels_through_a_review_and_back_to_the_cockpit(
    staff, report, reporters, open_status_round
):
    submitted(report, reporters[101])
    cockpit = reverse("secretariat:round_overview", args=[open_status_round.pk])
    review = reverse("secretariat:review_report", args=[report.pk])
    page = staff.get(cockpit, {"vis": "til-gennemsyn"}).content.decode()
    assert f'href="{review}?vis=til-gennemsyn"' in page

    response = staff.post(f"{review}?vis=til-gennemsyn", {"action": "approve"})
    assert response.url == f"{review}?vis=til-gennemsyn"
    page = staff.get(response.url).content.decode()
    assert f'href="{cockpit}?vis=til-gennemsyn"' in page  # "Tilbage til oversigten"
