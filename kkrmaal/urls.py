"""The portal's URLs; each app adds its own."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include
from django.urls import path
from django.urls import re_path
from django.utils.translation import gettext_lazy as _

from kkrmaal import accounts
from kkrmaal import invitations
from kkrmaal import metrics
from kkrmaal import mfa
from kkrmaal import saml
from kkrmaal import views
from kkrmaal.api import common as api_common

urlpatterns = [
    path("healthz/live", views.live, name="healthz_live"),
    path("healthz/ready", views.ready, name="healthz_ready"),
    # The combined check of earlier releases, answering as /healthz/ready for one more release
    # while load balancers move over (docs/operations.md, Health checks); then removed.
    path("healthz", views.ready, name="healthz"),
    # Prometheus (kkrmaal/metrics.py): loopback, or a bearer token (METRICS_TOKEN).
    path("metrics", metrics.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path(
        "konto/password_reset/",
        accounts.ThrottledPasswordResetView.as_view(),
        name="password_reset",
    ),
    path("konto/login/", accounts.LoginView.as_view(), name="login"),
    path("konto/start/", views.start, name="start"),
    # Two-factor (kkrmaal/mfa.py) and the secretariat's invitations (kkrmaal/invitations.py).
    path("konto/totrin/", mfa.verify, name="mfa_verify"),
    path("konto/totrin/opsaet/", mfa.setup, name="mfa_setup"),
    path("konto/totrin/gendannelseskoder/", mfa.recovery_codes, name="mfa_recovery_codes"),
    path(
        "konto/totrin/adgangsnoegle/authentication/complete/",
        mfa.PasskeyVerifyView.as_view(),
        name="mfa_passkey_verify",
    ),
    path("konto/totrin/adgangsnoegle/", include("django_otp_webauthn.urls")),
    path("konto/invitation/", invitations.accept_opened, name="accept_opened_invitation"),
    path("konto/invitation/<str:key>/", invitations.accept, name="accept_invitation"),
    # Single sign-on (kkrmaal/saml.py, kkrmaal/oidc.py); 404 while not configured.
    path("saml2/login/", saml.login, name="saml2_login"),
    path("saml2/acs/", saml.acs, name="saml2_acs"),
    path("saml2/logout/", saml.logout, name="saml2_logout"),
    path("saml2/ls/", saml.logout_service, name="saml2_ls"),
    path("saml2/ls/post/", saml.logout_service_post, name="saml2_ls_post"),
    path("saml2/metadata/", saml.metadata, name="saml2_metadata"),
    path("oidc/", include("mozilla_django_oidc.urls")),
    path("konto/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("kkrmaal.api.urls")),
    re_path(r"^api/", api_common.not_found),  # no other version: JSON, as the API answers
    path("", include("goals.urls")),
    path("", include("reports.secretariat_urls")),
]

# Public pages, in Danish at / and in English under /en/; their catch-all /<region>/ goes last.
urlpatterns += i18n_patterns(
    path(_("tilgaengelighed/"), views.accessibility_statement, name="accessibility"),
    path("", include("reports.urls")),
    prefix_default_language=False,
)

# MEDIA_ROOT is never served as such, not even with DEBUG: evidence files and stored papers go
# through views that check who may read them.

# An error gets the portal's own page (templates/500.html), a database outage outside a view
# the friendly 503 page: never Django's bare "Server Error (500)".
handler400 = "kkrmaal.views.bad_request"
handler403 = "kkrmaal.views.permission_denied"
handler500 = "kkrmaal.views.server_error"
