"""Bad input, from a user or a client, gets a clear, polite Danish error and loses nothing:
never a server error, never an English or technical message, never a silent overwrite.

Each scenario sends what a hurried or mistaken user (or a broken client) would send to the
secretariat's pages, the report form, the review and decision pages, the admin and the
management commands, and checks what they see and what is saved afterwards.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from goals import rounds
from goals.models import (
    Goal,
    GoalDecision,
    GoalPaper,
    JointProgress,
    Milestone,
    StatusReport,
    StatusRound,
)
from municipalities.models import Membership, Municipality
from tests.conftest import make_user, small_pdf, submitted

pytestmark = pytest.mark.django_db

TECHNICAL = ("Traceback", "IntegrityError", "Begrænsning", "Constraint", "violates")


def assert_polite(text):
    for word in TECHNICAL:
        assert word not in text, word


@pytest.fixture
def superuser_client(client, db):
    client.force_login(make_user("admin", is_staff=True, is_superuser=True))
    return client


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


def value_field(report):
    return f"value-{report.indicator_values.get().indicator_id}"


def post_report(client, report, data):
    return client.post(reverse("goals:report_form", args=[report.pk]), data)


# --- the secretariat creates a round --------------------------------------------------------


def round_data(paper, **changes):
    data = {
        "round-paper": paper.pk,
        "round-year": 2031,
        "round-opens": "2031-01-10",
        "round-deadline": "2031-03-01",
    }
    data.update(changes)
    return data


def test_a_round_for_a_year_the_paper_already_has_is_a_form_error(staff, paper):
    StatusRound.objects.create(
        paper=paper, year=2031, opens=datetime.date(2031, 1, 1), deadline=datetime.date(2031, 2, 1)
    )

    response = staff.post(reverse("goals:secretariat_home"), round_data(paper))

    assert response.status_code == 200
    text = response.content.decode()
    assert "Der er allerede en statusrunde for 2031 for dette målpapir." in text
    assert_polite(text)
    assert StatusRound.objects.filter(paper=paper).count() == 1


@pytest.mark.parametrize("year", ["0", "1999", "99999", "-1", "tyve"])
def test_a_round_year_out_of_range_is_refused_in_danish(staff, paper, year):
    response = staff.post(
        reverse("goals:secretariat_home"), round_data(paper, **{"round-year": year})
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert "Angiv et år mellem 2000 og 2100." in text
    assert f'value="{year}"' in text  # what was typed is kept
    assert not StatusRound.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("round-deadline", "2031-01-01", "Fristen skal ligge efter åbningsdatoen."),
        ("round-opens", "2031-02-30", "Indtast en gyldig dato."),
        ("round-deadline", "i morgen", "Indtast en gyldig dato."),
    ],
)
def test_bad_round_dates_are_refused_in_danish(staff, paper, field, value, message):
    response = staff.post(reverse("goals:secretariat_home"), round_data(paper, **{field: value}))

    text = response.content.decode()
    assert response.status_code == 200 and message in text
    assert_polite(text)
    assert not StatusRound.objects.exists()


def test_a_paper_of_another_region_cannot_be_chosen(staff, paper, other_region):
    foreign = GoalPaper.objects.create(
        region=other_region,
        title="Syddansk papir",
        kind=GoalPaper.Kind.KKR_GOALS,
        adopted_year=2019,
        first_year=2019,
        last_year=2022,
        source="syd.txt",
    )

    response = staff.post(reverse("goals:secretariat_home"), round_data(foreign))

    assert response.status_code == 200
    assert "Marker en gyldig valgmulighed" in response.content.decode()
    assert not StatusRound.objects.exists()


# --- the municipality's report form ---------------------------------------------------------


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
    post_report(reporter, report, report_data(report, **{value_field(report): typed}))

    assert report.indicator_values.get().value == Decimal(saved)


def test_a_percentage_above_100_is_refused(reporter, report):
    indicator = report.indicator_values.get().indicator
    indicator.unit = "%"
    indicator.save()

    response = post_report(reporter, report, report_data(report, **{value_field(report): "101"}))

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
    data = report_data(report, **{value_field(report): typed})

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
    data = report_data(report, **{f"line-{line.milestone_id}-comment": "x" * 100_000})

    response = post_report(reporter, report, data)

    text = response.content.decode()
    assert response.status_code == 200
    assert "Denne værdi må højst have 5000 tegn (den har 100000)." in text
    assert "x" * 100_000 in text
    line.refresh_from_db()
    assert line.comment == ""


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://filer.kommune.dk/plan.pdf", "data:text/html,hej"]
)
def test_only_web_links_are_accepted_as_evidence(reporter, report, url):
    line = first_line(report)
    data = report_data(report, **{f"line-{line.milestone_id}-evidence_url": url})

    response = post_report(reporter, report, data)

    text = response.content.decode()
    assert response.status_code == 200
    assert "Angiv et link, der begynder med https:// eller http://." in text
    line.refresh_from_db()
    assert line.evidence_url == ""


def test_a_link_without_scheme_gets_https(reporter, report):
    line = first_line(report)
    data = report_data(report, **{f"line-{line.milestone_id}-evidence_url": "www.kommune.dk/plan"})

    post_report(reporter, report, data)

    line.refresh_from_db()
    assert line.evidence_url == "https://www.kommune.dk/plan"


def test_an_empty_file_is_refused_in_danish(reporter, report):
    line = first_line(report)
    upload = SimpleUploadedFile("tom.pdf", b"")
    data = report_data(report, **{f"line-{line.milestone_id}-evidence_file": upload})

    response = post_report(reporter, report, data)

    text = response.content.decode()
    assert "Den medsendte fil er tom." in text
    assert "Vælg eventuelle nye filer igen" in text
    line.refresh_from_db()
    assert not line.evidence_file


@pytest.mark.parametrize(("extra", "saved"), [(0, True), (1, False)])
def test_a_file_of_exactly_the_limit_is_saved_one_byte_more_is_refused(
    reporter, report, settings, extra, saved
):
    pdf = small_pdf()
    content = pdf + b"%" * (settings.EVIDENCE_MAX_BYTES - len(pdf) + extra)
    line = first_line(report)
    upload = SimpleUploadedFile("plan.pdf", content)
    data = report_data(report, **{f"line-{line.milestone_id}-evidence_file": upload})

    response = post_report(reporter, report, data)

    line.refresh_from_db()
    assert bool(line.evidence_file) is saved
    if not saved:
        assert "Filen er for stor" in response.content.decode()


@pytest.mark.parametrize("version", [None, "", "abc", "-1", "0", "99999999999999999999"])
def test_a_missing_or_broken_version_says_reload_and_keeps_the_input(reporter, report, version):
    data = report_data(report)
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

    response = post_report(reporter, report, report_data(report))

    assert response.status_code == 200  # the read-only page, with the input kept to copy
    page = response.content.decode()
    assert "Fristen 01.02.2020 er overskredet" in page
    report.refresh_from_db()
    assert report.version == 1 and not report.lines.exclude(comment="").exists()


def test_a_post_in_a_closed_round_is_refused_and_nothing_is_saved(reporter, report, secretariat):
    rounds.close_round(report.round, by=secretariat)

    response = post_report(reporter, report, report_data(report))

    page = response.content.decode()
    assert "Runden er lukket, så indberetningen kan ikke længere ændres." in page
    report.refresh_from_db()
    assert report.version == 1 and not report.lines.exclude(comment="").exists()


# --- review and decisions -------------------------------------------------------------------


def test_review_refusals_are_messages_in_danish(staff, report, reporters, secretariat):
    url = reverse("goals:review_report", args=[report.pk])

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
    rounds.publish_round(report.round, by=secretariat)
    published = staff.post(url, {"action": "approve"}, follow=True).content.decode()
    assert "Runden er offentliggjort." in published
    report.refresh_from_db()
    assert report.state == StatusReport.State.APPROVED


@pytest.fixture
def revised_pair(paper):
    """A pipeline goal that will replace goal 2."""
    return Goal.objects.create(
        paper=paper, number="2a", order=3, title="Unges trivsel", state=Goal.State.PIPELINE
    )


def test_a_goal_that_already_replaces_another_cannot_replace_a_second(
    staff, paper, open_status_round, revised_pair
):
    acute, youth = paper.goals.get(number="1"), paper.goals.get(number="2")
    url = reverse("goals:decisions", args=[open_status_round.pk])
    staff.post(url, {f"g{youth.pk}-decision": "revise", f"g{youth.pk}-new_goal": revised_pair.pk})

    response = staff.post(
        url,
        {
            f"g{youth.pk}-decision": "revise",
            f"g{youth.pk}-new_goal": revised_pair.pk,
            f"g{acute.pk}-decision": "revise",
            f"g{acute.pk}-new_goal": revised_pair.pk,
            f"g{acute.pk}-comment": "Min begrundelse",
        },
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert "Målet 2a erstatter allerede mål 2. Vælg et andet mål." in text
    assert "Min begrundelse" in text
    revised_pair.refresh_from_db()
    acute.refresh_from_db()
    assert revised_pair.replaces == youth
    assert acute.state == Goal.State.ACTIVE
    assert not GoalDecision.objects.filter(goal=acute).exists()


def test_the_domain_refuses_a_second_replacement_and_a_cycle(
    paper, open_status_round, revised_pair, secretariat
):
    acute, youth = paper.goals.get(number="1"), paper.goals.get(number="2")
    rounds.decide_goal(
        open_status_round, youth, decision="revise", new_goal=revised_pair, by=secretariat
    )
    # The same decision saved again is fine.
    rounds.decide_goal(
        open_status_round, youth, decision="revise", new_goal=revised_pair, by=secretariat
    )

    with pytest.raises(rounds.TransitionError, match="erstatter allerede mål 2"):
        rounds.decide_goal(
            open_status_round, acute, decision="revise", new_goal=revised_pair, by=secretariat
        )
    with pytest.raises(rounds.TransitionError, match="som det selv har erstattet"):
        rounds.decide_goal(
            open_status_round, revised_pair, decision="revise", new_goal=youth, by=secretariat
        )
    revised_pair.refresh_from_db()
    youth.refresh_from_db()
    assert revised_pair.replaces == youth and youth.replaces is None


def test_a_revision_taken_back_frees_the_new_goal_for_another(
    paper, open_status_round, revised_pair, secretariat
):
    acute, youth = paper.goals.get(number="1"), paper.goals.get(number="2")
    rounds.decide_goal(
        open_status_round, youth, decision="revise", new_goal=revised_pair, by=secretariat
    )

    rounds.decide_goal(open_status_round, youth, decision="continue", by=secretariat)
    rounds.decide_goal(
        open_status_round, acute, decision="revise", new_goal=revised_pair, by=secretariat
    )

    revised_pair.refresh_from_db()
    youth.refresh_from_db()
    assert revised_pair.replaces == acute
    assert youth.state == Goal.State.ACTIVE
    assert GoalDecision.objects.get(goal=youth).new_goal is None


def test_revising_a_goal_into_itself_is_not_offered(staff, paper, open_status_round):
    youth = paper.goals.get(number="2")
    url = reverse("goals:decisions", args=[open_status_round.pk])

    response = staff.post(
        url, {f"g{youth.pk}-decision": "revise", f"g{youth.pk}-new_goal": youth.pk}
    )

    assert response.status_code == 200
    assert "Marker en gyldig valgmulighed" in response.content.decode()
    assert not GoalDecision.objects.exists()


# --- the admin ------------------------------------------------------------------------------


def milestone_data(goal, **changes):
    data = {
        "goal": goal.pk,
        "order": 5,
        "text": "En ny milepæl",
        "due": "",
        "due_text": "",
        "scope": "municipality",
        "lead": "",
        "baseline_count": "",
        "baseline_of": "",
        "baseline_year": "",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"baseline_count": 5, "baseline_of": 3},
            "Udgangspunktet kan ikke være større end det samlede antal.",
        ),
        ({"baseline_count": 2}, "Angiv hvor mange kommuner udgangspunktet er ud af."),
        ({"baseline_of": 3}, "Angiv antallet, der opfyldte målet."),
    ],
)
def test_a_milestone_baseline_that_does_not_add_up_is_a_form_error(staff, paper, changes, message):
    goal = paper.goals.get(number="1")

    response = staff.post(reverse("admin:goals_milestone_add"), milestone_data(goal, **changes))

    text = response.content.decode()
    assert response.status_code == 200 and message in text
    assert_polite(text)
    assert not Milestone.objects.filter(text="En ny milepæl").exists()


def test_a_goal_number_already_in_the_paper_is_a_form_error(staff, paper):
    data = {
        "paper": paper.pk,
        "number": "1",
        "order": 9,
        "title": "Et dobbelt mål",
        "kind": "commitment",
        "state": "active",
    }
    for prefix in ("milestones", "indicators"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})

    response = staff.post(reverse("admin:goals_goal_add"), data)

    text = response.content.decode()
    assert response.status_code == 200
    assert "Der er allerede et mål med nummer 1 i dette målpapir." in text
    assert not Goal.objects.filter(title="Et dobbelt mål").exists()


def test_a_paper_whose_period_ends_before_it_starts_is_a_form_error(superuser_client, region):
    data = {
        "region": region.pk,
        "title": "Omvendt periode",
        "kind": GoalPaper.Kind.KKR_GOALS,
        "state": GoalPaper.State.ADOPTED,
        "adopted_year": 2020,
        "first_year": 2024,
        "last_year": 2020,
        "source": "omvendt.txt",
    }
    for prefix in ("themes", "goals"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})

    response = superuser_client.post(reverse("admin:goals_goalpaper_add"), data)

    text = response.content.decode()
    assert response.status_code == 200
    assert "Det sidste år kan ikke ligge før det første." in text
    assert_polite(text)
    assert not GoalPaper.objects.filter(title="Omvendt periode").exists()


def test_a_paper_year_out_of_range_is_a_form_error(superuser_client, region):
    data = {
        "region": region.pk,
        "title": "År nul",
        "kind": GoalPaper.Kind.KKR_GOALS,
        "state": GoalPaper.State.ADOPTED,
        "adopted_year": 0,
        "first_year": 2020,
        "last_year": 2022,
        "source": "nul.txt",
    }
    for prefix in ("themes", "goals"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})

    response = superuser_client.post(reverse("admin:goals_goalpaper_add"), data)

    assert response.status_code == 200
    assert "Angiv et år mellem 2000 og 2100." in response.content.decode()
    assert not GoalPaper.objects.filter(title="År nul").exists()


def admin_round_data(paper, **changes):
    data = {"paper": paper.pk, "year": 2032, "opens": "2032-01-10", "deadline": "2032-03-01"}
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"deadline": "2032-01-01"}, "Fristen skal ligge efter åbningsdatoen."),
        ({"year": 0}, "Angiv et år mellem 2000 og 2100."),
        ({"year": 2031}, "Der er allerede en statusrunde for 2031 for dette målpapir."),
    ],
)
def test_a_round_in_the_admin_with_bad_dates_or_year_is_a_form_error(
    staff, paper, changes, message
):
    StatusRound.objects.create(
        paper=paper, year=2031, opens=datetime.date(2031, 1, 1), deadline=datetime.date(2031, 2, 1)
    )

    response = staff.post(
        reverse("admin:goals_statusround_add"), admin_round_data(paper, **changes)
    )

    text = response.content.decode()
    assert response.status_code == 200 and message in text
    assert_polite(text)
    assert StatusRound.objects.count() == 1


def test_joint_progress_in_a_planned_round_is_a_form_error_not_a_lost_edit(
    staff, paper, open_status_round
):
    progress = JointProgress.objects.filter(round=open_status_round).first()
    StatusRound.objects.filter(pk=open_status_round.pk).update(state=StatusRound.State.PLANNED)

    response = staff.post(
        reverse("admin:goals_jointprogress_change", args=[progress.pk]),
        {"status": "met", "comment": "Planen er vedtaget"},
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert "Runden er ikke åbnet endnu." in text
    assert "Planen er vedtaget" in text
    progress.refresh_from_db()
    assert progress.status == ""


@pytest.mark.parametrize("case", ["itself", "already_replaces"])
def test_a_decision_in_the_admin_that_the_domain_refuses_is_a_form_error(
    staff, paper, open_status_round, revised_pair, secretariat, case
):
    acute, youth = paper.goals.get(number="1"), paper.goals.get(number="2")
    if case == "itself":
        new_goal, message = acute, "Et mål kan ikke erstatte sig selv."
    else:
        rounds.decide_goal(
            open_status_round, youth, decision="revise", new_goal=revised_pair, by=secretariat
        )
        new_goal, message = revised_pair, "Målet 2a erstatter allerede mål 2."

    response = staff.post(
        reverse("admin:goals_goaldecision_add"),
        {
            "round": open_status_round.pk,
            "goal": acute.pk,
            "decision": "revise",
            "new_goal": new_goal.pk,
            "comment": "Skærpet",
        },
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not GoalDecision.objects.filter(goal=acute).exists()
    acute.refresh_from_db()
    assert acute.state == Goal.State.ACTIVE


def test_a_cluster_of_another_region_is_a_form_error(superuser_client, region, other_region):
    from municipalities.models import Cluster

    foreign = Cluster.objects.create(region=other_region, name="Fyn")
    data = {"kommunekode": 165, "name": "Albertslund", "region": region.pk, "cluster": foreign.pk}

    response = superuser_client.post(reverse("admin:municipalities_municipality_add"), data)

    text = response.content.decode()
    assert response.status_code == 200
    assert "Klyngen hører til en anden region end kommunen." in text
    assert not Municipality.objects.filter(kommunekode=165).exists()


def test_a_cluster_with_municipalities_cannot_move_to_another_region(
    superuser_client, clusters, municipalities, other_region
):
    byen = clusters["Byen"]

    response = superuser_client.post(
        reverse("admin:municipalities_cluster_change", args=[byen.pk]),
        {"region": other_region.pk, "name": byen.name, "order": byen.order, "description": ""},
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert "Klyngen har kommuner i Hovedstaden." in text
    byen.refresh_from_db()
    assert byen.region_id == municipalities[101].region_id


@pytest.mark.parametrize("code", [99, 1000])
def test_a_kommunekode_that_is_not_three_digits_is_a_form_error(superuser_client, region, code):
    data = {"kommunekode": code, "name": "Ukendt", "region": region.pk, "cluster": ""}

    response = superuser_client.post(reverse("admin:municipalities_municipality_add"), data)

    text = response.content.decode()
    assert response.status_code == 200
    assert "Kommunekoden skal have tre cifre (100–999)." in text
    assert_polite(text)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"role": "secretariat", "municipality": "MUNI"}, "Et sekretariatsmedlem knyttes kun"),
        ({"role": "reporter", "region": "REGION"}, "En indberetter knyttes kun"),
        ({"role": "reporter", "municipality": "MUNI"}, "Brugeren er allerede indberetter for"),
    ],
)
def test_a_membership_whose_role_and_scope_do_not_match_is_a_form_error(
    superuser_client, region, municipalities, reporters, changes, message
):
    user = reporters[101]
    data = {"user": user.pk, "role": "", "region": "", "municipality": ""}
    data.update(changes)
    if data["municipality"] == "MUNI":
        data["municipality"] = municipalities[101].pk
    if data["region"] == "REGION":
        data["region"] = region.pk

    response = superuser_client.post(reverse("admin:municipalities_membership_add"), data)

    text = response.content.decode()
    assert response.status_code == 200 and message in text
    assert_polite(text)
    assert Membership.objects.filter(user=user).count() == 1


@pytest.mark.parametrize(
    "path",
    [
        "/admin/goals/goal/abc/change/",
        "/admin/goals/goal/abc/history/",
        "/admin/goals/goal/abc/delete/",
        "/admin/goals/statusround/99999999999999999999/change/",
    ],
)
def test_a_nonsense_id_in_an_admin_address_is_not_found(staff, paper, path):
    assert staff.get(path).status_code == 404


@pytest.mark.parametrize(("code", "status"), [("abc", 404), ("²", 404), ("999", 404)])
def test_a_preview_for_a_nonsense_municipality_is_not_found(staff, open_status_round, code, status):
    url = reverse("admin:reports_paperpreview_pdf", args=[open_status_round.pk])

    assert staff.get(url, {"kommune": code}).status_code == status


@pytest.mark.parametrize(
    "path", ["/admin/goals/goal/abc/change/", "/admin/goals/goal/abc/history/"]
)
def test_a_nonsense_id_is_no_server_error_for_a_superuser_either(superuser_client, paper, path):
    response = superuser_client.get(path, follow=True)

    assert response.status_code in (200, 404)


# --- management commands ----------------------------------------------------------------------


def command_error(*args, **options):
    with pytest.raises(CommandError) as raised:
        call_command(*args, **options)
    return str(raised.value)


@pytest.fixture
def published_round(paper, municipalities):
    return StatusRound.objects.create(
        paper=paper,
        year=2018,
        opens=datetime.date(2018, 9, 1),
        deadline=datetime.date(2018, 11, 1),
        state=StatusRound.State.PUBLISHED,
    )


def test_render_status_paper_names_what_is_wrong(published_round, tmp_path):
    out = str(tmp_path / "x.pdf")
    assert "Der er ingen region med det korte navn »nowhere«" in command_error(
        "render_status_paper", "nowhere", "2018", "-o", out
    )
    assert "Der er ingen statusrunde for hovedstaden i 2017." in command_error(
        "render_status_paper", "hovedstaden", "2017", "-o", out
    )
    assert "Kommunen 999 hører ikke til hovedstaden." in command_error(
        "render_status_paper", "hovedstaden", "2018", "--municipality", "999", "-o", out
    )
    assert "Året skal være et helt tal, fx 2018" in command_error(
        "render_status_paper", "hovedstaden", "tyve", "-o", out
    )
    assert "Kommunekoden skal være et helt tal, fx 101" in command_error(
        "render_status_paper", "hovedstaden", "2018", "--municipality", "kbh", "-o", out
    )


def test_render_status_paper_to_an_unwritable_place_says_so(published_round, tmp_path):
    out = tmp_path / "findes-ikke" / "x.pdf"

    message = command_error("render_status_paper", "hovedstaden", "2018", "-o", str(out))

    assert f"PDF'en kunne ikke skrives til {out}" in message
    assert not out.exists()


def test_send_reminders_refuses_negative_days(open_status_round):
    assert "--days skal være 0 eller mere." in command_error("send_reminders", "--days", "-1")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rounds", "0"], "--rounds skal være mellem 1 og 50."),
        (["--rounds", "-3"], "--rounds skal være mellem 1 og 50."),
        (["--first-year", "0"], "--first-year skal være mellem 2000 og 2100"),
        (["--first-year", "99999"], "--first-year skal være mellem 2000 og 2100"),
        (["--first-year", "2095", "--rounds", "10"], "Den sidste runde (2104) ligger efter 2100."),
        (["--region", "atlantis"], "Ukendt region »atlantis«. Vælg en af: hovedstaden"),
        (["--rounds", "ti"], "--rounds skal være et helt tal"),
    ],
)
def test_generate_scale_data_refuses_bad_options_in_danish(args, message):
    assert message in command_error("generate_scale_data", *args)
    assert not StatusRound.objects.exists()
