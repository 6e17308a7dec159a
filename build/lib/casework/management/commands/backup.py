"""Back up the PostgreSQL database with pg_dump (custom format), with a row-count manifest."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from casework import backups


class Command(BaseCommand):
    help = ("Dump the database (pg_dump custom format) and write FILE.manifest.json with its row "
            "counts. The dump holds encrypted fields as ciphertext: it is useless without "
            "FIELD_ENCRYPTION_KEYS, which are never in it.")

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", type=Path,
                            help="Where to write it (default var/backups/casework-<time>.dump).")

    def handle(self, *args, file, **options):
        path = file or (Path(settings.VAR_DIR) / "backups"
                        / f"casework-{timezone.now():%Y%m%dT%H%M%SZ}.dump")
        try:
            manifest = backups.backup(path)
        except backups.BackupFailed as error:
            raise CommandError(str(error)) from error
        rows = sum(manifest["counts"].values())
        self.stdout.write(f"{path}: {manifest['bytes']} bytes, {rows} rows in "
                          f"{len(manifest['counts'])} tables, {manifest['seconds']:.1f} s")
