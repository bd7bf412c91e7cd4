"""Backup and restore of a whole installation: the database and the stored files.

One archive (`.tar.gz`) holds
  - `data.json`: every row but the sessions (`dumpdata`), with their primary keys, content
    types and permissions included, so every reference comes back exactly as it was,
  - `media/…`: every file in the media storage (evidence and stored PDF papers), read and
    written through Django's storage API, so the same commands work with the media folder
    and with an S3 bucket,
  - `manifest.json` (written last): the release that made the backup (version and, where
    known, git commit), the migrations applied to its database (per app, and the latest), the
    row count of every model, and the size and SHA-256 of every other part (`data.json` and
    each media file).

Restoring checks the whole archive before it touches anything: the file is a readable
gzip-compressed tar, it holds exactly the parts its manifest lists and each matches its
checksum, the manifest was not written by a newer release (a migration this code does not
know), the database is empty and the media storage holds no different file of the same
name. Only then does it migrate, load the rows in one transaction and write the files (which
were unpacked to a temporary folder and checked there); when anything fails, the rows are
rolled back and the files it wrote deleted, so the target is left as it was found and a
second try can start afresh. Every refusal is a BackupError with one sentence.

Archives of format 1 (before the manifest carried release, migrations and the checksum of
`data.json`) are still read: each media file is checked against its checksum, `data.json`
must be valid JSON and the row counts must match after loading. They cannot have been made
by a newer release (every release since writes format 2).

It works the same on SQLite and PostgreSQL, and from one to the other.
"""

import functools
import gzip
import hashlib
import io
import json
import logging
import tarfile
import tempfile
import tomllib
import zlib
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError
from django.db import connection
from django.db import transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from kkrmaal.views import HEALTHZ_FOLDER

logger = logging.getLogger(__name__)

FORMAT = 2
READABLE_FORMATS = (1, 2)
EXCLUDE = ["sessions"]  # logged-in sessions need not survive; everything else does
# Rows `migrate` makes in a new database (restore replaces them with the backup's).
MADE_BY_MIGRATE = {"contenttypes.ContentType", "auth.Permission"}
DOCS = "docs/operations.md: Backup and restore"


class BackupError(Exception):
    """The archive cannot be restored here; the message says why, in one sentence."""


# --- The release and the migration state -------------------------------------------------


@functools.cache
def release():
    """{"version": the project's version (pyproject.toml), "commit": the git commit or None}.

    Read from files only: a server without git (or without the repository) gets None."""
    return {"version": _version(), "commit": _git_commit(Path(settings.BASE_DIR))}


