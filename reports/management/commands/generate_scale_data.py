"""`manage.py generate_scale_data`: the national-scale data set for load tests."""

from django.core.management.base import BaseCommand
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from goals.management.commands._arguments import whole_number
from goals.models import FIRST_YEAR
from goals.models import LAST_YEAR
from reports.scaledata import REGIONS
from reports.scaledata import generate_scale_data
from reports.scaledata import store_latest_papers

# The years a round can have are the model's (YearField); a sane number of rounds.
MAX_ROUNDS = 50


class Command(BaseCommand):
    help = (
        "Opretter et datasæt i national skala til belastningstest: alle 98 kommuner, et "
        "målpapir pr. region og årlige, offentliggjorte statusrunder."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rounds", default=10, help="Antal årlige runder (1–50).")
        parser.add_argument("--first-year", default=2017, help="Første runde.")
        parser.add_argument(
            "--region",
            action="append",
            help="Kun denne region (kan gentages): "
            + ", ".join(slug for slug, *_rest in REGIONS)
            + ".",
        )
        parser.add_argument("--seed", default=1, help="Startværdi for tilfældighed.")
        parser.add_argument(
            "--open-round",
            action="store_true",
            help="Lad årets (den sidste) runde stå åben for indberetning i stedet for "
            "offentliggjort.",
        )
        parser.add_argument(
            "--store-papers",
            action="store_true",
            help="Dan og gem statuspapirerne (PDF) for hver regions seneste offentliggjorte "
            "runde, som offentliggørelsen ville have gjort.",
        )

    def handle(self, *args, rounds, first_year, region, seed, open_round, store_papers, **options):
        rounds = whole_number(rounds, name="--rounds", example=10, minimum=1, maximum=MAX_ROUNDS)
        first_year = whole_number(
            first_year, name="--first-year", example=2017, minimum=FIRST_YEAR, maximum=LAST_YEAR
        )
        seed = whole_number(seed, name="--seed", example=1)
        last_year = first_year + rounds - 1
        if last_year > LAST_YEAR:
            raise CommandError(
                _("Den sidste runde (%(year)s) ligger efter %(last)s. Vælg færre runder.")
                % {"year": last_year, "last": LAST_YEAR}
            )
        known = [slug for slug, *_rest in REGIONS]
        for slug in region or []:
            if slug not in known:
                raise CommandError(
                    _("Ukendt region »%(region)s«. Vælg en af: %(known)s.")
                    % {"region": slug, "known": ", ".join(known)}
                )
        result = generate_scale_data(
            regions=region, rounds=rounds, first_year=first_year, seed=seed, open_last=open_round
        )
        self.stdout.write(self.style.SUCCESS(str(result)))
        if store_papers:
            stored = store_latest_papers(region)
            self.stdout.write(
                self.style.SUCCESS(_("%(count)s statuspapirer gemt.") % {"count": stored})
            )
