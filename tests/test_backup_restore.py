"""Backup and restore: one command writes the database and every stored file to an archive,
one command brings them back on a new server (an empty database, an empty media folder),
row for row and byte for byte."""

import hashlib
import io
import json
import re
import tarfile
import tomllib

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError
from django.core.management import call_command
from moto import mock_aws

from goals.models import StatusRound
from kkrmaal.backup import MADE_BY_MIGRATE
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


# --- A restore never half-happens (issue 19) -----------------------------------------------
#
# The whole archive is checked before the database or the storage is touched: a damaged,
# incomplete or foreign archive, one made by a newer release, or a database that already
# holds data is refused with one sentence, fast (nothing is migrated), and the target is left
# as it was found. A restore that fails later (rows that do not count up, a storage that
# fails) rolls the rows back and deletes the files it wrote, so a second try starts afresh.

EVIDENCE = "dokumentation/2026/bilag.pdf"
PAPER = "statuspapirer/2025/status-2025.pdf"


@pytest.fixture
def small_world(secretariat):
    """A region, a person and two stored files: enough rows and parts to damage."""
    default_storage.save(EVIDENCE, ContentFile(small_pdf()))
    default_storage.save(PAPER, ContentFile(b"%PDF-1.4 status 2025 " * 50))
    return snapshot()


@pytest.fixture
def new_server(settings, tmp_path):
    """Switch to a new server: an empty database and an empty media folder."""

    def switch():
        call_command("flush", interactive=False, verbosity=0)
        settings.MEDIA_ROOT = tmp_path / "new-server-media"
        assert portal_rows() == {} and stored_files() == []

    return switch


@pytest.fixture
def good_archive(small_world, new_server, tmp_path):
    path = tmp_path / "backup.tar.gz"
    call_command("backup", "-o", str(path))
    new_server()
    return path


@pytest.fixture
def migrations_run(monkeypatch):
    """Each `migrate` the restore runs: a refusal must come before it."""
    from kkrmaal import backup

    called = []

    def recording(name, *args, **options):
        if name == "migrate":
            called.append(name)
        return call_command(name, *args, **options)

    monkeypatch.setattr(backup, "call_command", recording)
    return called


def portal_rows():
    """The rows there are, but for the content types and permissions `migrate` makes."""
    return {
        label: count
        for label, count in row_counts().items()
        if count and label not in MADE_BY_MIGRATE
    }


def members(path):
    with tarfile.open(path, "r:gz") as archive:
        return {member.name: archive.extractfile(member).read() for member in archive}


def write_archive(path, parts):
    with tarfile.open(path, "w:gz") as archive:
        for name, content in parts.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return path


def rewritten(path, change):
    """A copy of the archive with its parts changed by `change(parts)`."""
    parts = members(path)
    change(parts)
    return write_archive(path.with_name("damaged.tar.gz"), parts)


def with_manifest(path, change):
    def edit(parts):
        manifest = json.loads(parts["manifest.json"])
        change(manifest)
        parts["manifest.json"] = json.dumps(manifest).encode()

    return rewritten(path, edit)


def flip(content, at=None):
    at = len(content) // 2 if at is None else at
    return content[:at] + bytes([content[at] ^ 0x01]) + content[at + 1 :]


def not_gzip(path):
    junk = path.with_name("junk.tar.gz")
    junk.write_bytes(b"KKR-maal backup\n" * 200)
    return junk


def truncated(path):
    cut = path.with_name("truncated.tar.gz")
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return cut


def without_its_end(path):
    cut = path.with_name("truncated.tar.gz")
    cut.write_bytes(path.read_bytes()[:-6])  # gzip's CRC and length gone, the tar whole
    return cut


def flipped_row(path):
    # Still valid JSON, the region's name one letter off: only the checksum can tell.
    def change(parts):
        assert parts["data.json"].count(b"Hovedstaden") >= 1
        parts["data.json"] = parts["data.json"].replace(b"Hovedstaden", b"Hovedstadeo", 1)

    return rewritten(path, change)


def flipped_file(path):
    def change(parts):
        parts[f"media/{PAPER}"] = flip(parts[f"media/{PAPER}"])

    return rewritten(path, change)


def missing_file(path):
    return rewritten(path, lambda parts: parts.pop(f"media/{EVIDENCE}"))


def missing_data(path):
    return rewritten(path, lambda parts: parts.pop("data.json"))


def missing_manifest(path):
    return rewritten(path, lambda parts: parts.pop("manifest.json"))


def extra_part(path):
    return rewritten(path, lambda parts: parts.update({"media/planted.pdf": b"%PDF-1.4"}))


def unreadable_manifest(path):
    return rewritten(path, lambda parts: parts.update({"manifest.json": b'{"format": 2, "ro'}))


