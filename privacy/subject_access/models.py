"""A subject access request: opened by one privacy officer, decided by another."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.registry import audited
from casework.crypto import EncryptedTextField
from casework.references import new_reference


def new_subject_access_reference() -> str:
    return new_reference("SA")


@audited
class SubjectAccessRequest(models.Model):
    """A person's request for a copy of everything held about them.

    Opened by a privacy officer with the identity check and the reason; decided (approved or
    declined) by a second, different privacy officer; once approved, its export is generated
    at each download (privacy.subject_access.selectors), never stored.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a second privacy officer")
        APPROVED = "approved", _("Approved: the export may be downloaded")
        DECLINED = "declined", _("Declined")

    class IdentityCheck(models.TextChoices):
        PHOTO_ID = "photo_id", _("Photo identification seen in person")
        DOCUMENTS = "documents", _("Two documents checked (for example a bill and a letter)")
        KNOWN_CONTACT = "known_contact", _("Confirmed through contact details already on file")
        REPRESENTATIVE = "representative", _("A representative, with the person's signed authority")

    # Optimistic locking (casework.revisions): bumped by every edit and by the decision, so a
    # decision taken on a page that showed older details writes nothing (409).
    revision = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    reference = models.CharField(_("reference"), max_length=12, unique=True,
                                 default=new_subject_access_reference, editable=False)
    person = models.ForeignKey("casework.Person", on_delete=models.PROTECT,
                               related_name="subject_access_requests")
    received_on = models.DateField(_("request received on"))
    identity_check = models.CharField(_("how the requester's identity was checked"),
                                      max_length=20, choices=IdentityCheck)
    identity_note = EncryptedTextField(_("identity check: details"), blank=True, default="")
    reason = EncryptedTextField(_("the request and why it is made"))
    status = models.CharField(_("status"), max_length=10, choices=Status,
                              default=Status.PENDING, editable=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+", editable=False)
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+", editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    decision_note = EncryptedTextField(_("decision note"), blank=True, default="")
    downloads = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [
            # Serves the privacy officers' list: pending requests first, newest first.
            models.Index(fields=["status", "requested_at"], name="subject_access_status"),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED
