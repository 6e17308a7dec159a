"""The one place powers change: nobody changes their own, and powerful grants need two admins.

Removals take effect at once; a powerful grant (POWERFUL_GROUPS, a team's supervision, a seat on
an MDT panel, which opens the agenda cases' summaries) is a PowerRequest that does nothing until
a second, different admin approves it. The superuser flag is never set here (createsuperuser,
at installation, is the only way; signals.py records it).
"""

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import events
from casework import access, roles
from casework.accounts import sessions
from casework.accounts.models import PowerRequest
from casework.models import TeamMembership
from casework.panels import services as panel_services
from casework.panels.models import PanelMember
from casework.refusals import Refused

POWERFUL_GROUPS = frozenset({
    roles.ADMIN, roles.AUDITOR, roles.SUPERVISOR,
    roles.COMPARTMENT_LAW_ENFORCEMENT, roles.COMPARTMENT_HEALTH,
})


class SelfChangeRefused(PermissionDenied):
    """Nobody changes their own roles, groups, memberships, flags or active status."""


class ApprovalRefused(PermissionDenied):
    """The approver asked for it, is the person it is for, or it was decided already."""


def may_administer(user) -> bool:
    return user.is_active and (user.is_superuser or roles.has(user, roles.ADMIN))


def refuse_self(user, *, actor) -> None:
    if user.pk == actor.pk:
        raise SelfChangeRefused


@transaction.atomic
def change_groups(user, groups, *, actor) -> list[PowerRequest]:
    """Make `user`'s groups `groups`: removals and ordinary roles now, powerful ones pending."""
    refuse_self(user, actor=actor)
    current, wanted = set(user.groups.all()), set(groups)
    removed = current - wanted
    if removed:
        user.groups.remove(*removed)
        if any(g.name == roles.ADMIN for g in removed) and user.is_staff:
            user.is_staff = False
            user.save(update_fields=["is_staff"])
        # A revocation applies on the user's next request: end their sessions too.
        sessions.end_sessions(user, actor=actor)
    added = wanted - current
    ordinary = [g for g in added if g.name not in POWERFUL_GROUPS]
    if ordinary:
        user.groups.add(*ordinary)
        if not removed:  # a role change of any kind: the user signs in again to the new one
            sessions.end_sessions(user, actor=actor)
    return [request_power(user, actor=actor, group=g) for g in added
            if g.name in POWERFUL_GROUPS]


@transaction.atomic
def request_power(user, *, actor, group: Group | None = None, team=None, panel=None,
                  panel_role: str = "") -> PowerRequest:
    refuse_self(user, actor=actor)
    request, created = PowerRequest.objects.get_or_create(
        user=user, group=group, team=team, panel=panel, panel_role=panel_role,
        status=PowerRequest.Status.PENDING, defaults={"requested_by": actor},
    )
    if created:
        events.record(events.POWER_REQUESTED, instance=user, actor=actor, request=request.pk,
                      power=request.power)
    return request


@transaction.atomic
def approve(request: PowerRequest, *, actor) -> PowerRequest:
    """Apply the grant, as the second admin."""
    _check_decider(request, actor)
    if request.group_id:
        request.user.groups.add(request.group)
        if request.group.name == roles.ADMIN and not request.user.is_staff:
            request.user.is_staff = True
            request.user.save(update_fields=["is_staff"])
        sessions.end_sessions(request.user, actor=actor)  # a role change ends their sessions
    elif request.panel_id:
        # The panel's own rule applies too: only MDT members and supervisors sit on a panel.
        panel_services.add_member(request.panel, request.user, role=request.panel_role)
    else:
        TeamMembership.objects.update_or_create(
            team=request.team, user=request.user,
            defaults={"role": TeamMembership.Role.SUPERVISOR},
        )
    return _decide(request, PowerRequest.Status.APPROVED, events.POWER_APPROVED, actor)


@transaction.atomic
def request_panel_seat(user, panel, *, role: str, actor) -> PowerRequest | None:
    """Ask for `user` to sit on `panel` as `role`; None if they already do, as that role."""
    refuse_self(user, actor=actor)
    if not access.can_use_mdt(user):
        raise Refused([_("Only MDT members and supervisors sit on a panel.")])
    if PanelMember.objects.filter(panel=panel, user=user, role=role, is_active=True).exists():
        return None
    return request_power(user, actor=actor, panel=panel, panel_role=role)


@transaction.atomic
def remove_panel_seat(member: PanelMember, *, actor, delete: bool = False) -> None:
    """End a seat now (the next request no longer shows the panel's summaries), on the chain."""
    refuse_self(member.user, actor=actor)
    seat = PanelMember.objects.select_for_update().filter(pk=member.pk).first()
    if seat is None or not (seat.is_active or delete):
        return
    if delete:
        seat.delete()
    else:
        seat.is_active = False
        seat.save(update_fields=["is_active"])
    events.record(events.POWER_CHANGED, instance=member.user, actor=actor,
                  change="panel_seat_removed", panel=member.panel_id, role=member.role)


@transaction.atomic
def refuse(request: PowerRequest, *, actor) -> PowerRequest:
    _check_decider(request, actor)
    return _decide(request, PowerRequest.Status.REFUSED, events.POWER_REFUSED, actor)


def check_second_admin(request, *, actor) -> None:
    """Refuse unless `actor` may decide `request` under the two-person rule.

    Any pending request with `status`, `requested_by_id` and `user_id` (a PowerRequest, or an
    API client request, which is for nobody) is decided by the same rule.
    """
    _check_decider(request, actor)


def _check_decider(request, actor) -> None:
    if not may_administer(actor):
        raise PermissionDenied
    if request.status != PowerRequest.Status.PENDING:
        raise ApprovalRefused
    if actor.pk in (request.requested_by_id, request.user_id):
        raise ApprovalRefused


def _decide(request, status, event, actor) -> PowerRequest:
    request.status = status
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at"])
    events.record(event, instance=request.user, actor=actor, request=request.pk,
                  power=request.power, requested_by=request.requested_by_id)
    return request
