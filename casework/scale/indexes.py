"""Secondary indexes and foreign keys set aside while a bulk load fills their tables (PostgreSQL).

Maintaining some 80 indexes and checking some 45 foreign keys row by row is most of what the
server spends on a generated case; building each index once from the sorted table, and checking
each foreign key with one join, costs a fraction of it. Primary keys stay (other tables' foreign
keys need them), and so does any index a foreign key relies on, and partial indexes (PostgreSQL
would give their predicates back re-worded).

Two ways to put them back:

- `set_aside`, in the caller's transaction on its one connection: an interrupted load leaves the
  indexes and constraints exactly as they were (what a load inside a transaction it does not
  own, such as a test's, uses);
- `take_aside` then `put_back_in_sessions`: the definitions are written to a table of their own
  (`scale_dataset_set_aside`) in the transaction that drops them and loads the rows, and once it
  commits they are built again on several connections at once, one statement at a time, so the
  server's cores share the sorting and the foreign keys' checks; the table is emptied last. A
  load interrupted after its commit leaves those rows behind: `finish` (which the generator
  and the load test run before anything else) builds whatever of them is missing. Each
  statement is atomic, so an index or constraint is either there whole or not at all.
"""

from __future__ import annotations

import queue
import threading
from contextlib import contextmanager

from django.db import OperationalError, connections

PENDING_TABLE = "scale_dataset_set_aside"
# Room to sort in memory; PostgreSQL builds large indexes with parallel workers.
MAINTENANCE_WORK_MEM = "1GB"

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


def _drop(connection, tables: list[str]) -> list[tuple[str, str, str, str]]:
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
    return held


def _statement(connection, table: str, kind: str, name: str, definition: str) -> str:
    if kind == "index":
        return definition
    quote = connection.ops.quote_name
    return f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"


def _in_order(held):
    """Indexes and unique constraints first: the foreign keys' checks then find them."""
    return sorted(held, key=lambda h: h[1] == "foreign key")


@contextmanager
def set_aside(using: str, tables: list[str]):
    """Drop the secondary indexes, unique constraints and foreign keys of `tables`, and put
    them back, under the same names, when the block ends without an error. Must run inside a
    transaction."""
    connection = connections[using]
    assert connection.in_atomic_block, "set_aside needs a transaction to stay atomic"
    held = _drop(connection, tables)
    yield held
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
        for entry in _in_order(held):
            cursor.execute(_statement(connection, *entry))


def _ensure_pending_table(cursor) -> None:
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {PENDING_TABLE} (id bigserial PRIMARY KEY, "
        "table_name text NOT NULL, kind text NOT NULL, name text NOT NULL, "
        "definition text NOT NULL)"
    )


def take_aside(using: str, tables: list[str]) -> list[tuple[str, str, str, str]]:
    """Drop what `set_aside` drops and write its definitions to PENDING_TABLE, in the caller's
    transaction: they commit with the rows loaded after them, and `put_back_in_sessions` (or,
    after an interruption, `finish`) builds them again."""
    connection = connections[using]
    assert connection.in_atomic_block, "take_aside needs a transaction to stay atomic"
    held = _drop(connection, tables)
    with connection.cursor() as cursor:
        _ensure_pending_table(cursor)
        for entry in held:
            cursor.execute(
                f"INSERT INTO {PENDING_TABLE} (table_name, kind, name, definition) "  # noqa: S608
                "VALUES (%s, %s, %s, %s)",
                list(entry),
            )
    return held


def pending(using: str) -> list[tuple[str, str, str, str]]:
    """The definitions an interrupted load left to build (none if it finished)."""
    connection = connections[using]
    if PENDING_TABLE not in connection.introspection.table_names():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT table_name, kind, name, definition FROM {PENDING_TABLE} ORDER BY id"  # noqa: S608
        )
        return [tuple(row) for row in cursor.fetchall()]


def _missing(using: str, held) -> list[tuple[str, str, str, str]]:
    """What of `held` is not there whole: absent, or a foreign key added but not validated."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind = 'i'"
        )
        present = {name for (name,) in cursor.fetchall()} | _constraints(using, validated=True)
    return [entry for entry in held if entry[2] not in present]


def _constraints(using: str, *, validated: bool) -> set[str]:
    """The names of this schema's constraints that are (or are not yet) validated."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE convalidated = %s AND connamespace = "
            "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())", [validated]
        )
        return {name for (name,) in cursor.fetchall()}


