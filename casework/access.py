"""The access policy: the only answer to "may this user see or do this?".

Need-to-know, deny by default:
- a caseworker sees the cases they hold a per-case grant for (assignment grants it, reassignment
  revokes it; later features such as shared or emergency access add grants of their own);
- a supervisor sees every case of the teams they supervise;
- an intake coordinator sees cases while they are at intake;
- nobody else (MDT, provider staff, auditors, admins, superusers) sees case content.

Visibility is computed with indexed subqueries, never by loading cases and testing each one,
so a caseload costs the same at a thousand cases or a million. Anything out of reach is a 404.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from casework import roles
from casework.models import Case, CaseUserObjectPermission, TeamMembership

VIEW_CASE = "view_case"

# Who may take each transition, by the role they hold *in relation to the case*.
TRANSITION_ROLES = {
    "begin_assessment": {roles.CASEWORKER, roles.SUPERVISOR},
    "screen_out": {roles.INTAKE, roles.SUPERVISOR},
    "start_planning": {roles.CASEWORKER, roles.SUPERVISOR},
    "start_follow_up": {roles.CASEWORKER, roles.SUPERVISOR},
    "replan": {roles.CASEWORKER, roles.SUPERVISOR},
    "escalate": {roles.INTAKE, roles.CASEWORKER, roles.SUPERVISOR},
    "resume": {roles.SUPERVISOR},
    "close": {roles.SUPERVISOR},
    "reopen": {roles.SUPERVISOR},
}


def supervised_team_ids(user) -> QuerySet:
    return TeamMembership.objects.filter(
        user=user, role=TeamMembership.Role.SUPERVISOR
    ).values("team_id")


def granted_case_ids(user) -> QuerySet:
    return CaseUserObjectPermission.objects.filter(
        user=user, permission__codename=VIEW_CASE
    ).values("content_object_id")


def visible_cases(user) -> QuerySet:
    """Return the cases `user` may see, as one query with indexed subqueries."""
    held = roles.of(user)
    if not held & roles.CASE_STAFF:
        return Case.objects.none()
    reach = Q(pk__in=granted_case_ids(user))
    if roles.SUPERVISOR in held:
        reach |= Q(team_id__in=supervised_team_ids(user))
    if roles.INTAKE in held:
        reach |= Q(stage=Case.Stage.INTAKE)
    return Case.objects.filter(reach)


def access_case(user, reference: str, *, for_write: bool = False) -> Case:
    """Return the case if `user` may see it (and change it, with `for_write`), else raise 404."""
    case = (
        visible_cases(user)
        .select_related("person", "team", "caseworker")
        .filter(reference=reference)
        .first()
    )
    if case is None:
        raise Http404
    if for_write and not can_edit_case(user, case):
        raise Http404
    return case


def roles_on_case(user, case: Case) -> set[str]:
    """Return the roles `user` holds in relation to this particular case."""
    held = roles.of(user)
    related = set()
    if roles.CASEWORKER in held and case.caseworker_id == user.pk:
        related.add(roles.CASEWORKER)
    if roles.SUPERVISOR in held and is_supervisor_of(user, case):
        related.add(roles.SUPERVISOR)
    if roles.INTAKE in held and case.stage == Case.Stage.INTAKE:
        related.add(roles.INTAKE)
    return related


def is_supervisor_of(user, case: Case) -> bool:
    cache = getattr(user, "_supervised_team_ids", None)
    if cache is None:
        cache = set(supervised_team_ids(user).values_list("team_id", flat=True))
        user._supervised_team_ids = cache
    return case.team_id in cache


def can_take_transition(user, case: Case, name: str) -> bool:
    return bool(TRANSITION_ROLES.get(name, set()) & roles_on_case(user, case))


def can_edit_case(user, case: Case) -> bool:
    """Record consent, assessments, plans and follow-ups: the assigned caseworker or supervisor."""
    return bool({roles.CASEWORKER, roles.SUPERVISOR} & roles_on_case(user, case))


def can_edit_records(user, case: Case) -> bool:
    return not case.is_closed and can_edit_case(user, case)


def can_approve_plan(user, case: Case) -> bool:
    return roles.SUPERVISOR in roles_on_case(user, case)


def can_assign(user, case: Case) -> bool:
    return bool({roles.SUPERVISOR, roles.INTAKE} & roles_on_case(user, case))


def can_enter_referral(user) -> bool:
    return roles.has(user, *roles.REFERRAL_ENTRY)


def can_open_cases(user) -> bool:
    return roles.has(user, roles.INTAKE, roles.SUPERVISOR)


def visible_referrals(user) -> QuerySet:
    """Intake coordinators and supervisors see every referral; others only those they entered."""
    from referrals.models import Referral

    if roles.has(user, roles.INTAKE, roles.SUPERVISOR):
        return Referral.objects.all()
    if can_enter_referral(user):
        return Referral.objects.filter(entered_by=user)
    return Referral.objects.none()


def access_referral(user, reference: str):
    referral = visible_referrals(user).filter(reference=reference).first()
    if referral is None:
        raise Http404
    return referral


def can_read_audit_log(user) -> bool:
    return roles.has(user, roles.AUDITOR)
