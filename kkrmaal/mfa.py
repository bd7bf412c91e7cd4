"""The second factor of the secretariat and the admin (django-otp): an authenticator app
(TOTP), a passkey (django-otp-webauthn) and ten recovery codes for the day the phone is lost.

With STAFF_MFA_REQUIRED (on by default in production), a staff user's session must have
passed a second factor before any page under /admin/, /sekretariat/ or /indberetning/:
publishing a round, the admin's actions, everything the secretariat does, and the evidence
files it may open beside the municipality's reporters. A staff user without a factor yet is
sent to set one up, one with a factor to enter it. A login through an identity provider that
checked a second factor itself (kkrmaal/sso.py) counts: nobody is asked twice.

Why django-otp and not django-allauth's MFA (issue 24): the portal keeps its own login form
(with django-axes' lockout) and Django's admin. django-otp adds a factor to whatever logged
the user in, through one middleware (`request.user.is_verified()`), and has the three kinds
of factor as plugins; allauth's MFA works inside allauth's own login flow and account pages,
and would bring a second login and a second SAML/OIDC stack beside djangosaml2 and
mozilla-django-oidc.

Passing the factor gives the session a new key (as the login did): a session cookie taken
before the second factor is worth nothing after it.

Recovery codes are stored as a keyed hash (with SECRET_KEY), never as they are typed: the
table alone, in a backup or a copy of the database, opens nobody's second factor.

A wrong code counts against the user (in the database, so the count holds while Redis is
away); after LOGIN_FAILURE_LIMIT wrong ones (5) in a row the session is logged out and the
factor is locked for LOGIN_LOCKOUT_MINUTES, even with a right code, with a Danish page and
an audit line.
"""

import base64

import segno
from django import forms
from django.conf import settings
from django.contrib import auth
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Max
from django.shortcuts import redirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential
from django_otp_webauthn.views import CompleteCredentialAuthenticationView

from kkrmaal.sso import PROVIDER_MFA_SESSION_KEY
from kkrmaal.sso import audit

PROTECTED_PREFIXES = ("/admin/", "/sekretariat/", "/indberetning/")
RECOVERY_CODES = 10
SETUP_SESSION_KEY = "kkrmaal_mfa_setup"
# The devices a typed code is tried on, each counting the wrong ones.
CODE_DEVICES = (TOTPDevice, StaticDevice)


def second_factor_passed(request):
    """Whether this session passed a second factor: here, or at the identity provider."""
    user = request.user
    return bool(
        (hasattr(user, "is_verified") and user.is_verified())
        or request.session.get(PROVIDER_MFA_SESSION_KEY)
    )


def has_factor(user):
    return any(device.confirmed for device in devices_for_user(user, confirmed=None))


class StaffSecondFactorMiddleware:
    """Sends a staff session without a second factor to enter (or set up) one before any
    page of the admin or the secretariat."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            settings.STAFF_MFA_REQUIRED
            and user.is_authenticated
            and user.is_staff
            and request.path.startswith(PROTECTED_PREFIXES)
            and not second_factor_passed(request)
        ):
            target = "mfa_verify" if has_factor(user) else "mfa_setup"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def recovery_hash(code):
    """A recovery code as stored: keyed, so the table alone gives no code away, and 16
    characters, as django-otp's token column holds."""
    return salted_hmac("kkrmaal.mfa.recovery-code", code, algorithm="sha256").hexdigest()[:16]


def _match(user, code):
    """The user's device that takes `code` (used up, if a recovery code), or None. Recovery
    codes are matched by their hash only: typing a stored value opens nothing."""
    with transaction.atomic():
        for device in devices_for_user(user, for_verify=True):
            token = recovery_hash(code) if isinstance(device, StaticDevice) else code
            if device.verify_token(token):
                return device
    return None


