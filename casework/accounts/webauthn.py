"""Security keys and passkeys (django-otp-webauthn) as a second factor, beside TOTP.

The library checks the cryptography (py_webauthn: challenge, origin, relying party, signature,
sign count); this module holds our rules around it: who may add a key, what a used key counts
for, and what goes on the record. A key never replaces the password
(OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN is off).
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django_otp_webauthn.models import WebAuthnCredential

from audit import events
from casework.accounts import mfa


class LastFactor(PermissionDenied):
    """Removing this key would leave the account with no second factor."""


def keys_of(user):
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at")


def registered(request, credential) -> list[str] | None:
    """Record a new key; at the first enrolment, also sign in and return new recovery codes."""
    user = request.user
    first = not mfa.is_verified(request)
    events.record(events.MFA_ENROLLED, instance=user, actor=user, factor="webauthn",
                  device=credential.pk)
    if not first:
        return None
    codes = mfa.new_recovery_codes(user, actor=user)
    mfa.complete(request, credential)
    return codes


def used(request, credential) -> None:
    """A key answered the challenge: the session is verified now (sign-in or step-up)."""
    user = request.user
    purpose = "step_up" if mfa.is_verified(request) else "sign_in"
    events.record(events.MFA_VERIFIED, instance=user, actor=user, purpose=purpose,
                  factor="webauthn", device=credential.pk)
    mfa.complete(request, credential)


def refused(request, *, stage: str, code: str) -> None:
    """A key's answer (or the request for a challenge) was refused; on the record."""
    user = request.user
    if not user.is_authenticated:
        return
    purpose = "step_up" if mfa.is_verified(request) else "sign_in"
    if stage == "registration":
        purpose = "enrolment"
    events.record(events.MFA_FAILED, instance=user, actor=user, purpose=purpose,
                  factor="webauthn", reason=code)


@transaction.atomic
def remove(user, credential_id: int, *, actor) -> None:
    """Take one of `user`'s keys off (the caller has asked for a recent second factor).

    Someone else's key is a 404, as if it did not exist.
    """
    credential = keys_of(user).select_for_update().filter(pk=credential_id).first()
    if credential is None:
        raise Http404
    others = keys_of(user).exclude(pk=credential.pk).exists()
    if not others and not mfa.has_totp(user):
        raise LastFactor
    credential.delete()
    events.record(events.MFA_REMOVED, instance=user, actor=actor, factor="webauthn",
                  device=credential_id)
