"""Time the access policy, the pages and the auditor's query on the data set that is there.

Side by side in one run, for a caseworker and a supervisor: casework.access.visible_cases,
stock django-guardian get_objects_for_user, and the raw-SQL floor (the grants-to-cases join,
plus the team join for a supervisor); then the dashboard, the team overview and a case page
through Django's test Client with a real session, and "who accessed case X". Each measure is
warmed up, then timed with time.perf_counter over repeated runs (median and 95th percentile),
within a time budget so a slow page does not take all day. Only public entry points are
called, so the figures stay comparable when the code behind them changes.
"""

from __future__ import annotations

import gc
import os
import statistics
import time
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import get_objects_for_user

from audit import selectors as audit_selectors
from casework import access
from casework.models import Case, CaseUserObjectPermission, TeamMembership
from casework.scale import sessions
from casework.scale.generate import USERNAME_PREFIX, generated_counts

WARMUP = 3
BUDGET_SECONDS = 20.0
MIN_RUNS = 5


@dataclass
class Timing:
    median_ms: float
    p95_ms: float
    runs: int
    rows: int | None = None
    queries: int | None = None
    bytes: int | None = None
    status: int | None = None

    def as_dict(self) -> dict:
        return {key: value for key, value in self.__dict__.items() if value is not None}


def time_it(fn, *, runs: int, warmup: int = WARMUP, budget: float = BUDGET_SECONDS) -> Timing:
    """Call `fn` `warmup` times, then up to `runs` times (at least MIN_RUNS, at most `budget`
    seconds); return the median and 95th percentile in milliseconds."""
    for _ in range(warmup):
        fn()
    samples = []
    deadline = time.perf_counter() + budget
    while len(samples) < runs and (len(samples) < MIN_RUNS or time.perf_counter() < deadline):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return Timing(round(statistics.median(samples), 2), round(p95, 2), len(samples))


def count_queries(fn) -> int:
    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries)


# Who is measured ---------------------------------------------------------------------------


