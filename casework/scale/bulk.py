"""Fast writes of whole tables: COPY on PostgreSQL, executemany elsewhere.

Rows are dicts keyed by field attname holding values already as the database stores them
(encrypted fields sealed to their row, JSON as text). A column the caller leaves out gets the
field's default, so a column added to a model later is still written as the app would write it.
Ids are reserved up front, so child rows can point at parents without reading anything back.
"""

from __future__ import annotations

import base64
import datetime
import operator
import os

from django.db import connections
from django.db.models import Field

from casework import crypto
from casework.crypto import EncryptedField
from casework.scale import copytext


class Sealer:
    """Field values sealed to their rows, as the app's encrypted fields seal them on save().

    crypto.seal with the key, the key id and the associated data's layout held ready: AES-GCM
    under the newest key, bound to table, field and primary key (scope "row"). Every value gets
    its own nonce, so no two rows share a ciphertext, and each decrypts only in its own row and
    field, like everything the app writes.
    """

    def __init__(self):
        key = crypto.keyring().newest
        self._encrypt = key.aead.encrypt
        self._prefix = f"{crypto.PREFIX}:{key.id}:{crypto.ROW}:"

    def seal(self, text: str, table: str, field: str, pk) -> str:
        """crypto.seal(text, table=table, field=field, pk=pk)."""
        nonce = os.urandom(crypto.NONCE_BYTES)
        body = self._encrypt(nonce, text.encode(), f"{table}|{field}|{pk}".encode())
        return self._prefix + base64.urlsafe_b64encode(nonce + body).decode()


class Table:
    """One model's table: its column order, and how to fill the columns a row leaves out."""

    def __init__(self, model, using: str, sealer: Sealer):
        self.model = model
        self.using = using
        self.connection = connections[using]
        self.fields: list[Field] = list(model._meta.concrete_fields)
        self.names = [field.attname for field in self.fields]
        self.sealer = sealer
        self.table_name = model._meta.db_table
        self.pk_name = model._meta.pk.attname
        self._fill = {field.attname: self._filler(field) for field in self.fields}
        self._datetimes = [
            i for i, field in enumerate(self.fields)
            if field.get_internal_type() == "DateTimeField"
        ]

    def _filler(self, field: Field):
        """A callable giving, for a row, the stored default of a column the generator does not
        set (an encrypted default is sealed to the row, as save() seals it)."""
        if isinstance(field, EncryptedField):
            default = field.get_default()
            if default is None:
                return lambda row: None
            text = field.to_text(field.to_python(default))
            seal, table, name, pk = self.sealer.seal, self.table_name, field.name, self.pk_name
            return lambda row: seal(text, table, name, row[pk])
        if callable(field.default):
            return lambda row: field.get_db_prep_save(field.get_default(), self.connection)
        value = field.get_db_prep_save(field.get_default(), self.connection)
        return lambda row: value

    def seal(self, text: str, field: str, pk) -> str:
        """`text` sealed to row `pk`'s `field` of this table."""
        return self.sealer.seal(text, self.table_name, field, pk)

    def tuples(self, rows: list[dict]) -> list[tuple]:
        """The rows in column order. The generator gives every row of a table the same keys,
        so one itemgetter serves them all once the missing columns are filled in."""
        if not rows:
            return []
        missing = [name for name in self.names if name not in rows[0]]
        if missing:
            fill = self._fill
            for row in rows:
                for name in missing:
                    row[name] = fill[name](row)
        get = operator.itemgetter(*self.names)
        if len(self.names) == 1:
            return [(get(row),) for row in rows]
        return [get(row) for row in rows]

    def copy_text(self, rows) -> str:
        """`rows` (dicts) as COPY text; needs no connection, so workers can build it."""
        return copytext.rows(self.tuples(rows))

    def write_text(self, text: str) -> None:
        """Stream COPY text (copy_text's) into the table (PostgreSQL)."""
        if not text:
            return
        quote = self.connection.ops.quote_name
        table = quote(self.model._meta.db_table)
        columns = ", ".join(quote(field.column) for field in self.fields)
        # psycopg 3: the raw cursor streams COPY; Django's wrapper has no copy().
        with self.connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {table} ({columns}) FROM STDIN"
        ) as copy:
            copy.write(text)

    def write(self, rows) -> int:
        """Write `rows` (dicts); returns how many."""
        if self.connection.vendor == "postgresql":
            self.write_text(self.copy_text(rows))
            return len(rows)
        rows = self.tuples(rows)
        if not rows:
            return 0
        quote = self.connection.ops.quote_name
        table = quote(self.model._meta.db_table)
        columns = ", ".join(quote(field.column) for field in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        with self.connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608
                [self._adapt(row) for row in rows],
            )
        return len(rows)

    def _adapt(self, row: tuple) -> tuple:
        """SQLite stores naive UTC text for datetimes, as Django's backend writes them."""
        if not self._datetimes:
            return row
        row = list(row)
        adapt = self.connection.ops.adapt_datetimefield_value
        for i in self._datetimes:
            if isinstance(row[i], datetime.datetime):
                row[i] = adapt(row[i])
        return tuple(row)

    def reserve_ids(self, count: int) -> range:
        """Reserve `count` consecutive primary keys for rows this run will write."""
        pk = self.model._meta.pk
        table = self.model._meta.db_table
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                # One statement moves the sequence past the block, so the app's own later
                # inserts continue after it.
                quote = self.connection.ops.quote_name
                newest = f"SELECT COALESCE(MAX({quote(pk.column)}), 0) FROM {quote(table)}"  # noqa: S608
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, %s), "  # noqa: S608
                    f"GREATEST(({newest}), nextval(pg_get_serial_sequence(%s, %s))) + %s) - %s",
                    [table, pk.column, table, pk.column, max(count, 1), max(count, 1)],
                )
                first = cursor.fetchone()[0] + 1
            else:
                quote = self.connection.ops.quote_name
                cursor.execute(
                    f"SELECT COALESCE(MAX({quote(pk.column)}), 0) FROM {quote(table)}"  # noqa: S608
                )
                first = cursor.fetchone()[0] + 1
        return range(first, first + count)
