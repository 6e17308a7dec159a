"""Re-encrypt every encrypted value under the newest key, bound to its row; count and retire keys.

    rotate_encryption_keys                    re-encrypt what is not yet under the newest key
    rotate_encryption_keys --max-batches 10   do at most ten batches per model, then stop
    rotate_encryption_keys --report           count values under each key (and legacy, unbound)
    rotate_encryption_keys --retire KEY_ID    record that a key may go; refused while in use

Killable and resumable: each batch is one transaction that locks its rows, so a run stopped at
any moment leaves every value readable (either as it was or re-encrypted), and the next run
skips what is already under the newest key. Legacy Fernet values and values sealed without a
row (a migration's column default, a QuerySet.update()) are bound to their rows on the way.
On the audit record: the start, the end and the values left under each key; never key material.
"""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from audit import events
from casework import crypto
from casework.crypto import DecryptionFailed, EncryptedField, Sealed


def encrypted_models():
    """(model, [encrypted fields]) for every concrete model that has any."""
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [f for f in model._meta.local_concrete_fields if isinstance(f, EncryptedField)]
        if fields:
            yield model, fields


def usage() -> dict[str, int]:
    """How many stored values are under each key id, plus "legacy" and "<id> (field only)"."""
    counts: dict[str, int] = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model, fields in encrypted_models():
            for field in fields:
                column, table = quote(field.column), quote(model._meta.db_table)
                cursor.execute(
                    f"SELECT substr({column}, 1, 16), count(*) FROM {table} "  # noqa: S608
                    f"WHERE {column} IS NOT NULL GROUP BY substr({column}, 1, 16)")
                for prefix, count in cursor.fetchall():
                    parts = crypto.parse(prefix + "x")
                    if parts is None:
                        name = crypto.LEGACY
                    elif parts[1] == crypto.ROW:
                        name = parts[0]
                    else:
                        name = f"{parts[0]} (field only)"
                    counts[name] = counts.get(name, 0) + count
    return counts


def rebind_batch(model, fields, *, after, size, newest) -> tuple[int, int | None]:
    """Re-encrypt one batch of rows with pk > `after`; return (rows changed, last pk seen)."""
    names = [f.attname for f in fields]
    changed = 0
    with transaction.atomic():
        rows = list(model._base_manager.filter(pk__gt=after).order_by("pk")
                    .select_for_update().values_list("pk", *names)[:size])
        for pk, *values in rows:
            update = {}
            for field, value in zip(fields, values, strict=True):
                if value is None:
                    continue
                if isinstance(value, Sealed):
                    if crypto.parse(value.token)[0] == newest:
                        continue
                    value = field.from_text(field.open_text(value.token, pk))
                update[field.attname] = field.bound(value, pk)
            if update:
                # update(), not save(): no auto_now, no signals; the values themselves are
                # unchanged, the rows are locked, and this run is on the record as a whole.
                model._base_manager.filter(pk=pk).update(**update)
                changed += 1
    return changed, (rows[-1][0] if rows else None)


class Command(BaseCommand):
    help = "Re-encrypt encrypted values under the newest key, bound to their rows; count keys."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--max-batches", type=int, default=0,
                            help="Stop after this many batches per model (0: no limit).")
        parser.add_argument("--report", action="store_true",
                            help="Only count the values under each key.")
        parser.add_argument("--retire", metavar="KEY_ID",
                            help="Record that KEY_ID may be removed; refused while it is in use.")

    def handle(self, *args, batch_size, max_batches, report, retire, **options):
        if retire:
            return self.retire(retire)
        if report:
            return self.show(usage())
        ids = crypto.key_ids()
        newest = ids[0]
        events.record(events.KEY_ROTATION, reference="field encryption", stage="started",
                      keys=ids)
        total = 0
        try:
            for model, fields in encrypted_models():
                total += self.rotate(model, fields, batch_size, max_batches, newest)
        except DecryptionFailed as error:
            events.record(events.KEY_ROTATION, reference="field encryption", stage="failed",
                          keys=ids, rows=total)
            raise CommandError(f"{error} The batch it was in was left as it was.") from error
        remaining = usage()
        events.record(events.KEY_ROTATION, reference="field encryption", stage="finished",
                      keys=ids, rows=total, remaining=remaining)
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {total} rows under key {newest}."))
        self.show(remaining)

    def rotate(self, model, fields, batch_size, max_batches, newest) -> int:
        done, last_pk, batches = 0, 0, 0
        while not max_batches or batches < max_batches:
            changed, last_pk = rebind_batch(model, fields, after=last_pk, size=batch_size,
                                            newest=newest)
            if last_pk is None:
                break
            done += changed
            batches += 1
        return done

    def show(self, counts: dict[str, int]) -> None:
        configured = crypto.key_ids()
        for key_id in configured:
            counts.setdefault(key_id, 0)
        for name, count in sorted(counts.items()):
            known = name.split(" ")[0] in configured or name == crypto.LEGACY
            note = "" if known else " (NOT CONFIGURED)"
            self.stdout.write(f"{name}: {count} values{note}")

    def retire(self, key_id: str) -> None:
        ids = crypto.key_ids()
        counts = usage()
        in_use = counts.get(key_id, 0) + counts.get(f"{key_id} (field only)", 0)
        refusal = ""
        if key_id not in ids:
            refusal = f"Key {key_id} is not in FIELD_ENCRYPTION_KEYS."
        elif key_id == ids[0]:
            refusal = f"Key {key_id} is the newest key: new values are sealed with it."
        elif in_use:
            refusal = (f"Key {key_id} still seals {in_use} values: run rotate_encryption_keys "
                       "first.")
        elif counts.get(crypto.LEGACY):
            refusal = (f"{counts[crypto.LEGACY]} values are in the old format, which does not say "
                       "its key: run rotate_encryption_keys first.")
        if refusal:
            events.record(events.KEY_ROTATION, reference="field encryption",
                          stage="retire_refused", key=key_id, remaining=counts)
            raise CommandError(refusal)
        events.record(events.KEY_ROTATION, reference="field encryption", stage="retired",
                      key=key_id, remaining=counts)
        self.stdout.write(self.style.SUCCESS(
            f"No value uses key {key_id}: remove it from FIELD_ENCRYPTION_KEYS."))
