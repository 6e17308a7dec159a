"""The core domain: people, cases and their workflow, and the records the workflow needs.

Personal data and narrative fields are encrypted (casework.crypto); `__str__` never shows them,
because auditlog stores it as the object's name. `Case.stage` only changes through
casework.workflow, which checks permissions and conditions, saves, and records a CaseTransition.
"""


from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from audit.registry import audited
from casework import crypto, name_keys
from casework.compiled import CompiledQuery
from casework.crypto import EncryptedCharField, EncryptedDateField, EncryptedTextField
from casework.references import new_reference


class ChoiceLabels(models.Model):
    """get_FOO_display from a table made once per field: Django's rebuilds the field's whole
    choice list on every call (about 50 µs), and lists call it for every row. The labels are
    lazy, so the table serves every language."""

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):
        labels = _CHOICE_LABELS.get(field)
        if labels is None:
            labels = _CHOICE_LABELS[field] = dict(field.flatchoices)
        value = getattr(self, field.attname)
        return force_str(labels.get(value, value), strings_only=True)


_CHOICE_LABELS: dict = {}


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
    # The agency that runs the team: a transfer to a team of another agency is between agencies.
    agency = models.CharField(_("agency"), max_length=120, blank=True, default="", db_default="")

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
class Person(crypto.BlindIndexed, models.Model):
    """The subject of one or more cases. Every identifying field is encrypted."""

    # Optimistic locking (casework.revisions): bumped by every correction of the details
    # (workflow.update_person).
    revision = models.PositiveIntegerField(default=0, db_default=0, editable=False)

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
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.reference

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)  # the blind indexes are derived there (BlindIndexed)
        fields = kwargs.get("update_fields")
        if fields is None or set(fields) & KEYED_FIELDS:
            sync_person_keys(self)

    @property
    def initials(self) -> str:
        return f"{self.first_name[:1]}{self.last_name[:1]}".upper()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


# The fields the search tokens and match keys derive from (sync_person_keys).
KEYED_FIELDS = {"first_name", "last_name", "date_of_birth"}


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
        sync_person_keys(self.person)

    def delete(self, *args, **kwargs):
        person = self.person
        result = super().delete(*args, **kwargs)
        sync_person_keys(person)
        return result


class PersonSearchToken(models.Model):
    """A keyed token of a person's name fragments, date of birth or blocking code.

    Derived from the encrypted fields (casework.name_keys) and rewritten on every save of the
    person or an alias: never shown, never logged, useless without BLIND_INDEX_KEY.
    """

    # Indexed as the first column of person_search_token_unique: no index of its own.
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+", db_index=False)
    token = models.CharField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "token"], name="person_search_token_unique")
        ]
        # Serves search and duplicate blocking: token IN (...) -> person_id.
        indexes = [models.Index(fields=["token", "person"], name="person_search_token")]

    def __str__(self):
        return f"search token {self.pk}"


