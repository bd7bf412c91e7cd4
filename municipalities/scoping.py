"""Region scoping for every admin of the portal: a secretariat user sees and edits only
their own region's rows.

Access in the admin follows `Membership`, not Django's model permissions: the admin site lets
in only active staff users, and of those a secretariat member of a region
(`Region.objects.staffed_by`) gets to work on that region's rows. A staff user without a
membership sees no models at all; a reporter is not staff and never gets past the login.

The admins of municipalities, goals and reports build on these classes (and share
`admin_link` for their link columns); nothing here registers a model.
"""

from django.contrib import admin
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError
from django.db import DataError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from municipalities.models import Region


def admin_link(url_name, obj, text, show=True):
    """A link column's cell: `text` linking to `url_name` for obj, or "–" where `show` says
    there is nothing to link to."""
    if not show:
        return "–"
    return format_html('<a href="{}">{}</a>', reverse(url_name, args=[obj.pk]), text)


def scope_to_regions(admin_site, request, queryset):
    """`queryset` limited to the user's regions when its model's admin is region scoped.

    Foreign-key choices go through this, so a form never offers (nor accepts) a paper, goal
    or cluster of another region. Models whose admin is not region scoped are left alone.
    """
    model_admin = admin_site._registry.get(queryset.model)
    if isinstance(model_admin, RegionScopedAdmin):
        return model_admin.scope(request, queryset)
    return queryset


