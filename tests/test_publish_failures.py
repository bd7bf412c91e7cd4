"""Publishing never leaves a half-published round behind: the round and its stored papers
commit together, a paper that cannot be rendered or stored is marked failed (never with an
outdated file), one whose job could not be queued is queued again by the sweep (never left
pending for ever), and the secretariat sees a failure on the round's cockpit and in the admin
and retries it without republishing."""

import datetime
import html
import re

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import DatabaseError

from goals import rounds
from goals.models import StatusRound
from kkrmaal.backup import stored_files as all_files
from reports import papers
from reports import publishing
from reports.models import Publication
from reports.models import StoredPaper


def stored_files(status_round):
    """The paper files in storage for the round, every version."""
    prefix = f"statuspapirer/hovedstaden/{status_round.year}/"
    return sorted(name for name in all_files() if name.startswith(prefix))


def test_a_render_that_raises_leaves_a_published_round_with_failed_papers_to_retry(
    client, closed_2018, publish, secretariat, django_capture_on_commit_callbacks, monkeypatch
):
    calls = []

    def second_one_breaks(html):
        calls.append(html)
        if len(calls) == 2:
            raise RuntimeError("Skrifttypen mangler")
        return b"%PDF-1.7 rendered"

    monkeypatch.setattr(papers, "html_to_pdf", second_one_breaks)

    publish(closed_2018)

    # The round is published: its page is public, and every paper is accounted for.
    assert closed_2018.state == StatusRound.State.PUBLISHED
    assert client.get("/hovedstaden/status/2018/").status_code == 200
    rows = StoredPaper.objects.filter(round=closed_2018)
    assert rows.count() == 4
    failed = rows.get(state=StoredPaper.State.FAILED)
    assert "RuntimeError: Skrifttypen mangler" in failed.error
    assert not failed.file
    done = rows.filter(state=StoredPaper.State.DONE)
    assert done.count() == 3
    # Storage holds exactly the done papers' files.
    assert stored_files(closed_2018) == sorted(p.file.name for p in done)

    # The public asks for the failed one: "not ready yet", not a broken file or a 500.
    url = (
        "/rapporter/hovedstaden/2018/statuspapir.pdf"
        if failed.municipality is None
        else f"/rapporter/hovedstaden/2018/{failed.municipality.kommunekode}.pdf"
    )
    assert client.get(url).status_code == 503

    # The secretariat sees it where it published, and in the admin…
    client.force_login(secretariat)
    overview = client.get(f"/sekretariat/runder/{closed_2018.pk}/").content.decode()
    assert "1 PDF-fil kunne ikke dannes" in overview
    link = re.search(r'href="(/admin/reports/storedpaper/[^"]+)"', overview).group(1)
    failed_list = client.get(html.unescape(link))
    assert failed_list.status_code == 200
    assert "fejlet" in failed_list.content.decode()
    assert failed.municipality.name in failed_list.content.decode()  # the second rendered
    rounds_list = client.get("/admin/reports/paperpreview/").content.decode()
    assert "3 af 4 færdige, 1 fejlet" in rounds_list
    # …and retries it, without republishing.
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/reports/storedpaper/", {"action": "retry", "_selected_action": [failed.pk]}
        )
    failed.refresh_from_db()
    assert failed.state == StoredPaper.State.DONE and failed.attempts == 2
    overview = client.get(f"/sekretariat/runder/{closed_2018.pk}/").content.decode()
    assert "kunne ikke dannes" not in overview
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_a_storage_that_fails_to_write_marks_the_paper_failed_with_no_file(
    closed_2018, publish, monkeypatch
):
    def disk_full(self, name, content):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", disk_full)
    monkeypatch.setattr(papers, "html_to_pdf", lambda html: b"%PDF-1.7")

    publish(closed_2018)

    rows = StoredPaper.objects.filter(round=closed_2018)
    assert set(rows.values_list("state", flat=True)) == {StoredPaper.State.FAILED}
    assert "No space left on device" in rows.first().error
    assert set(rows.values_list("file", flat=True)) == {""}


def test_republishing_with_a_broken_render_keeps_the_earlier_version_readable(
    client, closed_2018, publish, secretariat, monkeypatch
):
    publish(closed_2018)
    first_files = stored_files(closed_2018)
    assert client.get("/rapporter/hovedstaden/2018/statuspapir.pdf").status_code == 200
    rounds.reopen_round(closed_2018, reason="Rettelse af Frederiksbergs tal", by=secretariat)
    rounds.close_round(closed_2018, by=secretariat)

    def broken(html):
        raise RuntimeError("WeasyPrint gik ned")

    monkeypatch.setattr(papers, "html_to_pdf", broken)
    publish(closed_2018)

    # The new version is not served from the old file, and left no file of its own…
    assert client.get("/rapporter/hovedstaden/2018/statuspapir.pdf").status_code == 503
    latest = StoredPaper.objects.filter(round=closed_2018, publication__version=2)
    assert set(latest.values_list("state", flat=True)) == {StoredPaper.State.FAILED}
    assert set(latest.values_list("file", flat=True)) == {""}
    # …while the first version stays as it was published.
    assert stored_files(closed_2018) == first_files
    assert client.get("/rapporter/hovedstaden/2018/v1/statuspapir.pdf").status_code == 200


def test_when_storing_the_papers_fails_the_round_is_not_published(
    client, closed_2018, publish, secretariat, django_capture_on_commit_callbacks, monkeypatch
):
    def disk_quota_exceeded(*args, **kwargs):
        raise DatabaseError("could not extend file: No space left on device")

    monkeypatch.setattr(StoredPaper.objects, "bulk_create", disk_quota_exceeded)

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(DatabaseError),
    ):
        publishing.publish_round(closed_2018, by=secretariat)

    closed_2018.refresh_from_db()
    assert closed_2018.state == StatusRound.State.CLOSED
    assert closed_2018.published_at is None
    assert not StoredPaper.objects.filter(round=closed_2018).exists()
    assert not Publication.objects.filter(round=closed_2018).exists()
    assert client.get("/hovedstaden/status/2018/").status_code == 404

    monkeypatch.undo()
    publish(closed_2018)
    assert closed_2018.state == StatusRound.State.PUBLISHED


def test_a_paper_whose_job_could_not_be_queued_is_queued_again_by_the_sweep(
    client, closed_2018, publish, settings, monkeypatch
):
    """The database went away between the publishing's commit and queueing its jobs: the
    papers stay pending (never failed for it), and the sweep queues them once nobody picked
    them up within PAPER_REQUEUE_SECONDS."""
    from django.utils import timezone
    from django_tasks.backends.immediate import ImmediateBackend

    from reports import tasks

    def database_gone(*args, **kwargs):
        raise DatabaseError("server closed the connection unexpectedly")

    monkeypatch.setattr(ImmediateBackend, "enqueue", database_gone)
    publish(closed_2018)
    monkeypatch.undo()

    assert closed_2018.state == StatusRound.State.PUBLISHED
    rows = StoredPaper.objects.filter(round=closed_2018)
    assert set(rows.values_list("state", flat=True)) == {StoredPaper.State.PENDING}
    assert tasks.sweep_now()["requeued"] == []  # not yet: a queue may just be long
    later = timezone.now() + datetime.timedelta(seconds=settings.PAPER_REQUEUE_SECONDS + 1)
    assert sorted(tasks.sweep_now(now=later)["requeued"]) == sorted(p.pk for p in rows)
    assert set(rows.values_list("state", flat=True)) == {StoredPaper.State.DONE}
    assert client.get("/rapporter/hovedstaden/2018/statuspapir.pdf").status_code == 200
