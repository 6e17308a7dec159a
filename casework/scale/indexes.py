"""Secondary indexes and foreign keys set aside while a bulk load fills their tables (PostgreSQL).

Maintaining some 80 indexes and checking some 45 foreign keys row by row is most of what the
server spends on a generated case; building each index once from the sorted table, and checking
each foreign key with one join, costs a fraction of it. Everything happens in the caller's
transaction, so an interrupted load leaves the indexes and constraints exactly as they were.
Primary keys stay (other tables' foreign keys need them), and so does any index a foreign key
relies on, and partial indexes (PostgreSQL would give their predicates back re-worded).
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connections

_DEFINITIONS = """
SELECT 'index', i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
FROM pg_index i
WHERE i.indrelid = %(table)s::regclass AND NOT i.indisprimary AND i.indpred IS NULL
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
UNION ALL
SELECT CASE c.contype WHEN 'f' THEN 'foreign key' ELSE 'unique' END, c.conname,
       pg_get_constraintdef(c.oid)
FROM pg_constraint c
WHERE c.conrelid = %(table)s::regclass AND c.contype IN ('f', 'u')
  AND (c.contype = 'f' OR NOT EXISTS (
      SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid))
"""


@contextmanager
def set_aside(using: str, tables: list[str]):
    """Drop the secondary indexes, unique constraints and foreign keys of `tables`, and put
    them back, under the same names, when the block ends without an error. Must run inside a
    transaction."""
    connection = connections[using]
    assert connection.in_atomic_block, "set_aside needs a transaction to stay atomic"
    quote = connection.ops.quote_name
    held = []
    with connection.cursor() as cursor:
        # ALTER TABLE refuses a table with deferred foreign-key checks still pending (rows the
        # same transaction wrote before): run them now; Django's constraints are all deferred.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table in tables:
            cursor.execute(_DEFINITIONS, {"table": table})
            held += [(table, kind, name, definition) for kind, name, definition in cursor]
        for table, kind, name, _ in held:
            if kind == "index":
                cursor.execute(f"DROP INDEX {quote(name)}")
            else:
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
    yield held
    with connection.cursor() as cursor:
        # Room to sort in memory; PostgreSQL builds large indexes with parallel workers.
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        # Indexes and unique constraints first: the foreign keys' checks then find them.
        for table, kind, name, definition in sorted(held, key=lambda h: h[1] == "foreign key"):
            if kind == "index":
                cursor.execute(definition)
            else:
                cursor.execute(
                    f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
                )