class PersonMatchKey(models.Model):
    """The keyed encodings of one of a person's names that fuzzy duplicate detection compares.

    One row for the name on record and one for each alias (casework.name_keys.MatchKeys).
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    is_alias = models.BooleanField(default=False)
    first_bloom = models.BinaryField(max_length=name_keys.BLOOM_BITS // 8)
    last_bloom = models.BinaryField(max_length=name_keys.BLOOM_BITS // 8)
    nickname = models.CharField(max_length=32, blank=True)
    dob = models.CharField(max_length=32, blank=True)

    class Meta:
        # Serves the candidates' keys: person_id IN (...).
        indexes = [models.Index(fields=["person"], name="person_match_key_person")]

    def __str__(self):
        return f"match key {self.pk}"


def sync_person_keys(person) -> None:
    """Rewrite the person's search tokens and match keys from their current names.

    The one place they are kept in step: Person.save, PersonAlias.save (and a correction of
    details, which saves both), and build_search_keys for people saved before they existed."""
    # Instances, not values_list(): each name opens with its own row's id.
    aliases = [a.name for a in PersonAlias.objects.filter(person_id=person.pk).only("pk", "name")]
    tokens, keys = name_keys.person_key_rows(person, aliases)
    PersonSearchToken.objects.filter(person_id=person.pk).delete()
    PersonSearchToken.objects.bulk_create(
        [PersonSearchToken(person_id=person.pk, token=value) for value in sorted(tokens)]
    )
    PersonMatchKey.objects.filter(person_id=person.pk).delete()
    PersonMatchKey.objects.bulk_create([
        PersonMatchKey(person_id=person.pk, is_alias=is_alias, first_bloom=k.first_bloom,
                  last_bloom=k.last_bloom, nickname=k.nickname, dob=k.dob)
        for is_alias, k in keys
    ])


# Transition conditions: pure reads of the case, each with the message a person can act on.


def condition(message):
    def mark(func):
        func.message = message
        return func

    return mark


@condition(_("Record the person's consent before starting the assessment."))
def has_active_consent(case) -> bool:
    return case.consents.filter(withdrawn_at__isnull=True).exists()


@condition(_("Complete an assessment, and have a supervisor sign it off, before starting the "
             "service plan."))
def has_completed_assessment(case) -> bool:
    """A completed assessment; signed off too, where the deployment makes sign-off a gate
    (settings.CASEWORK_ASSESSMENT_SIGN_OFF_REQUIRED, on by default): the latest one counts."""
    latest = _LATEST_SIGN_OFF(case.pk)
    if not latest:
        return False
    return latest[0] is not None or not settings.CASEWORK_ASSESSMENT_SIGN_OFF_REQUIRED


# When the latest completed assessment was signed off (None: not yet): a condition the case page
# checks on every view, so compiled once per connection.
_LATEST_SIGN_OFF = CompiledQuery(lambda case_id: Assessment.objects.filter(
    case_id=case_id, completed_at__isnull=False).order_by("-completed_at", "-pk")
    .values_list("signed_off_at", flat=True)[:1])


@condition(_("The service plan must be approved and include at least one active intervention."))
def has_approved_plan(case) -> bool:
    return Intervention.objects.filter(
        goal__plan__case=case,
        goal__plan__approved_at__isnull=False,
        goal__plan__superseded_at__isnull=True,
        status=Intervention.Status.ACTIVE,
    ).exists()


@condition(_("Choose a closure reason."))
def has_closure_reason(case) -> bool:
    return bool(case.closure_reason)


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(stage__in=Case.CLOSED_STAGES)


@audited
class Case(ConcurrentTransitionMixin, ChoiceLabels):
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
        ESCALATED = "escalated", _("Escalated to emergency services or law enforcement")
        RISK_REMOVED = "risk_removed", _("Risk no longer present")
        OTHER = "other", _("Other")

    CLOSED_STAGES = (Stage.CLOSED, Stage.SCREENED_OUT)
    ACTIVE_STAGES = (Stage.INTAKE, Stage.ASSESSMENT, Stage.SERVICE_PLAN, Stage.FOLLOW_UP)

    reference = models.CharField(
        _("reference"), max_length=12, unique=True, default=new_case_reference, editable=False
    )
    # Indexed as the first column of case_person_opened: no index of its own.
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    # Indexed as the first column of case_team_stage: no index of its own.
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="cases", db_index=False)
    # Indexed as the first column of case_caseworker_age: no index of its own.
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
        db_index=False,
    )
    pathway = models.CharField(_("pathway"), max_length=20, choices=Pathway)
    stage = FSMField(_("stage"), choices=Stage, default=Stage.INTAKE, protected=True)
    stage_entered_at = models.DateTimeField(_("in stage since"), default=timezone.now)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closure_reason = models.CharField(
        _("closure reason"), max_length=20, choices=ClosureReason, blank=True
    )
    # When the case last came back to intake (reopened, or resumed after an escalation). Such a
    # case has a history before that moment, so the access policy keeps it with its team rather
    # than opening it to every intake coordinator (casework.access.SCREENING).
    returned_at = models.DateTimeField(_("returned to intake"), null=True, blank=True)
    # The person's case before this one, set when the case is opened (casework.workflow.open_case).
    previous_episode = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="later_episodes",
        verbose_name=_("previous episode"),
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        indexes = [
            # Serves the caseload: caseworker_id = ? ordered by stage age.
            models.Index(fields=["caseworker", "stage_entered_at"], name="case_caseworker_age"),
            # Serves the supervisor's team view and the intake list: team_id/stage filters.
            models.Index(fields=["team", "stage"], name="case_team_stage"),
            # Serves the team view's first page: team_id = ? ordered by stage age, stopped at 50.
            models.Index(fields=["team", "stage_entered_at"], name="case_team_age"),
            models.Index(fields=["stage", "stage_entered_at"], name="case_stage_age"),
            # Serves the episode outline on the case page: a person's cases by opening date.
            models.Index(fields=["person", "opened_at"], name="case_person_opened"),
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
    )
    def begin_assessment(self):
        """Start the assessment once consent is recorded."""
        self._enter_stage()

    @transition(
        field=stage,
        source=Stage.INTAKE,
        target=Stage.SCREENED_OUT,
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
    )
    def start_planning(self):
        """Move to planning once an assessment is complete."""
        self._enter_stage()

    @transition(
        field=stage,
        source=Stage.SERVICE_PLAN,
        target=Stage.FOLLOW_UP,
        conditions=[has_approved_plan],
    )
    def start_follow_up(self):
        """Deliver and follow up the approved plan."""
        self._enter_stage()

    @transition(
        field=stage,
        source=Stage.FOLLOW_UP,
        target=Stage.SERVICE_PLAN,
    )
    def replan(self):
        """Go back to planning when the plan no longer fits."""
        self._enter_stage()

    @transition(
        field=stage,
        source=list(ACTIVE_STAGES),
        target=Stage.ESCALATED,
    )
    def escalate(self):
        """Hand immediate risk to emergency services or law enforcement, on the record."""
        self._enter_stage()

    @transition(
        field=stage,
        source=Stage.ESCALATED,
        target=Stage.INTAKE,
    )
    def resume(self):
        """Take the case back after an escalation, starting again from intake."""
        self._enter_stage()
        self.returned_at = self.stage_entered_at

    @transition(
        field=stage,
        source=[Stage.ASSESSMENT, Stage.SERVICE_PLAN, Stage.FOLLOW_UP, Stage.ESCALATED],
        target=Stage.CLOSED,
        conditions=[has_closure_reason],
    )
    def close(self):
        """Close the case with a reason; taking it is the supervisor's sign-off."""
        self._enter_stage()
        self.closed_at = timezone.now()

    @transition(
        field=stage,
        source=[Stage.CLOSED, Stage.SCREENED_OUT],
        target=Stage.INTAKE,
    )
    def reopen(self):
        """Reopen a closed case at intake."""
        self._enter_stage()
        self.returned_at = self.stage_entered_at
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

    # Indexed as the first column of case_transition_case_at: no index of its own.
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="transitions", db_index=False
    )
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
class ClosureRequest(models.Model):
    """A caseworker's request to close a case, with a reason, for a supervisor (or the MDT) to
    approve or return. With settings.CASEWORK_CLOSURE_REQUEST_REQUIRED (on by default) a case
    closes only by approving one (casework.workflow.request_closure, decide_closure)."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="closure_requests")
    closure_reason = models.CharField(
        _("closure reason"), max_length=20, choices=Case.ClosureReason
    )
    reason = EncryptedTextField(_("why the case can close"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=20, choices=Outcome, default=Outcome.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = EncryptedTextField(_("supervisor's note"), blank=True, default="")

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(outcome="pending"),
                name="closure_request_one_pending",
            ),
        ]
        indexes = [
            # A team's "awaiting approval", oldest first: as small as the queue.
            models.Index(
                fields=["case", "requested_at"], condition=models.Q(outcome="pending"),
                name="closure_request_pending",
            ),
        ]

    def __str__(self):
        return f"closure request {self.pk}"

    @property
    def is_pending(self) -> bool:
        return self.outcome == self.Outcome.PENDING


@audited
class Transfer(models.Model):
    """A case offered to another team (perhaps of another agency), with a reason.

    The sending side keeps the case until a supervisor of the receiving team accepts it (access
    then follows the case's team) or declines it. Only casework.workflow changes it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting the receiving team")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    # Optimistic locking (casework.revisions): bumped by the decision.
    revision = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    # Indexed as the first column of transfer_case: no index of its own.
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="transfers", db_index=False
    )
    # Indexed as the first column of transfer_from_team: no index of its own.
    from_team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="transfers_out", db_index=False
    )
    # Indexed as the first column of transfer_to_team: no index of its own.
    to_team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="transfers_in", db_index=False
    )
    reason = EncryptedTextField(_("reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=Status, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = EncryptedTextField(_("why"), blank=True, default="")
    # The receiving caseworker chosen on acceptance (None: the receiving supervisor holds it).
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # One open offer per case: a second request while one waits is refused.
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(status="pending"),
                name="transfer_one_pending_per_case",
            ),
        ]
        indexes = [
            # Serves the receiving supervisor's list: to_team_id IN (...) AND status = pending.
            models.Index(fields=["to_team", "status", "requested_at"], name="transfer_to_team"),
            # Serves the sending supervisor's list of what their teams sent.
            models.Index(fields=["from_team", "requested_at"], name="transfer_from_team"),
            # Serves the case timeline.
            models.Index(fields=["case", "requested_at"], name="transfer_case"),
        ]

    def __str__(self):
        return f"transfer {self.pk}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def between_agencies(self) -> bool:
        return self.from_team.agency != self.to_team.agency


