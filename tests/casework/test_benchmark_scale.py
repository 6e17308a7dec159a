"""benchmark_scale: the synthetic data set is what it claims, and real data is never touched.

Runs on SQLite (executemany) and on PostgreSQL (COPY) alike. Figures are never asserted:
timing belongs to the report, not to the suite.
"""

import json

import pytest
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection

from audit.models import ChainLink
from casework import access, crypto, name_keys, roles
from casework.models import (
    Assessment,
    Case,
    CaseNote,
    CaseTransition,
    CaseUserObjectPermission,
    Person,
    PersonMatchKey,
    PersonSearchToken,
    Task,
    TeamMembership,
)
from casework.scale import generate, loadtest, measure
from referrals.models import ProviderReferral
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CASES = 120


@pytest.fixture
def generated(db):
    return generate.generate(CASES, batch_size=50)


def test_it_writes_the_rows_it_claims(generated):
    """Every table holds exactly what the run reports, with child rows for most cases."""
    models = {"casework.Case": Case, "casework.Person": Person,
              "casework.CaseUserObjectPermission": CaseUserObjectPermission,
              "casework.CaseTransition": CaseTransition, "casework.CaseNote": CaseNote,
              "casework.Task": Task, "casework.Assessment": Assessment,
              "referrals.ProviderReferral": ProviderReferral}
    for label, model in models.items():
        assert model.objects.count() == generated.rows[label], label
    assert generated.cases == Case.objects.count() == Person.objects.count() == CASES
    assert generated.rows["auditlog.LogEntry"] == 4 * CASES
    assert generated.rows["casework.CaseTransition"] > CASES  # most cases have moved on
    assert Task.objects.filter(done_at__isnull=True).exists()
    assert generate.generated_counts("default")["cases"] == CASES


def test_it_staffs_25_teams_with_a_supervisor_each_and_500_people(generated):
    assert TeamMembership.objects.filter(role=TeamMembership.Role.SUPERVISOR).count() == 25
    assert get_user_model().objects.count() >= 500
    caseworkers = get_user_model().objects.filter(groups__name=roles.CASEWORKER)
    assert caseworkers.count() == 25  # one per team at this size: ceil(120 / 150) < 25


def test_names_are_real_ciphertext_that_decrypts_and_the_blind_indexes_match(generated):
    with connection.cursor() as cursor:
        cursor.execute("SELECT first_name, last_name FROM casework_person")
        stored = cursor.fetchall()
    # Sealed to their own row, as save() seals them: no two rows share a ciphertext.
    assert all(crypto.parse(first)[1] == crypto.parse(last)[1] == crypto.ROW
               for first, last in stored)
    assert len({first for first, _ in stored}) == len(stored)
    for person in Person.objects.all()[:40]:
        assert person.first_name in generate.FIRST_NAMES
        assert person.last_name in generate.LAST_NAMES
        assert person.name_dob_index == crypto.name_dob_index(
            person.first_name, person.last_name, person.date_of_birth
        )
        assert person.name_index == crypto.name_index(person.first_name, person.last_name)
        assert person.phone_index == crypto.phone_index(person.phone)
    note = CaseNote.objects.first()
    assert note.text in generate.NOTE_TEXTS
    assert CaseTransition.objects.first().reason is not None
    assert Assessment.objects.first().needs_summary in generate.NEEDS
    assert ProviderReferral.objects.first().shared_need in generate.NEEDS
    assert Person.objects.first().email == ""  # the default, sealed to the row like the rest


