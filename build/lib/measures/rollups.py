"""The key measures' rollup: every measure counted by month, team, pathway and category.

The measure pages read this table (one query a period) instead of the records: at 250,000
cases counting the records live took tens of seconds a page. A Celery beat job rebuilds it
(MEASURES_ROLLUP_MINUTES, every 30 minutes by default), so the pages are at most that old, and
say when they were counted.
"""

import time

from django.db import transaction

from measures.models import MeasureCount, RollupRun
from measures.scopes import RollupScope
from measures.selectors import MEASURES


@transaction.atomic
def refresh() -> RollupRun:
    """Recount every measure from the records and replace the rollup in one transaction."""
    started = time.perf_counter()
    scope = RollupScope()
    for measure in MEASURES:
        scope.measure = measure.slug
        measure.count(scope)
    # Readers see the old counts until this commits, then the new ones: never half of each.
    MeasureCount.objects.all().delete()
    MeasureCount.objects.bulk_create(MeasureCount(**row) for row in scope.rows)
    return RollupRun.objects.create(seconds=time.perf_counter() - started,
                                    counts=len(scope.rows))


def last_run() -> RollupRun | None:
    return RollupRun.objects.first()
