"""Daily from cron: remind municipalities of reports not yet submitted."""

from django.conf import settings
from django.core.management.base import BaseCommand

from goals.management.commands._arguments import whole_number
from goals.notifications import send_reminders


class Command(BaseCommand):
    help = (
        "Minder kommunerne om statusindberetninger, der ikke er indsendt (hver påmindelse én gang)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            default=None,
            help="Påmind så mange dage før fristen (standard REMINDER_DAYS_BEFORE, 14).",
        )

    def handle(self, *args, days, **options):
        # A negative number would skip the reminder before the deadline altogether.
        if days is None:
            days = settings.REMINDER_DAYS_BEFORE
        days = whole_number(days, name="--days", example=14, minimum=0)
        sent = send_reminders(days_before=days)
        self.stdout.write(f"Sendte {sent} påmindelse(r).")
