"""The SAML 2.0 service provider (djangosaml2 on pysaml2, signing with Debian's xmlsec1): the
metadata at /saml2/metadata/, the login at /saml2/login/, the assertion consumer at
/saml2/acs/ and single logout at /saml2/ls/. What a login makes of the person is the rule of
kkrmaal/sso.py; this module reads the assertion.

pysaml2 checks the signature (the identity provider's certificate from its metadata), the
audience, the destination, the times (with SAML_CLOCK_SKEW_SECONDS) and that the response
answers a request this browser made. On top of that every assertion is used once: its id is
kept in the cache (shared by the app servers with CACHE_URL) until it expires, so a copied
response is refused even in another browser. While Redis is away the cache keeps nothing:
logins go on, guarded by the request check alone.

Switched on by SAML_IDP_METADATA; without it the URLs answer 404.
"""

import copy
import datetime
import functools
import logging
import os

import saml2
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404
from djangosaml2 import views as saml_views
from saml2 import saml
from saml2.config import SPConfig
from saml2.response import StatusAuthnFailed
from saml2.response import StatusError
from saml2.response import StatusRequestDenied
from saml2.sigver import SignatureError
from saml2.validate import ResponseLifetimeExceed
from saml2.validate import ToEarly

from kkrmaal import sso

log = logging.getLogger(__name__)

PROVIDER = "saml"
SHA256_SIGNATURE = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256_DIGEST = "http://www.w3.org/2001/04/xmlenc#sha256"
# Where the usual attributes of a person are (OIDs as the Context Handler sends them, and
# the plain names other providers use).
EMAIL_ATTRIBUTES = (
    "urn:oid:0.9.2342.19200300.100.1.3",
    "mail",
    "email",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
)
FIRST_NAME_ATTRIBUTES = ("urn:oid:2.5.4.42", "givenName")
LAST_NAME_ATTRIBUTES = ("urn:oid:2.5.4.4", "sn", "surname")
# NSIS' level of assurance, as the Context Handler sends it.
NSIS_LOA_ATTRIBUTE = "https://data.gov.dk/concept/core/nsis/loa"
USED_ASSERTION_KEY = "saml-assertion-used:{}"
METADATA_REFRESH = datetime.timedelta(hours=1)


def sp_settings():
    """The pysaml2 configuration of the portal as a service provider."""
    site = settings.SITE_URL
    metadata = settings.SAML_IDP_METADATA
    if metadata.startswith(("https://", "http://")):
        metadata_source = {"remote": [{"url": metadata}]}
    else:
        metadata_source = {"local": [metadata]}
    return {
        "xmlsec_binary": "/usr/bin/xmlsec1",
        "entityid": settings.SAML_ENTITY_ID,
        "allow_unknown_attributes": True,
        "service": {
            "sp": {
                "name": "KKR-mål",
                "endpoints": {
                    "assertion_consumer_service": [
                        (f"{site}/saml2/acs/", saml2.BINDING_HTTP_POST),
                    ],
                    "single_logout_service": [
                        (f"{site}/saml2/ls/", saml2.BINDING_HTTP_REDIRECT),
                        (f"{site}/saml2/ls/post/", saml2.BINDING_HTTP_POST),
                    ],
                },
                "name_id_format": [saml.NAMEID_FORMAT_PERSISTENT],
                "authn_requests_signed": True,
                "logout_requests_signed": True,
                "want_assertions_signed": True,
                "want_response_signed": False,
                "allow_unsolicited": False,
                "signing_algorithm": SHA256_SIGNATURE,
                "digest_algorithm": SHA256_DIGEST,
            }
        },
        "metadata": metadata_source,
        "key_file": settings.SAML_SP_KEY,
        "cert_file": settings.SAML_SP_CERT,
        "encryption_keypairs": [
            {"key_file": settings.SAML_SP_KEY, "cert_file": settings.SAML_SP_CERT}
        ],
        "accepted_time_diff": settings.SAML_CLOCK_SKEW_SECONDS,
        "contact_person": [],
    }


@functools.lru_cache(maxsize=4)
def _loaded(key, _refresh):
    config = SPConfig()
    config.load(copy.deepcopy(sp_settings()))
    providers = config.metadata.identity_providers()
    if len(providers) != 1:
        # A user is found by the NameID the provider gives, whichever provider it is: with
        # two in the file, one could log in as the other's users. The Context Handler's
        # metadata names one.
        raise ImproperlyConfigured(
            f"SAML_IDP_METADATA must describe exactly one identity provider; "
            f"it describes {len(providers)}: {', '.join(sorted(providers)) or 'none'}."
        )
    return config


