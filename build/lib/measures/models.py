"""The framework's community work, and the snapshots of measures it publishes.

Neither holds personal data: an activity is a date, a type, an area, partner organisations and
a head count; a snapshot is suppressed counts, frozen when published.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.registry import audited


@audited(m2m=("partners",))
class PreventionActivity(models.Model):
    """One awareness session, training, outreach or partner meeting of the action plan."""

    class Kind(models.TextChoices):
        AWARENESS = "awareness", _("Community awareness session")
        TRAINING = "training", _("Training for partners")
        OUTREACH = "outreach", _("Outreach")
        PARTNER_MEETING = "partner_meeting", _("Partner meeting")

    occurred_on = models.DateField(_("date"))
    kind = models.CharField(_("type"), max_length=20, choices=Kind)
    area = models.CharField(_("area"), max_length=60)
    partners = models.ManyToManyField(
        "providers.Organization", blank=True, related_name="+",
        verbose_name=_("partner organisations"),
    )
    attendance = models.PositiveIntegerField(_("attendance (a head count)"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        # Serves the measures (a range of dates) and the register, newest first.
        indexes = [models.Index(fields=["occurred_on"], name="prevention_activity_date")]

    def __str__(self):
        return f"activity {self.pk}"


class SnapshotIsFrozen(Exception):
    """A published snapshot is never changed: publish a new one."""


@audited(exclude=("tables",))
class Snapshot(models.Model):
    """Suppressed counts for a period, published to the public page exactly as frozen here."""

    class Breakdown(models.TextChoices):
        MONTH = "month", _("By month")
        MOTIVATION = "motivation", _("By perceived bias")
        KIND = "kind", _("By type of incident")
        AREA = "area", _("By area")
        POLICE = "police", _("Reported to the police")
        ACTIVITIES = "activities", _("Prevention activities")

    title = models.CharField(_("title"), max_length=120)
    period_start = models.DateField(_("first month"))
    period_end = models.DateField(_("last month"))  # the first day of the last month
    breakdowns = models.JSONField(default=list)
    threshold = models.PositiveSmallIntegerField()
    # [{"title", "definition", "row_label", "columns": [...], "rows": [[label, text, ...]],
    #   "total": text}]: counts as text, already suppressed; nothing here is ever recomputed.
    tables = models.JSONField(default=list)
    published_at = models.DateTimeField(default=timezone.now, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-published_at", "-pk"]

    def __str__(self):
        return f"snapshot {self.pk}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise SnapshotIsFrozen(self.pk)
        super().save(*args, **kwargs)


class MeasureCount(models.Model):
    """One count of the key measures' rollup: a measure's row and column, in one month, team,
    pathway and provider category. Aggregates only (no case, no person); rebuilt as a whole by
    the scheduled job (measures.rollups.refresh), so it is never edited and not audited."""

    measure = models.CharField(max_length=40)
    month = models.DateField(null=True)  # empty: a count of how things stand now
    team_id = models.BigIntegerField(null=True)
    pathway = models.CharField(max_length=20, blank=True)
    category = models.CharField(max_length=30, blank=True)
    row = models.CharField(max_length=60)
    col = models.CharField(max_length=60, blank=True)
    n = models.BigIntegerField()

    class Meta:
        # Serves the measures page: the months of one period (and the "now" rows).
        indexes = [models.Index(fields=["month"], name="measure_count_month")]

    def __str__(self):
        return f"{self.measure} {self.month}"


class RollupRun(models.Model):
    """When the rollup was last rebuilt, and how long it took: the page says how fresh it is."""

    finished_at = models.DateTimeField(default=timezone.now)
    seconds = models.FloatField()
    counts = models.PositiveIntegerField()

    class Meta:
        ordering = ["-finished_at"]

    def __str__(self):
        return f"rollup {self.finished_at:%Y-%m-%d %H:%M}"
