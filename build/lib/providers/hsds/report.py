"""The import report as CSV, for the directory admin (formula-safe for spreadsheets)."""

import csv
import io

from django.utils.translation import gettext as _

from providers.hsds.export import cell
from providers.models import ImportIssue, ImportRun

COLUMNS = ("severity", "record_type", "record_id", "record_name", "field", "message")


def report_rows(run: ImportRun):
    """Header, the counts by record type, then every warning and rejection (streamed)."""
    yield [_("record type"), _("created"), _("updated"), _("unchanged"), _("warned"),
           _("rejected")]
    for kind, counts in (run.counts or {}).items():
        yield [kind, counts["created"], counts["updated"], counts["unchanged"],
               counts["warned"], counts["rejected"]]
    yield []
    yield list(COLUMNS)
    issues = ImportIssue.objects.filter(run=run).order_by("pk").values_list(*COLUMNS)
    yield from issues.iterator(chunk_size=2000)


def report_lines(run: ImportRun):
    """The report's CSV, line by line (for a streaming response)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in report_rows(run):
        writer.writerow([cell(value) for value in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
