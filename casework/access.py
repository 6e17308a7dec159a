"""The access policy: the only answer to "may this user see or do this?".

Need-to-know, deny by default:
- a caseworker sees the cases they hold a per-case grant for (assignment grants it, reassignment
  revokes it; later features such as shared or emergency access add grants of their own);
- a supervisor sees every case of the teams they supervise;
- an intake coordinator sees a case while screening it: at intake, and only the first time. A
  case that comes back to intake (reopened, or resumed after an escalation) has a history, so it
  stays with its team (its last caseworker's grant and its supervisors) and is never opened to
  intake coordinators who had no part in it (SCREENING, in_screening);
- a case moves between teams only by an accepted transfer: the team arm follows `case.team`, so
  the old team loses it and the new team gains it at the next request;
- nobody else (MDT, provider staff, auditors, admins, superusers) sees case content: MDT panel
  members see the meeting summary of agenda cases for the length of a meeting (mdt/access.py),
  and provider staff the summary shared with their organisation (the section at the end).

Visibility is computed as a UNION of indexed id sets (visible_case_ids), never by loading cases
and testing each one, so a caseload costs what its rows cost at a thousand cases or a million.
Anything out of reach is a 404.
"""


from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone

from audit import access_log
from audit.emergency import EmergencyAccess
from casework import roles
from casework.compiled import CompiledQuery, CompiledSubquery
from casework.models import (
    Case,
    CaseNote,
    CaseUserObjectPermission,
    Task,
    Team,
    TeamMembership,
    Transfer,
)
from casework.transitions import CASE_TRANSITIONS
from providers.models import Membership, Organization
from referrals.models import BiasIncident, ProviderReferral, Referral

VIEW_CASE = "view_case"

# Need-to-know for intake coordinators, written once: a case they may screen is at intake and has
# never come back there (Case.returned_at, set by reopen and resume). SCREENING is the condition
# on the case table (the intake arm of _reach, read from the case_stage_age index); in_screening
# is the same rule for one case in hand (roles_on_case). tests/casework/test_need_to_know.py
# checks that the two agree for every stage.
SCREENING = Q(stage=Case.Stage.INTAKE, returned_at__isnull=True)


def in_screening(case: Case) -> bool:
    return case.stage == Case.Stage.INTAKE and case.returned_at is None

# Who may take each case transition, by the role they hold *in relation to the case*: declared
# with the rest of the transition in casework.transitions.
TRANSITION_ROLES = {name: t.roles for name, t in CASE_TRANSITIONS.items()}


def supervised_team_ids(user) -> QuerySet:
    return TeamMembership.objects.filter(
        user=user, role=TeamMembership.Role.SUPERVISOR
    ).values("team_id")


def granted_case_ids(user_id: int) -> QuerySet:
    return CaseUserObjectPermission.objects.filter(
        user_id=user_id, permission__codename=VIEW_CASE
    ).values("content_object_id")


def emergency_case_ids(user_id: int, at) -> QuerySet:
    """Cases opened through break-glass whose time has not run out at `at` (audit.breakglass)."""
    return EmergencyAccess.objects.active(at).filter(user_id=user_id).values("case_id")


def visible_case_ids(user) -> RawSQL | None:
    """The ids of the cases `user` may see: a UNION of one indexed id set per relationship.

    A UNION rather than an OR of `pk IN (...)` filters: PostgreSQL can only answer an OR of
    subqueries by testing every row of the case table (a sequential scan, 31 ms at 250,000
    cases), while each arm of the UNION is an index lookup bounded by its own answer, so the
    cost follows the caseload, not the table. Its SQL is made once per connection and shape of
    reach (it is on every case request). None when the user has no case role at all.
    """
    reach = _reach(user)
    if reach is None:
        return None
    values, shape = reach
    return _VISIBLE_IDS(*values, **shape)


def visible_cases(user) -> QuerySet:
    """Return the cases `user` may see: the case table entered by primary key from the ids."""
    ids = visible_case_ids(user)
    if ids is None:
        return Case.objects.none()
    return Case.objects.filter(pk__in=ids)


def visible_case_arms(user) -> list[Q]:
    """visible_cases as one condition on the case table per relationship: the team and intake
    arms first, since they can hold whole teams or the whole intake stage. A long list reads
    its page from each arm's own index and merges them (casework.selectors.caseload_page);
    empty when the user has no case role at all."""
    reach = _reach(user)
    if reach is None:
        return []
    values, shape = reach
    return [condition for condition, _ in _arms(*values, **shape)]


