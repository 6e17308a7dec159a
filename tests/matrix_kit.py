"""The primitives of the access matrix, shared by its extension rows (tests/matrix_rows/)."""

from dataclasses import dataclass

from django.utils import timezone

LOGIN = "login"  # a 302 to the login page

PERSONAS = (
    "anonymous",  # not signed in
    "alice",  # caseworker, North; the case under test is assigned to her
    "bob",  # caseworker, North (same team, not assigned)
    "carol",  # caseworker, South
    "sam",  # supervisor of North
    "sofia",  # supervisor of South
    "ivy",  # intake coordinator
    "mo",  # MDT member
    "pat",  # provider staff
    "audrey",  # auditor
    "adam",  # system admin (is_staff)
    "root",  # superuser, holds no casework role
    "lee",  # programme lead: aggregate measures only
    "priya",  # privacy officer: people's requests about their data, legal holds
)
SIGNED_IN = PERSONAS[1:]
REFERRAL_ENTRY = ("alice", "bob", "carol", "sam", "sofia", "ivy")


def everyone(status, **exceptions):
    """Every persona, anonymous included, gets `status` unless named."""
    unknown = set(exceptions) - set(PERSONAS)
    assert not unknown, f"not a persona: {unknown}"
    return {persona: exceptions.get(persona, status) for persona in PERSONAS}


def signed_in(status, **exceptions):
    """Anonymous is sent to the login page; every signed-in persona gets `status` unless named."""
    return everyone(status, anonymous=LOGIN, **exceptions)


def only(personas, status):
    return dict.fromkeys(personas, status)


@dataclass
class Target:
    url: str
    missing_url: str  # the same route for a reference that does not exist
    data: dict


def today():
    return timezone.localdate().isoformat()
