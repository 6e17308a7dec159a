"""The roles people hold, as Django groups created by a migration.

Groups carry no model-level permissions on case data: what a person may see is decided per case
by casework.access, never by a global `view_case`.
"""

from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from casework.compiled import CompiledQuery

INTAKE = "intake_coordinator"
CASEWORKER = "caseworker"
SUPERVISOR = "supervisor"
MDT = "mdt_member"
PROVIDER = "provider_staff"
AUDITOR = "auditor"
ADMIN = "admin"
# The framework's management team: aggregate measures only, never case content or people.
LEAD = "programme_lead"
# Answers people's requests about their own data (subject access, erasure) and legal holds; sees
# case content only through those requests, each decided with a second person.
PRIVACY_OFFICER = "privacy_officer"

LABELS = {
    INTAKE: _("Intake coordinator"),
    CASEWORKER: _("Caseworker"),
    SUPERVISOR: _("Supervisor"),
    MDT: _("MDT member"),
    PROVIDER: _("Provider staff"),
    AUDITOR: _("Auditor"),
    ADMIN: _("System admin"),
    LEAD: _("Programme lead"),
    PRIVACY_OFFICER: _("Privacy officer"),
}
ALL = tuple(LABELS)

# Staff who handle case content at all (everyone else is refused before any lookup).
CASE_STAFF = frozenset({INTAKE, CASEWORKER, SUPERVISOR})
# Staff who may enter a referral on someone's behalf.
REFERRAL_ENTRY = frozenset({INTAKE, CASEWORKER, SUPERVISOR})


# Compartments: disciplines whose notes only their own members read (casework.access). Groups
# like the roles, held in addition to a role; an admin adds people to them.
COMPARTMENT_LAW_ENFORCEMENT = "compartment_law_enforcement"
COMPARTMENT_HEALTH = "compartment_health"
COMPARTMENT_LABELS = {
    COMPARTMENT_LAW_ENFORCEMENT: _("Law enforcement compartment"),
    COMPARTMENT_HEALTH: _("Health compartment"),
}


def of(user) -> frozenset[str]:
    """Return the names of `user`'s roles, cached on the user object for the request."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_casework_roles", None)
    if cached is None:
        cached = frozenset(_GROUP_NAMES(user.pk))
        user._casework_roles = cached
    return cached


# Read on every request: compiled once per connection (casework.compiled).
_GROUP_NAMES = CompiledQuery(
    lambda user_id: Group.objects.filter(user__id=user_id).values_list("name", flat=True)
)


def has(user, *names: str) -> bool:
    return bool(of(user) & set(names))
