"""The menu offers each user the pages their role can use, and nothing else."""

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD


def menu_links(client, user):
    client.login(username=user.username, password=PASSWORD)
    html = client.get("/").content.decode()
    return {
        "reporting": reverse("goals:reporter_home") in html,
        "rounds": reverse("goals:secretariat_home") in html,
        "admin": reverse("admin:index") in html,
    }


@pytest.mark.django_db
def test_a_reporter_is_offered_reporting_only(client, reporters):
    assert menu_links(client, reporters[101]) == {
        "reporting": True,
        "rounds": False,
        "admin": False,
    }


@pytest.mark.django_db
def test_secretariat_staff_are_offered_the_rounds_and_the_admin(client, secretariat):
    assert menu_links(client, secretariat) == {"reporting": False, "rounds": True, "admin": True}


@pytest.mark.django_db
def test_anonymous_visitors_are_offered_the_login(client, region):
    html = client.get("/").content.decode()
    assert reverse("login") in html
    assert reverse("goals:reporter_home") not in html


@pytest.mark.django_db
def test_staff_status_taken_away_takes_the_rounds_link_too(client, secretariat):
    secretariat.is_staff = False
    secretariat.save()
    assert menu_links(client, secretariat) == {
        "reporting": False,
        "rounds": False,
        "admin": False,
    }
