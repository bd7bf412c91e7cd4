"""Two people editing the same report: the second save is refused, told what changed, and
keeps what they typed; nothing is silently overwritten."""

import pytest
from django.test import Client
from django.urls import reverse

from goals import rounds

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(municipalities):
    from tests.conftest import make_user

    return make_user("indberetter-101-b", municipality=municipalities[101])


def blank(report, version):
    data = {"version": version, "save": "1"}
    for line in report.lines.all():
        for name in ("status", "comment", "evidence_url"):
            data[f"line-{line.milestone_id}-{name}"] = ""
    for value in report.indicator_values.all():
        data[f"value-{value.indicator_id}"] = ""
    return data


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

    mine = blank(report, 1)
    mine[f"line-{first.milestone_id}-status"] = "met"
    mine[f"line-{first.milestone_id}-comment"] = "Akutfunktionen er på plads"
    alice.post(url, mine)

    theirs = blank(report, 1)
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
    again = blank(report, 2)
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

    mine = blank(report, 1)
    mine[f"line-{first.milestone_id}-comment"] = "Alices tekst"
    alice.post(url, mine)
    theirs = blank(report, 1)
    theirs[f"line-{first.milestone_id}-comment"] = "Bobs tekst"
    text = bob.post(url, theirs).content.decode()

    assert "Også ændret af en anden:" in text
    assert "«Alices tekst»" in text
    assert "Bobs tekst</textarea>" in text
    first.refresh_from_db()
    assert first.comment == "Alices tekst"