@audited
class Consent(models.Model):
    # Optimistic locking (casework.revisions): bumped by withdrawal (workflow.withdraw_consent).
    revision = models.PositiveIntegerField(default=0, db_default=0, editable=False)

    class Method(models.TextChoices):
        WRITTEN = "written", _("Signed form")
        VERBAL = "verbal", _("Verbal, witnessed")
        ELECTRONIC = "electronic", _("Electronic")

    class Purpose(models.TextChoices):
        ASSESSMENT_AND_SUPPORT = "support", _("Assessment and support")
        PROVIDER_SHARING = "sharing", _("Sharing with service providers")

    class GivenBy(models.TextChoices):
        PERSON = "person", _("The person")
        PARENT = "parent", _("Parent or guardian")
        REPRESENTATIVE = "representative", _("Legal representative")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(
        _("purpose"), max_length=20, choices=Purpose, default=Purpose.ASSESSMENT_AND_SUPPORT
    )
    # Scope of a sharing consent: one organisation, or every organisation offering a category
    # of service. Both blank means the consent is not limited to a recipient (support purpose).
    organization = models.ForeignKey(
        "providers.Organization", on_delete=models.PROTECT, null=True, blank=True,
        related_name="consents", verbose_name=_("organisation"),
    )
    service_category = models.CharField(_("service category"), max_length=30, blank=True)
    given_by = models.CharField(
        _("given by"), max_length=20, choices=GivenBy, default=GivenBy.PERSON
    )
    method = models.CharField(_("how it was given"), max_length=20, choices=Method)
    given_on = models.DateField(_("given on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # The wording the person agreed to (managed in the admin, privacy.ConsentWording), and
    # which kinds of data a sharing consent covers (DataCategory codes, comma-separated).
    # Health data (substance use included) is shared only under a consent naming it.
    wording = models.ForeignKey(
        "privacy.ConsentWording", on_delete=models.PROTECT, null=True, blank=True,
        related_name="consents", verbose_name=_("wording agreed to"),
    )
    data_categories = models.CharField(_("data shared"), max_length=100, blank=True, default="")

    class DataCategory(models.TextChoices):
        CONTACT = "contact", _("Name and contact details")
        NEEDS = "needs", _("Needs, goals and notes")
        HEALTH = "health", _("Health, including substance use (42 CFR Part 2)")

    def __str__(self):
        return f"consent {self.pk}"

    @property
    def categories(self) -> list[str]:
        return [code for code in self.data_categories.split(",") if code]


# Assessment instruments ---------------------------------------------------------------------


class Rating(models.TextChoices):
    """How strongly a factor is present. For protective factors, higher is better."""

    NONE = "none", _("None")
    LOW = "low", _("Low")
    MODERATE = "moderate", _("Moderate")
    HIGH = "high", _("High")


RATING_SCORE = {Rating.NONE: 0, Rating.LOW: 1, Rating.MODERATE: 2, Rating.HIGH: 3}


class InstrumentQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_at__isnull=False, retired_at__isnull=True)


@audited
class Instrument(models.Model):
    """A versioned assessment framework: domains of factors, each rated none to high.

    A published version is frozen, because completed assessments point at its factors. A city
    changes its framework by copying the current version to a new draft, editing the draft and
    publishing it; new assessments use the newest published version. `key` names the framework
    across its versions.
    """

    key = models.SlugField(_("key"), max_length=50)
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = InstrumentQuerySet.as_manager()

    class Meta:
        ordering = ["key", "-version"]
        verbose_name = _("assessment instrument")
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="instrument_key_version")
        ]

    def __str__(self):
        return f"{self.name} (v{self.version})"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @classmethod
    def current(cls) -> "Instrument | None":
        """The instrument new assessments use: the most recently published one still in use."""
        return cls.objects.published().order_by("-published_at", "-pk").first()


