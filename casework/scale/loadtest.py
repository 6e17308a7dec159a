"""The mixed-workload load test: plan it, count what it wrote, and reconcile the two.

`manage.py loadtest` drives it: gunicorn serves the app on 127.0.0.1, locust (locustfile.py,
a separate process) plays caseworkers signed in through sessions made here, and afterwards
every successful write must be one new row and one audit create entry, every case page read
one access entry, and every new entry sealed into the chain.
"""

from __future__ import annotations

import csv
import datetime
import resource
from pathlib import Path

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldError
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from audit.models import ChainLink
from casework import roles
from casework.models import Case, CaseNote, CaseTransition
from casework.scale import sessions
from casework.scale.generate import USERNAME_PREFIX, ready

# locust request names (locustfile.py) -> what a success must have written.
READ_NAMES = ("case page", "dashboard")
WRITE_NAMES = {"add note": CaseNote, "transition": CaseTransition}
# The transition the load takes now and then: open to the caseworker from every active stage.
TRANSITION = "escalate"


def plan(users: int) -> list[dict]:
    """Sign in the `users` generated caseworkers holding the most open cases; for each, the
    references of their cases and of the open ones a transition may move."""
    ready("default")  # refuses real data; finishes an interrupted run
    open_q = Q(assigned_cases__stage__in=Case.ACTIVE_STAGES)
    caseworkers = list(
        get_user_model().objects.filter(username__startswith=USERNAME_PREFIX,
                                        groups__name=roles.CASEWORKER)
        .annotate(open_cases=Count("assigned_cases", filter=open_q))
        .order_by("-open_cases", "pk")[:users]
    )
    if len(caseworkers) < users:
        raise ValueError(f"The data set has {len(caseworkers)} caseworkers; {users} wanted: "
                         "generate more cases first (benchmark_scale --cases N).")
    people = []
    for user in caseworkers:
        cases = list(Case.objects.filter(caseworker=user).values_list("reference", "stage"))
        people.append({
            "session": sessions.create_session(user),
            "cases": [ref for ref, _ in cases],
            "movable": [[ref, stage] for ref, stage in cases if stage in Case.ACTIVE_STAGES],
        })
    return people


def counts(since: datetime.datetime) -> dict:
    """Rows and audit entries that reconciliation compares, entries counted from `since`."""
    entries = LogEntry.objects.filter(timestamp__gte=since)
    figures = {
        "case page reads logged": entries.filter(
            action=LogEntry.Action.ACCESS, additional_data__part="case page"
        ).count(),
        "access entries": entries.filter(action=LogEntry.Action.ACCESS).count(),
        "entries": entries.count(),
    }
    for name, model in WRITE_NAMES.items():
        kind = ContentType.objects.get_for_model(model)
        figures[f"{name}: rows"] = model.objects.count()
        figures[f"{name}: audit creates"] = entries.filter(
            action=LogEntry.Action.CREATE, content_type=kind
        ).count()
    try:
        unsealed = entries.filter(chain_link__isnull=True)
        figures["unsealed entries"] = unsealed.count()
        # Waiting is normal (the sweep seals them within its interval); past the bound is not.
        bound = timezone.now() - datetime.timedelta(seconds=settings.AUDIT_SEAL_ALERT_SECONDS)
        figures["unsealed past the bound"] = unsealed.filter(timestamp__lt=bound).count()
    except FieldError:  # the chain's schema changed: report it rather than guess
        figures["unsealed entries"] = figures["unsealed past the bound"] = None
    # The longest wait between an entry's write and its seal (audit.sequencer's bound).
    delay = ChainLink.objects.filter(entry__timestamp__gte=since).aggregate(
        longest=Max(F("sealed_at") - F("entry__timestamp"))
    )["longest"]
    figures["max seal delay s"] = round(delay.total_seconds(), 3) if delay else 0.0
    return figures


def _cpu_seconds(processes) -> float:
    """User and system CPU time so far of `processes`, those that ended meanwhile left out."""
    import psutil  # a dependency of locust, which the load test needs anyway

    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        total += times.user + times.system
    return total


def database_cpu_seconds(database: str) -> float:
    """CPU time spent so far by the PostgreSQL backends serving `database` on this machine
    (their process titles name it); 0.0 when none is visible (another host, or SQLite)."""
    import psutil

    return _cpu_seconds(
        process for process in psutil.process_iter(["name", "cmdline"])
        if process.info["name"] == "postgres"
        and f" {database} " in " {} ".format(" ".join(process.info["cmdline"] or ()))
    )


def tree_cpu_seconds(pid: int) -> float:
    """CPU time so far of a live process and its descendants (gunicorn and its workers)."""
    import psutil

    root = psutil.Process(pid)
    return _cpu_seconds([root, *root.children(recursive=True)])


def children_cpu_seconds() -> float:
    """CPU time of this process's finished (waited-for) children and their descendants."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def read_stats(prefix: Path) -> dict:
    """locust's --csv summary: per request name, and the aggregate."""
    rows = {}
    with open(f"{prefix}_stats.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            rows[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "median_ms": float(row["Median Response Time"]),
                "p95_ms": float(row["95%"]),
                "rps": round(float(row["Requests/s"]), 1),
            }
    return rows


def reconcile(before: dict, after: dict, succeeded: dict) -> dict:
    """Successful writes = new rows = audit creates; case page reads = access entries."""
    def ok(name):
        return succeeded.get(name, 0)

    checks = {}
    for name in WRITE_NAMES:
        rows = after[f"{name}: rows"] - before[f"{name}: rows"]
        creates = after[f"{name}: audit creates"] - before[f"{name}: audit creates"]
        checks[name] = {"succeeded": ok(name), "rows": rows, "audit creates": creates,
                        "exact": ok(name) == rows == creates}
    logged = after["case page reads logged"] - before["case page reads logged"]
    checks["case page"] = {"succeeded": ok("case page"), "access entries": logged,
                           "exact": ok("case page") == logged}
    checks["unsealed entries"] = after["unsealed entries"]
    checks["unsealed past the bound"] = after["unsealed past the bound"]
    checks["max seal delay s"] = after.get("max seal delay s")
    checks["exact"] = all(check["exact"] for key, check in checks.items()
                          if isinstance(check, dict)) and after["unsealed past the bound"] == 0
    return checks
