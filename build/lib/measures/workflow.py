"""The writes of the measures app: recording community work and publishing a snapshot.

Both are atomic, take the acting user as `actor`, and are on the audit record through the
models' registration (a create entry each, with the actor, address and request id).
"""

from django.db import transaction
from django.utils.translation import gettext as _

from measures import landscape, selectors, suppression
from measures.models import PreventionActivity, Snapshot
from measures.periods import Filters, Period
from measures.scopes import LiveScope
from measures.tables import ShownTable, publish


@transaction.atomic
def record_activity(*, actor, occurred_on, kind, area, attendance, partners=()):
    activity = PreventionActivity.objects.create(
        occurred_on=occurred_on, kind=kind, area=area, attendance=attendance, recorded_by=actor,
    )
    activity.partners.set(partners)
    return activity


@transaction.atomic
def publish_snapshot(*, actor, title: str, period: Period, breakdowns: list[str]) -> Snapshot:
    """Freeze the chosen breakdowns for `period`, suppressed, as the public will see them.

    The counts are computed once, here, through the same release as the lead's landscape of
    that period (so the two never disagree on what is hidden), and stored as text: the public
    page reads the stored text and nothing is ever recomputed.
    """
    by_month, by_motivation, by_area = publish(landscape.tables_for(period))
    chosen = {
        Snapshot.Breakdown.MONTH: lambda: _rows(by_month, _("Month")),
        Snapshot.Breakdown.MOTIVATION: lambda: _rows(by_motivation, _("Perceived bias")),
        Snapshot.Breakdown.KIND: lambda: _columns(by_motivation, _("Type of incident")),
        Snapshot.Breakdown.AREA: lambda: _rows(by_area, _("Area")),
        Snapshot.Breakdown.POLICE: lambda: _columns(by_area, _("Reported to the police")),
        Snapshot.Breakdown.ACTIVITIES: lambda: _activities(period),
    }
    tables = [chosen[name]() for name in Snapshot.Breakdown.values if name in breakdowns]
    return Snapshot.objects.create(
        title=title, period_start=period.first, period_end=period.last,
        breakdowns=[name for name in Snapshot.Breakdown.values if name in breakdowns],
        threshold=suppression.threshold(), tables=tables, published_by=actor,
    )


def _frozen(heading, label, rows, total):
    return {"title": str(heading), "row_label": str(label), "rows": rows, "total": total.text}


def _rows(table: ShownTable, label) -> dict:
    rows = [[row.label, row.total.text] for row in table.rows]
    return _frozen(_("Reports by %(what)s") % {"what": str(label).lower()}, label, rows,
                   table.total)


def _columns(table: ShownTable, label) -> dict:
    rows = [[str(name), shown.text] for (_value, name), shown in zip(table.cols,
                                                                     table.col_totals,
                                                                     strict=True)]
    return _frozen(_("Reports by %(what)s") % {"what": str(label).lower()}, label, rows,
                   table.total)


def _activities(period: Period) -> dict:
    (table,) = publish([selectors.prevention_activities(LiveScope(period, Filters()))])
    rows = [[row.label, row.total.text] for row in table.rows]
    return _frozen(_("Prevention activities"), _("Type"), rows, table.total)
