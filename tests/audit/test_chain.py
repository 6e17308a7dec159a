"""Tamper evidence: the hash chain over the audit log, its signed anchors, the scheduled
verification and alert, and (PostgreSQL) the append-only triggers and concurrent appends.

Tampering is simulated with raw SQL and QuerySet.update (which auditlog does not see); on
PostgreSQL the `tamper` fixture first disables the triggers, as a superuser could.
"""

import base64
import datetime
import io
import json
import os
import stat
import subprocess
import sys
import threading
import uuid
from zoneinfo import ZoneInfo

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from audit import anchors, chain, sequencer, tasks
from audit.models import GENESIS_HASH, ChainHead, ChainLink, UnsealedEntry, Verification
from casework import workflow
from tests.factories import PersonFactory, UserFactory

CANARY = "Quillonbeck"


def links():
    return list(ChainLink.objects.order_by("seq").values_list("seq", "entry_id", "prev_hash", "hash"))


def link(seq):
    return ChainLink.objects.get(seq=seq)


def set_head(seq):
    digest = link(seq).hash if seq else GENESIS_HASH
    ChainHead.objects.filter(pk=ChainHead.HEAD_PK).update(seq=seq, hash=digest)


def remove(tamper, seq):
    """Remove the entry at `seq` and its link (the foreign key forbids removing one alone)."""
    entry_id = link(seq).entry_id
    tamper("DELETE FROM audit_chainlink WHERE seq = %s", [seq])
    tamper("DELETE FROM auditlog_logentry WHERE id = %s", [entry_id])


def renumber(tamper, first, delta):
    """Shift every link from `first` on by `delta`, through a detour so seq stays unique."""
    tamper("UPDATE audit_chainlink SET seq = seq + 1000000 WHERE seq >= %s", [first])
    tamper("UPDATE audit_chainlink SET seq = seq - 1000000 + %s WHERE seq >= 1000000", [delta])


def rewrite_from(tamper, seq):
    """What someone holding AUDIT_CHAIN_KEY could do: recompute every hash from `seq` on."""
    mac = chain.Mac(chain.chain_key())
    prev = link(seq - 1).hash if seq > 1 else GENESIS_HASH
    last = seq
    for each in ChainLink.objects.filter(seq__gte=seq).order_by("seq"):
        (values,) = chain._entry_rows([each.entry_id], connection.alias)
        digest = mac(each.seq, prev, values)
        tamper("UPDATE audit_chainlink SET prev_hash = %s, hash = %s WHERE id = %s",
               [prev, digest, each.pk])
        prev, last = digest, each.seq
    ChainHead.objects.filter(pk=ChainHead.HEAD_PK).update(seq=last, hash=prev)


def forged_entry(**fields):
    """An entry written straight into the table: bulk_create sends no post_save, so no link."""
    fields = {
        "content_type": ContentType.objects.get_for_model(LogEntry),
        "object_pk": "1",
        "object_repr": "C-FORGED00",
        "action": LogEntry.Action.UPDATE,
        **fields,
    }
    (entry,) = LogEntry.objects.bulk_create([LogEntry(**fields)])
    return entry


@pytest.fixture
def varied_log(db, client, alice, north):
    """A log with every kind of entry real use writes: creates with changes, an update, a
    page read with actor, address and request id, and entries with the rarer columns set."""
    from tests.factories import CaseFactory

    person = PersonFactory(first_name=CANARY)
    person.last_name = "Changed"
    person.save()
    case = CaseFactory(team=north, caseworker=alice, person=person)
    client.force_login(alice)
    client.get(case.get_absolute_url())
    LogEntry.objects.log_create(
        case, action=LogEntry.Action.ACCESS, force_log=True, changes=None,
        actor_email="alice@test.invalid", remote_port=50123, remote_addr="2001:db8::1",
        serialized_data={"fields": {"stage": "intake"}}, changes_text="legacy text",
    )
    assert LogEntry.objects.count() >= 8
    sequencer.seal()
    return case


# A clean chain --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_entry_gets_the_next_link_and_a_clean_chain_verifies(varied_log, verify_command):
    chained = links()
    assert len(chained) == LogEntry.objects.count()
    assert [seq for seq, *_ in chained] == list(range(1, len(chained) + 1))
    assert chained[0][2] == GENESIS_HASH
    assert all(chained[i][2] == chained[i - 1][3] for i in range(1, len(chained)))
    assert ChainHead.objects.get().seq == len(chained)
    n = len(chained)
    assert verify_command() == (True, f"OK: {n} entries verified up to seq {n} (no anchor yet)")
    anchors.record_anchor()
    assert verify_command() == (True, f"OK: {n} entries verified up to seq {n} (anchor at seq {n})")


