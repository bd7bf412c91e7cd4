"""The reporter's start page (/indberetning/): each open report with its days left (or days
past the deadline), when it was last saved and how many lines are filled in, and the reports
of earlier rounds; in the same number of queries however many reports there are."""

import datetime

import pytest
from django.template.defaultfilters import date
from django.urls import reverse
from django.utils import timezone

from goals.models import StatusReport
from goals.models import StatusRound
from municipalities.models import Membership
from tests.builders import first_line
from tests.builders import opened_round
from tests.builders import save_line

pytestmark = pytest.mark.django_db


def home(client):
    return client.get(reverse("goals:reporter_home")).content.decode()


def test_an_untouched_report_shows_its_days_left_and_nothing_saved(reporter, report):
    text = home(reporter)

    assert "(30 dage tilbage)" in text
    assert "0 af 2 linjer udfyldt" in text
    assert "ikke gemt endnu" in text
    assert reverse("goals:report_form", args=[report.pk]) in text


def test_a_half_done_report_shows_its_progress_and_when_it_was_saved(reporter, report, reporters):
    line = first_line(report)
    save_line(report, line, reporters[101], version=1, status="in_progress", comment="Godt i gang")
    report.refresh_from_db()

    text = home(reporter)

    assert "1 af 2 linjer udfyldt" in text
    assert '<progress max="2" value="1"' in text
    assert date(timezone.localtime(report.updated_at), "DATETIME_FORMAT") in text
    assert "af indberetter-101" in text


def test_a_report_past_its_deadline_says_how_many_days_over(reporter, report):
    today = timezone.localdate()
    StatusRound.objects.filter(pk=report.round_id).update(
        opens=today - datetime.timedelta(days=20), deadline=today - datetime.timedelta(days=3)
    )

    text = home(reporter)

    assert "3 dage over fristen" in text
    assert "dage tilbage" not in text


def test_the_last_day_and_one_day_left_read_right(reporter, report):
    today = timezone.localdate()
    StatusRound.objects.filter(pk=report.round_id).update(opens=today, deadline=today)
    assert "(sidste dag i dag)" in home(reporter)
    StatusRound.objects.filter(pk=report.round_id).update(
        deadline=today + datetime.timedelta(days=1)
    )
    assert "(1 dag tilbage)" in home(reporter)


def test_past_reports_are_listed_under_earlier_rounds(reporter, status_history, report):
    text = home(reporter)

    earlier = text.split("Tidligere statusrunder")[1]
    for year in (2017, 2018):
        past = StatusReport.objects.get(round=status_history[year], municipality__kommunekode=101)
        assert reverse("goals:report_form", args=[past.pk]) in earlier
    assert reverse("goals:report_form", args=[report.pk]) not in earlier


HOME_QUERIES = 6


@pytest.mark.parametrize("rounds_count", [1, 8])
def test_the_start_page_is_flat(
    client,
    paper,
    municipalities,
    reporters,
    secretariat,
    rounds_count,
    django_assert_max_num_queries,
):
    """A reporter for every municipality of the region, with years of rounds behind them."""
    reporter = reporters[101]
    for code in (147, 219):
        Membership.objects.create(
            user=reporter, role=Membership.Role.REPORTER, municipality=municipalities[code]
        )
    for year in range(2030, 2030 + rounds_count):
        opened_round(paper, by=secretariat, year=year, deadline=datetime.date(2099, 1, 1))
    client.force_login(reporter)

    with django_assert_max_num_queries(HOME_QUERIES):
        response = client.get(reverse("goals:reporter_home"))

    assert response.status_code == 200
    assert response.content.decode().count("0 af 2 linjer udfyldt") == 3 * rounds_count
