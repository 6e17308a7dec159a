"""Access-matrix rows for the sign-in pages (see tests/matrix_rows/__init__.py).

Everyone signed in manages their own sign-in and nobody else's, so every persona gets the same
answer. The personas have no authenticator: the verify page sends them to enrolment (GET) or
refuses the code (400), enrolment refuses a wrong first code (400), and recovery codes need an
authenticator (400). A wrong current password changes nothing (400).
"""

from django.urls import reverse

from audit import events
from tests.matrix_kit import Target, signed_in

MATRIX: dict = {
    "mfa-verify": {"GET": signed_in(302), "POST": signed_in(400)},
    "mfa-setup": {"GET": signed_in(200), "POST": signed_in(400)},
    "account-security": {"GET": signed_in(200), "POST": signed_in(405)},
    "mfa-recovery-codes": {"GET": signed_in(405), "POST": signed_in(400)},
    "password-change": {"GET": signed_in(200), "POST": signed_in(400)},
    "account-sessions-end": {"GET": signed_in(405), "POST": signed_in(302)},
    # Sign-in locks: the system admin's (and the installation's superuser's) screen.
    "account-lockouts": {"GET": signed_in(403, adam=200, root=200), "POST": signed_in(405)},
    "account-lockout-release": {"GET": signed_in(405), "POST": signed_in(403, adam=302, root=302)},
}
MUTATING_ROUTES: tuple = ("mfa-recovery-codes", "account-sessions-end", "account-lockout-release")
OBJECT_ROUTES: tuple = ()
MAIN_PAGES: tuple = ("mfa-setup", "account-security", "password-change", "account-lockouts")
CASE_CONTENT: set = set()
NO_CASE_CONTENT: set = {
    "mfa-verify", "mfa-setup", "account-security", "password-change", "account-lockouts",
}

POSTS = {
    "mfa-verify": {"code": "000000"},
    "mfa-setup": {"code": "000000"},
    "password-change": {"old_password": "not-the-password", "new_password": "x" * 20},
}


def arrange(route, people, north) -> Target:
    if route == "account-lockout-release":
        from axes.models import AccessAttempt

        attempt = AccessAttempt.objects.create(
            username="someone", ip_address="192.0.2.1", user_agent="test", failures_since_start=5
        )
        return Target(reverse(route, args=[attempt.pk]), reverse(route, args=[999999]), {})
    return Target(reverse(route), reverse(route), POSTS.get(route, {}))


def state() -> dict:
    from auditlog.models import LogEntry

    from casework.accounts import lockouts

    # Locks in force, not every failure: a wrong step-up password counts one, by design.
    return {
        "sessions_ended": LogEntry.objects.filter(
            additional_data__event=events.SESSIONS_ENDED).count(),
        "sign_in_locks": lockouts.current_lockouts().count(),
    }
