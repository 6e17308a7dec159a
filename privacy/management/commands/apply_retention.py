"""Apply the retention schedule now (as the nightly job does), or report what it would do.

    apply_retention              anonymise or delete what is due, unless a legal hold applies
    apply_retention --dry-run    count what is due and what a hold keeps; change nothing
"""

from django.core.management.base import BaseCommand

from privacy import schedule


class Command(BaseCommand):
    help = "Apply the retention schedule now, or --dry-run to count what is due."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true",
                            help="Count what is due and what a hold keeps; change nothing.")
        parser.add_argument("--batch-size", type=int, default=None)
        parser.add_argument("--max-batches", type=int, default=None)

    def handle(self, *args, dry_run, batch_size, max_batches, **options):
        if dry_run:
            for outcome in schedule.report():
                self.stdout.write(f"{outcome.key}: {outcome.due} due ({outcome.action}), "
                                  f"{outcome.held} kept by a legal hold")
            return
        for outcome in schedule.apply(batch_size=batch_size, max_batches=max_batches):
            self.stdout.write(f"{outcome.key}: {outcome.done} {outcome.action}d, "
                              f"{outcome.held} kept by a legal hold")
