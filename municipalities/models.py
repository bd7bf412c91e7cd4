"""Regions (KKR), their health clusters and municipalities, and who works for which.

Region is the tenant: every other object hangs off one, and access checks ask
`Region.objects.staffed_by(user)` and `Municipality.objects.reported_by(user)`.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken
from PIL import Image

LOGO_MAX_BYTES = 1024 * 1024
LOGO_FORMATS = ("PNG", "JPEG")


class RegionQuerySet(models.QuerySet):
    def staffed_by(self, user):
        """Regions whose secretariat the user belongs to (every region for a superuser).

        Staff status is how an administrator takes the secretariat away from somebody, so a
        membership left behind opens nothing."""
        if not user.is_authenticated or not user.is_staff:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(
            memberships__user=user, memberships__role=Membership.Role.SECRETARIAT
        ).distinct()


def validate_logo(logo):
    """A logo for the PDF cover: a PNG or JPEG (by its content, not its name) of at most
    LOGO_MAX_BYTES, so a paper never embeds something WeasyPrint cannot draw or a huge file."""
    if logo.size > LOGO_MAX_BYTES:
        raise ValidationError(
            _("Logoet er for stort (%(size)s). Det må højst fylde %(limit)s."),
            params={"size": filesizeformat(logo.size), "limit": filesizeformat(LOGO_MAX_BYTES)},
            code="too_large",
        )
    try:
        logo.open("rb")
        with Image.open(logo) as image:
            kind = image.format
    except (OSError, Image.UnidentifiedImageError, ValueError):
        kind = None
    finally:
        logo.seek(0)
    if kind not in LOGO_FORMATS:
        raise ValidationError(_("Logoet skal være en PNG- eller JPEG-fil."), code="wrong_type")


class Region(models.Model):
    name = models.CharField(_("navn"), max_length=50, unique=True)
    slug = models.SlugField(_("kort navn"), max_length=30, unique=True)
    code = models.PositiveSmallIntegerField(
        _("regionskode"), unique=True, help_text=_("Den officielle regionskode, fx 1084.")
    )
    logo = models.ImageField(
        _("logo"),
        upload_to="regions/logos/",
        blank=True,
        validators=[validate_logo],
        help_text=_("Vises på forsiden af statuspapiret. PNG eller JPEG, højst 1 MB."),
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("region (KKR)")
        verbose_name_plural = _("regioner (KKR)")

    def __str__(self):
        return self.name

    @property
    def kkr_name(self):
        return f"KKR {self.name}"


class Cluster(models.Model):
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="clusters", verbose_name=_("region")
    )
    name = models.CharField(_("navn"), max_length=80)
    description = models.TextField(_("beskrivelse"), blank=True)
    order = models.PositiveSmallIntegerField(_("rækkefølge"), default=0)
    # Where the name and the membership come from when no paper prints them (see the fixture).
    provenance = models.JSONField(_("kilder og skøn"), default=dict, blank=True)

    class Meta:
        ordering = ["region", "order", "name"]
        verbose_name = _("sundhedsklynge")
        verbose_name_plural = _("sundhedsklynger")
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="cluster_unique_name"),
        ]

    def __str__(self):
        return f"{self.name} ({self.region})"


class MunicipalityQuerySet(models.QuerySet):
    def in_region(self, region):
        return self.filter(region=region)

    def reported_by(self, user):
        """Municipalities the user reports for."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            memberships__user=user, memberships__role=Membership.Role.REPORTER
        ).distinct()


KOMMUNEKODE_MESSAGE = _("Kommunekoden skal have tre cifre (100–999).")


