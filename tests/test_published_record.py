"""A published status is a record: publishing freezes what the public sees (texts, counts,
evaluations, comments, decisions, names) as a version of the round; later edits to goals,
milestones or municipalities change neither the pages nor the stored or re-rendered PDFs; a
reopen and republish makes a new version with its reason, and the earlier one stays
readable. Every surface shows a goal's figures on one count basis, and what changed since
the last status."""

import datetime
import io
import re

import pytest
from pypdf import PdfReader

from goals import rounds
from goals.evaluation import MET
from goals.evaluation import MISSING
from goals.evaluation import ON_TRACK
from goals.evaluation import OVERDUE
from goals.evaluation import change_text
from goals.models import GoalDecision
from goals.models import Milestone
from goals.models import MilestoneStatus
from goals.models import StatusReport
from goals.models import StatusRound
from municipalities.models import Municipality
from reports import papers
from reports.models import Publication
from reports.models import StoredPaper
from reports.progress import published_progress
from reports.progress import round_progress
from tests.builders import build_round
from tests.builders import opened_round
from tests.builders import public_urls
from tests.builders import submitted

pytestmark = pytest.mark.django_db


def _pdf_text(pdf):
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


def _page(client, url):
    """The page's text, whitespace folded. A public page is the same for every reading (no
    per-request token on it), so two readings of one page compare equal as they stand."""
    response = client.get(url)
    assert response.status_code == 200, url
    return re.sub(r"\s+", " ", response.content.decode())


def _stored_text(publication):
    stored = StoredPaper.objects.get(publication=publication, municipality=None)
    with stored.file.open("rb") as f:
        return stored, _pdf_text(f.read())


@pytest.fixture
def published_2018(paper, closed_2018, publish):
    """2017 published as built; 2018 closed with answers and a decision (goal 1 continues), and
    published through `publish_round`, its papers rendered."""
    build_round(
        paper,
        2017,
        lines=[(101, "1", 1, "met", ""), (147, "1", 1, "met", ""), (101, "2", 1, "met", "")],
        joint=[("1", 2, "in_progress")],
    )
    GoalDecision.objects.create(
        round=closed_2018,
        goal=paper.goals.get(number="1"),
        decision="continue",
        comment="Frederiksberg følger op.",
    )
    return publish(closed_2018)


def test_editing_after_publishing_changes_no_published_page_nor_pdf(
    client, published_2018, paper, municipalities
):
    goal = paper.goals.get(number="1")
    before = {
        url: _page(client, url) for url in public_urls(goal, years=[2018], kommunekoder=[147])
    }
    publication = Publication.objects.latest_for(published_2018)
    stored, pdf_before = _stored_text(publication)
    assert "Effektive akuttilbud" in pdf_before and "Frederiksberg" in pdf_before

    # The secretariat edits the paper and the reference data after publishing.
    # Saved as the admin saves (a queryset update would also bypass the pages' cache).
    goal.title = "Omdøbt mål om akutfunktioner"
    goal.save()
    Milestone.objects.filter(goal=goal, order=1).update(
        text="Ny milepælstekst skrevet efter offentliggørelsen.", due=datetime.date(2030, 1, 1)
    )
    renamed = Municipality.objects.get(kommunekode=147)
    renamed.name = "Frederiksberg Omdøbt"
    renamed.save()
    MilestoneStatus.objects.filter(report__round=published_2018).update(status="not_started")

    status_page = _page(client, "/hovedstaden/status/2018/")
    assert status_page == before["/hovedstaden/status/2018/"]
    # The region page's published status is as it was; its papers and municipalities below
    # are the live part (today's names).
    live = "<h2>Målpapirer</h2>"
    region_page = _page(client, "/hovedstaden/")
    assert region_page.split(live)[0] == before["/hovedstaden/"].split(live)[0]
    assert "Omdøbt mål om akutfunktioner" in region_page.split(live)[1]
    assert (
        "Omdøbt"
        not in _page(client, "/hovedstaden/kommuner/147/")
        .replace("Frederiksberg Omdøbt</h1>", "")
        .split('<table class="milestones">')[1]
    )
    goal_page = _page(client, f"/hovedstaden/maal/{goal.pk}/")
    # The goal page's live part shows today's title; its published status does not move.
    assert "Omdøbt mål om akutfunktioner" in goal_page.split('class="published-status"')[0]
    published_part = goal_page.split('class="published-status"')[1]
    assert "Ny milepælstekst" not in published_part
    assert "Alle kommuner har en akutfunktion" in published_part
    assert "2 af 3 kommuner" in published_part

    # The stored file is untouched, and a re-render (the admin's retry) reads the record.
    _same, stored_text = _stored_text(publication)
    assert stored_text == pdf_before
    papers.render_stored(stored)
    _same, rerendered = _stored_text(publication)
    assert "Effektive akuttilbud" in rerendered and "Omdøbt" not in rerendered
    assert "Ny milepælstekst" not in rerendered and "2 af 3 kommuner" in rerendered
    # So is a municipality's paper.
    frederiksberg = StoredPaper.objects.get(
        publication=publication, municipality=municipalities[147]
    )
    papers.render_stored(frederiksberg)
    with frederiksberg.file.open("rb") as f:
        text = _pdf_text(f.read())
    assert "Frederiksberg · Status 2018" in text and "Omdøbt" not in text
    assert "Kommunens status: i gang" in text


