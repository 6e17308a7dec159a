"""The auditor's questions, each one query on the log (plus a join to a case where it must).

The log is large (millions of rows): every filter here is served by an index on
auditlog_logentry (see audit/migrations) and every list is paginated or bounded.
"""

import datetime
from dataclasses import dataclass

from auditlog.models import LogEntry
from django.apps import apps
from django.conf import settings
from django.db.models import Count, Max, Q
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay
from django.utils import timezone

from audit import events

# Relations to a case that count as the reader's own work (see casework.access.relation_to_case).
IN_CASELOAD = {"assigned", "supervisor", "intake"}


def entries():
    return LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")


def accesses_to(references: list[str]):
    """Who read this record: one row per person, with how often and when last."""
    return (
        LogEntry.objects.filter(object_repr__in=references, action=LogEntry.Action.ACCESS)
        .values("actor__username", "object_repr")
        .annotate(reads=Count("pk"), last=Max("timestamp"))
        .order_by("-last")
    )


def activity_of(username: str):
    return entries().filter(actor__username=username)


def case_reads():
    """Reads of case pages, with the case joined through the log's integer object id."""
    case_type = apps.get_model("contenttypes", "ContentType").objects.get_by_natural_key(
        "casework", "case"
    )
    return entries().filter(
        content_type=case_type, action=LogEntry.Action.ACCESS, object_id__isnull=False
    )


def reads_outside_caseload(since: datetime.datetime):
    """Case reads by someone who neither held the case nor supervised its team at the time.

    The relation is judged when the read happens (access_log.record_read stores it), so a later
    reassignment does not turn yesterday's legitimate read into an anomaly.
    """
    return case_reads().filter(timestamp__gte=since).exclude(
        additional_data__relation__in=list(IN_CASELOAD)
    )


def out_of_hours(since: datetime.datetime):
    """Reads before the working day starts, after it ends, or at the weekend (local time)."""
    start, end = settings.AUDIT_WORKING_HOURS
    tz = timezone.get_current_timezone()
    return (
        entries()
        .filter(action=LogEntry.Action.ACCESS, timestamp__gte=since, actor__isnull=False)
        .annotate(
            hour=ExtractHour("timestamp", tzinfo=tz),
            weekday=ExtractIsoWeekDay("timestamp", tzinfo=tz),
        )
        .filter(Q(hour__lt=start) | Q(hour__gte=end) | Q(weekday__gte=6))
    )


def failed_logins(since: datetime.datetime):
    return entries().filter(timestamp__gte=since, additional_data__event=events.LOGIN_FAILED)


@dataclass(frozen=True)
class UnusualVolume:
    username: str
    today: int
    daily_average: float


def unusual_volumes(day: datetime.date, *, factor: float = 3.0, minimum: int = 20):
    """Users whose reads on `day` exceed `factor` times their own daily average of the
    previous 28 days (and at least `minimum`, so quiet users are not flagged for a busy hour)."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tz)
    end = start + datetime.timedelta(days=1)
    baseline_start = start - datetime.timedelta(days=28)
    reads = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor__isnull=False)
    today = dict(
        reads.filter(timestamp__gte=start, timestamp__lt=end)
        .values_list("actor__username")
        .annotate(n=Count("pk"))
    )
    if not today:
        return []
    before = dict(
        reads.filter(timestamp__gte=baseline_start, timestamp__lt=start,
                     actor__username__in=list(today))
        .values_list("actor__username")
        .annotate(n=Count("pk"))
    )
    flagged = []
    for username, count in sorted(today.items()):
        average = before.get(username, 0) / 28
        if count >= minimum and count > factor * average:
            flagged.append(UnusualVolume(username, count, round(average, 1)))
    return flagged