@pytest.mark.django_db
def test_a_user_who_acted_cannot_be_deleted_only_deactivated(alice, bob):
    """Deleting alice would null the actor of her entries (SET_NULL): an edit of the record."""
    from django.db.models import ProtectedError

    LogEntry.objects.log_create(bob, action=LogEntry.Action.ACCESS, force_log=True, actor=alice)
    with pytest.raises(ProtectedError, match="deactivate the account"), transaction.atomic():
        alice.delete()
    alice.is_active = False
    alice.save()
    UserFactory(username="never-acted").delete()
    assert chain.verify().ok


@pytest.mark.django_db
def test_the_verifier_can_start_part_way(make_entries, verify_command):
    make_entries(6)
    n = ChainLink.objects.count()
    assert verify_command("--start", "3") == (
        True, f"OK: {n - 2} entries verified up to seq {n} (no anchor yet)"
    )


@pytest.mark.django_db
def test_the_queue_row_commits_or_rolls_back_with_its_entry(alices_case, alice):
    before = (LogEntry.objects.count(), UnsealedEntry.objects.count())
    with pytest.raises(workflow.TransitionRefused):
        workflow.take_transition(alices_case, "begin_assessment", actor=alice)
    with pytest.raises(RuntimeError), transaction.atomic():
        entry = LogEntry.objects.log_create(alice, action=LogEntry.Action.ACCESS, force_log=True)
        assert UnsealedEntry.objects.filter(entry=entry).exists()
        assert not ChainLink.objects.filter(entry=entry).exists()  # sealed only once committed
        raise RuntimeError
    assert (LogEntry.objects.count(), UnsealedEntry.objects.count()) == before
    sequencer.seal()
    assert chain.verify().ok


@pytest.mark.django_db
def test_a_lost_head_row_does_not_restart_the_chain(make_entries):
    make_entries(3)
    ChainHead.objects.all().delete()
    make_entries(2)
    assert [seq for seq, *_ in links()] == list(range(1, ChainLink.objects.count() + 1))
    assert chain.verify().ok


def test_the_canonical_form_covers_every_column_of_the_log_entry():
    """If an auditlog upgrade adds a column, decide whether it joins the canonical form."""
    columns = {f.attname for f in LogEntry._meta.concrete_fields}
    assert set(chain._COLUMNS) == columns


@pytest.mark.parametrize(
    "stamp, iso",
    [
        ("2026-01-02 03:04:05.000006", "2026-01-02T03:04:05.000006+00:00"),  # SQLite's text
        ("2026-01-02 03:04:05", "2026-01-02T03:04:05+00:00"),
        ("2026-01-02T03:04:05.000006+00:00", "2026-01-02T03:04:05.000006+00:00"),
        ("2026-01-02 03:04:05.1+00", "2026-01-02T03:04:05.100000+00:00"),  # PostgreSQL's text
        # Three digits of fraction: as long as SQLite's form, and read as one until corrected.
        ("2026-01-02 03:04:05.123+00", "2026-01-02T03:04:05.123000+00:00"),
        ("2026-01-02 03:04:05.123000", "2026-01-02T03:04:05.123000+00:00"),
        ("2026-01-02 03:04:05.000006+00", "2026-01-02T03:04:05.000006+00:00"),
        ("2026-01-02 03:04:05+00", "2026-01-02T03:04:05+00:00"),
        (datetime.datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=datetime.UTC),  # PostgreSQL's
         "2026-01-02T03:04:05.000006+00:00"),
        (datetime.datetime(2026, 1, 1, 21, 4, 5, 6, tzinfo=ZoneInfo("America/Chicago")),
         "2026-01-02T03:04:05.000006+00:00"),
    ],
)
def test_the_canonical_form_is_compact_json_with_sorted_keys(stamp, iso):
    row = [7, 3, "42", 42, 'C-1 \u00e9 "q" \\ %s', None, 1, "", '{"b": [1, 2.5, true], "a": "\u00e9"}',
           5, None, "2001:db8::1", None, "abc", stamp, '{"part":  "case page"}']
    document = dict(zip(chain._KEYS, row))
    document.update(changes=json.loads(row[8]), additional_data=json.loads(row[15]), timestamp=iso,
                    seq=9, prev_hash="a" * 64, v=1)
    expected = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    assert chain.canonical(9, "a" * 64, row) == expected


