"""Settings for the KKR-mål portal, read from the environment.

Everything an operator may change is an environment variable (the table in docs/operations.md).
Local defaults are safe and need nothing: SQLite in the project folder, DEBUG off, console
e-mail, plain HTTP. Production sets SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and EMAIL_*.

How the variables are read:

- An empty variable counts as unset: the default applies.
- A yes/no value is true/false, yes/no, on/off or 1/0 (any case), a number is digits only,
  a list is separated by commas. Anything else stops the portal (every manage.py command,
  gunicorn, the tests) with ImproperlyConfigured naming the variable: a typo such as
  SECURE_SSL_REDIRECT=ture is never taken for "off".
- PRODUCTION is the one switch for the secure defaults: HTTPS redirect, HSTS (a year, with
  subdomains and preload), secure session and CSRF cookies, and hashed static files (which
  need `collectstatic`). Unset, it is on when DEBUG is off and SECRET_KEY is set, so a
  server with its own key is in production without saying so; PRODUCTION=false turns it
  off, and PRODUCTION=true needs SECRET_KEY and DEBUG off. Each HTTPS part can still be
  switched off on its own (SECURE_SSL_REDIRECT=0, SECURE_HSTS_SECONDS=0, ...) when a proxy
  in front does it.
"""

import datetime
import hashlib
import os
import sys
import urllib.parse
from pathlib import Path

import dj_database_url
from csp.constants import NONE
from csp.constants import SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def environment_error(message):
    """The error to stop with when the environment says something these settings cannot read.

    Where nothing catches it (a manage.py command), only its last line is printed: the
    traceback through Django's import of the settings would bury the one line that matters.
    """
    error = ImproperlyConfigured(message)
    error.from_environment = True
    if not getattr(sys.excepthook, "from_environment", False):
        previous = sys.excepthook

        def excepthook(kind, value, traceback):
            if getattr(value, "from_environment", False):
                print(f"{kind.__module__}.{kind.__qualname__}: {value}", file=sys.stderr)
            else:
                previous(kind, value, traceback)

        excepthook.from_environment = True
        sys.excepthook = excepthook
    return error


def env_bool(name, default=False):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise environment_error(
        f"{name}={value} is not a yes/no value: use true/false, yes/no, on/off or 1/0"
    )


def env_int(name, default, minimum=0, maximum=None):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    # ASCII digits only: int() would also take "-1", "1_000" or the digits of other scripts.
    if value.isascii() and value.isdigit():
        number = int(value)
        if number >= minimum and (maximum is None or number <= maximum):
            return number
    allowed = f"from {minimum} to {maximum}" if maximum is not None else f"of {minimum} or more"
    raise environment_error(
        f"{name}={value} is not a whole number {allowed}: use digits only, e.g. {name}={default}"
    )


def env_list(name, default=""):
    value = os.environ.get(name, "").strip() or default
    items = [item.strip() for item in value.split(",") if item.strip()]
    for item in items:
        # "a.dk b.dk" would be read as one name that never matches.
        if any(character.isspace() for character in item):
            raise environment_error(
                f"{name}={value} is not a comma-separated list: {item!r} holds a space; "
                f"separate the values with commas, e.g. {name}=a,b"
            )
    return items


DEBUG = env_bool("DEBUG")
# The one switch for the secure defaults below (HTTPS redirect, HSTS, secure cookies, hashed
# static files). Unset, it is on when DEBUG is off and SECRET_KEY is set.
PRODUCTION = env_bool("PRODUCTION", not DEBUG and bool(os.environ.get("SECRET_KEY")))
if PRODUCTION and DEBUG:
    raise environment_error(
        "PRODUCTION and DEBUG are both on: production never shows tracebacks; "
        "set DEBUG=false (or PRODUCTION=false)"
    )
if PRODUCTION and not os.environ.get("SECRET_KEY"):
    raise environment_error("PRODUCTION=true needs SECRET_KEY: the local fallback key is public")
# Behind a proxy that terminates TLS: trust its X-Forwarded-Proto and the address it appends
# to X-Forwarded-For (the API's throttling and the login lockout count that address).
BEHIND_PROXY = env_bool("BEHIND_PROXY")
# The fallback key only serves local runs; `check --deploy` flags it in production.
SECRET_KEY = os.environ.get("SECRET_KEY") or "django-insecure-local-only-kkrmaal"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# A form from a page older than the login: a Danish page (or JSON for autosave), kkrmaal/views.py.
CSRF_FAILURE_VIEW = "kkrmaal.views.csrf_failure"
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    # Second factors (kkrmaal/mfa.py): TOTP apps, recovery codes and passkeys.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    # Single sign-on (kkrmaal/sso.py): SAML 2.0 and OpenID Connect.
    "djangosaml2",
    "mozilla_django_oidc",
    "kkrmaal",
    "municipalities",
    "goals",
    "reports",
]