def test_republishing_makes_a_new_version_and_keeps_the_first(
    client, published_2018, secretariat, municipalities, publish
):
    first_page = _page(client, "/hovedstaden/status/2018/")
    assert "Rettet" not in first_page
    rounds.reopen_round(published_2018, reason="Frederiksbergs status var forkert", by=secretariat)

    # While it is being corrected, the public still reads what was published.
    assert _page(client, "/hovedstaden/status/2018/") == first_page
    MilestoneStatus.objects.filter(
        report__round=published_2018, report__municipality=municipalities[147]
    ).update(status="met")
    rounds.close_round(published_2018, by=secretariat)
    publish(published_2018)

    latest = Publication.objects.latest_for(published_2018)
    assert (latest.version, latest.reason) == (2, "Frederiksbergs status var forkert")
    page = _page(client, "/hovedstaden/status/2018/")
    today = latest.published_at
    assert f"Rettet {today.day}. " in page and "Frederiksbergs status var forkert" in page
    assert "3 af 3 kommuner" in page
    # The first version stays readable, page and PDF.
    old = _page(client, "/hovedstaden/status/2018/v1/")
    assert "2 af 3 kommuner" in old and "Rettet" not in old.split("Tidligere versioner")[0]
    assert "/rapporter/hovedstaden/2018/v1/statuspapir.pdf" in page
    response = client.get("/rapporter/hovedstaden/2018/v1/statuspapir.pdf")
    assert response.status_code == 200
    assert "2 af 3 kommuner" in _pdf_text(b"".join(response.streaming_content))
    response = client.get("/rapporter/hovedstaden/2018/statuspapir.pdf")
    text = _pdf_text(b"".join(response.streaming_content))
    assert "3 af 3 kommuner" in text and "Frederiksbergs status var forkert" in text
    assert client.get("/hovedstaden/status/2018/v3/").status_code == 404

    # The secretariat sees the versions and the reason in the admin; nobody edits them there.
    client.force_login(secretariat)
    changelist = client.get("/admin/reports/publication/").content.decode()
    assert "Frederiksbergs status var forkert" in changelist
    assert client.get(f"/admin/reports/publication/{latest.pk}/delete/").status_code == 403


def test_the_version_key_is_cheap_and_moves_with_each_publishing(
    published_2018, django_assert_max_num_queries
):
    with django_assert_max_num_queries(1):
        publication = Publication.objects.latest_for(published_2018)
    assert publication.version == 1
    assert "payload" in publication.get_deferred_fields()
    assert (
        Publication.objects.latest_for(build_round(published_2018.paper, 2019, state="closed"))
        is None
    )


