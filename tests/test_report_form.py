"""The municipality's report form: what a reporter sees, saving a draft, submitting, errors
shown next to their fields with the input kept, and the read-only states."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from goals import rounds
from goals.models import MilestoneStatus, StatusReport, StatusRound

pytestmark = pytest.mark.django_db


def report_of(status_round, municipalities, code=101):
    return StatusReport.objects.get(round=status_round, municipality=municipalities[code])


def form_data(report, status="met", comment="Det går godt", **extra):
    data = {"version": report.version}
    for line in report.lines.all():
        key = f"line-{line.milestone_id}"
        data[f"{key}-status"] = status
        data[f"{key}-comment"] = comment
        data[f"{key}-evidence_url"] = ""
    for value in report.indicator_values.all():
        data[f"value-{value.indicator_id}"] = "12,5"
    data.update(extra)
    return data


@pytest.fixture
def logged_in(client, reporters):
    client.force_login(reporters[101])
    return client


def test_form_shows_each_milestone_with_its_facts_and_last_rounds_answer(
    logged_in, paper, municipalities, reporters, secretariat, open_status_round
):
    previous = StatusRound.objects.create(
        paper=paper,
        year=open_status_round.year - 1,
        opens=datetime.date(open_status_round.year - 1, 1, 1),
        deadline=datetime.date(open_status_round.year - 1, 3, 1),
        state=StatusRound.State.PUBLISHED,
    )
    old = StatusReport.objects.create(round=previous, municipality=municipalities[101])
    milestone = paper.goals.get(number="1").milestones.get(order=1)
    MilestoneStatus.objects.create(
        report=old, milestone=milestone, status="in_progress", comment="Akutteam under opbygning"
    )
    report = report_of(open_status_round, municipalities)

    page = logged_in.get(reverse("goals:report_form", args=[report.pk]))

    assert page.status_code == 200
    text = page.content.decode()
    assert "København – status" in text
    assert "Effektive akuttilbud" in text and "Unges sundhed" in text
    assert "Alle kommuner har en akutfunktion" in text
    assert "inden udgangen af 2017" in text
    assert "1 af 3 kommuner" in text
    assert "Akutteam under opbygning" in text  # last round's answer beside the line
    assert "ikke påbegyndt" in text and "ikke relevant" in text
    assert "Unge i forløb" in text and "personer" in text
    assert "Gem kladde" in text and "Indsend" in text
    # the joint milestone belongs to the secretariat, not to the municipality's form
    assert "Kommunerne udarbejder en fælles plan" not in text


def test_saving_a_draft_keeps_every_answer(logged_in, municipalities, open_status_round):
    report = report_of(open_status_round, municipalities)
    url = reverse("goals:report_form", args=[report.pk])

    response = logged_in.post(
        url,
        form_data(report, status="in_progress", comment="Vi er i gang", save="1"),
        follow=True,
    )

    assert "Kladden er gemt" in response.content.decode()
    report.refresh_from_db()
    assert report.state == StatusReport.State.DRAFT
    assert set(report.lines.values_list("status", "comment")) == {("in_progress", "Vi er i gang")}
    assert report.indicator_values.get().value == Decimal("12.50")
    assert report.version == 2


def test_submitting_with_a_missing_status_shows_the_error_there_and_keeps_the_input(
    logged_in, municipalities, open_status_round
):
    report = report_of(open_status_round, municipalities)
    _first, second = report.lines.order_by("milestone__goal__order")
    data = form_data(report, comment="Min lange kommentar", submit="1")
    data[f"line-{second.milestone_id}-status"] = ""

    response = logged_in.post(reverse("goals:report_form", args=[report.pk]), data)

    text = response.content.decode()
    assert response.status_code == 200
    assert "Indberetningen er ikke gemt" in text
    assert text.count("Vælg en status, før du indsender.") == 1
    assert text.count("Min lange kommentar") == 2
    assert 'value="12,5"' in text or 'value="12,50"' in text
    report.refresh_from_db()
    assert report.state == StatusReport.State.DRAFT and report.version == 1
    assert not report.lines.exclude(comment="").exists()


def test_a_bad_link_and_a_bad_number_are_refused_in_danish(
    logged_in, municipalities, open_status_round
):
    report = report_of(open_status_round, municipalities)
    line = report.lines.first()
    indicator = report.indicator_values.get()
    data = form_data(report, save="1")
    data[f"line-{line.milestone_id}-evidence_url"] = "ikke et link"
    data[f"value-{indicator.indicator_id}"] = "mange"

    text = logged_in.post(reverse("goals:report_form", args=[report.pk]), data).content.decode()

    assert "Indtast en gyldig URL." in text
    assert "Indtast et tal." in text
    assert 'value="ikke et link"' in text and 'value="mange"' in text


def test_submitting_sends_the_report_and_makes_the_form_read_only(
    logged_in, municipalities, reporters, open_status_round
):
    report = report_of(open_status_round, municipalities)
    url = reverse("goals:report_form", args=[report.pk])

    response = logged_in.post(url, form_data(report, submit="1"), follow=True)

    text = response.content.decode()
    assert "Indberetningen er indsendt til sekretariatet" in text
    assert "afventer sekretariatets behandling" in text
    assert "Gem kladde" not in text
    report.refresh_from_db()
    assert report.state == StatusReport.State.SUBMITTED
    assert report.submitted_by == reporters[101]
    assert report.history.first().history_user == reporters[101]

    again = logged_in.post(url, form_data(report, comment="Ændret bagefter", save="1"), follow=True)
    assert "afventer sekretariatets behandling" in again.content.decode()
    assert not report.lines.filter(comment="Ændret bagefter").exists()


def test_a_returned_report_shows_the_comment_and_can_be_sent_again(
    logged_in, municipalities, reporters, secretariat, open_status_round
):
    report = report_of(open_status_round, municipalities)
    report = rounds.save_report(
        report,
        version=report.version,
        lines={m: {"status": "met"} for m in report.lines.values_list("milestone_id", flat=True)},
        values={},
        by=reporters[101],
    )
    rounds.submit_report(report, by=reporters[101])
    rounds.return_report(report, comment="Tilføj venligst dokumentation for 1.", by=secretariat)
    report.refresh_from_db()
    url = reverse("goals:report_form", args=[report.pk])

    text = logged_in.get(url).content.decode()
    assert "Sekretariatet har sendt indberetningen retur" in text
    assert "Tilføj venligst dokumentation for 1." in text
    assert "Indsend" in text

    logged_in.post(url, form_data(report, submit="1"))
    report.refresh_from_db()
    assert report.state == StatusReport.State.SUBMITTED


@pytest.mark.parametrize("why", ["deadline", "closed"])
def test_after_the_deadline_or_closing_the_form_is_read_only(
    logged_in, municipalities, secretariat, open_status_round, why
):
    report = report_of(open_status_round, municipalities)
    if why == "deadline":
        StatusRound.objects.filter(pk=open_status_round.pk).update(
            opens=datetime.date(2020, 1, 1), deadline=datetime.date(2020, 2, 1)
        )
        expected = "Fristen 01.02.2020 er overskredet"
    else:
        rounds.close_round(open_status_round, by=secretariat)
        expected = "Runden er lukket"
    url = reverse("goals:report_form", args=[report.pk])

    page = logged_in.get(url).content.decode()
    assert "Kun visning." in page and expected in page
    assert "Gem kladde" not in page
    assert "disabled" in page

    response = logged_in.post(url, form_data(report, save="1"), follow=True)
    assert expected in response.content.decode()
    report.refresh_from_db()
    assert report.version == 1
    assert not report.lines.exclude(status="").exists()


def test_what_a_user_types_is_escaped(logged_in, municipalities, open_status_round):
    report = report_of(open_status_round, municipalities)
    url = reverse("goals:report_form", args=[report.pk])
    logged_in.post(url, form_data(report, comment="<script>alert(1)</script>", save="1"))

    text = logged_in.get(url).content.decode()
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_the_reporter_home_lists_open_and_past_rounds(logged_in, municipalities, open_status_round):
    text = logged_in.get(reverse("goals:reporter_home")).content.decode()
    assert "Åbne statusrunder" in text
    assert "Du indberetter for København." in text
    assert str(open_status_round.year) in text
    report = report_of(open_status_round, municipalities)
    assert reverse("goals:report_form", args=[report.pk]) in text
    other = report_of(open_status_round, municipalities, code=147)
    assert reverse("goals:report_form", args=[other.pk]) not in text