def put_back_in_sessions(using: str, held, *, sessions: int = 2, cpu=None) -> float:
    """Build `held` again on `sessions` connections at once, then empty PENDING_TABLE. The
    other sessions must see the rows: call it once they commit. `cpu(using)`, when given,
    says what a session's backend has spent so far: returns the sum over the sessions (0.0
    without it).

    First the indexes and unique constraints, the largest tables first, so the last
    statements are short ones. Then the foreign keys, in two steps, as adding one at once
    would lock the table it references against every other foreign key to it (most reference
    `casework_case`): each is added `NOT VALID` (no check, a moment each, one session), then
    validated on all sessions at once (a validation leaves the referenced table to the
    others). The end is the same constraint, validated, as adding it in one step gives."""
    connection = connections[using]
    if connection.in_atomic_block:
        # Inside a transaction the caller holds (a test's), other sessions would not see its
        # rows: build on its own connection, one statement after the other.
        with connection.cursor() as cursor:
            for entry in _in_order(held):
                cursor.execute(_statement(connection, *entry))
            cursor.execute(f"DELETE FROM {PENDING_TABLE}")  # noqa: S608
        return 0.0
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'"
        )
        size = dict(cursor.fetchall())
    largest_first = sorted(held, key=lambda h: -size.get(h[0], 0))
    keys = [entry for entry in largest_first if entry[1] == "foreign key"]
    added = _constraints(using, validated=False)  # an interrupted rebuild's, already added
    spent = _in_sessions(using, [_statement(connection, *entry) for entry in largest_first
                                 if entry[1] != "foreign key"], sessions=sessions, cpu=cpu)
    spent += _in_sessions(using, [
        f"{_statement(connection, *entry)} NOT VALID" for entry in keys if entry[2] not in added
    ], sessions=1, cpu=cpu)
    spent += _in_sessions(using, [
        f"ALTER TABLE {quote(table)} VALIDATE CONSTRAINT {quote(name)}"
        for table, _, name, _ in keys
    ], sessions=sessions, cpu=cpu)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {PENDING_TABLE}")  # noqa: S608
    return spent


def _in_sessions(using: str, statements: list[str], *, sessions: int, cpu) -> float:
    """Run `statements`, each on its own (autocommit), on up to `sessions` connections at once,
    in order as sessions come free; the first error stops them all and is raised. Returns
    the CPU seconds the sessions' backends spent, by `cpu` (0.0 without it)."""
    if not statements:
        return 0.0
    work = queue.SimpleQueue()
    for statement in statements:
        work.put(statement)
    failures, spent = [], []

    def run_all():
        try:
            started = cpu(using) if cpu else None
            with connections[using].cursor() as cursor:
                cursor.execute(f"SET maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
                while not failures:
                    try:
                        statement = work.get_nowait()
                    except queue.Empty:
                        break
                    _execute_retrying(cursor, statement)
            ended = cpu(using) if cpu else None
            if started is not None and ended is not None:
                spent.append(ended - started)
        except Exception as error:  # noqa: BLE001 - handed to the caller below
            failures.append(error)
        finally:
            connections[using].close()  # this thread's own connection

    helpers = [threading.Thread(target=run_all)
               for _ in range(max(1, min(sessions, len(statements))))]
    for helper in helpers:
        helper.start()
    for helper in helpers:
        helper.join()
    if failures:
        raise failures[0]
    return sum(spent)


def _execute_retrying(cursor, statement: str, attempts: int = 3) -> None:
    """Two foreign keys between the same pair of tables, added at once from two sessions, can
    deadlock; PostgreSQL then cancels one, which is simply run again."""
    for attempt in range(attempts):
        try:
            cursor.execute(statement)
            return
        except OperationalError as error:
            if "deadlock" not in str(error) or attempt == attempts - 1:
                raise


def finish(using: str, *, sessions: int = 2) -> int:
    """Build whatever an interrupted load left set aside; returns how many were missing."""
    held = pending(using)
    if not held:
        return 0
    missing = _missing(using, held)
    put_back_in_sessions(using, missing, sessions=sessions)
    return len(missing)