def _next(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("start")


# --- counting wrong codes ------------------------------------------------------------------


def _failures(user):
    """Wrong codes in a row, lately: the count django-otp keeps on each of the user's code
    devices (every wrong code is tried on each), in the database. Not in the cache, which
    keeps nothing while Redis is away: the lock must hold then too."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    counts = [
        model.objects.filter(
            user=user, confirmed=True, throttling_failure_timestamp__gt=since
        ).aggregate(most=Max("throttling_failure_count"))["most"]
        or 0
        for model in CODE_DEVICES
    ]
    return max(counts)


def _locked(user):
    return _failures(user) >= settings.AXES_FAILURE_LIMIT


def _count_failure(request):
    failures = _failures(request.user)
    audit("mfa.failed", request, failures=failures)
    return failures


def _locked_out(request):
    audit("mfa.locked", request, limit=settings.AXES_FAILURE_LIMIT)
    auth.logout(request)
    return render(
        request,
        "registration/mfa_locked.html",
        {"minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)},
        status=429,
    )


def passed(request, device):
    """The session passed the second factor with `device`: marked so, under a new key."""
    otp_login(request, device)
    request.session.cycle_key()
    for model in CODE_DEVICES:
        model.objects.filter(user=request.user).update(
            throttling_failure_count=0, throttling_failure_timestamp=None
        )


# --- the pages -----------------------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Kode"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).replace("-", "").lower()


@never_cache
@login_required
def verify(request):
    """Enter the second factor: a code from the app, a recovery code, or a passkey."""
    if not has_factor(request.user):
        return redirect(f"{reverse('mfa_setup')}?{urlencode({'next': _next(request)})}")
    if _locked(request.user):
        return _locked_out(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = _match(request.user, form.cleaned_data["code"])
        if device is not None:
            passed(request, device)
            audit("mfa.verified", request, device=type(device).__name__)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(
                    request,
                    _(
                        "Du har brugt en gendannelseskode; der er %(left)d tilbage. Lav nye "
                        "under »Totrinsbekræftelse«, hvis du har mistet din telefon."
                    )
                    % {"left": left},
                )
            return redirect(_next(request))
        if _count_failure(request) >= settings.AXES_FAILURE_LIMIT:
            return _locked_out(request)
        form.add_error(
            "code",
            _("Koden er forkert eller for gammel. Prøv igen med den kode, appen viser nu."),
        )
    has_passkey = WebAuthnCredential.objects.filter(user=request.user, confirmed=True).exists()
    return render(
        request,
        "registration/mfa_verify.html",
        {"form": form, "next": _next(request), "has_passkey": has_passkey},
    )


class PasskeyVerifyView(CompleteCredentialAuthenticationView):
    """django-otp-webauthn's passkey check, ending as a code does (`passed`)."""

    def complete_auth(self, device):
        super().complete_auth(device)
        passed(self.request, device)
        audit("mfa.verified", self.request, device=type(device).__name__)


def _qr_code(device):
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


@never_cache
@login_required
def setup(request):
    """Set up a second factor: scan the QR code into an authenticator app and enter its code,
    or add a passkey. The app's key waits in the session until a code proves it works.

    Someone with a factor already adds another only after passing it: a password alone never
    adds a factor (django-otp-webauthn's passkey registration has the same rule)."""
    if has_factor(request.user) and not second_factor_passed(request):
        return redirect(f"{reverse('mfa_verify')}?{urlencode({'next': _next(request)})}")
    key = request.session.get(SETUP_SESSION_KEY)
    device = TOTPDevice(user=request.user, name=_("Godkendelsesapp"), confirmed=False)
    if key:
        device.key = key
    else:
        request.session[SETUP_SESSION_KEY] = device.key
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            device.confirmed = True
            with transaction.atomic():
                device.save()
            request.session.pop(SETUP_SESSION_KEY, None)
            audit("mfa.added", request, device="TOTPDevice")
            passed(request, device)
            return redirect(
                f"{reverse('mfa_recovery_codes')}?{urlencode({'next': _next(request)})}"
            )
        form.add_error(
            "code",
            _(
                "Koden passer ikke. Tjek, at telefonens ur går rigtigt, og skriv den kode, "
                "appen viser nu."
            ),
        )
    return render(
        request,
        "registration/mfa_setup.html",
        {
            "form": form,
            "qr_code": _qr_code(device),
            "secret": base64.b32encode(device.bin_key).decode().rstrip("="),
            "next": _next(request),
            "required": settings.STAFF_MFA_REQUIRED and request.user.is_staff,
        },
    )


@never_cache
@login_required
def recovery_codes(request):
    """Ten recovery codes, each good once, shown only when they are made: after the first
    factor is set up, and again (new ones, the old ones void) when the user asks."""
    if not has_factor(request.user) or not second_factor_passed(request):
        return redirect(f"{reverse('mfa_verify')}?{urlencode({'next': request.get_full_path()})}")
    device, _created = StaticDevice.objects.get_or_create(
        user=request.user, name="recovery", defaults={"confirmed": True}
    )
    codes = []
    if request.method == "POST" or not device.token_set.exists():
        with transaction.atomic():
            device.token_set.all().delete()
            for _n in range(RECOVERY_CODES):
                code = StaticToken.random_token()
                device.token_set.create(token=recovery_hash(code))
                codes.append(code)
        audit("mfa.recovery_codes", request, count=len(codes))
    return render(
        request,
        "registration/mfa_recovery_codes.html",
        {
            "codes": [f"{c[:4]}-{c[4:]}" for c in codes],
            "left": device.token_set.count(),
            "next": _next(request),
        },
    )
