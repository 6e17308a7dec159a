"""Import an Open Referral HSDS 3.0 JSON file into the providers directory."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from providers import hsds
from providers.forms import import_limit
from providers.models import ImportRun


class Command(BaseCommand):
    help = "Import an HSDS 3.0 JSON directory file (idempotent: re-importing updates)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--all-or-nothing", action="store_true",
            help="Roll the whole import back if any record has an error.",
        )

    def handle(self, *args, file: Path, all_or_nothing: bool, **options):
        try:
            if file.stat().st_size > import_limit():
                raise CommandError(f"{file} is larger than {import_limit()} bytes.")
            document = hsds.parse(file.read_bytes())
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        except hsds.HSDSFileError as error:
            raise CommandError(str(error)) from None
        run = ImportRun.objects.create(
            file_name=file.name[:200], payload=document, all_or_nothing=all_or_nothing
        )
        run = hsds.run_import(run)  # in this process: the command waits for the result anyway
        for error in run.errors:
            self.stderr.write(error["message"])
        self.stdout.write(
            f"{run.get_status_display()}: {run.total} records, {run.created} created, "
            f"{run.updated} updated, {run.unchanged} unchanged, {run.failed} failed."
        )
        if run.status == ImportRun.Status.ROLLED_BACK:
            raise CommandError("Nothing was imported: fix the errors above, or import without "
                               "--all-or-nothing to keep the valid records.")
        if run.failed:
            raise CommandError(f"{run.failed} records were not imported (see above).")
