"""CSV and JSON out of shown tables and frozen snapshots: suppressed text only, formula-safe."""

import csv
import io
import json

from audit.views import csv_safe
from measures.landscape import Landscape
from measures.selectors import Result


def _csv(rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([csv_safe(value) for value in row])
    return out.getvalue()


def _table_rows(heading, table, period):
    """Long form: measure, period, row, column, count (as shown: a number, "<5" or "—")."""
    for row in table.rows:
        for (_value, col), shown in zip(table.cols, row.cells, strict=True):
            yield [heading, period, row.label, col, shown.text]
        yield [heading, period, row.label, "Total", row.total.text]
    for (_value, col), shown in zip(table.cols, table.col_totals, strict=True):
        yield [heading, period, "Total", col, shown.text]
    yield [heading, period, "Total", "Total", table.total.text]


HEADER = ["measure", "period", "row", "column", "count"]


def measures_csv(results: list[Result], period_label: str, previous_label: str) -> str:
    def rows():
        yield HEADER
        for result in results:
            yield from _table_rows(result.measure.title, result.table, period_label)
            if result.previous is not None:
                yield from _table_rows(result.measure.title, result.previous, previous_label)

    return _csv(rows())


def landscape_csv(found: Landscape) -> str:
    label = f"{found.period.first:%Y-%m} to {found.period.last:%Y-%m}"

    def rows():
        yield HEADER
        for heading, table in found.tables:
            yield from _table_rows(heading, table, label)

    return _csv(rows())


def snapshot_csv(snapshot) -> str:
    period = f"{snapshot.period_start:%Y-%m} to {snapshot.period_end:%Y-%m}"

    def rows():
        yield ["table", "period", "row", "count"]
        for table in snapshot.tables:
            for label, text in table["rows"]:
                yield [table["title"], period, label, text]
            yield [table["title"], period, "Total", table["total"]]

    return _csv(rows())


def snapshot_json(snapshot) -> str:
    return json.dumps({
        "title": snapshot.title,
        "period": {"first_month": f"{snapshot.period_start:%Y-%m}",
                   "last_month": f"{snapshot.period_end:%Y-%m}"},
        "published": snapshot.published_at.isoformat(),
        "suppression": {"threshold": snapshot.threshold,
                        "note": f"Counts below {snapshot.threshold} are shown as "
                                f"\"<{snapshot.threshold}\"; \"\u2014\" is a count withheld so "
                                "that a small one cannot be worked out."},
        "tables": snapshot.tables,
    }, indent=2, ensure_ascii=False)
