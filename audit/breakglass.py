"""Break-glass: a caseworker or supervisor opens a case they do not hold, in an emergency.

Access needs a written reason and the person's password again (step-up), lasts
BREAK_GLASS_MINUTES, is announced to the case's supervisors at once, and waits in the auditors'
review queue until an auditor or supervisor marks it justified or not.
"""

import datetime

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import events
from audit.emergency import EmergencyAccess
from casework import notify, roles

MAY_BREAK_GLASS = {roles.CASEWORKER, roles.SUPERVISOR}


class StepUpFailed(Exception):
    """The password given to confirm emergency access was wrong."""


def may_break_glass(user) -> bool:
    return bool(roles.of(user) & MAY_BREAK_GLASS)


def may_review(user) -> bool:
    return roles.has(user, roles.AUDITOR, roles.SUPERVISOR)


def request_emergency_access(reference: str, *, actor, reason: str, password: str):
    """Grant `actor` time-limited access to the case `reference`, or raise."""
    if not may_break_glass(actor):
        raise PermissionDenied
    if not actor.check_password(password):
        raise StepUpFailed
    case = apps.get_model("casework", "Case").objects.filter(reference=reference).first()
    if case is None:
        raise Http404
    now = timezone.now()
    with transaction.atomic():
        grant = EmergencyAccess.objects.create(
            case=case,
            user=actor,
            reason=reason.strip(),
            granted_at=now,
            expires_at=now + datetime.timedelta(minutes=settings.BREAK_GLASS_MINUTES),
        )
        events.record(events.BREAK_GLASS, instance=case, actor=actor, grant=grant.pk,
                      minutes=settings.BREAK_GLASS_MINUTES)
        transaction.on_commit(lambda: notify_supervisors(grant.pk))
    return grant


def notify_supervisors(grant_id: int) -> None:
    """Tell the case's supervisors at once; the notice names the case and user, nothing else."""
    grant = EmergencyAccess.objects.select_related("case", "user").get(pk=grant_id)
    membership = apps.get_model("casework", "TeamMembership")
    supervisors = [
        m.user for m in membership.objects.filter(team_id=grant.case.team_id, role="supervisor")
        .select_related("user") if m.user_id != grant.user_id
    ]
    message = _("Emergency access to case %(case)s was used by %(user)s.") % {
        "case": grant.case.reference, "user": grant.user.get_username(),
    }
    notify.notify(supervisors, message, grant.case.get_absolute_url(),
                  subject=_("Emergency access used"))


@transaction.atomic
def review_emergency_access(grant: EmergencyAccess, *, actor, justified: bool, note: str = ""):
    if not reviewable_by(actor).filter(pk=grant.pk).exists():
        raise PermissionDenied
    grant.reviewed_by = actor
    grant.reviewed_at = timezone.now()
    grant.justified = justified
    grant.review_note = note
    grant.save(update_fields=["reviewed_by", "reviewed_at", "justified", "review_note"])
    return grant


def reviewable_by(user):
    """Auditors review every use; a supervisor reviews uses on their teams' cases."""
    if roles.has(user, roles.AUDITOR):
        return EmergencyAccess.objects.all()
    if roles.has(user, roles.SUPERVISOR):
        teams = apps.get_model("casework", "TeamMembership").objects.filter(
            user=user, role="supervisor").values("team_id")
        return EmergencyAccess.objects.filter(case__team_id__in=teams).exclude(user=user)
    return EmergencyAccess.objects.none()


def active_grant(user, case):
    return EmergencyAccess.objects.active().filter(user=user, case=case).first()
