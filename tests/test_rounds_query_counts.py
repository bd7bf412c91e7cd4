"""The round overview, the report form and submitting a report keep a fixed number of queries
whether the region has 5 municipalities or all 98 of the country, and a report with few lines or
many."""

import datetime

import pytest
from django.urls import reverse

from goals.models import StatusReport
from municipalities.models import Municipality
from tests.builders import confirm_submission
from tests.builders import filled_in
from tests.builders import make_user
from tests.builders import opened_round
from tests.builders import submitted

pytestmark = pytest.mark.django_db

# The same bound for both sizes: a page that grows with the region fails at 98. The cockpit's
# tenth looks up the round's latest publication (its public page and papers); a published
# round costs one more, for its papers, whatever the number of municipalities.
OVERVIEW_QUERIES = 10
FORM_QUERIES = 10


@pytest.fixture(params=[5, 98], ids=["5-municipalities", "98-municipalities"])
def region_of_size(request, region, clusters, paper, secretariat):
    size = request.param
    cluster_list = list(clusters.values())
    for index in range(size):
        Municipality.objects.create(
            kommunekode=300 + index,
            name=f"Kommune {index:02d}",
            region=region,
            cluster=cluster_list[index % len(cluster_list)],
        )
    opened_round(
        paper,
        by=secretariat,
        year=2024,
        opens=datetime.date(2024, 1, 1),
        deadline=datetime.date(2024, 3, 1),
    )
    this_year = opened_round(paper, by=secretariat)
    reporter = make_user("indberetter-300", municipality=Municipality.objects.get(kommunekode=300))
    # Half the municipalities have submitted, so the page shows who and when.
    for report in this_year.reports.select_related("municipality")[: size // 2]:
        submitted(report, reporter)
    assert this_year.reports.count() == size
    return {"round": this_year, "reporter": reporter, "size": size}


def test_round_overview_is_flat(client, secretariat, region_of_size, django_assert_max_num_queries):
    client.force_login(secretariat)
    url = reverse("secretariat:round_overview", args=[region_of_size["round"].pk])
    with django_assert_max_num_queries(OVERVIEW_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    size = region_of_size["size"]
    assert f"<strong>{size // 2} af {size}</strong> indberettet" in text
    assert text.count("Kommune ") >= size


def test_report_form_is_flat(client, region_of_size, django_assert_max_num_queries):
    client.force_login(region_of_size["reporter"])
    report = StatusReport.objects.get(round=region_of_size["round"], municipality__kommunekode=300)
    url = reverse("goals:report_form", args=[report.pk])
    with django_assert_max_num_queries(FORM_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    assert f"Kommune 00 – status {report.round.year}" in response.content.decode()


SUBMIT_QUERIES = 21
SUMMARY_QUERIES = 10


@pytest.mark.parametrize("extra_milestones", [0, 12], ids=["few-lines", "many-lines"])
def test_submitting_a_whole_report_is_flat(
    client,
    paper,
    municipalities,
    reporters,
    secretariat,
    extra_milestones,
    django_assert_max_num_queries,
):
    """98 municipalities submit at once at the deadline: each line must not cost its own
    queries (and history rows), or a long paper makes every submission slower."""
    from goals.models import Milestone

    goal = paper.goals.get(number="1")
    for order in range(extra_milestones):
        Milestone.objects.create(
            goal=goal, order=10 + order, text=f"Ekstra milepæl {order}", scope="municipality"
        )
    status_round = opened_round(paper, by=secretariat)
    report = StatusReport.objects.get(round=status_round, municipality__kommunekode=101)
    milestones = list(report.lines.values_list("milestone_id", flat=True))
    assert len(milestones) >= 2 + extra_milestones
    data = filled_in(report, status="met", comment="Opfyldt i år.", button="submit")
    client.force_login(reporters[101])

    # "Indsend" saves what is typed, then the summary's "Bekræft indsendelse" submits it.
    with django_assert_max_num_queries(SUBMIT_QUERIES):
        response = client.post(reverse("goals:report_form", args=[report.pk]), data)
    assert response.status_code == 302
    with django_assert_max_num_queries(SUMMARY_QUERIES):
        assert client.get(response["Location"]).status_code == 200
    with django_assert_max_num_queries(SUBMIT_QUERIES):
        assert confirm_submission(client, report).status_code == 302

    report.refresh_from_db()
    assert report.state == StatusReport.State.SUBMITTED
    assert report.lines.filter(status="met", comment="Opfyldt i år.").count() == len(milestones)
    # Every line's change is still in its history, with who made it.
    line = report.lines.first()
    assert line.history.first().history_user == reporters[101]
    assert line.history.first().comment == "Opfyldt i år."
