"""The public API: reference data, goals and the published rounds with their progress and
lines. Anybody may read; only published rounds exist; query counts stay flat."""

import datetime

import pytest
from rest_framework.test import APIClient

from goals.models import Goal
from goals.models import GoalPaper
from goals.models import Milestone
from goals.models import MilestoneStatus
from goals.models import StatusRound
from tests.builders import build_round


@pytest.fixture
def api():
    return APIClient()


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_regions_clusters_and_municipalities(api, municipalities, other_municipality):
    regions = results(api.get("/api/v1/regions/"))
    assert {r["slug"]: r["municipality_count"] for r in regions} == {
        "hovedstaden": 3,
        "syddanmark": 1,
    }
    clusters = results(api.get("/api/v1/clusters/", {"region": "hovedstaden"}))
    assert [c["name"] for c in clusters] == ["Byen", "Nord"]

    in_region = results(api.get("/api/v1/municipalities/", {"region": "hovedstaden"}))
    assert [m["name"] for m in in_region] == ["Frederiksberg", "Hillerød", "København"]
    nord = clusters[1]["id"]
    in_nord = results(api.get("/api/v1/municipalities/", {"cluster": nord}))
    assert [m["kommunekode"] for m in in_nord] == [219]

    kobenhavn = api.get("/api/v1/municipalities/101/").json()
    assert kobenhavn == {
        "kommunekode": 101,
        "name": "København",
        "region": "hovedstaden",
        "cluster": clusters[0]["id"],
        "cluster_name": "Byen",
    }
    assert api.get("/api/v1/municipalities/999/").status_code == 404


def test_papers_and_goals_with_their_milestones_and_indicators(api, paper, region, other_region):
    GoalPaper.objects.create(
        region=region,
        title="Udkast til nye mål",
        kind=GoalPaper.Kind.KKR_GOALS,
        adopted_year=2024,
        first_year=2024,
        last_year=2027,
        source="draft.txt",
        state=GoalPaper.State.DRAFT,
    )
    papers = results(api.get("/api/v1/papers/", {"region": "hovedstaden"}))
    assert [p["title"] for p in papers] == ["KKR-mål for sundhed"]

    goals = results(api.get("/api/v1/goals/", {"region": "hovedstaden", "paper": paper.pk}))
    assert [g["number"] for g in goals] == ["1", "2"]
    acute, youth = goals
    assert acute["theme"] == "Akutfunktioner"
    assert [m["scope"] for m in acute["milestones"]] == ["municipality", "joint"]
    assert acute["milestones"][0]["due"] == "2017-12-31"
    assert acute["milestones"][0]["baseline_count"] == 1
    assert [i["name"] for i in youth["indicators"]] == ["Unge i forløb"]

    Goal.objects.filter(pk=youth["id"]).update(state=Goal.State.ACHIEVED)
    assert [g["number"] for g in results(api.get("/api/v1/goals/", {"state": "achieved"}))] == ["2"]
    assert results(api.get("/api/v1/goals/", {"kind": "development"})) == []
    assert results(api.get("/api/v1/goals/", {"region": "syddanmark"})) == []
    # A region nobody has is no empty list but a mistake, and the answer says which.
    atlantis = api.get("/api/v1/goals/", {"region": "atlantis"})
    assert atlantis.status_code == 400
    assert atlantis.json()["fields"] == {"region": ["atlantis findes ikke."]}

    joint = results(api.get("/api/v1/milestones/", {"scope": "joint"}))
    assert [m["text"] for m in joint] == ["Kommunerne udarbejder en fælles plan."]
    assert len(results(api.get("/api/v1/milestones/", {"goal": acute["id"]}))) == 2


def test_only_published_rounds_exist(api, paper, status_history, secretariat):
    closed = build_round(paper, 2019, state=StatusRound.State.CLOSED)
    open_round = build_round(paper, 2020, state=StatusRound.State.OPEN)

    listed = results(api.get("/api/v1/rounds/"))
    assert [r["year"] for r in listed] == [2018, 2017]
    for hidden in (closed, open_round):
        for path in ("/", "/progress/", "/lines/", "/lines.csv", "/lines.xlsx"):
            assert api.get(f"/api/v1/rounds/{hidden.pk}{path}").status_code == 404
    assert results(api.get("/api/v1/rounds/", {"year": 2019})) == []


def test_a_reopened_round_shows_its_last_publication_until_republished(
    api, status_history, secretariat, municipalities
):
    from goals import rounds
    from reports.progress import freeze

    second = status_history[2018]
    url = f"/api/v1/rounds/{second.pk}/progress/"
    before = api.get(url)
    assert api.get(f"/api/v1/rounds/{second.pk}/").json()["version"] == 1

    rounds.reopen_round(second, reason="Rettelse af Hillerøds svar", by=secretariat)
    MilestoneStatus.objects.filter(
        report__round=second, report__municipality=municipalities[219]
    ).update(status="met")
    meanwhile = api.get(url)
    assert meanwhile.status_code == 200
    assert meanwhile.json()["goals"] == before.json()["goals"]  # frozen, not the edit
    assert meanwhile["ETag"] == before["ETag"]

    freeze(second, reason="Hillerøds svar rettet")
    after = api.get(url)
    assert after["ETag"] != before["ETag"]
    assert after.json()["round"]["version"] == 2
    assert after.json()["goals"][0]["milestones"][0]["tally"]["met"] == 3


