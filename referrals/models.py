"""Incoming referrals: someone's concern about a person, before any case exists."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.registry import audited
from casework.crypto import EncryptedCharField, EncryptedDateField, EncryptedTextField


def new_referral_reference() -> str:
    return "R-" + "".join(secrets.choice("0123456789ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(8))


@audited
class Referral(models.Model):
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

    class Urgency(models.TextChoices):
        ROUTINE = "routine", _("Routine")
        PRIORITY = "priority", _("Priority")
        IMMEDIATE = "immediate", _("Immediate risk")

    class Pathway(models.TextChoices):
        PREVENTION = "prevention", _("Prevention")
        REENTRY = "reentry", _("Re-entry")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        CASE_OPENED = "case_opened", _("Case opened")

    reference = models.CharField(
        _("reference"), max_length=12, unique=True, default=new_referral_reference, editable=False
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel, default=Channel.STAFF)
    source = models.CharField(_("who is referring"), max_length=30, choices=Source)
    referrer_name = EncryptedCharField(_("referrer's name"), max_length=200, blank=True, default="")
    referrer_contact = EncryptedCharField(
        _("referrer's phone or email"), max_length=200, blank=True, default=""
    )
    first_name = EncryptedCharField(_("first name"), max_length=100)
    last_name = EncryptedCharField(_("last name"), max_length=100)
    date_of_birth = EncryptedDateField(_("date of birth"), null=True, blank=True)
    phone = EncryptedCharField(_("phone"), max_length=40, blank=True, default="")
    pathway = models.CharField(_("pathway"), max_length=20, choices=Pathway)
    urgency = models.CharField(
        _("urgency"), max_length=20, choices=Urgency, default=Urgency.ROUTINE
    )
    concern = EncryptedTextField(_("what was observed"))
    person_aware = models.BooleanField(_("the person knows about this referral"), default=False)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.NEW)
    # A string reference: casework depends on referrals, not the other way round.
    case = models.ForeignKey(
        "casework.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        # Serves the intake list: new referrals by urgency and age.
        indexes = [models.Index(fields=["status", "received_at"], name="referral_status_age")]

    def __str__(self):
        return self.reference