def typical_caseworker():
    """The generated caseworker with the median number of cases."""
    counts = list(
        CaseUserObjectPermission.objects.filter(
            user__username__startswith=USERNAME_PREFIX, permission__codename=access.VIEW_CASE
        ).values("user_id").annotate(n=Count("pk")).order_by("n", "user_id")
    )
    if not counts:
        return None
    return get_user_model().objects.get(pk=counts[len(counts) // 2]["user_id"])


def busiest_supervisor():
    """The supervisor of the generated team with the most cases."""
    team = (
        Case.objects.filter(team__name__startswith="Scale team").values("team_id")
        .annotate(n=Count("pk")).order_by("-n", "team_id").first()
    )
    if team is None:
        return None
    membership = TeamMembership.objects.filter(
        team_id=team["team_id"], role=TeamMembership.Role.SUPERVISOR
    ).select_related("user").first()
    return membership.user if membership else None


# What is measured --------------------------------------------------------------------------


def guardian_cases(user):
    """Stock django-guardian, with the defaults made safe (checklist, traps 1)."""
    return get_objects_for_user(
        user, "casework.view_case", klass=Case, accept_global_perms=False, with_superuser=False
    )


def floor_ids(user, *, supervisor: bool) -> list[int]:
    """The least any answer can cost: the grants-to-cases join (and the team join)."""
    grants = (
        "SELECT c.id FROM casework_case c JOIN casework_caseuserobjectpermission g "
        "ON g.content_object_id = c.id JOIN auth_permission p ON p.id = g.permission_id "
        "WHERE g.user_id = %s AND p.codename = 'view_case'"
    )
    params = [user.pk]
    sql = grants
    if supervisor:
        sql = (grants + " UNION"  # noqa: S608  (constant text; the ids are parameters)
               " SELECT c.id FROM casework_case c JOIN casework_teammembership m "
               "ON m.team_id = c.team_id WHERE m.user_id = %s AND m.role = 'supervisor'")
        params.append(user.pk)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def ids(queryset) -> list[int]:
    return list(queryset.values_list("pk", flat=True))


def explain_visible_cases(user) -> str:
    queryset = access.visible_cases(user).values_list("pk", flat=True)
    if connection.vendor == "postgresql":
        return queryset.explain(analyze=True, buffers=True)
    return queryset.explain()


def seq_scan_on_cases(plan: str) -> bool:
    """Whether a plan reads the whole case table (PostgreSQL "Seq Scan", SQLite "SCAN")."""
    lines = plan.splitlines()
    if connection.vendor == "postgresql":
        return any("Seq Scan on casework_case " in line + " " for line in lines)
    return any(line.split("SCAN ")[-1].split(" ")[0] == "casework_case"
               for line in lines if "SCAN " in line and "SEARCH" not in line)


def page(client: Client, path: str, *, runs: int) -> Timing:
    last = {}

    def get():
        last["response"] = client.get(path)

    timing = time_it(get, runs=runs)
    response = last["response"]
    timing.status = response.status_code
    timing.bytes = len(response.content)
    timing.queries = count_queries(get)
    return timing


def server_settings() -> dict:
    """What the figures depend on besides the code: the server, and PostgreSQL's JIT."""
    figures = {"vendor": connection.vendor}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('server_version'), current_setting('jit')")
            figures["version"], figures["jit"] = cursor.fetchone()
    if hasattr(os, "getloadavg"):
        figures["load_average_1min"] = round(os.getloadavg()[0], 2)
    figures["cpus"] = os.cpu_count()
    return figures


def dataset_counts() -> dict:
    from auditlog.models import LogEntry

    return {
        "cases": Case.objects.count(),
        "users": get_user_model().objects.count(),
        "grants": CaseUserObjectPermission.objects.count(),
        "audit_entries": LogEntry.objects.count(),
        "generated": generated_counts("default"),
    }


def measure_all(*, runs: int, out=print) -> dict:
    """Run every measure; print a table and return the figures."""
    # As the web server's process does once loaded (casework/wsgi.py).
    gc.collect()
    gc.freeze()
    caseworker, supervisor = typical_caseworker(), busiest_supervisor()
    figures = {"dataset": dataset_counts(), "server": server_settings(), "measures": {}}
    if caseworker is None or supervisor is None:
        out("nothing to measure: generate some cases first (--cases N)")
        return figures
    measures = figures["measures"]
    for who, user, is_supervisor in (("caseworker", caseworker, False),
                                     ("supervisor", supervisor, True)):
        for name, fn in (
            ("visible_cases", lambda u=user: ids(access.visible_cases(u))),
            ("guardian", lambda u=user: ids(guardian_cases(u))),
            ("floor", lambda u=user, s=is_supervisor: floor_ids(u, supervisor=s)),
        ):
            timing = time_it(fn, runs=runs)
            timing.rows = len(fn())
            measures[f"{name} ({who})"] = timing
    case = access.visible_cases(caseworker).filter(caseworker=caseworker).order_by("-pk").first()
    cw_client, sup_client = Client(), Client()
    sessions.sign_in(cw_client, caseworker)
    sessions.sign_in(sup_client, supervisor)
    measures["dashboard (caseworker)"] = page(cw_client, "/", runs=runs)
    measures["dashboard (supervisor)"] = page(sup_client, "/", runs=runs)
    measures["team overview (supervisor)"] = page(sup_client, "/team/", runs=runs)
    if case is not None:
        measures["case page (caseworker)"] = page(
            cw_client, case.get_absolute_url(), runs=2 * runs
        )
        timing = time_it(lambda: list(audit_selectors.accesses_to([case.reference])), runs=runs)
        timing.rows = len(list(audit_selectors.accesses_to([case.reference])))
        measures["who accessed case X (auditor)"] = timing
    plan = explain_visible_cases(caseworker)
    figures["plan"] = {"visible_cases_seq_scan_on_case": seq_scan_on_cases(plan)}
    figures["ratios"] = _ratios(measures)
    out("")
    out("EXPLAIN of visible_cases for the caseworker:")
    out(plan)
    out("")
    out(_table(measures))
    out(f"server: {figures['server']}")
    for name, value in figures["ratios"].items():
        out(f"{name}: {value}")
    figures["measures"] = {name: timing.as_dict() for name, timing in measures.items()}
    return figures


def _ratios(measures: dict) -> dict:
    ratios = {}
    for who in ("caseworker", "supervisor"):
        mine = measures[f"visible_cases ({who})"].median_ms
        floor = measures[f"floor ({who})"].median_ms
        stock = measures[f"guardian ({who})"].median_ms
        ratios[f"visible_cases / floor ({who})"] = round(mine / floor, 1) if floor else None
        ratios[f"guardian / visible_cases ({who})"] = round(stock / mine, 1) if mine else None
    return ratios


def _table(measures: dict) -> str:
    header = f"{'measure':<34} {'median ms':>10} {'p95 ms':>9} {'runs':>5} {'rows':>7} " \
             f"{'queries':>8} {'bytes':>9} {'status':>6}"
    lines = [header, "-" * len(header)]
    for name, t in measures.items():
        def cell(value, width):
            return f"{'' if value is None else value:>{width}}"
        lines.append(f"{name:<34} {t.median_ms:>10.2f} {t.p95_ms:>9.2f} {t.runs:>5} "
                     f"{cell(t.rows, 7)} {cell(t.queries, 8)} {cell(t.bytes, 9)} "
                     f"{cell(t.status, 6)}")
    return "\n".join(lines)
