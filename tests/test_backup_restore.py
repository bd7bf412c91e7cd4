"""Backup and restore: one command writes the database and every stored file to an archive,
one command brings them back on a new server (an empty database, an empty media folder),
row for row and byte for byte."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError
from django.core.management import call_command

from goals.models import StatusRound
from kkrmaal.backup import row_counts
from kkrmaal.backup import stored_files
from tests.builders import PASSWORD
from tests.builders import build_round
from tests.builders import saved
from tests.builders import small_pdf
from tests.builders import submitted

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(
    paper,
    municipalities,
    reporters,
    secretariat,
    open_status_round,
    publish,
):
    """A representative installation: a published year with its stored PDFs, this year's
    open round with a submitted report carrying an uploaded evidence file, and history."""
    closed = build_round(
        paper,
        open_status_round.year - 1,
        state=StatusRound.State.CLOSED,
        lines=[(101, "1", 1, "met", "Akutteamet er på plads."), (147, "1", 1, "in_progress", "")],
        joint=[("1", 2, "met")],
        decisions=[("1", "continue", "Målet fastholdes.")],
    )
    publish(closed)
    report = open_status_round.reports.get(municipality=municipalities[101])
    line = report.lines.first()
    evidence = SimpleUploadedFile("bilag.pdf", small_pdf())
    answer = {"status": "met", "comment": "Se bilag – æøå", "evidence_file": evidence}
    report = saved(report, reporters[101], {line.milestone_id: answer})
    submitted(report, reporters[101])
    return closed


def snapshot():
    files = {}
    for name in stored_files():
        with default_storage.open(name, "rb") as handle:
            files[name] = handle.read()
    return row_counts(), files


def test_a_backup_restores_into_an_empty_database_with_every_row_and_file(
    world, settings, tmp_path, client
):
    counts, files = snapshot()
    assert counts["goals.StatusReport"] > 0 and counts["goals.HistoricalStatusReport"] > 0
    assert counts["reports.StoredPaper"] == 4
    assert any(name.startswith("dokumentation/") or "bilag" in name for name in files)
    assert sum(name.endswith(".pdf") and "statuspapirer/" in name for name in files) == 4
    archive = tmp_path / "backup.tar.gz"

    call_command("backup", "-o", str(archive))

    # A new server: an empty database and an empty media folder.
    call_command("flush", interactive=False, verbosity=0)
    settings.MEDIA_ROOT = tmp_path / "new-server-media"
    assert row_counts()["goals.StatusReport"] == 0 and stored_files() == []

    call_command("restore", str(archive))

    restored_counts, restored_files = snapshot()
    assert restored_counts == counts
    assert restored_files == files
    # And the portal works on it: people log in with their passwords, the papers download.
    assert client.login(username="indberetter-101", password=PASSWORD)
    response = client.get(f"/rapporter/hovedstaden/{world.year}/statuspapir.pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == next(
        content for name, content in files.items() if name.endswith(f"status-{world.year}.pdf")
    )


def test_restore_refuses_a_database_that_already_holds_data(world, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", "-o", str(archive))
    before = row_counts()

    with pytest.raises(CommandError, match="already holds data"):
        call_command("restore", str(archive))

    assert row_counts() == before
