"""Small-cell suppression with complementary suppression, for every figure the lead sees.

A release is a set of counts (cells) and the sums that relate them (a row total is the sum of
its row, the grand total the sum of the row totals, ...). Counts below the threshold are shown
as "<5" (zero included, so that a zero is no clue). A suppressed count must not be recoverable
from what is shown, so this module attacks its own output the way a reader would, and withholds
("—") one more count each time an attack succeeds, until none does:

- by bounds: a reader knows each "<5" is 0-4 and each "—" at least 5, and pushes those bounds
  through every sum (a row of total 8 with two "<5" cells gives both away as 4);
- by algebra: any combination of the published sums that isolates one hidden count (a row, a
  column and a total together), found by row-reducing the sums over the hidden counts (modulo
  a large prime: the same ranks as over the rationals for these small integer sums, and fast).

Tables that share a population (and so totals) go into one release, so one table cannot give
away what another hides; the comparison period is a release of its own, with no sum linking
the two periods.
"""

from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULT_THRESHOLD = 5
LOWEST_THRESHOLD = 3  # below this, "suppressed" cells say too much to protect anyone
WITHHELD = "\u2014"

SHOWN, SUPPRESSED, COMPLEMENTARY = "shown", "suppressed", "withheld"


def threshold() -> int:
    """The configured threshold (MEASURES_SMALL_CELL_THRESHOLD), refused below 3."""
    value = int(getattr(settings, "MEASURES_SMALL_CELL_THRESHOLD", DEFAULT_THRESHOLD))
    if value < LOWEST_THRESHOLD:
        raise ImproperlyConfigured(
            f"MEASURES_SMALL_CELL_THRESHOLD is {value}; it must be at least {LOWEST_THRESHOLD}, "
            "or suppressed counts could be told apart too easily."
        )
    return value


@dataclass(frozen=True)
class Shown:
    """One count as it may be published."""

    count: int
    state: str
    limit: int

    @property
    def text(self) -> str:
        if self.state == SUPPRESSED:
            return f"<{self.limit}"
        if self.state == COMPLEMENTARY:
            return WITHHELD
        return str(self.count)

    @property
    def is_hidden(self) -> bool:
        return self.state != SHOWN

    @property
    def value(self) -> int | None:
        """The count if it is shown, else None: the only way a chart or a share may read it."""
        return None if self.is_hidden else self.count

    def __str__(self):
        return self.text


class Release:
    """Counts and the sums between them, protected together by `protect`."""

    def __init__(self):
        self.counts: dict[Hashable, int] = {}
        self.sums: list[tuple[Hashable, tuple[Hashable, ...]]] = []

    def add(self, key: Hashable, count: int) -> None:
        previous = self.counts.setdefault(key, int(count))
        if previous != count:
            raise ValueError(f"{key!r} is counted twice with different values")

    def add_sum(self, total: Hashable, parts: Iterable[Hashable]) -> None:
        parts = tuple(parts)
        if parts and (total, parts) not in self.sums:
            self.sums.append((total, parts))

    def protect(self, limit: int | None = None) -> dict[Hashable, Shown]:
        limit = threshold() if limit is None else limit
        hidden = {key: SUPPRESSED for key, count in self.counts.items() if count < limit}
        totals = {total for total, _ in self.sums}
        while True:
            exposed = sorted(recoverable(self.counts, self.sums, hidden, limit), key=repr)
            # One partner for each exposed count per round (a round costs a whole attack).
            partners = {self._partner(key, hidden, totals) for key in exposed} - {None}
            if not partners:
                break  # nothing exposed, or everything linked to it is hidden already
            for partner in partners:
                hidden[partner] = COMPLEMENTARY
        return {
            key: Shown(count, hidden.get(key, SHOWN), limit) for key, count in self.counts.items()
        }

    def _partner(self, key, hidden, totals):
        """The smallest shown count in a sum with `key`, a part rather than a total if any."""
        candidates = {
            member
            for total, parts in self.sums
            if key == total or key in parts
            for member in (total, *parts)
            if member not in hidden
        }
        if not candidates:
            return None
        return min(candidates, key=lambda k: (k in totals, self.counts[k], repr(k)))


