"""OpenID Connect for the identity provider of a region or KL (Entra ID), through
mozilla-django-oidc: /oidc/authenticate/ sends the browser there (authorisation code flow
with PKCE, state and nonce), /oidc/callback/ takes it back. What a login makes of the person
is the rule of kkrmaal/sso.py, as for SAML.

Only the issuer, the client id and the secret are configured: the endpoints and signing keys
come from the issuer's discovery document (`/.well-known/openid-configuration`), read once
an hour. The ID token's signature, issuer, audience (and `azp`), expiry and nonce are checked; the
roles and the organisation are read from the ID token and the userinfo answer together.

Switched on by OIDC_ISSUER; without it the URLs answer 404 and the backend does nothing.
"""

import logging
import time

import jwt
import requests
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from mozilla_django_oidc import auth as oidc_auth
from mozilla_django_oidc import views as oidc_views

from kkrmaal import sso

log = logging.getLogger(__name__)

PROVIDER = "oidc"
DISCOVERY_SECONDS = 3600
_discovered = {}


def discovery():
    """The issuer's discovery document, fetched at most once an hour."""
    issuer = settings.OIDC_ISSUER
    known = _discovered.get(issuer)
    if known and known[0] > time.monotonic():
        return known[1]
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
    response.raise_for_status()
    document = response.json()
    _discovered[issuer] = (time.monotonic() + DISCOVERY_SECONDS, document)
    return document


def endpoint(name):
    return discovery()[name]


class Backend(oidc_auth.OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend with the endpoints from discovery and the portal's
    rules for users (kkrmaal/sso.py)."""

    def __init__(self, *args, **kwargs):
        # Django makes each backend for every login, the password form's too: nothing here
        # may need the provider while OIDC is off.
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None
        from django.contrib.auth import get_user_model

        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        if not settings.OIDC_ENABLED or request is None or "nonce" not in kwargs:
            return None
        self.OIDC_OP_TOKEN_ENDPOINT = endpoint("token_endpoint")
        self.OIDC_OP_USER_ENDPOINT = endpoint("userinfo_endpoint")
        self.OIDC_OP_JWKS_ENDPOINT = endpoint("jwks_uri")
        try:
            return super().authenticate(request, **kwargs)
        except sso.Refusal as refusal:
            request.sso_refusal = refusal
            return None
        except (SuspiciousOperation, requests.RequestException, jwt.PyJWTError) as error:
            log.warning("OIDC login failed: %s", error)
            request.sso_refusal = sso.Refusal("provider_error", error=type(error).__name__)
            return None

    def _verify_jws(self, payload, key):
        """The signature, and also the issuer and the audience (mozilla-django-oidc leaves
        those out) and the expiry."""
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation("unexpected signing algorithm")
        claims = jwt.decode(
            payload,
            key,
            algorithms=[self.OIDC_RP_SIGN_ALGO],
            audience=self.OIDC_RP_CLIENT_ID,
            issuer=discovery().get("issuer", settings.OIDC_ISSUER),
            options={"require": ["exp", "iat", "sub"]},
        )
        # OpenID Connect Core 3.1.3.7: a token for several audiences names the one it was
        # issued to (azp), and that must be this portal; one that names another is not ours.
        audiences = sso.as_list(claims.get("aud"))
        azp = claims.get("azp")
        if (len(audiences) > 1 and not azp) or (azp and azp != self.OIDC_RP_CLIENT_ID):
            raise SuspiciousOperation("the ID token was issued to another client (azp)")
        return claims

    def get_or_create_user(self, access_token, id_token, payload):
        claims = {**self.get_userinfo(access_token, id_token, payload), **payload}
        if claims.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("userinfo is about somebody else")
        amr = sso.as_list(payload.get("amr"))
        identity = sso.Identity(
            provider=PROVIDER,
            subject=str(payload.get("sub", "")),
            email=str(claims.get("email") or ""),
            first_name=str(claims.get("given_name") or ""),
            last_name=str(claims.get("family_name") or ""),
            grants=sso.grants_from(
                sso.as_list(claims.get(settings.OIDC_ROLE_CLAIM)),
                sso.as_list(claims.get(settings.OIDC_ORGANISATION_CLAIM)),
            ),
            second_factor=next((f"amr:{a}" for a in amr if a in settings.OIDC_MFA_AMR), ""),
        )
        return sso.sign_in(self.request, identity)

    def get_user(self, user_id):
        return None  # sessions are the ModelBackend's (sso.BACKEND)


class AuthenticationRequestView(oidc_views.OIDCAuthenticationRequestView):
    def __init__(self, *args, **kwargs):
        super(oidc_views.OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID

    def get(self, request):
        if not settings.OIDC_ENABLED:
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = endpoint("authorization_endpoint")
        except (requests.RequestException, ValueError, KeyError) as error:
            return sso.refused(request, PROVIDER, "provider_error", status=502, error=str(error))
        return super().get(request)


class CallbackView(oidc_views.OIDCAuthenticationCallbackView):
    def get(self, request):
        if not settings.OIDC_ENABLED:
            raise Http404
        state = request.GET.get("state")
        if state and state not in request.session.get("oidc_states", {}):
            # A callback used before, or not started in this browser.
            return sso.refused(request, PROVIDER, "replayed")
        return super().get(request)

    def login_failure(self):
        refusal = getattr(self.request, "sso_refusal", None)
        if refusal is None:
            error = self.request.GET.get("error")
            refusal = sso.Refusal("provider_error", error=error)
        return sso.refused(self.request, PROVIDER, refusal.reason, **refusal.details)
