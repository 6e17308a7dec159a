"""The weekly multidisciplinary team (MDT) review: panels, meetings, agendas and the record.

The tables keep the names they had when these models lived in the casework app
(`casework_meeting`, ...): the move to this app changed no table (mdt/migrations/0001, 0002).
Every write goes through mdt.workflow; who may see what is decided in mdt.access.

Nothing here shows personal data in `__str__`: auditlog stores it as the object's name.
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.registry import audited
from casework.crypto import EncryptedCharField, EncryptedTextField


def default_meeting_time() -> datetime.time:
    return datetime.time.fromisoformat(settings.MDT_MEETING_TIME)


def default_meeting_weekday() -> int:
    return settings.MDT_MEETING_WEEKDAY


@audited(m2m=("teams",))
class Panel(models.Model):
    """A standing multidisciplinary team that reviews the cases of some teams every week."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")

    name = models.CharField(_("name"), max_length=120, unique=True)
    # The agenda job draws candidates from these teams' cases only.
    teams = models.ManyToManyField(
        "casework.Team", related_name="panels", verbose_name=_("teams reviewed")
    )
    weekday = models.PositiveSmallIntegerField(
        _("meets on"), choices=Weekday, default=default_meeting_weekday
    )
    time = models.TimeField(_("at"), default=default_meeting_time)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        db_table = "casework_panel"
        ordering = ["name"]
        verbose_name = _("MDT panel")

    def __str__(self):
        return self.name

    def next_meeting_at(self, after: datetime.datetime) -> datetime.datetime:
        """The first regular meeting time strictly after `after` (weekly by default)."""
        local = timezone.localtime(after)
        day = local.date() + datetime.timedelta(days=(self.weekday - local.weekday()) % 7)
        at = timezone.make_aware(datetime.datetime.combine(day, self.time))
        return at if at > after else at + datetime.timedelta(days=7)


@audited
class PanelMember(models.Model):
    class Role(models.TextChoices):
        CHAIR = "chair", _("Chair")
        SECRETARY = "secretary", _("Secretary")
        SOCIAL_SERVICES = "social_services", _("Social services")
        MENTAL_HEALTH = "mental_health", _("Mental health")
        EDUCATION = "education", _("Education")
        LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement liaison")
        PROBATION = "probation", _("Probation and parole")
        FAITH_COMMUNITY = "faith_community", _("Faith and community")

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="panel_memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        db_table = "casework_panelmember"
        ordering = ["panel", "role", "pk"]
        verbose_name = _("MDT panel member")
        constraints = [
            models.UniqueConstraint(fields=["panel", "user"], name="panel_member_unique")
        ]
        # Serves access.visible_meetings(user): user_id = ? AND is_active.
        indexes = [models.Index(fields=["user", "is_active"], name="panel_member_user")]

    def __str__(self):
        return f"panel member {self.pk}"


