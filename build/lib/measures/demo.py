"""Fictional demo data for the measures: community work and bias-incident reports over two years.

Reports are spread so that the landscape has a shape (some counts large enough to show, many
small ones hidden), and prevention activities cover each type and several areas.
"""

import datetime
import random

from django.utils import timezone

from measures import rollups, workflow
from measures.models import PreventionActivity
from referrals.models import BiasIncident

AREAS = ("Downtown", "Harbor", "Eastside", "Riverside", "Old Town")
# (motivation, kind, neighbourhood, reported to police, reports per month)
PATTERN = [
    ("race", "vandalism", "Harbor", "no", 3),
    ("race", "harassment", "Downtown", "yes", 2),
    ("religion", "harassment", "Eastside", "no", 2),
    ("sexual_orientation", "assault", "Downtown", "yes", 1),
    ("disability", "online", "online", "no", 1),
]


def load_demo_measures(*, lead) -> None:
    if PreventionActivity.objects.exists():
        return
    today = timezone.localdate()
    generator = random.Random(2026)  # the same demo on every machine
    for months_ago in range(24):
        day = (today.replace(day=1) - datetime.timedelta(days=30 * months_ago)).replace(day=12)
        for motivation, kind, neighbourhood, police, per_month in PATTERN:
            for _ in range(generator.randint(0, per_month * 2)):
                BiasIncident.objects.create(
                    kind=kind, motivation=motivation, occurred_on=day,
                    neighbourhood=neighbourhood, reported_to_police=police,
                )
        if months_ago % 2 == 0:
            workflow.record_activity(
                actor=lead, occurred_on=day, kind=PreventionActivity.Kind.values[months_ago % 4],
                area=AREAS[months_ago % len(AREAS)], attendance=generator.randint(8, 60),
            )
    rollups.refresh()  # the measures pages read the rollup; beat keeps it fresh from here
