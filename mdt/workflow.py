"""Every write of the MDT review. Views, the agenda job and the demo data all come through here.

Each verb is atomic, takes the acting user as `actor` (the job passes none), checks the access
policy itself, and refuses with casework.workflow.TransitionRefused (messages a person can act
on) when the meeting's state does not allow it. A refusal changes nothing.
"""

import datetime
from collections.abc import Mapping

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from audit import events
from casework import revisions, roles, selectors
from casework import workflow as case_workflow
from casework.accounts import powers
from casework.accounts.models import PowerRequest
from casework.models import Case, Task
from casework.workflow import TransitionRefused
from mdt import access, agenda
from mdt.models import (
    Action,
    AgendaItem,
    Annotation,
    Attendance,
    ConflictDeclaration,
    Decision,
    Dropped,
    ItemMinutes,
    Meeting,
    Minutes,
    Panel,
    PanelMember,
)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _lock_meeting(meeting: Meeting) -> Meeting:
    """Hold the meeting row until the transaction ends, and read its state afresh.

    Publishing, finalising and recording all check the state first: without the lock, a decision
    could slip in after the secretary finalised the minutes in another request.
    """
    list(Meeting.objects.select_for_update().filter(pk=meeting.pk).values_list("pk", flat=True))
    meeting.refresh_from_db(fields=["published_at", "published_by", "agenda_drafted_at",
                                    "revision"])
    meeting.minutes.refresh_from_db()
    return meeting


def _require_not_finalised(meeting: Meeting) -> None:
    if meeting.minutes.is_locked:
        raise TransitionRefused([_("The minutes are finalised: add an annotation instead.")])


def _require_published(meeting: Meeting) -> None:
    if not meeting.is_published:
        raise TransitionRefused([_("Publish the agenda first.")])


def _require_draft(meeting: Meeting) -> None:
    if meeting.is_published:
        raise TransitionRefused([_("The agenda is published and can no longer change.")])


def _check_agenda(meeting: Meeting, seen_revision: int | None) -> None:
    """With the meeting locked: StaleEdit if the chair's page showed another agenda (an item
    added, removed or reordered, or the agenda published, since). Counts this change."""
    revisions.check(meeting, seen_revision)


def _agenda_changed(meeting: Meeting, *fields: str) -> None:
    meeting.save(update_fields=[*fields, "revision"])


# Meetings and the agenda ---------------------------------------------------------------------


@transaction.atomic
def schedule_meeting(panel: Panel, *, at: datetime.datetime | None = None) -> Meeting:
    """Schedule the panel's next regular meeting (or one at `at`); safe to repeat."""
    at = at or panel.next_meeting_at(timezone.now())
    meeting, created = Meeting.objects.get_or_create(panel=panel, scheduled_for=at)
    if created:
        Minutes.objects.create(meeting=meeting)
    return meeting


@transaction.atomic
def draft_agenda(meeting: Meeting, *, actor=None, now=None,
                 seen_revision: int | None = None) -> list[AgendaItem]:
    """Add every case the agenda rules select and the agenda lacks; return the new items.

    Reasons on items already there are brought up to date. A drafted item whose case no longer
    qualifies (closed, say) is taken off with the reason why (`dropped_because`), and put back
    if it qualifies again. Items the chair removed stay removed: the job never overrules the
    chair. Nothing changes once the agenda is published.
    The agenda's revision counts a run that changed anything (the job's included), so a
    chair's page from before it is stale.
    """
    if actor is not None:
        _require(access.can_chair(actor, meeting))
    _lock_meeting(meeting)
    _require_draft(meeting)
    if seen_revision is not None and seen_revision != meeting.revision:
        raise revisions.StaleEdit(meeting)
    changed = False
    found = agenda.agenda_candidates(meeting, now=now)
    existing = {item.case_id: item for item in meeting.items.select_related("case")}
    added = []
    for case_id, reasons in found.items():
        codes = [code for code, _detail in reasons]
        detail = " ".join(detail for _code, detail in reasons)[:500]
        item = existing.get(case_id)
        if item is None:
            added.append(AgendaItem.objects.create(
                meeting=meeting, case_id=case_id, reasons=codes, detail=detail,
                source=AgendaItem.Source.JOB, added_by=actor,
            ))
        elif item.removed and item.dropped_because:  # dropped by a draft, qualifies again
            item.removed, item.removed_at, item.dropped_because = False, None, ""
            item.reasons, item.detail = codes, detail
            item.save(update_fields=["removed", "removed_at", "dropped_because", "reasons",
                                     "detail"])
            changed = True
        elif not item.removed and item.source == AgendaItem.Source.JOB and (
            item.reasons != codes or item.detail != detail
        ):
            item.reasons, item.detail = codes, detail
            item.save(update_fields=["reasons", "detail"])
            changed = True
    for item in existing.values():
        if item.source == AgendaItem.Source.JOB and not item.removed and item.case_id not in found:
            item.removed, item.removed_at = True, now or timezone.now()
            item.dropped_because = _why_dropped(item.case)
            item.save(update_fields=["removed", "removed_at", "dropped_because"])
            changed = True
    changed = _renumber(meeting) or changed or bool(added)
    meeting.agenda_drafted_at = now or timezone.now()
    if changed:
        meeting.revision += 1
    _agenda_changed(meeting, "agenda_drafted_at")
    return added


