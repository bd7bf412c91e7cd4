"""Admin for regions, clusters, municipalities, memberships and users. The region scoping
every admin of the portal shares is in `municipalities/scoping.py`."""

from django import forms
from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from municipalities import tokens
from municipalities.models import ApiToken
from municipalities.models import Cluster
from municipalities.models import ExternalIdentity
from municipalities.models import Invitation
from municipalities.models import Membership
from municipalities.models import Municipality
from municipalities.models import Region
from municipalities.models import SsoOrganisation
from municipalities.models import SsoRole
from municipalities.scoping import ReadOnlyForStaffMixin
from municipalities.scoping import RegionScopedAdmin
from municipalities.scoping import RegionScopedInline
from municipalities.scoping import ViewOnlyMixin

admin.site.site_header = _("KKR-mål – administration")
admin.site.site_title = _("KKR-mål – administration")
admin.site.index_title = _("Målpapirer, kommuner og statusrunder")


class ClusterInline(ReadOnlyForStaffMixin, RegionScopedInline, admin.TabularInline):
    model = Cluster
    extra = 0
    fields = ["order", "name", "description"]


@admin.register(Region)
class RegionAdmin(RegionScopedAdmin):
    """Only a superuser adds, deletes or renames a region; its secretariat may change the
    logo on its own region's status paper, and nothing else."""

    region_path = "pk"
    superuser_adds = True
    list_display = ["name", "slug", "code", "municipality_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ClusterInline]
    staff_editable = ["logo"]

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return [
            f.name for f in Region._meta.fields if f.editable and f.name not in self.staff_editable
        ]

    def get_prepopulated_fields(self, request, obj=None):
        # The slug is read-only for the secretariat, so there is nothing to fill in.
        return super().get_prepopulated_fields(request, obj) if request.user.is_superuser else {}

    def get_queryset(self, request):
        # A GROUP BY drops the model's default ordering; autocomplete pages need one.
        return (
            super()
            .get_queryset(request)
            .annotate(_municipalities=Count("municipalities"))
            .order_by("name")
        )

    @admin.display(description=_("kommuner"), ordering="_municipalities")
    def municipality_count(self, obj):
        return obj._municipalities


class ClusterForm(forms.ModelForm):
    """A cluster keeps its region while it has municipalities: moving it would leave them in
    a cluster of another region (the database checks that only when a municipality is
    saved)."""

    def clean(self):
        cleaned = super().clean()
        region = cleaned.get("region")
        if (
            self.instance.pk
            and region is not None
            and region.pk != self.instance.region_id
            and self.instance.municipalities.exists()
        ):
            self.add_error(
                "region",
                _(
                    "Klyngen har kommuner i %(region)s. Flyt dem til en anden klynge, før "
                    "klyngen flyttes til en anden region."
                )
                % {"region": self.instance.region},
            )
        return cleaned


@admin.register(Cluster)
class ClusterAdmin(RegionScopedAdmin):
    form = ClusterForm
    list_display = ["name", "region", "order", "municipality_names"]
    list_filter = [("region", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["region"]
    search_fields = ["name", "region__name"]
    ordering = ["region", "order", "name"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("municipalities")

    @admin.display(description=_("kommuner"))
    def municipality_names(self, obj):
        return ", ".join(m.name for m in obj.municipalities.all())


@admin.register(Municipality)
class MunicipalityAdmin(RegionScopedAdmin):
    superuser_adds = True
    same_parent_choices = {"cluster": "region"}
    list_display = ["kommunekode", "name", "region", "cluster"]
    list_display_links = ["kommunekode", "name"]
    # Only the user's own regions and clusters are offered as filters.
    list_filter = [
        ("region", admin.RelatedOnlyFieldListFilter),
        ("cluster", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["region", "cluster"]
    search_fields = ["name", "=kommunekode"]
    ordering = ["kommunekode"]

    def get_readonly_fields(self, request, obj=None):
        # The official code, name and region are reference data; staff place a municipality
        # in one of their clusters.
        if request.user.is_superuser:
            return []
        return ["kommunekode", "name", "region"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyForStaffMixin, RegionScopedAdmin):
    """Superusers manage who works for which region or municipality; secretariat staff see
    their region's people (their colleagues and the region's reporters)."""

    list_display = ["user", "role", "region", "municipality", "source"]
    list_filter = ["role", "source", ("region", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["user", "region", "municipality"]
    search_fields = [
        "user__username",
        "user__email",
        "municipality__name",
        "=municipality__kommunekode",
        "region__name",
    ]
    autocomplete_fields = ["user", "municipality"]

    def region_filter(self, request):
        ids = [r.pk for r in self.user_regions(request)]
        return Q(region__in=ids) | Q(municipality__region__in=ids)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["role", "region", "municipality", "source"]
    readonly_fields = ["source"]
    autocomplete_fields = ["municipality"]


class ExternalIdentityInline(admin.TabularInline):
    """How the user logs in through an identity provider (made by the login itself)."""

    model = ExternalIdentity
    extra = 0
    fields = readonly_fields = ["provider", "subject", "created_at", "last_login_at"]
    can_delete = True

    def has_add_permission(self, request, obj=None):
        return False


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    """Django's user admin (superusers only, by Django's permissions) with the user's roles
    inline, so a new reporter or secretariat member is set up on one page."""

    inlines = [MembershipInline, ExternalIdentityInline]
    list_display = ["username", "email", "first_name", "last_name", "is_staff", "roles"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("memberships__region", "memberships__municipality")
        )

    @admin.display(description=_("roller"))
    def roles(self, obj):
        return "; ".join(
            f"{m.get_role_display()} – {m.region or m.municipality}" for m in obj.memberships.all()
        )


# knox's own admin lists every token of every region; ours is scoped.
admin.site.unregister(AuthToken)


@admin.register(ApiToken)
class ApiTokenAdmin(RegionScopedAdmin):
    """The region's reporters' API tokens: listed, and revoked by deleting them. A token is
    made only by its own user, on their profile page (`municipalities.tokens`): an admin who
    could make one would be shown a key that acts as somebody else. Nothing else about a
    token can be changed, and its key is never shown here."""

    list_display = ["user", "token_key", "created", "expiry", "issued_by"]
    list_select_related = ["user", "origin__issued_by"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "token_key"]
    ordering = ["user__username", "-created"]
    fields = readonly_fields = ["user", "token_key", "created", "expiry", "issued_by"]

    def scope(self, request, queryset):
        if request.user.is_superuser:
            return queryset
        return queryset.filter(user__in=tokens.reporters_in(self.user_regions(request)))

    @admin.display(description=_("oprettet af"))
    def issued_by(self, obj):
        origin = getattr(obj, "origin", None)
        if origin is None:
            return _("ukendt")
        return origin.issued_by or _("driften (create_api_token)")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- single sign-on and invitations (kkrmaal/sso.py, municipalities/invitations.py) -----------


class SsoOrganisationForm(forms.ModelForm):
    class Meta:
        model = SsoOrganisation
        fields = ["identifier", "municipality", "region"]


@admin.register(SsoOrganisation)
class SsoOrganisationAdmin(RegionScopedAdmin):
    """Which municipality or region an organisation at the identity provider is (its CVR
    number): the secretariat keeps its own municipalities' rows; a region's is a
    superuser's."""

    form = SsoOrganisationForm
    list_display = ["identifier", "municipality", "region"]
    list_select_related = ["municipality", "region"]
    search_fields = ["identifier", "municipality__name", "=municipality__kommunekode"]
    autocomplete_fields = ["municipality"]

    def region_filter(self, request):
        ids = [r.pk for r in self.user_regions(request)]
        return Q(region__in=ids) | Q(municipality__region__in=ids)

    # A row naming a region makes whoever the provider calls "sekretariat" there the region's
    # staff: like the role values, a superuser's to give. The secretariat keeps its
    # municipalities' rows and sees its region's.

    def get_fields(self, request, obj=None):
        if request.user.is_superuser or (obj is not None and obj.region_id):
            return ["identifier", "municipality", "region"]
        return ["identifier", "municipality"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "region" not in form.base_fields:
            form.base_fields["municipality"].required = True
        return form

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._gives_no_staff(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._gives_no_staff(request, obj)

    def _gives_no_staff(self, request, obj):
        return request.user.is_superuser or obj is None or not obj.region_id


@admin.register(SsoRole)
class SsoRoleAdmin(admin.ModelAdmin):
    """Which value of the provider's role attribute gives which role: one table for the whole
    portal, so a superuser's (Django's permissions: secretariat staff do not see it)."""

    list_display = ["value", "role"]
    list_filter = ["role"]
    search_fields = ["value"]


@admin.register(Invitation)
class InvitationAdmin(ViewOnlyMixin, RegionScopedAdmin):
    """The invitations the secretariat sent from the round's cockpit: to whom, by whom, and
    whether they were used. Only their hash of the link is kept; nothing to change here."""

    region_path = "municipality__region"
    list_display = ["email", "municipality", "created_by", "created_at", "expires_at", "used_at"]
    list_filter = [("municipality__region", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["municipality", "created_by"]
    search_fields = ["email", "municipality__name"]
    fields = readonly_fields = [
        "email",
        "municipality",
        "created_by",
        "created_at",
        "expires_at",
        "used_at",
        "used_by",
    ]
