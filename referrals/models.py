"""Incoming referrals, their screening, and bias-incident reports.

A referral is someone's concern about a person, before any case exists. It arrives by one of
three channels (staff entry, a partner agency, the public form), waits in the intake inbox
against a deadline, and is screened: accepted (a case is opened, or it joins the person's open
case), declined, signposted elsewhere, escalated as an immediate risk, or merged as a duplicate.
`Referral.status` is a django-fsm field; it only changes through referrals.workflow, which checks
the permission, records a ScreeningDecision and puts the decision on the case timeline.

Personal data and narrative are encrypted (casework.crypto); blind indexes let screening find
possible duplicates without decrypting anything. `__str__` is always a reference, because
auditlog stores it as the object's name.

Outgoing, closed-loop referrals to providers (ProviderReferral) are at the end of this module;
their verbs are in referrals.outgoing.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from audit.registry import audited
from casework import crypto
from casework.crypto import EncryptedCharField, EncryptedDateField, EncryptedTextField
from casework.models import Consent
from casework.references import new_reference
from casework.working_days import add_working_days
from providers.models import Organization
from referrals import conf


def new_referral_reference() -> str:
    return new_reference("R")


def new_bias_incident_reference() -> str:
    return new_reference("B")


def intake_due_at(received_at: datetime.datetime) -> datetime.datetime:
    return add_working_days(received_at, conf.intake_working_days())


class ReferralQuerySet(models.QuerySet):
    def awaiting_screening(self):
        return self.filter(status__in=Referral.AWAITING)


@audited
class Referral(ConcurrentTransitionMixin, crypto.BlindIndexed, models.Model):
    class Channel(models.TextChoices):
        STAFF = "staff", _("Staff entry")
        PARTNER = "partner", _("Partner referral")
        PUBLIC = "public", _("Public form")

    class Source(models.TextChoices):
        FAMILY = "family", _("Family member")
        FRIEND = "friend", _("Friend or peer")
        COMMUNITY = "community", _("Community member")
        SCHOOL = "school", _("School")
        HEALTH = "health", _("Health provider")
        SOCIAL_SERVICES = "social_services", _("Social services")
        FAITH = "faith", _("Faith organisation")
        LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
        PROBATION = "probation", _("Probation or parole")
        CORRECTIONS = "corrections", _("Corrections facility")
        SELF = "self", _("Self-referral")
        OTHER = "other", _("Other")

    # What a member of the public may say about themselves (agencies use the partner form).
    PUBLIC_SOURCES = (Source.FAMILY, Source.FRIEND, Source.COMMUNITY, Source.SELF, Source.OTHER)

    class Urgency(models.TextChoices):
        ROUTINE = "routine", _("Routine")
        PRIORITY = "priority", _("Priority")
        IMMEDIATE = "immediate", _("Immediate risk")

    class Pathway(models.TextChoices):
        PREVENTION = "prevention", _("Prevention")
        REENTRY = "reentry", _("Re-entry")

    class Concern(models.TextChoices):
        THREATS = "threats", _("Threats or statements of intent to harm")
        GRIEVANCE = "grievance", _("Grievance or fixation on a person, group or cause")
        HATE = "hate", _("Hate-motivated language or behaviour")
        WEAPONS = "weapons", _("Interest in weapons or in past attacks")
        ONLINE = "online", _("Online radicalisation or extremist material")
        CHANGE = "change", _("Sudden change in behaviour or withdrawal from others")
        REENTRY_NEEDS = "reentry_needs", _("Needs on return from prison (housing, work, family)")
        OTHER = "other", _("Something else")

    class Awareness(models.TextChoices):
        CONSENTS = "consents", _("Knows about the referral and agrees to it")
        AWARE = "aware", _("Knows about the referral but has not agreed to it")
        NOT_AWARE = "not_aware", _("Does not know about the referral")
        UNKNOWN = "unknown", _("Not known")

    class Status(models.TextChoices):
        NEW = "new", _("Awaiting screening")
        ESCALATED = "escalated", _("Escalated")
        CASE_OPENED = "case_opened", _("Accepted")
        DECLINED = "declined", _("Declined")
        SIGNPOSTED = "signposted", _("Signposted")
        MERGED = "merged", _("Merged as a duplicate")

    # Awaiting a decision: new, or escalated and awaiting the follow-on decision.
    AWAITING = (Status.NEW, Status.ESCALATED)

    reference = models.CharField(
        _("reference"), max_length=12, unique=True, default=new_referral_reference, editable=False
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel, default=Channel.STAFF)
    source = models.CharField(_("who is referring"), max_length=30, choices=Source)
    referrer_name = EncryptedCharField(_("referrer's name"), max_length=200, blank=True, default="")
    referrer_contact = EncryptedCharField(
        _("referrer's phone or email"), max_length=200, blank=True, default=""
    )
    referrer_organization = models.ForeignKey(
        "providers.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("referring organisation"),
    )
    first_name = EncryptedCharField(_("first name"), max_length=100)
    last_name = EncryptedCharField(_("last name"), max_length=100, blank=True)
    date_of_birth = EncryptedDateField(_("date of birth"), null=True, blank=True)
    phone = EncryptedCharField(_("phone"), max_length=40, blank=True, default="")
    pathway = models.CharField(_("pathway"), max_length=20, choices=Pathway)
    urgency = models.CharField(
        _("urgency"), max_length=20, choices=Urgency, default=Urgency.ROUTINE
    )
    # Concern codes, comma-separated. Encrypted: tied to a person they are sensitive data.
    concerns = EncryptedTextField(_("what was observed"), blank=True, default="")
    concern = EncryptedTextField(_("what was observed, in the referrer's words"))
    awareness = models.CharField(
        _("does the person know about this referral?"),
        max_length=20,
        choices=Awareness,
        default=Awareness.UNKNOWN,
    )
    # Re-entry: release and supervision.
    release_date = EncryptedDateField(_("release date"), null=True, blank=True)
    facility = EncryptedCharField(_("facility"), max_length=200, blank=True, default="")
    supervising_agency = EncryptedCharField(
        _("supervising agency"), max_length=200, blank=True, default=""
    )
    supervising_officer = EncryptedCharField(
        _("supervising officer"), max_length=200, blank=True, default=""
    )
    supervision_conditions = EncryptedTextField(
        _("supervision conditions"), blank=True, default=""
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    due_at = models.DateTimeField(_("decision due"), null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True, editable=False)
    acknowledged_at = models.DateTimeField(
        _("acknowledgement sent"), null=True, blank=True, editable=False
    )
    # The language the referrer used the form in (a LANGUAGES code; empty: the site's default),
    # so the acknowledgement emailed at screening is written in it.
    language = models.CharField(
        _("referrer's language"), max_length=10, blank=True, default="", editable=False
    )
    # When its overdue screening went to the intake lead and the duty supervisor (once).
    screening_escalated_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Indexed as the first column of referral_entered_by_age: no index of its own.
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    status = FSMField(_("status"), max_length=20, choices=Status, default=Status.NEW)
    # The known person screening linked this referral to (a recorded MatchLink).
    person = models.ForeignKey(
        "casework.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    # The case screening opened or joined. Named by string, like every key to another app's model
    # (referrals builds on casework, never the reverse; the string keeps the models loadable alone).
    case = models.ForeignKey(
        "casework.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    # For a returning person: the earlier, closed episode the new case follows.
    previous_case = models.ForeignKey(
        "casework.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates"
    )

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [
            # Serves the intake inbox: status IN (new, escalated) ordered by age.
            models.Index(fields=["status", "received_at"], name="referral_status_age"),
            # Serves "referrals I made" for staff and partners.
            models.Index(fields=["entered_by", "received_at"], name="referral_entered_by_age"),
        ]

    def __str__(self):
        return self.reference

    def save(self, *args, **kwargs):
        # The blind indexes are derived in BlindIndexed.save; the decision's due time here.
        if self.due_at is None:
            self.due_at = intake_due_at(self.received_at)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "due_at"}
        super().save(*args, **kwargs)

    @property
    def concern_codes(self) -> list[str]:
        return [code for code in (self.concerns or "").split(",") if code]

    @property
    def concern_labels(self) -> list[str]:
        labels = dict(self.Concern.choices)
        return [labels.get(code, code) for code in self.concern_codes]

    @property
    def is_awaiting_screening(self) -> bool:
        return self.status in self.AWAITING

    @property
    def is_immediate(self) -> bool:
        return self.urgency == self.Urgency.IMMEDIATE

    @property
    def has_reentry_details(self) -> bool:
        return bool(
            self.release_date or self.facility or self.supervising_agency
            or self.supervising_officer or self.supervision_conditions
        )

    @property
    def decided_within_deadline(self) -> bool | None:
        if self.decided_at is None or self.due_at is None:
            return None
        return self.decided_at <= self.due_at

    def _decide(self):
        # The first decision is the one measured against the intake deadline.
        if self.decided_at is None:
            self.decided_at = timezone.now()

    @transition(field=status, source=list(AWAITING), target=Status.CASE_OPENED)
    def accept(self):
        """Accept for support: a new case at intake, or the person's open case."""
        self._decide()

    @transition(field=status, source=list(AWAITING), target=Status.DECLINED)
    def decline(self):
        """Decide that the service is not the right response."""
        self._decide()

    @transition(field=status, source=list(AWAITING), target=Status.SIGNPOSTED)
    def signpost(self):
        """Point the referrer or person to another service."""
        self._decide()

    @transition(field=status, source=Status.NEW, target=Status.ESCALATED)
    def escalate(self):
        """Hand an immediate risk to emergency services or law enforcement, on the record."""
        self._decide()

    @transition(field=status, source=list(AWAITING), target=Status.MERGED)
    def merge(self):
        """Close as a duplicate of another referral about the same person."""
        self._decide()


