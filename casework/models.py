"""The core domain: people, cases and their workflow, and the records the workflow needs.

Personal data and narrative fields are encrypted (casework.crypto); `__str__` never shows them,
because auditlog stores it as the object's name. `Case.stage` only changes through
casework.workflow, which checks permissions and conditions, saves, and records a CaseTransition.
"""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from audit.registry import audited
from casework import crypto
from casework.crypto import EncryptedCharField, EncryptedDateField, EncryptedTextField

# Crockford base32 without look-alikes: references are read aloud on the phone.
_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference(prefix: str) -> str:
    return prefix + "-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


def new_person_reference() -> str:
    return new_reference("P")


def new_case_reference() -> str:
    return new_reference("C")


class Pathway(models.TextChoices):
    PREVENTION = "prevention", _("Prevention")
    REENTRY = "reentry", _("Re-entry")


@audited
class Team(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


@audited
class TeamMembership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        SUPERVISOR = "supervisor", _("Supervisor")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role, default=Role.MEMBER)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="team_membership_unique")
        ]
        # Serves access.supervised_team_ids(user): user_id = ? AND role = 'supervisor'.
        indexes = [models.Index(fields=["user", "role"], name="team_membership_user_role")]

    def __str__(self):
        return f"team membership {self.pk}"


@audited
class Person(models.Model):
    """The subject of one or more cases. Every identifying field is encrypted."""

    reference = models.CharField(
        _("reference"), max_length=12, unique=True, default=new_person_reference, editable=False
    )
    first_name = EncryptedCharField(_("first name"), max_length=100)
    last_name = EncryptedCharField(_("last name"), max_length=100)
    date_of_birth = EncryptedDateField(_("date of birth"), null=True, blank=True)
    phone = EncryptedCharField(_("phone"), max_length=40, blank=True, default="")
    email = EncryptedCharField(_("email"), max_length=200, blank=True, default="")
    address = EncryptedTextField(_("address"), blank=True, default="")
    identifiers = EncryptedTextField(
        _("identifiers"), blank=True, default="", help_text=_("For example a corrections number.")
    )
    # Keyed blind indexes for exact-match search and duplicate detection (never shown, not logged).
    name_dob_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    name_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.reference

    def save(self, *args, **kwargs):
        # Derived columns, kept in step with the encrypted values they index.
        self.name_dob_index = crypto.name_dob_index(
            self.first_name, self.last_name, self.date_of_birth
        )
        self.name_index = crypto.name_index(self.first_name, self.last_name)
        self.phone_index = crypto.phone_index(self.phone)
        super().save(*args, **kwargs)

    @property
    def initials(self) -> str:
        return f"{self.first_name[:1]}{self.last_name[:1]}".upper()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@audited
