"""Seal committed audit entries into the hash chain (what the sequencer's beat job does).

    manage.py seal_audit_log                 # seal what waits now, then exit
    manage.py seal_audit_log --loop 2        # keep sealing every 2 seconds (a process of its own)
"""

from django.core.management.base import BaseCommand, CommandError

from audit import sequencer


class Command(BaseCommand):
    help = "Seal the audit entries waiting for the chain; with --loop, keep doing so."

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop", type=float, metavar="SECONDS",
            help="Keep sealing, this many seconds apart, until stopped.",
        )

    def handle(self, *args, loop, **options):
        if loop is not None:
            if loop <= 0:
                raise CommandError("--loop takes a number of seconds above 0.")
            self.stdout.write(f"sealing every {loop:g} s; Ctrl-C to stop")
            sequencer.run_forever(interval=loop)
            return
        result = sequencer.sweep()
        refused = f"; REFUSED {len(result.refused)} whose MAC does not match"
        self.stdout.write(
            f"sealed {result.sealed} entries (head at seq {result.head_seq}); "
            f"longest wait {result.max_delay:.2f} s" + (refused if result.refused else "")
        )
        if result.refused:
            raise CommandError(
                "Some waiting entries fail their write-time MAC: run verify_audit_log."
            )
