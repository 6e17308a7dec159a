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
whole: a run returns a list, never a QuerySet that could be chained into other SQL.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

# Placeholder values: integers that fit every integer column (Django drops a lookup whose value
# a column could not hold), far beyond any id or count this system reaches, each different.
_PLACEHOLDERS = tuple(2_147_000_001 + i for i in range(8))


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
        connection = connections[using]
        cache = connection.__dict__.setdefault("_casework_compiled", {})
        key = (self, *sorted(shape.items()))
        prepared = cache.get(key)
        if prepared is None:
            prepared = cache[key] = _Prepared(self._build, len(values), shape, using)
        return prepared.run(values, known_related or {})


class _Prepared:
    """One connection's compiled form of a query: its SQL, where each value goes in its
    parameters, and a compiler that hands out that SQL instead of compiling again."""

    def __init__(self, build, arity: int, shape: dict, using: str):
        placeholders = _PLACEHOLDERS[:arity]
        self.queryset = build(*placeholders, **shape).using(using)
        compiler = self.queryset.query.get_compiler(using=using)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet as error:
            raise ValueError("a placeholder is out of range for the column it is compared with, "
                             "or the query can never match") from error
        self.slots = [(i, placeholders.index(p) if p in placeholders else None)
                      for i, p in enumerate(params)]
        missing = set(range(arity)) - {slot for _, slot in self.slots}
        if missing:
            raise ValueError(f"values {sorted(missing)} do not reach the SQL as parameters")
        self.sql, self.params = sql, list(params)
        self.current = self.params
        compiler.as_sql = self._as_sql
        self.queryset.query.get_compiler = lambda *args, **kwargs: compiler

    def _as_sql(self, *args, **kwargs):
        return self.sql, self.current

    def run(self, values, known_related: dict) -> list:
        params = list(self.params)
        for position, slot in self.slots:
            if slot is not None:
                params[position] = values[slot]
        self.current = tuple(params)
        queryset = self.queryset._chain()
        queryset._known_related_objects = {
            queryset.model._meta.get_field(name): {instance.pk: instance}
            for name, instance in known_related.items()
        }
        return list(queryset)
