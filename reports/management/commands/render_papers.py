"""The manual fallback of the job queue: render the stored papers still pending, here and now
(reports/tasks.py). Each is claimed as a worker claims it, so a paper a live worker is
rendering is left to it; `--include-claimed` takes those too, for when its worker is known to
be dead and its lease has not run out yet."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from reports.tasks import render_pending


class Command(BaseCommand):
    help = (
        "Danner de gemte statuspapirer, der stadig venter, i denne proces (fx når ingen "
        "arbejdsproces kører)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--include-claimed",
            action="store_true",
            help="Dan også dem, en arbejdsproces har taget (når den vides at være død).",
        )

    def handle(self, *args, include_claimed, **options):
        rendered, held = render_pending(steal=include_claimed)
        self.stdout.write(f"Dannede {rendered} statuspapir(er).")
        for stored in held:
            until = timezone.localtime(stored.lease_until).strftime("%H:%M:%S")
            self.stdout.write(
                f"  {stored}: dannes af en arbejdsproces (forbeholdt til {until}); "
                "brug --include-claimed, hvis den er stoppet."
            )
