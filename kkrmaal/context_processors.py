"""Template context every page shares: what the signed-in user may do, so the menu offers
each user only the pages they can use. The answers come from the QuerySet methods the views'
access checks ask (`Region.objects.staffed_by`, `Municipality.objects.reported_by`), read
once and only when a template asks."""

from django.utils.functional import SimpleLazyObject

from municipalities.models import Municipality, Region


def roles(request):
    """`is_reporter`: the user reports for a municipality; `is_secretariat`: the user is on
    a region's secretariat (and still has staff status)."""
    user = getattr(request, "user", None)

    def finds(queryset_for):
        return SimpleLazyObject(lambda: user is not None and queryset_for(user).exists())

    return {
        "is_reporter": finds(Municipality.objects.reported_by),
        "is_secretariat": finds(Region.objects.staffed_by),
    }
