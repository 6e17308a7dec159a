"""Real processes for broker tests: a TCP proxy standing for the broker's port (closed, open
or stalled), and a Celery worker and outbox relay run as the deployment runs them."""

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection

PORTS = range(8131, 8140)  # the ports these tests may listen on


class BrokerPort:
    """127.0.0.1:<port> forwarding to the real Redis, which the test closes and reopens."""

    def __init__(self, upstream_url: str):
        parts = urlsplit(upstream_url)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 6379)
        self.db = parts.path.lstrip("/") or "0"
        self.port = _free_port()
        self._listener = None
        self._sockets: list[socket.socket] = []

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/{self.db}"

    def open(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def close(self):
        """Refuse new connections and cut the open ones, as a broker that went down."""
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
                sock.close()
        self._sockets.clear()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.upstream)
            self._sockets += [client, upstream]
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, target), daemon=True).start()


def _pump(source, target):
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            target.sendall(data)
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS}")


class Processes:
    """Start and stop the worker and relay against the test database and the broker port."""

    def __init__(self, broker: BrokerPort, tmp_path: Path, queue: str):
        db = connection.settings_dict
        self.mail_dir = tmp_path / "mail"
        self.mail_dir.mkdir()
        self.tmp_path = tmp_path
        self.env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "CELERY_BROKER_URL": broker.url,
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "OUTBOX_REDELIVER_SECONDS": "3",
            "DATABASE_CONN_MAX_AGE": "0",
        }
        self.queue = queue
        self.started: list[subprocess.Popen] = []

    def worker(self) -> subprocess.Popen:
        log = self.tmp_path / f"worker-{len(self.started)}.log"
        process = self._spawn(
            [sys.executable, "-m", "celery", "-A", "casework", "worker", "--pool=solo",
             "-Q", self.queue, "--without-gossip", "--without-mingle", "--without-heartbeat",
             "-l", "INFO", "-n", f"{self.queue}-{len(self.started)}@%h"], log)
        deadline = time.monotonic() + 60
        while "ready." not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("the worker did not start:\n" + log.read_text()[-3000:])
            time.sleep(0.2)
        return process

    def relay_loop(self) -> subprocess.Popen:
        return self._spawn([sys.executable, "manage.py", "relay_outbox", "--interval", "0.3"],
                           self.tmp_path / f"relay-{len(self.started)}.log")

    def relay_once(self) -> int:
        done = subprocess.run([sys.executable, "manage.py", "relay_outbox", "--once"],
                              env=self.env, cwd=settings.BASE_DIR, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-3000:]
        return int(re.search(r"(\d+) message\(s\) published", done.stdout).group(1))

    def _spawn(self, argv, log: Path) -> subprocess.Popen:
        process = subprocess.Popen(argv, env=self.env, cwd=settings.BASE_DIR,
                                   stdout=log.open("w"), stderr=subprocess.STDOUT)
        self.started.append(process)
        return process

    def stop_all(self):
        for process in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def emails_to(self, address: str) -> int:
        """How many messages the worker has written for `address` (one file per connection)."""
        text = "".join(path.read_text() for path in self.mail_dir.glob("*"))
        return len(re.findall(rf"^To: {re.escape(address)}$", text, flags=re.MULTILINE))


def wait_until(condition, *, seconds=45, what="the condition"):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {seconds} s"
        time.sleep(0.2)
