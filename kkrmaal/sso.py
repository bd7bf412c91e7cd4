"""Single sign-on: what a login through an identity provider (SAML in kkrmaal/saml.py, OIDC
in kkrmaal/oidc.py) makes of the person the provider vouches for.

Both providers end in `sign_in`, with the same rules:

- The provider's grants are pairs of (role value, organisation): a privilege of KOMBIT's
  Context Handler and the CVR number of its scope, or each value of a role attribute or
  claim with each value of an organisation attribute. `SsoRole` (the role value → reporter
  or secretariat) and `SsoOrganisation` (the CVR number or value → municipality or region)
  in the admin decide what they mean. A reporter's role needs a municipality, a
  secretariat's a region.
- No grant the portal understands: refused (`Refusal`), with a Danish page, an audit line,
  and nothing created. The one exception is a reporter following the secretariat's
  invitation (kkrmaal/invitations.py) while it can still be used: the invitation gives the
  role instead.
- The user is found by the provider's own id for them (`ExternalIdentity`), never by a user
  name or e-mail the provider sends, and made at the first login, without a password.
- Each login makes the memberships the provider gave (`Membership.source`) exactly what it
  vouches for today: a role it no longer gives is gone. A session through a provider lasts
  SSO_SESSION_HOURS (8), so the provider is asked again every working day. What the portal gave (an
  administrator, an invitation) is left alone. A secretariat role makes the user staff (the
  admin and the secretariat's pages), and losing the last one takes that away again.
- A provider that says it checked a second factor (SAML's authentication context, OIDC's
  `amr`) is trusted for it: the portal does not ask again (kkrmaal/mfa.py).
"""

import base64
import binascii
import json
import logging
from dataclasses import dataclass
from dataclasses import field

from defusedxml import ElementTree
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.db import transaction
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kkrmaal.clients import client_address
from municipalities.models import ExternalIdentity
from municipalities.models import Invitation
from municipalities.models import Membership
from municipalities.models import SsoOrganisation
from municipalities.models import SsoRole

audit_log = logging.getLogger("kkrmaal.audit")

# The session key that says a provider checked a second factor (kkrmaal/mfa.py reads it).
PROVIDER_MFA_SESSION_KEY = "kkrmaal_provider_mfa"
# The pending invitation a provider login is for (kkrmaal/invitations.py sets it).
INVITATION_SESSION_KEY = "kkrmaal_invitation"
BACKEND = "django.contrib.auth.backends.ModelBackend"

# The scope of a privilege group of the Context Handler: its organisation's CVR number.
CVR_SCOPE_PREFIX = "urn:dk:gov:saml:cvrNumberIdentifier:"