def test_search_tokens_and_match_keys_are_those_the_app_keeps(generated):
    """Each person has the search tokens and match keys sync_person_keys writes on save(), so
    search and duplicate detection find generated people as they find real ones."""
    people = list(Person.objects.all())
    tokens, keys = {}, {}
    for person_id, token in PersonSearchToken.objects.values_list("person_id", "token"):
        tokens.setdefault(person_id, set()).add(token)
    for key in PersonMatchKey.objects.all():
        keys.setdefault(key.person_id, []).append(
            (key.is_alias, name_keys.MatchKeys(bytes(key.first_bloom), bytes(key.last_bloom),
                                               key.nickname, key.dob)))
    for person in people:
        expected_tokens, expected_keys = name_keys.person_key_rows(person, [])
        assert tokens[person.pk] == expected_tokens
        assert keys[person.pk] == expected_keys
    assert generated.rows["casework.PersonSearchToken"] == PersonSearchToken.objects.count()
    assert generated.rows["casework.PersonMatchKey"] == len(people)


def test_grants_give_each_caseworker_exactly_their_cases(generated):
    for case in Case.objects.select_related("caseworker")[:10]:
        mine = set(access.visible_cases(case.caseworker).values_list("pk", flat=True))
        assert mine == set(Case.objects.filter(caseworker=case.caseworker)
                           .values_list("pk", flat=True))
        assert case.pk in mine
    other = Case.objects.exclude(caseworker=case.caseworker).first()
    assert other.pk not in mine


def test_a_supervisor_sees_the_team_and_nothing_else(generated):
    membership = TeamMembership.objects.filter(role=TeamMembership.Role.SUPERVISOR).first()
    seen = set(access.visible_cases(membership.user).values_list("pk", flat=True))
    assert seen == set(Case.objects.filter(team=membership.team).values_list("pk", flat=True))


def test_the_audit_chain_verifies_with_every_entry_sealed(generated, capsys):
    from audit import sequencer

    sequencer.seal()  # what the app wrote around the generator (staff accounts) waits for it
    assert ChainLink.objects.count() == LogEntry.objects.count()
    call_command("verify_audit_log", "--workers", "1")
    assert capsys.readouterr().out.startswith("OK:")


def test_entries_look_like_the_apps_own(generated):
    """Creates carry masked changes, reads the part and relation the case page records."""
    case = Case.objects.first()
    created = LogEntry.objects.get(object_repr=case.reference, action=LogEntry.Action.CREATE)
    assert created.changes_dict["reference"] == ["None", case.reference]
    person = LogEntry.objects.get(object_repr=case.person.reference)
    assert person.changes_dict["first_name"] == ["[encrypted]", "[encrypted]"]
    reads = LogEntry.objects.filter(object_repr=case.reference, action=LogEntry.Action.ACCESS)
    assert reads.count() == 2
    assert reads.first().additional_data == {"part": "case page", "relation": "assigned"}
    assert reads.first().actor == case.caseworker
    # An entry the app writes itself has the same fields in its changes.
    someone = Person.objects.create(first_name="Real", last_name="Person")
    real = Case.objects.create(person=someone, team=case.team, pathway="prevention")
    for generated_entry, obj in ((created, real), (person, someone)):
        app_entry = LogEntry.objects.get_for_object(obj).get(action=LogEntry.Action.CREATE)
        assert set(generated_entry.changes_dict) == set(app_entry.changes_dict)
    assert created.changes_dict["stage"] == ["None", "intake"]  # as opened, like the app's


def test_a_second_run_adds_to_its_own_data_set(generated):
    more = generate.generate(30)
    assert more.cases == 30
    assert Case.objects.count() == CASES + 30
    assert more.users == 0  # 150 cases still fit in the 25 caseworkers


def test_it_refuses_a_database_with_real_data_and_changes_nothing(db):
    UserFactory(username="alice", roles=[roles.CASEWORKER])
    before = (LogEntry.objects.count(), Case.objects.count(), get_user_model().objects.count())
    with pytest.raises(generate.RefusedDatabase, match="did not write: 1 users"):
        generate.generate(10)
    with pytest.raises(CommandError, match="only run against an empty database"):
        call_command("benchmark_scale", "--cases", "10", "--no-measure")
    after = (LogEntry.objects.count(), Case.objects.count(), get_user_model().objects.count())
    assert after == before
    assert generate.MARKER_TABLE not in connection.introspection.table_names()