class PersonAlias(models.Model):
    """Another name a person is known by, matched through its own blind index."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="aliases")
    name = EncryptedCharField(_("also known as"), max_length=200)
    name_index = models.CharField(max_length=64, db_index=True, editable=False)

    def __str__(self):
        return f"alias {self.pk}"

    def save(self, *args, **kwargs):
        self.name_index = crypto.name_index(self.name)
        super().save(*args, **kwargs)


# Transition conditions: pure reads of the case, each with the message a person can act on.


def condition(message):
    def mark(func):
        func.message = message
        return func

    return mark


@condition(_("Record the person's consent before starting the assessment."))
def has_active_consent(case) -> bool:
    return case.consents.filter(withdrawn_at__isnull=True).exists()


@condition(_("Complete an assessment before starting the service plan."))
def has_completed_assessment(case) -> bool:
    return case.assessments.filter(completed_at__isnull=False).exists()


@condition(_("The service plan must be approved and include at least one service."))
def has_approved_plan(case) -> bool:
    return case.plans.filter(approved_at__isnull=False, services__isnull=False).exists()


@condition(_("Choose a closure reason."))
def has_closure_reason(case) -> bool:
    return bool(case.closure_reason)


def transition_permission(name: str):
    """Build the permission callable for transition `name`; the rule lives in casework.access."""

    def check(case, user) -> bool:
        from casework import access

        return access.can_take_transition(user, case, name)

    return check


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(stage__in=Case.CLOSED_STAGES)


@audited
class Case(ConcurrentTransitionMixin, models.Model):
    """One episode of support for one person, from intake to closure."""

    class Stage(models.TextChoices):
        INTAKE = "intake", _("Intake")
        ASSESSMENT = "assessment", _("Assessment")
        SERVICE_PLAN = "service_plan", _("Service plan")
        FOLLOW_UP = "follow_up", _("Follow-up")
        CLOSED = "closed", _("Closed")
        SCREENED_OUT = "screened_out", _("Screened out")
        ESCALATED = "escalated", _("Escalated")

    class ClosureReason(models.TextChoices):
        GOALS_MET = "goals_met", _("Plan goals met")
        DISENGAGED = "disengaged", _("Person disengaged")
        MOVED = "moved", _("Moved out of the area")
        TRANSFERRED = "transferred", _("Transferred to another service")
        RISK_REMOVED = "risk_removed", _("Risk no longer present")
        OTHER = "other", _("Other")

    CLOSED_STAGES = (Stage.CLOSED, Stage.SCREENED_OUT)
    ACTIVE_STAGES = (Stage.INTAKE, Stage.ASSESSMENT, Stage.SERVICE_PLAN, Stage.FOLLOW_UP)

    reference = models.CharField(
        _("reference"), max_length=12, unique=True, default=new_case_reference, editable=False
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="cases")
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
    )
    pathway = models.CharField(_("pathway"), max_length=20, choices=Pathway)
    stage = FSMField(_("stage"), choices=Stage, default=Stage.INTAKE, protected=True)
    stage_entered_at = models.DateTimeField(_("in stage since"), default=timezone.now)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closure_reason = models.CharField(
        _("closure reason"), max_length=20, choices=ClosureReason, blank=True
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        indexes = [
            # Serves the caseload: caseworker_id = ? ordered by stage age.
            models.Index(fields=["caseworker", "stage_entered_at"], name="case_caseworker_age"),
            # Serves the supervisor's team view and the intake list: team_id/stage filters.
            models.Index(fields=["team", "stage"], name="case_team_stage"),
            models.Index(fields=["stage", "stage_entered_at"], name="case_stage_age"),
        ]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        return reverse("case-detail", args=[self.reference])

    @property
    def is_closed(self) -> bool:
        return self.stage in self.CLOSED_STAGES

    def _enter_stage(self):
        self.stage_entered_at = timezone.now()

    @transition(
        field=stage,
        source=Stage.INTAKE,
        target=Stage.ASSESSMENT,
        conditions=[has_active_consent],
        permission=transition_permission("begin_assessment"),
    )
    def begin_assessment(self):
        """Start the assessment once consent is recorded."""
        self._enter_stage()

    @transition(
        field=stage,
        source=Stage.INTAKE,
        target=Stage.SCREENED_OUT,
        permission=transition_permission("screen_out"),
    )
    def screen_out(self):
        """Decide at intake that the case does not need this service."""
        self._enter_stage()
        self.closed_at = timezone.now()

    @transition(
        field=stage,
        source=Stage.ASSESSMENT,
        target=Stage.SERVICE_PLAN,
        conditions=[has_completed_assessment],
        permission=transition_permission("start_planning"),
    )
    def start_planning(self):
        """Move to planning once an assessment is complete."""
        self._enter_stage()

    @transition(
        field=stage,
        source=Stage.SERVICE_PLAN,
        target=Stage.FOLLOW_UP,
        conditions=[has_approved_plan],
        permission=transition_permission("start_follow_up"),
    )
    def start_follow_up(self):
        """Deliver and follow up the approved plan."""
        self._enter_stage()

    @transition(
        field=stage,
        source=Stage.FOLLOW_UP,
        target=Stage.SERVICE_PLAN,
        permission=transition_permission("replan"),
    )
    def replan(self):
        """Go back to planning when the plan no longer fits."""
        self._enter_stage()

    @transition(
        field=stage,
        source=list(ACTIVE_STAGES),
        target=Stage.ESCALATED,
        permission=transition_permission("escalate"),
    )
    def escalate(self):
        """Hand immediate risk to emergency services or law enforcement, on the record."""
        self._enter_stage()

    @transition(
        field=stage,
        source=Stage.ESCALATED,
        target=Stage.INTAKE,
        permission=transition_permission("resume"),
    )
    def resume(self):
        """Take the case back after an escalation, starting again from intake."""
        self._enter_stage()

    @transition(
        field=stage,
        source=[Stage.ASSESSMENT, Stage.SERVICE_PLAN, Stage.FOLLOW_UP, Stage.ESCALATED],
        target=Stage.CLOSED,
        conditions=[has_closure_reason],
        permission=transition_permission("close"),
    )
    def close(self):
        """Close the case with a reason; taking it is the supervisor's sign-off."""
        self._enter_stage()
        self.closed_at = timezone.now()

    @transition(
        field=stage,
        source=[Stage.CLOSED, Stage.SCREENED_OUT],
        target=Stage.INTAKE,
        permission=transition_permission("reopen"),
    )
    def reopen(self):
        """Reopen a closed case at intake."""
        self._enter_stage()
        self.closed_at = None
        self.closure_reason = ""