@audited
class ScreeningDecision(models.Model):
    """One screening decision: who, when, from, to, why, and the details the decision needs."""

    class Name(models.TextChoices):
        ACCEPT = "accept", _("Accept")
        DECLINE = "decline", _("Decline")
        SIGNPOST = "signpost", _("Signpost")
        ESCALATE = "escalate", _("Escalate immediate risk")
        MERGE = "merge", _("Merge as duplicate")

    class Contacted(models.TextChoices):
        EMERGENCY = "emergency", _("Emergency services (911)")
        LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
        BOTH = "both", _("Emergency services and law enforcement")

    # Indexed as the first column of screening_decision_at: no index of its own.
    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="decisions", db_index=False
    )
    name = models.CharField(_("decision"), max_length=20, choices=Name)
    source = models.CharField(max_length=20, choices=Referral.Status)
    target = models.CharField(max_length=20, choices=Referral.Status)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = EncryptedTextField(_("reason"))
    # Indexed as the first column of screening_decision_case_at: no index of its own.
    case = models.ForeignKey(
        "casework.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_index=False,
    )
    attached = models.BooleanField(_("joined an open case"), default=False)
    signposted_service = models.ForeignKey(
        "providers.Service", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signposted_to = models.CharField(_("signposted to"), max_length=200, blank=True)
    contacted = models.CharField(_("who was contacted"), max_length=20, choices=Contacted,
                                 blank=True)
    contacted_at = models.DateTimeField(_("contacted at"), null=True, blank=True)
    contact_reference = EncryptedCharField(
        _("their reference"), max_length=100, blank=True, default=""
    )
    duplicate_of = models.ForeignKey(
        Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    within_deadline = models.BooleanField(null=True)

    # How a case timeline shows this entry (kind "screening"; see referrals.selectors).
    timeline_template = "referrals/timeline_screening.html"

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["referral", "at"], name="screening_decision_at"),
            # Serves the case timeline: the decisions that opened or joined a case.
            models.Index(fields=["case", "at"], name="screening_decision_case_at"),
        ]

    def __str__(self):
        return f"screening decision {self.pk}"