def _reach(user) -> tuple[tuple, dict] | None:
    """What decides `user`'s reach, as the values and the shape _arms takes: their id, the
    instant (break-glass runs out), the teams they supervise, whether they screen at intake.
    None without a case role."""
    held = roles.of(user)
    if not held & roles.CASE_STAFF:
        return None
    teams = sorted(supervised_team_id_set(user)) if roles.SUPERVISOR in held else []
    return (user.pk, timezone.now(), *teams), {"teams": len(teams),
                                                "intake": roles.INTAKE in held}


def _arms(user_id, now, *teams, intake: bool, **_shape) -> list[tuple[Q, QuerySet | None]]:
    """Each relationship through which a user reaches cases, widest first: as a condition on
    the case table, and as the id set the UNION reads where one exists without the case table
    (None: read the case table with the condition)."""
    arms = []
    if teams:
        arms.append((Q(team_id__in=teams), None))
    if intake:
        arms.append((SCREENING, None))
    for ids in (granted_case_ids(user_id).order_by(), emergency_case_ids(user_id, now).order_by()):
        arms.append((Q(pk__in=ids), ids))
    return arms


def _union_of_arms(*values, **shape) -> QuerySet:
    first, *others = [
        Case.objects.filter(condition).order_by().values("pk") if ids is None else ids
        for condition, ids in _arms(*values, **shape)
    ]
    return first.union(*others)


_VISIBLE_IDS = CompiledSubquery(_union_of_arms)
# The case a request names, if it is in reach: every case request starts here.
_CASE_IN_REACH = CompiledQuery(lambda reference, *values, **shape: Case.objects.filter(
    pk__in=_union_of_arms(*values, **shape), reference=reference,
).select_related("person", "team", "caseworker")[:1])


def reaches_widely(user) -> bool:
    """Whether `user`'s reach takes in whole teams or the whole intake stage."""
    return bool(roles.of(user) & {roles.SUPERVISOR, roles.INTAKE})


def relation_to_case(user, case: Case) -> str:
    """How `user` reaches `case`, stored on each read so auditors can judge it later."""
    related = roles_on_case(user, case)
    for role, relation in ((roles.CASEWORKER, "assigned"), (roles.SUPERVISOR, "supervisor"),
                           (roles.INTAKE, "intake")):
        if role in related:
            return relation
    if EmergencyAccess.objects.active().filter(user=user, case=case).exists():
        return "emergency"
    return "shared"


def access_case(user, reference: str, *, for_write: bool = False) -> Case:
    """Return the case if `user` may see it (and change it, with `for_write`), else raise 404."""
    reach = _reach(user)
    if reach is None:
        raise Http404
    values, shape = reach
    case = next(iter(_CASE_IN_REACH(reference, *values, **shape)), None)
    if case is None:
        raise Http404
    if for_write and not can_edit_case(user, case):
        raise Http404
    access_log.note_relation(case.pk, relation_to_case(user, case))
    return case


def roles_on_case(user, case: Case) -> set[str]:
    """Return the roles `user` holds in relation to this particular case."""
    held = roles.of(user)
    related = set()
    if roles.CASEWORKER in held and case.caseworker_id == user.pk:
        related.add(roles.CASEWORKER)
    if roles.SUPERVISOR in held and is_supervisor_of(user, case):
        related.add(roles.SUPERVISOR)
    if roles.INTAKE in held and in_screening(case):
        related.add(roles.INTAKE)
    return related


def supervised_team_id_set(user) -> set[int]:
    """The ids of the teams `user` supervises, read once and kept on the user for the request."""
    cache = getattr(user, "_supervised_team_ids", None)
    if cache is None:
        cache = set(supervised_team_ids(user).values_list("team_id", flat=True))
        user._supervised_team_ids = cache
    return cache


def is_supervisor_of(user, case: Case) -> bool:
    return case.team_id in supervised_team_id_set(user)


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


# Episodes and transfers ---------------------------------------------------------------------
#
# A person's earlier cases are outlined (dates, stages, closure reason) on every later case to
# whoever sees the later one; their content stays behind access_case for each of them, so it is
# a 404 to anyone without a relationship to that earlier case. A transfer is seen by the
# supervisors of the two teams; the receiving side sees only the offer (reference, pathway,
# stage, the reason) until it accepts, and nothing of the case's content.


