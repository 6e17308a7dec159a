import datetime

import pytest
from django.utils import timezone

from referrals.models import BiasIncident


@pytest.fixture
def report_incidents(db):
    """Make `count` bias reports with the given fields, on a day in the month `months_ago`."""

    def make(count, *, months_ago=1, **fields):
        today = timezone.localdate()
        day = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=10)
        for _ in range(months_ago - 1):
            day = (day.replace(day=1) - datetime.timedelta(days=1)).replace(day=10)
        if months_ago == 0:
            day = today.replace(day=1)
        values = {"kind": "vandalism", "motivation": "race", "neighbourhood": "Harbor",
                  "reported_to_police": "no", **fields}
        return [BiasIncident.objects.create(occurred_on=day, **values) for _ in range(count)]

    return make
