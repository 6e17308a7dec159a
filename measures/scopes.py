"""Where a measure's counts come from: the live records, the rollup job, or the stored rollup.

Each measure is written once, as a query over the workflow's records that names the date of
its event and the paths to its team, pathway and provider category (`scope.select`), then
groups by its row and column (`scope.grouped`). The scope decides what that means:

- LiveScope counts the period and filters directly (the published snapshot's activities, tests);
- RollupScope, for the scheduled job, counts every month, team, pathway and category at once;
- StoredScope, for the pages, reads those counts from measures.MeasureCount: one query per
  period, whatever the number of cases.
"""

from collections import defaultdict

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth

from measures.models import MeasureCount
from measures.periods import Filters, Period

DIMENSIONS = ("team", "pathway", "category")


def _key(row, col):
    return (str(row), str(col)) if col is not None else str(row)


class LiveScope:
    def __init__(self, period: Period, filters: Filters):
        self.period, self.filters = period, filters

    def select(self, queryset, date_field, **paths):
        if date_field:
            model_field = _resolve(queryset.model, date_field)
            bounds = (self.period.times(date_field) if model_field.get_internal_type()
                      == "DateTimeField" else self.period.dates(date_field))
            queryset = queryset.filter(**bounds)
        wanted = {"team": self.filters.team, "pathway": self.filters.pathway,
                  "category": self.filters.category}
        for name, path in paths.items():
            if wanted[name]:
                queryset = queryset.filter(**{path: wanted[name]})
        return queryset

    def grouped(self, queryset, row, col="", *, total=None) -> dict:
        fields = [row, col] if col else [row]
        found = queryset.order_by().values(*fields).annotate(n=total or Count("pk"))
        return {_key(r[row], r[col] if col else None): r["n"] or 0 for r in found}


class RollupScope:
    """Counts by month, team, pathway and category, collected for measures.MeasureCount."""

    def __init__(self):
        self.measure = ""
        self.rows: list[dict] = []

    def select(self, queryset, date_field, **paths):
        annotations = {f"dim_{name}": F(path) for name, path in paths.items()}
        if date_field:
            annotations["dim_month"] = TruncMonth(date_field)
        return queryset.annotate(**annotations)

    def grouped(self, queryset, row, col="", *, total=None) -> dict:
        dims = [name for name in queryset.query.annotations if name.startswith("dim_")]
        fields = [*dims, row, *([col] if col else [])]
        for found in queryset.order_by().values(*fields).annotate(n=total or Count("pk")):
            month = found.get("dim_month")
            self.rows.append({
                "measure": self.measure,
                "month": month.date() if hasattr(month, "date") and callable(month.date)
                else month,
                "team_id": found.get("dim_team"),
                "pathway": found.get("dim_pathway") or "",
                "category": found.get("dim_category") or "",
                "row": str(found[row]), "col": str(found[col]) if col else "",
                "n": found["n"] or 0,
            })
        return {}


class StoredScope:
    """The rollup's counts for one period and set of filters, read in one query."""

    def __init__(self, period: Period, filters: Filters, measures):
        self.measure = ""
        self._counts: dict = defaultdict(dict)
        found = MeasureCount.objects.filter(Q(month__isnull=True)
                                            | Q(month__gte=period.first, month__lte=period.last))
        wanted = {"team": ("team_id", filters.team), "pathway": ("pathway", filters.pathway),
                  "category": ("category", filters.category)}
        for name, (column, value) in wanted.items():
            if value:
                # A filter narrows the measures it applies to; the others count everything.
                exempt = [m.slug for m in measures if name not in m.filters]
                found = found.filter(Q(measure__in=exempt) | Q(**{column: value}))
        for row in found.values("measure", "row", "col").annotate(n=Sum("n")).order_by():
            key = (row["row"], row["col"]) if row["col"] else row["row"]
            self._counts[row["measure"]][key] = row["n"]

    def select(self, queryset, date_field, **paths):
        return queryset  # never evaluated: the counts are already here

    def grouped(self, queryset, row, col="", *, total=None) -> dict:
        return dict(self._counts.get(self.measure, {}))


def _resolve(model, path):
    *relations, name = path.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model
    return model._meta.get_field(name)