def earlier_episodes(case: Case) -> QuerySet:
    """The person's cases opened before `case`, newest first: the outline, not their content."""
    return Case.objects.filter(person_id=case.person_id, opened_at__lt=case.opened_at).exclude(
        pk=case.pk
    ).order_by("-opened_at", "-pk")


def visible_among(user, case_ids) -> set[int]:
    """Which of `case_ids` `user` may open (one query, through visible_case_ids)."""
    ids = visible_case_ids(user)
    if ids is None or not case_ids:
        return set()
    return set(Case.objects.filter(pk__in=ids).filter(pk__in=list(case_ids))
               .values_list("pk", flat=True))


def can_request_transfer(user, case: Case) -> bool:
    """Offer an open case to another team: a supervisor of the case's team."""
    return not case.is_closed and roles.SUPERVISOR in roles_on_case(user, case)


def transfers_in(user) -> QuerySet:
    """Transfers offered to the teams `user` supervises."""
    if roles.SUPERVISOR not in roles.of(user):
        return Transfer.objects.none()
    return Transfer.objects.filter(to_team_id__in=sorted(supervised_team_id_set(user)))


def transfers_out(user) -> QuerySet:
    """Transfers the teams `user` supervises sent."""
    if roles.SUPERVISOR not in roles.of(user):
        return Transfer.objects.none()
    return Transfer.objects.filter(from_team_id__in=sorted(supervised_team_id_set(user)))


def can_list_transfers(user) -> bool:
    return roles.SUPERVISOR in roles.of(user)


def access_transfer(user, transfer_id: int) -> Transfer:
    """Return the transfer if `user` supervises its sending or receiving team, else raise 404."""
    if not can_list_transfers(user):
        raise Http404
    teams = supervised_team_id_set(user)
    transfer = (
        Transfer.objects.select_related("case", "from_team", "to_team", "requested_by",
                                        "decided_by", "assigned_to")
        .filter(pk=transfer_id).first()
    )
    if transfer is None or not {transfer.from_team_id, transfer.to_team_id} & teams:
        raise Http404
    side = "receiving" if transfer.to_team_id in teams else "sending"
    access_log.note_relation(transfer.case_id, f"transfer ({side})")
    return transfer


def is_receiving_supervisor(user, transfer: Transfer) -> bool:
    """Whether `user` supervises the team the case is offered to (who decides the offer)."""
    if roles.SUPERVISOR not in roles.of(user):
        return False
    return transfer.to_team_id in supervised_team_id_set(user)


def can_decide_transfer(user, transfer: Transfer) -> bool:
    """Accept or decline: a supervisor of the receiving team, while the offer stands."""
    return transfer.is_pending and is_receiving_supervisor(user, transfer)


# Casework in depth: assessments, notes, follow-up, tasks, the team view -------------------

# Which discipline's members may read a compartment note.
NOTE_COMPARTMENTS = {
    CaseNote.Sensitivity.LAW_ENFORCEMENT: roles.COMPARTMENT_LAW_ENFORCEMENT,
    CaseNote.Sensitivity.HEALTH: roles.COMPARTMENT_HEALTH,
}
# Stages in which an assessment may be started or reassessed.
ASSESSMENT_STAGES = (Case.Stage.ASSESSMENT, Case.Stage.SERVICE_PLAN, Case.Stage.FOLLOW_UP)


def can_assess(user, case: Case) -> bool:
    return case.stage in ASSESSMENT_STAGES and can_edit_records(user, case)


def can_sign_off_assessment(user, case: Case) -> bool:
    return roles.SUPERVISOR in roles_on_case(user, case)


def can_write_notes(user, case: Case) -> bool:
    """Anyone the case is open to in their role writes notes (on a closed case: its staff)."""
    return bool(roles_on_case(user, case))


def can_read_note(user, case: Case, note: CaseNote) -> bool:
    """Whether `user`, who already sees `case`, may read this note's text.

    Standard: yes. Restricted: only the assigned caseworker and the team's supervisor.
    Compartment (law enforcement, health): only members of that discipline.
    """
    if note.sensitivity == CaseNote.Sensitivity.RESTRICTED:
        return bool({roles.CASEWORKER, roles.SUPERVISOR} & roles_on_case(user, case))
    if note.sensitivity in NOTE_COMPARTMENTS:
        return roles.has(user, NOTE_COMPARTMENTS[note.sensitivity])
    return True


