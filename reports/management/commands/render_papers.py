"""After a restart, or from cron: render the stored papers still pending."""

from django.core.management.base import BaseCommand

from reports.tasks import render_pending


class Command(BaseCommand):
    help = "Danner de gemte statuspapirer, der stadig venter (fx efter en genstart)."

    def handle(self, *args, **options):
        self.stdout.write(f"Dannede {render_pending()} statuspapir(er).")
