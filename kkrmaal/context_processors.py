"""Template context every page shares: what the signed-in user may do, so the menu offers
each user only the pages they can use. The answers come from the QuerySet methods the views'
access checks ask (`Region.objects.staffed_by`, `Municipality.objects.reported_by`), read
once and only when a template asks."""

from django.conf import settings
from django.urls import translate_url
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language, get_language_info

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


def language_switch(request):
    """The other languages with the address of this same page in each, for the switch in
    every page's footer. Worked out here, in the page's own language: the switch posts from
    an unprefixed URL, which Django always reads as Danish, so it could not translate an
    /en/ address itself."""

    def load():
        current = get_language()
        path = request.get_full_path()
        return [
            {
                "code": code,
                "name": get_language_info(code)["name_local"],
                "next": translate_url(path, code),
            }
            for code, _name in settings.LANGUAGES
            if code != current
        ]

    return {"other_languages": SimpleLazyObject(load)}