def test_every_surface_shows_the_same_figures_for_a_goal(client, status_history, paper):
    """Goal 1 in 2018: 2 of the 3 municipalities met its municipal milestone; its KKR-wide
    milestone is met and counted apart (not "3 af 4")."""
    goal = paper.goals.get(number="1")
    surfaces = {
        "region page": _page(client, "/hovedstaden/"),
        "status page": _page(client, "/hovedstaden/status/2018/"),
        "goal page": _page(client, f"/hovedstaden/maal/{goal.pk}/"),
        "pdf": _pdf_text(papers.render_status_paper(status_history[2018])),
    }
    for name, text in surfaces.items():
        assert "2 af 3 kommuner" in text, name
        assert "Fælles milepæle: 1 af 1 opfyldt" in text, name
        assert "3 af 4" not in text, name
    # The trend bar reads the same: 2 of 3 met in 2018 (67 %), in the chart's words too.
    for name in ("region page", "status page", "goal page"):
        assert "2018: 2 af 3 opfyldt" in surfaces[name], name
        assert "67 % opfyldt" in surfaces[name], name
    # In English the same figures, on the status page and the goal page.
    for url in ("/en/hovedstaden/status/2018/", f"/en/hovedstaden/maal/{goal.pk}/"):
        english = _page(client, url)
        assert "2 of 3 municipalities" in english, url
        assert "Joint milestones: 1 of 1 met" in english, url
    # A municipality's page and paper give the region's total beside its own line.
    municipality_page = _page(client, "/hovedstaden/kommuner/147/")
    goal_row = municipality_page.split(f'href="/hovedstaden/maal/{goal.pk}/"')[1].split("</tr>")[0]
    assert '<td class="num nowrap" data-label="Regionen i alt">2 af 3</td>' in goal_row
    municipality_pdf = _pdf_text(
        papers.render_status_paper(
            status_history[2018], paper.region.municipalities.get(kommunekode=147)
        )
    )
    assert "2 af 3 opfyldt" in municipality_pdf
    progress = published_progress(status_history[2018])
    g = next(g for g in progress.goals if g.goal.number == "1")
    assert g.headline[:2] == (2, 3) == (g.trend[-1].tally.met, g.trend[-1].tally.total)


def test_changes_since_the_last_status_on_the_status_page_and_in_the_pdf(
    client, status_history, paper
):
    page = _page(client, "/hovedstaden/status/2018/")
    pdf = _pdf_text(papers.render_status_paper(status_history[2018]))
    for text in (page, pdf):
        assert "Ændringer siden sidste status" in text
        # Frederiksberg moved up; Hillerød's 2017 draft never counted, so it is new.
        assert "Frederiksberg</strong>, milepæl 1: steget fra i gang til opfyldt" in text or (
            "Frederiksberg, milepæl 1: steget fra i gang til opfyldt" in text
        )
        assert "ny: i gang" in text
        assert "ændret fra ikke påbegyndt til ikke relevant" in text
        assert "Opfyldt: 2 af 3 kommuner (status 2017: 1 af 3)" in text
    first = _page(client, "/hovedstaden/status/2017/")
    assert "Dette er den første status for målpapiret" in first
    assert change_text("met", "in_progress") == "faldet fra opfyldt til i gang"
    assert change_text("", "met") == "ny: opfyldt"
    assert change_text("met", "met") == ""


def test_the_municipality_page_names_both_vocabularies(client, status_history):
    page = _page(client, "/hovedstaden/kommuner/219/")
    assert "Vurdering 2018" in page
    assert "Forsinket" in page and "Kommunens status: i gang" in page
    assert "Ny: i gang" in page


def test_an_approximate_deadline_is_read_as_the_end_of_its_year(paper, municipalities):
    goal = paper.goals.get(number="2")
    Milestone.objects.filter(goal=goal).update(
        due=datetime.date(2018, 3, 1), due_approximate=True, due_text="primo 2018"
    )
    lines = [(101, "2", 1, "in_progress", ""), (147, "2", 1, "met", "")]
    in_2017 = round_progress(build_round(paper, 2017, lines=lines, drafts=[219]))
    in_2018 = round_progress(
        build_round(paper, 2018, lines=lines + [(219, "2", 1, "met", "")], drafts=[219])
    )

    def cells(progress):
        g = next(g for g in progress.goals if g.goal.number == "2")
        return {code: g.milestones[0].cells[m.pk].evaluation for code, m in municipalities.items()}

    # "primo 2018" is ahead at the end of 2017 and passed at the end of 2018.
    assert cells(in_2017) == {101: ON_TRACK, 147: MET, 219: MISSING}
    # Hillerød's draft claims "met" but was never sent: not counted.
    assert cells(in_2018) == {101: OVERDUE, 147: MET, 219: MISSING}