class RegionScopedMixin:
    """What region-scoped admins and inlines share: the user's regions and scoped choices."""

    def user_regions(self, request):
        # Cached per request: permission checks ask for it many times per page.
        if not hasattr(request, "_kkr_staffed_regions"):
            request._kkr_staffed_regions = list(Region.objects.staffed_by(request.user))
        return request._kkr_staffed_regions

    def is_region_staff(self, request):
        return request.user.is_active and (
            request.user.is_superuser or bool(self.user_regions(request))
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            related = db_field.remote_field.model
            queryset = self.get_field_queryset(None, db_field, request)
            if queryset is None:
                queryset = related._default_manager.all()
            kwargs["queryset"] = scope_to_regions(self.admin_site, request, queryset)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class RegionScopedAdmin(RegionScopedMixin, admin.ModelAdmin):
    """Limits the changelist, the change form and foreign-key choices to the user's regions.

    `region_path` is the lookup from the model to its Region ("paper__region" for a Goal).
    A row of another region is simply not in the queryset, so its change page is a 404; an
    object-level permission check asks the same queryset, so views that fetch the object by
    other means (the history pages) refuse it too.
    """

    region_path = "region"
    # Reference data that only a superuser may create or delete (regions, municipalities).
    superuser_adds = False
    # On an existing object, a choice offers only rows of the object's own parent:
    # {"theme": "paper"} offers a goal the themes of its own paper.
    same_parent_choices = {}

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        for name, parent in self.same_parent_choices.items():
            field = form.base_fields.get(name)
            if obj is not None and field is not None:
                field.queryset = field.queryset.filter(**{parent: getattr(obj, f"{parent}_id")})
        return form

    def region_filter(self, request):
        return Q(**{f"{self.region_path}__in": [r.pk for r in self.user_regions(request)]})

    def scope(self, request, queryset):
        if request.user.is_superuser:
            return queryset
        return queryset.filter(self.region_filter(request))

    def get_queryset(self, request):
        return self.scope(request, super().get_queryset(request))

    def in_scope(self, request, obj):
        if obj is None or request.user.is_superuser:
            return True
        if obj.pk is None:
            return False
        return self.scope(request, self.model._default_manager.filter(pk=obj.pk)).exists()

    def check_in_scope(self, request, object_id):
        """404 for a row outside the user's regions (Django's admin would redirect to its
        index with "does not exist", which tells the user no less but reads like an error)."""
        if object_id is None:
            return
        try:
            pk = self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            # "/admin/goals/goal/abc/change/": no such row, not a server error (Django's
            # history view would fail on it, for a superuser too).
            raise Http404 from None
        if request.user.is_superuser:
            return
        if not self.get_queryset(request).filter(pk=pk).exists():
            raise Http404

    def get_changelist_instance(self, request):
        """A filter or date-hierarchy value no date or column can hold (?submitted_at__year=
        99999999999) is a wrong link, shown as Django's "wrong filter" notice, not a 500."""
        try:
            return super().get_changelist_instance(request)
        except (OverflowError, ValueError, DataError) as error:
            raise IncorrectLookupParameters(error) from error

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self.check_in_scope(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self.check_in_scope(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self.check_in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def has_module_permission(self, request):
        return self.is_region_staff(request)

    def has_view_permission(self, request, obj=None):
        return self.is_region_staff(request) and self.in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)

    def has_add_permission(self, request):
        if self.superuser_adds:
            return request.user.is_active and request.user.is_superuser
        return self.is_region_staff(request)

    def has_delete_permission(self, request, obj=None):
        if self.superuser_adds:
            return request.user.is_active and request.user.is_superuser
        return self.has_view_permission(request, obj)


class HistoryChanges(HistoricalRecordContextHelper):
    """The "Ændringer" column in words: choice labels, ja/nej, and "–" for an empty value
    (simple_history would print an empty foreign key as "Deleted … (pk=None)")."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if isinstance(value, DeletedObject):
            return "–" if value.pk is None else _("slettet (id %(pk)s)") % {"pk": value.pk}
        if value is None or value == "":
            return "–"
        if isinstance(value, bool):
            return _("ja") if value else _("nej")
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        return super().prepare_delta_change_value(change, value)


class RegionScopedHistoryAdmin(RegionScopedAdmin, SimpleHistoryAdmin):
    """A region-scoped admin with the "Historik" pages: who changed what and when.

    simple_history looks a historical version up by its own id and would show (and revert)
    a row of any region; its views first check that the live row is in scope.

    Reverting is saving the live row's change form with an old version's values: allowed
    exactly where that form is editable, and touching only the form's editable fields.
    simple_history itself checks only view permission, asks about the *old* version (a
    published round's old version reads "open") and saves every field of it, read-only ones
    such as a report's state included. Admins with `history_read_only` (a round and what is
    in it, which change only through goals.rounds) never revert.
    """

    history_read_only = False

    def revert_disabled(self, request, obj=None):
        if self.history_read_only or obj is None:
            return True
        live = self.model._default_manager.filter(pk=obj.pk).first()
        return live is None or not self.has_change_permission(request, live)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not str(version_id).isascii() or not str(version_id).isdigit():
            raise Http404  # simple_history would hand "abc" to the database: a server error
        self.check_in_scope(request, object_id)
        if request.method == "POST":
            return self._revert(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def _revert(self, request, object_id):
        live = self.get_object(request, unquote(object_id))
        if live is None:
            raise Http404
        if self.revert_disabled(request, live):
            raise PermissionDenied
        form = self.get_form(request, live, change=True)(request.POST, request.FILES, instance=live)
        if not form.is_valid():
            # The old version no longer passes today's rules (a number taken since, say).
            problems = "; ".join(
                f"{form.fields[name].label if name in form.fields else ''} {' '.join(errors)}"
                for name, errors in form.errors.items()
            )
            messages.error(
                request, _("Versionen er ikke gendannet: %(why)s") % {"why": problems.strip()}
            )
            return redirect(request.path)
        saved = self.save_form(request, form, change=True)
        self.save_model(request, saved, form, change=True)
        form.save_m2m()
        self.log_change(request, saved, self.construct_change_message(request, form, []))
        return self.response_change(request, saved)

    def history_view_title(self, request, obj):
        return _("Historik: %s") % obj

    def get_historical_record_context_helper(self, request, historical_record):
        return HistoryChanges(self.model, historical_record)


class RegionScopedInline(RegionScopedMixin):
    """Inline rows follow their parent: editable when the parent is the user's to edit."""

    def _parent_in_scope(self, request, obj):
        parent_admin = self.admin_site._registry.get(self.parent_model)
        if isinstance(parent_admin, RegionScopedAdmin):
            return parent_admin.in_scope(request, obj)
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.is_region_staff(request) and self._parent_in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)


class ViewOnlyMixin:
    """Rows written by the portal itself (reminders, stored papers, answers): shown, never
    edited by hand in the admin."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyForStaffMixin:
    """Secretariat staff may look, only a superuser may change (reference data, users)."""

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_add_permission(self, request, *args):
        return request.user.is_superuser and super().has_add_permission(request, *args)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)
