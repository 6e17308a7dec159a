"""Re-encrypt every encrypted field under the newest key in FIELD_ENCRYPTION_KEYS.

Idempotent and resumable: a run that stops part way can simply be started again. It saves through
the ORM, so the audit log sees each save (and, the values being unchanged, records no change).
Remove an old key only after a run that finished without errors.
"""

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from audit import events
from casework.crypto import DecryptionFailed, EncryptedField


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field under the newest key."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        # On the audit record: when, how many keys, how many rows; never key material.
        keys = len(settings.FIELD_ENCRYPTION_KEYS)
        events.record(events.KEY_ROTATION, reference="field encryption", stage="started",
                      keys=keys)
        total = 0
        try:
            for model in apps.get_models():
                fields = [f.name for f in model._meta.local_fields
                          if isinstance(f, EncryptedField)]
                if fields:
                    total += self.rotate(model, fields, batch_size)
        except CommandError:
            events.record(events.KEY_ROTATION, reference="field encryption", stage="failed",
                          keys=keys, rows=total)
            raise
        events.record(events.KEY_ROTATION, reference="field encryption", stage="finished",
                      keys=keys, rows=total)
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {total} rows."))

    def rotate(self, model, fields, batch_size) -> int:
        done, last_pk = 0, 0
        while True:
            with transaction.atomic():
                try:
                    batch = list(
                        model._base_manager.filter(pk__gt=last_pk).order_by("pk")[:batch_size]
                    )
                except DecryptionFailed as error:
                    raise CommandError(f"{error} Nothing in this batch was changed.") from error
                for row in batch:
                    row.save(update_fields=fields)  # get_prep_value encrypts under the newest key
            if not batch:
                return done
            done += len(batch)
            last_pk = batch[-1].pk
