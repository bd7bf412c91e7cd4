"""API tokens: who may hold one, issuing and revoking.

Tokens are django-rest-knox's, stored as a hash: the key itself is shown once, when it is
made, and never again. A token acts as its user, so it reaches exactly the reports of the
municipalities the user reports for. The `create_api_token` command, the admin and the
reporter's profile page all go through these functions.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from knox.models import AuthToken

from municipalities.models import Membership
from municipalities.models import Municipality


def tokens_of(user):
    return AuthToken.objects.filter(user=user).order_by("-created")


def issue_token(user):
    """A new token for `user`: (the stored token, its key). Only the key opens the API, and
    it is not kept anywhere: hand it over at once."""
    if not user.is_active:
        raise ValidationError(_("Brugeren er deaktiveret og kan ikke få en API-nøgle."))
    return AuthToken.objects.create(user=user)


def revoke_token(user, token_key):
    """Revoke one of the user's tokens (by the first characters of its key, as listed);
    True when there was one."""
    deleted, _rows = AuthToken.objects.filter(user=user, token_key=token_key).delete()
    return bool(deleted)


def reporters_in(regions):
    """Users who report for a municipality of one of `regions`: whose tokens a region's
    secretariat looks after."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            memberships__role=Membership.Role.REPORTER,
            memberships__municipality__in=Municipality.objects.filter(region__in=regions),
        )
        .distinct()
    )
