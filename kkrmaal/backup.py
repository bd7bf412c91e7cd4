"""Backup and restore of a whole installation: the database and the stored files.

One archive (`.tar.gz`) holds
  - `data.json`: every row but the sessions (`dumpdata`), with their primary keys, content
    types and permissions included, so every reference comes back exactly as it was,
  - `media/…`: every file in the media storage (evidence and stored PDF papers), read and
    written through Django's storage API, so the same commands work with the media folder
    and with an S3 bucket,
  - `manifest.json`: the row count of every model and the size and SHA-256 of every file,
    which `restore_backup` checks after restoring.

It works the same on SQLite and PostgreSQL, and from one to the other. Restoring needs an
empty database (a new one: `restore` migrates it first) and refuses one with data, so a
backup is never mixed into a live installation by mistake.
"""

import hashlib
import io
import json
import tarfile
import tempfile
from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.db import transaction
from django.utils import timezone

from kkrmaal.views import HEALTHZ_FOLDER
from municipalities.models import Region

FORMAT = 1
EXCLUDE = ["sessions"]  # logged-in sessions need not survive; everything else does


class BackupError(Exception):
    """The archive cannot be restored here; the message says why."""


def _counted_models():
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label not in EXCLUDE and not model._meta.proxy and model._meta.managed
    ]


def row_counts():
    """{"app.Model": rows} for every model a backup carries."""
    return {model._meta.label: model._default_manager.count() for model in _counted_models()}


def stored_files(storage=default_storage, folder=""):
    """Every file name in the storage, walking its folders."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # a media folder nothing was ever stored in
        return []
    names = [f"{folder}/{name}" if folder else name for name in files]
    for sub in folders:
        names += stored_files(storage, f"{folder}/{sub}" if folder else sub)
    return sorted(names)


def _sha256(handle):
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: handle.read(1024 * 1024), b""):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _add(archive, name, handle, size):
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(timezone.now().timestamp())
    archive.addfile(info, handle)


def create_backup(path):
    """Write the archive to `path`; returns its manifest."""
    with tempfile.TemporaryDirectory() as work:
        data = Path(work) / "data.json"
        # One snapshot: portal users keep working while the backup runs, and the rows of
        # every table must come from the same moment (and match the counts).
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if outermost and connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            call_command(
                "dumpdata",
                exclude=EXCLUDE,
                output=str(data),
                verbosity=0,
            )
            counts = row_counts()
        manifest = {
            "format": FORMAT,
            "created": timezone.now().isoformat(),
            "rows": counts,
            "files": {},
        }
        with tarfile.open(path, "w:gz") as archive:
            archive.add(data, arcname="data.json")
            for name in stored_files():
                if name.startswith(f"{HEALTHZ_FOLDER}/"):
                    continue  # a health check's probe, there for a moment
                with default_storage.open(name, "rb") as handle:
                    digest, size = _sha256(handle)
                    handle.seek(0)
                    _add(archive, f"media/{name}", handle, size)
                manifest["files"][name] = {"size": size, "sha256": digest}
            text = json.dumps(manifest, indent=2).encode()
            _add(archive, "manifest.json", io.BytesIO(text), len(text))
    return manifest


def _is_empty():
    return not Region.objects.exists() and not get_user_model().objects.exists()


def restore_backup(path):
    """Restore the archive at `path` into this (empty) installation; returns the manifest.

    Raises BackupError when the database already holds data or the restored rows or files
    do not match the manifest."""
    call_command("migrate", interactive=False, verbosity=0)
    if not _is_empty():
        raise BackupError(
            "The database already holds data. Restore into a new, empty database "
            "(see docs/operations.md: Backup and restore)."
        )
    with tarfile.open(path, "r:gz") as archive, tempfile.TemporaryDirectory() as work:
        manifest = json.load(archive.extractfile("manifest.json"))
        if manifest.get("format") != FORMAT:
            raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
        data = Path(work) / "data.json"
        data.write_bytes(archive.extractfile("data.json").read())
        with transaction.atomic():
            # `migrate` made content types and permissions of its own, numbered differently:
            # the backup's replace them (nothing else refers to them in an empty database).
            ContentType.objects.all().delete()
            ContentType.objects.clear_cache()
            call_command("loaddata", str(data), verbosity=0)
            counts = row_counts()
            wrong = {
                label: (rows, counts.get(label))
                for label, rows in manifest["rows"].items()
                if counts.get(label) != rows
            }
            if wrong:
                raise BackupError(f"Restored row counts differ from the backup: {wrong}")
        for member in archive.getmembers():
            if not member.isfile() or not member.name.startswith("media/"):
                continue
            name = member.name.removeprefix("media/")
            expected = manifest["files"].get(name)
            if default_storage.exists(name):
                default_storage.delete(name)
            # The storage validates the name (no absolute paths, no "..").
            saved = default_storage.save(name, File(archive.extractfile(member), name=name))
            if saved != name:
                raise BackupError(f"The file {name} was stored as {saved}.")
            with default_storage.open(name, "rb") as handle:
                digest, size = _sha256(handle)
            if expected != {"size": size, "sha256": digest}:
                raise BackupError(f"The file {name} differs from the backup after restoring.")
    return manifest
