"""The providers directory: organisations, the services they offer, and who works for them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.registry import audited


@audited
class Organization(models.Model):
    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("Government")
        NONPROFIT = "nonprofit", _("Nonprofit")
        FAITH = "faith", _("Faith-based")
        SCHOOL = "school", _("School")
        HEALTH = "health", _("Health")
        LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind, default=Kind.NONPROFIT)
    is_active = models.BooleanField(_("active"), default=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="organizations", blank=True
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")

    def __str__(self):
        return self.name


@audited
class Service(models.Model):
    class Category(models.TextChoices):
        MENTAL_HEALTH = "mental_health", _("Mental health")
        SUBSTANCE_USE = "substance_use", _("Substance use")
        HOUSING = "housing", _("Housing")
        EMPLOYMENT = "employment", _("Employment")
        EDUCATION = "education", _("Education and training")
        MENTORING = "mentoring", _("Mentoring")
        FAMILY = "family", _("Family support")
        FAITH_COMMUNITY = "faith_community", _("Faith and community")
        LEGAL = "legal", _("Legal aid")
        DOCUMENTS = "documents", _("Identification documents and benefits")
        YOUTH = "youth", _("Youth programmes")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="services"
    )
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=30, choices=Category)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["organization__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="service_unique_name")
        ]

    def __str__(self):
        return f"{self.name} ({self.organization.name})"


@audited
class Membership(models.Model):
    """A member of staff of a provider organisation."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_memberships"
    )
    is_admin = models.BooleanField(_("organisation admin"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique")
        ]

    def __str__(self):
        return f"membership {self.pk}"
