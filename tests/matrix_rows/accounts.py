"""Access-matrix rows for the sign-in pages (see tests/matrix_rows/__init__.py).

Everyone signed in manages their own sign-in and nobody else's, so every persona gets the same
answer. The personas have no authenticator: the verify page sends them to enrolment (GET) or
refuses the code (400), enrolment refuses a wrong first code (400), and recovery codes need an
authenticator (400). A wrong current password changes nothing (400).

Security keys: the personas have no factor yet, so the library's ceremonies hand out a challenge
(200) and refuse an answer to a challenge never asked for (400). The key under test is alice's
(she also has an authenticator app, so it is not her last factor): hers to remove, a 404 for
everyone else.
"""

from django.urls import reverse

from audit import events
from tests.matrix_kit import Target, everyone, signed_in

MATRIX: dict = {
    "mfa-verify": {"GET": signed_in(302), "POST": signed_in(400)},
    "mfa-setup": {"GET": signed_in(200), "POST": signed_in(400)},
    "account-security": {"GET": signed_in(200), "POST": signed_in(405)},
    # Each user's own language: theirs to choose, nobody else's.
    "account-language": {"GET": signed_in(405), "POST": signed_in(302)},
    # A visitor's language (the footer of public pages): anyone, POST only; it writes a cookie
    # and no row, and sends them back to the page with a 303.
    "language-visitor": {"GET": everyone(405), "POST": everyone(303)},
    "mfa-recovery-codes": {"GET": signed_in(405), "POST": signed_in(400)},
    "password-change": {"GET": signed_in(200), "POST": signed_in(400)},
    "account-sessions-end": {"GET": signed_in(405), "POST": signed_in(302)},
    # Sign-in locks: the system admin's (and the installation's superuser's) screen.
    "account-lockouts": {"GET": signed_in(403, adam=200, root=200), "POST": signed_in(405)},
    "account-lockout-release": {"GET": signed_in(405), "POST": signed_in(403, adam=302, root=302)},
    # Single sign-on is off by default: a 404 for everyone, anonymous included.
    "oidc-sign-in": {"GET": everyone(404), "POST": everyone(404)},
    "oidc-callback": {"GET": everyone(404), "POST": everyone(404)},
    "webauthn-add": {"GET": signed_in(200), "POST": signed_in(405)},
    "webauthn-added": {"GET": signed_in(302), "POST": signed_in(405)},
    "webauthn-remove": {"GET": signed_in(405), "POST": signed_in(404, alice=302)},
    "otp_webauthn:credential-registration-begin": {"GET": signed_in(405), "POST": signed_in(200)},
    "otp_webauthn:credential-registration-complete": {
        "GET": signed_in(405), "POST": signed_in(400)},
    "otp_webauthn:credential-authentication-begin": {
        "GET": signed_in(405), "POST": signed_in(200)},
    "otp_webauthn:credential-authentication-complete": {
        "GET": signed_in(405), "POST": signed_in(400)},
    "otp_webauthn:js-i18n-catalog": {"GET": signed_in(200), "POST": signed_in(405)},
}
MUTATING_ROUTES: tuple = ("mfa-recovery-codes", "account-sessions-end", "account-lockout-release",
                          "webauthn-remove")
OBJECT_ROUTES: tuple = ("webauthn-remove",)
PUBLIC_ROUTES: set = {"oidc-sign-in", "oidc-callback", "language-visitor"}
MAIN_PAGES: tuple = ("mfa-setup", "account-security", "password-change", "account-lockouts",
                     "webauthn-add")
CASE_CONTENT: set = set()
NO_CASE_CONTENT: set = {
    "mfa-verify", "mfa-setup", "account-security", "password-change", "account-lockouts",
    "webauthn-add", "otp_webauthn:js-i18n-catalog",
}

POSTS = {
    "mfa-verify": {"code": "000000"},
    "mfa-setup": {"code": "000000"},
    "password-change": {"old_password": "not-the-password", "new_password": "x" * 20},
    "account-language": {"language": "es"},
    "language-visitor": {"language": "es", "next": "/"},
}


def arrange(route, people, north) -> Target:
    if route == "account-lockout-release":
        from axes.models import AccessAttempt

        attempt = AccessAttempt.objects.create(
            username="someone", ip_address="192.0.2.1", user_agent="test", failures_since_start=5
        )
        return Target(reverse(route, args=[attempt.pk]), reverse(route, args=[999999]), {})
    if route == "webauthn-remove":
        from django_otp.plugins.otp_totp.models import TOTPDevice
        from django_otp_webauthn.models import WebAuthnCredential

        alice = people["alice"]
        TOTPDevice.objects.create(user=alice, name="Phone", confirmed=True)
        key = WebAuthnCredential.objects.create(
            user=alice, name="Key", credential_id=b"alice-key", public_key=b"-", sign_count=0)
        return Target(reverse(route, args=[key.pk]), reverse(route, args=[999999]), {})
    return Target(reverse(route), reverse(route), POSTS.get(route, {}))


def state() -> dict:
    from auditlog.models import LogEntry
    from django_otp_webauthn.models import WebAuthnCredential

    from casework.accounts import lockouts
    from casework.accounts.models import Preference

    # Locks in force, not every failure: a wrong step-up password counts one, by design.
    return {
        "security_keys": WebAuthnCredential.objects.count(),
        "sessions_ended": LogEntry.objects.filter(
            additional_data__event=events.SESSIONS_ENDED).count(),
        "sign_in_locks": lockouts.current_lockouts().count(),
        "language_choices": Preference.objects.count(),
    }
