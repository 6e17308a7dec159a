"""Fill the current database with synthetic audit entries and time the verifier and searches.

    manage.py benchmark_audit --entries 100000 --yes
    manage.py benchmark_audit --entries 0 --appends 0 --yes   # measure the log as it is

It writes N fake entries (and up to 20 inactive "bench-actor-*" users) into whatever database
DATABASE_URL points at, and they cannot be removed afterwards on PostgreSQL (the audit tables
are append-only): use a scratch database. Refused in production.
"""

import datetime
import os
import random
import statistics
import time

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models.signals import post_save
from django.utils import timezone

from audit import access_log, chain, sequencer

BATCH = 2000
ACTORS = 20
STAGES = ["intake", "assessment", "service_plan", "follow_up", "escalated", "closed"]


class Command(BaseCommand):
    help = "Write N synthetic audit entries, then time verification and auditor searches."

    def add_arguments(self, parser):
        parser.add_argument("--entries", type=int, default=100_000)
        parser.add_argument(
            "--appends",
            type=int,
            default=200,
            help="Also time this many single appends through auditlog (one transaction each).",
        )
        parser.add_argument("--yes", action="store_true", help="Yes, write into this database.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--workers", type=int, default=os.cpu_count() or 1,
            help="Also time verification with this many processes (default: one per CPU).",
        )

    def handle(self, *args, entries, appends, yes, seed, workers, **options):
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("Refusing to write synthetic audit entries in production.")
        if not yes:
            raise CommandError(
                f"This writes {entries} synthetic audit entries into "
                f"{connection.vendor} database {connection.settings_dict['NAME']!s}, for good "
                "(the audit tables are append-only). Add --yes to go ahead."
            )
        if entries < 0:
            raise CommandError("--entries must be 0 (measure the log as it is) or more.")
        rng = random.Random(seed)
        actors = self._actors()
        out = self.stdout.write
        out(f"database: {connection.vendor} {connection.settings_dict['NAME']}")

        if entries:
            started = time.perf_counter()
            ids = self._generate(entries, actors, rng)
            generated = time.perf_counter() - started
            started = time.perf_counter()
            chain.append_many(ids)
            chained = time.perf_counter() - started
            out(f"generated {entries} entries in {generated:.1f} s; chained them in "
                f"{chained:.1f} s ({entries / chained:,.0f} entries/s)")

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # fresh statistics, as autovacuum would give
                cursor.execute("ANALYZE")
        if appends:
            out(self._time_appends(appends, actors))
            out(self._time_read_logging(appends, actors[0]))

        sequencer.seal()  # what the sweep would have sealed by now
        for processes in sorted({1, workers}):
            started = time.perf_counter()
            result = chain.verify(orphan_grace=0, workers=processes)
            elapsed = time.perf_counter() - started
            status = "OK" if result.ok else f"FAILED at {result.first_bad_seq}: {result.problem}"
            out(f"verify ({processes} process{'es' if processes > 1 else ''}): {result.checked:,} "
                f"entries in {elapsed:.2f} s = {result.checked / elapsed:,.0f} entries/s "
                f"({status})")

        for line in self._searches(actors, rng):
            out(line)
        out("indexes on auditlog_logentry: " + self._indexes())

    def _actors(self):
        User = get_user_model()
        names = [f"bench-actor-{n}" for n in range(ACTORS)]
        existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
        User.objects.bulk_create(
            [User(username=n, is_active=False, password="!") for n in names if n not in existing]
        )
        return list(User.objects.filter(username__in=names))

    def _generate(self, entries, actors, rng):
        content_types = list(ContentType.objects.filter(app_label__in=["casework", "referrals"]))
        now = timezone.now()
        step = datetime.timedelta(days=365) / entries
        first = now - datetime.timedelta(days=365)
        ids = []
        for start in range(0, entries, BATCH):
            batch = []
            for n in range(start, min(start + BATCH, entries)):
                action = rng.choice([0, 1, 1, 3, 3, 3])
                actor = rng.choice(actors)
                pk = rng.randint(1, 50_000)
                batch.append(
                    LogEntry(
                        content_type=rng.choice(content_types),
                        object_pk=str(pk),
                        object_id=pk,
                        object_repr=f"C-{pk:08d}",
                        action=action,
                        changes=(  # different in every entry, as real updates mostly are
                            {
                                "stage": rng.sample(STAGES, 2),
                                "notes": ["[encrypted]"] * 2,
                                "version": [n, n + 1],
                            }
                            if action == 1
                            else None
                        ),
                        actor=actor,
                        remote_addr=f"10.0.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                        cid=f"{rng.getrandbits(128):032x}",
                        timestamp=first + step * n,
                        additional_data=(
                            {"part": rng.choice(["case page", "referral", "assessment"])}
                            if action == 3
                            else None
                        ),
                    )
                )
            with transaction.atomic():
                ids.extend(e.pk for e in LogEntry.objects.bulk_create(batch))
        return ids

    def _time_appends(self, count, actors):
        """Entries written through auditlog one transaction each, with and without the chain
        receiver: the difference is what chaining adds to every audited write."""
        actor = actors[0]

        def write():
            started = time.perf_counter()
            ids = []
            for _ in range(count):
                with transaction.atomic():
                    ids.append(
                        LogEntry.objects.log_create(
                            actor, action=LogEntry.Action.ACCESS, force_log=True, changes=None
                        ).pk
                    )
            return (time.perf_counter() - started) / count * 1000, ids

        chained, _ = write()
        post_save.disconnect(sender=LogEntry, dispatch_uid="audit.chain.append")
        try:
            plain, ids = write()
        finally:
            post_save.connect(
                sequencer.queue_entry, sender=LogEntry, dispatch_uid="audit.chain.append"
            )
        chain.append_many(ids)  # chain the plain ones afterwards, so the log still verifies
        started = time.perf_counter()
        sealed = sequencer.seal().sealed
        seal_ms = (time.perf_counter() - started) * 1000
        return (f"append through auditlog, one transaction each: {chained:.2f} ms with the "
                f"queue for the sequencer, {plain:.2f} ms without ({count} each); sealing "
                f"them took {seal_ms:.1f} ms ({sealed} entries)")

    def _time_read_logging(self, count, actor):
        """What logging a read adds to a page: one access entry and its link, written inside
        the page's transaction (ATOMIC_REQUESTS), as audit.access_log.record_read does."""
        timings = []
        for _ in range(count):
            with transaction.atomic():
                started = time.perf_counter()
                access_log.record_read(actor, part="benchmark page")
                timings.append(time.perf_counter() - started)
        timings.sort()
        return (f"access logging per page read: median {statistics.median(timings) * 1000:.2f} "
                f"ms, 95th percentile {timings[int(len(timings) * 0.95)] * 1000:.2f} ms "
                f"({count} reads)")

    def _searches(self, actors, rng):
        """The auditor page's queries: the first page of 50, newest first, plus its count."""
        entries = LogEntry.objects.select_related("actor", "content_type").order_by(
            "-timestamp", "-pk"
        )
        end = timezone.now()
        searches = {
            "by actor": entries.filter(actor__username=actors[3].username),
            "by object reference": entries.filter(object_repr=f"C-{rng.randint(1, 50_000):08d}"),
            "by date range (30 days)": entries.filter(
                timestamp__gte=end - datetime.timedelta(days=60),
                timestamp__lte=end - datetime.timedelta(days=30),
            ),
        }
        for label, queryset in searches.items():
            timings = []
            for _ in range(5):
                started = time.perf_counter()
                total = queryset.count()
                list(queryset[:50])
                timings.append(time.perf_counter() - started)
            yield (f"search {label}: {total:,} matches, first page + count in "
                   f"{statistics.median(timings) * 1000:.1f} ms (median of 5)")

    def _indexes(self):
        table = LogEntry._meta.db_table
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, table)
        found = sorted(
            "+".join(c["columns"]) + (" (unique)" if c["unique"] else "")
            for c in constraints.values()
            if (c["index"] or c["primary_key"] or c["unique"]) and c["columns"]
        )
        return ", ".join(found)
