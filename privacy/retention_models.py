"""Legal holds, erasure requests and the ledger of what retention or erasure anonymised.

Imported by privacy/models.py (the app's models module). Every row keeps references and codes;
the free text (a hold's reason, an erasure's reason or exception) is encrypted like any
narrative. `__str__` never shows them: auditlog stores it as the object's name.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.registry import audited
from casework.crypto import EncryptedTextField


@audited
class LegalHold(models.Model):
    """Keeps a person's or a case's records from retention and erasure while it is in force.

    Placed by one privacy officer with a reason, in force only once a second, different one
    confirms it; lifted the same way (privacy/holds.py)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Awaiting a second privacy officer")
        IN_FORCE = "in_force", _("In force")
        LIFT_PROPOSED = "lift_proposed", _("In force; lifting awaits a second privacy officer")
        LIFTED = "lifted", _("Lifted")
        WITHDRAWN = "withdrawn", _("Withdrawn before it was confirmed")

    # The statuses in which the hold applies (lifting is not done until a second person agrees).
    APPLIES = (Status.IN_FORCE, Status.LIFT_PROPOSED)
    OPEN = (Status.PROPOSED, Status.IN_FORCE, Status.LIFT_PROPOSED)

    # Optimistic locking (casework.revisions): bumped by every step.
    revision = models.PositiveIntegerField(default=0, editable=False)
    person = models.ForeignKey("casework.Person", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+")
    case = models.ForeignKey("casework.Case", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+")
    reason = EncryptedTextField(_("reason"))
    status = models.CharField(_("status"), max_length=20, choices=Status,
                              default=Status.PROPOSED)
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    placed_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    lift_reason = EncryptedTextField(_("reason for lifting"), null=True, blank=True)
    lift_proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                         null=True, blank=True, related_name="+")
    lift_proposed_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-placed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(person__isnull=False, case__isnull=True)
                           | models.Q(person__isnull=True, case__isnull=False)),
                name="legal_hold_on_a_person_or_a_case",
            ),
        ]
        # Serve the retention job's "is anything held" checks: status IN (...) -> person/case.
        indexes = [models.Index(fields=["status", "person"], name="legal_hold_person"),
                   models.Index(fields=["status", "case"], name="legal_hold_case")]

    def __str__(self):
        return f"legal hold {self.pk}"

    @property
    def applies(self) -> bool:
        return self.status in self.APPLIES

    @property
    def subject_reference(self) -> str:
        return self.case.reference if self.case_id else self.person.reference


@audited
class ErasureRequest(models.Model):
    """A person's request to erase their data, and a second privacy officer's decision."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting a decision by a second privacy officer")
        ERASED = "erased", _("Erased")
        REFUSED = "refused", _("Refused under an exception")

    class ExceptionCode(models.TextChoices):
        LEGAL_OBLIGATION = "legal_obligation", _("A legal obligation to keep the data")
        LEGAL_HOLD = "legal_hold", _("A legal hold is in force")
        SAFEGUARDING = "safeguarding", _("Safeguarding: a case is still open or a risk remains")

    revision = models.PositiveIntegerField(default=0, editable=False)
    person = models.ForeignKey("casework.Person", on_delete=models.PROTECT, related_name="+")
    reason = EncryptedTextField(_("the request"))
    status = models.CharField(_("status"), max_length=20, choices=Status,
                              default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    exception = models.CharField(_("exception"), max_length=20, choices=ExceptionCode, blank=True,
                                 default="")
    exception_reason = EncryptedTextField(_("reason for the exception"), null=True, blank=True)
    # What was anonymised: {model label: rows}, counts only.
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # One open request per person: a second would be decided against the same data.
            models.UniqueConstraint(fields=["person"], condition=models.Q(status="pending"),
                                    name="erasure_one_pending_per_person"),
        ]

    def __str__(self):
        return f"erasure request {self.pk}"


class Anonymisation(models.Model):
    """The ledger: one row per case, person, referral or bias report retention or an erasure
    anonymised, so nothing is done twice and the record says what, when and why (references
    and counts only)."""

    class Cause(models.TextChoices):
        RETENTION = "retention", _("Retention schedule")
        ERASURE = "erasure", _("Erasure request")

    record_type = models.CharField(max_length=60)  # a model label, "casework.Case"
    object_id = models.PositiveBigIntegerField()
    reference = models.CharField(max_length=20, blank=True, default="")
    cause = models.CharField(max_length=20, choices=Cause)
    rule = models.CharField(max_length=40, blank=True, default="")
    erasure = models.ForeignKey(ErasureRequest, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    at = models.DateTimeField(default=timezone.now)
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["record_type", "object_id"],
                                               name="anonymised_once")]

    def __str__(self):
        return f"anonymisation {self.pk}"
