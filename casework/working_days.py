"""Working-day arithmetic (Monday to Friday) for stage limits, intake and provider deadlines."""

import datetime

from django.utils import timezone


def add_working_days(start, days: int):
    """Return `start` moved on by `days` working days: a date for a date; for a datetime, the
    same local time of day on the working day reached."""
    current = start
    if isinstance(start, datetime.datetime) and timezone.is_aware(start):
        current = timezone.localtime(start)
    while days > 0:
        current += datetime.timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current
