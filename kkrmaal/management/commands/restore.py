"""`python manage.py restore [--check] FILE`: a backup into a new, empty database and media
storage, or (`--check`) only the check that it would restore."""

import tempfile

from django.core.management.base import BaseCommand
from django.core.management.base import CommandError

from kkrmaal.backup import BackupError
from kkrmaal.backup import check_backup
from kkrmaal.backup import restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into an empty database (migrated first) "
        "and the media storage. The whole archive is checked before anything is touched "
        "(every part against its checksum, the release that made it), and a restore that "
        "fails leaves the database and the storage as they were. --check only checks."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the .tar.gz written by `manage.py backup`")
        parser.add_argument(
            "--check",
            action="store_true",
            help="only check the archive (readable, complete, every checksum, not made by a "
            "newer release); touches neither the database nor the media storage",
        )

    def handle(self, *args, archive, check=False, **options):
        try:
            if check:
                with tempfile.TemporaryDirectory(prefix="kkrmaal-check-") as work:
                    backup = check_backup(archive, work)
                    for sentence in backup.warnings:
                        self.stderr.write(f"Warning: {sentence}")
                    self.stdout.write(
                        f"{archive} is a sound backup: {backup.rows} rows and "
                        f"{len(backup.files)} files, made {backup.manifest['created']} by "
                        f"{backup.made_by}; it restores into this release."
                    )
                return
            manifest = restore_backup(
                archive, warn=lambda sentence: self.stderr.write(f"Warning: {sentence}")
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        files = sum(name.startswith("media/") for name in manifest["parts"])
        self.stdout.write(
            f"Restored {sum(manifest['rows'].values())} rows and {files} files "
            f"from {archive} (made {manifest['created']})."
        )