@audited
class ScreeningCheck(models.Model):
    """A check made before deciding. Date and outcome only: never intelligence content."""

    class Kind(models.TextChoices):
        DECONFLICTION = "deconfliction", _("Law-enforcement deconfliction")
        RECORDS = "records", _("Existing records and duplicates")
        SUPERVISION = "supervision", _("Probation or parole supervision confirmed")
        SAFEGUARDING = "safeguarding", _("Safeguarding check")
        OTHER = "other", _("Other check")

    class Outcome(models.TextChoices):
        CLEAR = "clear", _("Clear: nothing to coordinate")
        COORDINATE = "coordinate", _("Coordinate before proceeding")
        HOLD = "hold", _("Hold: do not proceed for now")
        AWAITING = "awaiting", _("Asked, awaiting an answer")

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="checks")
    kind = models.CharField(_("check"), max_length=20, choices=Kind)
    checked_on = models.DateField(_("date of the check"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-checked_on", "-pk"]

    def __str__(self):
        return f"screening check {self.pk}"


@audited
class MatchLink(models.Model):
    """Screening decided that a referral is about a known person (found by blind index or by
    fuzzy matching over keyed encodings, referrals.fuzzy)."""

    class Basis(models.TextChoices):
        NAME_DOB = "name_dob", _("Name and date of birth")
        ALIAS_DOB = "alias_dob", _("Another known name and date of birth")
        NAME = "name", _("Name (no date of birth to compare)")
        PHONE = "phone", _("Phone number")
        SIMILAR = "similar", _("Similar name or date of birth")

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="match_links")
    person = models.ForeignKey("casework.Person", on_delete=models.PROTECT, related_name="+")
    basis = models.CharField(_("matched on"), max_length=20, choices=Basis)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"match link {self.pk}"


# Bias-incident reports -------------------------------------------------------------------------


class BiasIncidentQuerySet(models.QuerySet):
    def untriaged(self):
        return self.filter(status=BiasIncident.Status.RECEIVED)


@audited
class BiasIncident(ConcurrentTransitionMixin, models.Model):
    """A report of a bias incident or hate crime, anonymous if the reporter wishes.

    The location is coarse (a neighbourhood, never an address) and the landscape page only
    ever shows counts, with small numbers suppressed.
    """

    class Kind(models.TextChoices):
        VANDALISM = "vandalism", _("Vandalism or graffiti")
        HARASSMENT = "harassment", _("Harassment or verbal abuse")
        THREAT = "threat", _("Threat")
        ASSAULT = "assault", _("Physical assault")
        ONLINE = "online", _("Online abuse")
        OTHER = "other", _("Something else")

    class Motivation(models.TextChoices):
        # The bias categories of the FBI hate crime statistics.
        RACE = "race", _("Race, ethnicity or ancestry")
        RELIGION = "religion", _("Religion")
        SEXUAL_ORIENTATION = "sexual_orientation", _("Sexual orientation")
        DISABILITY = "disability", _("Disability")
        GENDER = "gender", _("Gender")
        GENDER_IDENTITY = "gender_identity", _("Gender identity")
        MULTIPLE = "multiple", _("More than one of these")
        UNSURE = "unsure", _("Not sure")

    class Police(models.TextChoices):
        YES = "yes", _("Yes")
        NO = "no", _("No")
        UNSURE = "unsure", _("Not sure")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        LOGGED = "logged", _("Logged")
        REFERRED_TO_POLICE = "referred_to_police", _("Referred to police")
        REFERRAL = "referral", _("Turned into a referral")
        CLOSED = "closed", _("Closed")

    OPEN = (Status.RECEIVED, Status.LOGGED)

    reference = models.CharField(
        _("reference"), max_length=12, unique=True, default=new_bias_incident_reference,
        editable=False,
    )
    kind = models.CharField(_("what happened"), max_length=20, choices=Kind)
    motivation = models.CharField(_("perceived bias"), max_length=20, choices=Motivation)
    occurred_on = models.DateField(_("when it happened"))
    neighbourhood = models.CharField(_("neighbourhood"), max_length=60)
    reported_to_police = models.CharField(
        _("reported to the police?"), max_length=10, choices=Police
    )
    description = EncryptedTextField(_("what happened, in your words"), blank=True, default="")
    contact_name = EncryptedCharField(_("your name"), max_length=200, blank=True, default="")
    contact_details = EncryptedCharField(
        _("your phone or email"), max_length=200, blank=True, default=""
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    status = FSMField(_("status"), max_length=20, choices=Status, default=Status.RECEIVED)
    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="bias_incidents"
    )

    objects = BiasIncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [
            # Serves the triage list: status filter ordered by age.
            models.Index(fields=["status", "received_at"], name="bias_incident_status_age"),
            # Serves the landscape: counts over a range of months.
            models.Index(fields=["occurred_on"], name="bias_incident_occurred"),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_anonymous(self) -> bool:
        return not (self.contact_name or self.contact_details)

    @transition(field=status, source=Status.RECEIVED, target=Status.LOGGED)
    def log(self):
        """Record the report for the landscape; no further action."""

    @transition(field=status, source=list(OPEN), target=Status.REFERRED_TO_POLICE)
    def refer_to_police(self):
        """Pass the report to the police."""

    @transition(field=status, source=list(OPEN), target=Status.REFERRAL)
    def make_referral(self):
        """Link the report to a referral about a person of concern."""

    @transition(field=status, source=[Status.RECEIVED, Status.LOGGED, Status.REFERRED_TO_POLICE,
                                      Status.REFERRAL],
                target=Status.CLOSED)
    def close(self):
        """Nothing more to do."""


@audited
class BiasIncidentTriage(models.Model):
    """One triage step on a bias-incident report: who, when, from, to and a note."""

    incident = models.ForeignKey(BiasIncident, on_delete=models.CASCADE, related_name="triage")
    name = models.CharField(max_length=30)
    source = models.CharField(max_length=20, choices=BiasIncident.Status)
    target = models.CharField(max_length=20, choices=BiasIncident.Status)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = EncryptedTextField(_("note"), blank=True, default="")

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"bias incident triage {self.pk}"


# Closed-loop referrals to providers -------------------------------------------------------------
#
# A ProviderReferral is the caseworker's request that a provider's service help a person, and
# the provider's answer. Its status uses the HL7 FHIR Task status vocabulary (the SDOH
# Clinical Care referral Task), so every state maps one-to-one onto the standard:
#
#   here          FHIR Task.status   how it gets there (referrals.outgoing)
#   draft         draft              created by send_provider_referral, sent in the same step
#   requested     requested          send: the caseworker sent it; the provider must answer
#   accepted      accepted           accept: the provider will take the person on
#   rejected      rejected           reject (coded reason): the provider will not
#   in-progress   in-progress        start: first contact made, the service is under way
#   on-hold       on-hold            hold: waitlisted (from accepted or in-progress); resume
#   completed     completed          complete (outcome)
#   failed        failed             fail (coded reason): it did not happen or did not finish
#   cancelled     cancelled          cancel (either side, any open state), or expire: a request
#                                    unanswered for PROVIDER_REFERRAL_EXPIRE_WORKING_DAYS; its
#                                    Task.statusReason is "expired" (our status_reason)
#
# Coded reasons are Task.statusReason; the outcome on completion is Task.output.


def new_provider_referral_reference() -> str:
    # "PR-": distinct at a glance from people's "P-" references, read aloud on the phone.
    return new_reference("PR")


class ProviderReferralQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=ProviderReferral.OPEN)

    def overdue(self, now=None):
        """ProviderReferral.is_overdue as a filter, so an overdue list is cut in the database."""
        now = now or timezone.now()
        status = ProviderReferral.Status
        return self.filter(
            models.Q(status=status.REQUESTED, respond_by__lt=now)
            | models.Q(status__in=(status.ACCEPTED, status.ON_HOLD), started_at__isnull=True,
                       first_contact_by__lt=now)
        )

    def with_sharing(self, on: datetime.date | None = None):
        """Annotate `sharing_active`: an active sharing consent covers the receiving organisation
        (or its service's category) and the organisation's data-sharing agreement is active.

        Two EXISTS subqueries on indexed columns, so a provider's list stays one query; the
        provider's access is cut the moment either goes, with no job to run.
        """
        on = on or timezone.localdate()
        consent = Exists(covering_consents(
            case=OuterRef("case_id"), organization=OuterRef("organization_id"),
            category=OuterRef("service__category"), on=on,
        ))
        agreement = Exists(
            Organization.objects.with_active_agreement(on=on).filter(pk=OuterRef("organization_id"))
        )
        return self.annotate(sharing_active=consent & agreement)


def covering_consents(*, case, organization, category, on: datetime.date):
    """The business rule for sharing: the case's sharing consents in force on `on` that name
    `organization`, or name no organisation but the service `category`.

    In force: recorded for the sharing purpose, given on or before `on`, not expired and not
    withdrawn. Arguments may be values or OuterRefs (ProviderReferralQuerySet.with_sharing).
    """
    return (
        Consent.objects.filter(
            case=case, purpose=Consent.Purpose.PROVIDER_SHARING, withdrawn_at__isnull=True,
            given_on__lte=on,
        )
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=on))
        .filter(Q(organization=organization)
                | Q(organization__isnull=True, service_category=category))
    )


