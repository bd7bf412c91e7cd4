"""Make an API token for a user and print its key, once: the operator's way, at the server
(the audit trail names the token's maker "operator"); in the portal only the user makes their
own."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.core.management.base import CommandError

from municipalities import tokens


class Command(BaseCommand):
    help = "Opret en API-nøgle til brugeren og vis den (kun denne ene gang)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Ingen bruger hedder {username!r}.")
        try:
            token, key = tokens.issue_token(user, by=None)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        expiry = f", gyldig til {token.expiry:%d.%m.%Y}" if token.expiry else ""
        self.stderr.write(
            f"API-nøgle til {user.get_username()}{expiry}. Den vises kun nu; gem den sikkert."
        )
        self.stdout.write(key)
