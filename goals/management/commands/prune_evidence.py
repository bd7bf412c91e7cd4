"""Now and then from cron: delete evidence files no report line or history version names."""

from django.core.management.base import BaseCommand

from goals.evidence import prune


class Command(BaseCommand):
    help = "Sletter uploadede dokumentationsfiler, som hverken en indberetning eller historikken henviser til."

    def handle(self, *args, **options):
        self.stdout.write(f"Slettede {prune()} fil(er), som intet henviser til.")
