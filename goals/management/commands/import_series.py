"""`python manage.py import_series FILE --indicator ID [--dry-run]`: an indicator's series from
a Statistikbanken or eSundhed file (goals/series_import.py), as the admin's "Importér
indikatorserie" stores it. No network: the file is read, nothing is fetched."""

from django.core.management.base import BaseCommand
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from goals.management.commands._arguments import whole_number
from goals.management.commands.import_paper import read_file
from goals.management.commands.import_paper import report_errors
from goals.models import Indicator
from goals.series_import import existing_series
from goals.series_import import parse_date
from goals.series_import import read_series
from goals.series_import import store_series


class Command(BaseCommand):
    help = (
        "Importerer en indikatorserie (en værdi pr. kommune pr. år) fra en CSV- eller "
        "Excel-fil, som Statistikbanken og eSundhed udgiver dem. Med --dry-run kontrolleres "
        "filen kun."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Filen (.csv eller .xlsx).")
        parser.add_argument("--indicator", required=True, help="Indikatorens id.")
        parser.add_argument(
            "--column", default="", help="Kolonnen med værdien, når tabellen har flere."
        )
        parser.add_argument("--source", default="", help="Kilden, hvis filen ikke nævner den.")
        parser.add_argument("--url", default="", help="Kildens webadresse.")
        parser.add_argument("--table", default="", help="Tabellens id i kilden, fx INDL05.")
        parser.add_argument(
            "--fetched", default="", help="Datoen tallene er hentet, fx 02.04.2024."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Kontrollér filen uden at gemme noget."
        )

    def handle(self, *args, **options):
        pk = whole_number(options["indicator"], name="--indicator", example=12, minimum=1)
        indicator = Indicator.objects.select_related("goal__paper__region").filter(pk=pk).first()
        if indicator is None:
            raise CommandError(_("Der er ingen indikator med id %(id)s.") % {"id": pk})
        fetched = None
        if options["fetched"]:
            fetched = parse_date(options["fetched"])
            if fetched is None:
                raise CommandError(
                    _("--fetched skal være en dato, fx 02.04.2024. Du skrev »%(value)s«.")
                    % {"value": options["fetched"]}
                )
        sheet = read_file(options["file"])
        plan = read_series(
            sheet,
            indicator,
            value_column=options["column"],
            given={
                "source_name": options["source"].strip(),
                "source_url": options["url"].strip(),
                "table_id": options["table"].strip(),
                "fetched_on": fetched,
            },
        )
        for notice in plan.notices:
            self.stdout.write(notice)
        if plan.errors:
            report_errors(self, plan)
        replacing = existing_series(plan)
        if options["dry_run"]:
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "Filen kan importeres til »%(indicator)s«: %(summary)s. Intet er gemt (--dry-run)."
                    )
                    % {"indicator": indicator.name, "summary": plan.summary()}
                )
            )
            if replacing:
                self.stdout.write(
                    _("Den ville erstatte serien fra %(source)s.")
                    % {"source": replacing.source_label}
                )
            return
        series, replaced = store_series(plan, file_name=sheet.name)
        self.stdout.write(
            self.style.SUCCESS(
                _("Serien (id %(id)s) er gemt for »%(indicator)s«: %(summary)s. Kilde: %(source)s.")
                % {
                    "id": series.pk,
                    "indicator": indicator.name,
                    "summary": plan.summary(),
                    "source": series.source_label,
                }
            )
        )
        if replaced:
            self.stdout.write(_("%(n)s tidligere værdier er erstattet.") % {"n": replaced})