class Municipality(models.Model):
    kommunekode = models.PositiveSmallIntegerField(
        _("kommunekode"),
        unique=True,
        help_text=_("Den officielle tre-cifrede kommunekode."),
        validators=[
            MinValueValidator(100, KOMMUNEKODE_MESSAGE),
            MaxValueValidator(999, KOMMUNEKODE_MESSAGE),
        ],
    )
    name = models.CharField(_("navn"), max_length=80)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="municipalities", verbose_name=_("region")
    )
    # The same region as the municipality's is enforced by a database trigger (migration
    # 0002), since a check constraint cannot look into another table.
    cluster = models.ForeignKey(
        Cluster,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="municipalities",
        verbose_name=_("sundhedsklynge"),
    )

    objects = MunicipalityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("kommune")
        verbose_name_plural = _("kommuner")
        constraints = [
            models.CheckConstraint(
                condition=Q(kommunekode__gte=100, kommunekode__lte=999),
                name="municipality_kommunekode_three_digits",
                violation_error_message=KOMMUNEKODE_MESSAGE,
            ),
        ]

    def __str__(self):
        return f"{self.kommunekode} {self.name}"

    def clean(self):
        if self.cluster_id and self.region_id and self.cluster.region_id != self.region_id:
            raise ValidationError({"cluster": _("Klyngen hører til en anden region end kommunen.")})


class MembershipQuerySet(models.QuerySet):
    def reachable_reporters(self):
        """Reporter memberships the round's e-mails reach: an active user with an e-mail
        address. A municipality without one has "Ingen indberetter" in the cockpit."""
        return self.filter(role=Membership.Role.REPORTER, user__is_active=True).exclude(
            user__email=""
        )


class Membership(models.Model):
    """A user's role: secretariat staff of a region, or reporter for a municipality."""

    class Role(models.TextChoices):
        SECRETARIAT = "secretariat", _("sekretariat")
        REPORTER = "reporter", _("indberetter")

    class Source(models.TextChoices):
        """Who gave the role: the portal (an administrator, or the secretariat's invitation)
        or an identity provider at login, which takes it back the day it stops vouching for
        it (kkrmaal/sso.py)."""

        PORTAL = "", _("portalen")
        SAML = "saml", _("login via SAML")
        OIDC = "oidc", _("login via OIDC")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("bruger"),
    )
    role = models.CharField(_("rolle"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        Region,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("region"),
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("kommune"),
    )
    source = models.CharField(
        _("givet af"),
        max_length=10,
        blank=True,
        default="",
        choices=Source.choices,
        help_text=_(
            "Et medlemskab fra et login via kommunens eller regionens identitetsudbyder "
            "forsvinder igen, når udbyderen ikke længere giver rollen."
        ),
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("medlemskab")
        verbose_name_plural = _("medlemskaber")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="secretariat")
                | Q(region__isnull=False, municipality__isnull=True),
                name="membership_secretariat_has_region",
                violation_error_message=_(
                    "Et sekretariatsmedlem knyttes kun til en region: vælg regionen, og lad "
                    "kommunen stå tom."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(role="reporter") | Q(municipality__isnull=False, region__isnull=True),
                name="membership_reporter_has_municipality",
                violation_error_message=_(
                    "En indberetter knyttes kun til en kommune: vælg kommunen, og lad regionen "
                    "stå tom."
                ),
            ),
            models.CheckConstraint(
                condition=Q(role__in=["secretariat", "reporter"]),
                name="membership_role_known",
            ),
            models.UniqueConstraint(
                fields=["user", "region"],
                condition=Q(role="secretariat"),
                name="membership_unique_secretariat",
                violation_error_message=_("Brugeren er allerede med i dette sekretariat."),
            ),
            models.UniqueConstraint(
                fields=["user", "municipality"],
                condition=Q(role="reporter"),
                name="membership_unique_reporter",
                violation_error_message=_("Brugeren er allerede indberetter for denne kommune."),
            ),
        ]

    def __str__(self):
        scope = self.region if self.role == self.Role.SECRETARIAT else self.municipality
        return f"{self.user}: {self.get_role_display()} – {scope}"


class ApiToken(AuthToken):
    """An API token (django-rest-knox's, stored hashed) as the admin shows it: the
    secretariat lists and revokes its region's reporters' tokens; only their own user makes
    them (`municipalities.tokens`)."""

    class Meta:
        proxy = True
        verbose_name = _("API-nøgle")
        verbose_name_plural = _("API-nøgler")

    def __str__(self):
        return f"{self.user} ({self.token_key}…)"