def newer_release(path):
    def change(manifest):
        manifest["release"] = {"version": "9.0.0", "commit": None}
        manifest["migrations"]["goals"]["applied"].append("9999_future")
        manifest["migrations"]["goals"]["latest"] = "9999_future"

    return with_manifest(path, change)


def newer_format(path):
    return with_manifest(path, lambda manifest: manifest.update({"format": 3}))


@pytest.mark.parametrize(
    ("damage", "sentence"),
    [
        (not_gzip, "junk.tar.gz is not a backup made by `manage.py backup`: it is not a .tar.gz"),
        (truncated, "truncated.tar.gz is incomplete: the archive ends early"),
        (without_its_end, "truncated.tar.gz is incomplete: the archive ends early"),
        (flipped_row, "is damaged: data.json does not match the checksum in its manifest"),
        (flipped_file, f"is damaged: media/{PAPER} does not match the checksum in its manifest"),
        (missing_file, f"is incomplete: it lacks media/{EVIDENCE}, which its manifest lists"),
        (missing_data, "is incomplete: it has no data.json"),
        (missing_manifest, "is incomplete: it has no manifest.json"),
        (extra_part, "holds media/planted.pdf, which its manifest does not list"),
        (unreadable_manifest, "has a manifest.json this release cannot read"),
        (
            newer_release,
            (
                "The backup was made by a newer release (release 9.0.0, with migrations this "
                "release does not have: goals.9999_future); upgrade the portal first."
            ),
        ),
        (newer_format, "The backup was made by a newer release (backup format 3"),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_a_bad_archive_is_refused_in_one_sentence_before_anything_is_touched(
    good_archive, migrations_run, damage, sentence
):
    bad = damage(good_archive)

    with pytest.raises(CommandError) as refused:
        call_command("restore", str(bad))

    message = str(refused.value)
    assert sentence in message
    assert "\n" not in message and "Traceback" not in message
    assert migrations_run == []  # refused before migrating: fast
    assert portal_rows() == {} and stored_files() == []
    # --check says the same, and touches nothing either.
    with pytest.raises(CommandError, match=re.escape(sentence)):
        call_command("restore", "--check", str(bad))


def test_a_byte_flipped_in_the_compressed_file_is_refused(good_archive, migrations_run):
    damaged = good_archive.with_name("flipped.tar.gz")
    damaged.write_bytes(flip(good_archive.read_bytes()))

    with pytest.raises(CommandError) as refused:
        call_command("restore", str(damaged))

    assert re.search(r"flipped\.tar\.gz (is damaged|is incomplete|is not a backup)", str(refused))
    assert migrations_run == []
    assert portal_rows() == {} and stored_files() == []


def test_a_database_that_holds_data_is_refused_before_migrating(
    small_world, tmp_path, migrations_run
):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", "-o", str(archive))

    with pytest.raises(CommandError) as refused:
        call_command("restore", str(archive))

    assert "The database already holds data (" in str(refused.value)
    assert "restore into a new, empty database" in str(refused.value)
    assert migrations_run == []
    assert snapshot() == small_world


def test_a_different_file_of_the_same_name_in_the_storage_is_refused(good_archive, migrations_run):
    default_storage.save(EVIDENCE, ContentFile(b"another file"))

    with pytest.raises(CommandError, match=f"The media storage already holds {EVIDENCE}"):
        call_command("restore", str(good_archive))

    assert migrations_run == []
    assert portal_rows() == {} and stored_files() == [EVIDENCE]
    assert default_storage.open(EVIDENCE).read() == b"another file"


def test_a_second_try_after_a_refused_archive_restores_everything(good_archive, small_world):
    with pytest.raises(CommandError):
        call_command("restore", str(flipped_file(good_archive)))

    call_command("restore", str(good_archive))

    assert snapshot() == small_world


def test_rows_that_do_not_count_up_are_rolled_back_and_no_file_is_written(
    good_archive, small_world
):
    counts = small_world[0]
    wrong = with_manifest(
        good_archive,
        lambda manifest: manifest["rows"].update({"auth.User": counts["auth.User"] + 1}),
    )

    with pytest.raises(CommandError, match="restored row counts differ"):
        call_command("restore", str(wrong))

    assert portal_rows() == {} and stored_files() == []
    call_command("restore", str(good_archive))
    assert snapshot() == small_world


def test_a_storage_that_fails_midway_leaves_no_row_and_no_file(
    good_archive, small_world, monkeypatch
):
    save = FileSystemStorage._save
    saved = []

    def failing_second(storage, name, content):
        if saved:
            raise OSError(28, "No space left on device")
        saved.append(save(storage, name, content))
        return saved[-1]

    monkeypatch.setattr(FileSystemStorage, "_save", failing_second)

    with pytest.raises(CommandError, match=r"Writing .* to the media storage failed"):
        call_command("restore", str(good_archive))

    assert len(saved) == 1  # one file was written, and deleted again
    assert portal_rows() == {} and stored_files() == []
    monkeypatch.setattr(FileSystemStorage, "_save", save)
    call_command("restore", str(good_archive))
    assert snapshot() == small_world


def test_the_same_file_already_in_the_storage_is_kept(good_archive, small_world):
    """A restore cut short after writing files (the process killed before the rows were
    committed) leaves those files; a second try takes them as they are."""
    default_storage.save(PAPER, ContentFile(small_world[1][PAPER]))

    call_command("restore", str(good_archive))

    assert snapshot() == small_world


def test_the_manifest_names_the_release_and_the_migrations(good_archive, settings):
    manifest = json.loads(members(good_archive)["manifest.json"])

    assert manifest["format"] == 2
    with open(settings.BASE_DIR / "pyproject.toml", "rb") as handle:
        assert manifest["release"]["version"] == tomllib.load(handle)["project"]["version"]
    assert manifest["migrations"]["goals"]["latest"] in manifest["migrations"]["goals"]["applied"]
    assert "0001_initial" in manifest["migrations"]["goals"]["applied"]
    assert set(manifest["parts"]) == {"data.json", f"media/{EVIDENCE}", f"media/{PAPER}"}
    data = members(good_archive)["data.json"]
    assert manifest["parts"]["data.json"] == {
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def test_check_only_checks(good_archive, migrations_run):
    out = io.StringIO()

    call_command("restore", "--check", str(good_archive), stdout=out)

    assert f"{good_archive} is a sound backup: " in out.getvalue()
    assert "it restores into this release" in out.getvalue()
    assert migrations_run == []
    assert portal_rows() == {} and stored_files() == []


def test_an_archive_of_an_older_release_restores_with_a_warning(good_archive, small_world):
    def older(manifest):
        manifest["migrations"]["reports"]["applied"].remove("0003_publication")
        manifest["migrations"]["reports"]["latest"] = "0002_paper_preview"

    err = io.StringIO()

    call_command("restore", str(with_manifest(good_archive, older)), stderr=err)

    assert "made by an older release" in err.getvalue()
    assert "reports.0003_publication" in err.getvalue()
    assert snapshot() == small_world


def as_format_1(parts):
    """The archive as the first backups wrote it: the media files' checksums only."""
    manifest = json.loads(parts["manifest.json"])
    parts["manifest.json"] = json.dumps(
        {
            "format": 1,
            "created": manifest["created"],
            "rows": manifest["rows"],
            "files": {
                name.removeprefix("media/"): sums
                for name, sums in manifest["parts"].items()
                if name.startswith("media/")
            },
        }
    ).encode()


def test_an_archive_of_format_1_still_restores(good_archive, small_world):
    err = io.StringIO()

    call_command("restore", str(rewritten(good_archive, as_format_1)), stderr=err)

    assert "format 1" in err.getvalue()
    assert snapshot() == small_world


def test_an_archive_of_format_1_with_a_flipped_file_is_refused(good_archive, migrations_run):
    def damage(parts):
        as_format_1(parts)
        parts[f"media/{PAPER}"] = flip(parts[f"media/{PAPER}"])

    with pytest.raises(CommandError, match=f"is damaged: media/{PAPER} does not match"):
        call_command("restore", str(rewritten(good_archive, damage)))

    assert migrations_run == []
    assert portal_rows() == {} and stored_files() == []


# --- The same on S3: the files written are deleted again when the restore fails -----------


TARGET = "kkrmaal-target"


def keys(s3):
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=TARGET).get("Contents", []))


@pytest.fixture
def target_bucket(settings, monkeypatch):
    """An empty bucket (moto's in-process S3) as the media storage, as tests/test_s3_storage."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-north-1")
        s3.create_bucket(
            Bucket=TARGET, CreateBucketConfiguration={"LocationConstraint": "eu-north-1"}
        )
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": TARGET,
                    "region_name": "eu-north-1",
                    "default_acl": "private",
                    "file_overwrite": False,
                },
            },
        }
        yield s3


def test_a_failing_bucket_leaves_no_object_and_a_second_try_restores(
    good_archive, small_world, target_bucket, monkeypatch
):
    from storages.backends.s3 import S3Storage

    save = S3Storage._save
    saved = []

    def failing_second(storage, name, content):
        if saved:
            raise OSError("connection reset")
        saved.append(save(storage, name, content))
        return saved[-1]

    monkeypatch.setattr(S3Storage, "_save", failing_second)

    with pytest.raises(CommandError, match=r"Writing .* to the media storage failed"):
        call_command("restore", str(good_archive))

    assert len(saved) == 1
    assert portal_rows() == {} and keys(target_bucket) == []
    monkeypatch.setattr(S3Storage, "_save", save)
    call_command("restore", str(good_archive))
    assert keys(target_bucket) == sorted(small_world[1])
    assert snapshot() == small_world
