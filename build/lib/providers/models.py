"""The providers directory: organisations, the services they offer, where, and who works for them.

The shapes follow the Open Referral Human Services Data Specification (HSDS 3.0) closely enough
that providers/hsds/ maps them one-to-one: every organisation, service, location and
service-at-location carries its HSDS `id` (`hsds_id`), so an import is idempotent. A service keeps
the taxonomy terms its source gave it (`ServiceTerm`); `TaxonomyTerm.category` is the directory
admin's mapping from such a term to one of our categories, reused by every later import.
"""

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.registry import audited


class OrganizationQuerySet(models.QuerySet):
    def with_active_agreement(self, on: datetime.date | None = None):
        """Organisations that may receive referrals on `on` (default: today).

        The single source of truth with Organization.has_active_agreement: the organisation is
        active, its data-sharing agreement is active, and the agreement has not expired (an
        expiry date is the last day it holds; no date means open-ended).
        """
        on = on or timezone.localdate()
        return self.filter(
            Q(agreement_expires_on__isnull=True) | Q(agreement_expires_on__gte=on),
            is_active=True,
            agreement_status=Organization.Agreement.ACTIVE,
        )

    def active(self):
        return self.filter(is_active=True)


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

    class Agreement(models.TextChoices):
        NONE = "none", _("No agreement")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        ENDED = "ended", _("Ended")

    hsds_id = models.UUIDField(_("HSDS id"), unique=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind, default=Kind.NONPROFIT)
    is_active = models.BooleanField(_("active"), default=True)
    description = models.TextField(_("description"), blank=True)
    # The organisation's public contact details, never a person's own.
    email = models.EmailField(_("public email"), blank=True)
    phone = models.CharField(_("public phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)
    agreement_status = models.CharField(
        _("data-sharing agreement"), max_length=10, choices=Agreement, default=Agreement.NONE
    )
    agreement_expires_on = models.DateField(_("agreement expires on"), null=True, blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="organizations", blank=True
    )

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        indexes = [
            # with_active_agreement(): the referral guard and the directory's "can receive" mark.
            models.Index(
                fields=["agreement_status", "agreement_expires_on"], name="org_agreement_idx"
            ),
        ]

    def __str__(self):
        return self.name

    def has_active_agreement(self, on: datetime.date | None = None) -> bool:
        """Whether referrals may be sent to this organisation on `on` (default: today)."""
        on = on or timezone.localdate()
        return (
            self.is_active
            and self.agreement_status == self.Agreement.ACTIVE
            and (self.agreement_expires_on is None or self.agreement_expires_on >= on)
        )

    has_active_agreement.boolean = True

    def clean(self):
        if self.agreement_status == self.Agreement.NONE and self.agreement_expires_on:
            raise ValidationError(
                {"agreement_expires_on": _("Remove the expiry date, or set an agreement status.")}
            )


class ServiceQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True, organization__is_active=True)

    def with_term(self, text: str):
        """Services tagged with a source taxonomy term whose code or name contains `text`."""
        terms = TaxonomyTerm.objects.filter(Q(code__icontains=text) | Q(name__icontains=text))
        return self.filter(
            pk__in=ServiceTerm.objects.filter(term__in=terms).values("service_id")
        )

    def with_open_capacity(self):
        return self.filter(capacity_status=Service.Capacity.OPEN).exclude(open_places=0)

    def speaking(self, code: str):
        return self.filter(
            pk__in=ServiceLanguage.objects.filter(code=code).values("service_id")
        )

    def in_city(self, city: str):
        return self.filter(
            pk__in=ServiceAtLocation.objects.filter(location__city=city).values("service_id")
        )

    def in_area(self, postal_code: str):
        return self.filter(
            pk__in=ServiceAtLocation.objects.filter(
                location__postal_code=postal_code
            ).values("service_id")
        )


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

    class Capacity(models.TextChoices):
        OPEN = "open", _("Open")
        WAITLIST = "waitlist", _("Waitlist")
        CLOSED = "closed", _("Closed")

    hsds_id = models.UUIDField(_("HSDS id"), unique=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="services"
    )
    name = models.CharField(_("name"), max_length=200)
    # Empty until a taxonomy term of the service is mapped to a category (TaxonomyTerm.category).
    category = models.CharField(_("category"), max_length=30, choices=Category, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    description = models.TextField(_("description"), blank=True)
    eligibility = models.TextField(_("eligibility"), blank=True)
    application_process = models.TextField(_("how to apply"), blank=True)
    fees = models.CharField(_("fees"), max_length=300, blank=True)
    schedule = models.CharField(_("hours"), max_length=300, blank=True)
    email = models.EmailField(_("public email"), blank=True)
    url = models.URLField(_("web page"), blank=True)
    capacity_status = models.CharField(
        _("capacity"), max_length=10, choices=Capacity, default=Capacity.OPEN
    )
    open_places = models.PositiveIntegerField(
        _("open places"), null=True, blank=True, help_text=_("Leave empty if not counted.")
    )

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["organization__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="service_unique_name")
        ]
        indexes = [
            # The directory search: by need category, then open capacity.
            models.Index(fields=["category", "capacity_status"], name="service_search_idx"),
        ]

    def __str__(self):
        return f"{self.name} ({self.organization.name})"

    @property
    def language_codes(self) -> list[str]:
        """Codes of the languages offered, from a prefetch when there is one."""
        return sorted(language.code for language in self.languages.all())

    @property
    def has_open_capacity(self) -> bool:
        return self.capacity_status == self.Capacity.OPEN and self.open_places != 0

    def clean(self):
        if self.capacity_status == self.Capacity.CLOSED and self.open_places:
            raise ValidationError(
                {"open_places": _("A closed service has no open places: set 0 or leave empty.")}
            )


@audited
class ServiceLanguage(models.Model):
    """A language a service is delivered in (BCP 47 / ISO 639 code, as in HSDS `language`)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="languages")
    code = models.CharField(_("language code"), max_length=20)
    name = models.CharField(_("language"), max_length=60, blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["service", "code"], name="service_language_unique")
        ]
        indexes = [
            # ServiceQuerySet.speaking(): the search's language filter.
            models.Index(fields=["code", "service"], name="service_language_code_idx"),
        ]

    def __str__(self):
        return self.code


@audited
class Location(models.Model):
    """A physical place where an organisation delivers services (HSDS `location` + `address`)."""

    hsds_id = models.UUIDField(_("HSDS id"), unique=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="locations", null=True, blank=True
    )
    name = models.CharField(_("name"), max_length=200)
    address_1 = models.CharField(_("address line 1"), max_length=200, blank=True)
    address_2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("area or state"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    class Meta:
        ordering = ["name"]
        indexes = [
            # ServiceQuerySet.in_city() and .in_area(): the search's location filters.
            models.Index(fields=["city"], name="location_city_idx"),
            models.Index(fields=["postal_code"], name="location_postal_code_idx"),
        ]

    def __str__(self):
        return self.name

    @property
    def address(self) -> str:
        parts = [self.address_1, self.address_2, self.city, self.postal_code]
        return ", ".join(part for part in parts if part)


@audited
class ServiceAtLocation(models.Model):
    """A service delivered at a location (HSDS `service_at_location`)."""

    hsds_id = models.UUIDField(_("HSDS id"), unique=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="at_locations")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="at_services")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "location"], name="service_location_unique")
        ]

    def __str__(self):
        return f"service at location {self.pk}"


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


@audited
class TaxonomyTerm(models.Model):
    """A term of a source taxonomy (AIRS/211 LA, Open Eligibility, our own...) and its mapping.

    `key` identifies the term across files whatever its id in each: the taxonomy and the code
    (or the name, for a term without a code), lower-cased. `category` is what the directory admin
    chose; empty means unmapped.
    """

    hsds_id = models.UUIDField(_("HSDS id"), unique=True, default=uuid.uuid4, editable=False)
    key = models.CharField(_("key"), max_length=400, unique=True, editable=False)
    taxonomy = models.CharField(_("taxonomy"), max_length=200, blank=True)
    code = models.CharField(_("code"), max_length=100, blank=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(
        _("our category"), max_length=30, choices=Service.Category, blank=True
    )

    class Meta:
        ordering = ["taxonomy", "code", "name"]
        indexes = [
            # The mapping page lists unmapped terms first.
            models.Index(fields=["category", "taxonomy", "code"], name="term_mapping_idx"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}".strip()


@audited
class ServiceTerm(models.Model):
    """A source taxonomy term given to a service (HSDS `attribute` with a `taxonomy_term`)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="terms")
    term = models.ForeignKey(TaxonomyTerm, on_delete=models.PROTECT, related_name="services")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "term"], name="service_term_unique")
        ]
        indexes = [
            # ServiceQuerySet.with_term() and the mapping page's service counts.
            models.Index(fields=["term", "service"], name="service_term_term_idx"),
        ]

    def __str__(self):
        return f"service term {self.pk}"