@pytest.mark.django_db
def test_the_canonical_form_of_stored_entries_matches_what_django_reads(varied_log):
    """The verifier reads raw rows (fast); they must mean exactly what the ORM sees."""
    for entry in LogEntry.objects.all():
        (row,) = chain._entry_rows([entry.pk], connection.alias)
        document = {key: getattr(entry, field) for key, field in chain.ENTRY_FIELDS}
        document.update(timestamp=entry.timestamp.astimezone(datetime.UTC).isoformat(),
                        seq=3, prev_hash="b" * 64, v=1)
        expected = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
        assert chain.canonical(3, "b" * 64, row) == expected


@pytest.mark.django_db
def test_a_timestamp_in_whole_milliseconds_reads_as_django_reads_it(make_entries, tamper):
    """PostgreSQL prints such a fraction with three digits; the hash still covers the instant
    Django reads, on both backends."""
    (entry,) = make_entries(1)
    LogEntry.objects.filter(pk=entry.pk).update(  # `tamper` has lifted the triggers
        timestamp=datetime.datetime(2026, 3, 4, 5, 6, 7, 123000, tzinfo=datetime.UTC)
    )
    (row,) = chain._entry_rows([entry.pk], connection.alias)
    assert b'"timestamp":"2026-03-04T05:06:07.123000+00:00"' in chain.canonical(1, "", row)


@pytest.mark.django_db
def test_a_link_sealed_under_the_earlier_reading_still_verifies_and_an_edit_to_it_is_found(
    make_entries, tamper
):
    """Links sealed before the three-digit reading was corrected keep their hash: the verifier
    accepts that form for that shape of timestamp only, and an edit still breaks it."""
    make_entries(3)
    key = chain.chain_key()
    stamp = "2026-03-04 05:06:07.123+00"
    entry_id = link(2).entry_id
    (row,) = chain._entry_rows([entry_id], connection.alias)
    row = (*row[: chain._TIMESTAMP], stamp, *row[chain._TIMESTAMP + 1 :])
    earlier = list(row)
    earlier[chain._TIMESTAMP] = chain._EarlierReading(stamp)
    old_hash = chain.Mac(key)(2, link(2).prev_hash, earlier)
    assert old_hash != chain.Mac(key)(2, link(2).prev_hash, row)
    assert chain.matches_earlier_reading(key, 2, link(2).prev_hash, row, old_hash)
    assert not chain.matches_earlier_reading(
        key, 2, link(2).prev_hash, (*row[:4], "edited", *row[5:]), old_hash
    )


# Tampering, found at the right position --------------------------------------------------------


def _mutations(entry):
    """One change per column of a log entry (both when the column is empty and when not)."""
    other_user = UserFactory().pk
    other_type = ContentType.objects.exclude(pk=entry.content_type_id).first().pk
    json_value = {"forged": ["a", "b"]}
    return {
        "id": {"id": entry.pk + 100_000},
        "content_type": {"content_type_id": other_type},
        "object_pk": {"object_pk": entry.object_pk + "0"},
        "object_id": {"object_id": (entry.object_id or 0) + 1},
        "object_repr": {"object_repr": entry.object_repr + "X"},
        "serialized_data": {"serialized_data": None if entry.serialized_data else json_value},
        "action": {"action": (entry.action + 1) % 4},
        "changes_text": {"changes_text": entry.changes_text + "X"},
        "changes": {"changes": None if entry.changes else json_value},
        "actor": {"actor_id": None if entry.actor_id else other_user},
        "actor_email": {"actor_email": None if entry.actor_email else "x@test.invalid"},
        "remote_addr": {
            "remote_addr": "10.9.9.9" if entry.remote_addr != "10.9.9.9" else "10.9.9.8"
        },
        "remote_port": {"remote_port": (entry.remote_port or 0) + 1},
        "cid": {"cid": (entry.cid or "") + "X"},
        "timestamp": {"timestamp": entry.timestamp + datetime.timedelta(microseconds=1)},
        "additional_data": {"additional_data": None if entry.additional_data else json_value},
    }


