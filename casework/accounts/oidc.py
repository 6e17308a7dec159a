"""Optional single sign-on with a city's OpenID Connect provider (mozilla-django-oidc).

Off unless OIDC_ENABLED. The provider stands in for the password only:
- it never creates an account, and it maps no roles: a person signs in to the account an admin
  made, matched by a verified e-mail address (exactly one active account, or nobody);
- the second factor is still ours (SecondFactorRequiredMiddleware): the provider's `amr`/`acr`
  claims are not trusted to replace it, so step-up, lockout and the record work the same for
  everyone (docs/authentication.md says why);
- the id_token's signature (the provider's JWKS), issuer, audience, expiry and nonce are all
  checked; the library alone checks neither issuer nor audience.
"""

import functools

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from mozilla_django_oidc import auth as library_auth
from mozilla_django_oidc import views as library_views

from audit import events

ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}


@functools.lru_cache(maxsize=4)
def _discovery(issuer: str) -> dict:
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
    response.raise_for_status()
    document = response.json()
    if document.get("issuer") != issuer:
        raise SuspiciousOperation("The provider's discovery document names another issuer.")
    return document


def endpoint(setting: str) -> str:
    """An endpoint from the environment, or else from the issuer's discovery document."""
    return getattr(settings, setting, "") or _discovery(settings.OIDC_ISSUER)[ENDPOINTS[setting]]


def is_enabled() -> bool:
    return bool(settings.OIDC_ENABLED)


class Backend(library_auth.OIDCAuthenticationBackend):
    """Sign in an existing account the provider vouches for; never create one or grant a role."""

    def __init__(self, *args, **kwargs):
        # Built on every request of a person signed in this way (django.contrib.auth.get_user),
        # so nothing here may reach the provider: the endpoints are looked up in authenticate.
        self.enabled = is_enabled()
        if self.enabled:  # listed in AUTHENTICATION_BACKENDS always; answers nothing while off
            super().__init__(*args, **kwargs)

    def authenticate(self, request, **kwargs):
        if not self.enabled:
            return None
        try:
            for setting in ("OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_USER_ENDPOINT",
                            "OIDC_OP_JWKS_ENDPOINT"):
                setattr(self, setting, endpoint(setting))
            return super().authenticate(request, **kwargs)
        except (SuspiciousOperation, requests.RequestException):
            # A token that does not verify, or a provider that cannot be reached: no sign-in.
            events.record(events.OIDC_SIGN_IN_REFUSED, model=get_user_model(), stage="token")
            return None

    def _verify_jws(self, payload, key):
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation("The id_token is not signed with the configured algorithm.")
        try:
            return jwt.decode(
                payload, key, algorithms=[self.OIDC_RP_SIGN_ALGO], audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.OIDC_ISSUER,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise SuspiciousOperation("The id_token did not verify.") from error

    def verify_claims(self, claims):
        return bool(claims.get("email")) and claims.get("email_verified") is True

    def filter_users_by_claims(self, claims):
        return get_user_model().objects.filter(email__iexact=claims["email"], is_active=True)

    def get_or_create_user(self, access_token, id_token, payload):
        user = None
        try:
            user = super().get_or_create_user(access_token, id_token, payload)
        finally:
            if user is None:  # no details: the claims are personal data
                events.record(events.OIDC_SIGN_IN_REFUSED, model=get_user_model())
        return user

    def create_user(self, claims):
        return None  # accounts are made by an admin, with roles granted in the app

    def update_user(self, user, claims):
        return user  # nothing from the provider changes the account, its roles least of all


def _only_when_enabled(view_class):
    """A 404 while single sign-on is off; never cached (each answer carries a fresh state)."""
    original = view_class.dispatch

    @method_decorator(never_cache)
    def dispatch(self, request, *args, **kwargs):
        if not is_enabled():
            raise Http404
        return original(self, request, *args, **kwargs)

    view_class.dispatch = dispatch
    return view_class


@_only_when_enabled
class SignIn(library_views.OIDCAuthenticationRequestView):
    """Send the browser to the provider (state, nonce and PKCE kept in the session)."""

    def __init__(self, *args, **kwargs):
        if is_enabled():
            super().__init__(*args, **kwargs)

    def get(self, request):
        try:
            self.OIDC_OP_AUTH_ENDPOINT = endpoint("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except (requests.RequestException, SuspiciousOperation, KeyError):
            return HttpResponseRedirect(settings.LOGIN_REDIRECT_URL_FAILURE)  # provider down
        return super().get(request)


@_only_when_enabled
class Callback(library_views.OIDCAuthenticationCallbackView):
    """The provider's answer: the password step done; the second factor comes next."""