def can_know_note_exists(user, case: Case, note: CaseNote) -> bool:
    """Compartment notes show who holds them and when; restricted notes are simply absent."""
    return note.sensitivity != CaseNote.Sensitivity.RESTRICTED or can_read_note(user, case, note)


def visible_notes(user, case: Case) -> QuerySet:
    """The notes on `case` that `user` (who sees the case) may know exist, as a query: the same
    rule as can_know_note_exists, so a timeline can be cut to a page in the database."""
    return restrict_notes(case.notes.all(), hides_restricted_notes(user, case))


def hides_restricted_notes(user, case: Case) -> bool:
    """Restricted notes are known only to the case's caseworker and its supervisors."""
    return not {roles.CASEWORKER, roles.SUPERVISOR} & roles_on_case(user, case)


def restrict_notes(notes: QuerySet, hide_restricted: bool) -> QuerySet:
    return notes.exclude(sensitivity=CaseNote.Sensitivity.RESTRICTED) if hide_restricted else notes


def note_levels_for(user, case: Case) -> list[str]:
    """The sensitivity levels `user` may write on `case`: never one they could not read."""
    levels = [CaseNote.Sensitivity.STANDARD]
    if {roles.CASEWORKER, roles.SUPERVISOR} & roles_on_case(user, case):
        levels.append(CaseNote.Sensitivity.RESTRICTED)
    levels += [level for level, group in NOTE_COMPARTMENTS.items() if roles.has(user, group)]
    return levels


def access_note(user, case: Case, note_id: int) -> CaseNote:
    """Return the note if `user` (who sees `case`) may read it, else raise 404."""
    note = case.notes.select_related("author").filter(pk=note_id).first()
    if note is None or not can_read_note(user, case, note):
        raise Http404
    return note


def can_record_post_exit_review(user, case: Case) -> bool:
    return case.stage == Case.Stage.CLOSED and can_edit_case(user, case)


def can_manage_tasks(user, case: Case) -> bool:
    """Add tasks to a case: its caseworker and supervisor, while it is open."""
    return can_edit_records(user, case)


def can_complete_task(user, case: Case, task: Task) -> bool:
    return task.owner_id == user.pk or roles.SUPERVISOR in roles_on_case(user, case)


def team_cases(user) -> QuerySet:
    """The cases of the teams `user` supervises: the supervisor's part of visible_cases, for the
    team view. The team ids are read first (one small query, kept for the request), so the case
    query is a plain team_id filter that a page reads in order from the case_team_age index."""
    if roles.SUPERVISOR not in roles.of(user):
        return Case.objects.none()
    return Case.objects.filter(team_id__in=sorted(supervised_team_id_set(user)))


def supervised_teams(user) -> QuerySet:
    if roles.SUPERVISOR not in roles.of(user):
        return Team.objects.none()
    return Team.objects.filter(pk__in=supervised_team_ids(user))


def can_view_team(user) -> bool:
    return roles.SUPERVISOR in roles.of(user)


def can_enter_referral(user) -> bool:
    return roles.has(user, *roles.REFERRAL_ENTRY)


def can_open_cases(user) -> bool:
    return roles.has(user, roles.INTAKE, roles.SUPERVISOR)


def visible_referrals(user) -> QuerySet:
    """Intake coordinators and supervisors see every referral. Other staff and partners see the
    ones they entered, and caseworkers also those that opened or joined a case they may see."""
    if roles.has(user, roles.INTAKE, roles.SUPERVISOR):
        return Referral.objects.all()
    if can_enter_referral(user):
        # A UNION, as in visible_case_ids: an OR with a subquery would scan every referral.
        entered = Referral.objects.filter(entered_by=user).order_by().values("pk")
        case_ids = visible_case_ids(user)
        if case_ids is None:
            return Referral.objects.filter(pk__in=entered)
        on_cases = Referral.objects.filter(case_id__in=case_ids).order_by().values("pk")
        return Referral.objects.filter(pk__in=entered.union(on_cases))
    if can_make_partner_referral(user):
        return Referral.objects.filter(entered_by=user)
    return Referral.objects.none()


def access_referral(user, reference: str):
    referral = visible_referrals(user).filter(reference=reference).first()
    if referral is None:
        raise Http404
    return referral


# Referrals: partners, screening and bias-incident reports -----------------------------------