@pytest.mark.django_db
def test_any_edit_to_any_column_of_any_entry_or_link_is_found_at_its_seq(varied_log, tamper):
    """The mutation campaign (checklist 35): every row x every column, 100% detection."""
    assert chain.verify().ok
    tried = 0
    chained = links()  # _mutations makes a user, and that creation is an entry of its own
    for seq, entry_id, prev_hash, digest in chained:
        entry = LogEntry.objects.get(pk=entry_id)
        edits = [(LogEntry, entry_id, name, change) for name, change in _mutations(entry).items()]
        edits += [
            (ChainLink, link(seq).pk, "link hash", {"hash": "f" * 64}),
            (ChainLink, link(seq).pk, "link prev_hash", {"prev_hash": "1" * 64}),
            (ChainLink, link(seq).pk, "link seq", {"seq": seq + 100_000}),
        ]
        assert {name for _, _, name, _ in edits} >= set(chain._KEYS)
        for model, pk, name, change in edits:
            with transaction.atomic():
                assert model.objects.filter(pk=pk).update(**change) == 1
                result = chain.verify()
                transaction.set_rollback(True)
            assert not result.ok, f"editing {name} at seq {seq} went unnoticed"
            assert result.first_bad_seq == seq, (name, seq, result)
            assert entry.object_repr not in result.problem  # positions only, never content
            tried += 1
    assert chain.verify().ok  # every edit was rolled back: no false positive either
    assert tried == len(chained) * (len(chain._KEYS) + 3)


@pytest.mark.django_db
def test_an_edited_entry_is_reported_by_the_command(make_entries, tamper, verify_command):
    entries = make_entries(6)
    seq = link(4).seq
    tamper("UPDATE auditlog_logentry SET object_repr = 'C-OTHER000' WHERE id = %s",
           [link(4).entry_id])
    ok, message = verify_command()
    assert not ok
    assert message.startswith(f"FAILED at seq {seq}: seq {seq} (log entry {link(4).entry_id}): "
                              "hash does not match the entry")
    assert f"({seq - 1} entries verified before it)" in message
    assert "AUDIT_CHAIN_KEY" not in message
    assert len(entries) == 6


@pytest.mark.django_db
def test_a_wrong_chain_key_is_told_apart_from_an_edit(make_entries, verify_command, settings):
    make_entries(3)
    settings.AUDIT_CHAIN_KEY = "not the key the chain was written with"
    ok, message = verify_command()
    assert not ok and message.startswith("FAILED at seq 1: seq 1 (log entry")
    assert "if every entry fails, AUDIT_CHAIN_KEY is not the key" in message


@pytest.mark.django_db
def test_a_removed_entry_is_found_at_its_seq(make_entries, tamper, verify_command):
    make_entries(6)
    remove(tamper, 3)
    ok, message = verify_command()
    assert not ok and message.startswith("FAILED at seq 3: seq 3 is missing")


@pytest.mark.django_db
def test_a_removed_entry_is_found_even_when_the_later_links_are_renumbered(
    make_entries, tamper, verify_command
):
    make_entries(6)
    last = ChainLink.objects.count()
    remove(tamper, 3)
    renumber(tamper, 4, -1)
    set_head(last - 1)
    ok, message = verify_command()
    assert not ok and message.startswith("FAILED at seq 3: seq 3 (log entry")
    assert "previous hash differs" in message


@pytest.mark.django_db
def test_an_entry_inserted_outside_the_chain_is_found(make_entries, verify_command):
    make_entries(5)
    last = ChainLink.objects.count()
    forged = forged_entry()
    ok, message = verify_command()
    assert not ok
    assert message.startswith(f"FAILED at seq {last + 1}: log entries outside the chain")
    assert f"id {forged.pk}" in message


@pytest.mark.django_db
def test_an_entry_inserted_into_the_middle_with_a_forged_link_is_found(
    make_entries, tamper, verify_command
):
    make_entries(6)
    last = ChainLink.objects.count()
    forged = forged_entry()
    renumber(tamper, 3, +1)
    (values,) = chain._entry_rows([forged.pk], connection.alias)
    guess = chain.link_hash(b"not the key", 3, link(2).hash, values)
    ChainLink.objects.create(entry=forged, seq=3, prev_hash=link(2).hash, hash=guess)
    set_head(last + 1)
    ok, message = verify_command()
    assert not ok
    assert message.startswith(f"FAILED at seq 3: seq 3 (log entry {forged.pk}): hash does not match")


@pytest.mark.django_db
def test_swapping_the_positions_of_two_entries_is_found(make_entries, tamper, verify_command):
    make_entries(6)
    tamper("UPDATE audit_chainlink SET seq = 1000 WHERE seq = 2")
    tamper("UPDATE audit_chainlink SET seq = 2 WHERE seq = 5")
    tamper("UPDATE audit_chainlink SET seq = 5 WHERE seq = 1000")
    ok, message = verify_command()
    assert not ok and message.startswith("FAILED at seq 2: seq 2 (log entry")


