"""`manage.py render_status_paper <region> <year> [--municipality KODE] -o FILE`: render any
round's paper (an unpublished one as a draft with the "UDKAST" watermark) for a preview."""

from django.core.management.base import BaseCommand, CommandError

from goals.models import StatusRound
from municipalities.models import Municipality
from reports.papers import is_draft, render_status_paper


class Command(BaseCommand):
    help = (
        "Danner regionens statuspapir (eller én kommunes status) for et år som PDF, også for "
        "en runde, der ikke er offentliggjort (med vandmærket UDKAST)."
    )

    def add_arguments(self, parser):
        parser.add_argument("region", help="Regionens korte navn, fx hovedstaden.")
        parser.add_argument("year", type=int, help="Rundens år, fx 2018.")
        parser.add_argument("--municipality", type=int, help="Kommunekode, fx 101.")
        parser.add_argument("-o", "--output", required=True, help="Filen, PDF'en skrives til.")

    def handle(self, *args, region, year, municipality, output, **options):
        status_round = (
            StatusRound.objects.filter(paper__region__slug=region, year=year)
            .select_related("paper__region")
            .order_by("-paper__adopted_year", "-pk")
            .first()
        )
        if status_round is None:
            raise CommandError(f"Der er ingen statusrunde for {region} i {year}.")
        if municipality is not None:
            municipality = Municipality.objects.filter(
                region=status_round.paper.region, kommunekode=municipality
            ).first()
            if municipality is None:
                raise CommandError(f"Kommunen hører ikke til {region}.")
        pdf = render_status_paper(status_round, municipality)
        with open(output, "wb") as f:
            f.write(pdf)
        draft = " (udkast)" if is_draft(status_round) else ""
        self.stdout.write(self.style.SUCCESS(f"Skrev {output}{draft}: {len(pdf) // 1024} kB."))
