"""Time the measure pages; optionally bulk-generate a synthetic data set first (PostgreSQL).

    manage.py benchmark_measures --generate 250000   # an empty benchmark database only
    manage.py benchmark_measures                      # time the pages on the data as it is
"""

import json

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import connection

from casework import roles
from casework.models import Case, Team
from measures import benchmark, rollups
from providers.models import Organization, Service

BENCH_LEAD = "benchmark-lead"


class Command(BaseCommand):
    help = "Time every measure page as a programme lead (and generate data with --generate)."

    def add_arguments(self, parser):
        parser.add_argument("--generate", type=int, default=0, metavar="CASES")
        parser.add_argument("--repeats", type=int, default=5)

    def handle(self, *args, generate, repeats, **options):
        lead, _ = get_user_model().objects.get_or_create(username=BENCH_LEAD)
        lead.groups.add(Group.objects.get_or_create(name=roles.LEAD)[0])
        if generate:
            teams = [Team.objects.get_or_create(name=f"Benchmark team {n}")[0].pk
                     for n in range(8)]
            services = []
            for n in range(40):
                org = Organization.objects.get_or_create(name=f"Benchmark provider {n}")[0]
                category = Service.Category.values[n % len(Service.Category.values)]
                services.append(Service.objects.get_or_create(
                    organization=org, name=f"Benchmark service {n}", category=category)[0].pk)
            benchmark.generate_scale_data(generate, actor_id=lead.pk, team_ids=teams,
                                          service_ids=services)
        run = rollups.refresh()
        team = Team.objects.order_by("pk").values_list("pk", flat=True).first()
        results = benchmark.time_measure_pages(lead, repeats=repeats, team_id=team)
        self.stdout.write(json.dumps({
            "database": connection.vendor, "cases": Case.objects.count(),
            "rollup_refresh_seconds": round(run.seconds, 1), "rollup_counts": run.counts,
            "pages": results,
        }, indent=2))