@pytest.mark.django_db
def test_swapping_the_entries_behind_two_links_is_found(make_entries, tamper, verify_command):
    make_entries(6)
    a, b = link(2).entry_id, link(5).entry_id
    tamper("UPDATE audit_chainlink SET entry_id = %s WHERE seq = 2", [forged_entry().pk])
    tamper("UPDATE audit_chainlink SET entry_id = %s WHERE seq = 5", [a])
    tamper("UPDATE audit_chainlink SET entry_id = %s WHERE seq = 2", [b])
    tamper("DELETE FROM auditlog_logentry WHERE id NOT IN (SELECT entry_id FROM audit_chainlink)")
    ok, message = verify_command()
    assert not ok
    assert message.startswith(f"FAILED at seq 2: seq 2 (log entry {b}): hash does not match")


# Only the anchors catch these ------------------------------------------------------------------


@pytest.mark.django_db
def test_removing_the_newest_entries_is_found_only_through_the_anchor(
    make_entries, tamper, verify_command, anchor_path
):
    make_entries(8)
    last = ChainLink.objects.count()
    anchors.record_anchor()
    for seq in range(last, last - 3, -1):
        remove(tamper, seq)
    set_head(last - 3)  # and cover the tracks in the head row
    ok, message = verify_command()
    assert not ok
    assert message.startswith(
        f"FAILED at seq {last - 2}: the chain ends at seq {last - 3} but the anchor of "
    )
    assert f"signed seq {last}: the newest entries were removed" in message
    # A later anchor of the shortened chain does not hide it: every anchor is checked.
    anchors.record_anchor()
    assert verify_command()[0] is False
    anchor_path.unlink()
    assert verify_command() == (
        True, f"OK: {last - 3} entries verified up to seq {last - 3} (no anchor yet)"
    )


@pytest.mark.django_db
def test_removing_the_newest_entries_but_not_the_head_is_found_without_an_anchor(
    make_entries, tamper, verify_command
):
    make_entries(5)
    last = ChainLink.objects.count()
    remove(tamper, last)
    ok, message = verify_command()
    assert not ok and message.startswith(
        f"FAILED at seq {last}: the chain ends at seq {last - 1} but its head records seq {last}"
    )


@pytest.mark.django_db
def test_a_full_rewrite_with_recomputed_hashes_is_found_only_through_the_anchor(
    make_entries, tamper, verify_command, anchor_path
):
    make_entries(4)
    first_anchor = ChainLink.objects.count()
    anchors.record_anchor()
    make_entries(4)
    last = ChainLink.objects.count()
    anchors.record_anchor()
    target = link(first_anchor + 2)
    tamper("UPDATE auditlog_logentry SET object_repr = 'C-REWRITE0' WHERE id = %s",
           [target.entry_id])
    rewrite_from(tamper, target.seq)
    ok, message = verify_command()
    assert not ok
    assert message.startswith(f"FAILED at seq {last}: seq {last} no longer matches the signed anchor")
    assert f"rewritten after seq {first_anchor}" in message
    anchor_path.unlink()  # without anchors the rewritten chain is self-consistent
    assert verify_command()[0] is True


# Anchors ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_anchors_are_signed_lines_appended_to_a_file(make_entries, anchor_path):
    assert not anchor_path.parent.exists()
    assert anchors.latest_anchor() is None
    make_entries(2)
    first = anchors.record_anchor()
    make_entries(1)
    tasks.record_audit_anchor.delay()  # the hourly task (in-process here)
    lines = anchor_path.read_text().splitlines()
    assert len(lines) == 2
    head = ChainHead.objects.get()
    latest = anchors.latest_anchor()
    assert (latest.seq, latest.hash, latest.line) == (head.seq, head.hash, 2)
    data = json.loads(lines[0])
    assert (data["seq"], data["hash"], data["at"]) == (first.seq, first.hash, first.at)
    public = anchors.signing_key().public_key()
    public.verify(base64.b64decode(data["sig"]), f"{first.seq}:{first.hash}:{first.at}".encode())
    assert datetime.datetime.fromisoformat(data["at"]).utcoffset() == datetime.timedelta(0)


@pytest.mark.django_db
def test_a_tampered_anchor_line_is_reported(make_entries, anchor_path, verify_command):
    make_entries(3)
    anchors.record_anchor()
    make_entries(1)
    anchors.record_anchor()
    lines = anchor_path.read_text().splitlines()
    edited = json.loads(lines[0])
    edited["seq"] += 1
    anchor_path.write_text("\n".join([json.dumps(edited), lines[1]]) + "\n")
    log = anchors.read_anchors()
    assert [a.line for a in log.anchors] == [2]
    assert log.problems == [f"line 1 (seq {edited['seq']}) fails its signature check: "
                            "edited or forged"]
    with pytest.raises(anchors.TamperedAnchors):
        anchors.latest_anchor()
    ok, message = verify_command()
    assert not ok and message.startswith("FAILED at the anchors: anchor file: line 1 (seq")