def test_round_links_and_progress(api, status_history):
    second = status_history[2018]
    detail = api.get(f"/api/v1/rounds/{second.pk}/").json()
    assert detail["region"] == "hovedstaden"
    assert detail["links"]["csv"].endswith(f"/api/v1/rounds/{second.pk}/lines.csv")
    assert detail["links"]["datapackage"].endswith("/api/v1/regions/hovedstaden/datapackage.zip")
    assert detail["links"]["paper_pdf"].endswith("/rapporter/hovedstaden/2018/statuspapir.pdf")

    document = api.get(f"/api/v1/rounds/{second.pk}/progress/").json()
    assert document["reported_count"] == 3
    assert document["municipality_count"] == 3
    acute, youth = document["goals"]
    first_milestone = acute["milestones"][0]
    # 2018: København and Frederiksberg met, Hillerød in progress past the deadline.
    assert first_milestone["tally"] == {
        "met": 2,
        "on_track": 0,
        "overdue": 1,
        "missing": 0,
        "not_relevant": 0,
        "total": 3,
    }
    assert first_milestone["statuses"] == {"met": 2, "in_progress": 1}
    joint = acute["milestones"][1]
    assert joint["answers"] == [
        {
            "cluster": None,
            "cluster_name": "",
            "status": "met",
            "evaluation": "met",
            "evaluation_label": "Opfyldt",
            "comment": "",
        }
    ]
    assert {c["cluster_name"]: c["tally"]["met"] for c in acute["clusters"]} == {
        "Byen": 2,
        "Nord": 0,
    }
    assert youth["decision"]["decision"] == "achieved"
    assert youth["verdict"] == "met"
    hillerod = next(m for m in document["municipalities"] if m["kommunekode"] == 219)
    assert hillerod["tally"]["overdue"] == 1
    assert hillerod["tally"]["missing"] == 1


def test_lines_page_by_page_in_a_stable_order(api, status_history):
    second = status_history[2018]
    url = f"/api/v1/rounds/{second.pk}/lines/"
    everything = results(api.get(url))
    assert len(everything) == 6  # 3 municipalities × 2 milestones asked of each
    hillerod = [row for row in everything if row["kommunekode"] == 219]
    assert hillerod[0]["evaluation"] == "overdue"
    assert hillerod[0]["status_label"] == "i gang"
    assert "<script>" in hillerod[0]["comment"]  # JSON carries the text as written
    assert hillerod[1]["evaluation"] == "missing"

    pages = []
    for page in (1, 2, 3):
        pages += results(api.get(url, {"page_size": 2, "page": page}))
    assert pages == everything
    assert api.get(url, {"page_size": 2, "page": 4}).status_code == 404


def test_published_data_answers_conditional_requests(api, status_history):
    second = status_history[2018]
    url = f"/api/v1/rounds/{second.pk}/progress/"
    first = api.get(url)
    assert first["ETag"] and first["Last-Modified"]
    assert api.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert api.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    assert api.get(url, HTTP_IF_NONE_MATCH='"round-0-0"').status_code == 200


def test_reading_needs_no_token_and_writing_public_data_is_not_allowed(api, paper):
    assert api.get("/api/v1/goals/").status_code == 200
    assert api.post("/api/v1/goals/", {}, format="json").status_code == 405
    assert api.delete(f"/api/v1/papers/{paper.pk}/").status_code == 405


def _more_goals(paper, start, count):
    for n in range(start, start + count):
        goal = Goal.objects.create(paper=paper, number=f"X{n}", order=10 + n, title=f"Mål {n}")
        Milestone.objects.create(goal=goal, text="Milepæl", due=datetime.date(2030, 1, 1))


@pytest.mark.parametrize(
    "path", ["/api/v1/goals/", "/api/v1/milestones/", "/api/v1/municipalities/"]
)
def test_query_count_is_flat_in_page_size(
    api, paper, municipalities, path, django_assert_max_num_queries
):
    _more_goals(paper, 0, 3)
    with django_assert_max_num_queries(5):
        assert len(results(api.get(path, {"page_size": 2}))) == 2
    _more_goals(paper, 3, 30)
    with django_assert_max_num_queries(5):
        assert len(results(api.get(path, {"page_size": 500}))) >= 3


def test_round_endpoints_query_count_does_not_grow_with_the_round(
    api, status_history, django_assert_max_num_queries
):
    second = status_history[2018]
    for path in ("progress/", "lines/?page_size=500", "lines.xlsx"):
        with django_assert_max_num_queries(16):
            assert api.get(f"/api/v1/rounds/{second.pk}/{path}").status_code == 200
