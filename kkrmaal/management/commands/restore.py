"""`python manage.py restore FILE`: a backup into a new, empty database and media storage."""

from django.core.management.base import BaseCommand
from django.core.management.base import CommandError

from kkrmaal.backup import BackupError
from kkrmaal.backup import restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into an empty database (migrated first) "
        "and the media storage; checks every row count and file against the backup."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the .tar.gz written by `manage.py backup`")

    def handle(self, *args, archive, **options):
        try:
            manifest = restore_backup(archive)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored {sum(manifest['rows'].values())} rows and {len(manifest['files'])} files "
            f"from {archive} (made {manifest['created']})."
        )