def audit(event, request=None, **details):
    """One JSON line on the audit log (LOGGER `kkrmaal.audit`), written at once: a refused
    login has no transaction to wait for."""
    line = {"event": event}
    if request is not None:
        line["address"] = client_address(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            line.update(user=user.get_username(), user_id=user.pk)
    line.update(details)
    audit_log.info(json.dumps(line, ensure_ascii=False, default=str))


# --- refusals --------------------------------------------------------------------------------


REFUSALS = {
    "signature": (
        _("Svaret fra identitetsudbyderen kunne ikke godkendes"),
        _(
            "Svaret fra din organisations login var ikke underskrevet af den "
            "identitetsudbyder, portalen kender. Du er ikke logget ind. Prøv at logge ind "
            "igen; sker det igen, så kontakt KKR-sekretariatet."
        ),
    ),
    "replayed": (
        _("Svaret fra identitetsudbyderen er allerede brugt"),
        _(
            "Et login kan kun bruges én gang, og dette svar er brugt før. Du er ikke logget "
            "ind. Start forfra med at logge ind."
        ),
    ),
    "unsolicited": (
        _("Login skal startes i KKR-mål"),
        _(
            "Svaret fra din organisations login hørte ikke til et login, der var startet i "
            "KKR-mål i denne browser (fx efter et link fra en anden portal). Du er ikke logget "
            "ind. Gå til KKR-mål og vælg »Log ind«."
        ),
    ),
    "expired": (
        _("Svaret fra identitetsudbyderen er udløbet"),
        _(
            "Der gik for lang tid, fra du loggede ind hos din organisation, til svaret nåede "
            "portalen. Du er ikke logget ind. Start forfra med at logge ind."
        ),
    ),
    "unknown_organisation": (
        _("Din organisation er ikke kendt af portalen"),
        _(
            "Din organisation er ikke knyttet til en kommune eller region i KKR-mål. Du er "
            "ikke logget ind. Bed KKR-sekretariatet om at tilføje organisationen (dens "
            "CVR-nummer) under »Organisationer ved login«."
        ),
    ),
    "no_role": (
        _("Du har ikke en rolle i KKR-mål"),
        _(
            "Din organisations login siger ikke, at du er indberetter eller med i "
            "KKR-sekretariatet. Du er ikke logget ind. Bed den, der tildeler roller i din "
            "organisation (fx i Fælleskommunal Adgangsstyring), om rollen – eller bed "
            "KKR-sekretariatet om en invitation."
        ),
    ),
    "provider_error": (
        _("Login hos identitetsudbyderen lykkedes ikke"),
        _(
            "Identitetsudbyderen afviste eller afbrød login, eller svaret kunne ikke læses. "
            "Du er ikke logget ind. Prøv igen om lidt."
        ),
    ),
}


class Refusal(Exception):
    """A login the portal refuses, with its reason (a key of REFUSALS) and what the audit
    line should say about it."""

    def __init__(self, reason, **details):
        super().__init__(reason)
        self.reason = reason
        self.details = details


def refused(request, provider, reason, status=403, **details):
    """The Danish page of a refused login, after its audit line. Nobody is logged in."""
    title, text = REFUSALS[reason]
    audit("login.refused", request, provider=provider, reason=reason, **details)
    if request.user.is_authenticated:
        auth.logout(request)
    return render(
        request,
        "registration/sso_refused.html",
        {"title": title, "text": text, "reason": reason},
        status=status,
    )


# --- what the provider says ------------------------------------------------------------------


@dataclass
class Identity:
    """A person as the provider vouches for them at this login."""

    provider: str  # Membership.Source: "saml" or "oidc"
    subject: str
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    grants: list = field(default_factory=list)  # [(role value, organisation), …]
    second_factor: str = ""  # what says the provider checked one ("" for none)


def as_list(value):
    if value is None:
        return []
    if isinstance(value, list | tuple | set):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def privilege_grants(value):
    """The grants of a privilege list of the Context Handler (OIOSAML's Basic Privilege
    Profile, base64-encoded XML in the attribute `dk:gov:saml:attribute:Privileges_intermediate`):
    each privilege with the CVR number of its group's scope. None when `value` is not one."""
    try:
        document = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    if b"PrivilegeGroup" not in document:
        return None
    try:
        root = ElementTree.fromstring(document)
    except ElementTree.ParseError:
        return None
    grants = []
    for group in root.iter():
        if not group.tag.endswith("PrivilegeGroup"):
            continue
        scope = group.get("Scope", "").strip()
        organisation = scope.removeprefix(CVR_SCOPE_PREFIX)
        for privilege in group:
            if privilege.tag.endswith("Privilege") and (privilege.text or "").strip():
                grants.append((privilege.text.strip(), organisation))
    return grants


def grants_from(role_values, organisation_values):
    """(role value, organisation) pairs from a role attribute and an organisation attribute:
    a privilege list carries its own organisations; plain values go with every organisation
    the provider names."""
    grants = []
    plain = []
    for value in role_values:
        listed = privilege_grants(value)
        if listed is None:
            plain.append(value)
        else:
            grants.extend(listed)
    grants.extend((role, organisation) for role in plain for organisation in organisation_values)
    return grants


# --- the rules -------------------------------------------------------------------------------


def memberships_for(identity):
    """{(role, municipality_id, region_id)} the grants give, and the reason to refuse when
    they give none ("no_role" or "unknown_organisation")."""
    values = {value for value, _organisation in identity.grants}
    identifiers = {organisation for _value, organisation in identity.grants}
    roles = dict(SsoRole.objects.filter(value__in=values).values_list("value", "role"))
    places = {o.identifier: o for o in SsoOrganisation.objects.filter(identifier__in=identifiers)}
    wanted = set()
    for value, identifier in identity.grants:
        role, place = roles.get(value), places.get(identifier)
        if role is None or place is None:
            continue
        if role == Membership.Role.REPORTER and place.municipality_id:
            wanted.add((role, place.municipality_id, None))
        elif role == Membership.Role.SECRETARIAT and place.region_id:
            wanted.add((role, None, place.region_id))
    if wanted:
        return wanted, None
    if not roles:
        return wanted, "no_role"
    return wanted, "unknown_organisation"


def _new_username(identity):
    User = get_user_model()
    base = (identity.email or f"{identity.provider}-{identity.subject}")[:140]
    username, n = base, 1
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}-{n}"
    return username


def _describe(identity):
    return {
        "subject": identity.subject,
        "organisations": sorted({o for _v, o in identity.grants}),
        "role_values": sorted({v for v, _o in identity.grants}),
    }