@pytest.mark.django_db
def test_an_anchor_signed_with_another_key_or_unreadable_is_reported(
    make_entries, anchor_path, settings
):
    make_entries(2)
    own_key = settings.AUDIT_ANCHOR_SIGNING_KEY
    settings.AUDIT_ANCHOR_SIGNING_KEY = anchors.generate_signing_key()
    anchors.record_anchor()
    settings.AUDIT_ANCHOR_SIGNING_KEY = own_key
    with anchor_path.open("a") as handle:
        handle.write("{not json\n")
    problems = anchors.read_anchors().problems
    assert len(problems) == 2
    assert "line 1" in problems[0] and "signed by key" in problems[0]
    assert problems[1] == "line 2 is not a readable anchor"
    assert not chain.verify().ok


# Scheduling, alerting and the record of verifications -----------------------------------------


def test_the_beat_schedule_seals_in_seconds_anchors_in_minutes_and_verifies_daily():
    from casework.celery import app

    schedule = settings.CELERY_BEAT_SCHEDULE
    seal = schedule["seal-audit-log"]
    anchor, verify = schedule["record-audit-anchor"], schedule["verify-audit-log"]
    assert seal["task"] == "audit.tasks.seal_audit_log"
    assert anchor["task"] == "audit.tasks.record_audit_anchor"
    assert verify["task"] == "audit.tasks.verify_audit_log"
    assert seal["schedule"] <= 10 < settings.AUDIT_SEAL_ALERT_SECONDS
    assert 60 <= anchor["schedule"] <= 15 * 60  # the unanchored window is minutes
    assert len(verify["schedule"].hour) == 1 and len(verify["schedule"].minute) == 1
    app.loader.import_default_modules()
    assert {seal["task"], anchor["task"], verify["task"]} <= set(app.tasks)


@pytest.mark.django_db
def test_a_failed_daily_verification_calls_the_alert_hook(make_entries, tamper, monkeypatch):
    calls = []
    monkeypatch.setattr(tasks, "alert", calls.append)
    make_entries(4)
    assert tasks.verify_audit_log.delay().get() is True
    assert calls == []
    tamper("UPDATE auditlog_logentry SET cid = 'forged' WHERE id = %s", [link(2).entry_id])
    assert tasks.verify_audit_log.delay().get() is False
    assert len(calls) == 1 and not calls[0].ok and calls[0].first_bad_seq == 2


@pytest.mark.django_db
def test_the_alert_is_one_error_without_personal_data(varied_log, tamper, caplog):
    entry = LogEntry.objects.filter(object_repr=varied_log.person.reference).earliest("pk")
    tamper("UPDATE auditlog_logentry SET action = 2 WHERE id = %s", [entry.pk])
    with caplog.at_level("ERROR", logger="audit.alerts"):
        assert tasks.verify_audit_log.delay().get() is False
    (record,) = [r for r in caplog.records if r.name == "audit.alerts"]
    assert record.levelname == "ERROR"
    message = record.getMessage()
    assert "FAILED at seq" in message
    assert CANARY not in message and varied_log.person.reference not in message
    assert varied_log.reference not in message


@pytest.mark.django_db
def test_a_verifier_that_cannot_run_also_alerts(monkeypatch):
    calls = []
    monkeypatch.setattr(tasks, "alert", calls.append)

    def broken(*args, **kwargs):
        raise DatabaseError("connection lost")

    monkeypatch.setattr(chain, "verify", broken)
    with pytest.raises(DatabaseError):
        tasks.verify_audit_log.delay()
    assert len(calls) == 1 and "could not run: DatabaseError" in calls[0].problem


@pytest.mark.django_db
def test_each_verification_is_recorded_for_the_workspace(make_entries, tamper, verify_command):
    make_entries(3)
    n = ChainLink.objects.count()
    verify_command()
    good = Verification.objects.latest()
    assert (good.ok, good.checked, good.last_seq, good.first_bad_seq, good.problem) == (
        True, n, n, None, ""
    )
    tamper("UPDATE auditlog_logentry SET object_pk = 'x' WHERE id = %s", [link(2).entry_id])
    verify_command()
    bad = Verification.objects.latest()
    assert (bad.ok, bad.checked, bad.first_bad_seq) == (False, 1, 2)
    assert "hash does not match" in bad.problem


