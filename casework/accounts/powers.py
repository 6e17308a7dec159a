"""The one place powers change: nobody changes their own, and powerful grants need two admins.

Removals take effect at once; a powerful grant (POWERFUL_GROUPS, a team's supervision, a seat on
an MDT panel, which opens the agenda cases' summaries) is a PowerRequest that does nothing until
a second, different admin approves it. The superuser flag is never set here (createsuperuser,
at installation, is the only way; signals.py records it).
"""

from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import transaction
from django.utils import timezone

from audit import events
from casework import roles
from casework.accounts import sessions
from casework.accounts.models import PowerRequest
from casework.models import TeamMembership

# Seating a user on an MDT panel is the mdt app's verb (mdt.workflow.add_member); mdt.apps names
# it here when the app is ready, as casework never imports the app built on it.
_panel_seaters: list = []


def register_panel_seater(seat) -> None:
    """Name the function that seats a user on a panel once a second admin approves it."""
    if seat not in _panel_seaters:
        _panel_seaters.append(seat)


def _seat_on_panel(panel, user, *, role: str):
    if not _panel_seaters:
        raise ImproperlyConfigured("A panel seat was approved, but the mdt app is not installed.")
    return _panel_seaters[-1](panel, user, role=role)


POWERFUL_GROUPS = frozenset({
    roles.ADMIN, roles.AUDITOR, roles.SUPERVISOR, roles.PRIVACY_OFFICER,
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
        _seat_on_panel(request.panel, request.user, role=request.panel_role)
    else:
        TeamMembership.objects.update_or_create(
            team=request.team, user=request.user,
            defaults={"role": TeamMembership.Role.SUPERVISOR},
        )
    return _decide(request, PowerRequest.Status.APPROVED, events.POWER_APPROVED, actor)


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
