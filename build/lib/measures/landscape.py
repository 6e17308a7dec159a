"""The landscape of hate: bias-incident reports by month, motivation, type and area.

Counts only, from referrals.BiasIncident, by the month the incident happened. All the tables of
one period are one release (they share the total, and the area table's police column is the
reported-to-police share), protected together; the period before is a release of its own.
"""

from dataclasses import dataclass

from django.db.models import Case as SqlCase
from django.db.models import CharField, Count, Value, When
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from measures import conf
from measures.periods import Period
from measures.tables import ShownTable, Table, publish
from referrals.models import BiasIncident

POPULATION = "bias reports"
OTHER_AREA = "Other"

DEFINITION = _(
    "Bias-incident and hate-crime reports received through the public form or entered by "
    "staff, counted by the month the incident happened (not when it was reported), the "
    "perceived bias and type the reporter chose, the area of the neighbourhood they named, "
    "and whether they said it was reported to the police. Every report counts, whatever its "
    "triage status. No report, description or contact is ever shown."
)


@dataclass
class Landscape:
    period: Period
    by_month: ShownTable
    by_motivation: ShownTable
    by_area: ShownTable
    previous: list[ShownTable] | None

    @property
    def tables(self) -> list[tuple[str, ShownTable]]:
        return [(str(_("By month")), self.by_month),
                (str(_("By perceived bias and type")), self.by_motivation),
                (str(_("By area, and reported to the police")), self.by_area)]


def _area_case():
    whens = [When(neighbourhood__in=names, then=Value(area))
             for area, names in conf.areas().items()]
    return SqlCase(*whens, default=Value(OTHER_AREA), output_field=CharField())


def area_rows() -> list[tuple[str, str]]:
    return [(area, area) for area in conf.areas()] + [(OTHER_AREA, _("Other"))]


def tables_for(period: Period, name: str = "current") -> list[Table]:
    """Three aggregate queries over the occurred_on index; no report is loaded."""
    found = BiasIncident.objects.filter(**period.dates("occurred_on")).order_by()
    per_month = {
        _as_date(row["month"]): row["n"]
        for row in found.annotate(month=TruncMonth("occurred_on")).values("month")
        .annotate(n=Count("pk"))
    }
    months = [(m, m.strftime("%b %Y")) for m in period.month_list()]
    by_kind = {(r["motivation"], r["kind"]): r["n"]
               for r in found.values("motivation", "kind").annotate(n=Count("pk"))}
    by_area = {(r["area"], r["reported_to_police"]): r["n"]
               for r in found.annotate(area=_area_case()).values("area", "reported_to_police")
               .annotate(n=Count("pk"))}
    tables = [
        Table(POPULATION, "month", months, per_month),
        Table(POPULATION, "motivation", list(BiasIncident.Motivation.choices), by_kind,
              "kind", list(BiasIncident.Kind.choices)),
        Table(POPULATION, "area", area_rows(), by_area, "police",
              list(BiasIncident.Police.choices)),
    ]
    for table in tables:
        table.period = name
    return tables


def landscape(period: Period, *, compare: bool = True) -> Landscape:
    by_month, by_motivation, by_area = publish(tables_for(period))
    for row in by_area.rows:  # the reported-to-police share, from shown counts only
        row.share = by_area.share(row, BiasIncident.Police.YES)
    previous = publish(tables_for(period.previous(), "previous")) if compare else None
    return Landscape(period, by_month, by_motivation, by_area, previous)


def _as_date(value):
    return value.date() if hasattr(value, "date") and callable(value.date) else value
