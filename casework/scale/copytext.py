"""Rows as PostgreSQL COPY text, built without a connection (in the generator's workers).

The values are those the generator hands to COPY: str, int, bool, None, date, aware datetime,
Django's choices and psycopg's integer wrappers. Anything else is refused rather than guessed
at, so a new column type shows up as an error, not as a wrong value.
"""

from __future__ import annotations

import datetime
import enum

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


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
    if isinstance(item, enum.Enum):  # Django's TextChoices and IntegerChoices
        return value(item.value)
    if isinstance(item, int):  # psycopg's Int2/Int4/Int8, which Django's defaults may give
        return str(int(item))
    raise TypeError(f"no COPY text for a {kind.__name__}")


def rows(tuples) -> str:
    """The COPY text of `tuples` (each in the table's column order)."""
    return "".join("\t".join(map(value, row)) + "\n" for row in tuples)
