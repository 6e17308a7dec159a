"""Hot queries compiled to SQL once per database connection.

Django compiles a QuerySet to SQL each time it runs, and for the small indexed queries of the
case page that costs more CPU than PostgreSQL takes to answer them: about a third of the page.
A `CompiledQuery` is a query whose shape never changes (the same filters, ordering, joins and
limit), built once with placeholder values; each run binds the real values into the SQL Django
made the first time, and Django's own iterables turn the rows into model instances as usual
(select_related included). With server-side binding the SQL text is the same every time, so
PostgreSQL's prepared statements are reused too.

Rules for a query built here: its values come only from the placeholders it is given (nothing
read from settings, the clock or the database at build time), and it is only ever evaluated
whole: a run returns a list, never a QuerySet that could be chained into other SQL. A
`CompiledSubquery` is the same for an id set that other queries filter by: a run returns the
SQL, with its values bound, as an expression (`pk__in=...`).

Values are integers, strings and aware datetimes; each gets a placeholder of its own type, and a
datetime is matched and bound in the form the database driver is given it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

# Placeholder values, each different: integers that fit every integer column (Django drops a
# lookup whose value a column could not hold), far beyond any id or count this system reaches;
# strings no one types; instants centuries away.
_SLOTS = 32
_PLACEHOLDERS = {
    int: tuple(2_147_000_001 + i for i in range(_SLOTS)),
    str: tuple(f"compiled-placeholder-{i}" for i in range(_SLOTS)),
    datetime.datetime: tuple(datetime.datetime(2999, 12, 31, 23, 59, i, tzinfo=datetime.UTC)
                             for i in range(_SLOTS)),
}


def _kinds(values) -> tuple[type, ...]:
    def kind(value):
        for candidate in _PLACEHOLDERS:
            if isinstance(value, candidate):
                return candidate
        raise TypeError(f"a compiled query takes no value of type {type(value).__name__}")
    return tuple(kind(value) for value in values)


def _bindable(value, connection):
    """A value as Django hands it to the driver (a datetime is adapted; the rest as they are)."""
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


class CompiledQuery:
    """`build(*placeholders, **shape)` returns the QuerySet; calling the CompiledQuery with
    as many values runs it with those values in the placeholders' places. `shape` (a limit,
    say) changes the SQL itself: each shape is compiled once."""

    def __init__(self, build: Callable[..., QuerySet]):
        self._build = build

    def __call__(self, *values, known_related: dict | None = None,
                 using: str = DEFAULT_DB_ALIAS, **shape) -> list:
        """The rows, as the QuerySet would give them. `known_related`: {relation field name:
        model instance} for an instance the rows point to that the caller already holds (as
        `case.transitions` knows its case), so reading it back costs no query."""
        if len(values) > _SLOTS:  # more than there are placeholders: compiled for this run
            return list(self._build(*values, **shape).using(using))
        return _prepared(self, values, shape, using).run(values, known_related or {})


class CompiledSubquery:
    """An id set compiled once per connection and shape, as CompiledQuery: calling it with the
    values gives an expression for `field__in=` whose SQL is made once (the build returns a
    QuerySet of one column, with no ordering)."""

    def __init__(self, build: Callable[..., QuerySet]):
        self._build = build

    def __call__(self, *values, using: str = DEFAULT_DB_ALIAS, **shape) -> RawSQL:
        # The SQL is what Django compiled from the QuerySet; every value is a parameter.
        if len(values) > _SLOTS:  # more than there are placeholders: compiled for this run
            queryset = self._build(*values, **shape).using(using)
            return RawSQL(*queryset.query.get_compiler(using=using).as_sql())  # noqa: S611
        return RawSQL(*_prepared(self, values, shape, using).bound(values))  # noqa: S611


def _prepared(query, values, shape: dict, using: str) -> _Prepared:
    connection = connections[using]
    cache = connection.__dict__.setdefault("_casework_compiled", {})
    kinds = _kinds(values)
    key = (query, kinds, *sorted(shape.items()))
    prepared = cache.get(key)
    if prepared is None:
        prepared = cache[key] = _Prepared(query._build, kinds, shape, using)
    return prepared


class _Prepared:
    """One connection's compiled form of a query: its SQL, where each value goes in its
    parameters, and a compiler that hands out that SQL instead of compiling again."""

    def __init__(self, build, kinds: tuple[type, ...], shape: dict, using: str):
        self.connection = connections[using]
        placeholders = [_PLACEHOLDERS[kind][i] for i, kind in enumerate(kinds)]
        self.queryset = build(*placeholders, **shape).using(using)
        compiler = self.queryset.query.get_compiler(using=using)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet as error:
            raise ValueError("a placeholder is out of range for the column it is compared with, "
                             "or the query can never match") from error
        bound = [_bindable(p, self.connection) for p in placeholders]
        self.slots = [(i, bound.index(p) if p in bound else None)
                      for i, p in enumerate(params)]
        missing = set(range(len(kinds))) - {slot for _, slot in self.slots}
        if missing:
            raise ValueError(f"values {sorted(missing)} do not reach the SQL as parameters")
        self.sql, self.params = sql, list(params)
        self.current = self.params
        compiler.as_sql = self._as_sql
        self.queryset.query.get_compiler = lambda *args, **kwargs: compiler

    def _as_sql(self, *args, **kwargs):
        return self.sql, self.current

    def bound(self, values) -> tuple[str, tuple]:
        """The SQL and its parameters with `values` in the placeholders' places."""
        params = list(self.params)
        for position, slot in self.slots:
            if slot is not None:
                params[position] = _bindable(values[slot], self.connection)
        return self.sql, tuple(params)

    def run(self, values, known_related: dict) -> list:
        self.current = self.bound(values)[1]
        queryset = self.queryset._chain()
        queryset._known_related_objects = {
            queryset.model._meta.get_field(name): {instance.pk: instance}
            for name, instance in known_related.items()
        }
        return list(queryset)
