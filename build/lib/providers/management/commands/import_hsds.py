"""Import an Open Referral HSDS file (JSON, datapackage zip or folder) into the directory."""

from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from providers.forms import import_limit
from providers.hsds import write
from providers.models import ImportRun


class Command(BaseCommand):
    help = "Import an HSDS 3.0 file or datapackage (idempotent: re-importing updates)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--all-or-nothing", action="store_true",
            help="Roll the whole import back if any record is rejected.",
        )

    def handle(self, *args, file: Path, all_or_nothing: bool, **options):
        try:
            if file.is_file() and file.stat().st_size > import_limit():
                raise CommandError(f"{file} is larger than {import_limit()} bytes.")
            run = ImportRun(file_name=file.name[:200], all_or_nothing=all_or_nothing)
            if file.is_dir():
                raise CommandError(f"{file} is a folder: zip the datapackage and import the zip.")
            with open(file, "rb") as handle:
                run.source.save(file.name[-80:], File(handle), save=False)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        run.save()
        run = write.run_import(run)  # in this process: the command waits for the result anyway
        for issue in run.issues.filter(severity="rejected"):
            self.stderr.write(f"{issue.record_type} {issue.record_id}: {issue.field}: "
                              f"{issue.message}")
        if run.error:
            raise CommandError(run.error)
        self.stdout.write(
            f"{run.get_status_display()} ({run.shape}): {run.total} records, {run.created} "
            f"created, {run.updated} updated, {run.unchanged} unchanged, {run.warned} warned, "
            f"{run.failed} rejected."
        )
        if run.status == ImportRun.Status.ROLLED_BACK:
            raise CommandError("Nothing was imported: fix the rejections above, or import "
                               "without --all-or-nothing to keep the valid records.")
        if run.failed:
            raise CommandError(f"{run.failed} records were rejected (see above).")
