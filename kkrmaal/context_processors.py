"""Template context every page shares."""

from django.utils.functional import SimpleLazyObject


def roles(request):
    """The signed-in user's roles ("secretariat", "reporter"), read once, only when a
    template asks, so the menu offers each user only the pages they can use."""

    def load():
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return frozenset()
        return frozenset(user.memberships.values_list("role", flat=True))

    return {"user_roles": SimpleLazyObject(load)}
