"""Verify the audit log's hash chain against the signed anchors.

    manage.py verify_audit_log            # exit 0: "OK: ...", exit 1: the first broken link
    manage.py verify_audit_log --workers 1   # one process (default: one per CPU)
"""

import os
import time

from django.core.management.base import BaseCommand, CommandError

from audit import chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain and anchors; exit 1 at the first broken link."

    def add_arguments(self, parser):
        parser.add_argument("--start", type=int, default=1, help="First seq to check (default 1).")
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="Processes walking ranges of a long chain at once (default: one per CPU).",
        )

    def handle(self, *args, start, workers, **options):
        if start < 1:
            raise CommandError("--start must be 1 or more.")
        if workers < 1:
            raise CommandError("--workers must be 1 or more.")
        started = time.perf_counter()
        result, _ = chain.run_verification(start, workers=workers)
        elapsed = time.perf_counter() - started
        if not result.ok:
            at = f"seq {result.first_bad_seq}" if result.first_bad_seq else "the anchors"
            raise CommandError(
                f"FAILED at {at}: {result.problem} "
                f"({result.checked} entries verified before it)"
            )
        anchor = "no anchor yet"
        if result.anchor_seq is not None:
            anchor = f"anchor at seq {result.anchor_seq}"
        waiting = f"; {result.unsealed} waiting to be sealed" if result.unsealed else ""
        self.stdout.write(
            f"OK: {result.checked} entries verified up to seq {result.last_seq} ({anchor}{waiting})"
        )
        if options["verbosity"] > 1:
            rate = result.checked / elapsed if elapsed else 0
            self.stdout.write(f"{elapsed:.2f} s, {rate:,.0f} entries/s, {workers} worker(s)")