@audited
class ProviderReferral(ConcurrentTransitionMixin, models.Model):
    """A referral from a case to a provider's service, and its closed loop back.

    The provider never sees the case: only the summary the caseworker chose at sending, copied
    here (encrypted), and only while consent and the data-sharing agreement stand.
    """

    # Optimistic locking (casework.revisions): bumped by every status change, so an update made
    # from a page that showed an older state (even the same status again) writes nothing.
    revision = models.PositiveIntegerField(default=0, db_default=0, editable=False)

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REQUESTED = "requested", _("Sent, awaiting an answer")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Declined")
        IN_PROGRESS = "in-progress", _("In progress")
        ON_HOLD = "on-hold", _("On hold (waitlisted)")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Not completed")
        CANCELLED = "cancelled", _("Cancelled")

    class Reason(models.TextChoices):
        NOT_ELIGIBLE = "not_eligible", _("Not eligible")
        NO_CAPACITY = "no_capacity", _("No capacity")
        COULD_NOT_CONTACT = "could_not_contact", _("Could not contact")
        CLIENT_DECLINED = "client_declined", _("Client declined")
        REFERRED_ELSEWHERE = "referred_elsewhere", _("Referred elsewhere")
        EXPIRED = "expired", _("Expired unanswered")
        CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent withdrawn")
        OTHER = "other", _("Other")

    class Outcome(models.TextChoices):
        GOAL_MET = "goal_met", _("Service delivered, goal met")
        PARTLY_MET = "partly_met", _("Service delivered, goal partly met")
        DELIVERED = "delivered", _("Service delivered")
        OTHER = "other", _("Other")

    class Share(models.TextChoices):
        FIRST_NAME = "first_name", _("First name")
        CONTACT = "contact", _("Contact preference")
        NEED = "need", _("The need")
        GOAL = "goal", _("The goal")
        ASSESSMENT = "assessment", _("Assessment summary")
        NOTE = "note", _("A note for the provider")

    class Contact(models.TextChoices):
        CASEWORKER = "caseworker", _("Through the caseworker")
        PHONE = "phone", _("By phone")
        EMAIL = "email", _("By email")

    OPEN = (Status.DRAFT, Status.REQUESTED, Status.ACCEPTED, Status.IN_PROGRESS, Status.ON_HOLD)
    CLOSED = (Status.REJECTED, Status.COMPLETED, Status.FAILED, Status.CANCELLED)
    # The minimum-necessary summary: shared unless the caseworker takes it out.
    DEFAULT_SHARE = (Share.FIRST_NAME, Share.CONTACT, Share.NEED, Share.GOAL)
    # Coded reasons a person may give (expiry is the system's own).
    CHOSEN_REASONS = (Reason.NOT_ELIGIBLE, Reason.NO_CAPACITY, Reason.COULD_NOT_CONTACT,
                      Reason.CLIENT_DECLINED, Reason.REFERRED_ELSEWHERE, Reason.OTHER)

    reference = models.CharField(
        _("reference"), max_length=12, unique=True, default=new_provider_referral_reference,
        editable=False,
    )
    # Indexed as the first column of prov_referral_case_status: no index of its own.
    case = models.ForeignKey(
        "casework.Case", on_delete=models.PROTECT, related_name="provider_referrals",
        db_index=False,
    )
    service = models.ForeignKey(
        "providers.Service", on_delete=models.PROTECT, related_name="provider_referrals",
        verbose_name=_("service"),
    )
    # Denormalised from the service: the provider's list and access join on it directly.
    # Indexed as the first column of prov_referral_org_status: no index of its own.
    organization = models.ForeignKey(
        "providers.Organization", on_delete=models.PROTECT, related_name="provider_referrals",
        editable=False, db_index=False,
    )
    goal = models.ForeignKey(
        "casework.PlanGoal", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("plan goal"),
    )
    status = FSMField(_("status"), max_length=20, choices=Status, default=Status.DRAFT)
    status_reason = models.CharField(_("reason"), max_length=30, choices=Reason, blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome, blank=True)

    # The snapshot the provider sees, taken at sending. Encrypted; blank when not shared.
    shared = models.CharField(_("shared fields"), max_length=200, blank=True, editable=False)
    shared_first_name = EncryptedCharField(max_length=100, blank=True, default="")
    shared_contact = EncryptedCharField(max_length=300, blank=True, default="")
    shared_need = EncryptedTextField(blank=True, default="")
    shared_goal = EncryptedTextField(blank=True, default="")
    shared_assessment = EncryptedTextField(blank=True, default="")
    shared_note = EncryptedTextField(blank=True, default="")

    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    respond_by = models.DateTimeField(_("answer due"), null=True, blank=True)
    first_contact_by = models.DateTimeField(_("first contact due"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires if unanswered"), null=True, blank=True)
    started_at = models.DateTimeField(_("first contact"), null=True, blank=True)
    # Escalations to the sender's supervisors, each sent once (referrals.tasks).
    response_escalated_at = models.DateTimeField(null=True, blank=True, editable=False)
    contact_escalated_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ProviderReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [
            # Serves the provider portal: organization_id IN (my organisations) by status.
            models.Index(fields=["organization", "status"], name="prov_referral_org_status"),
            # Serves the case page and the caseworker's list: a case's referrals.
            models.Index(fields=["case", "status"], name="prov_referral_case_status"),
            # Serves the deadline job: open requests by due time.
            models.Index(fields=["status", "respond_by"], name="prov_referral_status_due"),
        ]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        return reverse("provider-referral-detail", args=[self.reference])

    @property
    def shared_fields(self) -> list[str]:
        return [name for name in self.shared.split(",") if name]

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    def is_overdue(self, now=None) -> bool:
        """Past its answer deadline unanswered, or accepted without first contact in time."""
        now = now or timezone.now()
        if self.status == self.Status.REQUESTED:
            return self.respond_by is not None and self.respond_by < now
        if self.status in (self.Status.ACCEPTED, self.Status.ON_HOLD) and not self.started_at:
            return self.first_contact_by is not None and self.first_contact_by < now
        return False

    def _changed(self):
        self.status_changed_at = timezone.now()

    @transition(field=status, source=Status.DRAFT, target=Status.REQUESTED)
    def send(self):
        """Send the request to the provider."""
        self._changed()

    @transition(field=status, source=Status.REQUESTED, target=Status.ACCEPTED)
    def accept(self):
        """The provider will take the person on."""
        self._changed()

    @transition(field=status, source=Status.REQUESTED, target=Status.REJECTED)
    def reject(self):
        """The provider will not take the person on (with a coded reason)."""
        self._changed()

    @transition(field=status, source=Status.ACCEPTED, target=Status.IN_PROGRESS)
    def start(self):
        """First contact made: the service is under way."""
        self._changed()
        if self.started_at is None:
            self.started_at = timezone.now()

    @transition(field=status, source=[Status.ACCEPTED, Status.IN_PROGRESS],
                target=Status.ON_HOLD)
    def hold(self):
        """Waitlist: accepted, but no place yet (or paused)."""
        self._changed()

    @transition(field=status, source=Status.ON_HOLD, target=Status.IN_PROGRESS)
    def resume(self):
        """A place came up: back under way."""
        self._changed()
        if self.started_at is None:
            self.started_at = timezone.now()

    @transition(field=status, source=Status.IN_PROGRESS, target=Status.COMPLETED)
    def complete(self):
        """Finished, with an outcome."""
        self._changed()

    @transition(field=status, source=[Status.ACCEPTED, Status.IN_PROGRESS, Status.ON_HOLD],
                target=Status.FAILED)
    def fail(self):
        """It did not happen or did not finish (with a coded reason)."""
        self._changed()

    @transition(field=status, source=list(OPEN), target=Status.CANCELLED)
    def cancel(self):
        """Either side withdraws the referral."""
        self._changed()

    @transition(field=status, source=Status.REQUESTED, target=Status.CANCELLED)
    def expire(self):
        """Nobody answered in time: back to the caseworker to send elsewhere."""
        self._changed()
        self.status_reason = self.Reason.EXPIRED


@audited
class ProviderReferralEvent(models.Model):
    """One status change of a provider referral: who, when, from, to, coded reason and note."""

    # Indexed as the first column of prov_referral_event_at: no index of its own.
    referral = models.ForeignKey(
        ProviderReferral, on_delete=models.CASCADE, related_name="events", db_index=False,
    )
    name = models.CharField(max_length=20)
    source = models.CharField(max_length=20, choices=ProviderReferral.Status)
    target = models.CharField(max_length=20, choices=ProviderReferral.Status)
    # None: the system (expiry by the beat task).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(
        _("reason"), max_length=30, choices=ProviderReferral.Reason, blank=True
    )
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=ProviderReferral.Outcome, blank=True
    )
    note = EncryptedTextField(_("note"), blank=True, default="")
    # Denormalised: the case timeline reads a case's events with one indexed query.
    # Indexed as the first column of prov_referral_event_case_at: no index of its own.
    case = models.ForeignKey(
        "casework.Case", on_delete=models.CASCADE, related_name="+", editable=False,
        db_index=False,
    )

    timeline_template = "referrals/timeline_provider_referral.html"

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["referral", "at"], name="prov_referral_event_at"),
            # Serves the case timeline.
            models.Index(fields=["case", "at"], name="prov_referral_event_case_at"),
        ]

    def __str__(self):
        return f"provider referral event {self.pk}"


@audited
class ProviderReferralAttendance(models.Model):
    """An appointment the provider offered, and whether the person came."""

    referral = models.ForeignKey(
        ProviderReferral, on_delete=models.CASCADE, related_name="attendance"
    )
    on = models.DateField(_("date"))
    attended = models.BooleanField(_("attended"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-on", "-pk"]

    def __str__(self):
        return f"attendance {self.pk}"
