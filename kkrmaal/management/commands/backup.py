"""`python manage.py backup [-o FILE]`: the database and the stored files in one archive."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from kkrmaal.backup import create_backup
from kkrmaal.backup import describe_release


class Command(BaseCommand):
    help = "Back up the database and the stored files (evidence, PDF papers) to one .tar.gz."

    def add_arguments(self, parser):
        parser.add_argument(
            "-o",
            "--output",
            help="the archive to write (default: kkrmaal-backup-<date-time>.tar.gz here)",
        )

    def handle(self, *args, output=None, **options):
        output = output or timezone.localtime().strftime("kkrmaal-backup-%Y%m%d-%H%M%S.tar.gz")
        manifest = create_backup(output)
        files = sum(name.startswith("media/") for name in manifest["parts"])
        self.stdout.write(
            f"{output}: {sum(manifest['rows'].values())} rows, {files} files "
            f"({describe_release(manifest['release'])})"
        )
