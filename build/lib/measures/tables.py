"""Count tables, their totals, and the suppressed form in which every page and export shows them.

A `Table` counts one population (referrals received, cases closed...) by one or two dimensions.
Tables of the same population and period share their totals: the referrals-by-source table and
the referrals-by-urgency table have one grand total and, where they share a dimension, the same
margins, so `publish` protects them together and neither can give away what the other hides.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from measures.suppression import Release, Shown

TOTAL = "total"


@dataclass
class Table:
    population: str  # what one count is, e.g. "referrals received"
    row_dim: str
    rows: list[tuple[str, str]]  # (value, label)
    counts: dict  # {(row, col): n}, or {row: n} without columns
    col_dim: str = ""
    cols: list[tuple[str, str]] = field(default_factory=list)
    period: str = "current"

    def cell_key(self, row, col=None):
        if not self.col_dim:
            return (self.population, self.period, self.row_dim, row)
        pair = sorted([(self.row_dim, row), (self.col_dim, col)])
        return (self.population, self.period, *pair[0], *pair[1])

    def row_key(self, row):
        return (self.population, self.period, self.row_dim, row)

    def col_key(self, col):
        return (self.population, self.period, self.col_dim, col)

    def grand_key(self):
        return (self.population, self.period, TOTAL)

    def count(self, row, col=None) -> int:
        return int(self.counts.get((row, col) if self.col_dim else row, 0))

    def add_to(self, release: Release) -> None:
        rows = [value for value, _ in self.rows]
        if not self.col_dim:
            for row in rows:
                release.add(self.row_key(row), self.count(row))
            release.add(self.grand_key(), sum(self.count(r) for r in rows))
            release.add_sum(self.grand_key(), [self.row_key(r) for r in rows])
            return
        cols = [value for value, _ in self.cols]
        for row in rows:
            for col in cols:
                release.add(self.cell_key(row, col), self.count(row, col))
            release.add(self.row_key(row), sum(self.count(row, c) for c in cols))
            release.add_sum(self.row_key(row), [self.cell_key(row, c) for c in cols])
        for col in cols:
            release.add(self.col_key(col), sum(self.count(r, col) for r in rows))
            release.add_sum(self.col_key(col), [self.cell_key(r, col) for r in rows])
        release.add(self.grand_key(), sum(self.count(r, c) for r in rows for c in cols))
        release.add_sum(self.grand_key(), [self.row_key(r) for r in rows])
        release.add_sum(self.grand_key(), [self.col_key(c) for c in cols])


@dataclass
class ShownRow:
    value: str
    label: str
    cells: list[Shown]
    total: Shown
    share: str = ""  # filled in where a measure names a column worth a share


@dataclass
class ShownTable:
    """A table as it may be shown: every count already through suppression."""

    population: str
    row_dim: str
    col_dim: str
    cols: list[tuple[str, str]]
    rows: list[ShownRow]
    col_totals: list[Shown]
    total: Shown

    @property
    def any_hidden(self) -> bool:
        return any(s.is_hidden for s in self.every_count())

    def every_count(self) -> Iterable[Shown]:
        for row in self.rows:
            yield from row.cells
            yield row.total
        yield from self.col_totals
        yield self.total

    def share(self, row: ShownRow, col_value: str) -> str:
        """The column's share of the row as a percentage, only when both counts are shown."""
        index = [value for value, _ in self.cols].index(col_value)
        part, whole = row.cells[index].value, row.total.value
        if part is None or not whole:
            return ""
        return f"{round(100 * part / whole)}%"


def publish(tables: Iterable[Table], limit: int | None = None) -> list[ShownTable]:
    """Protect `tables` together and return them in the form every page and export shows."""
    tables = list(tables)
    shown = {}
    # Tables of different populations or periods share no count: protecting each group on its
    # own gives the same answer, and keeps each round of the attack small.
    groups: dict = {}
    for table in tables:
        groups.setdefault((table.population, table.period), []).append(table)
    for group in groups.values():
        release = Release()
        for table in group:
            table.add_to(release)
        shown |= release.protect(limit)
    return [_shown(table, shown) for table in tables]


def _shown(table: Table, shown: dict) -> ShownTable:
    rows = []
    for value, label in table.rows:
        if table.col_dim:
            cells = [shown[table.cell_key(value, col)] for col, _ in table.cols]
        else:
            cells = []
        rows.append(ShownRow(value, str(label), cells, shown[table.row_key(value)]))
    col_totals = [shown[table.col_key(col)] for col, _ in table.cols] if table.col_dim else []
    return ShownTable(
        population=table.population, row_dim=table.row_dim, col_dim=table.col_dim,
        cols=[(value, str(label)) for value, label in table.cols], rows=rows,
        col_totals=col_totals, total=shown[table.grand_key()],
    )


