"""Open Referral HSDS 3.0 in and out of the providers directory.

- shapes.py: recognise a file's shape (JSON in every standard form, the tabular datapackage,
  HSDS 1.x/2.x packages) and stream its records;
- normalise.py and check.py: read one record into our values, with warnings and faults;
- taxonomy.py: source taxonomy terms, our own taxonomies, suggested categories;
- write.py: write an import chunk by chunk, audited; jobs.py: start one in the background;
- report.py: the import report as CSV; export.py: JSON and datapackage out.

An import adds and updates, never deletes: a service's languages, locations and terms are
replaced by the file's, and nothing is saved when nothing changed. Data-sharing agreements are
ours, not HSDS's: an import never touches them.
"""

from providers.hsds.export import HSDS_VERSION, export_datapackage, export_document
from providers.hsds.jobs import start_import
from providers.hsds.shapes import HSDSFileError, open_source
from providers.hsds.write import run_import

__all__ = ["HSDS_VERSION", "HSDSFileError", "export_datapackage", "export_document",
           "open_source", "run_import", "start_import"]
