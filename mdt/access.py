"""The MDT's access policy: panel members' time-limited view of agenda cases.

Panel membership is per panel (PanelMember). Only MDT members and supervisors use the MDT pages
(403 for other roles on the list, casework.access.can_use_mdt); a meeting, an item or a summary
outside the user's panels is a 404. Publishing the agenda opens members' view of each agenda
case's meeting summary (never full notes) until the minutes are finalised plus
settings.MDT_GRACE_PERIOD_HOURS; a member who declared a conflict on an item never sees it. The
chair shapes and publishes the agenda; the secretary records attendance, decisions, actions and
minutes; a supervisor who sits on the panel may do both. Decisions that move a case are also
checked by the case workflow.
"""

import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from audit import access_log
from casework import roles
from casework.access import can_use_mdt
from mdt.models import AgendaItem, ConflictDeclaration, Meeting, PanelMember

__all__ = ["can_use_mdt"]  # the role check stays casework's (its navigation reads it)

MDT_ORGANISERS = {PanelMember.Role.CHAIR, PanelMember.Role.SECRETARY}


def mdt_panel_ids(user) -> QuerySet:
    return PanelMember.objects.filter(user=user, is_active=True).values("panel_id")


def visible_meetings(user) -> QuerySet:
    """The meetings of the active panels `user` sits on (one query, indexed subquery)."""
    if not can_use_mdt(user):
        return Meeting.objects.none()
    return Meeting.objects.filter(panel__in=mdt_panel_ids(user), panel__is_active=True)


def access_meeting(user, meeting_id: int) -> Meeting:
    meeting = (
        visible_meetings(user).select_related("panel", "minutes").filter(pk=meeting_id).first()
    )
    if meeting is None:
        raise Http404
    return meeting


def mdt_membership(user, meeting: Meeting) -> PanelMember | None:
    cache = getattr(user, "_mdt_memberships", None)
    if cache is None:
        cache = user._mdt_memberships = {}
    if meeting.panel_id not in cache:
        cache[meeting.panel_id] = PanelMember.objects.filter(
            user=user, panel_id=meeting.panel_id, is_active=True
        ).first()
    return cache[meeting.panel_id]


def _mdt_role(user, meeting: Meeting) -> str | None:
    member = mdt_membership(user, meeting) if can_use_mdt(user) else None
    return member.role if member else None


def can_chair(user, meeting: Meeting) -> bool:
    """Draft, add and remove agenda items, and publish: the chair, or a supervisor member."""
    role = _mdt_role(user, meeting)
    if role is None:
        return False
    return role == PanelMember.Role.CHAIR or roles.SUPERVISOR in roles.of(user)


def can_minute(user, meeting: Meeting) -> bool:
    """Attendance, decisions, actions, minutes: the secretary, or a supervisor member."""
    role = _mdt_role(user, meeting)
    if role is None:
        return False
    return role == PanelMember.Role.SECRETARY or roles.SUPERVISOR in roles.of(user)


def can_annotate(user, meeting: Meeting) -> bool:
    return can_chair(user, meeting) or can_minute(user, meeting)


def mdt_grace() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.MDT_GRACE_PERIOD_HOURS)


def mdt_window_open(meeting: Meeting, now=None) -> bool:
    """Members see agenda cases from publication until finalisation plus the grace period."""
    now = now or timezone.now()
    if meeting.published_at is None or now < meeting.published_at:
        return False
    finalised_at = meeting.minutes.finalised_at
    return finalised_at is None or now < finalised_at + mdt_grace()


def has_conflict(user, item: AgendaItem) -> bool:
    return ConflictDeclaration.objects.filter(item=item, user=user).exists()


def conflicted_item_ids(user, meeting: Meeting) -> set[int]:
    return set(
        ConflictDeclaration.objects.filter(item__meeting=meeting, user=user).values_list(
            "item_id", flat=True
        )
    )


def access_agenda_item(user, item_id: int, *, now=None) -> AgendaItem:
    """Return a published agenda item whose summary `user` may see now, else raise 404."""
    item = (
        AgendaItem.objects.filter(meeting__in=visible_meetings(user), removed=False, pk=item_id)
        .select_related("meeting__panel", "meeting__minutes", "case__person", "case__team")
        .first()
    )
    if item is None:
        raise Http404
    if not mdt_window_open(item.meeting, now):
        raise Http404
    if has_conflict(user, item):
        raise Http404
    access_log.note_relation(item.case_id, "mdt panel")
    return item


def access_agenda_item_to_arrange(user, item_id: int) -> AgendaItem:
    """An item of a meeting `user` sits on, for the chair's agenda work (no case content)."""
    item = (
        AgendaItem.objects.filter(meeting__in=visible_meetings(user), removed=False, pk=item_id)
        .select_related("meeting__panel", "meeting__minutes")
        .first()
    )
    if item is None:
        raise Http404
    return item


def can_read_minutes(user, meeting: Meeting, now=None) -> bool:
    """The chair and secretary keep the record; other members read it while the window is open."""
    return can_annotate(user, meeting) or mdt_window_open(meeting, now)


def may_read_item_minutes(user, item: AgendaItem, *, conflicted: set[int] | None = None,
                          now=None) -> bool:
    """Whether `user` reads what was minuted on `item` (its decision, actions and minutes).

    The one rule for the minutes page, the minutes PDF and the item's minutes route: whoever
    may read the meeting's minutes (can_read_minutes), unless they declared a conflict on the
    item, whatever their role. `conflicted` is conflicted_item_ids(user, meeting) when the
    caller has it (a page of items), else one indexed query answers it.
    """
    if item.removed or not can_read_minutes(user, item.meeting, now):
        return False
    if conflicted is None:
        return not has_conflict(user, item)
    return item.pk not in conflicted


def access_item_minutes(user, item_id: int, *, now=None) -> AgendaItem:
    """Return an agenda item whose minutes `user` may read, else raise 404."""
    item = (
        AgendaItem.objects.filter(meeting__in=visible_meetings(user), removed=False, pk=item_id)
        .select_related("meeting__panel", "meeting__minutes", "case", "decision", "minutes")
        .first()
    )
    if item is None or not may_read_item_minutes(user, item, now=now):
        raise Http404
    access_log.note_relation(item.case_id, "mdt panel")
    return item
