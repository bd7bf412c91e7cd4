"""A municipality fills in its report for the open round: the form shows every milestone with last
round's answer, saves drafts, submits, keeps the user's input on every refusal, and two people
saving at once lose nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from goals import rounds
from goals.models import MilestoneStatus
from goals.models import StatusReport
from goals.models import StatusRound
from tests.builders import confirm_submission
from tests.builders import filled_in
from tests.builders import first_line
from tests.builders import post_report
from tests.builders import small_pdf
from tests.builders import snapshot
from tests.builders import submitted

pytestmark = pytest.mark.django_db


def report_of(status_round, municipalities, code=101):
    return StatusReport.objects.get(round=status_round, municipality=municipalities[code])


def test_form_shows_each_milestone_with_its_facts_and_last_rounds_answer(
    reporter, paper, municipalities, reporters, secretariat, open_status_round
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

    page = reporter.get(reverse("goals:report_form", args=[report.pk]))

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


def test_saving_a_draft_keeps_every_answer(reporter, municipalities, open_status_round):
    report = report_of(open_status_round, municipalities)
    url = reverse("goals:report_form", args=[report.pk])

    response = reporter.post(
        url,
        filled_in(report, status="in_progress", comment="Vi er i gang", value="12,5"),
        follow=True,
    )

    assert "Kladden er gemt" in response.content.decode()
    report.refresh_from_db()
    assert report.state == StatusReport.State.DRAFT
    assert set(report.lines.values_list("status", "comment")) == {("in_progress", "Vi er i gang")}
    assert report.indicator_values.get().value == Decimal("12.50")
    assert report.version == 2


def test_a_bad_link_and_a_bad_number_are_refused_in_danish(
    reporter, municipalities, open_status_round
):
    report = report_of(open_status_round, municipalities)
    line = report.lines.first()
    indicator = report.indicator_values.get()
    data = filled_in(report)
    data[f"line-{line.milestone_id}-evidence_url"] = "ikke et link"
    data[f"value-{indicator.indicator_id}"] = "mange"

    text = reporter.post(reverse("goals:report_form", args=[report.pk]), data).content.decode()

    assert "Indtast en gyldig URL." in text
    assert "Indtast et tal." in text
    assert 'value="ikke et link"' in text and 'value="mange"' in text


def test_submitting_sends_the_report_and_makes_the_form_read_only(
    reporter, municipalities, reporters, open_status_round
):
    report = report_of(open_status_round, municipalities)
    url = reverse("goals:report_form", args=[report.pk])

    summary = reporter.post(url, filled_in(report, button="submit"), follow=True)
    assert "Bekræft indsendelse" in summary.content.decode()
    response = confirm_submission(reporter, report, follow=True)

    text = response.content.decode()
    assert "Indberetningen er indsendt til sekretariatet" in text
    assert "afventer sekretariatets behandling" in text
    assert "Gem kladde" not in text
    report.refresh_from_db()
    assert report.state == StatusReport.State.SUBMITTED
    assert report.submitted_by == reporters[101]
    assert report.history.first().history_user == reporters[101]

    again = reporter.post(url, filled_in(report, comment="Ændret bagefter"), follow=True)
    assert "afventer sekretariatets behandling" in again.content.decode()
    assert not report.lines.filter(comment="Ændret bagefter").exists()


def test_a_returned_report_shows_the_comment_and_can_be_sent_again(
    reporter, municipalities, reporters, secretariat, open_status_round
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

    text = reporter.get(url).content.decode()
    assert "Sekretariatet har sendt indberetningen retur" in text
    assert "Tilføj venligst dokumentation for 1." in text
    assert "Indsend" in text

    reporter.post(url, filled_in(report, button="submit"))
    confirm_submission(reporter, report)
    report.refresh_from_db()
    assert report.state == StatusReport.State.SUBMITTED


def test_a_report_returned_after_the_deadline_can_still_be_corrected_and_sent_again(
    reporter, report, reporters, secretariat, open_status_round
):
    # The secretariat reviews after the deadline; a report it sends back is a correction it
    # asks for, so the deadline that has passed must not lock the municipality out of it.
    submitted(report, reporters[101])
    StatusRound.objects.filter(pk=open_status_round.pk).update(
        opens=datetime.date(2020, 1, 1), deadline=datetime.date(2020, 2, 1)
    )
    rounds.return_report(report, comment="Ret venligst linje 1.", by=secretariat)
    report.refresh_from_db()

    text = reporter.get(reverse("goals:report_form", args=[report.pk])).content.decode()
    assert "Fristen 01.02.2020 er overskredet" not in text
    response = post_report(reporter, report, filled_in(report, button="submit"))
    assert response.status_code == 302
    confirm_submission(reporter, report)
    report.refresh_from_db()
    assert report.state == StatusReport.State.SUBMITTED


@pytest.mark.parametrize("why", ["deadline", "closed"])
def test_after_the_deadline_or_closing_the_form_is_read_only(
    reporter, municipalities, secretariat, open_status_round, why
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

    page = reporter.get(url).content.decode()
    assert "Kun visning." in page and expected in page
    assert "Gem kladde" not in page
    # Read as the secretariat will see it, not as a form greyed out.
    assert "Indberetningen, som sekretariatet ser den" in page
    assert "disabled" not in page and "<textarea" not in page

    response = reporter.post(url, filled_in(report), follow=True)
    assert expected in response.content.decode()
    report.refresh_from_db()
    assert report.version == 1
    assert not report.lines.exclude(status="").exists()


def test_what_a_user_types_is_escaped(reporter, municipalities, open_status_round):
    report = report_of(open_status_round, municipalities)
    url = reverse("goals:report_form", args=[report.pk])
    reporter.post(url, filled_in(report, comment="<script>alert(1)</script>"))

    text = reporter.get(url).content.decode()
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_the_reporter_home_lists_open_and_past_rounds(reporter, municipalities, open_status_round):
    text = reporter.get(reverse("goals:reporter_home")).content.decode()
    assert "Åbne statusrunder" in text
    assert "Du indberetter for København." in text
    assert str(open_status_round.year) in text
    report = report_of(open_status_round, municipalities)
    assert reverse("goals:report_form", args=[report.pk]) in text
    other = report_of(open_status_round, municipalities, code=147)
    assert reverse("goals:report_form", args=[other.pk]) not in text


def value_field(report):
    return f"value-{report.indicator_values.get().indicator_id}"


@pytest.mark.parametrize(
    ("typed", "saved"),
    [
        ("1,5", "1.50"),
        ("1.5", "1.50"),
        (" 12 ", "12"),
        ("1.250", "1250"),
        ("1.250.000,75", "1250000.75"),
        ("1 250,5", "1250.50"),
        ("1\u00a0250", "1250"),
    ],
)
def test_numbers_are_read_as_danes_type_them(reporter, report, typed, saved):
    post_report(reporter, report, filled_in(report, **{value_field(report): typed}))

    assert report.indicator_values.get().value == Decimal(saved)


def test_a_percentage_above_100_is_refused(reporter, report):
    indicator = report.indicator_values.get().indicator
    indicator.unit = "%"
    indicator.save()

    response = post_report(reporter, report, filled_in(report, **{value_field(report): "101"}))

    assert "En procentdel kan højst være 100." in response.content.decode()
    assert report.indicator_values.get().value is None


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "Indtast et tal."),
        ("-3", "Tallet må ikke være negativt."),
        ("12345678901234", "Tallet er for stort"),
        ("1e20", "Tallet er for stort"),
        ("1,555", "Angiv højst 2 decimaler."),
        ("NaN", "Indtast et tal."),
    ],
)
def test_a_bad_number_is_refused_in_danish_and_the_input_is_kept(reporter, report, typed, message):
    data = filled_in(report, **{value_field(report): typed})

    response = post_report(reporter, report, data)

    text = response.content.decode()
    assert response.status_code == 200
    assert message in text
    assert f'value="{typed}"' in text
    assert "Vi er godt i gang" in text
    report.refresh_from_db()
    assert report.version == 1 and report.indicator_values.get().value is None


def test_a_very_long_comment_is_refused_and_kept(reporter, report):
    line = first_line(report)
    data = filled_in(report, **{f"line-{line.milestone_id}-comment": "x" * 100_000})

    response = post_report(reporter, report, data)

    text = response.content.decode()
    assert response.status_code == 200
    assert "Denne værdi må højst have 5000 tegn (den har 100000)." in text
    assert "x" * 100_000 in text
    line.refresh_from_db()
    assert line.comment == ""


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://filer.kommune.dk/plan.pdf",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
    ],
)
def test_only_web_links_are_accepted_as_evidence(reporter, report, url):
    """The secretariat clicks the link on the review page; only web addresses are kept."""
    line = first_line(report)
    data = filled_in(report, **{f"line-{line.milestone_id}-evidence_url": url})

    response = post_report(reporter, report, data)

    text = response.content.decode()
    assert response.status_code == 200
    assert "Indberetningen er ikke gemt" in text
    assert "Angiv et link, der begynder med https:// eller http://." in text
    line.refresh_from_db()
    assert line.evidence_url == ""


def test_a_link_without_scheme_gets_https(reporter, report):
    line = first_line(report)
    data = filled_in(report, **{f"line-{line.milestone_id}-evidence_url": "www.kommune.dk/plan"})

    post_report(reporter, report, data)

    line.refresh_from_db()
    assert line.evidence_url == "https://www.kommune.dk/plan"


@pytest.mark.parametrize("version", [None, "", "abc", "-1", "0", "99999999999999999999"])
def test_a_missing_or_broken_version_says_reload_and_keeps_the_input(reporter, report, version):
    data = filled_in(report)
    if version is None:
        del data["version"]
    else:
        data["version"] = version

    response = post_report(reporter, report, data)

    text = response.content.decode()
    assert response.status_code == 200
    assert "Siden mangler oplysninger om, hvilken udgave af indberetningen du redigerede" in text
    assert "Vi er godt i gang" in text
    report.refresh_from_db()
    assert report.version == 1
    assert not report.lines.exclude(comment="").exists()


def test_a_post_after_the_deadline_is_refused_and_nothing_is_saved(reporter, report):
    StatusRound.objects.filter(pk=report.round_id).update(
        opens=datetime.date(2020, 1, 1), deadline=datetime.date(2020, 2, 1)
    )

    response = post_report(reporter, report, filled_in(report))

    assert response.status_code == 200  # the read-only page, with the input kept to copy
    page = response.content.decode()
    assert "Fristen 01.02.2020 er overskredet" in page
    report.refresh_from_db()
    assert report.version == 1 and not report.lines.exclude(comment="").exists()


def test_a_post_in_a_closed_round_is_refused_and_nothing_is_saved(reporter, report, secretariat):
    rounds.close_round(report.round, by=secretariat)

    response = post_report(reporter, report, filled_in(report))

    page = response.content.decode()
    assert "Runden er lukket, så indberetningen kan ikke længere ændres." in page
    report.refresh_from_db()
    assert report.version == 1 and not report.lines.exclude(comment="").exists()


def test_a_read_only_report_ignores_posted_values(client, reporters, report):
    """Disabled fields of a submitted report: a crafted POST changes nothing."""
    report = submitted(report, reporters[101])
    before = snapshot(report)
    data = filled_in(report, status="not_started", comment="Ændret bagefter")
    client.force_login(reporters[101])
    client.post(reverse("goals:report_form", args=[report.pk]), data)
    assert snapshot(report) == before


def nothing_typed(report, *, version):
    """The report form as a page made from `version` posts it before anything is typed."""
    return filled_in(report, status="", comment="", value="", version=version)


def test_each_line_keeps_its_own_answer_and_a_cleared_number_is_empty_again(report, reporters):
    """One save writes every line and value at once: each keeps what was typed for it, and
    each change is in its history with who made it."""
    first, second = report.lines.order_by("milestone__goal__order")
    value = report.indicator_values.get()
    by = reporters[101]
    report = rounds.save_report(
        report,
        version=report.version,
        lines={
            first.milestone_id: {"status": "met", "comment": "Klar"},
            second.milestone_id: {"status": "not_started", "evidence_url": "https://a.dk/x"},
        },
        values={value.indicator_id: Decimal("12.50")},
        by=by,
    )
    report = rounds.save_report(
        report,
        version=report.version,
        lines={second.milestone_id: {"comment": "Først til foråret"}},
        values={value.indicator_id: None},
        by=by,
    )

    first.refresh_from_db()
    second.refresh_from_db()
    value.refresh_from_db()
    assert (first.status, first.comment, first.evidence_url) == ("met", "Klar", "")
    assert (second.status, second.comment, second.evidence_url) == (
        "not_started",
        "Først til foråret",
        "https://a.dk/x",
    )
    assert value.value is None
    assert [h.value for h in value.history.order_by("history_date")] == [
        None,
        Decimal("12.50"),
        None,
    ]
    assert [h.comment for h in second.history.order_by("history_date")] == [
        "",
        "",
        "Først til foråret",
    ]
    assert {h.history_user for h in second.history.exclude(history_type="+")} == {by}


def test_the_domain_function_refuses_a_stale_version_and_says_what_changed(
    report, reporters, colleague
):
    first, _second = report.lines.order_by("milestone__goal__order")
    rounds.save_report(
        report,
        version=1,
        lines={first.milestone_id: {"status": "met", "comment": "Klar"}},
        values={},
        by=reporters[101],
    )
    with pytest.raises(rounds.ReportConflict) as conflict:
        rounds.save_report(
            report,
            version=1,
            lines={first.milestone_id: {"status": "not_started"}},
            values={},
            by=colleague,
        )
    assert conflict.value.current_version == 2
    assert conflict.value.changed_by == reporters[101]
    [change] = conflict.value.changes
    assert change.object_id == first.milestone_id
    assert change.fields == {"status": ("", "met"), "comment": ("", "Klar")}
    first.refresh_from_db()
    assert first.status == "met"


def test_the_second_editor_keeps_their_input_and_gets_the_other_changes(
    report, reporters, colleague
):
    alice, bob = Client(), Client()
    alice.force_login(reporters[101])
    bob.force_login(colleague)
    url = reverse("goals:report_form", args=[report.pk])
    first, second = report.lines.order_by("milestone__goal__order")
    assert alice.get(url).status_code == bob.get(url).status_code == 200

    mine = nothing_typed(report, version=1)
    mine[f"line-{first.milestone_id}-status"] = "met"
    mine[f"line-{first.milestone_id}-comment"] = "Akutfunktionen er på plads"
    alice.post(url, mine)

    theirs = nothing_typed(report, version=1)
    theirs[f"line-{second.milestone_id}-status"] = "in_progress"
    theirs[f"line-{second.milestone_id}-comment"] = "Strategien er i høring"
    response = bob.post(url, theirs)

    text = response.content.decode()
    assert response.status_code == 200
    assert "Nogen har gemt indberetningen, mens du arbejdede" in text
    assert "indberetter-101 gemte den" in text
    assert "Strategien er i høring" in text  # Bob's input is still on the page
    assert "Akutfunktionen er på plads" in text  # Alice's saved answer taken over
    assert 'name="version" value="2"' in text
    second.refresh_from_db()
    assert second.comment == ""  # nothing of Bob's was saved

    # Saving the page as it now stands keeps both people's work.
    again = nothing_typed(report, version=2)
    again.update(
        {
            f"line-{first.milestone_id}-status": "met",
            f"line-{first.milestone_id}-comment": "Akutfunktionen er på plads",
            f"line-{second.milestone_id}-status": "in_progress",
            f"line-{second.milestone_id}-comment": "Strategien er i høring",
        }
    )
    bob.post(url, again)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.comment) == ("met", "Akutfunktionen er på plads")
    assert (second.status, second.comment) == ("in_progress", "Strategien er i høring")


def test_when_both_change_the_same_field_the_clash_is_flagged(report, reporters, colleague):
    alice, bob = Client(), Client()
    alice.force_login(reporters[101])
    bob.force_login(colleague)
    url = reverse("goals:report_form", args=[report.pk])
    first = report.lines.order_by("milestone__goal__order").first()

    mine = nothing_typed(report, version=1)
    mine[f"line-{first.milestone_id}-comment"] = "Alices tekst"
    alice.post(url, mine)
    theirs = nothing_typed(report, version=1)
    theirs[f"line-{first.milestone_id}-comment"] = "Bobs tekst"
    text = bob.post(url, theirs).content.decode()

    assert "Også ændret af en anden:" in text
    assert "«Alices tekst»" in text
    assert "Bobs tekst</textarea>" in text
    first.refresh_from_db()
    assert first.comment == "Alices tekst"


def test_after_a_conflict_the_page_asks_for_the_file_again_and_keeps_the_rest(
    report, reporters, colleague
):
    alice, bob = Client(), Client()
    alice.force_login(reporters[101])
    bob.force_login(colleague)
    url = reverse("goals:report_form", args=[report.pk])
    line = report.lines.order_by("milestone__goal__order").first()
    alice.post(url, filled_in(report, comment="Alices tekst"))

    data = filled_in(report, comment="Bobs tekst om akutplanen")
    data[f"line-{line.milestone_id}-evidence_file"] = SimpleUploadedFile(
        "akutplan.pdf", small_pdf(), content_type="application/pdf"
    )
    response = bob.post(url, data)

    assert response.status_code == 200
    text = response.content.decode()
    assert "Nogen har gemt indberetningen" in text
    assert "Vælg eventuelle nye filer igen, før du gemmer." in text
    assert "Bobs tekst om akutplanen" in text
    line.refresh_from_db()
    assert not line.evidence_file


def test_after_a_conflict_without_a_file_no_file_is_asked_for(report, reporters, colleague):
    alice, bob = Client(), Client()
    alice.force_login(reporters[101])
    bob.force_login(colleague)
    url = reverse("goals:report_form", args=[report.pk])
    alice.post(url, filled_in(report, comment="Alices tekst"))

    text = bob.post(url, filled_in(report, comment="Bobs tekst")).content.decode()

    assert "Nogen har gemt indberetningen" in text
    assert "Vælg eventuelle nye filer igen" not in text
    assert "Vælg den igen" not in text


@pytest.mark.parametrize("why", ["closed", "deadline"])
def test_input_refused_after_closing_stays_on_the_read_only_page(
    reporter, report, secretariat, open_status_round, why
):
    if why == "closed":
        rounds.close_round(open_status_round, by=secretariat)
        expected = "Runden er lukket"
    else:
        StatusRound.objects.filter(pk=open_status_round.pk).update(
            opens=datetime.date(2020, 1, 1), deadline=datetime.date(2020, 2, 1)
        )
        expected = "Fristen 01.02.2020 er overskredet"

    response = reporter.post(
        reverse("goals:report_form", args=[report.pk]),
        filled_in(report, comment="Akutteamet er bemandet <b>døgnet rundt</b>", value="12,5"),
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert expected in text
    assert "Dine indtastninger er ikke gemt. De står herunder, så du kan kopiere dem." in text
    assert "Kun visning." in text and "Gem kladde" not in text
    # Escaped, in a text box that can be selected and copied but not sent.
    assert "Akutteamet er bemandet &lt;b&gt;døgnet rundt&lt;/b&gt;" in text
    assert "readonly" in text and 'value="12,5"' in text
    report.refresh_from_db()
    assert report.version == 1
    assert not report.lines.exclude(comment="").exists()


def test_a_round_closed_between_the_check_and_the_save_keeps_the_input(
    reporter, report, secretariat, open_status_round, monkeypatch
):
    # The secretariat closes the round after the page's own check has passed: the save
    # itself refuses.
    save_report = rounds.save_report

    def closed_just_before(report, **kwargs):
        rounds.close_round(open_status_round, by=secretariat)
        return save_report(report, **kwargs)

    monkeypatch.setattr(rounds, "save_report", closed_just_before)

    response = reporter.post(
        reverse("goals:report_form", args=[report.pk]),
        filled_in(report, comment="Skrevet lige før lukning"),
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert "Runden er lukket" in text
    assert "Skrevet lige før lukning" in text
    report.refresh_from_db()
    assert report.version == 1
