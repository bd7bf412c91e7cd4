"""The secretariat's round cockpit (/sekretariat/runder/<id>/): per municipality its state,
lines filled, last activity and days left or overdue; sorting and filtering by links; untouched
drafts told apart from half-done ones; a flat number of queries however many municipalities."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from goals import rounds
from goals.models import StatusReport
from goals.models import StatusRound
from municipalities.models import Municipality
from tests.builders import submitted

pytestmark = pytest.mark.django_db


def half_done(report, user):
    """One line answered and saved as a draft, the rest left blank."""
    first = report.lines.order_by("pk").values_list("milestone_id", flat=True).first()
    return rounds.save_report(
        report,
        version=report.version,
        lines={first: {"status": "in_progress"}},
        values={},
        by=user,
    )


def past_deadline(status_round, days=3):
    today = timezone.localdate()
    StatusRound.objects.filter(pk=status_round.pk).update(
        opens=today - datetime.timedelta(days=40), deadline=today - datetime.timedelta(days=days)
    )


def rows(page):
    """(municipality, row html) in the order shown."""
    body = page.content.decode().split("<tbody>")[1].split("</tbody>")[0]
    found = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.DOTALL)
    return [
        (re.search(r"<strong>(.*?)</strong>", row).group(1), row)
        for row in found
        if 'scope="row"' in row
    ]


def names(page):
    return [name for name, _row in rows(page)]


def url(status_round, **query):
    return reverse("secretariat:round_overview", args=[status_round.pk]), query


def test_each_municipality_shows_state_lines_last_activity_and_days_left(
    staff, open_status_round, reports, reporters
):
    submitted(reports[101], reporters[101])
    half_done(reports[147], reporters[147])
    path, _query = url(open_status_round)
    shown = dict(rows(staff.get(path)))
    total = reports[101].lines.count()

    assert "indsendt" in shown["København"]
    assert f"{total} af {total}" in shown["København"]
    assert "indberetter-101" in shown["København"]  # who was last active
    assert "dage tilbage" not in shown["København"]  # sent in: no countdown

    assert f"1 af {total}" in shown["Frederiksberg"]
    assert "indberetter-147" in shown["Frederiksberg"]
    assert "ikke påbegyndt" not in shown["Frederiksberg"]  # half done, not untouched
    assert "30 dage tilbage" in shown["Frederiksberg"]

    assert "ikke påbegyndt" in shown["Hillerød"]  # nothing saved since the round opened
    assert f"0 af {total}" in shown["Hillerød"]
    assert "intet gemt endnu" in shown["Hillerød"]


def test_days_overdue_are_counted_for_the_late(staff, open_status_round, reports, reporters):
    submitted(reports[101], reporters[101])
    past_deadline(open_status_round, days=3)
    shown = dict(rows(staff.get(url(open_status_round)[0])))
    assert "3 dage over fristen" in shown["Frederiksberg"]
    assert "3 dage over fristen" in shown["Hillerød"]
    assert "over fristen" not in shown["København"]


def test_quick_filters_are_links_with_counts(staff, open_status_round, reports, reporters):
    submitted(reports[101], reporters[101])
    half_done(reports[147], reporters[147])
    path = url(open_status_round)[0]
    page = staff.get(path).content.decode()
    for slug in ("ikke-indsendt", "over-fristen", "ikke-paabegyndt", "til-gennemsyn"):
        assert f'href="?vis={slug}"' in page

    assert names(staff.get(path, {"vis": "ikke-indsendt"})) == ["Frederiksberg", "Hillerød"]
    assert names(staff.get(path, {"vis": "ikke-paabegyndt"})) == ["Hillerød"]
    assert names(staff.get(path, {"vis": "til-gennemsyn"})) == ["København"]
    assert names(staff.get(path, {"vis": "over-fristen"})) == []
    past_deadline(open_status_round)
    assert names(staff.get(path, {"vis": "over-fristen"})) == ["Frederiksberg", "Hillerød"]
    # An unknown filter shows everything rather than an error.
    assert len(names(staff.get(path, {"vis": "<script>"}))) == 3


def test_sorting_by_each_column_and_back(staff, open_status_round, reports, reporters):
    submitted(reports[219], reporters[219])
    half_done(reports[101], reporters[101])
    path = url(open_status_round)[0]

    assert names(staff.get(path)) == ["Frederiksberg", "Hillerød", "København"]
    assert names(staff.get(path, {"sorter": "-kommune"})) == [
        "København",
        "Hillerød",
        "Frederiksberg",
    ]
    # Along the workflow: untouched first, then half done, then sent in.
    assert names(staff.get(path, {"sorter": "tilstand"})) == [
        "Frederiksberg",
        "København",
        "Hillerød",
    ]
    assert names(staff.get(path, {"sorter": "-linjer"}))[0] == "Hillerød"
    assert names(staff.get(path, {"sorter": "linjer"}))[0] == "Frederiksberg"
    StatusReport.objects.filter(pk=reports[101].pk).update(
        updated_at=timezone.now() + datetime.timedelta(hours=1)
    )
    assert names(staff.get(path, {"sorter": "-aktivitet"}))[0] == "København"
    # The header of the active column flips the direction and keeps the filter.
    page = staff.get(path, {"sorter": "linjer", "vis": "ikke-indsendt"}).content.decode()
    assert 'href="?vis=ikke-indsendt&amp;sorter=-linjer"' in page
    assert 'aria-sort="ascending"' in page
    assert names(staff.get(path, {"sorter": "1; DROP"})) == names(staff.get(path))


def test_query_count_stays_flat_as_municipalities_grow(
    staff, region, clusters, open_status_round, reports, reporters, django_assert_max_num_queries
):
    path = url(open_status_round)[0]
    past_deadline(open_status_round)
    staff.get(path)  # warm the session and the caches
    with django_assert_max_num_queries(20) as few:
        staff.get(path)
    for code in range(300, 330):
        Municipality.objects.create(
            kommunekode=code, name=f"Kommune {code}", region=region, cluster=clusters["Nord"]
        )
    rounds.open_round(open_status_round, by=None)  # adds the new municipalities' drafts
    assert StatusReport.objects.filter(round=open_status_round).count() == 33
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = staff.get(path)
    assert len(names(page)) == 33
    xlsx = reverse("secretariat:round_overview_xlsx", args=[open_status_round.pk])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert staff.get(xlsx).status_code == 200


def test_another_regions_secretariat_and_reporters_see_nothing(
    client, open_status_round, other_secretariat, reporters
):
    path = url(open_status_round)[0]
    client.force_login(other_secretariat)
    assert client.get(path).status_code == 404
    client.force_login(reporters[101])
    assert client.get(path).status_code == 404


def test_the_secretariats_rounds_the_cockpit_and_the_admin_count_the_reported_alike(
    staff, open_status_round, reports, reporters, secretariat
):
    """ "N af M indberettet" is `StatusRound.objects.with_report_counts()` on the secretariat's
    rounds and in the admin, `reported()` in the cockpit: sent in and approved count, a draft
    or a report sent back does not."""
    rounds.approve_report(submitted(reports[101], reporters[101]), by=secretariat)
    rounds.return_report(
        submitted(reports[147], reporters[147]), comment="Ret linje 1.", by=secretariat
    )
    submitted(reports[219], reporters[219])

    cockpit = staff.get(url(open_status_round)[0]).content.decode()
    assert "<strong>2 af 3</strong> indberettet" in cockpit
    home = staff.get(reverse("secretariat:secretariat_home")).content.decode()
    assert "<td>2 af 3</td>" in home
    listing = staff.get(reverse("admin:goals_statusround_changelist")).content.decode()
    assert re.search(r'<td class="field-reported">\s*2 af 3\s*</td>', listing)


def test_a_published_round_is_followed_to_its_public_page_and_papers(
    staff, closed_2018, secretariat
):
    """Frederiksberg's report is sent in, not reviewed, when the round is closed: it may be
    reviewed until the round is published, then only seen. The cockpit links the public
    status page and each PDF, and says which are still being rendered."""
    from reports import publishing
    from reports.models import StoredPaper
    from tests.builders import row_of

    closed_2018.reports.filter(municipality__kommunekode=147).update(
        state=StatusReport.State.SUBMITTED
    )
    cockpit = reverse("secretariat:round_overview", args=[closed_2018.pk])
    assert "Behandl" in row_of(staff.get(cockpit), "Frederiksberg")

    publishing.publish_round(closed_2018, by=secretariat)  # its papers wait for a worker
    page = staff.get(cockpit).content.decode()
    assert "Behandl" not in page
    assert all(">Se<span" in row_of(page, name) for name in ("København", "Frederiksberg"))
    assert 'href="/hovedstaden/status/2018/"' in page
    assert "Regionens statuspapir (PDF) dannes stadig." in page
    assert "Kommunernes statuspapirer: 0 af 3 er klar." in page
    assert "PDF dannes" in row_of(page, "Hillerød")

    StoredPaper.objects.filter(round=closed_2018).update(
        state=StoredPaper.State.DONE, file="papers/x.pdf"
    )
    page = staff.get(cockpit).content.decode()
    assert 'href="/rapporter/hovedstaden/2018/statuspapir.pdf"' in page
    assert "Kommunernes statuspapirer: 3 af 3 er klar." in page
    assert 'href="/rapporter/hovedstaden/2018/219.pdf"' in row_of(page, "Hillerød")


def test_a_round_action_comes_back_to_the_cockpit_as_it_was_filtered(staff, open_status_round):
    cockpit = reverse("secretariat:round_overview", args=[open_status_round.pk])
    action = reverse("secretariat:round_action", args=[open_status_round.pk])
    page = staff.get(cockpit, {"vis": "ikke-paabegyndt"}).content.decode()
    assert f'href="{action}?action=close&amp;vis=ikke-paabegyndt"' in page

    confirm = staff.get(action, {"action": "close", "vis": "ikke-paabegyndt"}).content.decode()
    assert 'name="vis" value="ikke-paabegyndt"' in confirm
    assert f'href="{cockpit}?vis=ikke-paabegyndt"' in confirm  # "Fortryd"
    response = staff.post(action, {"action": "close", "vis": "ikke-paabegyndt"})
    assert response.url == f"{cockpit}?vis=ikke-paabegyndt"


def test_a_published_rounds_cockpit_stays_flat_in_queries(
    staff, status_history, django_assert_max_num_queries
):
    url = reverse("secretariat:round_overview", args=[status_history[2018].pk])
    staff.get(url)
    with django_assert_max_num_queries(11):
        assert staff.get(url).status_code == 200