@audited
class Domain(models.Model):
    """A group of factors rated together, for example "Engagement" or "Housing"."""

    class Kind(models.TextChoices):
        RISK = "risk", _("Risk factors (higher means more concern)")
        PROTECTIVE = "protective", _("Protective factors (higher means stronger)")
        NEED = "need", _("Needs (higher means greater need)")

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="domains")
    code = models.SlugField(
        _("code"), max_length=50, help_text=_("Stable across versions; used to compare them.")
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    pathway = models.CharField(
        _("pathway"),
        max_length=20,
        choices=Pathway,
        blank=True,
        help_text=_("Leave empty to rate this domain on every case."),
    )
    guidance = models.TextField(_("guidance"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["instrument", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "code"], name="domain_code_unique")
        ]

    def __str__(self):
        return self.title


@audited
class Factor(models.Model):
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="factors")
    code = models.SlugField(
        _("code"), max_length=50, help_text=_("Stable across versions; used to compare them.")
    )
    title = models.CharField(_("title"), max_length=200)
    guidance = models.TextField(_("guidance"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # The kind of service that meets this need (a providers.Service.Category code, or empty):
    # the send-to-provider form offers first the services of the case's assessed and planned
    # needs. A code, not a choice list here: casework's models do not import the directory's.
    service_category = models.CharField(
        _("service category that meets it"), max_length=30, blank=True, default="",
        help_text=_("For needs: the directory's category of service that meets this need."),
    )

    class Meta:
        ordering = ["domain__order", "domain_id", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["domain", "code"], name="factor_code_unique")
        ]

    def __str__(self):
        return self.title

    @property
    def comparison_key(self) -> tuple[str, str]:
        """What identifies "the same factor" in two versions of an instrument."""
        return (self.domain.code, self.code)


@audited
class Assessment(models.Model):
    """One version of a case's assessment: a rating per factor, an overall risk level, needs.

    A draft (completed_at empty) is edited in place by the case's staff; once completed it never
    changes, except for the supervisor's sign-off. Reassessment is a new version.
    """

    # Optimistic locking (casework.revisions): bumped by every save through the workflow.
    revision = models.PositiveIntegerField(default=0, db_default=0, editable=False)

    class RiskLevel(models.TextChoices):
        LOW = "low", _("Low")
        MODERATE = "moderate", _("Moderate")
        HIGH = "high", _("High")

    # Indexed as the first column of assessment_case_version: no index of its own.
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="assessments", db_index=False
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, null=True, blank=True, related_name="assessments"
    )
    risk_level = models.CharField(
        _("overall risk level"), max_length=20, choices=RiskLevel, blank=True
    )
    needs_summary = EncryptedTextField(_("needs summary"), blank=True, default="")
    change_summary = EncryptedTextField(
        _("what changed since the last assessment"), blank=True, default=""
    )
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "version"], name="assessment_case_version"),
            # One draft at a time: a second "start" finds the first instead of forking it.
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(completed_at__isnull=True),
                name="assessment_one_draft_per_case",
            ),
        ]
        # Serves the caseload's "latest risk level" subquery and the sign-off queue.
        indexes = [
            models.Index(fields=["case", "completed_at"], name="assessment_case_completed"),
            models.Index(fields=["completed_at", "signed_off_at"], name="assessment_signoff"),
            # A team's "awaiting sign-off": as small as the queue, however many are signed.
            models.Index(
                fields=["case", "completed_at"],
                condition=models.Q(completed_at__isnull=False, signed_off_at__isnull=True),
                name="assessment_awaiting_signoff",
            ),
        ]

    def __str__(self):
        return f"assessment {self.pk}"

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None

    @property
    def is_signed_off(self) -> bool:
        return self.signed_off_at is not None