@pytest.mark.django_db
def test_an_entry_queued_a_moment_after_it_commits_is_not_an_insertion(make_entries, monkeypatch):
    """Outside a transaction auditlog's entry commits before its queue row: the verifier looks
    again before calling it an insertion."""
    make_entries(2)
    late = forged_entry()
    monkeypatch.setattr(chain, "ORPHAN_GRACE_SECONDS", 0.01)
    monkeypatch.setattr(
        chain.time, "sleep",
        lambda seconds: sequencer.queue_entry(LogEntry, late, created=True),
    )
    result = chain.verify()
    assert result.ok and result.unsealed == 1


# Configuration -----------------------------------------------------------------------------------


def _start(env):
    return subprocess.run(
        [sys.executable, "-c",
         "import django; django.setup(); from django.conf import settings as s; "
         "print(s.AUDIT_CHAIN_KEY)"],
        env={**env, "DJANGO_SETTINGS_MODULE": "casework.settings"},
        capture_output=True, text=True, cwd=settings.BASE_DIR, check=False,
    )


def _production():
    from tests.test_settings import PRODUCTION

    return {
        **PRODUCTION,
        "AUDIT_CHAIN_KEY": "c" * 43,
        "AUDIT_ANCHOR_SIGNING_KEY": base64.b64encode(b"k" * 32).decode(),
    }


def test_production_starts_with_the_audit_keys_from_the_environment():
    result = _start(_production())
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("missing", ["AUDIT_CHAIN_KEY", "AUDIT_ANCHOR_SIGNING_KEY"])
def test_production_refuses_to_start_without_an_audit_key(missing):
    env = {k: v for k, v in _production().items() if k != missing}
    result = _start(env)
    assert result.returncode != 0 and f"{missing} is not set" in result.stderr


@pytest.mark.parametrize("name", ["AUDIT_CHAIN_KEY", "AUDIT_ANCHOR_SIGNING_KEY"])
def test_the_audit_keys_must_differ_from_the_secret_key(name):
    env = _production()
    env[name] = env["SECRET_KEY"]
    result = _start(env)
    assert result.returncode != 0 and "must differ from SECRET_KEY" in result.stderr


def test_a_malformed_anchor_signing_key_stops_start_up():
    result = _start({**_production(), "AUDIT_ANCHOR_SIGNING_KEY": "not-base64-of-32-bytes"})
    assert result.returncode != 0 and "raw 32-byte Ed25519 private key" in result.stderr


def test_an_old_local_key_file_gains_the_audit_keys_and_keeps_its_own(tmp_path):
    old = {"SECRET_KEY": "s" * 50, "FIELD_ENCRYPTION_KEYS": "a2V5LWZvci10ZXN0cy1vbmx5LTMyLWJ5dGVzLWxvbmc=",
           "BLIND_INDEX_KEY": "b" * 40}
    keys = tmp_path / "local-keys.json"
    keys.write_text(json.dumps(old))
    env = {"PATH": os.environ["PATH"], "CASEWORK_VAR_DIR": str(tmp_path)}
    first = _start(env)
    assert first.returncode == 0, first.stderr
    stored = json.loads(keys.read_text())
    assert {k: stored[k] for k in old} == old
    assert stored["AUDIT_CHAIN_KEY"] == first.stdout.strip()
    assert len(base64.b64decode(stored["AUDIT_ANCHOR_SIGNING_KEY"])) == 32
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    again = _start(env)
    assert again.stdout == first.stdout and json.loads(keys.read_text()) == stored


def test_a_new_local_key_file_holds_every_key(tmp_path):
    result = _start({"PATH": os.environ["PATH"], "CASEWORK_VAR_DIR": str(tmp_path / "var")})
    assert result.returncode == 0, result.stderr
    stored = json.loads((tmp_path / "var" / "local-keys.json").read_text())
    assert set(stored) == set(settings.LOCAL_KEY_MAKERS)
    assert len(set(stored.values())) == len(stored)


# The benchmark command (a smoke run; the real figures come from running it by hand) ------------


@pytest.mark.django_db
def test_the_benchmark_runs_small_and_refuses_without_consent(settings):
    with pytest.raises(CommandError, match="Add --yes"):
        call_command("benchmark_audit", entries=200)
    out = io.StringIO()
    call_command("benchmark_audit", entries=200, appends=5, yes=True, stdout=out)
    report = out.getvalue()
    assert "verify (1 process): 215 entries" in report and "(OK)" in report, report  # 200, 2 x 5 appends, 5 reads
    assert "access logging per page read: median" in report
    assert "search by actor" in report and "indexes on auditlog_logentry" in report
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("benchmark_audit", entries=200, yes=True)


