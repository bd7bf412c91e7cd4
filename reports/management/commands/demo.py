"""`python manage.py demo [--password PW]`: a ready demo portal (see reports/demo.py)."""

import logging

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from reports import demo


class Command(BaseCommand):
    help = (
        "Migrerer databasen, indlæser regioner, kommuner og målpapirer, opretter demobrugere "
        "for alle roller, en demohistorik med statusrunder og eksempler på indikatorserier. "
        "Kan køres igen."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            help="Adgangskode til alle demobrugere (ellers dannes en tilfældig, der vises én gang).",
        )

    def handle(self, *args, password=None, **options):
        verbosity = options["verbosity"]
        audit = logging.getLogger("kkrmaal.audit")
        level = audit.level
        if verbosity < 2:
            # The audit line of every state change the demo plays would bury the login
            # details printed at the end; the level is put back for whatever runs next in
            # this process (a test, a shell).
            audit.setLevel(logging.WARNING)
        try:
            self.build(password, verbosity)
        finally:
            audit.setLevel(level)

    def build(self, password, verbosity):
        call_command("migrate", verbosity=max(verbosity - 1, 0), interactive=False)
        call_command("load_kkr_data", verbosity=verbosity, stdout=self.stdout)
        password = password or demo.new_password()
        users = demo.create_demo_users(password)
        # Publishing the demo rounds queues their PDF papers: the job worker renders them
        # once the portal runs (`make run` starts it beside runserver).
        created = demo.build_demo_history(users)

        if created:
            self.stdout.write(f"Demohistorik: {len(created)} statusrunder oprettet.")
            self.stdout.write(
                "PDF'erne dannes af jobkøen (manage.py db_worker), når portalen kører."
            )
        else:
            self.stdout.write("Demohistorikken findes allerede.")
        series = demo.import_demo_series(by=users.admin)
        self.stdout.write(
            f"Indikatorserier: {len(series)} indlæst fra fixtures/series/ "
            "(eksempeldata, ikke officielle tal)."
        )
        site = settings.SITE_URL
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demoportalen er klar."))
        self.stdout.write(f"  Portal:          {site}/")
        self.stdout.write(f"  Administration:  {site}/admin/")
        self.stdout.write(f"  Indberetning:    {site}/indberetning/")
        self.stdout.write(f"  Superbruger:     {users.admin.username}")
        self.stdout.write(
            f"  Sekretariater:   {', '.join(u.username for u in users.secretariats.values())}"
        )
        self.stdout.write(
            f"  Indberettere:    {', '.join(u.username for u in users.reporters.values())}"
        )
        self.stdout.write(f"  Adgangskode (alle brugere): {password}")
