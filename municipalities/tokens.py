"""API tokens: who may hold one, issuing and revoking.

Tokens are django-rest-knox's, stored as a hash: the key itself is shown once, when it is
made, and never again. A token acts as its user, so it reaches exactly the reports of the
municipalities the user reports for; that is why a token is made only by its own user (the
reporter's profile page) or by an operator at the server (`create_api_token`), never by
somebody else in the portal: a secretariat that could issue a reporter's key could act as
the reporter. Who made each token is kept (`TokenOrigin`) for the audit trail. The
secretariat lists and revokes its reporters' tokens in the admin, and never sees a key.

A user holds at most `LIVE_TOKENS_PER_USER` tokens that have not expired: each is a key to
guard, and the API's rate is counted per user, not per key.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.models import AuthToken

from municipalities.models import Membership
from municipalities.models import Municipality
from municipalities.models import TokenOrigin

LIVE_TOKENS_PER_USER = 3


def tokens_of(user):
    return AuthToken.objects.filter(user=user).order_by("-created")


def live_tokens(user):
    return tokens_of(user).filter(Q(expiry__isnull=True) | Q(expiry__gt=timezone.now()))


def issue_token(user, *, by):
    """A new token for `user`, made by `by`: the user themselves, or None for an operator at
    the server. Returns (the stored token, its key). Only the key opens the API, and it is
    not kept anywhere: hand it over at once."""
    if by is not None and by.pk != user.pk:
        raise ValidationError(_("En API-nøgle kan kun oprettes af den bruger, den tilhører."))
    if not user.is_active:
        raise ValidationError(_("Brugeren er deaktiveret og kan ikke få en API-nøgle."))
    with transaction.atomic():
        # One at a time per user, so two requests at once cannot both pass the limit.
        get_user_model().objects.select_for_update().filter(pk=user.pk).exists()
        if live_tokens(user).count() >= LIVE_TOKENS_PER_USER:
            raise ValidationError(
                _(
                    "Der er allerede %(limit)s gyldige API-nøgler, det højeste antal. "
                    "Tilbagekald en af dem, før der oprettes en ny."
                )
                % {"limit": LIVE_TOKENS_PER_USER}
            )
        token, key = AuthToken.objects.create(user=user)
        TokenOrigin.objects.create(token=token, issued_by=by)
    return token, key


def issuer(token):
    """Who made `token`, for the audit trail: a user name, "operator" (`create_api_token` at
    the server) or "unknown" (a token made before this was recorded)."""
    origin = TokenOrigin.objects.filter(token=token).select_related("issued_by").first()
    if origin is None:
        return "unknown"
    return origin.issued_by.get_username() if origin.issued_by else "operator"


def revoke_token(user, token_key):
    """Revoke one of the user's tokens (by the first characters of its key, as listed);
    True when there was one."""
    deleted, _rows = AuthToken.objects.filter(user=user, token_key=token_key).delete()
    return bool(deleted)


def reporters_in(regions):
    """Users who report for a municipality of one of `regions`: whose tokens a region's
    secretariat looks after."""
    return (
        get_user_model()
        .objects.filter(
            memberships__role=Membership.Role.REPORTER,
            memberships__municipality__in=Municipality.objects.filter(region__in=regions),
        )
        .distinct()
    )