MIDDLEWARE = [
    # First: every request gets its id (X-Request-ID) and its context for the log lines, and
    # is counted for /metrics, whatever the middleware below answers (kkrmaal/logs.py,
    # kkrmaal/metrics.py).
    "kkrmaal.logs.RequestLogMiddleware",
    "kkrmaal.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The SAML login's own cookie (SameSite=None), which the identity provider's POST back
    # to /saml2/acs/ carries (kkrmaal/saml.py).
    "djangosaml2.middleware.SamlSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "kkrmaal.api.common.api_middleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Whether this session passed a second factor; staff must have (kkrmaal/mfa.py).
    "django_otp.middleware.OTPMiddleware",
    "kkrmaal.mfa.StaffSecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # After the rest, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
    # A database outage answers 503 with a friendly page, and the portal heals by itself once
    # the database is back (kkrmaal/middleware.py; DATABASES below sets CONN_HEALTH_CHECKS).
    "kkrmaal.middleware.DatabaseOutageMiddleware",
]

ROOT_URLCONF = "kkrmaal.urls"
WSGI_APPLICATION = "kkrmaal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "kkrmaal.context_processors.roles",
                "kkrmaal.context_processors.language_switch",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several reporters saving at once must wait for each other, not fail with "locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The public pages are cached per published round (reports/cache.py), beside the reset-mail
# throttle and the preview locks. Redis when given, so every app server sees a publication at
# once; otherwise files in the project folder, which the processes of one machine share (a
# per-process memory cache would keep old pages). The keys carry the database's name, so two
# databases never share a cache by accident. Redis may fail: the portal then works on without
# the cache, slower (kkrmaal/cache_backend.py: misses, short timeouts, a circuit breaker).
CACHE_URL = os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL")
CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX") or "kkrmaal-{}".format(
    hashlib.md5(
        f"{DATABASES['default'].get('HOST')}/{DATABASES['default']['NAME']}".encode(),
        usedforsecurity=False,
    ).hexdigest()[:8]
)
CACHES = {
    "default": (
        {"BACKEND": "kkrmaal.cache_backend.ResilientRedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ.get("CACHE_DIR", str(BASE_DIR / "cache")),
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    )
    | {"KEY_PREFIX": CACHE_KEY_PREFIX}
}

# Sessions are read from the cache and written through to the database: a signed-in request
# (98 municipalities submitting at the deadline) costs one query less, and a session survives
# a flushed cache.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out user name and address before the password is even checked.
    "kkrmaal.accounts.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    # OpenID Connect's callback (kkrmaal/oidc.py); does nothing while OIDC_ISSUER is unset.
    "kkrmaal.oidc.Backend",
]
# Brute force: five wrong passwords for one user name from one address lock that pair out
# for 15 minutes (kkrmaal/accounts.py); a right password resets the count.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "kkrmaal.accounts.locked_out"
AXES_CLIENT_IP_CALLABLE = "kkrmaal.clients.client_address"
# Successful logins are not logged as rows (the failures are what the lockout needs).
AXES_DISABLE_ACCESS_LOG = True
LOGIN_URL = "login"

# --- single sign-on (kkrmaal/sso.py; how to register the portal: docs/sso.md) ----------------
# Unset, the login page is the password form alone, as for a small installation.
# SAML 2.0 (KOMBIT's Context Handler, or any SAML IdP): the identity provider's metadata (a
# file, or an https:// URL read at start and every hour), the service provider's certificate
# and key (PEM files) that sign the requests and decrypt the assertions.
SAML_IDP_METADATA = os.environ.get("SAML_IDP_METADATA", "").strip()
SAML_ENABLED = bool(SAML_IDP_METADATA)
SAML_SP_CERT = os.environ.get("SAML_SP_CERT", "").strip()
SAML_SP_KEY = os.environ.get("SAML_SP_KEY", "").strip()
if SAML_ENABLED and not (SAML_SP_CERT and SAML_SP_KEY):
    raise environment_error(
        "SAML_IDP_METADATA needs SAML_SP_CERT and SAML_SP_KEY: the files of the portal's own "
        "certificate and key (docs/sso.md says how to make them)"
    )
