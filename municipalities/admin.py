"""Admin for regions, clusters, municipalities and memberships, and the region scoping every
admin of the portal shares: a secretariat user sees and edits only their own region's rows."""

from django.contrib import admin

from municipalities.models import Region


class RegionScopedAdmin(admin.ModelAdmin):
    """Limits the changelist, the change form and foreign-key choices to the user's regions.

    `region_path` is the lookup from the model to its Region ("paper__region" for a Goal).
    A row of another region is simply not in the queryset, so its change page is a 404.
    """

    region_path = "region"

    def user_regions(self, request):
        return Region.objects.staffed_by(request.user)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.region_path}__in": self.user_regions(request)})

    def has_module_permission(self, request):
        return request.user.is_superuser or self.user_regions(request).exists()

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request)