def test_it_refuses_real_cases_added_to_a_generated_data_set(generated):
    someone = Person.objects.create(first_name="Real", last_name="Person")
    Case.objects.create(person=someone, team_id=generated_team(), pathway="prevention")
    with pytest.raises(generate.RefusedDatabase, match="cases"):
        generate.generate(5)
    assert Case.objects.count() == CASES + 1


def generated_team():
    return TeamMembership.objects.values_list("team_id", flat=True).first()


def test_it_refuses_negative_counts():
    with pytest.raises(CommandError, match="--cases must be 0"):
        call_command("benchmark_scale", "--cases", "-1")


def test_cases_0_on_an_empty_database_says_there_is_nothing_to_measure(db, capsys):
    call_command("benchmark_scale", "--cases", "0", "--runs", "1")
    out = capsys.readouterr().out
    assert "nothing to measure" in out
    assert json.loads(out.strip().splitlines()[-1])["dataset"]["cases"] == 0


def test_cases_0_measures_the_data_set_that_is_there(generated, capsys):
    call_command("benchmark_scale", "--cases", "0", "--runs", "1")
    out = capsys.readouterr().out
    figures = json.loads(out.strip().splitlines()[-1])
    measures = figures["measures"]
    for name in ("visible_cases (caseworker)", "guardian (caseworker)", "floor (caseworker)",
                 "visible_cases (supervisor)", "dashboard (caseworker)",
                 "team overview (supervisor)", "case page (caseworker)",
                 "who accessed case X (auditor)"):
        assert measures[name]["median_ms"] >= 0, name
    # The three answers agree for the caseworker: same rows, different costs.
    assert (measures["visible_cases (caseworker)"]["rows"]
            == measures["floor (caseworker)"]["rows"]
            == measures["guardian (caseworker)"]["rows"])
    for page in ("dashboard (caseworker)", "team overview (supervisor)",
                 "case page (caseworker)"):
        assert measures[page]["status"] == 200, page
    assert "visible_cases / floor (caseworker)" in figures["ratios"]
    assert isinstance(figures["plan"]["visible_cases_seq_scan_on_case"], bool)
    assert "EXPLAIN" in out and "median ms" in out


def test_the_caseworker_measured_is_a_real_caseworker(generated):
    caseworker = measure.typical_caseworker()
    assert roles.has(caseworker, roles.CASEWORKER)
    assert measure.floor_ids(caseworker, supervisor=False)
    supervisor = measure.busiest_supervisor()
    assert set(measure.floor_ids(supervisor, supervisor=True)) == set(
        access.visible_cases(supervisor).values_list("pk", flat=True)
    )


def test_the_plan_check_recognises_a_full_scan():
    if connection.vendor == "postgresql":
        assert measure.seq_scan_on_cases("  ->  Seq Scan on casework_case  (cost=0.00..1.00)")
        assert not measure.seq_scan_on_cases("Index Scan using casework_case_pkey on "
                                             "casework_case c")
    else:
        assert measure.seq_scan_on_cases("SCAN casework_case")
        assert not measure.seq_scan_on_cases("SEARCH casework_case USING INTEGER PRIMARY KEY")


# The load test's parts (the run itself needs gunicorn and locust: docs/performance.md).


def test_the_load_test_refuses_a_database_with_real_data(db):
    UserFactory(username="alice", roles=[roles.CASEWORKER])
    with pytest.raises(CommandError, match="did not write"):
        call_command("loadtest", "--duration", "5")


def test_the_load_test_stays_bounded_and_on_its_ports(db):
    with pytest.raises(CommandError, match="between 1 and 600"):
        call_command("loadtest", "--duration", "0")
    with pytest.raises(CommandError, match="8111 and 8119"):
        call_command("loadtest", "--port", "8000")


