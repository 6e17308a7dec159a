"""A database restart in the middle of real traffic: the live server's threads serve pages and
save notes while a second connection terminates every backend of the app's database
(pg_terminate_backend, as a restart or failover does). Requests caught in it get a short
generic 503; nothing they started is half written; the next requests succeed with no restart of
the app. PostgreSQL only (CI's second pass)."""

import re
import threading
import time

import psycopg
import pytest
import requests
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client, RequestFactory

from casework import submissions
from casework.models import CaseNote, FormSubmission, OutboxMessage
from tests.factories import CaseFactory, PersonFactory

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WRITERS = 3
TERMINATE = ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
             "WHERE datname = current_database() AND pid <> pg_backend_pid()")


def _second_connection(**options):
    db = connection.settings_dict
    return psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"],
                           password=db["PASSWORD"], dbname=db["NAME"], **options)


def _notes_waiting(admin) -> int:
    """Requests inside their transaction, waiting to insert their note."""
    return admin.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND "
        "wait_event_type = 'Lock' AND query LIKE 'INSERT INTO \"casework_casenote\"%%'"
    ).fetchone()[0]


def _browser(user) -> requests.Session:
    """A signed-in browser (password and second factor) for the live server."""
    client = Client()
    client.force_login(user)
    browser = requests.Session()
    browser.cookies.set(settings.SESSION_COOKIE_NAME,
                        client.cookies[settings.SESSION_COOKIE_NAME].value)
    return browser


def _note_form(browser, page_url) -> dict:
    page = browser.get(page_url, timeout=30)
    assert page.status_code == 200
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return {"csrfmiddlewaretoken": csrf, "sensitivity": "standard"}


def _assert_generic(answer, *secrets):
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "30"
    body = answer.text
    assert "Temporarily unavailable" in body and "nothing was changed" in body
    assert len(body) < 2000
    for leak in ("Traceback", "OperationalError", "psycopg", "casework_", "SELECT", *secrets):
        assert leak not in body, leak


@pytest.fixture
def case(north, alice):
    person = PersonFactory(first_name="Willow", last_name="Testperson")
    return CaseFactory(team=north, caseworker=alice, person=person)


def test_a_restart_mid_load_gives_generic_503s_no_half_writes_and_recovers(live_server, case,
                                                                           alice):
    page_url = live_server.url + case.get_absolute_url()
    note_url = f"{live_server.url}/cases/{case.reference}/note/"
    browser = _browser(alice)
    form = _note_form(browser, page_url)
    note_type = ContentType.objects.get_for_model(CaseNote)
    before = {"log": LogEntry.objects.filter(content_type=note_type).count(),
              "outbox": OutboxMessage.objects.count()}
    answers, stop = [], threading.Event()

    def write(n):
        answers.append(("note", browser.post(note_url, {
            **form, "text": f"Written during the restart, number {n}.",
            submissions.FIELD: submissions.new_token()}, allow_redirects=False, timeout=60)))

    def read():
        while not stop.is_set():
            answers.append(("page", browser.get(page_url, timeout=60)))

    admin = _second_connection(autocommit=True)
    holder = _second_connection()  # holds the notes table, so writers are mid-request
    holder.execute("LOCK TABLE casework_casenote IN ACCESS EXCLUSIVE MODE")
    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    threads += [threading.Thread(target=read) for _ in range(2)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while _notes_waiting(admin) < WRITERS:  # the readers wait too: the page lists the notes
        assert time.monotonic() < deadline, "the requests never reached the database"
        time.sleep(0.05)

    # The restart: every backend of the app's database goes, mid-transaction or idle (this
    # test's own connection too); the lock goes with its holder.
    with _second_connection(autocommit=True) as killer:
        killer.execute(TERMINATE.replace("pid <> pg_backend_pid()",
                                         "pid NOT IN (pg_backend_pid(), %s)"),
                       [admin.info.backend_pid])
    holder.close()
    for thread in threads[:WRITERS]:
        thread.join(timeout=60)
    time.sleep(0.5)  # the readers carry on through and after it
    stop.set()
    for thread in threads[WRITERS:]:
        thread.join(timeout=60)
    admin.close()
    connection.close()  # this thread's connection was terminated too

    notes = [answer for kind, answer in answers if kind == "note"]
    pages = [answer for kind, answer in answers if kind == "page"]
    assert [a.status_code for a in notes] == [503] * WRITERS
    assert {a.status_code for a in pages} <= {200, 503} and 503 in {a.status_code for a in pages}
    for answer in notes + [a for a in pages if a.status_code == 503]:
        _assert_generic(answer, case.reference, "Willow", "Testperson", "restart, number")
    # Nothing half written: no note, no claimed form token, no audit entry, no outbox row.
    assert not CaseNote.objects.exists()
    assert not FormSubmission.objects.exists()
    assert LogEntry.objects.filter(content_type=note_type).count() == before["log"]
    assert OutboxMessage.objects.count() == before["outbox"]

    # The same server, not restarted: pages and saves work again.
    assert browser.get(page_url, timeout=30).status_code == 200
    saved = browser.post(note_url, {**_note_form(browser, page_url), "text": "After it.",
                                    submissions.FIELD: submissions.new_token()},
                         allow_redirects=False, timeout=30)
    assert saved.status_code == 302
    assert [note.text for note in CaseNote.objects.all()] == ["After it."]


def test_a_worker_that_keeps_its_connection_reconnects_by_itself(case, alice):
    """What a gunicorn worker does: one thread, one kept connection (CONN_MAX_AGE), requests
    through the real handler (request_started checks the connection: CONN_HEALTH_CHECKS)."""
    assert connection.settings_dict["CONN_MAX_AGE"] > 0
    assert connection.settings_dict["CONN_HEALTH_CHECKS"]
    client = Client()
    client.force_login(alice)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    handler, results = WSGIHandler(), []
    steps = [threading.Event() for _ in range(3)]

    def request():
        environ = RequestFactory()._base_environ(PATH_INFO=case.get_absolute_url(),
                                                 REQUEST_METHOD="GET", HTTP_COOKIE=cookie)
        statuses = []
        body = b"".join(handler(environ, lambda status, headers, *a: statuses.append(status)))
        return statuses[0], body

    def worker():
        try:
            results.append(request())
            results.append(connection.connection.info.backend_pid)  # kept for the next one
            steps[0].set()
            steps[1].wait(30)
            results.append(request())
            results.append(connection.connection.info.backend_pid)
        finally:
            connection.close()
            steps[2].set()

    thread = threading.Thread(target=worker)
    thread.start()
    assert steps[0].wait(30)
    with _second_connection(autocommit=True) as killer:
        killer.execute(TERMINATE)  # the restart, between two requests of the worker
    steps[1].set()
    assert steps[2].wait(60)
    thread.join()
    connection.close()
    (first, _), old_pid, (second, body), new_pid = results
    assert first.startswith("200") and second.startswith("200"), body[:300]
    assert new_pid != old_pid  # a new connection, made by itself
