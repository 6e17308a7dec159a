"""Consent wording, versioned: what a person is shown when they agree, never edited in place."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.models import Consent


class ConsentWording(models.Model):
    """One version of the words a person agrees to for a consent purpose.

    A version is never changed once published: a new wording is a new version, and each
    consent points at the version it was given under (Consent.wording)."""

    purpose = models.CharField(_("purpose"), max_length=20, choices=Consent.Purpose)
    version = models.PositiveIntegerField(_("version"), editable=False)
    text = models.TextField(_("wording"))
    published_at = models.DateTimeField(_("published"), default=timezone.now, editable=False)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+", editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["purpose", "version"],
                                               name="consent_wording_version")]
        ordering = ["purpose", "-version"]

    def __str__(self):
        return f"{self.get_purpose_display()} v{self.version}"


# Retention, legal holds and erasure (privacy/retention_models.py) and subject access (its own
# package) keep their models apart; importing them here registers them with the privacy app.
from privacy.retention_models import Anonymisation, ErasureRequest, LegalHold  # noqa: E402, F401
from privacy.subject_access.models import SubjectAccessRequest  # noqa: E402, F401
