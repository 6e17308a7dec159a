"""Who is calling: an organisation's client, a person's token, or a fully signed-in session.

Each returns the account the request acts as, so casework.access answers for it exactly as for
the pages. A credential is `request.auth`; its scopes narrow what it may do (api.permissions).
"""

from auditlog.context import auditlog_value
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from api.models import ApiClient, PersonalToken
from casework.accounts import mfa


def _act_as(user) -> None:
    """Name `user` as the actor of every audit entry of this request.

    RequestAuditMiddleware fixed the actor before the view ran, when a key-authenticated
    request still looked anonymous; its context is a dict we may complete.
    """
    try:
        context = auditlog_value.get()
    except LookupError:
        return
    context["actor"] = user


class _KeyAuthentication(authentication.BaseAuthentication):
    model = None
    keyword = ""

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header.startswith(f"{self.keyword} "):
            return None
        key = header[len(self.keyword) + 1:].strip()
        prefix = (key or "").partition(".")[0]
        credential = (
            self.model.objects.select_related(*self.related).filter(prefix=prefix).first()
        )
        # One message for unknown, wrong, revoked and expired: a key reveals nothing.
        if credential is None or not credential.is_valid(key) or not credential.is_usable:
            raise exceptions.AuthenticationFailed(_("Invalid or expired key."))
        user = self.account(credential)
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or expired key."))
        _act_as(user)
        return user, credential

    def authenticate_header(self, request):
        return self.keyword


class ApiClientAuthentication(_KeyAuthentication):
    """`Authorization: Api-Key <key>`: an organisation's system."""

    model = ApiClient
    keyword = "Api-Key"
    related = ("account", "organization")

    def account(self, credential):
        return credential.account


class PersonalTokenAuthentication(_KeyAuthentication):
    """`Authorization: Token <key>`: a person's own scripts, acting as them."""

    model = PersonalToken
    keyword = "Token"
    related = ("user",)

    def account(self, credential):
        return credential.user


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """The browsable API and the docs: a session that passed the second factor (with CSRF)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None or not mfa.is_verified(request._request):
            return None
        return result