def _version():
    try:
        with open(Path(settings.BASE_DIR) / "pyproject.toml", "rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def _git_commit(base):
    """The commit checked out in `base`, read from .git (a work tree's .git file too)."""
    try:
        git = base / ".git"
        if git.is_file():  # a linked work tree: "gitdir: …"
            git = (base / git.read_text().split("gitdir:", 1)[1].strip()).resolve()
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref:"):
            return head if len(head) == 40 else None
        ref = head.removeprefix("ref:").strip()
        common = git
        if (git / "commondir").is_file():
            common = (git / (git / "commondir").read_text().strip()).resolve()
        for folder in (git, common):
            if (folder / ref).is_file():
                return (folder / ref).read_text().strip()
        for line in (common / "packed-refs").read_text().splitlines():
            if line.endswith(f" {ref}"):
                return line.split()[0]
    except (OSError, IndexError, UnicodeDecodeError):
        pass
    return None


def describe_release(made_by):
    version = made_by.get("version") or "unknown"
    commit = made_by.get("commit")
    return f"release {version}, commit {commit[:12]}" if commit else f"release {version}"


def _loader():
    """This code's migrations, read from disk (no database needed)."""
    return MigrationLoader(None, ignore_no_migrations=True)


def _known(loader):
    """Every (app, name) this code knows: its migrations and those its squashes replace."""
    known = set(loader.disk_migrations)
    for squashed in loader.replacements.values():
        known.update(map(tuple, squashed.replaces))
    return known


def migration_state():
    """{app: {"applied": [names], "latest": name}} of this database, for every installed app
    with migrations applied. Only migrations this code knows count: a row left in
    django_migrations by a migration since deleted says nothing about the schema."""
    loader = _loader()
    known, graph = _known(loader), loader.graph
    applied = {}
    for key in MigrationRecorder(connection).applied_migrations():
        if key in known:
            applied.setdefault(key[0], set()).add(key[1])
    state = {}
    for app, names in sorted(applied.items()):
        # The latest: an applied migration no other applied one of the app follows.
        latest = [
            name
            for name in names
            if (app, name) in graph.nodes
            and not any(
                child[0] == app and child[1] in names
                for child in graph.node_map[(app, name)].children
            )
        ]
        state[app] = {"applied": sorted(names), "latest": max(latest or names)}
    return state


def _compare_migrations(state):
    """(unknown here, missing there): the archive's migrations this code does not know, and
    this code's migrations the archive's database had not applied."""
    loader = _loader()
    known = _known(loader)
    installed = {config.label for config in apps.get_app_configs()}
    applied = {(app, name) for app, entry in state.items() for name in entry["applied"]}
    unknown = sorted(
        {
            f"{app}.{name}" if app in installed else f"the app {app}"
            for app, name in applied
            if (app, name) not in known
        }
    )
    missing = sorted(
        f"{app}.{name}"
        for (app, name), migration in loader.graph.nodes.items()
        if (app, name) not in applied
        and not (migration.replaces and set(map(tuple, migration.replaces)) <= applied)
    )
    return unknown, missing


# --- Writing a backup --------------------------------------------------------------------


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


class _Hashing:
    """A file read once: into the archive, and through SHA-256 on the way."""

    def __init__(self, handle):
        self.handle, self.digest, self.size = handle, hashlib.sha256(), 0

    def read(self, size=-1):
        chunk = self.handle.read(size)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk

    def checksum(self):
        return {"size": self.size, "sha256": self.digest.hexdigest()}


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
        # every table must come from the same moment (and match the counts and migrations).
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
            migrations = migration_state()
        with data.open("rb") as handle:
            digest, size = _sha256(handle)
        manifest = {
            "format": FORMAT,
            "created": timezone.now().isoformat(),
            "release": release(),
            "migrations": migrations,
            "rows": counts,
            "parts": {"data.json": {"size": size, "sha256": digest}},
        }
        with tarfile.open(path, "w:gz") as archive:
            archive.add(data, arcname="data.json")
            for name in stored_files():
                if name.startswith(f"{HEALTHZ_FOLDER}/"):
                    continue  # a health check's probe, there for a moment
                with default_storage.open(name, "rb") as handle:
                    reader = _Hashing(handle)
                    _add(archive, f"media/{name}", reader, handle.size)
                manifest["parts"][f"media/{name}"] = reader.checksum()
            text = json.dumps(manifest, indent=2).encode()
            _add(archive, "manifest.json", io.BytesIO(text), len(text))
    return manifest


# --- Checking a backup -------------------------------------------------------------------


@dataclass
class CheckedBackup:
    """An archive that passed every check, its parts unpacked into a temporary folder."""

    path: str
    manifest: dict
    data: Path  # data.json
    files: dict  # media name -> (unpacked copy, {"size", "sha256"})
    warnings: list = field(default_factory=list)

    @property
    def rows(self):
        return sum(self.manifest["rows"].values())

    @property
    def made_by(self):
        if self.manifest["format"] == 1:
            return "an earlier release (backup format 1)"
        return describe_release(self.manifest["release"])


def _read_error(path, error):
    """The one sentence for an archive that cannot be read as a gzip-compressed tar."""
    text = str(error)
    if isinstance(error, EOFError) or "unexpected end of data" in text:
        return (
            f"The backup {path} is incomplete: the archive ends early; copy it again from where "
            "it is kept."
        )
    if "not a gzip file" in text or "empty file" in text:
        return f"{path} is not a backup made by `manage.py backup`: it is not a .tar.gz file."
    if "zlib" in text or "CRC" in text or isinstance(error, zlib.error | gzip.BadGzipFile):
        return f"The backup {path} is damaged: its compressed data is corrupt ({text})."
    return f"{path} is not a backup made by `manage.py backup`: it is not a tar archive ({text})."


def _unpack(path, work):
    """Read the whole archive once: each part into `work`, with its size and SHA-256.

    Returns (manifest bytes or None, {part: (unpacked path, {"size", "sha256"})})."""
    manifest, parts = None, {}
    try:
        with tarfile.open(path, "r:gz") as archive:
            for member in archive:
                name = member.name
                if name in parts or (name == "manifest.json" and manifest is not None):
                    raise BackupError(f"The backup {path} holds {name} twice.")
                if not member.isfile():
                    raise BackupError(
                        f"The backup {path} holds {name}, which is not a file: it was not "
                        "made by `manage.py backup`."
                    )
                if name == "manifest.json":
                    manifest = archive.extractfile(member).read()
                elif name == "data.json" or name.startswith("media/"):
                    # Unpacked under a number: a member's name is never used as a local path.
                    copy = Path(work) / (
                        "data.json" if name == "data.json" else f"part-{len(parts):06d}"
                    )
                    with copy.open("wb") as out:
                        reader = _Hashing(archive.extractfile(member))
                        while chunk := reader.read(1024 * 1024):
                            out.write(chunk)
                    if reader.size != member.size:
                        raise EOFError
                    parts[name] = (copy, reader.checksum())
                else:
                    raise BackupError(
                        f"The backup {path} holds {name}, which is no part of a backup made "
                        "by `manage.py backup`."
                    )
            # The rest of the compressed stream: its end carries gzip's own check (CRC-32
            # and length), which tells a damaged or cut-short file.
            while archive.fileobj.read(1024 * 1024):
                pass
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise BackupError(_read_error(path, error)) from error
    except (FileNotFoundError, IsADirectoryError, PermissionError) as error:
        raise BackupError(f"Cannot read the backup {path}: {error.strerror}.") from error
    return manifest, parts


def _manifest(path, text):
    """The manifest, parsed and of a format this release reads (format 1 brought to 2)."""
    if text is None:
        raise BackupError(f"The backup {path} is incomplete: it has no manifest.json.")
    try:
        manifest = json.loads(text)
        number = manifest["format"]
        if not isinstance(number, int):
            raise TypeError(f"format {number!r}")
        if number > FORMAT:
            raise BackupError(
                f"The backup was made by a newer release (backup format {number}; this release "
                f"reads up to {FORMAT}); upgrade the portal first."
            )
        if number not in READABLE_FORMATS:
            raise ValueError(f"unknown format {number}")
        if number == 1:  # the media files' checksums only
            manifest["parts"] = {f"media/{name}": sums for name, sums in manifest["files"].items()}
            manifest["parts"]["data.json"] = None
        rows, parts = manifest["rows"], manifest["parts"]
        if not all(isinstance(count, int) for count in rows.values()):
            raise ValueError("a row count is not a number")
        for name, sums in parts.items():
            if sums is not None and not (
                isinstance(sums["size"], int) and isinstance(sums["sha256"], str)
            ):
                raise ValueError(f"the checksum of {name}")
        if number >= 2:
            if not isinstance(manifest["release"], dict):
                raise ValueError("the release is not a mapping")
            for entry in manifest["migrations"].values():
                if not all(isinstance(name, str) for name in entry["applied"]):
                    raise ValueError("a migration name is not text")
        manifest["created"] = str(manifest["created"])
    except BackupError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        reason = f"no {error.args[0]!r}" if isinstance(error, KeyError) else str(error)
        raise BackupError(
            f"The backup {path} has a manifest.json this release cannot read ({reason})."
        ) from error
    return manifest


def check_backup(path, work):
    """Check the archive at `path` completely, unpacking it into the folder `work`; touches
    neither the database nor the media storage. Returns a CheckedBackup, or raises
    BackupError with the first thing wrong."""
    path = str(path)
    text, parts = _unpack(path, work)
    manifest = _manifest(path, text)
    warnings = []
    if manifest["format"] >= 2:
        unknown, missing = _compare_migrations(manifest["migrations"])
        if unknown:
            listed = ", ".join(unknown[:3]) + (", …" if len(unknown) > 3 else "")
            raise BackupError(
                f"The backup was made by a newer release ({describe_release(manifest['release'])}"
                f", with migrations this release does not have: {listed}); upgrade the portal "
                "first."
            )
        if missing:
            listed = ", ".join(missing[:3]) + (", …" if len(missing) > 3 else "")
            warnings.append(
                f"The backup was made by an older release ({describe_release(manifest['release'])}"
                f", without {listed}): its rows go into this release's tables as they are, and "
                "the data migrations since then do not run on them; restoring with that release "
                "and then upgrading is the safe way."
            )
    else:
        warnings.append(
            "The backup is of format 1, which records neither its release nor its migrations: "
            "if it was made by an older release than this one, restoring with that release and "
            "then upgrading is the safe way."
        )
    expected = manifest["parts"]
    if "data.json" not in parts and "data.json" in expected:
        raise BackupError(f"The backup {path} is incomplete: it has no data.json.")
    for name in sorted(expected):
        if name not in parts:
            raise BackupError(
                f"The backup {path} is incomplete: it lacks {name}, which its manifest lists."
            )
    for name, (_copy, sums) in sorted(parts.items()):
        if name not in expected:
            raise BackupError(
                f"The backup {path} holds {name}, which its manifest does not list: it was "
                "changed after it was made."
            )
        if expected[name] is not None and expected[name] != sums:
            raise BackupError(
                f"The backup {path} is damaged: {name} does not match the checksum in its manifest."
            )
    data = parts["data.json"][0]
    if manifest["format"] == 1:  # no checksum: at least whole and valid JSON
        try:
            with data.open("rb") as handle:
                if not isinstance(json.load(handle), list):
                    raise TypeError("not a list of rows")
        except (ValueError, TypeError) as error:
            raise BackupError(
                f"The backup {path} is damaged: data.json is not valid ({error})."
            ) from error
    unknown = sorted(
        label
        for label, count in manifest["rows"].items()
        if count and _model(label) is None and label.split(".")[0] not in EXCLUDE
    )
    if unknown:
        raise BackupError(
            f"The backup {path} holds rows of {', '.join(unknown)}, which this release does "
            "not have."
        )
    files = {
        name.removeprefix("media/"): (copy, expected[name])
        for name, (copy, _sums) in parts.items()
        if name.startswith("media/")
    }
    return CheckedBackup(path, manifest, data, files, warnings)


def _model(label):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _rows_present():
    """The models (other than those `migrate` fills) that already hold rows here; a database
    not yet migrated has none."""
    tables = set(connection.introspection.table_names())
    return [
        model._meta.label
        for model in _counted_models()
        if model._meta.label not in MADE_BY_MIGRATE
        and model._meta.db_table in tables
        and model._base_manager.exists()
    ]


def _check_target(backup):
    """The database is empty, and the media storage holds no different file under a name the
    backup restores. Returns the names already there with the same content (left as they are)."""
    present = _rows_present()
    if present:
        listed = ", ".join(present[:3]) + (", …" if len(present) > 3 else "")
        raise BackupError(
            f"The database already holds data ({listed}); restore into a new, empty database "
            f"(see {DOCS})."
        )
    there = set(stored_files()) & set(backup.files)
    same = set()
    for name in sorted(there):
        with default_storage.open(name, "rb") as handle:
            digest, size = _sha256(handle)
        with backup.files[name][0].open("rb") as handle:
            if (digest, size) != _sha256(handle):
                raise BackupError(
                    f"The media storage already holds {name}, different from the backup's; "
                    "restore into an empty media folder or bucket."
                )
        same.add(name)
    return same


# --- Restoring ---------------------------------------------------------------------------


def restore_backup(path, warn=None):
    """Restore the archive at `path` into this (empty) installation; returns the manifest.

    Everything is checked first (check_backup, then an empty database and no clashing file
    in the storage); `warn(sentence)` is told what restores but deserves a word. Then the
    database is migrated and, in one transaction, the rows are loaded and counted and the
    files written to the storage and read back. When anything fails the transaction rolls
    back and the files written are deleted: the database keeps no row and the storage no
    file of the backup. Raises BackupError, with one sentence."""
    with tempfile.TemporaryDirectory(prefix="kkrmaal-restore-") as work:
        backup = check_backup(path, work)
        for sentence in backup.warnings:
            if warn:
                warn(sentence)
        already = _check_target(backup)
        call_command("migrate", interactive=False, verbosity=0)
        written = []
        try:
            with transaction.atomic():
                _load_rows(backup)
                for name, (copy, sums) in sorted(backup.files.items()):
                    if name not in already:
                        _write_file(backup, name, copy, sums, written)
        except BaseException:
            ContentType.objects.clear_cache()  # it may hold the rolled-back rows
            for name in written:
                try:
                    default_storage.delete(name)
                except Exception:  # keep deleting the others; the log names the one left
                    logger.exception("Restore: could not delete %s after a failure", name)
            raise
    return backup.manifest


def _load_rows(backup):
    # `migrate` made content types and permissions of its own, numbered differently: the
    # backup's replace them (nothing else refers to them in an empty database).
    ContentType.objects.all().delete()
    ContentType.objects.clear_cache()
    try:
        call_command("loaddata", str(backup.data), format="json", verbosity=0)
    except (DeserializationError, DatabaseError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise BackupError(
            f"The rows of the backup (made by {backup.made_by}) do not load into this "
            f"database ({first}); nothing was restored."
        ) from error
    counts = row_counts()
    wrong = {
        label: (rows, counts.get(label, 0))
        for label, rows in backup.manifest["rows"].items()
        if counts.get(label, 0) != rows and label.split(".")[0] not in EXCLUDE
    }
    if wrong:
        raise BackupError(
            f"The restored row counts differ from the backup's (model: (backup, restored)): "
            f"{wrong}; nothing was restored."
        )


def _write_file(backup, name, copy, sums, written):
    try:
        with copy.open("rb") as handle:
            # The storage validates the name (no absolute paths, no "..").
            saved = default_storage.save(name, File(handle, name=name))
        written.append(saved)
        if saved != name:
            raise BackupError(
                f"The media storage stored {name} as {saved} (a file of that name appeared "
                "meanwhile); nothing was restored."
            )
        with default_storage.open(name, "rb") as handle:
            digest, size = _sha256(handle)
    except BackupError:
        raise
    except Exception as error:
        raise BackupError(
            f"Writing {name} to the media storage failed ({error}); nothing was restored."
        ) from error
    if {"size": size, "sha256": digest} != sums:
        raise BackupError(
            f"The file {name} differs from the backup after writing it to the media storage; "
            "nothing was restored."
        )
