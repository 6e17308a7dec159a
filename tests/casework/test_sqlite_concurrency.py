"""The embedded default holds several people at once: real threads against a real server.

A runserver process (threaded, as `make run` starts it) on a file-based SQLite database with the
demo data. Eight people sign in, read their dashboards and a case page, then all try to move the
same case at the same moment: one move wins, every other one is told the case moved (409), and
no response at all is a 500 ("database is locked" was, before WAL, the busy timeout and
immediate transactions in settings).
"""

import http.cookiejar
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from casework.management.commands.load_demo import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
PORT = 8107
BASE = f"http://127.0.0.1:{PORT}"
THREADS = 8
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


RECOVERY_CODES = (
    "import json; from django.contrib.auth.models import User; "
    "from casework.accounts import mfa; "
    "print(json.dumps({name: mfa.new_recovery_codes(User.objects.get(username=name), "
    "actor=None) for name in ('caseworker', 'supervisor')}))"
)


def _manage(env, *args, **kwargs):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, **kwargs)


@pytest.fixture(scope="module")
def embedded_server(tmp_path_factory):
    """A migrated SQLite database with the demo data, served by runserver on 127.0.0.1."""
    var = tmp_path_factory.mktemp("embedded")
    env = {**os.environ, "CASEWORK_VAR_DIR": str(var),
           "DATABASE_URL": f"sqlite:///{var / 'casework.sqlite3'}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    _manage(env, "migrate", "--noinput")
    _manage(env, "load_demo")
    # Four people sign in as each demo account at once: a TOTP code passes once, so each
    # takes one of the account's single-use recovery codes through the same second-factor page.
    codes = json.loads(_manage(env, "shell", "-c", RECOVERY_CODES, text=True).stdout.strip()
                       .splitlines()[-1])
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{PORT}", "--noreload"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        _wait_for_port(server)
        yield {"db": var / "casework.sqlite3", "log": server, "codes": codes}
    finally:
        server.terminate()
        server.wait(timeout=20)


def _wait_for_port(server, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(server.stderr.read().decode())
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", PORT)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"runserver did not listen on {PORT}")


class Browser:
    """One person's session: cookies, the CSRF token of the last form, every status seen."""

    def __init__(self):
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar), _NoRedirect()
        )
        self.statuses: list[tuple[str, int]] = []
        self.token = ""

    def request(self, path, data=None):
        body = None
        if data is not None:
            body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.token, **data}).encode()
        request = urllib.request.Request(BASE + path, data=body, headers={"Referer": BASE + "/"})
        try:
            with self.opener.open(request, timeout=60) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode(errors="replace")
        self.statuses.append((path, status))
        found = CSRF.search(text)
        if found:
            self.token = found.group(1)
        return status

    def sign_in(self, username, code):
        """The password, then the second factor; returns the two answers' statuses."""
        self.request("/login/")
        password = self.request("/login/", {"username": username, "password": DEMO_PASSWORD})
        self.request("/account/verify/")
        return password, self.request("/account/verify/", {"code": code})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is an answer to record, not to follow


def _case_in_assessment(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        (reference,) = conn.execute(
            "SELECT c.reference FROM casework_case c JOIN auth_user u ON u.id = c.caseworker_id "
            "WHERE u.username = 'caseworker' AND c.stage = 'assessment' ORDER BY c.id LIMIT 1"
        ).fetchone()
    return reference


def test_eight_people_at_once_get_no_server_error_and_one_move_wins(embedded_server):
    reference = _case_in_assessment(embedded_server["db"])
    case_page = f"/cases/{reference}/"
    together = threading.Barrier(THREADS)
    people = [Browser() for _ in range(THREADS)]
    codes = embedded_server["codes"]
    failures = []

    def work(n, browser):
        try:
            # Half the case's caseworker, half the team's supervisor: both may escalate it.
            name = "caseworker" if n % 2 else "supervisor"
            browser.signed_in = browser.sign_in(name, codes[name][n // 2])
            browser.request("/")
            browser.request(case_page)
            together.wait(timeout=120)
            browser.request(f"{case_page}transition/", {
                "name": "escalate", "reason": "Immediate risk reported.",
                "expected_stage": "assessment",
            })
            browser.request(case_page)
        except Exception as error:  # noqa: BLE001 - reported below with the thread's number
            failures.append((n, repr(error)))

    threads = [threading.Thread(target=work, args=(n, b)) for n, b in enumerate(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not failures
    statuses = [status for browser in people for _, status in browser.statuses]
    assert 500 not in statuses, [b.statuses for b in people]
    moves = [status for browser in people for path, status in browser.statuses
             if path.endswith("/transition/")]
    assert sorted(moves) == [302] + [409] * (THREADS - 1), moves
    sign_ins = [browser.signed_in for browser in people]
    assert sign_ins == [(302, 302)] * THREADS
    with sqlite3.connect(embedded_server["db"]) as conn:
        (moved,) = conn.execute(
            "SELECT count(*) FROM casework_casetransition t JOIN casework_case c "
            "ON c.id = t.case_id WHERE c.reference = ? AND t.name = 'escalate'", (reference,)
        ).fetchone()
    assert moved == 1