def test_the_planned_sessions_sign_the_caseworkers_in(generated, client):
    from django.conf import settings

    people = loadtest.plan(2)
    assert len(people) == 2
    client.cookies[settings.SESSION_COOKIE_NAME] = people[0]["session"]
    reference = people[0]["cases"][0]
    assert client.get(f"/cases/{reference}/").status_code == 200
    assert {stage for _, stage in people[0]["movable"]} <= set(Case.ACTIVE_STAGES)


def test_reconciliation_is_exact_only_when_every_count_agrees(db):
    before = {"add note: rows": 10, "add note: audit creates": 0, "transition: rows": 5,
              "transition: audit creates": 0, "case page reads logged": 0}
    after = {"add note: rows": 13, "add note: audit creates": 3, "transition: rows": 6,
             "transition: audit creates": 1, "case page reads logged": 7, "unsealed entries": 2,
             "unsealed past the bound": 0}
    succeeded = {"add note": 3, "transition": 1, "case page": 7}
    assert loadtest.reconcile(before, after, succeeded)["exact"] is True
    assert loadtest.reconcile(before, after, {**succeeded, "add note": 4})["exact"] is False
    # Entries still waiting for the sweep are normal; one waiting past the bound is not.
    assert loadtest.reconcile(before, {**after, "unsealed past the bound": 1},
                              succeeded)["exact"] is False
    assert loadtest.reconcile(before, {**after, "case page reads logged": 6},
                              succeeded)["case page"]["exact"] is False


def test_the_counts_see_a_note_written_through_the_app(generated):
    from django.utils import timezone

    from audit import sequencer
    from casework import workflow

    since = timezone.now()
    before = loadtest.counts(since)
    case = Case.objects.filter(stage__in=Case.ACTIVE_STAGES).select_related("caseworker").first()
    workflow.write_note(case, actor=case.caseworker, text="Phoned.")
    sequencer.seal()  # as the after-commit nudge does once the note commits
    after = loadtest.counts(since)
    assert after["add note: rows"] - before["add note: rows"] == 1
    assert after["add note: audit creates"] - before["add note: audit creates"] == 1
    assert after["unsealed entries"] == after["unsealed past the bound"] == 0


def dies_on_seal(monkeypatch, at: int):
    """Make the run fail in the sealing of its `at`-th batch, as a killed run would."""
    real_seal = generate.sealing.seal
    calls = []

    def seal(entries, links, *, using):
        calls.append(len(entries))
        if len(calls) == at:
            raise RuntimeError("killed")
        return real_seal(entries, links, using=using)

    monkeypatch.setattr(generate.sealing, "seal", seal)
    return real_seal


def test_an_interrupted_run_keeps_whole_batches_and_can_be_resumed(db, monkeypatch):
    """A batch commits with its marker row or not at all: a run that dies mid-way leaves a
    consistent data set, which the next run accepts and adds to. (A run adding fewer cases
    than there are commits batch by batch on every database.)"""
    from audit.models import UnsealedEntry

    generate.generate(40, batch_size=20)
    real_seal = dies_on_seal(monkeypatch, at=2)
    with pytest.raises(RuntimeError, match="killed"):
        generate.generate(30, batch_size=10)
    assert Case.objects.count() == 50 == generate.generated_counts("default")["cases"]
    # Every entry of the kept batches is sealed or waits for the sequencer (the staff's).
    assert ChainLink.objects.count() + UnsealedEntry.objects.count() == LogEntry.objects.count()
    monkeypatch.setattr(generate.sealing, "seal", real_seal)
    assert generate.generate(50).cases == 50
    assert Case.objects.count() == 100
    call_command("verify_audit_log", "--workers", "1")


def _indexes_and_foreign_keys():
    tables = [model._meta.db_table for model in generate.FILLED]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid::regclass::text = ANY(%s) UNION ALL "
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid::regclass::text = ANY(%s)",
            [tables, tables],
        )
        return sorted(cursor.fetchall())