@audited
class AssessmentRating(models.Model):
    """A factor's rating and the evidence for it. Both are encrypted: they describe a person."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="ratings")
    factor = models.ForeignKey(Factor, on_delete=models.PROTECT, related_name="+")
    # Empty means "not rated": not enough information yet.
    rating = EncryptedCharField(_("rating"), max_length=10, blank=True, default="")
    evidence = EncryptedTextField(_("evidence"), blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "factor"], name="rating_unique_factor")
        ]

    def __str__(self):
        return f"rating {self.pk}"

    @property
    def score(self) -> int | None:
        return RATING_SCORE.get(self.rating)

    def get_rating_display(self) -> str:
        return str(Rating(self.rating).label) if self.rating else str(_("Not rated"))


# Service plans ---------------------------------------------------------------------------


@audited(m2m=("services",))
class ServicePlan(models.Model):
    """One version of a case's service plan: goals linked to assessed needs, with interventions.

    Saving a plan sends it for approval; until then its author may add to it (each change bumps
    `revision`, and the approver confirms the revision they read). An approved plan is changed
    by revising it: a copy becomes the next version and needs approval in turn, and when that is
    approved the earlier one is superseded.
    """

    class ApprovedVia(models.TextChoices):
        SUPERVISOR = "supervisor", _("Supervisor")
        MDT = "mdt", _("Multidisciplinary team")

    # Indexed as the first column of plan_case_approved: no index of its own.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plans", db_index=False)
    version = models.PositiveIntegerField(_("version"), default=1)
    # Before goals were records of their own, this held the plan's goals as text; new plans
    # leave it empty (migration 0005 turned the old text into each plan's first goal).
    goals = EncryptedTextField(_("summary"), blank=True, default="")
    # The services the interventions use, kept in step by casework.workflow (and logged as m2m).
    services = models.ManyToManyField(
        "providers.Service", related_name="plans", verbose_name=_("services")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revision = models.PositiveIntegerField(default=0)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # Who approved it, as what it was: the supervisor, or the MDT at `mdt_meeting_on` (its
    # decision recorded by `approved_by`). Set by the approval itself, not by the deployment's
    # setting, so an MDT decision is never recorded as a supervisor's.
    approved_via = models.CharField(
        _("approved through"), max_length=20, choices=ApprovedVia, blank=True
    )
    mdt_meeting_on = models.DateField(_("MDT meeting"), null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version", "-pk"]
        # Serves the approval queue (approved_at IS NULL per case) and "the current plan".
        indexes = [
            models.Index(fields=["case", "approved_at"], name="plan_case_approved"),
            # A team's "awaiting approval": as small as the queue.
            models.Index(
                fields=["case", "created_at"],
                condition=models.Q(approved_at__isnull=True, superseded_at__isnull=True),
                name="plan_awaiting_approval",
            ),
        ]

    def __str__(self):
        return f"plan {self.pk}"

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None

    @property
    def is_current(self) -> bool:
        return self.approved_at is not None and self.superseded_at is None

    @property
    def is_awaiting_approval(self) -> bool:
        return self.approved_at is None and self.superseded_at is None


@audited
class PlanGoal(models.Model):
    class Progress(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        ACHIEVED = "achieved", _("Achieved")
        NOT_ACHIEVED = "not_achieved", _("Not achieved")

    plan = models.ForeignKey(ServicePlan, on_delete=models.CASCADE, related_name="plan_goals")
    need = models.ForeignKey(
        Factor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assessed need"),
    )
    description = EncryptedTextField(_("goal"))
    target_on = models.DateField(_("target date"), null=True, blank=True)
    progress = models.CharField(
        _("progress"), max_length=20, choices=Progress, default=Progress.NOT_STARTED
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["plan", "order", "pk"]

    def __str__(self):
        return f"goal {self.pk}"


@audited
class Intervention(models.Model):
    """A service from the providers directory, delivered towards a goal."""

    class Frequency(models.TextChoices):
        ONCE = "once", _("Once")
        WEEKLY = "weekly", _("Weekly")
        FORTNIGHTLY = "fortnightly", _("Every two weeks")
        MONTHLY = "monthly", _("Monthly")
        AS_NEEDED = "as_needed", _("As needed")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        STOPPED = "stopped", _("Stopped")

    goal = models.ForeignKey(PlanGoal, on_delete=models.CASCADE, related_name="interventions")
    service = models.ForeignKey(
        "providers.Service", on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    frequency = models.CharField(
        _("how often"), max_length=20, choices=Frequency, default=Frequency.WEEKLY
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.ACTIVE)

    class Meta:
        ordering = ["goal", "pk"]

    def __str__(self):
        return f"intervention {self.pk}"


# Follow-up --------------------------------------------------------------------------------


@audited
class FollowUp(models.Model):
    """A contact or a review: scheduled with a due date, then recorded with its outcome."""

    # Optimistic locking (casework.revisions): bumped by every save through the workflow.
    revision = models.PositiveIntegerField(default=0, db_default=0, editable=False)

    class Kind(models.TextChoices):
        CHECK_IN = "check_in", _("Check-in")
        REVIEW = "review", _("Plan review")
        POST_EXIT_REVIEW = "post_exit_review", _("Post-exit review")

    class Mode(models.TextChoices):
        PHONE = "phone", _("Phone")
        VISIT = "visit", _("Home visit")
        OFFICE = "office", _("Office")
        VIRTUAL = "virtual", _("Video call")

    class Outcome(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        COMPLETED = "completed", _("Completed")
        ATTEMPTED = "attempted", _("Attempted, no contact")
        NO_SHOW = "no_show", _("Did not attend")
        CANCELLED = "cancelled", _("Cancelled")

    REVIEW_KINDS = (Kind.REVIEW, Kind.POST_EXIT_REVIEW)

    # Indexed as the first column of follow_up_due: no index of its own.
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="follow_ups", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.CHECK_IN)
    mode = models.CharField(_("contact type"), max_length=20, choices=Mode, blank=True)
    # Months after the start of follow-up (plan reviews) or after closure (post-exit reviews).
    review_month = models.PositiveSmallIntegerField(null=True, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    happened_on = models.DateField(_("date"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome, default=Outcome.COMPLETED
    )
    summary = EncryptedTextField(_("summary"), blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-happened_on", "-due_on", "-pk"]
        # Serves "what is scheduled on this case" and the caseload's next due item.
        indexes = [models.Index(fields=["case", "outcome", "due_on"], name="follow_up_due")]

    def __str__(self):
        return f"follow-up {self.pk}"

    @property
    def is_scheduled(self) -> bool:
        return self.outcome == self.Outcome.SCHEDULED

    @property
    def is_review(self) -> bool:
        return self.kind in self.REVIEW_KINDS

    @property
    def title(self) -> str:
        if self.kind == self.Kind.POST_EXIT_REVIEW and self.review_month:
            return str(_("Post-exit review, %(months)s months") % {"months": self.review_month})
        if self.kind == self.Kind.REVIEW and self.review_month:
            return str(_("%(months)s-month plan review") % {"months": self.review_month})
        return str(self.get_kind_display())


@audited
class GoalProgress(models.Model):
    """Progress on one goal, as recorded at one review."""

    review = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="goal_progress")
    goal = models.ForeignKey(PlanGoal, on_delete=models.PROTECT, related_name="progress_history")
    progress = models.CharField(_("progress"), max_length=20, choices=PlanGoal.Progress)
    comment = EncryptedTextField(_("comment"), blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "goal"], name="goal_progress_unique")
        ]

    def __str__(self):
        return f"goal progress {self.pk}"


# Notes ------------------------------------------------------------------------------------


class NoteIsImmutable(Exception):
    """A saved note cannot change; write an addendum instead."""


class CaseNoteQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise NoteIsImmutable("Case notes cannot be changed; write an addendum.")


@audited
class CaseNote(models.Model):
    """A case note: encrypted, never changed once saved. Corrections are addenda (`amends`).

    Who may read it depends on `sensitivity` (casework.access.can_read_note): standard notes
    everyone with the case; restricted ones the assigned caseworker and the team's supervisor;
    compartment notes only members of that discipline, while others see that the note exists.
    """

    class Sensitivity(models.TextChoices):
        STANDARD = "standard", _("Standard")
        RESTRICTED = "restricted", _("Restricted: caseworker and supervisor only")
        LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement only")
        HEALTH = "health", _("Health only")

    COMPARTMENTS = (Sensitivity.LAW_ENFORCEMENT, Sensitivity.HEALTH)

    # Indexed as the first column of case_note_case_at: no index of its own.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes", db_index=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = EncryptedTextField(_("note"))
    sensitivity = models.CharField(
        _("who may read it"), max_length=20, choices=Sensitivity, default=Sensitivity.STANDARD
    )
    amends = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="addenda"
    )
    written_at = models.DateTimeField(default=timezone.now)

    objects = CaseNoteQuerySet.as_manager()

    class Meta:
        ordering = ["-written_at", "-pk"]
        indexes = [models.Index(fields=["case", "written_at"], name="case_note_case_at")]

    def __str__(self):
        return f"note {self.pk}"

    def save(self, *args, **kwargs):
        # Immutability is an invariant of the record, so it is enforced here, for every caller.
        # Re-saving identical content is allowed: key rotation re-encrypts notes that way.
        if not self._state.adding:
            stored = type(self)._base_manager.filter(pk=self.pk).values(*self._content_fields())
            stored = stored.first()
            if stored is not None and any(
                stored[name] != getattr(self, name) for name in self._content_fields()
            ):
                raise NoteIsImmutable("Case notes cannot be changed; write an addendum.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise NoteIsImmutable("Case notes cannot be deleted.")

    @staticmethod
    def _content_fields() -> tuple[str, ...]:
        return ("case_id", "author_id", "text", "sensitivity", "amends_id", "written_at")

    @property
    def is_compartment(self) -> bool:
        return self.sensitivity in self.COMPARTMENTS


# Tasks and notifications ------------------------------------------------------------------


@audited
class Task(ChoiceLabels):
    """Something a person must do on a case, by a date.

    Workflow tasks have fixed titles (their kind); a task a person writes has its own title,
    which is encrypted because people may write anything in it. Notifications never show either.
    """

    # Optimistic locking (casework.revisions): bumped by marking it done (workflow.complete_task).
    revision = models.PositiveIntegerField(default=0, db_default=0, editable=False)

    class Kind(models.TextChoices):
        REVIEW_NEW_CASE = "review_new_case", _("Review newly assigned case")
        COMPLETE_ASSESSMENT = "complete_assessment", _("Complete the assessment")
        WRITE_PLAN = "write_plan", _("Write the service plan")
        CONTACT_DUE = "contact_due", _("Contact due")
        REVIEW_DUE = "review_due", _("Plan review due")
        POST_EXIT_REVIEW_DUE = "post_exit_review_due", _("Post-exit review due")
        OTHER = "other", _("Task")

    # Kinds the workflow creates at most once per case and owner while open.
    ONE_OPEN_PER_CASE = (Kind.REVIEW_NEW_CASE, Kind.COMPLETE_ASSESSMENT, Kind.WRITE_PLAN)
    # The task that belongs to a stage is declared with the transitions into it
    # (casework.transitions.STAGE_TASK_KINDS); it closes when its work is done.

    # Indexed as the first column of task_case_open: no index of its own.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks", db_index=False)
    # Indexed as the first column of task_owner_open: no index of its own.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tasks", db_index=False,
    )
    kind = models.CharField(max_length=30, choices=Kind)
    title = EncryptedCharField(_("what needs doing"), max_length=200, blank=True, default="")
    follow_up = models.ForeignKey(
        FollowUp, on_delete=models.CASCADE, null=True, blank=True, related_name="tasks"
    )
    due_on = models.DateField(_("due on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Closed because the work no longer applies (the stage moved on, the case closed).
    cancelled = models.BooleanField(default=False)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            # One open workflow task of a kind per owner and case: reruns do not duplicate.
            models.UniqueConstraint(
                fields=["case", "owner", "kind"],
                condition=models.Q(
                    done_at__isnull=True,
                    kind__in=["review_new_case", "complete_assessment", "write_plan"],
                ),
                name="task_one_open_per_kind",
            ),
            models.UniqueConstraint(
                fields=["follow_up"],
                condition=models.Q(done_at__isnull=True, follow_up__isnull=False),
                name="task_one_open_per_follow_up",
            ),
        ]
        indexes = [
            # Serves "my tasks" and the caseload's next due item.
            models.Index(fields=["owner", "done_at", "due_on"], name="task_owner_open"),
            # Serves the daily reminder job: open tasks by due date.
            models.Index(fields=["done_at", "due_on"], name="task_open_due"),
            models.Index(fields=["case", "done_at", "due_on"], name="task_case_open"),
        ]

    def __str__(self):
        return f"task {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.done_at is None

    @property
    def label(self) -> str:
        """What the task is, for the person who may see the case."""
        return self.title if self.kind == self.Kind.OTHER and self.title else str(
            self.get_kind_display()
        )

    def is_overdue(self, today=None) -> bool:
        return self.is_open and self.due_on < (today or timezone.localdate())

    @property
    def is_marked_done_by_hand(self) -> bool:
        """Only a task a person wrote is ticked off; a workflow task closes when its work is
        done (casework.workflow.complete_task refuses the others)."""
        return self.kind == self.Kind.OTHER and self.follow_up_id is None


class Notification(models.Model):
    """An in-app notice: a fixed phrase with counts or a case reference, never personal data."""

    # Indexed as the first column of notification_user_unread: no index of its own.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
        db_index=False,
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


class Reminder(models.Model):
    """One reminder or escalation, sent once.

    The daily job (casework.tasks.send_due_reminders) records each one here before it notifies
    anyone; the unique constraints make a rerun, or two runs at once, send nothing twice.
    """

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Task due soon")
        TASK_OVERDUE = "task_overdue", _("Task overdue")
        STAGE_OVERDUE = "stage_overdue", _("Stage past its time limit")
        # The caseworker's own overdue items, told before their supervisors are.
        OWN_TASK_OVERDUE = "own_task_overdue", _("Your task overdue")
        OWN_STAGE_OVERDUE = "own_stage_overdue", _("Your case past its stage time limit")

    kind = models.CharField(max_length=20, choices=Kind)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    task = models.ForeignKey(
        Task, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # For stage escalations: which stay in the stage was overdue (a later stay is a new one).
    stage_entered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    notification = models.ForeignKey(
        Notification, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "recipient", "task"],
                condition=models.Q(task__isnull=False),
                name="reminder_once_per_task",
            ),
            models.UniqueConstraint(
                fields=["kind", "recipient", "case", "stage_entered_at"],
                condition=models.Q(task__isnull=True),
                name="reminder_once_per_stage",
            ),
        ]

    def __str__(self):
        return f"reminder {self.pk}"


# The outbox (casework/outbox/), the create-form tokens (casework/submissions/) and the pending
# grants of powerful roles (casework/accounts/models.py), registered under the casework app label.
# (The weekly MDT review is its own app, mdt/.)
# Importing a module registers every model it defines; the names are re-exported for callers.
from casework.accounts.models import PowerRequest  # noqa: E402, F401
from casework.outbox.models import OutboxMessage  # noqa: E402, F401
from casework.submissions.models import FormSubmission  # noqa: E402, F401
