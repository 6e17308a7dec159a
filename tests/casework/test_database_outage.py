"""The database going away mid-request: a short generic 503, nothing half-written, and the next
request works again. The connection is really cut (pg_terminate_backend), not simulated."""

import threading
import time

import psycopg
import pytest
from auditlog.models import LogEntry
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from casework.models import CaseNote
from tests.factories import CaseFactory

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _admin_connection():
    settings = connection.settings_dict
    return psycopg.connect(host=settings["HOST"], port=settings["PORT"], user=settings["USER"],
                           dbname=settings["NAME"], autocommit=True)


def test_a_request_cut_off_from_the_database_gets_a_503_and_changes_nothing(alice, north):
    case = CaseFactory(team=north, caseworker=alice)
    browser = Client(raise_request_exception=False)
    browser.force_login(alice)
    url = reverse("case-note", args=[case.reference])
    entries_before = LogEntry.objects.count()
    answers = []

    def post_note():
        try:
            answers.append(browser.post(url, {"text": "Cut off mid-save.",
                                              "sensitivity": "standard"}))
        finally:
            connection.close()

    with _admin_connection() as admin, transaction.atomic():
        # Hold the notes table: the request writes its audit entries, then waits to insert.
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE casework_casenote IN ACCESS EXCLUSIVE MODE")
        request = threading.Thread(target=post_note)
        request.start()
        pid = None
        deadline = time.monotonic() + 30
        while pid is None:
            assert time.monotonic() < deadline, "the request never reached the database"
            row = admin.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND "
                                "wait_event_type = 'Lock'", [connection.settings_dict["NAME"]]
                                ).fetchone()
            pid = row and row[0]
            time.sleep(0.05)
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])  # the database "restarts"
        request.join(timeout=30)

    (answer,) = answers
    body = answer.content.decode()
    assert answer.status_code == 503 and answer["Retry-After"] == "30"
    assert "Temporarily unavailable" in body and "nothing was changed" in body
    assert "Traceback" not in body and "casework_casenote" not in body and case.reference not in body
    assert not CaseNote.objects.exists()
    assert LogEntry.objects.count() == entries_before  # no half-written change, audit included

    again = Client()
    again.force_login(alice)
    assert again.post(url, {"text": "Saved after the outage.",
                            "sensitivity": "standard"}).status_code == 302
    assert CaseNote.objects.count() == 1