def _take_back(identity):
    """The provider vouches for no role any more: what it gave is gone (and with it staff
    status, unless the portal gave a secretariat role). Returns how many roles went."""
    link = (
        ExternalIdentity.objects.select_related("user")
        .filter(provider=identity.provider, subject=identity.subject)
        .first()
    )
    if link is None:
        return 0
    user = link.user
    with transaction.atomic():
        lost, _by_model = Membership.objects.filter(user=user, source=identity.provider).delete()
        if lost and not user.is_superuser:
            user.is_staff = Membership.objects.filter(
                user=user, role=Membership.Role.SECRETARIAT
            ).exists()
            user.save(update_fields=["is_staff"])
    return lost


def _has_portal_roles(identity):
    """Whether the person has roles the portal gave them (an invitation they accepted, an
    administrator): such a user may log in through the provider without its roles."""
    return (
        Membership.objects.filter(
            user__external_identities__provider=identity.provider,
            user__external_identities__subject=identity.subject,
            source=Membership.Source.PORTAL,
        )
        .exclude(user__is_active=False)
        .exists()
    )


def _invited(request):
    """Whether the session follows an invitation that can still be used: one used since, or
    expired, lets nobody in without a role."""
    invitation = request.session.get(INVITATION_SESSION_KEY)
    return bool(invitation) and Invitation.objects.pending().filter(pk=invitation).exists()


def sign_in(request, identity):
    """Log in the person `identity` describes, with the memberships the provider gives
    today; `Refusal` when it gives none (unless an invitation is pending in the session).
    Returns the user."""
    if not identity.subject:
        raise Refusal("provider_error", why="no subject")
    wanted, reason = memberships_for(identity)
    if reason and not (_invited(request) or _has_portal_roles(identity)):
        lost = _take_back(identity)
        raise Refusal(reason, lost=lost, **_describe(identity))
    User = get_user_model()
    with transaction.atomic():
        link = (
            ExternalIdentity.objects.select_for_update()
            .select_related("user")
            .filter(provider=identity.provider, subject=identity.subject)
            .first()
        )
        if link is None:
            user = User(username=_new_username(identity))
            user.set_unusable_password()
            user.save()
            link = ExternalIdentity.objects.create(
                provider=identity.provider, subject=identity.subject, user=user
            )
            created = True
        else:
            user, created = link.user, False
        if not user.is_active:
            raise Refusal("no_role", why="user deactivated", **_describe(identity))
        for name in ("email", "first_name", "last_name"):
            value = getattr(identity, name)
            if value:
                setattr(user, name, value[: User._meta.get_field(name).max_length])
        given = Membership.objects.filter(user=user, source=identity.provider)
        have = {(m.role, m.municipality_id, m.region_id): m for m in given}
        lost = [m.pk for key, m in have.items() if key not in wanted]
        Membership.objects.filter(pk__in=lost).delete()
        portal = set(
            Membership.objects.filter(user=user)
            .exclude(source=identity.provider)
            .values_list("role", "municipality_id", "region_id")
        )
        for role, municipality_id, region_id in wanted - set(have) - portal:
            Membership.objects.create(
                user=user,
                role=role,
                municipality_id=municipality_id,
                region_id=region_id,
                source=identity.provider,
            )
        if not user.is_superuser:
            user.is_staff = Membership.objects.filter(
                user=user, role=Membership.Role.SECRETARIAT
            ).exists()
        user.save()
        link.last_login_at = timezone.now()
        link.save(update_fields=["last_login_at"])
    auth.login(request, user, backend=BACKEND)
    # Not the two weeks of a password login: the provider is asked again within the working
    # day, and what it no longer vouches for goes then (SSO_SESSION_HOURS).
    request.session.set_expiry(settings.SSO_SESSION_HOURS * 3600)
    if identity.second_factor:
        request.session[PROVIDER_MFA_SESSION_KEY] = f"{identity.provider}:{identity.second_factor}"
    audit(
        "login.sso",
        request,
        provider=identity.provider,
        created=created,
        memberships=sorted(f"{r}:{m or ''}:{g or ''}" for r, m, g in wanted),
        lost=len(lost),
        second_factor=identity.second_factor or None,
    )
    return user


def providers():
    """The login page's buttons: [(url name, label)] of the providers switched on."""
    configured = []
    if settings.SAML_ENABLED:
        configured.append(("saml2_login", settings.SAML_PROVIDER_NAME))
    if settings.OIDC_ENABLED:
        configured.append(("oidc_authentication_init", settings.OIDC_PROVIDER_NAME))
    return configured
