"""The restore drill: restore a backup into a fresh database, check it, report the RTO."""

import json
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from casework import backups


class Command(BaseCommand):
    help = ("Restore FILE (or a backup taken now) into a fresh database and check row counts, "
            "decryption, the audit chain against the latest anchor and the schema; print the "
            "time each step took (their sum is the recovery time). Exits non-zero on a failed "
            "check.")

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", type=Path, help="A dump from manage.py backup.")
        parser.add_argument("--keep", action="store_true",
                            help="Keep the restored database (<database>_restore_<process id>).")
        parser.add_argument("--verify-this-database", action="store_true",
                            help="Internal: the drill's checks, run on the restored database.")

    def handle(self, *args, file, keep, verify_this_database, **options):
        if verify_this_database:
            self.stdout.write(json.dumps(backups.verify_this_database()))
            return
        with tempfile.TemporaryDirectory(prefix="restore-drill-") as work:
            try:
                drill = backups.restore_check(file, keep=keep, work_dir=Path(work))
            except backups.BackupFailed as error:
                raise CommandError(str(error)) from error
        rows = sum(drill.counts.values())
        self.stdout.write(f"restored {rows} rows in {len(drill.counts)} tables; "
                          f"{drill.decrypted} rows with encrypted fields decrypted; "
                          f"{drill.chain_checked} audit entries verified against the anchor")
        for step, seconds in drill.timings.items():
            self.stdout.write(f"  {step:8} {seconds:8.1f} s")
        self.stdout.write(f"  {'RTO':8} {drill.rto_seconds:8.1f} s")
        if not drill.ok:
            raise CommandError("restore drill FAILED: " + "; ".join(drill.problems))
        self.stdout.write(self.style.SUCCESS("restore drill passed"))