@audited  # grants and revocations are on the record
class CaseUserObjectPermission(UserObjectPermissionBase):
    """Per-case grants to users, keyed by a real foreign key (indexed join, no orphans)."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


@audited
class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


@audited
class CaseTransition(models.Model):
    """One stage change: who, when, from, to and why. Rows are only ever added."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transitions")
    name = models.CharField(max_length=40)
    source = models.CharField(max_length=20, choices=Case.Stage)
    target = models.CharField(max_length=20, choices=Case.Stage)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = EncryptedTextField(_("reason"), blank=True, default="")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["case", "at"], name="case_transition_case_at")]

    def __str__(self):
        return f"{self.source} -> {self.target}"


@audited
class Consent(models.Model):
    class Method(models.TextChoices):
        WRITTEN = "written", _("Signed form")
        VERBAL = "verbal", _("Verbal, witnessed")
        ELECTRONIC = "electronic", _("Electronic")

    class Purpose(models.TextChoices):
        ASSESSMENT_AND_SUPPORT = "support", _("Assessment and support")
        PROVIDER_SHARING = "sharing", _("Sharing with service providers")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(
        _("purpose"), max_length=20, choices=Purpose, default=Purpose.ASSESSMENT_AND_SUPPORT
    )
    method = models.CharField(_("how it was given"), max_length=20, choices=Method)
    given_on = models.DateField(_("given on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"consent {self.pk}"


@audited
class Assessment(models.Model):
    class RiskLevel(models.TextChoices):
        LOW = "low", _("Low")
        MODERATE = "moderate", _("Moderate")
        HIGH = "high", _("High")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    risk_level = models.CharField(_("overall risk level"), max_length=20, choices=RiskLevel)
    needs_summary = EncryptedTextField(_("needs summary"))
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-completed_at", "-pk"]

    def __str__(self):
        return f"assessment {self.pk}"


@audited(m2m=("services",))
class ServicePlan(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plans")
    goals = EncryptedTextField(_("goals"))
    services = models.ManyToManyField(
        "providers.Service", related_name="plans", verbose_name=_("services")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"plan {self.pk}"


@audited
class FollowUp(models.Model):
    class Kind(models.TextChoices):
        CHECK_IN = "check_in", _("Check-in")
        REVIEW_6 = "review_6", _("6-month review")
        REVIEW_12 = "review_12", _("12-month review")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.CHECK_IN)
    happened_on = models.DateField(_("date"))
    summary = EncryptedTextField(_("summary"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-happened_on", "-pk"]

    def __str__(self):
        return f"follow-up {self.pk}"


@audited
class Task(models.Model):
    """Something a person must do on a case. Titles are fixed phrases, never personal data."""

    class Kind(models.TextChoices):
        REVIEW_NEW_CASE = "review_new_case", _("Review newly assigned case")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tasks"
    )
    kind = models.CharField(max_length=30, choices=Kind)
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            # One open task of a kind per owner and case: reruns of a job do not duplicate.
            models.UniqueConstraint(
                fields=["case", "owner", "kind"],
                condition=models.Q(done_at__isnull=True),
                name="task_one_open_per_kind",
            )
        ]
        indexes = [models.Index(fields=["owner", "done_at", "due_on"], name="task_owner_open")]

    def __str__(self):
        return f"task {self.pk}"


class Notification(models.Model):
    """An in-app notice. Text is a fixed phrase plus a case reference: no personal data."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    message = models.CharField(max_length=200)
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self):
        return f"notification {self.pk}"
