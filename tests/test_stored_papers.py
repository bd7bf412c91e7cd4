"""Publishing a round renders the region's paper and every municipality's PDF once and
stores them; without a broker it answers at once and renders after the response. Downloads
serve the stored file and never render. The admin shows pending, done and failed renders,
retries a failed one and previews any round (drafts too), rendered once per version of the
round, saying so while it renders or when it failed."""

import os

from goals import rounds
from reports import papers
from reports.models import StoredPaper
from tests.builders import build_round
from tests.builders import submitted


def _refuse_rendering(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("WeasyPrint must not run on a download")

    monkeypatch.setattr(papers, "html_to_pdf", refuse)
    monkeypatch.setattr("weasyprint.HTML.write_pdf", refuse)


def test_publishing_stores_the_region_paper_and_every_municipality_pdf(
    closed_2018, publish, municipalities
):
    publish(closed_2018)

    stored = StoredPaper.objects.filter(round=closed_2018)
    assert stored.count() == 4
    assert set(stored.values_list("state", flat=True)) == {StoredPaper.State.DONE}
    assert set(
        stored.exclude(municipality=None).values_list("municipality__kommunekode", flat=True)
    ) == {
        101,
        147,
        219,
    }
    region_paper = stored.get(municipality=None)
    assert region_paper.file.name.endswith(
        "statuspapirer/hovedstaden/2018/v1/KKR-Hovedstaden-status-2018.pdf"
    )
    with region_paper.file.open("rb") as f:
        assert f.read(5) == b"%PDF-"
    assert region_paper.rendered_at is not None and region_paper.attempts == 1


def test_download_serves_the_stored_file_and_never_renders(
    client, closed_2018, publish, monkeypatch
):
    publish(closed_2018)
    stored = StoredPaper.objects.get(round=closed_2018, municipality=None)
    path = stored.file.path
    before = os.stat(path).st_mtime_ns
    with open(path, "rb") as f:
        content = f.read()
    _refuse_rendering(monkeypatch)

    response = client.get("/rapporter/hovedstaden/2018/statuspapir.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="KKR-Hovedstaden-status-2018.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == content
    assert os.stat(path).st_mtime_ns == before

    response = client.get("/rapporter/hovedstaden/2018/219.pdf")
    assert response.status_code == 200
    assert (
        'filename="KKR-Hovedstaden-status-2018-219-Hilleroed.pdf"'
        in response["Content-Disposition"]
    )
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_a_paper_still_rendering_says_so(client, paper, municipalities):
    build_round(paper, 2018, lines=[])  # published, but nothing stored yet

    response = client.get("/rapporter/hovedstaden/2018/statuspapir.pdf")

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "Statuspapiret er ved at blive dannet" in response.content.decode()


def test_a_failed_render_shows_in_the_admin_and_can_be_retried(
    client, closed_2018, publish, secretariat, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(html):
        raise RuntimeError("Skrifttypen mangler")

    monkeypatch.setattr(papers, "html_to_pdf", broken)
    publish(closed_2018)
    failed = StoredPaper.objects.filter(round=closed_2018)
    assert set(failed.values_list("state", flat=True)) == {StoredPaper.State.FAILED}
    assert "RuntimeError: Skrifttypen mangler" in failed.first().error
    assert client.get("/rapporter/hovedstaden/2018/statuspapir.pdf").status_code == 503

    client.force_login(secretariat)
    changelist = client.get("/admin/reports/storedpaper/?state=failed").content.decode()
    assert "fejlet" in changelist and "Regionens statuspapir" in changelist
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/reports/storedpaper/",
            {"action": "retry", "_selected_action": [p.pk for p in failed]},
        )
    assert response.status_code == 302

    assert set(failed.values_list("state", flat=True)) == {StoredPaper.State.DONE}
    assert set(failed.values_list("attempts", flat=True)) == {2}
    assert client.get("/rapporter/hovedstaden/2018/statuspapir.pdf").status_code == 200


def test_republishing_keeps_the_earlier_version_downloadable(
    client, closed_2018, publish, secretariat
):
    publish(closed_2018)
    first = StoredPaper.objects.get(round=closed_2018, municipality=None)
    with first.file.open("rb") as f:
        first_pdf = f.read()
    rounds.reopen_round(closed_2018, reason="Rettelse af Frederiksbergs status", by=secretariat)
    rounds.close_round(closed_2018, by=secretariat)

    publish(closed_2018)

    second = StoredPaper.objects.get(round=closed_2018, municipality=None, publication__version=2)
    assert second.file.name.endswith(
        "statuspapirer/hovedstaden/2018/v2/KKR-Hovedstaden-status-2018.pdf"
    )
    assert StoredPaper.objects.filter(round=closed_2018).count() == 8  # 4 per version
    # The earlier version stays, file and address.
    response = client.get("/rapporter/hovedstaden/2018/v1/statuspapir.pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == first_pdf
    response = client.get("/rapporter/hovedstaden/2018/v2/statuspapir.pdf")
    assert 'filename="KKR-Hovedstaden-status-2018-v2.pdf"' in response["Content-Disposition"]
    assert client.get("/rapporter/hovedstaden/2018/v1/147.pdf").status_code == 200
    assert client.get("/rapporter/hovedstaden/2018/v3/statuspapir.pdf").status_code == 404
    # The address without a version serves the newest.
    response = client.get("/rapporter/hovedstaden/2018/statuspapir.pdf")
    with second.file.open("rb") as f:
        assert b"".join(response.streaming_content) == f.read()


def test_admin_previews_a_draft_round_for_its_own_region_only(
    client, closed_2018, secretariat, other_secretariat
):
    client.force_login(secretariat)
    changelist = client.get("/admin/reports/paperpreview/").content.decode()
    assert "Forhåndsvis PDF" in changelist

    response = client.get(f"/admin/reports/paperpreview/{closed_2018.pk}/pdf/")
    assert response.status_code == 200
    assert "KKR-Hovedstaden-status-2018-UDKAST.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    response = client.post(
        "/admin/reports/paperpreview/",
        {"action": "preview_pdf", "_selected_action": [closed_2018.pk]},
    )
    assert response["Content-Type"] == "application/pdf"
    assert (
        client.get(f"/admin/reports/paperpreview/{closed_2018.pk}/pdf/?kommune=101").status_code
        == 200
    )

    client.force_login(other_secretariat)
    assert client.get(f"/admin/reports/paperpreview/{closed_2018.pk}/pdf/").status_code == 404
    assert "Hovedstaden" not in client.get("/admin/reports/storedpaper/").content.decode()


def test_other_region_staff_cannot_fetch_stored_files(
    client, closed_2018, publish, secretariat, other_secretariat
):
    publish(closed_2018)
    stored = StoredPaper.objects.get(round=closed_2018, municipality=None)

    client.force_login(other_secretariat)
    assert client.get(f"/admin/reports/storedpaper/{stored.pk}/fil/").status_code == 404
    client.force_login(secretariat)
    assert client.get(f"/admin/reports/storedpaper/{stored.pk}/fil/").status_code == 200


def test_the_admin_preview_renders_once_per_version_of_the_round(
    staff, report, reporters, monkeypatch
):
    from django.core.cache import cache

    from reports import papers
    from reports import previews

    calls = []
    render = papers.render_status_paper

    def counted(status_round, municipality=None):
        calls.append(municipality)
        return render(status_round, municipality)

    monkeypatch.setattr(papers, "render_status_paper", counted)
    url = f"/admin/reports/paperpreview/{report.round_id}/pdf/"

    first, second = staff.get(url), staff.get(url)

    assert first.status_code == second.status_code == 200
    assert b"".join(second.streaming_content).startswith(b"%PDF-")
    assert len(calls) == 1
    submitted(report, reporters[101])  # the round changed: a new version to render
    assert staff.get(url).status_code == 200
    assert len(calls) == 2
    # While a render is under way the page says so and looks again by itself.
    submitted_again = report.round.reports.exclude(pk=report.pk).first()
    submitted(submitted_again, reporters[submitted_again.municipality.kommunekode])
    cache.add(f"preview-rendering:{previews.preview_name(report.round)}", True)
    pending = staff.get(url)
    assert pending.status_code == 202
    assert "renderes…" in pending.content.decode()
    assert 'http-equiv="refresh"' in pending.content.decode()


def test_a_preview_whose_render_fails_says_so_and_is_not_rendered_again_on_every_look(
    staff, report, monkeypatch
):
    from reports import papers

    calls = []

    def broken(status_round, municipality=None):
        calls.append(municipality)
        raise ValueError("skrifttypen mangler")

    monkeypatch.setattr(papers, "render_status_paper", broken)
    url = f"/admin/reports/paperpreview/{report.round_id}/pdf/"

    pages = [staff.get(url) for _ in range(3)]

    assert len(calls) == 1
    page = pages[-1].content.decode()
    assert "kunne ikke renderes" in page
    assert "skrifttypen mangler" in page
    assert 'http-equiv="refresh"' not in page
