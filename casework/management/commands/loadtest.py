"""A bounded load test of the mixed workload against gunicorn on 127.0.0.1, then reconciliation.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casework_scale manage.py loadtest
    manage.py loadtest --users 6 --duration 60 --port 8111 --workers 2

Runs only against a data set benchmark_scale generated (it refuses anything else: it writes
notes and transitions). Starts gunicorn with --workers processes, runs locust headless for
--duration seconds (it stops by itself), stops gunicorn, and checks that every successful write
left one row and one audit create entry, and every case page read one access entry, all sealed.
Prints a table and one final JSON line. See docs/performance.md.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from casework.scale import generate, loadtest

LOCUSTFILE = Path(loadtest.__file__).with_name("locustfile.py")
PORTS = range(8111, 8120)


class Command(BaseCommand):
    help = "Run the bounded mixed-workload load test on 127.0.0.1 and reconcile the audit log."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=6, help="Simulated caseworkers.")
        parser.add_argument("--duration", type=int, default=60, help="Seconds of load (max 600).")
        parser.add_argument("--port", type=int, default=8111, help="Port on 127.0.0.1 (8111-8119).")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes.")
        parser.add_argument("--threads", type=int, default=1,
                            help="Threads per gunicorn worker (more than 1: the gthread worker).")

    def handle(self, *args, users, duration, port, workers, threads, **options):
        if not 1 <= duration <= 600:
            raise CommandError("--duration must be between 1 and 600 seconds: the test is bounded.")
        if port not in PORTS:
            raise CommandError("--port must be between 8111 and 8119.")
        if users < 1 or workers < 1 or threads < 1:
            raise CommandError("--users, --workers and --threads must be 1 or more.")
        try:
            people = loadtest.plan(users)
        except generate.RefusedDatabase as refused:
            raise CommandError(str(refused)) from refused
        except ValueError as error:
            raise CommandError(str(error)) from error
        out = self.stdout.write
        out(f"database: {connection.vendor} {connection.settings_dict['NAME']}; {users} "
            f"caseworkers for {duration} s against gunicorn ({workers} workers, {threads} threads "
            f"each) on port {port}")
        with tempfile.TemporaryDirectory(prefix="loadtest-") as folder:
            plan_path = Path(folder) / "plan.json"
            # Session keys sign people in: readable by this user only, deleted afterwards.
            plan_path.touch(mode=0o600)
            plan_path.write_text(json.dumps({
                "people": people, "session_cookie": settings.SESSION_COOKIE_NAME,
                "csrf_cookie": settings.CSRF_COOKIE_NAME, "transition": loadtest.TRANSITION,
            }))
            since = timezone.now()
            before = loadtest.counts(since)
            server = self._start_server(port, workers, threads)
            database = connection.settings_dict["NAME"]
            # CPU from here to the end of the load (the workers' start-up is not counted;
            # locust's own start-up is, about a second).
            cpu = {"database": loadtest.database_cpu_seconds(database),
                   "app": loadtest.tree_cpu_seconds(server.pid),
                   "locust": loadtest.children_cpu_seconds()}
            try:
                self._run_locust(folder, plan_path, users, duration, port)
                # Read before gunicorn stops: its connections' backends end with it.
                cpu["database"] = loadtest.database_cpu_seconds(database) - cpu["database"]
                cpu["app"] = loadtest.tree_cpu_seconds(server.pid) - cpu["app"]
                cpu["locust"] = loadtest.children_cpu_seconds() - cpu["locust"]
            finally:
                self._stop(server)
            stats = loadtest.read_stats(Path(folder) / "stats")
            tally = Path(folder) / "tally.json"
            if not tally.exists():
                raise CommandError("locust ended without writing its tally: see its output.")
            succeeded = json.loads(tally.read_text())
        connection.close()  # a fresh connection sees everything the server committed
        after = loadtest.counts(since)
        checks = loadtest.reconcile(before, after, succeeded)
        total = stats.get("Aggregated", {})
        # Where the machine's CPU went, per request: what bounds throughput on a busy machine.
        served = total.get("requests") or 0
        cpu_ms = {name: round(cpu[name] * 1000 / served, 1) if served else None
                  for name in ("app", "database", "locust")}
        out(self._table(stats))
        out("CPU per request, ms: " + ", ".join(f"{k} {v}" for k, v in cpu_ms.items())
            + " (app: gunicorn and its workers; database: the backends serving this database)")
        out(f"reconciliation: {json.dumps(checks)}")
        out(json.dumps({"database": connection.vendor, "users": users, "duration_s": duration,
                        "workers": workers, "threads": threads, "cpu_ms_per_request": cpu_ms,
                        "rps": total.get("rps"),
                        "p50_ms": total.get("median_ms"), "p95_ms": total.get("p95_ms"),
                        "requests": total.get("requests"), "errors": total.get("failures"),
                        "by_request": stats, "reconciliation": checks,
                        "load_average_1min": round(os.getloadavg()[0], 2)}, sort_keys=True))

    def _start_server(self, port: int, workers: int, threads: int):
        command = [sys.executable, "-m", "gunicorn", "casework.wsgi", "--workers", str(workers),
                   "--threads", str(threads), "--bind", f"127.0.0.1:{port}", "--log-level",
                   "warning"]
        server = subprocess.Popen(command, cwd=settings.BASE_DIR, env=os.environ.copy())  # noqa: S603
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError(f"gunicorn exited with status {server.returncode}.")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2)  # noqa: S310
                return server
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        self._stop(server)
        raise CommandError(f"gunicorn did not answer on 127.0.0.1:{port} within 30 s.")

    def _run_locust(self, folder, plan_path, users, duration, port) -> None:
        locust = Path(sys.executable).with_name("locust")
        command = [str(locust), "-f", str(LOCUSTFILE), "--headless", "--users", str(users),
                   "--spawn-rate", str(users), "--run-time", f"{duration}s",
                   "--host", f"http://127.0.0.1:{port}", "--csv", str(Path(folder) / "stats"),
                   "--only-summary", "--stop-timeout", "5", "--loglevel", "WARNING"]
        env = {**os.environ, "LOADTEST_PLAN": str(plan_path),
               "LOADTEST_TALLY": str(Path(folder) / "tally.json")}
        try:
            # Exit status 1 means some requests failed: reported, not raised.
            subprocess.run(command, env=env, timeout=duration + 60, check=False)  # noqa: S603
        except subprocess.TimeoutExpired as error:
            raise CommandError("locust overran its time limit and was stopped.") from error

    @staticmethod
    def _stop(server) -> None:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

    @staticmethod
    def _table(stats: dict) -> str:
        lines = [f"{'request':<12} {'count':>7} {'errors':>7} {'req/s':>7} {'p50 ms':>8} "
                 f"{'p95 ms':>8}"]
        for name, row in stats.items():
            lines.append(f"{name:<12} {row['requests']:>7} {row['failures']:>7} "
                         f"{row['rps']:>7} {row['median_ms']:>8.0f} {row['p95_ms']:>8.0f}")
        return "\n".join(lines)