def recoverable(counts, sums, hidden, limit) -> set:
    """The hidden keys a reader could work out exactly from what is shown."""
    if not hidden:
        return set()
    return _pinned_by_bounds(counts, sums, hidden, limit) | _isolated_by_algebra(sums, hidden)


def _pinned_by_bounds(counts, sums, hidden, limit) -> set:
    infinity = sum(counts.values()) + 1
    low, high = {}, {}
    for key in counts:
        if key not in hidden:
            low[key] = high[key] = counts[key]
        elif hidden[key] == SUPPRESSED:
            low[key], high[key] = 0, limit - 1
        else:
            low[key], high[key] = limit, infinity
    # Only sums with a hidden member can move a bound.
    live = [(t, parts) for t, parts in sums if t in hidden or any(p in hidden for p in parts)]
    changed = True
    while changed:
        changed = False
        for total, parts in live:
            # total = sum(parts): each side bounds the other, and each part the rest.
            parts_low, parts_high = sum(low[p] for p in parts), sum(high[p] for p in parts)
            new_low, new_high = max(low[total], parts_low), min(high[total], parts_high)
            if (new_low, new_high) != (low[total], high[total]):
                low[total], high[total], changed = new_low, new_high, True
            for part in parts:
                if part not in hidden:
                    continue
                part_low = max(low[part], low[total] - (parts_high - high[part]))
                part_high = min(high[part], high[total] - (parts_low - low[part]))
                if (part_low, part_high) != (low[part], high[part]):
                    parts_low += part_low - low[part]
                    parts_high += part_high - high[part]
                    low[part], high[part], changed = part_low, part_high, True
    return {key for key in hidden if low[key] == high[key]}


def _isolated_by_algebra(sums, hidden) -> set:
    """Hidden keys fixed by the linear system of the sums, component by component."""
    rows = []
    for total, parts in sums:
        row = defaultdict(int)
        for key, sign in ((total, -1), *((p, 1) for p in parts)):
            if key in hidden:
                row[key] += sign
        row = {k: v for k, v in row.items() if v}
        if row:
            rows.append(row)
    exposed = set()
    for component in _components(rows):
        exposed |= _determined(component)
    return exposed


def _components(rows):
    parent = {}

    def find(key):
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for row in rows:
        first, *rest = row
        for key in rest:
            parent[find(key)] = find(first)
    groups = defaultdict(list)
    for row in rows:
        groups[find(next(iter(row)))].append(row)
    return groups.values()


PRIME = 2**61 - 1


def _determined(rows) -> set:
    """Row-reduce; a pivot whose reduced row names no free variable is fixed by the sums."""
    pivots = {}  # key -> reduced row, {key: coefficient mod PRIME}
    for row in rows:
        row = {k: v % PRIME for k, v in row.items()}
        for key, reduced in pivots.items():
            factor = row.get(key)
            if factor:
                for k, v in reduced.items():
                    row[k] = (row.get(k, 0) - factor * v) % PRIME
                row = {k: v for k, v in row.items() if v}
        if not row:
            continue
        key = min(row, key=repr)
        inverse = pow(row[key], PRIME - 2, PRIME)
        row = {k: v * inverse % PRIME for k, v in row.items()}
        for other, reduced in pivots.items():
            factor = reduced.get(key)
            if factor:
                for k, v in row.items():
                    reduced[k] = (reduced.get(k, 0) - factor * v) % PRIME
                pivots[other] = {k: v for k, v in reduced.items() if v}
        pivots[key] = row
    return {key for key, row in pivots.items() if set(row) == {key}}