@audited
class Meeting(models.Model):
    """One sitting of a panel. The agenda is drafted, published, walked, then minuted.

    Publishing opens members' view of the agenda cases' summaries; finalising the minutes
    starts the grace period after which it closes (casework.access.mdt_window_open).
    """

    # Optimistic locking of the agenda (casework.revisions): bumped by every change to its items
    # and by publishing, so the chair never publishes or changes an agenda they have not seen.
    revision = models.PositiveIntegerField(default=0, db_default=0, editable=False)

    panel = models.ForeignKey(Panel, on_delete=models.PROTECT, related_name="meetings")
    scheduled_for = models.DateTimeField(_("date and time"))
    agenda_drafted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(_("agenda published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "casework_meeting"
        ordering = ["-scheduled_for", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["panel", "scheduled_for"], name="meeting_panel_time_unique"
            )
        ]
        # Serves the meeting list and "the previous/next meeting of this panel".
        indexes = [models.Index(fields=["panel", "scheduled_for"], name="meeting_panel_time")]

    def __str__(self):
        return f"meeting {self.pk}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


# Why a case is on an agenda, by code (AgendaItem.reasons); the rules are mdt.agenda.
REASONS = {
    "new_case": _("New case awaiting a panel decision"),
    "plan_approval": _("Service plan awaiting MDT approval"),
    "review_due": _("Review due before the next meeting"),
    "risk_up": _("Risk level went up since the last review"),
    "closure_proposed": _("Proposed closure: every plan goal achieved"),
    "stuck_stage": _("Stuck: longer in its stage than the time limit"),
    "stuck_referral": _("Stuck: a provider referral has had no answer"),
    "manual": _("Added by the chair"),
}


class Dropped(models.TextChoices):
    """Why re-drafting took an item off the agenda."""

    CLOSED = "closed", _("The case has been closed")
    SCREENED_OUT = "screened_out", _("The case was screened out")
    NO_LONGER_DUE = "no_longer_due", _("The case no longer meets any agenda rule")


@audited
class AgendaItem(models.Model):
    """A case on a meeting's agenda and why it is there.

    `reasons` holds the reason codes (REASONS) and `detail` a short human explanation
    built from facts without personal data (stage, dates, risk levels). Removing an item keeps
    the row, so the job does not put back what the chair took off.
    """

    class Source(models.TextChoices):
        JOB = "job", _("Drafted from the caseload")
        MANUAL = "manual", _("Added by the chair")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    case = models.ForeignKey(
        "casework.Case", on_delete=models.PROTECT, related_name="mdt_agenda_items"
    )
    reasons = models.JSONField(default=list)
    # Chair-written reasons are free text, so the column is encrypted like any narrative field.
    detail = EncryptedCharField(max_length=500, blank=True, default="")
    source = models.CharField(max_length=10, choices=Source, default=Source.JOB)
    order = models.PositiveIntegerField(default=0)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)
    removed = models.BooleanField(default=False)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)
    # Set when re-drafting took a job-drafted item off because its case no longer qualifies
    # (removed_by is then empty); cleared if the case qualifies again at a later draft.
    dropped_because = models.CharField(
        max_length=20, choices=Dropped.choices, blank=True, default=""
    )

    class Meta:
        db_table = "casework_agendaitem"
        ordering = ["meeting", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "case"], name="agenda_item_case_unique")
        ]
        # Serves the meeting page: meeting_id = ? AND NOT removed ORDER BY order.
        indexes = [
            models.Index(fields=["meeting", "removed", "order"], name="agenda_item_meeting"),
            models.Index(fields=["case", "meeting"], name="agenda_item_case"),
        ]

    def __str__(self):
        return f"agenda item {self.pk}"

    @property
    def reason_labels(self) -> list[str]:
        return [str(REASONS.get(code, code)) for code in self.reasons]

    @property
    def written_minutes(self) -> "ItemMinutes | None":
        """The item's minutes row, or None before anything was minuted on it (no query when
        the read selected `minutes`)."""
        try:
            return self.minutes
        except models.ObjectDoesNotExist:
            return None


@audited
class ConflictDeclaration(models.Model):
    """A member's declared conflict of interest on an item: they never see that item."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="conflicts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    declared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "casework_conflictdeclaration"
        constraints = [
            models.UniqueConstraint(fields=["item", "user"], name="conflict_item_user_unique")
        ]
        # Serves access_agenda_item: the unique index (item_id, user_id) answers it.

    def __str__(self):
        return f"conflict {self.pk}"


@audited
class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        APOLOGIES = "apologies", _("Apologies")
        ABSENT = "absent", _("Absent")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(PanelMember, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("attendance"), max_length=20, choices=Status)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "casework_attendance"
        ordering = ["meeting", "member__role", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="attendance_unique")
        ]

    def __str__(self):
        return f"attendance {self.pk}"


def _record_is_locked(item_id) -> bool:
    """Whether the minutes of the item's meeting are finalised (one indexed query)."""
    return Minutes.objects.filter(
        meeting__items__pk=item_id, finalised_at__isnull=False
    ).exists()


