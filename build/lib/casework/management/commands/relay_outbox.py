"""Publish outbox messages to the broker: once, or in a loop (a dedicated relay process)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from casework import outbox


class Command(BaseCommand):
    help = "Publish due outbox messages to the Celery broker (beat runs this every few seconds)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Publish what is due, then exit.")
        parser.add_argument("--interval", type=float, default=settings.OUTBOX_RELAY_SECONDS,
                            help="Seconds between runs in a loop (default OUTBOX_RELAY_SECONDS).")

    def handle(self, *args, once, interval, **options):
        while True:
            sent = outbox.relay()
            if once:
                self.stdout.write(f"{sent} message(s) published")
                return
            if not sent:
                time.sleep(interval)
