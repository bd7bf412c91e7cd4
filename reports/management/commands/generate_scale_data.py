"""`manage.py generate_scale_data`: the national-scale data set for load tests."""

from django.core.management.base import BaseCommand

from reports.scaledata import REGIONS, generate_scale_data


class Command(BaseCommand):
    help = (
        "Opretter et datasæt i national skala til belastningstest: alle 98 kommuner, et "
        "målpapir pr. region og årlige, offentliggjorte statusrunder."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rounds", type=int, default=10, help="Antal årlige runder.")
        parser.add_argument("--first-year", type=int, default=2017, help="Første runde.")
        parser.add_argument(
            "--region",
            action="append",
            choices=[slug for slug, *_rest in REGIONS],
            help="Kun denne region (kan gentages).",
        )
        parser.add_argument("--seed", type=int, default=1, help="Startværdi for tilfældighed.")

    def handle(self, *args, rounds, first_year, region, seed, **options):
        result = generate_scale_data(
            regions=region, rounds=rounds, first_year=first_year, seed=seed
        )
        self.stdout.write(self.style.SUCCESS(str(result)))
