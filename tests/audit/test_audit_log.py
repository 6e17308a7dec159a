"""The audit record: who did what, from where, in which request, and never personal data."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from casework import workflow
from casework.models import Person
from tests.factories import CaseFactory, PersonFactory

CANARY_NAME = "Xanthoria"
CANARY_DOB = datetime.date(1966, 6, 16)


def dump_log_table() -> str:
    table = connection.ops.quote_name(LogEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        return "\n".join(" ".join(str(v) for v in row) for row in cursor.fetchall())


@pytest.mark.django_db
def test_encrypted_fields_never_reach_the_log_in_clear(alice, sam, north):
    person = PersonFactory(first_name=CANARY_NAME, date_of_birth=CANARY_DOB)
    person.last_name = "Changedname"
    person.save()
    case = CaseFactory(team=north, caseworker=alice, person=person)
    workflow.record_consent(case, actor=alice, method="verbal", given_on=datetime.date(2026, 1, 5),
                            purpose="support")
    workflow.take_transition(case, "begin_assessment", actor=alice, reason="Consent given.")
    workflow.complete_assessment(case, actor=alice, risk_level="high",
                                 needs_summary=f"{CANARY_NAME} needs housing")
    dump = dump_log_table()
    assert CANARY_NAME not in dump
    assert "Changedname" not in dump
    assert "1966-06-16" not in dump
    update = LogEntry.objects.get_for_object(person).filter(action=LogEntry.Action.UPDATE).get()
    assert update.changes_dict["last_name"] == ["[encrypted]", "[encrypted]"]  # changed, not shown
    assert "name_index" not in update.changes_dict  # blind indexes are not logged either


@pytest.mark.django_db
def test_object_names_in_the_log_are_references(alice, north):
    person = PersonFactory(first_name=CANARY_NAME)
    entry = LogEntry.objects.get_for_object(person).get()
    assert entry.object_repr == person.reference


@pytest.mark.django_db
def test_reading_a_case_page_writes_one_access_entry_with_the_request_id(client, alices_case, alice):
    client.force_login(alice)
    before = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count()
    response = client.get(alices_case.get_absolute_url())
    reads = LogEntry.objects.filter(action=LogEntry.Action.ACCESS)
    assert reads.count() == before + 1
    entry = reads.latest("pk")
    assert entry.actor == alice
    assert entry.object_repr == alices_case.reference
    assert entry.cid == response["X-Request-ID"]
    assert entry.remote_addr == "127.0.0.1"
    assert entry.additional_data == {"part": "case page", "relation": "assigned"}


@pytest.mark.django_db
def test_the_address_comes_from_the_connection_not_a_forged_header(client, alices_case, alice):
    client.force_login(alice)
    client.get(alices_case.get_absolute_url(), HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert LogEntry.objects.latest("pk").remote_addr == "127.0.0.1"


@pytest.mark.django_db
def test_a_failed_write_leaves_no_orphan_entry(alices_case, alice):
    """The update entry is written before the save; the transaction takes both back."""
    before = LogEntry.objects.count()
    with pytest.raises(workflow.TransitionRefused):
        workflow.take_transition(alices_case, "begin_assessment", actor=alice,
                                 reason="Consent given.")
    assert LogEntry.objects.count() == before


# The auditor's page -----------------------------------------------------------------------


@pytest.mark.django_db
def test_auditors_read_the_log_but_not_the_cases(client, audrey, alices_case):
    client.force_login(audrey)
    assert client.get(reverse("audit-log")).status_code == 200
    assert client.get(alices_case.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("persona", ["alice", "sam", "ivy", "mo", "pat", "adam", "root"])
@pytest.mark.django_db
def test_nobody_else_reads_the_audit_log(request, client, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("audit-log")).status_code == 403


@pytest.mark.django_db
def test_the_auditor_filters_by_actor_object_action_and_date(client, audrey, alice, bob, north):
    mine = CaseFactory(team=north, caseworker=alice)
    theirs = CaseFactory(team=north, caseworker=bob)
    client.force_login(alice)
    client.get(mine.get_absolute_url())
    client.force_login(bob)
    client.get(theirs.get_absolute_url())
    client.force_login(audrey)

    def rows(**params):
        page = client.get(reverse("audit-log"), params).context["page"]
        return list(page.object_list)

    by_alice = rows(actor="alice")
    assert by_alice and {e.actor.username for e in by_alice} == {"alice"}
    by_object = rows(reference=theirs.reference.lower())
    assert by_object and {e.object_repr for e in by_object} == {theirs.reference}
    from django.contrib.contenttypes.models import ContentType

    case_type = ContentType.objects.get_for_model(mine).pk
    reads = rows(action=LogEntry.Action.ACCESS, object_type=case_type)
    assert {e.object_repr for e in reads} == {mine.reference, theirs.reference}
    today = datetime.date.today()
    assert rows(date_from=today + datetime.timedelta(days=2)) == []
    response = client.get(reverse("audit-log"), {"date_from": "2026-02-02", "date_to": "2026-01-01"})
    assert "The start date must be on or before the end date." in response.content.decode()


@pytest.mark.django_db
def test_the_auditor_page_costs_the_same_for_few_and_many_entries(client, audrey, alice, north):
    from django.test.utils import CaptureQueriesContext

    client.force_login(audrey)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("audit-log")).status_code == 200
        return len(captured)

    CaseFactory.create_batch(3, team=north, caseworker=alice)
    few = queries()
    CaseFactory.create_batch(30, team=north, caseworker=alice)
    assert queries() == few


@pytest.mark.django_db
def test_the_auditor_page_shows_no_personal_data(client, audrey, alice, north):
    CaseFactory(team=north, caseworker=alice, person__first_name=CANARY_NAME)
    client.force_login(audrey)
    assert CANARY_NAME not in client.get(reverse("audit-log")).content.decode()


@pytest.mark.django_db
def test_demo_data_leaves_no_names_or_dates_of_birth_in_clear_anywhere(settings):
    from casework.management.commands.load_demo import NEW_REFERRALS, PEOPLE

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Person.objects.count() == len(PEOPLE)
    canaries = [p[0] for p in PEOPLE + NEW_REFERRALS] + [p[1] for p in PEOPLE + NEW_REFERRALS]
    canaries += [p[2] for p in PEOPLE + NEW_REFERRALS]
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            text = " ".join(str(v) for row in cursor.fetchall() for v in row)
            found = [c for c in canaries if c in text]
            assert not found, f"{table} holds {found} in clear"