SAML_ENTITY_ID = os.environ.get("SAML_ENTITY_ID") or f"{SITE_URL}/saml2/metadata/"
SAML_PROVIDER_NAME = os.environ.get("SAML_PROVIDER_NAME") or "Kommunens login (KOMBIT)"
# Which attribute holds the roles (the Context Handler's privilege list, or a plain attribute
# with one role value each) and which the organisation (its CVR number).
SAML_ROLE_ATTRIBUTE = (
    os.environ.get("SAML_ROLE_ATTRIBUTE") or "dk:gov:saml:attribute:Privileges_intermediate"
)
SAML_ORGANISATION_ATTRIBUTE = (
    os.environ.get("SAML_ORGANISATION_ATTRIBUTE") or "dk:gov:saml:attribute:CvrNumberIdentifier"
)
# The authentication contexts (or NSIS levels) that mean the provider checked a second factor.
SAML_MFA_CONTEXTS = env_list(
    "SAML_MFA_CONTEXTS",
    "https://data.gov.dk/concept/core/nsis/loa/Substantial,"
    "https://data.gov.dk/concept/core/nsis/loa/High,"
    "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract,"
    "http://schemas.microsoft.com/claims/multipleauthn",
)
# How far the provider's clock may be off ours when an assertion's times are checked.
SAML_CLOCK_SKEW_SECONDS = 60
SAML_CONFIG_LOADER = "kkrmaal.saml.config_loader"
SAML_SESSION_COOKIE_NAME = "kkrmaal_saml"
SAML_ACS_FAILURE_RESPONSE_FUNCTION = "kkrmaal.saml.acs_failure"
SAML_DEFAULT_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
SAML_IGNORE_LOGOUT_ERRORS = True
SAML_CSP_HANDLER = ""

# OpenID Connect (Entra ID of a region or KL): the issuer (its discovery document says the
# rest), the portal's client id and secret there.
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "").strip()
OIDC_ENABLED = bool(OIDC_ISSUER)
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "").strip()
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
if OIDC_ENABLED and not (OIDC_RP_CLIENT_ID and OIDC_RP_CLIENT_SECRET):
    raise environment_error("OIDC_ISSUER needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET")
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME") or "Regionens login (Entra ID)"
OIDC_ROLE_CLAIM = os.environ.get("OIDC_ROLE_CLAIM") or "roles"
OIDC_ORGANISATION_CLAIM = os.environ.get("OIDC_ORGANISATION_CLAIM") or "tid"
# The `amr` values that mean the provider checked a second factor (RFC 8176).
OIDC_MFA_AMR = env_list("OIDC_MFA_AMR", "mfa,hwk,otp,fido")
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = "openid email profile"
OIDC_USE_PKCE = True
OIDC_TIMEOUT = 10
OIDC_CALLBACK_CLASS = "kkrmaal.oidc.CallbackView"
OIDC_AUTHENTICATE_CLASS = "kkrmaal.oidc.AuthenticationRequestView"
# Filled in from the issuer's discovery document (kkrmaal/oidc.py).
OIDC_OP_AUTHORIZATION_ENDPOINT = OIDC_OP_TOKEN_ENDPOINT = OIDC_OP_USER_ENDPOINT = ""
OIDC_OP_JWKS_ENDPOINT = ""

# --- second factor (kkrmaal/mfa.py) -----------------------------------------------------------
# Staff (the secretariat and the administrators) pass a second factor (an authenticator app,
# a passkey, or a recovery code) before any page of theirs; on by default in production.
STAFF_MFA_REQUIRED = env_bool("STAFF_MFA_REQUIRED", PRODUCTION)
OTP_TOTP_ISSUER = "KKR-mål"
# The portal counts wrong codes itself (kkrmaal/mfa.py); django-otp's own growing wait would
# refuse a right code typed just after a wrong one.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_WEBAUTHN_RP_NAME = "KKR-mål"
# A passkey belongs to the portal's host name (an address cannot be one: "localhost" then).
OTP_WEBAUTHN_RP_ID = urllib.parse.urlsplit(SITE_URL).hostname or "localhost"
if OTP_WEBAUTHN_RP_ID.replace(".", "").isdigit() or ":" in OTP_WEBAUTHN_RP_ID:
    OTP_WEBAUTHN_RP_ID = "localhost"
# Browsers allow passkeys over HTTPS, and over plain HTTP on localhost only (a local run at
# 127.0.0.1:8000 uses them at http://localhost:8000).
OTP_WEBAUTHN_ALLOWED_ORIGINS = [
    SITE_URL
    if SITE_URL.startswith(("https://", "http://localhost"))
    else f"http://localhost:{urllib.parse.urlsplit(SITE_URL).port or 80}"
]
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False