class LockedWithTheMinutes(models.Model):
    """Decisions and actions are part of the record: once it is finalised they never change."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if _record_is_locked(self.item_id):
            raise MinutesLocked("The minutes are finalised; annotate them instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if _record_is_locked(self.item_id):
            raise MinutesLocked("The minutes are finalised; annotate them instead.")
        return super().delete(*args, **kwargs)


@audited
class Decision(LockedWithTheMinutes):
    """The panel's decision on an item. Approving a plan or a closure, escalating and opening the
    case moved it through casework.workflow as `recorded_by`; `effect` names what it did."""

    class Kind(models.TextChoices):
        APPROVE_PLAN = "approve_plan", _("Approve the service plan")
        APPROVE_CLOSURE = "approve_closure", _("Approve closure")
        OPEN_CASE = "open_case", _("Open the case")
        CONTINUE = "continue", _("Continue as planned")
        ESCALATE = "escalate", _("Escalate")
        MORE_INFORMATION = "more_information", _("Request more information")
        OTHER = "other", _("Other")

    item = models.OneToOneField(AgendaItem, on_delete=models.CASCADE, related_name="decision")
    kind = models.CharField(_("decision"), max_length=20, choices=Kind)
    rationale = EncryptedTextField(_("rationale"))
    effect = models.CharField(max_length=40, blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "casework_decision"

    def __str__(self):
        return f"decision {self.pk}"


@audited
class ItemMinutes(LockedWithTheMinutes):
    """What was minuted on one agenda item, apart from the meeting's general notes.

    A member who declared a conflict on the item never reads it (mdt.access.may_read_item_minutes).
    Written on the minutes page as the meeting goes, locked with the minutes when they are
    finalised. The row is created at the first save, so an item with nothing minuted has none.
    """

    # Optimistic locking (casework.revisions): bumped by every save of the text.
    revision = models.PositiveIntegerField(default=0, db_default=0, editable=False)

    item = models.OneToOneField(AgendaItem, on_delete=models.CASCADE, related_name="minutes")
    text = EncryptedTextField(_("item minutes"), blank=True, default="")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # A table of this app's own (mdt_itemminutes): it never lived in casework.
        verbose_name = _("item minutes")
        verbose_name_plural = _("item minutes")

    def __str__(self):
        return f"item minutes {self.pk}"


@audited
class Action(LockedWithTheMinutes):
    """Something a person must do after the meeting; it is a casework Task in their list."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="actions")
    description = EncryptedCharField(_("action"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due on"))
    task = models.OneToOneField(
        "casework.Task", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "casework_action"
        ordering = ["item", "pk"]

    def __str__(self):
        return f"action {self.pk}"


class MinutesLocked(Exception):
    """Finalised minutes never change; add an annotation instead."""


@audited
class Minutes(models.Model):
    """The meeting's record, drafted as it goes, then finalised and locked for good."""

    # Optimistic locking (casework.revisions): bumped by every save of the text.
    revision = models.PositiveIntegerField(default=0, db_default=0, editable=False)

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="minutes")
    # The general notes; what is said on each item is its ItemMinutes.
    text = EncryptedTextField(_("general notes"), blank=True, default="")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)
    finalised_at = models.DateTimeField(null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        db_table = "casework_minutes"
        verbose_name_plural = _("minutes")

    def __str__(self):
        return f"minutes {self.pk}"

    def save(self, *args, **kwargs):
        # Locking is an invariant of the record, so it holds for every caller.
        # Re-saving identical content stays allowed: key rotation re-encrypts rows that way.
        if not self._state.adding:
            stored = type(self)._base_manager.filter(pk=self.pk).first()
            if stored is not None and stored.is_locked and any(
                getattr(stored, name) != getattr(self, name) for name in self._content_fields()
            ):
                raise MinutesLocked("Finalised minutes cannot be changed; annotate them.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_locked:
            raise MinutesLocked("Finalised minutes cannot be deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_locked(self) -> bool:
        return self.finalised_at is not None

    @staticmethod
    def _content_fields() -> tuple[str, ...]:
        return ("meeting_id", "text", "updated_by_id", "updated_at", "finalised_at",
                "finalised_by_id")


@audited
class Annotation(models.Model):
    """A note added to finalised minutes; the minutes themselves stay as they were."""

    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="annotations")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = EncryptedTextField(_("annotation"))
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "casework_annotation"
        ordering = ["written_at", "pk"]

    def __str__(self):
        return f"annotation {self.pk}"