def _why_dropped(case: Case) -> str:
    if case.stage == Case.Stage.CLOSED:
        return Dropped.CLOSED
    if case.stage == Case.Stage.SCREENED_OUT:
        return Dropped.SCREENED_OUT
    return Dropped.NO_LONGER_DUE


def _renumber(meeting: Meeting) -> bool:
    """Number the items in agenda order; True if any moved."""
    moved = False
    items = sorted(
        meeting.items.filter(removed=False).select_related("case"),
        key=lambda item: (agenda.sort_key(item.reasons), item.case.reference),
    )
    for position, item in enumerate(items, start=1):
        if item.order != position:
            item.order = position
            item.save(update_fields=["order"])
            moved = True
    return moved


@transaction.atomic
def add_item(meeting: Meeting, *, actor, reference: str, reason: str = "",
             seen_revision: int | None = None) -> AgendaItem:
    """Put a case of the panel's teams on the draft agenda by its reference."""
    _require(access.can_chair(actor, meeting))
    _lock_meeting(meeting)
    _require_draft(meeting)
    _check_agenda(meeting, seen_revision)
    case = (
        Case.objects.open()
        .filter(team__in=meeting.panel.teams.values("pk"), reference=reference.strip().upper())
        .first()
    )
    if case is None:
        raise TransitionRefused(
            [_("No open case of the panel's teams has that reference: check it and try again.")]
        )
    item = meeting.items.filter(case=case).first()
    if item is not None and not item.removed:
        raise TransitionRefused([_("That case is already on the agenda.")])
    if item is None:
        item = AgendaItem(meeting=meeting, case=case)
    item.removed, item.removed_by, item.removed_at = False, None, None
    item.source = AgendaItem.Source.MANUAL
    item.reasons = ["manual"]
    item.detail = reason.strip()[:500]
    item.added_by = actor
    item.added_at = timezone.now()
    item.save()
    _renumber(meeting)
    _agenda_changed(meeting)
    return item


@transaction.atomic
def remove_item(item: AgendaItem, *, actor, seen_revision: int | None = None) -> AgendaItem:
    """Take an item off the draft agenda (kept, marked removed, so the job leaves it off)."""
    meeting = item.meeting
    _require(access.can_chair(actor, meeting))
    _lock_meeting(meeting)
    _require_draft(meeting)
    _check_agenda(meeting, seen_revision)
    item.removed, item.removed_by, item.removed_at = True, actor, timezone.now()
    item.save(update_fields=["removed", "removed_by", "removed_at"])
    _renumber(meeting)
    _agenda_changed(meeting)
    return item


@transaction.atomic
def publish_agenda(meeting: Meeting, *, actor, now=None,
                   seen_revision: int | None = None) -> Meeting:
    """Publish the agenda: members may now see each agenda case's meeting summary.

    With `seen_revision`, only the agenda the chair's page showed is published: one changed
    since (the job added a case, another chair removed one) raises StaleEdit."""
    _require(access.can_chair(actor, meeting))
    _lock_meeting(meeting)
    _require_draft(meeting)
    _check_agenda(meeting, seen_revision)
    if not meeting.items.filter(removed=False).exists():
        raise TransitionRefused([_("Add at least one case before publishing the agenda.")])
    meeting.published_at = now or timezone.now()
    meeting.published_by = actor
    _agenda_changed(meeting, "published_at", "published_by")
    return meeting


