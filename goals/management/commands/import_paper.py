"""`python manage.py import_paper FILE --region SLUG --title TITLE [--dry-run]`: a goal paper
from a spreadsheet (goals/paper_import.py), as the admin's "Importér målpapir" imports it."""

import os

from django.core.files import File
from django.core.management.base import BaseCommand
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from goals.management.commands._arguments import whole_number
from goals.models import FIRST_YEAR
from goals.models import LAST_YEAR
from goals.models import GoalPaper
from goals.paper_import import DraftExists
from goals.paper_import import draft_refusal
from goals.paper_import import import_paper
from goals.paper_import import read_paper
from goals.sheets import SheetError
from goals.sheets import read_sheet
from municipalities.models import Region


def read_file(path):
    """The spreadsheet at `path` as a `Sheet`, or a CommandError in words."""
    try:
        with open(path, "rb") as handle:
            return read_sheet(File(handle, name=os.path.basename(path)))
    except OSError as error:
        raise CommandError(
            _("Filen %(path)s kan ikke åbnes: %(why)s") % {"path": path, "why": error.strerror}
        ) from None
    except SheetError as error:
        raise CommandError(str(error)) from None


def report_errors(command, plan):
    """Every error of the plan on stderr, one a line, then stop."""
    for error in plan.errors:
        command.stderr.write(str(error))
    raise CommandError(
        _("Filen er ikke importeret: %(n)s fejl. Ret dem, og prøv igen; intet er gemt.")
        % {"n": len(plan.errors)}
    )


class Command(BaseCommand):
    help = (
        "Importerer et målpapir fra et regneark (.xlsx eller .csv med skabelonens kolonner) som "
        "udkast i regionen. Med --dry-run kontrolleres filen kun."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Regnearket (.xlsx eller .csv).")
        parser.add_argument("--region", required=True, help="Regionens korte navn, fx midtjylland.")
        parser.add_argument("--title", required=True, help="Målpapirets titel.")
        parser.add_argument(
            "--kind",
            default=GoalPaper.Kind.KKR_GOALS,
            help="Papirets type: " + ", ".join(GoalPaper.Kind.values) + " (standard kkr_maal).",
        )
        parser.add_argument("--first-year", help="Første år i perioden (ellers fra fristerne).")
        parser.add_argument("--last-year", help="Sidste år i perioden (ellers fra fristerne).")
        parser.add_argument("--adopted-year", help="Året, papiret vedtages (ellers første år).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Kontrollér filen uden at gemme noget."
        )

    def handle(self, *args, **options):
        region = Region.objects.filter(slug=options["region"]).first()
        if region is None:
            raise CommandError(
                _("Der er ingen region med det korte navn »%(slug)s«. Regionerne er: %(all)s.")
                % {
                    "slug": options["region"],
                    "all": ", ".join(Region.objects.values_list("slug", flat=True)),
                }
            )
        title = options["title"].strip()
        if not title:
            raise CommandError(_("Skriv målpapirets titel med --title."))
        limit = GoalPaper._meta.get_field("title").max_length
        if len(title) > limit:
            raise CommandError(
                _("Titlen må højst være %(max)s tegn; den er %(length)s.")
                % {"max": limit, "length": len(title)}
            )
        if options["kind"] not in GoalPaper.Kind.values:
            raise CommandError(
                _("--kind skal være en af %(kinds)s.") % {"kinds": ", ".join(GoalPaper.Kind.values)}
            )
        years = tuple(
            whole_number(
                options[name], name=f"--{name.replace('_', '-')}", example=2027,
                minimum=FIRST_YEAR, maximum=LAST_YEAR,
            )
            for name in ("adopted_year", "first_year", "last_year")
        )  # fmt: skip
        if years[1] and years[2] and years[1] > years[2]:
            raise CommandError(_("Det sidste år kan ikke ligge før det første."))
        refusal = draft_refusal(region, title)
        if refusal:
            raise CommandError(refusal)
        sheet = read_file(options["file"])
        plan = read_paper(sheet, region)
        for notice in plan.notices:
            self.stdout.write(notice)
        if plan.errors:
            report_errors(self, plan)
        if options["dry_run"]:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Filen kan importeres: %(summary)s. Intet er gemt (--dry-run).")
                    % {"summary": plan.summary()}
                )
            )
            return
        try:
            paper = import_paper(
                plan,
                region=region,
                title=title,
                kind=options["kind"],
                years=years,
                source=sheet.name,
            )
        except DraftExists as refused:
            raise CommandError(refused.text) from None
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Målpapiret »%(title)s« (id %(id)s) er importeret som udkast: %(summary)s. "
                    "Gennemgå det i administrationen, og sæt det til vedtaget, når KKR har "
                    "vedtaget det."
                )
                % {"title": paper.title, "id": paper.pk, "summary": plan.summary()}
            )
        )
