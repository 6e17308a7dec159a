"""Small-cell suppression: no hidden count can be recovered from what is shown.

Each test builds counts, protects them, and lets tests/measures/attack.py try every assignment
of the hidden counts that fits the published rows, columns and totals.
"""

import random

import pytest
from django.core.exceptions import ImproperlyConfigured

from measures import suppression
from measures.tables import Table, publish
from tests.measures.attack import possible_values

ROWS = [("a", "A"), ("b", "B"), ("c", "C")]
COLS = [("x", "X"), ("y", "Y"), ("z", "Z")]


def _table(counts, population="referrals", period="current", cols=COLS):
    return Table(population=population, row_dim="source", rows=ROWS, counts=counts,
                 col_dim="urgency" if cols else "", cols=cols or [], period=period)


def _attack(*tables, limit=5):
    """Protect `tables` together; return {key: (true count, values a reader finds possible)}."""
    release = suppression.Release()
    for table in tables:
        table.add_to(release)
    shown = release.protect(limit)
    published = {key: s.text for key, s in shown.items()}
    cap = max(release.counts.values()) + 1
    possible = possible_values(published, release.sums, cap)
    return {key: (release.counts[key], values) for key, values in possible.items()}, shown


def _assert_nothing_recovered(attacked):
    for key, (count, values) in attacked.items():
        assert count in values, key
        assert len(values) > 1, f"{key} recovered as {values}"


def test_it_hides_a_cell_that_the_row_total_would_give_away():
    """One small cell in a table whose totals are shown: without a partner it is total - rest."""
    counts = {(r, c): 6 for r, _ in ROWS for c, _ in COLS} | {("a", "x"): 2}
    attacked, shown = _attack(_table(counts))
    _assert_nothing_recovered(attacked)
    assert shown[_table(counts).cell_key("a", "x")].text == "<5"
    # It took more than the one cell: its row and its column each lost another.
    assert len(attacked) >= 4


def test_it_hides_two_small_cells_that_bounds_would_give_away():
    """A row of 8 made of two "<5" cells can only be 4 + 4."""
    counts = {(r, c): 6 for r, _ in ROWS for c, _ in COLS} | {("a", "x"): 4, ("a", "y"): 4}
    attacked, _ = _attack(_table(counts))
    _assert_nothing_recovered(attacked)


def test_tables_of_one_population_are_protected_together():
    """The same referrals by source and by urgency share a total and margins."""
    by_source = Table("referrals", "source", ROWS, {"a": 3, "b": 20, "c": 30})
    by_urgency = Table("referrals", "urgency", COLS, {"x": 25, "y": 25, "z": 3})
    attacked, shown = _attack(by_source, by_urgency)
    _assert_nothing_recovered(attacked)
    # The shared grand total is one count, the same on both tables.
    assert shown[by_source.grand_key()] is shown[by_urgency.grand_key()]


@pytest.mark.parametrize("seed", range(40))
def test_random_small_tables_give_nothing_away(seed):
    generator = random.Random(seed)
    counts = {(r, c): generator.choice([0, 1, 2, 3, 4, 5, 6, 7, 9, 12])
              for r, _ in ROWS for c, _ in COLS}
    attacked, _ = _attack(_table(counts))
    _assert_nothing_recovered(attacked)


def test_the_comparison_period_is_not_summed_with_the_current_one():
    """Two periods are protected apart; nothing published adds them, so neither helps the other."""
    current = _table({(r, c): 6 for r, _ in ROWS for c, _ in COLS} | {("a", "x"): 1})
    previous = _table({(r, c): 6 for r, _ in ROWS for c, _ in COLS}, period="previous")
    attacked, shown = _attack(current, previous)
    _assert_nothing_recovered(attacked)
    assert not any(s.is_hidden for key, s in shown.items() if key[1] == "previous")


def test_published_tables_show_shares_only_from_shown_counts():
    counts = {(r, c): 6 for r, _ in ROWS for c, _ in COLS} | {("a", "x"): 2}
    (table,) = publish([_table(counts)], limit=5)
    row_a = table.rows[0]
    assert row_a.cells[0].text == "<5"
    assert table.share(row_a, "x") == ""
    assert table.share(table.rows[2], "z") == "33%" or table.rows[2].cells[2].is_hidden


def test_a_threshold_below_three_is_refused(settings):
    settings.MEASURES_SMALL_CELL_THRESHOLD = 2
    with pytest.raises(ImproperlyConfigured, match="at least 3"):
        suppression.threshold()


def test_the_threshold_defaults_to_five(settings):
    del settings.MEASURES_SMALL_CELL_THRESHOLD
    assert suppression.threshold() == 5