# Running the meeting --------------------------------------------------------------------------


@transaction.atomic
def declare_conflict(item: AgendaItem, *, actor) -> ConflictDeclaration:
    """Declare a conflict of interest: from now on `actor` never sees this item."""
    meeting = item.meeting
    _require(access.mdt_membership(actor, meeting) is not None and access.can_use_mdt(actor))
    _lock_meeting(meeting)
    _require_not_finalised(meeting)
    declaration, _created = ConflictDeclaration.objects.get_or_create(item=item, user=actor)
    return declaration


@transaction.atomic
def record_attendance(meeting: Meeting, *, actor, statuses: dict[int, str]) -> list[Attendance]:
    """Record who attended: `statuses` maps panel member ids to an Attendance.Status."""
    _require(access.can_minute(actor, meeting))
    _lock_meeting(meeting)
    _require_not_finalised(meeting)
    members = {m.pk: m for m in meeting.panel.members.filter(is_active=True)}
    if set(statuses) - set(members):
        raise TransitionRefused([_("The attendance form is out of date: reload the page.")])
    if any(status not in Attendance.Status.values for status in statuses.values()):
        raise TransitionRefused([_("Choose present, apologies or absent for each member.")])
    rows = []
    for member_id, status in statuses.items():
        row, created = Attendance.objects.get_or_create(
            meeting=meeting, member=members[member_id],
            defaults={"status": status, "recorded_by": actor},
        )
        if not created and row.status != status:
            row.status, row.recorded_by, row.recorded_at = status, actor, timezone.now()
            row.save(update_fields=["status", "recorded_by", "recorded_at"])
        rows.append(row)
    return rows


@transaction.atomic
def record_decision(
    item: AgendaItem, *, actor, kind: str, rationale: str, closure_reason: str = ""
) -> Decision:
    """Record the panel's decision on an item, moving the case where the decision says so.

    Approving a plan, approving a closure, escalating and opening the case go through
    casework.workflow as `actor` (CASE_MOVES, with the rationale as the reason), so their
    conditions and permissions hold (approving and closing are a supervisor's on the case's
    team). If the workflow refuses, its message is raised and nothing is recorded.
    """
    meeting = item.meeting
    _require(access.can_minute(actor, meeting))
    _lock_meeting(meeting)
    _require_published(meeting)
    _require_not_finalised(meeting)
    if Decision.objects.filter(item=item).exists():
        raise TransitionRefused([_("A decision is already recorded on this item.")])
    if kind not in Decision.Kind.values:
        raise TransitionRefused([_("Choose a decision from the list.")])
    if not rationale.strip():
        raise TransitionRefused([_("Give the rationale for the decision.")])
    case = Case.objects.get(pk=item.case_id)
    effect = ""
    if kind == Decision.Kind.APPROVE_PLAN:
        effect = _approve_plan(case, meeting, actor=actor)
    elif kind in CASE_MOVES:
        effect = _move_case(case, CASE_MOVES[kind], actor=actor, rationale=rationale.strip(),
                            closure_reason=closure_reason)
    return Decision.objects.create(
        item=item, kind=kind, rationale=rationale.strip(), effect=effect, recorded_by=actor
    )


def _approve_plan(case: Case, meeting: Meeting, *, actor) -> str:
    plan = selectors.plan_awaiting_approval(case)
    if plan is None:
        raise TransitionRefused([_("This case has no service plan awaiting approval.")])
    try:
        case_workflow.approve_plan(
            plan, actor=actor, mdt_meeting_on=timezone.localdate(meeting.scheduled_for)
        )
    except PermissionDenied as denied:
        raise TransitionRefused([_(
            "Only a supervisor of the case's team can approve its plan: record the panel's "
            "view with another decision and give that supervisor an action."
        )]) from denied
    return "approve_plan"


# Decisions that move the case, by the case transition each takes (casework.transitions); the
# decision's rationale is the transition's reason, so the case's timeline says why it moved.
CASE_MOVES = {
    Decision.Kind.APPROVE_CLOSURE: "close",
    Decision.Kind.ESCALATE: "escalate",
    Decision.Kind.OPEN_CASE: "begin_assessment",
}