class TokenOrigin(models.Model):
    """Who made an API token: its own user (the profile page), or nobody of the portal's
    pages (`issued_by` empty): an operator's `create_api_token` at the server, or a token
    made before this was recorded. The audit line of every write through the API names it
    (goals/audit.py)."""

    token = models.OneToOneField(
        AuthToken, on_delete=models.CASCADE, primary_key=True, related_name="origin"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("oprettet af"),
    )

    class Meta:
        verbose_name = _("API-nøglens oprindelse")
        verbose_name_plural = _("API-nøglernes oprindelse")

    def __str__(self):
        return f"{self.token_id[:8]}… ← {self.issued_by or '-'}"


# --- single sign-on and invitations ------------------------------------------------------------


class SsoOrganisation(models.Model):
    """Which municipality or region an organisation at the identity provider is: its CVR
    number (KOMBIT's Context Handler sends it, as the scope of each privilege) or another
    value of the organisation attribute (a tenant or group of Entra ID). A login from an
    organisation not in this table is refused (kkrmaal/sso.py)."""

    identifier = models.CharField(
        _("CVR-nummer eller værdi"),
        max_length=200,
        unique=True,
        help_text=_(
            "Organisationens CVR-nummer (8 cifre), som identitetsudbyderen sender det, eller "
            "en anden værdi af organisationsattributten."
        ),
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sso_organisations",
        verbose_name=_("kommune"),
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sso_organisations",
        verbose_name=_("region"),
    )

    class Meta:
        ordering = ["identifier"]
        verbose_name = _("organisation ved login")
        verbose_name_plural = _("organisationer ved login")
        constraints = [
            models.CheckConstraint(
                condition=Q(municipality__isnull=False, region__isnull=True)
                | Q(municipality__isnull=True, region__isnull=False),
                name="ssoorganisation_one_place",
                violation_error_message=_(
                    "Vælg enten en kommune eller en region (ikke begge): organisationen er den "
                    "ene af dem."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.identifier} → {self.municipality or self.region}"

    def clean(self):
        self.identifier = self.identifier.strip()


class SsoRole(models.Model):
    """Which value of the role attribute (a privilege of KOMBIT's Context Handler, a group or
    app role of Entra ID) gives which role in the portal."""

    value = models.CharField(
        _("værdi fra identitetsudbyderen"),
        max_length=255,
        unique=True,
        help_text=_(
            "Fx http://kkrmaal.dk/roles/usersystemrole/indberetter/1 fra Context Handler, "
            "eller navnet på en app-rolle i Entra ID."
        ),
    )
    role = models.CharField(_("rolle"), max_length=20, choices=Membership.Role.choices)

    class Meta:
        ordering = ["role", "value"]
        verbose_name = _("rolle ved login")
        verbose_name_plural = _("roller ved login")

    def __str__(self):
        return f"{self.value} → {self.get_role_display()}"

    def clean(self):
        self.value = self.value.strip()


class ExternalIdentity(models.Model):
    """A user as an identity provider knows them (SAML's NameID, OIDC's `sub`): the login
    finds the user by this, never by a user name the provider could choose."""

    provider = models.CharField(_("udbyder"), max_length=10, choices=Membership.Source.choices)
    subject = models.CharField(_("id hos udbyderen"), max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="external_identities",
        verbose_name=_("bruger"),
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("seneste login"), null=True, blank=True)

    class Meta:
        verbose_name = _("login via identitetsudbyder")
        verbose_name_plural = _("logins via identitetsudbyder")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "subject"], name="externalidentity_unique_subject"
            ),
        ]

    def __str__(self):
        return f"{self.get_provider_display()}: {self.subject}"


class InvitationQuerySet(models.QuerySet):
    def pending(self, now=None):
        from django.utils import timezone

        return self.filter(used_at__isnull=True, expires_at__gt=now or timezone.now())


class Invitation(models.Model):
    """The secretariat's invitation of a municipality's reporter by e-mail: a link that works
    once, until `expires_at` (municipalities/invitations.py). Only a hash of the link's key is
    kept, so the table does not hold working links."""

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("kommune"),
    )
    email = models.EmailField(_("e-mail"))
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("inviteret af"),
    )
    created_at = models.DateTimeField(_("sendt"), auto_now_add=True)
    expires_at = models.DateTimeField(_("udløber"))
    used_at = models.DateTimeField(_("brugt"), null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("brugt af"),
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitationer")

    def __str__(self):
        return f"{self.email} – {self.municipality}"