def test_the_report_form_shows_the_evaluation_before_submitting(
    reporter, report, paper, django_capture_on_commit_callbacks
):
    year = report.round.year
    overdue = Milestone.objects.get(goal__number="1", order=1)
    Milestone.objects.filter(pk=overdue.pk).update(due=datetime.date(year - 1, 12, 31))
    MilestoneStatus.objects.filter(report=report, milestone=overdue).update(status="in_progress")
    MilestoneStatus.objects.filter(report=report, milestone__goal__number="2").update(status="met")

    page = _page(reporter, f"/indberetning/{report.pk}/")

    line = page.split(f'id="line-{overdue.pk}"')[1].split("</article>")[0]
    assert "Kommunens status" in line
    assert "Vurdering, når indberetningen er indsendt:" in line and "Forsinket" in line
    assert "Fristen er overskredet" in line
    other = page.split('id="line-')[-1]
    assert "Opfyldt" in other


def test_the_review_page_shows_how_each_line_moved(
    client, status_history, paper, municipalities, reporters, secretariat
):
    status_round = opened_round(paper, by=secretariat, year=2019)  # open until next month
    report = StatusReport.objects.get(round=status_round, municipality=municipalities[147])
    submitted(report, reporters[147])
    client.force_login(secretariat)

    page = _page(client, f"/sekretariat/indberetninger/{report.pk}/")

    # Frederiksberg: milestone 2/1 was "ikke relevant" in 2018, now "opfyldt"; 1/1 unchanged.
    assert "Ændret fra ikke relevant til opfyldt" in page
    assert page.count('class="change"') == 1


def test_reading_a_publication_is_one_query(status_history, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        progress = published_progress(status_history[2018])
    assert progress.published and progress.publication.version == 1
    assert published_progress(status_history[2018], version=2) is None
    assert {
        c.evaluation for g in progress.goals for m in g.milestones for c in m.cells.values()
    } <= {
        MET,
        ON_TRACK,
        OVERDUE,
        MISSING,
        "not_relevant",
    }


def test_a_reopened_round_shows_nothing_unpublished_on_any_public_page(
    client, published_2018, paper, secretariat
):
    """While 2018 is reopened for a correction, and whatever is edited in 2017's and 2018's
    answers, joint progress and decisions meanwhile, every public page (Danish and English)
    reads exactly as published: the municipality's earlier years and the goal's decisions
    too."""
    from goals.models import JointProgress

    goal = paper.goals.get(number="1")
    urls = public_urls(goal, years=[2017, 2018], kommunekoder=[101, 147])
    urls += ["/en/hovedstaden/kommuner/101/", f"/en/hovedstaden/maal/{goal.pk}/"]
    before = {url: _page(client, url) for url in urls}
    assert "Frederiksberg følger op." in before[f"/hovedstaden/maal/{goal.pk}/"]

    rounds.reopen_round(published_2018, reason="En rettelse", by=secretariat)
    MilestoneStatus.objects.filter(report__round__paper=paper).update(status="not_started")
    JointProgress.objects.filter(round__paper=paper).update(status="not_started")
    GoalDecision.objects.filter(round=published_2018).update(
        decision="achieved", comment="Ændret under genåbningen."
    )
    for url in urls:
        assert _page(client, url) == before[url], url


def test_a_new_status_compares_with_the_last_one_as_published(
    client, paper, municipalities, secretariat, publish
):
    """2017 is reopened for a correction (its answers edited, not yet republished) while
    2018 is published: 2018's trend and changes read 2017 as the public saw it."""
    first = build_round(paper, 2017, lines=[(101, "1", 1, "met", ""), (147, "1", 1, "met", "")])
    rounds.reopen_round(first, reason="Rettelse af 2017", by=secretariat)
    MilestoneStatus.objects.filter(report__round=first).update(status="not_started")
    closed = build_round(
        paper,
        2018,
        state=StatusRound.State.CLOSED,
        lines=[(101, "1", 1, "met", ""), (147, "1", 1, "met", ""), (219, "1", 1, "met", "")],
    )
    publish(closed)

    page = _page(client, "/hovedstaden/status/2018/")
    assert "Dette er den første status" not in page
    assert "2017: 2 af 3 opfyldt" in page
    assert "Opfyldt: 3 af 3 kommuner (status 2017: 2 af 3)" in page
    assert "ny: opfyldt" in page and "steget fra" not in page
