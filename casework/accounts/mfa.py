"""The second factor: TOTP authenticators and single-use recovery codes (django-otp).

A session is fully signed in when it holds SESSION_VERIFIED_AT, the time its second factor was
last checked; the password alone (Django's login) never sets it. Step-up asks again when that time
is older than MFA_STEP_UP_SECONDS.
"""

import datetime
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from audit import events
from casework.accounts import sessions
from casework.accounts.models import (
    HashedStaticDevice,
    SealedTOTPDevice,
    SealedTOTPKey,
    recovery_code_digest,
)

SESSION_VERIFIED_AT = "mfa_verified_at"
RECOVERY_CODE_COUNT = 10
RECOVERY_DEVICE_NAME = "Recovery codes"


class CodeRefused(Exception):
    """The code is wrong, already used, or expired."""


class Throttled(Exception):
    """Too many wrong codes: no code is checked until the hold ends."""

    def __init__(self, until: datetime.datetime):
        super().__init__(until)
        self.until = until


# --- The session -------------------------------------------------------------------------------


def is_verified(request) -> bool:
    return bool(request.session.get(SESSION_VERIFIED_AT))


def is_fresh(request) -> bool:
    """Whether the second factor was checked within the step-up window."""
    verified_at = request.session.get(SESSION_VERIFIED_AT, 0)
    return time.time() - verified_at <= settings.MFA_STEP_UP_SECONDS


def mark_verified(session) -> None:
    """Count `session` as fully signed in, from now (also used for tests' force_login)."""
    session[SESSION_VERIFIED_AT] = time.time()


def complete(request, device) -> None:
    """Count this session as having passed the second factor given by `device`, from now."""
    otp_login(request, device)
    mark_verified(request.session)
    # A new session id at every raise of privilege, so a planted id is worth nothing.
    request.session.cycle_key()


# --- Devices -----------------------------------------------------------------------------------


def has_totp(user) -> bool:
    return SealedTOTPDevice.objects.filter(user=user, confirmed=True).exists()


def has_authenticator(user) -> bool:
    """Whether `user` has a second factor to sign in with: an authenticator app or a key."""
    return has_totp(user) or WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()


def may_add_factor(request) -> bool:
    """Whether this session may add a second factor (an authenticator app or a key).

    A first factor at the first sign-in (nothing enrolled yet), or a fully signed-in person whose
    second factor is within the step-up window: a password alone never adds a factor over an
    existing one, and neither does a session left open for hours.
    """
    if not has_authenticator(request.user):
        return True
    return is_verified(request) and is_fresh(request)


def pending_authenticator(user) -> SealedTOTPDevice:
    """Return the authenticator being enrolled: a new secret at first, kept until confirmed."""
    device = SealedTOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = SealedTOTPDevice.objects.create(user=user, name="Authenticator app",
                                                 confirmed=False)
    return device


def _devices(user):
    totp = list(SealedTOTPDevice.objects.filter(user=user, confirmed=True))
    return totp + list(HashedStaticDevice.objects.filter(user=user, confirmed=True))


def _hold_until(devices) -> datetime.datetime | None:
    """The end of the hold after MFA_MAX_FAILURES wrong codes in a row, if one is running.

    django-otp's own back-off (1, 2, 4 ... seconds between tries) applies as well.
    """
    hold = datetime.timedelta(seconds=settings.MFA_HOLD_SECONDS)
    for device in devices:
        if (device.throttling_failure_count >= settings.MFA_MAX_FAILURES
                and device.throttling_failure_timestamp
                and timezone.now() < device.throttling_failure_timestamp + hold):
            return device.throttling_failure_timestamp + hold
        allowed, data = device.verify_is_allowed()
        if not allowed:
            return data["locked_until"]
    return None