def _move_case(case: Case, name: str, *, actor, rationale: str, closure_reason: str) -> str:
    try:
        case_workflow.take_transition(
            case, name, actor=actor, reason=rationale, closure_reason=closure_reason
        )
    except PermissionDenied as denied:
        if name == "close":
            message = _("Only a supervisor of the case's team can close it: record the panel's "
                        "view with another decision and give that supervisor an action.")
        else:
            message = _("Only the case's caseworker or a supervisor of its team can move it: "
                        "record the panel's view with another decision and give them an action.")
        raise TransitionRefused([message]) from denied
    except case_workflow.StaleCase as stale:
        raise TransitionRefused(
            [_("The case changed stage since the page was loaded: reload and try again.")]
        ) from stale
    return name


@transaction.atomic
def add_action(item: AgendaItem, *, actor, description: str, owner, due_on) -> Action:
    """Give someone working the case an action; it becomes a task in their list."""
    meeting = item.meeting
    _require(access.can_minute(actor, meeting))
    _lock_meeting(meeting)
    _require_published(meeting)
    _require_not_finalised(meeting)
    case = Case.objects.select_related("caseworker").get(pk=item.case_id)
    if owner not in selectors.task_owners(case):
        raise TransitionRefused(
            [_("Choose the case's caseworker or a supervisor of its team as the owner.")]
        )
    if due_on < timezone.localdate():
        raise TransitionRefused([_("The due date cannot be in the past.")])
    if not description.strip():
        raise TransitionRefused([_("Say what needs doing.")])
    description = description.strip()
    task = Task.objects.create(
        case=case, owner=owner, kind=Task.Kind.OTHER,
        title=(_("MDT: %(action)s") % {"action": description})[:200],
        due_on=due_on, created_by=actor,
    )
    return Action.objects.create(
        item=item, description=description, owner=owner, due_on=due_on, task=task,
        created_by=actor,
    )


# The record ----------------------------------------------------------------------------------


# What the minutes page posts for each item: {item id: (text, revision the page showed)}.
ItemTexts = Mapping[int, tuple[str, int | None]]


def _write_item_minutes(meeting: Meeting, item_texts: ItemTexts, *, actor,
                        now: datetime.datetime) -> list[ItemMinutes]:
    """With the meeting locked: save each item's minutes whose text changed (an unchanged one
    is left as it is, so saving the page bumps and logs only what was edited).

    StaleEdit if an item's minutes were saved since the page with its revision was shown; a
    conflicted actor may not write an item they may not read."""
    if not item_texts:
        return []
    items = {
        item.pk: item
        for item in meeting.items.filter(removed=False, pk__in=list(item_texts))
        .select_related("minutes")
    }
    conflicted = access.conflicted_item_ids(actor, meeting)
    saved = []
    for item_id, (text, seen_revision) in item_texts.items():
        item = items.get(item_id)
        if item is None:
            raise TransitionRefused([_("The minutes form is out of date: reload the page.")])
        _require(item_id not in conflicted)
        row = item.written_minutes
        text = text.strip()
        if text == (row.text if row is not None else ""):
            continue
        _require_published(meeting)
        revisions.check(row, seen_revision)
        if row is None:
            row = ItemMinutes(item=item)
        row.text, row.updated_by, row.updated_at = text, actor, now
        row.save()
        saved.append(row)
    return saved


@transaction.atomic
def save_item_minutes(item: AgendaItem, *, actor, text: str,
                      seen_revision: int | None = None) -> ItemMinutes | None:
    """Save what was minuted on one item (None if its text was unchanged); StaleEdit if someone
    saved it since the page with `seen_revision` was shown."""
    meeting = item.meeting
    _require(access.can_minute(actor, meeting))
    _lock_meeting(meeting)
    _require_not_finalised(meeting)
    saved = _write_item_minutes(meeting, {item.pk: (text, seen_revision)}, actor=actor,
                                now=timezone.now())
    return saved[0] if saved else None


@transaction.atomic
def save_minutes(meeting: Meeting, *, actor, text: str, seen_revision: int | None = None,
                 item_texts: ItemTexts | None = None) -> Minutes:
    """Save the draft minutes as the meeting goes: the general notes and, in `item_texts`,
    each item's minutes. StaleEdit (and nothing saved) if someone saved the general notes or
    an edited item since the page that showed their revisions."""
    _require(access.can_minute(actor, meeting))
    _lock_meeting(meeting)
    _require_not_finalised(meeting)
    minutes = Minutes.objects.get(pk=meeting.minutes.pk)  # as stored, now the meeting is locked
    revisions.check(minutes, seen_revision)
    now = timezone.now()
    minutes.text = text.strip()
    minutes.updated_by, minutes.updated_at = actor, now
    minutes.save(update_fields=["text", "updated_by", "updated_at", "revision"])
    _write_item_minutes(meeting, item_texts or {}, actor=actor, now=now)
    return minutes