def import_storage():
    """Uploaded directory files, outside the web root (setting PROVIDERS_IMPORT_DIR)."""
    from django.core.files.storage import FileSystemStorage

    return FileSystemStorage(location=settings.PROVIDERS_IMPORT_DIR)


# Progress is not history: the change log records the run and its outcome, not every tick.
@audited(exclude=("processed", "counts"))
class ImportRun(models.Model):
    """One HSDS import: its file, progress, counts by record type, and a report (ImportIssue)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to start")
        RUNNING = "running", _("Running")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Failed")
        ROLLED_BACK = "rolled_back", _("Rolled back")

    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    # The uploaded file (directory data, not personal data), kept so it can be run again after
    # the admin maps its taxonomy terms.
    source = models.FileField(_("file"), storage=import_storage, upload_to="%Y/%m/", blank=True)
    # What the reader recognised, e.g. "HSDS 3.0 tabular datapackage".
    shape = models.CharField(_("recognised as"), max_length=100, blank=True)
    all_or_nothing = models.BooleanField(_("all or nothing"), default=False)
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.PENDING)
    total = models.PositiveIntegerField(_("records"), default=0)
    processed = models.PositiveIntegerField(_("processed"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    warned = models.PositiveIntegerField(_("warned"), default=0)
    failed = models.PositiveIntegerField(_("rejected"), default=0)
    # {"organization": {"created": 3, "updated": 0, ...}, "service": {...}, "location": {...}}
    counts = models.JSONField(_("counts by record type"), default=dict, blank=True)
    # A reason the whole file could not be read (the per-record report is ImportIssue).
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"import {self.pk}"

    @property
    def percent(self) -> int:
        if self.status in (self.Status.DONE, self.Status.FAILED, self.Status.ROLLED_BACK):
            return 100
        return int(100 * self.processed / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status not in (self.Status.PENDING, self.Status.RUNNING)


class ImportIssue(models.Model):
    """One warning or rejection of an import, for the report (directory data, no person)."""

    class Severity(models.TextChoices):
        WARNING = "warning", _("Warning: kept")
        REJECTED = "rejected", _("Rejected")

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="issues")
    severity = models.CharField(_("severity"), max_length=10, choices=Severity)
    record_type = models.CharField(_("record type"), max_length=30)
    record_id = models.CharField(_("record id"), max_length=64, blank=True)
    record_name = models.CharField(_("record name"), max_length=200, blank=True)
    field = models.CharField(_("field"), max_length=100, blank=True)
    message = models.CharField(_("message"), max_length=500)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"import issue {self.pk}"
