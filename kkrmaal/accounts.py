"""Guarding the login: the lockout page and the throttle on password-reset mails. Both
count a client by `kkrmaal.clients.client_address`, as the API's limits do.

django-axes counts failed logins per user name *and* address (AXES_LOCKOUT_PARAMETERS) and
locks that pair out for a while; a colleague on the same network, or the same user from
home, can still log in. Reset mails are throttled here, per address and per e-mail, with
Django's cache (shared by every app server when CACHE_URL points at Redis).

The reset throttle is our own (issue 18: weighed against what is installed): django-axes
counts failed logins and refuses logins, and a reset request is neither; Django has no limit
on its reset page; DRF's throttles are made for API views (`allow_request(request, view)`, a
rate from the API's settings) and keep each key's request times as a list they read and write
back unlocked, so two app servers answering at once may both send. `_spend` counts with
`cache.add` and `cache.incr`, which Redis does atomically, in a fixed window: a dozen lines,
less than a new dependency for it (django-ratelimit) would bring. Kept as it is.

While Redis cannot be reached the throttle fails open: the cache keeps no count (`incr` finds
no key, kkrmaal/cache_backend.py), so every request is its window's first and its mail is
sent. On purpose: the throttle only keeps mailboxes and the mail server from being flooded; a
reset mail goes to the account's own address and the login lockout (django-axes) counts in
the database, so no account is easier to take over. Failing closed would tell a user locked
out at a deadline "a mail is on its way" and send none.
"""

import unicodedata

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.http import HttpResponseRedirect
from django.shortcuts import render

from kkrmaal.clients import client_address

# At most this many reset mails per e-mail address, and requests per client address, an hour.
RESET_MAILS_PER_EMAIL = 3
RESET_REQUESTS_PER_ADDRESS = 10
RESET_WINDOW_SECONDS = 3600


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' check before the password. A login without a request (a management
    command, Django's test client) has no address to count by and is left to the next
    backend; every login over the web (the login page, the admin, the API) has one."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def locked_out(request, credentials=None, *args, **kwargs):
    """The page django-axes shows a locked-out login, in the portal's own words (429)."""
    return render(
        request,
        "registration/locked_out.html",
        {"minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)},
        status=429,
    )


def _spend(key, limit):
    """Count one use of `key` in the current window; False once `limit` is used up."""
    cache.add(key, 0, RESET_WINDOW_SECONDS)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, RESET_WINDOW_SECONDS)
        used = 1
    return used <= limit


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    """Django's reset page, sending no more mails past the limits. The answer is the same
    either way, so the page tells nobody whether an address exists or was throttled."""

    def form_valid(self, form):
        # Counted as Django matches the user: Unicode-caselessly ("ſ" is "s", "K" is "k").
        email = unicodedata.normalize("NFKC", form.cleaned_data["email"].strip()).casefold()
        address = client_address(self.request) or "unknown"
        if _spend(f"reset:address:{address}", RESET_REQUESTS_PER_ADDRESS) and _spend(
            f"reset:email:{email}", RESET_MAILS_PER_EMAIL
        ):
            return super().form_valid(form)
        return HttpResponseRedirect(self.get_success_url())


class LoginView(auth_views.LoginView):
    """Django's login page, offering the identity providers that are switched on (SAML,
    OIDC: kkrmaal/sso.py) above the password form; with none, the password form alone."""

    def get_context_data(self, **kwargs):
        from kkrmaal.sso import providers

        return {**super().get_context_data(**kwargs), "sso_providers": providers()}