def verify(request, code: str, *, purpose: str = "sign_in"):
    """Check `code` for the signed-in user and mark the session verified, or raise.

    Every outcome is on the audit record; a code is accepted once (TOTP's last step is kept,
    a recovery code is deleted when used).
    """
    user = request.user
    code = "".join(code.split())
    with transaction.atomic():
        devices = _devices(user)
        until = _hold_until(devices)
        device = None if until else next((d for d in devices if d.verify_token(code)), None)
    # Recorded outside the block above, so that raising does not roll the entry back.
    if until is not None:
        events.record(events.MFA_THROTTLED, instance=user, actor=user, purpose=purpose)
        raise Throttled(until)
    if device is None:
        events.record(events.MFA_FAILED, instance=user, actor=user, purpose=purpose)
        raise CodeRefused
    for other in devices:  # one good code clears the count on every factor
        if other.throttling_failure_count:
            other.throttle_reset()
    kind = "recovery_code" if isinstance(device, StaticDevice) else "totp"
    events.record(events.MFA_VERIFIED, instance=user, actor=user, purpose=purpose, factor=kind)
    complete(request, device)
    return device


def confirm_authenticator(request, code: str) -> list[str]:
    """Confirm the pending authenticator with its first code; return fresh recovery codes."""
    user = request.user
    device = pending_authenticator(user)
    if not device.verify_token("".join(code.split())):
        events.record(events.MFA_FAILED, instance=user, actor=user, purpose="enrolment")
        raise CodeRefused
    with transaction.atomic():
        return _confirm(request, device)


def _confirm(request, device) -> list[str]:
    user = request.user
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    SealedTOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    codes = new_recovery_codes(user, actor=user)
    events.record(events.MFA_ENROLLED, instance=user, actor=user, factor="totp")
    complete(request, device)
    return codes


@transaction.atomic
def new_recovery_codes(user, *, actor) -> list[str]:
    """Replace `user`'s recovery codes with RECOVERY_CODE_COUNT new ones, shown once."""
    device, _ = HashedStaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    # Only digests are stored: the codes exist in clear on this one page, never again.
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=recovery_code_digest(c)) for c in codes)
    events.record(events.MFA_RECOVERY_CODES, instance=user, actor=actor, count=len(codes))
    return codes


@transaction.atomic
def reset_factors(user, *, actor) -> None:
    """Take every second factor off `user` (lost phone and codes): enrolment at next sign-in.

    Another admin's act, never one's own; the user's sessions end with it.
    """
    if user.pk == actor.pk:
        raise PermissionError("Nobody resets their own second factors.")
    SealedTOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    WebAuthnCredential.objects.filter(user=user).delete()
    events.record(events.MFA_REMOVED, instance=user, actor=actor, factor="all")
    sessions.end_sessions(user, actor=actor)


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


DEMO_DEVICE_NAME = "Demo authenticator"


def enrol_demo_authenticator(user) -> SealedTOTPDevice:
    """Give a demo account a confirmed authenticator (its codes: `manage.py demo_code`)."""
    demo = {"user": user, "name": DEMO_DEVICE_NAME, "confirmed": True}
    return SealedTOTPDevice.objects.filter(**demo).first() or SealedTOTPDevice.objects.create(
        **demo)


def demo_authenticator(user) -> SealedTOTPDevice | None:
    return SealedTOTPDevice.objects.filter(user=user, name=DEMO_DEVICE_NAME, confirmed=True).first()


def secret(device: TOTPDevice) -> bytes:
    """The authenticator's secret, from its sealed copy (any TOTPDevice instance will do)."""
    return SealedTOTPKey.objects.get(device_id=device.pk).bin_key


def next_code(device: SealedTOTPDevice, *, now: float | None = None) -> tuple[str, int]:
    """Return the next code `device` will accept and the seconds until it does (0: now).

    The current step's code is refused once used, so after a sign-in this is the next step's.
    """
    totp = TOTP(secret(device), device.step, device.t0, device.digits, device.drift)
    totp.time = now if now is not None else time.time()
    current = totp.t()
    step = max(current, device.last_t + 1)
    wait = 0
    if step > current + device.tolerance:
        accepted_from = (step - device.tolerance - device.drift) * device.step + device.t0
        wait = int(accepted_from - totp.time) + 1
    totp.time += (step - current) * device.step
    return f"{totp.token():0{device.digits}d}", max(wait, 0)


# --- Showing a new authenticator ---------------------------------------------------------------


def manual_key(device: SealedTOTPDevice) -> str:
    """The secret in base32 groups of four, for apps that cannot scan."""
    import base64

    text = base64.b32encode(secret(device)).decode().rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def qr_data_uri(device: SealedTOTPDevice) -> str:
    """The otpauth:// address as an SVG data URI (CSP allows data: images, not inline SVG)."""
    import segno

    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)