# The secretariat's invitation of a reporter: how many days its link works.
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 14, minimum=1, maximum=90)
LOGIN_REDIRECT_URL = "start"
LOGOUT_REDIRECT_URL = "reports:home"

LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Dansk")), ("en", _("Engelsk"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Uploaded evidence and the stored PDF papers go to MEDIA_ROOT, or to S3-compatible storage so
# several app servers share them: set AWS_STORAGE_BUCKET_NAME (and AWS_S3_ENDPOINT_URL for a
# provider other than AWS). Credentials come the usual boto3 ways: AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY, or the server's role. The code reaches files only through the storage
# API, never a local path.
if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "location": os.environ.get("AWS_S3_LOCATION", ""),
            # Private files (served only through the portal's views, which check access), and
            # a second file of the same name gets a new name rather than replacing the first.
            "default_acl": "private",
            "file_overwrite": False,
        },
    }
else:
    media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": media_storage,
    "staticfiles": {
        # Hashed names need `collectstatic` first, which production does and local runs skip.
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Behind nginx (or Apache): the URL prefix of an internal location that serves MEDIA_ROOT, so
# stored PDFs are sent by the proxy and the app only says which ("/protected-media/" with
# X-Accel-Redirect; X-Sendfile takes the file system path instead). Empty: the app sends them.
PAPERS_ACCEL_REDIRECT = os.environ.get("PAPERS_ACCEL_REDIRECT", "")
PAPERS_ACCEL_HEADER = os.environ.get("PAPERS_ACCEL_HEADER", "X-Accel-Redirect")

# Uploaded evidence: at most 10 MB a file. The first upload handler stops reading a request
# as soon as a file passes that (goals/evidence.py); Django spools bigger bodies to disk
# instead of memory.
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "goals.evidence.EvidenceUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "KKR-mål <noreply@kkrmaal.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background work (reports/tasks.py): one engine, django-tasks' database backend. Jobs are rows
# in the same database as the data (no broker to lose), run by `manage.py db_worker` and queued
# every minute and day by `manage.py run_scheduler`. A paper is claimed with a lease before it
# renders; the sweep queues again what a dead worker held, or what nobody picked up, and gives
# up on a paper after PAPER_MAX_ATTEMPTS tries (docs/operations.md, "Background work").
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
PAPER_LEASE_SECONDS = env_int("PAPER_LEASE_SECONDS", 600, minimum=1)
PAPER_REQUEUE_SECONDS = env_int("PAPER_REQUEUE_SECONDS", 600, minimum=1)
PAPER_MAX_ATTEMPTS = env_int("PAPER_MAX_ATTEMPTS", 3, minimum=1)
TASK_STUCK_SECONDS = env_int("TASK_STUCK_SECONDS", 3600, minimum=1)
SCHEDULER_INTERVAL_SECONDS = env_int("SCHEDULER_INTERVAL_SECONDS", 60, minimum=1)
# The local hour (0-23) from which run_scheduler queues the day's reminders, once a day.
REMINDERS_HOUR = env_int("REMINDERS_HOUR", 7, maximum=23)

# The API under /api/v1/ (kkrmaal/api/common.py holds what its apps share). Reading is public;
# writing takes a token (`Authorization: Token <key>`), stored hashed by django-rest-knox.
# JSON in and out only: the docs at /api/v1/docs/ are the browsable face.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["kkrmaal.api.common.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "kkrmaal.api.common.Pagination",
    "PAGE_SIZE": 100,
    "DEFAULT_FILTER_BACKENDS": [
        "kkrmaal.api.common.FilterBackend",
        "kkrmaal.api.common.StableOrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "kkrmaal.api.schema.AutoSchema",
    # Every error in one shape, {"code", "detail"}, in the request's language (kkrmaal/api/errors.py).
    "EXCEPTION_HANDLER": "kkrmaal.api.errors.exception_handler",
    # Per token for integrations, per address for everybody else (counted in Django's cache).
    # The address is the login lockout's (kkrmaal/clients.py: the proxy's X-Forwarded-For
    # behind BEHIND_PROXY, an IPv6 network as one), so DRF's NUM_PROXIES is not set.
    "DEFAULT_THROTTLE_CLASSES": [
        "kkrmaal.api.common.TokenRateThrottle",
        "kkrmaal.api.common.AnonymousRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": os.environ.get("API_TOKEN_RATE", "2000/hour"),
        "anon": os.environ.get("API_ANON_RATE", "1000/hour"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
REST_KNOX = {
    "AUTH_HEADER_PREFIX": "Token",
    # A year: an integration keeps working through a reporting season, and a forgotten token
    # does not work for ever. The profile page and the admin show when each one expires.
    "TOKEN_TTL": datetime.timedelta(days=365),
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "KKR-mål API",
    "DESCRIPTION": _(
        "Regioner, kommuner, målpapirer, mål og de offentliggjorte statusrunder, frit til "
        "læsning, og hele det offentliggjorte materiale i én Frictionless Data Package "
        "(`/api/v1/datapackage.zip`). En kommunes indberetning kan hentes, gemmes og "
        "indsendes med en API-nøgle: `Authorization: Token <nøgle>` (ikke Bearer). Svar på "
        "engelsk med `Accept-Language: en`. Data må genbruges efter licensen CC BY 4.0; "
        'kreditér "KKR-mål". Versionspolitik og ændringslog: docs/api.md.'
    ),
    # The contract's version within /api/v1/ (docs/api.md: versioning policy and changelog).
    # The data's licence is stated by kkrmaal/api/schema.py from reports.datapackage.LICENCE.
    "VERSION": "1.2",
    "CONTACT": {
        "name": os.environ.get("API_CONTACT_NAME", "KKR-mål"),
        "url": SITE_URL + "/",
        **(
            {"email": os.environ["API_CONTACT_EMAIL"]}
            if os.environ.get("API_CONTACT_EMAIL")
            else {}
        ),
    },
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's files come with the app (drf-spectacular-sidecar): no CDN, works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The enums are named components of their own (kkrmaal/api/enums.py), added with the
    # servers, headers and examples by the API's hook after drf-spectacular's own.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "kkrmaal.api.schema.postprocess",
    ],
}

# In production (PRODUCTION above) the portal answers only over HTTPS (redirect, HSTS, secure
# cookies) unless an operator switches a part off. Behind a proxy that terminates TLS,
# BEHIND_PROXY=1 makes Django trust its X-Forwarded-Proto (and the address it appends to
# X-Forwarded-For); a proxy that redirects to HTTPS and sends HSTS itself may take those over
# with SECURE_SSL_REDIRECT=0 and SECURE_HSTS_SECONDS=0.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
# The load balancer asks for health, and Prometheus may scrape each app server's /metrics,
# over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz(/live|/ready)?$", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script or style anywhere (templates/admin/base_site.html links its CSS); the
# public pages' charts are inline SVG, which needs neither.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Logs (docs/operations.md, "Logs"): everything on the console, one JSON object a line
# (kkrmaal/logs.py) with the time in UTC, level, logger, message, and the request's id, user,
# client address, method and path, a traceback inside its record. LOG_FORMAT=text gives
# plain lines for reading in a terminal instead; it is the default with DEBUG. The audit
# trail (goals/audit.py) is JSON either way, on stdout.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "").strip().lower() or ("text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise environment_error(f"LOG_FORMAT={LOG_FORMAT} is not a log format: use json or text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "kkrmaal.logs.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "kkrmaal.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "audit": {"()": "kkrmaal.logs.AuditFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request"],
        },
        # The audit trail: one JSON line per state change or admin edit, on stdout.
        "audit": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "audit",
            "filters": ["request"],
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own lines go through the console handler above like every other (not its
        # default handlers, which print plain text with DEBUG and mail ADMINS, unset here).
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # runserver's access lines: RequestLogMiddleware writes one per request already.
        "django.server": {"handlers": [], "level": "WARNING", "propagate": True},
        # django-axes reports every failed login at INFO; its lockouts come at WARNING.
        "axes": {"level": "WARNING"},
        # pysaml2 and its XML schemas say much at INFO; a refused login is on the audit log.
        "saml2": {"level": "WARNING"},
        "xmlschema": {"level": "WARNING"},
        "kkrmaal.audit": {"handlers": ["audit"], "level": "INFO", "propagate": False},
    },
}

# Metrics and error reporting (docs/operations.md, "Metrics" and "Errors").
# /metrics answers the machine itself (loopback) without a token, anyone else only with
# `Authorization: Bearer <METRICS_TOKEN>`; unset, only the machine itself.
# PROMETHEUS_MULTIPROC_DIR (read by prometheus_client; deploy/gunicorn.conf.py sets it) adds
# up the counts of all gunicorn workers (kkrmaal/metrics.py).
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# Errors go to Sentry when SENTRY_DSN is set, without personal data (kkrmaal/error_reporting.py).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    from kkrmaal import error_reporting

    error_reporting.init(
        SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT")
        or ("production" if PRODUCTION else "local"),
        release=os.environ.get("SENTRY_RELEASE") or None,
    )