# PostgreSQL: the tables refuse changes ------------------------------------------------------------


def _refused(sql, *setup):
    """Run `sql` in a savepoint after `setup`, then roll it back; return the error text (None
    if it passed)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in setup:
                cursor.execute(statement)
            cursor.execute(sql)
            transaction.set_rollback(True)
    except DatabaseError as error:
        return str(error)
    return None


PROTECTED = ["auditlog_logentry", "audit_chainlink"]


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("table", PROTECTED)
@pytest.mark.parametrize("replica", [False, True], ids=["origin", "replica"])
def test_postgres_refuses_update_delete_and_truncate(make_entries, table, replica):
    make_entries(2)
    # TRUNCATE must not meet the deferred foreign-key checks of the inserts above first.
    setup = ["SET CONSTRAINTS ALL IMMEDIATE", "SET LOCAL audit.allow_truncate = 'off'"]
    if replica:
        setup.append("SET LOCAL session_replication_role = replica")
    column = "object_repr = 'x'" if table == "auditlog_logentry" else "hash = 'x'"
    for sql in (
        f"UPDATE {table} SET {column}",
        f"DELETE FROM {table}",
        "TRUNCATE auditlog_logentry, audit_chainlink, audit_unsealedentry",  # both, so no foreign key gets in first
    ):
        error = _refused(sql, *setup)
        assert error and "audit records are append-only" in error, sql
    assert ChainLink.objects.count() == LogEntry.objects.count() >= 2


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_triggers_fire_always():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname, tgenabled FROM pg_trigger "
            "WHERE tgname LIKE %s ORDER BY 1, 2", ["%_refuse_%"]
        )
        rows = cursor.fetchall()
    assert {(table, mode) for table, _, mode in rows} == {(t, "A") for t in PROTECTED}
    assert len(rows) == 4


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_flush_escape_is_for_the_table_owner_only(make_entries):
    """The test database's flush may TRUNCATE (the owner, with audit.allow_truncate on); a role
    that was merely granted TRUNCATE may not, setting or not."""
    make_entries(2)
    truncate = "TRUNCATE auditlog_logentry, audit_chainlink, audit_unsealedentry"
    immediate = "SET CONSTRAINTS ALL IMMEDIATE"  # finish the inserts' deferred checks first
    assert _refused(truncate, immediate, "SET LOCAL audit.allow_truncate = 'on'") is None
    intruder = f"audit_test_{uuid.uuid4().hex[:12]}"
    error = _refused(
        truncate,
        immediate,
        f"CREATE ROLE {intruder} NOLOGIN",
        f"GRANT SELECT, TRUNCATE ON auditlog_logentry, audit_chainlink, audit_unsealedentry "
        f"TO {intruder}",
        f"SET LOCAL ROLE {intruder}",
        "SET LOCAL audit.allow_truncate = 'on'",
    )
    assert error and "audit records are append-only" in error
    assert LogEntry.objects.count() >= 2


# PostgreSQL: concurrent writers never fork the chain ---------------------------------------------


# serialized_rollback, like the browser tests: the flush afterwards then leaves the database
# empty for the next one to restore, instead of re-creating content types under new ids.
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_appends_never_fork_the_chain():
    threads = 8
    each = int(os.environ.get("AUDIT_CONCURRENCY_APPENDS", "50"))
    subject = UserFactory()
    before = LogEntry.objects.count()
    barrier = threading.Barrier(threads)
    errors = []

    def write():
        from django.db import connection as own

        try:
            barrier.wait()
            for _ in range(each):
                with transaction.atomic():
                    LogEntry.objects.log_create(
                        subject, action=LogEntry.Action.ACCESS, force_log=True, changes=None
                    )
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            own.close()

    workers = [threading.Thread(target=write) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    sequencer.seal()  # what the after-commit nudges left to the sweep
    chained = links()
    total = before + threads * each
    assert LogEntry.objects.count() == total == len(chained)
    assert [seq for seq, *_ in chained] == list(range(1, total + 1))
    prev_hashes = [prev for _, _, prev, _ in chained]
    assert len(set(prev_hashes)) == len(prev_hashes)
    result = chain.verify()
    assert result.ok and result.checked == total, result


@pytest.mark.django_db
def test_reading_a_case_page_is_chained(client, alices_case, alice):
    client.force_login(alice)
    client.get(alices_case.get_absolute_url())
    sequencer.seal()
    entry = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).latest("pk")
    assert entry.chain_link.seq == ChainHead.objects.get().seq
    assert chain.verify().ok
