"""Write docs/data-inventory.md from privacy/inventory.py, or check that it is current.

    data_inventory           write the document (and list what the inventory misses)
    data_inventory --check   exit non-zero if the document is stale or a field is unclassified
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from privacy import selectors

DOCUMENT = Path(settings.BASE_DIR) / "docs" / "data-inventory.md"


class Command(BaseCommand):
    help = "Write (or --check) docs/data-inventory.md, the record of processing."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true")

    def handle(self, *args, check, **options):
        gaps = selectors.gaps()
        for gap in gaps:
            self.stderr.write(f"{gap.label} {gap.field}: {gap.problem}")
        with translation.override("en"):
            text = selectors.document()
        if check:
            if gaps:
                raise CommandError("The inventory misses fields: see above.")
            if not DOCUMENT.exists() or DOCUMENT.read_text() != text:
                raise CommandError(f"{DOCUMENT.name} is out of date: run manage.py data_inventory.")
            self.stdout.write("The data inventory is complete and its document is current.")
            return
        DOCUMENT.write_text(text)
        self.stdout.write(self.style.SUCCESS(f"Wrote {DOCUMENT} ({len(text.splitlines())} lines)."))
