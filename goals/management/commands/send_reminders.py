"""Daily from cron: remind municipalities of reports not yet submitted."""

from django.core.management.base import BaseCommand

from goals.notifications import send_reminders


class Command(BaseCommand):
    help = (
        "Minder kommunerne om statusindberetninger, der ikke er indsendt (hver påmindelse én gang)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=7,
            help="Påmind så mange dage før fristen (standard 7).",
        )

    def handle(self, *args, days, **options):
        sent = send_reminders(days_before=days)
        self.stdout.write(f"Sendte {sent} påmindelse(r).")