def config_loader(request=None):
    """SAML_CONFIG_LOADER: the configuration, read once (and the metadata again each hour, or
    when its file changes) rather than on every request."""
    if not settings.SAML_ENABLED:
        raise Http404
    metadata = settings.SAML_IDP_METADATA
    try:
        changed = os.stat(metadata).st_mtime_ns
    except OSError:
        changed = None
    refresh = int(datetime.datetime.now().timestamp() // METADATA_REFRESH.total_seconds())
    key = repr((sp_settings(), changed))
    return _loaded(key, refresh)


def enabled(view):
    """404 while SAML is not configured."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.SAML_ENABLED:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


# --- reading the assertion -------------------------------------------------------------------


def _first(attributes, names):
    for name in names:
        for value in attributes.get(name) or ():
            if str(value).strip():
                return str(value).strip()
    return ""


def identity_from(session_info):
    """What the assertion says about the person (`sso.Identity`)."""
    attributes = session_info.get("ava") or {}
    name_id = session_info.get("name_id")
    subject = getattr(name_id, "text", None) or str(name_id or "")
    if getattr(name_id, "format", None) == saml.NAMEID_FORMAT_TRANSIENT:
        # A new id at every login would make a new user each time: refused (sso.sign_in).
        subject = ""
    contexts = [info[0] for info in session_info.get("authn_info") or () if info]
    contexts += [f"{NSIS_LOA_ATTRIBUTE}/{v}" for v in attributes.get(NSIS_LOA_ATTRIBUTE) or ()]
    second_factor = next((c for c in contexts if c in settings.SAML_MFA_CONTEXTS), "")
    return sso.Identity(
        provider=PROVIDER,
        subject=subject.strip(),
        email=_first(attributes, EMAIL_ATTRIBUTES),
        first_name=_first(attributes, FIRST_NAME_ATTRIBUTES),
        last_name=_first(attributes, LAST_NAME_ATTRIBUTES),
        grants=sso.grants_from(
            sso.as_list(attributes.get(settings.SAML_ROLE_ATTRIBUTE)),
            sso.as_list(attributes.get(settings.SAML_ORGANISATION_ATTRIBUTE)),
        ),
        second_factor=second_factor,
    )


class AlreadyUsed(Exception):
    """An assertion that was used before (a replay)."""


def reason_for(exception):
    if isinstance(exception, sso.Refusal):
        return exception.reason
    if isinstance(exception, AlreadyUsed):
        return "replayed"
    if isinstance(exception, SignatureError):
        return "signature"
    if isinstance(exception, ResponseLifetimeExceed | ToEarly):
        return "expired"
    if isinstance(exception, StatusAuthnFailed | StatusRequestDenied | StatusError):
        return "provider_error"
    # pysaml2 refuses a response to no request of this browser as "unsolicited": one that
    # answers no request at all was started at the provider (a tile on another portal); one
    # that answers another request was used before, or sent to another browser.
    if type(exception).__name__ == "UnsolicitedResponse":
        return "unsolicited" if str(exception).endswith(": None") else "replayed"
    return "provider_error"


def acs_failure(request, exception=None, status=403, **kwargs):
    """SAML_ACS_FAILURE_RESPONSE_FUNCTION: the Danish page of a refused login."""
    details = getattr(exception, "details", {})
    return sso.refused(
        request,
        PROVIDER,
        reason_for(exception),
        error=type(exception).__name__ if exception is not None else None,
        **details,
    )


class AssertionConsumerServiceView(saml_views.AssertionConsumerServiceView):
    def custom_validation(self, response):
        """Each assertion once: its id is kept until it would have expired anyway, while
        the cache can keep anything."""
        assertion = response.assertion
        lifetime = settings.SAML_CLOCK_SKEW_SECONDS + 3600
        key = USED_ASSERTION_KEY.format(assertion.id)
        if not cache.add(key, 1, lifetime) and cache.get(key) is not None:
            # djangosaml2 reports any error here as one SuspiciousOperation: keep ours.
            self.replayed = AlreadyUsed(assertion.id)
            raise self.replayed
        # Not added, yet not there: the cache keeps nothing while Redis is away
        # (kkrmaal/cache_backend.py). The response still had to answer this browser's own
        # request (pysaml2), which it can do once; refusing every login would be worse.

    def handle_acs_failure(self, request, exception=None, status=403, **kwargs):
        return acs_failure(request, getattr(self, "replayed", None) or exception, status)

    def authenticate_user(
        self, request, session_info, attribute_mapping, create_unknown_user, assertion_info
    ):
        user = sso.sign_in(request, identity_from(session_info))
        saml_views._set_subject_id(request.saml_session, session_info["name_id"])
        return user

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except sso.Refusal as refusal:  # from sign_in: nobody is logged in
            return acs_failure(request, refusal)


login = enabled(saml_views.LoginView.as_view())
acs = enabled(AssertionConsumerServiceView.as_view())
logout = enabled(saml_views.LogoutInitView.as_view())
logout_service = enabled(saml_views.LogoutView.as_view())
logout_service_post = enabled(saml_views.LogoutView.as_view())
metadata = enabled(saml_views.MetadataView.as_view())