@pytest.mark.postgres
def test_a_run_that_doubles_the_data_set_rebuilds_every_index_and_foreign_key(db, monkeypatch):
    """On PostgreSQL it sets them aside and rebuilds them, under the same names, in one
    transaction with the rows: interrupted, it leaves nothing behind and nothing missing."""
    before = _indexes_and_foreign_keys()
    assert len(before) > 100
    dies_on_seal(monkeypatch, at=2)
    with pytest.raises(RuntimeError, match="killed"):
        generate.generate(100, batch_size=40)
    assert Case.objects.count() == 0 == generate.generated_counts("default")["cases"]
    assert _indexes_and_foreign_keys() == before
    monkeypatch.undo()
    result = generate.generate(100, batch_size=40)
    assert result.indexes_set_aside > 100
    assert _indexes_and_foreign_keys() == before
    assert Case.objects.count() == 100
    call_command("verify_audit_log", "--workers", "1")


def test_copy_text_takes_the_fast_path_only_when_it_gives_the_same_values():
    """copytext.rows prints plain rows with one format and falls back to `value` for a batch
    holding anything that needs escaping; NULLs are \\N either way, and a text "None" stays
    text."""
    import datetime

    from casework.scale import copytext

    at = datetime.datetime(2026, 1, 2, 3, 4, 5, 600, tzinfo=datetime.UTC)
    plain = [(1, "a", None, at, True, Case.Stage.INTAKE), (2, "b", 7, None, False, "x")]
    assert copytext.rows(plain) == (
        "1\ta\t\\N\t2026-01-02 03:04:05.000600+00:00\tTrue\tintake\n"
        "2\tb\t7\t\\N\tFalse\tx\n"
    )
    for awkward in ("tab\there", "new\nline", "back\\slash", "cr\rhere"):
        rows = [(1, "a", None), (2, awkward, None)]
        assert copytext.rows(rows) == "".join(copytext._exact(row) for row in rows)
        assert "\\N" in copytext.rows(rows)
    assert copytext.rows([(1, "None"), (2, None)]) == "1\tNone\n2\t\\N\n"
    with pytest.raises(TypeError, match="no COPY text"):
        copytext.rows([(1, {"a": 1})])


def test_canonical_forms_made_from_the_marked_changes_equal_the_entries_own(db):
    """The workers make a create's canonical form from the constant changes document and put
    the per-row values in afterwards: the bytes are those chain.canonical gives the entry."""
    from casework.scale import sealing

    made = generate.Generator("default")
    opened = made.now.replace(microsecond=123450)
    for template, values in (
        (made.person_changes, {"id": "7", "reference": "P-ÁB\"\\c"}),
        (made.case_changes, {name: f"{name} ü 1" for name in made.case_changes.varying}
         | {"opened_at": str(opened)}),
    ):
        text, marked = template.fill_marked(**values)
        entry = {column: None for _, column in sealing.chain.ENTRY_FIELDS} | {
            "id": 3, "object_pk": "7", "action": 0, "changes": text, "timestamp": opened,
        }
        for postgres in (True, False):
            assert sealing.canonical_parts(entry, postgres=postgres, changes=marked) == (
                sealing.canonical_parts(entry, postgres=postgres)
            )


def test_entry_forms_give_each_entry_the_canonical_form_chain_canonical_gives(db):
    """Each kind of generated entry (person create, case create, case-page read) is made from
    one canonical form with its varying values left open: the parts are those of the entry's
    own canonical form, whatever the values hold."""
    from casework.scale import sealing

    made = generate.Generator("default")
    made.staff(generate.Staff([1], {1: 2}, {1: [3]}, [4], [5]), [])
    opened = made.now.replace(microsecond=0)
    case = {"id": 11, "person_id": 12, "opened_at": opened, "reference": "C-AB12",
            "pathway": "prevention", "team_id": 1}
    batch = generate._Batch()
    made._audit(batch, {"entry": iter(range(100, 110))}, case, 4, 3)
    rows = batch.rows[LogEntry]
    assert [row[generate.FORM][0] for row in rows] == ["person", "case", "read", "read"]
    for postgres in (True, False):
        made._forms.clear()
        made.as_copy_text = postgres
        for row in rows:
            assert made.entry_parts(row) == sealing.canonical_parts(row, postgres=postgres)
        for row in rows:  # the forms now exist: other values, awkward ones, go in the same way
            odd = {**row, "id": row["id"] + 50, "object_repr": 'C-%s "\\ü', "cid": "%(id)s",
                   "actor_id": None, "timestamp": opened.replace(microsecond=120)}
            kind, changes = row[generate.FORM]
            if kind == "person":
                odd["changes"], values = made.person_changes.fill_json(
                    id="12", reference='P-%"ü')
                odd[generate.FORM] = (kind, values)
            assert made.entry_parts(odd) == sealing.canonical_parts(odd, postgres=postgres)


