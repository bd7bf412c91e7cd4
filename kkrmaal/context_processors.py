"""Template context every page shares: what the signed-in user may do, so the menu offers
each user only the pages they can use. The answers come from the QuerySet methods the views'
access checks ask (`Region.objects.staffed_by`, `Municipality.objects.reported_by`), read
once and only when a template asks."""

from django.conf import settings
from django.urls import translate_url
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from django.utils.translation import get_language_info

from municipalities.models import Municipality
from municipalities.models import Region


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
    """The same page in each other language, for the link in every page's footer. Only the
    public pages have a page per language (Danish at /, English under /en/); the language is
    in the address, so the switch is a plain link: no form, no cookie, nothing that makes a
    public page differ between visitors (it is cached). The link is built from the path
    alone: a public page is cached by its path, so a query string here would be the first
    visitor's, shown to everyone after them (`?next=//evil.example`)."""

    def load():
        current = get_language()
        path = request.path
        found = []
        for code, _name in settings.LANGUAGES:
            url = translate_url(path, code)
            if code != current and url != path:
                found.append(
                    {"code": code, "name": get_language_info(code)["name_local"], "url": url}
                )
        return found

    return {"other_languages": SimpleLazyObject(load)}
