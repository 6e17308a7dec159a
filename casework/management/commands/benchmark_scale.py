"""Build a synthetic data set of N cases, then measure the access policy and the pages on it.

    manage.py benchmark_scale --cases 10000          # add 10,000 cases, then measure
    manage.py benchmark_scale --cases 0              # measure the data set that is there
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casework_scale manage.py benchmark_scale ...

It refuses a database holding any case, person or user it did not write itself (use a scratch
database). Prints a table of figures and, last, one JSON line with all of them. Figures are
reports, never pass/fail; see docs/performance.md.
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from casework.scale import generate, measure


class Command(BaseCommand):
    help = "Generate N synthetic cases in bulk (refusing real data), then measure at that scale."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, required=True,
                            help="How many cases to add (0: measure what is there).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS,
                            help="Database alias to fill (default: the one DATABASE_URL names).")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--runs", type=int, default=30,
                            help="Timed runs per measure, after warm-up (default 30).")
        parser.add_argument("--no-measure", action="store_true",
                            help="Only generate; skip the measurements.")

    def handle(self, *args, cases, database, seed, runs, no_measure, **options):
        if cases < 0:
            raise CommandError("--cases must be 0 (measure what is there) or more.")
        if database not in connections:
            raise CommandError(f"No database alias {database!r} in settings.DATABASES.")
        if runs < 1:
            raise CommandError("--runs must be 1 or more.")
        out = self.stdout.write
        connection = connections[database]
        out(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
        try:
            result = generate.generate(cases, using=database, seed=seed,
                                       progress=self._progress if cases else None)
        except generate.RefusedDatabase as refused:
            raise CommandError(str(refused)) from refused
        figures = {"database": connection.vendor, "generated": {}}
        if cases:
            rate = result.cases / result.seconds if result.seconds else 0.0
            write_rate = result.cases / result.write_seconds if result.write_seconds else 0.0
            figures["generated"] = {
                "cases": result.cases, "users": result.users, "rows": result.rows,
                "audit_entries": result.entries,
                "write_seconds": round(result.write_seconds, 2),
                "seal_seconds": round(result.seal_seconds, 2),
                "index_seconds": round(result.index_seconds, 2),
                "analyze_seconds": round(result.analyze_seconds, 2),
                "seconds": round(result.seconds, 2),
                "indexes_set_aside": result.indexes_set_aside,
                "processes": result.processes,
                "cases_per_second": round(rate), "cases_per_second_writing": round(write_rate),
                "entries_sealed_per_second": round(result.entries / result.seal_seconds)
                if result.seal_seconds else 0,
                "cpu_seconds": round(result.cpu_seconds, 2),
                "server_cpu_seconds": None if result.server_cpu_seconds is None
                else round(result.server_cpu_seconds, 2),
            }
            cpu = result.cpu_seconds + (result.server_cpu_seconds or 0)
            figures["generated"]["cases_per_cpu_second"] = round(result.cases / cpu) if cpu else 0
            out(f"generated {result.cases} cases in {result.seconds:.1f} s "
                f"({rate:,.0f} cases/s; building and writing {result.write_seconds:.1f} s, "
                f"sealing {result.entries} audit entries {result.seal_seconds:.1f} s, "
                f"rebuilding {result.indexes_set_aside} indexes and foreign keys "
                f"{result.index_seconds:.1f} s, ANALYZE {result.analyze_seconds:.1f} s; "
                f"{result.processes} building processes)")
            server = ("" if result.server_cpu_seconds is None
                      else f" + {result.server_cpu_seconds:.1f} s in the database server")
            out(f"CPU: {result.cpu_seconds:.1f} s in this process and its workers{server} "
                f"= {figures['generated']['cases_per_cpu_second']:,} cases per CPU-second")
        if not no_measure:
            if database != DEFAULT_DB_ALIAS:
                raise CommandError(
                    "The pages are measured on the default database: point DATABASE_URL at "
                    f"{database!r}'s database and run --cases 0 to measure it."
                )
            figures.update(measure.measure_all(runs=runs, out=out))
        out(json.dumps(figures, sort_keys=True, default=str))

    _last_progress = 0.0

    def _progress(self, result):
        if result.seconds - self._last_progress < 5:  # a line every few seconds, not per batch
            return
        self._last_progress = result.seconds
        self.stdout.write(f"  {result.cases} cases written, {result.entries} audit entries "
                          f"sealed ({result.seconds:.1f} s)")