def test_entry_lines_are_the_copy_text_of_the_entries(db):
    """The entries' COPY lines, made per kind, are what copytext gives their rows; a batch
    with a value that needs escaping goes the general way, with the same result."""
    made = generate.Generator("default")
    made.staff(generate.Staff([1], {1: 2}, {1: [3]}, [4], [5]), [])
    batch = generate._Batch()
    for n in range(3):
        case = {"id": 11 + n, "person_id": 20 + n, "opened_at": made.now, "reference": "C-AB12",
                "pathway": "prevention", "team_id": 1}
        made._audit(batch, {"entry": iter(range(100 + 4 * n, 104 + 4 * n))}, case, 4, 3)
    rows = batch.rows[LogEntry]
    table = made.table(LogEntry)
    assert made.entry_lines(rows) == table.copy_text(rows)
    assert made.entry_lines(rows).count("\n") == 12
    rows[5]["object_repr"] = "tab\there \\ and 100%"
    assert made.entry_lines(rows) == table.copy_text(rows)
    assert "tab\\there \\\\ and 100%" in made.entry_lines(rows)


@pytest.fixture
def drops_the_marker_tables():
    """A transactional test commits the generator's own tables, which are no model's, so the
    flush after it leaves them: drop them, or the next test's database looks generated."""
    yield
    with connection.cursor() as cursor:
        for table in (generate.MARKER_TABLE, generate.indexes.PENDING_TABLE):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("at", [20, 130], ids=["building indexes", "validating foreign keys"])
def test_a_run_interrupted_while_rebuilding_its_indexes_is_finished_by_the_next(
    monkeypatch, drops_the_marker_tables, at
):
    """A run in its own transaction commits the rows with the definitions of what it set
    aside, then builds them on two connections: killed in between (among the indexes, or
    once the foreign keys are added but not all validated), it leaves the rows whole and the
    definitions on record, and the next run (even --cases 0) builds and validates what is
    missing before anything else."""
    before = _indexes_and_foreign_keys()
    real = generate.indexes._execute_retrying
    statements = []

    def dies(cursor, statement, attempts=3):
        statements.append(statement)
        if len(statements) == at:
            raise RuntimeError("killed")
        return real(cursor, statement, attempts)

    monkeypatch.setattr(generate.indexes, "_execute_retrying", dies)
    with pytest.raises(RuntimeError, match="killed"):
        generate.generate(100, batch_size=40)
    monkeypatch.undo()
    assert Case.objects.count() == 100 == generate.generated_counts("default")["cases"]
    assert len(generate.indexes.pending("default")) > 100
    assert _indexes_and_foreign_keys() != before
    unvalidated = [name for name, definition in _indexes_and_foreign_keys()
                   if definition.endswith("NOT VALID")]
    assert bool(unvalidated) == (at == 130)
    assert generate.generate(0).cases == 0
    assert generate.indexes.pending("default") == []
    assert _indexes_and_foreign_keys() == before
    result = generate.generate(150, batch_size=40)  # doubles it: sets aside and rebuilds again
    assert result.indexes_set_aside > 100
    assert _indexes_and_foreign_keys() == before
    assert Case.objects.count() == 250
    call_command("verify_audit_log", "--workers", "1")
