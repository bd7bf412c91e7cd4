"""The secretariat's invitation of a municipality's reporter: an e-mail with a link that works
once and expires after INVITATION_VALID_DAYS. Following it, the reporter sets a password or
logs in through the municipality's identity provider (kkrmaal/invitations.py), and becomes
the municipality's reporter: no administrator needed.

Only the SHA-256 of the link's key is stored. `accept` takes the invitation under a row lock,
so two clicks (or two browsers) use it once.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from municipalities.models import Invitation
from municipalities.models import Membership


class InvitationUnusable(Exception):
    """The link is unknown, used or expired (`reason`: "unknown", "used", "expired")."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def _hash(key):
    return hashlib.sha256(key.encode()).hexdigest()


def link(key):
    return f"{settings.SITE_URL}{reverse('accept_invitation', args=[key])}"


def invite(municipality, email, *, by):
    """Make an invitation and send its e-mail; returns the invitation. A pending invitation
    of the same address to the same municipality is replaced (its link stops working)."""
    key = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        Invitation.objects.pending(now).filter(
            municipality=municipality, email__iexact=email
        ).update(expires_at=now)
        invitation = Invitation.objects.create(
            municipality=municipality,
            email=email,
            key_hash=_hash(key),
            created_by=by,
            expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        text = render_to_string(
            "email/invitation.txt",
            {
                "invitation": invitation,
                "link": link(key),
                "by": by,
                "days": settings.INVITATION_VALID_DAYS,
            },
        ).strip()
        subject, _sep, body = text.partition("\n")
        transaction.on_commit(
            lambda: send_mail(
                subject.strip(), body.strip() + "\n", settings.DEFAULT_FROM_EMAIL, [email]
            )
        )
    return invitation


def _usable(invitations, lock):
    """The one invitation of `invitations`, if it can still be used; InvitationUnusable if
    not."""
    invitations = invitations.select_related("municipality__region")
    if lock:
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.first()
    if invitation is None:
        raise InvitationUnusable("unknown")
    if invitation.used_at is not None:
        raise InvitationUnusable("used")
    if invitation.expires_at <= timezone.now():
        raise InvitationUnusable("expired")
    return invitation


def find(key, *, lock=False):
    """The invitation of a link's key, if it can still be used; InvitationUnusable if not."""
    return _usable(Invitation.objects.filter(key_hash=_hash(key)), lock)


def find_opened(pk, *, lock=False):
    """The invitation whose link was opened in this browser (its id kept in the session)."""
    return _usable(Invitation.objects.filter(pk=pk if isinstance(pk, int) else None), lock)


def accept(key, user):
    """Use the invitation for `user`: they become the municipality's reporter. Returns the
    invitation; InvitationUnusable when it cannot be used (any more)."""
    with transaction.atomic():
        return _accept(find(key, lock=True), user)


def accept_opened(pk, user):
    """`accept` for the invitation opened in this browser (`find_opened`)."""
    with transaction.atomic():
        return _accept(find_opened(pk, lock=True), user)


def _accept(invitation, user):
    Membership.objects.get_or_create(
        user=user,
        role=Membership.Role.REPORTER,
        municipality=invitation.municipality,
        defaults={"source": Membership.Source.PORTAL},
    )
    if not user.email:
        user.email = invitation.email
        user.save(update_fields=["email"])
    invitation.used_at = timezone.now()
    invitation.used_by = user
    invitation.save(update_fields=["used_at", "used_by"])
    return invitation


def pending_by_municipality(region):
    """{municipality_id: the newest invitation still waiting} in `region` (one query)."""
    waiting = {}
    pending = Invitation.objects.pending().filter(municipality__region=region)
    for invitation in pending.order_by("created_at"):
        waiting[invitation.municipality_id] = invitation
    return waiting


def valid_days():
    return settings.INVITATION_VALID_DAYS
