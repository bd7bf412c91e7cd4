"""Pressing "Indsend" first saves what the reporter typed and shows a summary to confirm:
each line's status, the blank lines, and how the portal will evaluate each line. "Bekræft
indsendelse" submits exactly what the summary showed; "Tilbage til formularen" loses
nothing. All of it works without JavaScript (plain form posts and links)."""

import pytest
from django.urls import reverse

from goals.models import StatusReport
from tests.builders import confirm_submission
from tests.builders import filled_in
from tests.builders import first_line
from tests.builders import post_report
from tests.builders import save_line
from tests.builders import snapshot

pytestmark = pytest.mark.django_db


def press_indsend(client, report, data):
    data = {**data, "submit": "1"}
    data.pop("save", None)
    return post_report(client, report, data)


def test_indsend_saves_the_typing_and_shows_the_summary_with_evaluations(reporter, report):
    response = press_indsend(reporter, report, filled_in(report))

    summary_url = reverse("goals:report_confirm", args=[report.pk])
    assert response.status_code == 302 and response["Location"] == summary_url
    report.refresh_from_db()
    assert report.state == StatusReport.State.DRAFT and report.version == 2
    assert set(report.lines.values_list("comment", flat=True)) == {"Vi er godt i gang"}

    text = reporter.get(summary_url).content.decode()
    assert "Se efter, før du indsender" in text
    assert text.count("i gang</span>") == 2  # each line's own status
    # Milestone 1/1 was due at the end of 2017: "i gang" is judged overdue; 2/1 likewise.
    assert "Forsinket" in text
    assert "Fristen er overskredet, og milepælen er ikke opfyldt." in text
    assert "Vi er godt i gang" in text
    assert "Unge i forløb: <strong>7</strong>" in text
    assert "Bekræft indsendelse" in text and "Tilbage til formularen" in text
    assert "Mangler status" not in text


def test_the_summary_highlights_blank_lines_and_offers_no_confirmation(reporter, report):
    line = first_line(report)
    data = filled_in(report, **{f"line-{line.milestone_id}-status": ""})

    press_indsend(reporter, report, data)
    text = reporter.get(reverse("goals:report_confirm", args=[report.pk])).content.decode()

    assert "1 milepæl mangler en status" in text
    assert '<tr class="blank">' in text
    assert "Mangler status" in text and "Ikke indberettet" in text
    assert f"#line-{line.milestone_id}" in text
    assert "Bekræft indsendelse" not in text
    # Nothing typed was lost on the way: the comment of the blank line is saved too.
    line.refresh_from_db()
    assert line.comment == "Vi er godt i gang"


def test_confirming_a_report_with_a_blank_line_is_refused_with_the_rule(reporter, report):
    line = first_line(report)
    press_indsend(reporter, report, filled_in(report, **{f"line-{line.milestone_id}-status": ""}))

    response = confirm_submission(reporter, report, follow=True)

    assert "Vælg en status for alle milepæle, før du indsender. 1 mangler." in (
        response.content.decode()
    )
    report.refresh_from_db()
    assert report.state == StatusReport.State.DRAFT


def test_confirming_submits_what_the_summary_showed(reporter, report, reporters):
    press_indsend(reporter, report, filled_in(report))

    response = confirm_submission(reporter, report, follow=True)

    text = response.content.decode()
    assert "Tak! Indberetningen er indsendt til sekretariatet." in text
    assert "afventer sekretariatets behandling" in text
    report.refresh_from_db()
    assert report.state == StatusReport.State.SUBMITTED
    assert report.submitted_by == reporters[101]


def test_going_back_to_the_form_loses_nothing(reporter, report):
    press_indsend(reporter, report, filled_in(report))
    summary = reporter.get(reverse("goals:report_confirm", args=[report.pk])).content.decode()
    form_url = reverse("goals:report_form", args=[report.pk])
    assert f'href="{form_url}">Tilbage til formularen' in summary

    text = reporter.get(form_url).content.decode()

    assert text.count("Vi er godt i gang</textarea>") == 2
    assert 'value="7,00"' in text
    report.refresh_from_db()
    assert report.state == StatusReport.State.DRAFT


def test_a_colleagues_save_after_the_summary_must_be_seen_before_confirming(
    reporter, report, colleague
):
    press_indsend(reporter, report, filled_in(report))
    seen = report.version + 1
    line = first_line(report)
    save_line(report, line, colleague, version=seen, status="met", comment="Kollegaens rettelse")

    url = reverse("goals:report_confirm", args=[report.pk])
    response = reporter.post(url, {"version": seen, "confirm": "1"}, follow=True)

    text = response.content.decode()
    assert "indberetter-101-b har gemt indberetningen, efter oversigten blev vist" in text
    assert "Kollegaens rettelse" in text  # the summary as it stands now
    report.refresh_from_db()
    assert report.state == StatusReport.State.DRAFT


def test_a_broken_confirmation_changes_nothing(reporter, report):
    press_indsend(reporter, report, filled_in(report))
    before = snapshot(report)
    url = reverse("goals:report_confirm", args=[report.pk])

    response = reporter.post(url, {"version": "abc"}, follow=True)

    assert "Siden manglede oplysninger om indberetningen. Prøv igen." in (response.content.decode())
    assert snapshot(report) == before


def test_the_summary_of_a_report_that_cannot_change_goes_back_to_the_form(
    reporter, report, reporters
):
    from tests.builders import submitted

    submitted(report, reporters[101])
    url = reverse("goals:report_confirm", args=[report.pk])

    assert reporter.get(url)["Location"] == reverse("goals:report_form", args=[report.pk])
    before = snapshot(report)
    reporter.post(url, {"version": report.version})
    assert snapshot(report) == before


def test_only_the_municipalitys_reporters_see_or_confirm_the_summary(
    client, reporters, report, secretariat
):
    url = reverse("goals:report_confirm", args=[report.pk])
    for user in (reporters[147], secretariat):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"version": report.version}).status_code == 404
    report.refresh_from_db()
    assert report.state == StatusReport.State.DRAFT


def test_confirming_needs_the_csrf_token(reporters, report):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(reporters[101])
    url = reverse("goals:report_confirm", args=[report.pk])
    assert browser.post(url, {"version": report.version}).status_code == 403
