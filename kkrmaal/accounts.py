"""Guarding the login: the lockout, the login delay, the trusted browser, and the throttle on
password-reset mails. All count a client by `kkrmaal.clients.client_address`, as the API's
limits do.

A login is refused in three ways, none of which a colleague can turn against somebody else's
own browser (issue 20: behind one NAT, five wrong passwords typed for a colleague's name kept
that colleague out):

- **the lock, per user name and address together**: django-axes counts failed logins per
  pair (AXES_LOCKOUT_PARAMETERS) and refuses that pair for LOGIN_LOCKOUT_MINUTES after
  LOGIN_FAILURE_LIMIT of them; the same user from home, or a colleague at the same address
  logging in as themselves, still gets in. Attempts while locked are not counted.
- **the delay, per user name alone**: past LOGIN_FAILURE_LIMIT failures for one name from
  anywhere (more than one address can make), each further try waits a doubling delay, 1 s,
  2 s, 4 s … at most `MAX_DELAY_SECONDS`, after the last failure. Guesses spread over many
  addresses are slowed to a few an hour; nobody is locked out by it, and no captcha.
- **the trusted browser**: a browser that has logged in as a user carries a signed cookie
  (`DEVICE_COOKIE`, OWASP's "device cookie"). Its logins as that user skip the lock and the
  delay, which others' failures caused; its own failures are counted per cookie, and past
  LOGIN_FAILURE_LIMIT of them it is trusted no more.

Reset mails are throttled here, per address and per e-mail, with Django's cache (shared by
every app server when CACHE_URL points at Redis).

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

import datetime
import secrets
import unicodedata

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.signals import user_login_failed
from django.core import signing
from django.core.cache import cache
from django.db.models import Max
from django.db.models import Sum
from django.dispatch import receiver
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone

from kkrmaal.clients import client_address

# At most this many reset mails per e-mail address, and requests per client address, an hour.
RESET_MAILS_PER_EMAIL = 3
RESET_REQUESTS_PER_ADDRESS = 10
RESET_WINDOW_SECONDS = 3600


MAX_DELAY_SECONDS = 300
DEVICE_COOKIE = "kkr_enhed"
DEVICE_SALT = "kkrmaal.accounts.device"
DEVICE_DAYS = 365


class LockoutBackend(AxesStandaloneBackend):
    """The checks before the password: the trusted browser, the delay, django-axes' lock
    (module docstring). A login without a request (a management command, Django's test
    client) has no address to count by and is left to the next backend; every login over
    the web (the login page, the admin) has one."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or trusted_device(request, username):
            return None
        wait = login_delay(username) if username else 0  # a provider's login has no name here
        if wait:
            # Refused before the password is looked at, and not counted as a failure.
            request.login_wait = wait
            request.axes_locked_out = True
            raise AxesBackendPermissionDenied("login delayed")
        return super().authenticate(request, username=username, password=password, **kwargs)


def login_delay(username):
    """Seconds the next login as `username` must still wait: none up to LOGIN_FAILURE_LIMIT
    recent failures from all addresses together, then 1, 2, 4 … (at most MAX_DELAY_SECONDS)
    after the last of them."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    recent = AccessAttempt.objects.filter(username=username, attempt_time__gte=since).aggregate(
        failures=Sum("failures_since_start"), last=Max("attempt_time")
    )
    beyond = (recent["failures"] or 0) - settings.AXES_FAILURE_LIMIT
    if beyond <= 0:
        return 0
    delay = datetime.timedelta(seconds=min(2 ** (beyond - 1), MAX_DELAY_SECONDS))
    left = recent["last"] + delay - timezone.now()
    return max(int(left.total_seconds() + 0.999), 0)


def trusted_device(request, username):
    """Whether this browser has logged in as `username` before (its signed cookie says so)
    and has not since typed a wrong password for it LOGIN_FAILURE_LIMIT times."""
    device = _device(request)
    if device is None or not username or device["user"] != username:
        return False
    return (cache.get(_device_failures_key(device)) or 0) < settings.AXES_FAILURE_LIMIT


def _device(request):
    try:
        return signing.loads(
            request.COOKIES.get(DEVICE_COOKIE, ""),
            salt=DEVICE_SALT,
            max_age=datetime.timedelta(days=DEVICE_DAYS),
        )
    except signing.BadSignature:
        return None


def _device_failures_key(device):
    return f"login:device:{device['id']}"


@receiver(user_login_failed, dispatch_uid="kkrmaal.accounts.count_device_failure")
def count_device_failure(sender, credentials, request=None, **kwargs):
    """A wrong password from a trusted browser counts against that browser alone."""
    if request is None or not trusted_device(request, credentials.get("username")):
        return
    key = _device_failures_key(_device(request))
    cache.add(key, 0, int(settings.AXES_COOLOFF_TIME.total_seconds()))
    try:
        cache.incr(key)
    except ValueError:  # expired in between, or the cache is away: the browser stays trusted
        pass


def remember_device(response, user):
    """Mark the browser that has just logged in as `user` as trusted for them."""
    value = signing.dumps(
        {"user": user.get_username(), "id": secrets.token_urlsafe(16)}, salt=DEVICE_SALT
    )
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=DEVICE_DAYS * 24 * 3600,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def locked_out(request, *args, **kwargs):
    """The page a refused login gets, in the portal's own words (429): the delay with its
    seconds (and Retry-After), or django-axes' lock of this name from this address."""
    wait = getattr(request, "login_wait", None)
    if wait:
        response = render(request, "registration/login_delayed.html", {"seconds": wait}, status=429)
        response["Retry-After"] = str(wait)
        return response
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

    def form_valid(self, form):
        return remember_device(super().form_valid(form), form.get_user())
