"""`manage.py render_status_paper <region> <year> [--municipality KODE] -o FILE`: render any
round's paper (an unpublished one as a draft with the "UDKAST" watermark) for a preview."""

import os

from django.core.management.base import BaseCommand
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from goals.management.commands._arguments import whole_number
from goals.models import StatusRound
from municipalities.models import Municipality
from municipalities.models import Region
from reports.papers import is_draft
from reports.papers import render_status_paper


def unwritable(path):
    """Why a file cannot be written at `path`, or None: checked before rendering, which
    takes a while, and so that no half-written file is left behind."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        return _("det er en mappe")
    if not os.path.isdir(folder):
        return _("mappen %(folder)s findes ikke") % {"folder": folder}
    if not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        return _("du har ikke lov til at skrive der")
    return None


class Command(BaseCommand):
    help = (
        "Danner regionens statuspapir (eller én kommunes status) for et år som PDF, også for "
        "en runde, der ikke er offentliggjort (med vandmærket UDKAST)."
    )

    def add_arguments(self, parser):
        parser.add_argument("region", help="Regionens korte navn, fx hovedstaden.")
        parser.add_argument("year", help="Rundens år, fx 2018.")
        parser.add_argument("--municipality", help="Kommunekode, fx 101.")
        parser.add_argument("-o", "--output", required=True, help="Filen, PDF'en skrives til.")

    def handle(self, *args, region, year, municipality, output, **options):
        year = whole_number(year, name=_("Året"), example=2018)
        code = whole_number(municipality, name=_("Kommunekoden"), example=101)
        if not Region.objects.filter(slug=region).exists():
            slugs = ", ".join(Region.objects.order_by("slug").values_list("slug", flat=True))
            raise CommandError(
                _("Der er ingen region med det korte navn »%(region)s«. Vælg en af: %(slugs)s.")
                % {"region": region, "slugs": slugs or "–"}
            )
        status_round = (
            StatusRound.objects.filter(paper__region__slug=region, year=year)
            .select_related("paper__region")
            .order_by("-paper__adopted_year", "-pk")
            .first()
        )
        if status_round is None:
            raise CommandError(
                _("Der er ingen statusrunde for %(region)s i %(year)s.")
                % {"region": region, "year": year}
            )
        if code is not None:
            municipality = Municipality.objects.filter(
                region=status_round.paper.region, kommunekode=code
            ).first()
            if municipality is None:
                raise CommandError(
                    _("Kommunen %(code)s hører ikke til %(region)s.")
                    % {"code": code, "region": region}
                )
        why = unwritable(output)
        if why:
            raise CommandError(
                _("PDF'en kunne ikke skrives til %(path)s: %(why)s.") % {"path": output, "why": why}
            )
        pdf = render_status_paper(status_round, municipality)
        try:
            with open(output, "wb") as f:
                f.write(pdf)
        except OSError as error:
            raise CommandError(
                _("PDF'en kunne ikke skrives til %(path)s: %(why)s.")
                % {"path": output, "why": error.strerror}
            ) from error
        draft = " (udkast)" if is_draft(status_round) else ""
        self.stdout.write(self.style.SUCCESS(f"Skrev {output}{draft}: {len(pdf) // 1024} kB."))