def can_make_partner_referral(user) -> bool:
    """Provider staff and partner agencies refer through the partner form."""
    return roles.has(user, roles.PROVIDER)


def can_list_own_referrals(user) -> bool:
    return can_enter_referral(user) or can_make_partner_referral(user)


def can_screen_referrals(user) -> bool:
    """The intake inbox and screening: intake coordinators and supervisors."""
    return roles.has(user, roles.INTAKE, roles.SUPERVISOR)


def can_screen_referral(user, referral) -> bool:
    return can_screen_referrals(user) and referral.is_awaiting_screening


def can_see_screening(user, referral) -> bool:
    """Decisions, checks and possible matches: screeners only, never the referrer."""
    return can_screen_referrals(user)


def can_triage_bias_reports(user) -> bool:
    return roles.has(user, roles.INTAKE, roles.SUPERVISOR)


def visible_bias_incidents(user) -> QuerySet:
    if can_triage_bias_reports(user):
        return BiasIncident.objects.all()
    return BiasIncident.objects.none()


def access_bias_incident(user, reference: str):
    incident = visible_bias_incidents(user).filter(reference=reference).first()
    if incident is None:
        raise Http404
    return incident


def can_view_bias_landscape(user) -> bool:
    """The landscape is for the management team: supervisors and the programme lead. Counts
    only, small ones hidden."""
    return roles.has(user, roles.SUPERVISOR, roles.LEAD)


def can_view_measures(user) -> bool:
    """The programme measures, their exports, publication and the prevention register are the
    programme lead's: aggregates across every team, never case content or a list of people."""
    return roles.has(user, roles.LEAD)


def can_read_audit_log(user) -> bool:
    return roles.has(user, roles.AUDITOR)


def can_view_data_inventory(user) -> bool:
    """The data inventory names fields, never values: administrators keep it, auditors check it."""
    return roles.has(user, roles.ADMIN, roles.AUDITOR)


# The providers directory: search, export, HSDS import, provider admins ------------------------


def can_search_directory(user) -> bool:
    """Search and export the directory: the people who plan services (case staff, the MDT, which
    records actions) and the system admin. Provider staff see their own organisation only;
    auditors read the log, not the directory."""
    return roles.has(user, *roles.CASE_STAFF, roles.MDT, roles.ADMIN)


def can_manage_directory(user) -> bool:
    """Import an HSDS file and follow its progress: the system admin."""
    return roles.has(user, roles.ADMIN)


def can_administer_providers(user) -> bool:
    """Reach the provider-admin pages at all (which organisations is then per membership)."""
    return roles.has(user, roles.PROVIDER)


def is_provider_admin_of(user, organization) -> bool:
    """Whether `user` is provider staff and an admin of `organization`."""
    if not can_administer_providers(user):
        return False
    return organization.memberships.filter(user=user, is_admin=True).exists()


def administered_organizations(user) -> QuerySet:
    if not can_administer_providers(user):
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user=user, memberships__is_admin=True)


def access_administered_organization(user, organization_id: int):
    """Return the organisation if `user` administers it; 404 otherwise, so ids reveal nothing."""
    organization = administered_organizations(user).filter(pk=organization_id).first()
    if organization is None:
        raise Http404
    return organization


# Provider referrals (closed loop) and the provider portal ------------------------------------
#
# Two sides. The sender's side is the case's own staff (its caseworker and the team's
# supervisor): they send and cancel, and see a case's referrals wherever they see the case.
# The provider's side is provider staff who are members of the receiving organisation: they
# see only referrals sent to their organisations, only the shared summary and only while an
# active sharing consent and the organisation's data-sharing agreement stand
# (ProviderReferralQuerySet.with_sharing), and they never reach a case.


def provider_organization_ids(user) -> QuerySet:
    """The organisations `user` works for, as a subquery (provider staff only)."""
    if not roles.has(user, roles.PROVIDER):
        return Membership.objects.none().values("organization_id")
    return Membership.objects.filter(user=user).values("organization_id")


def _member_of(user) -> set[int]:
    """The ids of `user`'s organisations, cached on the user object for the request."""
    cached = getattr(user, "_provider_organization_ids", None)
    if cached is None:
        cached = set(provider_organization_ids(user).values_list("organization_id", flat=True))
        user._provider_organization_ids = cached
    return cached


def is_provider_staff(user) -> bool:
    return roles.has(user, roles.PROVIDER)


def can_use_provider_portal(user) -> bool:
    return is_provider_staff(user)


