"""Build the search tokens and match keys of people saved before they existed (or after a key
change of BLIND_INDEX_KEY): `manage.py build_search_keys`. Safe to run again at any time."""

from django.core.management.base import BaseCommand
from django.db import transaction

from casework.models import Person, sync_person_keys

CHUNK = 500


class Command(BaseCommand):
    help = "Rewrite every person's search tokens and fuzzy-matching keys from their names."

    def handle(self, *args, **options):
        done, last = 0, 0
        while True:
            # A chunk per transaction: a long run neither holds locks nor loses its progress.
            with transaction.atomic():
                people = list(
                    Person.objects.filter(pk__gt=last).order_by("pk")
                    .only("first_name", "last_name", "date_of_birth")[:CHUNK]
                )
                for person in people:
                    sync_person_keys(person)
            if not people:
                break
            last, done = people[-1].pk, done + len(people)
        self.stdout.write(f"Search keys rebuilt for {done} people.")