@transaction.atomic
def finalise_minutes(meeting: Meeting, *, actor, now=None, text: str | None = None,
                     seen_revision: int | None = None,
                     item_texts: ItemTexts | None = None) -> Minutes:
    """Finalise and lock the minutes, once the meeting has started and every item is decided.

    `text` (the general notes) and `item_texts` (each item's minutes), when given, are what the
    secretary has typed and are saved with the finalisation, so pressing Finalise never loses
    them (StaleEdit if someone saved them since the page with those revisions). A refusal saves
    nothing; the page shows the text again. From then on item minutes are locked too.
    """
    _require(access.can_minute(actor, meeting))
    _lock_meeting(meeting)
    _require_published(meeting)
    _require_not_finalised(meeting)
    now = now or timezone.now()
    minutes = Minutes.objects.get(pk=meeting.minutes.pk)  # as stored, now the meeting is locked
    if text is not None:
        revisions.check(minutes, seen_revision)
        minutes.text = text.strip()
        minutes.updated_by, minutes.updated_at = actor, now
    # Saved before the lock below, which would refuse them; a refusal rolls them back.
    _write_item_minutes(meeting, item_texts or {}, actor=actor, now=now)
    problems = []
    if now < meeting.scheduled_for:
        problems.append(_(
            "The meeting has not started yet (%(when)s): minutes are finalised once it has."
        ) % {"when": formats.date_format(timezone.localtime(meeting.scheduled_for),
                                         "DATETIME_FORMAT")})
    undecided = meeting.items.filter(removed=False, decision__isnull=True).count()
    if undecided:
        problems.append(_(
            "Record a decision on every agenda item before finalising (%(n)s without one)."
        ) % {"n": undecided})
    if not minutes.text.strip():
        problems.append(_("Write the general notes before finalising the minutes."))
    if problems:
        raise TransitionRefused(problems)
    minutes.finalised_at = now
    minutes.finalised_by = actor
    minutes.save()
    meeting.minutes = minutes
    return minutes


@transaction.atomic
def annotate(meeting: Meeting, *, actor, text: str) -> Annotation:
    """Add a note to finalised minutes (corrections, later developments)."""
    _require(access.can_annotate(actor, meeting))
    _lock_meeting(meeting)
    if not meeting.minutes.is_locked:
        raise TransitionRefused([_("Minutes are annotated once finalised: edit the draft.")])
    if not text.strip():
        raise TransitionRefused([_("Write the annotation.")])
    return Annotation.objects.create(minutes=meeting.minutes, author=actor, text=text.strip())


def add_member(panel: Panel, user, *, role: str) -> PanelMember:
    """Seat `user` on the panel (admin site and demo data); MDT members and supervisors only."""
    if not roles.has(user, roles.MDT, roles.SUPERVISOR):
        raise TransitionRefused([_("Only MDT members and supervisors sit on a panel.")])
    member, _created = PanelMember.objects.update_or_create(
        panel=panel, user=user, defaults={"role": role, "is_active": True}
    )
    return member


@transaction.atomic
def request_panel_seat(user, panel, *, role: str, actor) -> PowerRequest | None:
    """Ask for `user` to sit on `panel` as `role`; None if they already do, as that role.

    A seat opens the agenda cases' summaries, so it is a power: it waits for a second admin
    (casework.accounts.powers.approve, which seats them through add_member)."""
    powers.refuse_self(user, actor=actor)
    if not access.can_use_mdt(user):
        raise TransitionRefused([_("Only MDT members and supervisors sit on a panel.")])
    if PanelMember.objects.filter(panel=panel, user=user, role=role, is_active=True).exists():
        return None
    return powers.request_power(user, actor=actor, panel=panel, panel_role=role)


@transaction.atomic
def remove_panel_seat(member: PanelMember, *, actor, delete: bool = False) -> None:
    """End a seat now (the next request no longer shows the panel's summaries), on the chain."""
    powers.refuse_self(member.user, actor=actor)
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
