from django.core.management.base import BaseCommand

from goals.loading import load_kkr_data


class Command(BaseCommand):
    help = "Indlæser regioner, klynger, kommuner og målpapirer fra fixtures/ (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--update",
            action="store_true",
            help="Nulstil eksisterende rækker til fixtures (overskriver sekretariatets rettelser).",
        )

    def handle(self, *args, update=False, **options):
        result = load_kkr_data(update=update)
        self.stdout.write(self.style.SUCCESS(str(result)))
