"""Rows as PostgreSQL COPY text, built without a connection (in the generator's workers).

The values are those the generator hands to COPY: str, int, bool, None, date, aware datetime,
bytes, Django's choices and psycopg's integer wrappers. Anything else is refused rather than guessed
at, so a new column type shows up as an error, not as a wrong value.

Formatting is most of what a worker spends per row, so `rows` takes a fast path: each row goes
through one `%s` format (str() of every value, which PostgreSQL reads as the same value: "True",
"2026-01-02 03:04:05.123456+00:00", a choice's value), and the whole batch is then checked in
one pass for anything that needed escaping. A batch that fails the check goes through `value`,
one value at a time.
"""

from __future__ import annotations

import datetime
import enum

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
# What str() prints as PostgreSQL reads it, for the fast path.
_PLAIN = frozenset({str, int, bool, datetime.date})
_NULL = "\x00"


def value(item) -> str:
    kind = type(item)
    if kind is str:
        # Most values (tokens, hashes, references) have nothing to escape: skip the translate.
        if "\\" in item or "\t" in item or "\n" in item or "\r" in item:
            return item.translate(_ESCAPES)
        return item
    if item is None:
        return "\\N"
    if kind is bool:
        return "t" if item else "f"
    if kind is int:
        return str(item)
    if kind is datetime.datetime:
        if item.tzinfo is None:
            raise ValueError("naive datetime in a COPY row: the generator writes aware ones")
        return item.isoformat()
    if kind is datetime.date:
        return item.isoformat()
    if kind is bytes:  # bytea in hex, its backslash escaped for COPY
        return "\\\\x" + item.hex()
    if isinstance(item, enum.Enum):  # Django's TextChoices and IntegerChoices
        return value(item.value)
    if isinstance(item, int):  # psycopg's Int2/Int4/Int8, which Django's defaults may give
        return str(int(item))
    raise TypeError(f"no COPY text for a {kind.__name__}")


def _plain(item) -> bool:
    """Whether str(item) is the COPY text of item, escaping aside."""
    kind = type(item)
    if kind in _PLAIN:
        return True
    if kind is datetime.datetime:
        return item.tzinfo is not None
    if isinstance(item, enum.Enum):
        return _plain(item.value)
    return isinstance(item, int) and str(item) == str(int(item))


def is_plain(item) -> bool:
    """Whether str(item) is item's COPY text once nothing in it needs escaping."""
    return item is not None and _plain(item)


def _exact(row) -> str:
    return "\t".join(map(value, row)) + "\n"


def rows(tuples) -> str:
    """The COPY text of `tuples` (each in the table's column order; every row of a table
    holds the same kinds of value in each column, NULLs aside)."""
    tuples = tuples if isinstance(tuples, list) else list(tuples)
    if not tuples:
        return ""
    width = len(tuples[0])
    line = "\t".join(["%s"] * width) + "\n"
    # The kinds are checked on the first row and the first without a NULL: the generator
    # gives every row of a table the same keys from the same code, so a column's kind does not
    # change from row to row.
    samples = (tuples[0], next((row for row in tuples if None not in row), tuples[0]))
    if not all(_plain(item) for row in samples for item in row if item is not None):
        return "".join(map(_exact, tuples))
    # A NULL goes in as a NUL character, which no value holds (PostgreSQL's text refuses it),
    # and becomes \N once the batch is checked: there must be exactly as many as NULLs.
    parts, nulls = [], 0
    for row in tuples:
        if None in row:
            nulls += row.count(None)
            row = tuple([_NULL if item is None else item for item in row])
        parts.append(line % row)
    text = "".join(parts)
    # Nothing needed escaping when the separators are exactly the ones put there and no value
    # holds a backslash or a carriage return.
    if (
        "\\" in text or "\r" in text or text.count("\n") != len(tuples)
        or text.count("\t") != len(tuples) * (width - 1) or text.count(_NULL) != nulls
    ):
        return "".join(map(_exact, tuples))
    return text.replace(_NULL, "\\N") if nulls else text