def portal_referrals(user) -> QuerySet:
    """Referrals sent to `user`'s organisations, each marked `sharing_active`. One query."""
    if not is_provider_staff(user):
        return ProviderReferral.objects.none()
    return (
        ProviderReferral.objects.filter(organization_id__in=provider_organization_ids(user))
        .exclude(status=ProviderReferral.Status.DRAFT)
        .with_sharing()
    )


def sent_provider_referrals(user) -> QuerySet:
    """The provider referrals of the cases `user` may see (the sender's side)."""
    if not roles.has(user, *roles.CASE_STAFF):
        return ProviderReferral.objects.none()
    return ProviderReferral.objects.filter(case__in=visible_cases(user))


def can_list_sent_provider_referrals(user) -> bool:
    return roles.has(user, roles.CASEWORKER, roles.SUPERVISOR)


def access_provider_referral(user, reference: str):
    """Return the referral with `side` set to "sender" or "provider", else raise 404.

    The provider side gets it annotated with `sharing_active`; when that is False the page
    shows that access was withdrawn, and nothing of the summary.
    """
    referral = (
        sent_provider_referrals(user)
        .select_related("case", "service", "organization", "sent_by", "goal")
        .filter(reference=reference)
        .first()
    )
    if referral is not None:
        access_log.note_relation(referral.case_id, relation_to_case(user, referral.case))
        referral.side = "sender"
        return referral
    referral = (
        portal_referrals(user).select_related("service", "organization")
        .filter(reference=reference).first()
    )
    if referral is None:
        raise Http404
    access_log.note_relation(referral.case_id, "provider")
    referral.side = "provider"
    return referral


def can_send_provider_referral(user, case: Case) -> bool:
    """The case's caseworker or supervisor, while the case is open."""
    return can_edit_records(user, case)


def can_act_for_sender(user, referral) -> bool:
    return user is not None and can_edit_case(user, referral.case)


def can_act_for_provider(user, referral) -> bool:
    """Provider staff of the receiving organisation, while the summary is shared with it."""
    if user is None or not is_provider_staff(user):
        return False
    if referral.organization_id not in _member_of(user):
        return False
    sharing = getattr(referral, "sharing_active", None)
    if sharing is None:
        sharing = ProviderReferral.objects.with_sharing().filter(pk=referral.pk).values_list(
            "sharing_active", flat=True
        ).first()
    return bool(sharing)



# Transitions: the one permission check of every workflow ----------------------------------------
#
# django-fsm does not enforce `permission=`, so the models declare none: each workflow asks here
# before it takes a transition, and each page asks here before it offers one.

# Which side of a provider referral takes each transition; any other is the provider's.
PROVIDER_REFERRAL_SIDES = {"send": "sender", "cancel": "either", "expire": "system"}


def may_take_transition(user, obj, name: str) -> bool:
    """Whether `user` may take transition `name` of `obj`: a case, a referral, a bias-incident
    report or a provider referral. `user` is None for the beat task's time-driven moves."""
    if isinstance(obj, Case):
        return user is not None and can_take_transition(user, obj, name)
    if isinstance(obj, Referral):
        return user is not None and can_screen_referral(user, obj)
    if isinstance(obj, BiasIncident):
        return user is not None and can_triage_bias_reports(user)
    if isinstance(obj, ProviderReferral):
        return _may_move_provider_referral(user, obj, name)
    return False


def _may_move_provider_referral(user, referral, name: str) -> bool:
    side = PROVIDER_REFERRAL_SIDES.get(name, "provider")
    if side == "system":
        return user is None  # expiry is the beat task's, never a person's
    if side == "sender":
        return can_act_for_sender(user, referral)
    if side == "either":
        return can_act_for_sender(user, referral) or can_act_for_provider(user, referral)
    return can_act_for_provider(user, referral)


# MDT meetings: the rules are the mdt app's (mdt/access.py); the MDT pages are for these roles.


def can_use_mdt(user) -> bool:
    return roles.has(user, roles.MDT, roles.SUPERVISOR)


# People's requests about their data and legal holds (privacy/) -------------------------------


def can_handle_privacy_requests(user) -> bool:
    """Privacy officers: subject access, erasure requests and legal holds, each decision taken
    by a second one (privacy/holds.py, privacy/erasure.py, privacy/subject_access/)."""
    return roles.has(user, roles.PRIVACY_OFFICER)
