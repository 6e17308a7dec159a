"""The sequencer: entries are sealed into the chain after their transaction commits, so no
request waits on another; nothing is sealed twice or skipped, a forged or edited waiting entry
is refused, a wait past the bound is an alert, and a seal signs anchors minutes apart."""

import datetime
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time

from audit import anchors, chain, sequencer
from audit.models import ChainHead, ChainLink, UnsealedEntry
from tests.factories import UserFactory


def write(n, subject=None):
    """n entries through auditlog (a new subject's own entry sealed first, out of the way)."""
    if subject is None:
        subject = UserFactory()
        sequencer.seal()
    return [
        LogEntry.objects.log_create(
            subject, action=LogEntry.Action.ACCESS, force_log=True, changes=None,
            additional_data={"part": f"page {i}"},
        )
        for i in range(n)
    ]


@pytest.mark.django_db
def test_an_entry_waits_with_its_mac_until_sealed_then_links_once():
    entries = write(3)
    waiting = UnsealedEntry.objects.order_by("entry_id")
    assert [w.entry_id for w in waiting] == [e.pk for e in entries]
    assert not ChainLink.objects.filter(entry__in=entries).exists()
    result = chain.verify()
    assert result.ok and result.unsealed == 3  # waiting within the bound is not a fault

    before = ChainLink.objects.count()
    sealed = sequencer.seal()
    assert sealed.sealed == 3 and sealed.head_seq == before + 3 and not sealed.refused
    assert not UnsealedEntry.objects.exists()
    assert list(ChainLink.objects.filter(seq__gt=before).order_by("seq")
                .values_list("entry_id", flat=True)) == [e.pk for e in entries]
    assert all(link.sealed_at is not None for link in ChainLink.objects.all())
    assert sequencer.seal().sealed == 0  # nothing is sealed twice
    result = chain.verify()
    assert result.ok and result.checked == before + 3 and result.unsealed == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_request_seals_its_entries_once_it_commits(client, alice, alices_case):
    client.force_login(alice)
    assert client.get(alices_case.get_absolute_url()).status_code == 200
    assert not UnsealedEntry.objects.exists()
    assert ChainLink.objects.count() == LogEntry.objects.count() > 0
    assert chain.verify().ok


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_transaction_nudges_the_sealer_once_however_many_entries_it_writes():
    with transaction.atomic():
        write(3)
        nudges = [c for _, c, *_ in connection.run_on_commit if getattr(c, "_audit_seal", 0)]
        assert len(nudges) == 1
    assert not UnsealedEntry.objects.exists()
    assert ChainLink.objects.count() == LogEntry.objects.count()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_inside_a_request_the_seal_waits_until_the_response_has_gone():
    sequencer.request_started()
    try:
        with transaction.atomic():
            write(2)
        # Committed, but the page is still being rendered: nothing seals yet.
        assert UnsealedEntry.objects.count() == 2
    finally:
        sequencer.after_response()
    assert not UnsealedEntry.objects.exists()
    assert chain.verify().ok


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_process_seals_at_most_once_per_gap_and_the_sweep_takes_the_rest(settings):
    settings.AUDIT_SEAL_NUDGE_GAP_SECONDS = 3600
    sequencer._last_nudge["at"] = float("-inf")
    with transaction.atomic():
        write(1)
    assert not UnsealedEntry.objects.exists()  # the first nudge sealed
    with transaction.atomic():
        (waiting,) = write(1)
    assert list(UnsealedEntry.objects.values_list("entry_id", flat=True)) == [waiting.pk]
    assert sequencer.sweep().sealed == 1
    assert not UnsealedEntry.objects.exists() and chain.verify().ok


@pytest.mark.django_db
def test_a_waiting_entry_whose_mac_does_not_match_is_refused_and_reported(tamper, caplog):
    good, forged = write(2)
    tamper("UPDATE audit_unsealedentry SET mac = %s WHERE entry_id = %s", ["0" * 64, forged.pk])
    result = sequencer.seal()
    assert result.sealed == 1 and result.refused == (forged.pk,)
    assert "REFUSED 1 entries" in caplog.text
    assert ChainLink.objects.order_by("seq").last().entry_id == good.pk
    outcome = chain.verify()
    assert not outcome.ok and f"id {forged.pk}" in outcome.problem
    assert "fail their write-time MAC" in outcome.problem


@pytest.mark.django_db
def test_an_entry_edited_before_its_seal_is_refused(tamper):
    (entry,) = write(1)
    tamper("UPDATE auditlog_logentry SET object_repr = 'C-OTHER000' WHERE id = %s", [entry.pk])
    assert sequencer.seal().refused == (entry.pk,)
    assert "fail their write-time MAC" in chain.verify().problem


@pytest.mark.django_db
def test_an_entry_inserted_with_a_queue_row_but_no_key_is_refused(tamper):
    write(1)
    from django.contrib.contenttypes.models import ContentType

    forged = LogEntry.objects.bulk_create([LogEntry(
        content_type=ContentType.objects.get_for_model(LogEntry), object_pk="1",
        object_repr="C-FORGED00", action=LogEntry.Action.UPDATE,
    )])[0]
    tamper(
        "INSERT INTO audit_unsealedentry (entry_id, mac, written_at) VALUES (%s, %s, %s)",
        [forged.pk, "a" * 64, "2026-12-01 00:00:00"],
    )
    assert sequencer.seal().refused == (forged.pk,)
    assert not chain.verify().ok


@pytest.mark.django_db
def test_removing_the_queue_row_of_a_waiting_entry_leaves_it_outside_the_chain(tamper):
    write(2)
    sequencer.seal()
    (waiting,) = write(1)
    tamper("DELETE FROM audit_unsealedentry WHERE entry_id = %s", [waiting.pk])
    result = chain.verify(orphan_grace=0)
    assert not result.ok and "outside the chain" in result.problem
    assert str(waiting.pk) in result.problem


@pytest.mark.django_db
def test_an_entry_waiting_past_the_bound_fails_verification_and_the_sweep_alerts(
    caplog, settings, monkeypatch
):
    write(1)
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(
        seconds=settings.AUDIT_SEAL_ALERT_SECONDS + 1
    )
    with freeze_time(later):
        result = chain.verify()
        assert not result.ok and "the sequencer is not running" in result.problem
        assert chain.oldest_wait() > settings.AUDIT_SEAL_ALERT_SECONDS
        monkeypatch.setattr(sequencer, "seal", lambda **kwargs: sequencer.SealResult())
        sequencer.sweep()  # a sealer that seals nothing
    assert "the sequencer is failing" in caplog.text


@pytest.mark.django_db
def test_a_seal_that_dies_mid_batch_seals_nothing_and_the_next_seals_everything_once(monkeypatch):
    entries = write(5)
    real = chain.seal_rows

    def dies_after_linking(rows, using="default"):
        real(rows, using)
        raise KeyboardInterrupt  # killed after writing the links, before the commit

    monkeypatch.setattr(chain, "seal_rows", dies_after_linking)
    before = ChainLink.objects.count()
    with pytest.raises(KeyboardInterrupt):
        sequencer.seal()
    assert ChainLink.objects.count() == before and UnsealedEntry.objects.count() == 5
    monkeypatch.setattr(chain, "seal_rows", real)
    assert sequencer.seal().sealed == 5
    assert ChainLink.objects.count() == before + 5 == ChainHead.objects.get().seq
    assert sorted(ChainLink.objects.filter(seq__gt=before).values_list("entry_id", flat=True)) == [
        e.pk for e in entries
    ]
    assert chain.verify().ok


@pytest.mark.django_db
def test_a_seal_signs_an_anchor_when_the_last_is_older_than_the_interval(settings, anchor_path):
    subject = UserFactory()
    write(2, subject)
    settings.AUDIT_ANCHOR_INTERVAL_SECONDS = 300
    first = sequencer.seal()
    assert first.anchored and anchors.read_anchors().latest.seq == first.head_seq
    write(1, subject)
    assert not sequencer.seal().anchored  # the last anchor is seconds old
    with freeze_time(datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=301)):
        write(1, subject)
        later = sequencer.seal()
        assert later.anchored
    assert [a.seq for a in anchors.read_anchors().anchors] == [first.head_seq, later.head_seq]


@pytest.mark.django_db
def test_removing_the_newest_entries_after_an_anchor_on_seal_is_found(settings, tamper):
    write(4)
    settings.AUDIT_ANCHOR_INTERVAL_SECONDS = 300
    head = sequencer.seal().head_seq  # and anchored there
    for seq in (head, head - 1):
        entry_id = ChainLink.objects.get(seq=seq).entry_id
        tamper("DELETE FROM audit_chainlink WHERE seq = %s", [seq])
        tamper("DELETE FROM auditlog_logentry WHERE id = %s", [entry_id])
    ChainHead.objects.update(seq=head - 2, hash=ChainLink.objects.get(seq=head - 2).hash)
    result = chain.verify()
    assert not result.ok and "the newest entries were removed" in result.problem


def test_the_seal_alert_bound_must_exceed_the_sweep_interval():
    env = {**os.environ, "AUDIT_SEAL_INTERVAL_SECONDS": "30", "AUDIT_SEAL_ALERT_SECONDS": "10",
           "DJANGO_SETTINGS_MODULE": "casework.settings"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env, capture_output=True, text=True, cwd=settings.BASE_DIR, check=False,
    )
    assert result.returncode != 0 and "AUDIT_SEAL_ALERT_SECONDS must exceed" in result.stderr


# PostgreSQL: real threads, real connections, a real process killed -------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_long_audited_transaction_holds_up_no_other_request(alice, sam, alices_case):
    """While one transaction has written an audit entry and stays open for 5 seconds, a
    caseworker's case page (which writes its own access entry) and another user's
    transition both answer in well under a second."""
    from casework.models import Case
    from tests.casework.test_transitions import consent

    consent(alices_case, alice)
    holding = threading.Event()
    timings, errors = {}, []

    def hold():
        from django.db import connection as own

        try:
            with transaction.atomic():
                write(1, subject=alice)
                holding.set()
                time.sleep(5)
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            own.close()

    def timed(name, call):
        from django.db import connection as own

        try:
            begun = time.monotonic()
            timings[name] = (call().status_code, time.monotonic() - begun)
        except Exception as error:
            errors.append(error)
        finally:
            own.close()

    def read_page():
        client = Client()
        client.force_login(alice)
        return client.get(alices_case.get_absolute_url())

    def transition():
        client = Client()
        client.force_login(sam)
        return client.post(
            reverse("case-transition", args=[alices_case.reference]),
            {"name": "begin_assessment", "expected_stage": "intake", "reason": "Consent given."},
        )

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(timeout=10)
    for name, call in (("case page", read_page), ("transition", transition)):
        worker = threading.Thread(target=timed, args=(name, call))
        worker.start()
        worker.join(timeout=10)
    still_open = holder.is_alive()
    holder.join()
    assert errors == []
    assert still_open, "the long transaction ended before the requests were timed"
    assert timings["case page"][0] == 200 and timings["case page"][1] < 1.0, timings
    assert timings["transition"][0] == 302 and timings["transition"][1] < 1.0, timings
    assert Case.objects.get(pk=alices_case.pk).stage == "assessment"
    sequencer.seal()
    result = chain.verify()
    assert result.ok and result.unsealed == 0, result
    assert ChainLink.objects.count() == LogEntry.objects.count()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_sealer_killed_mid_batch_loses_nothing_and_seals_nothing_twice(tmp_path, settings):
    settings.AUDIT_SEAL_ON_COMMIT = False  # leave them all to the sealer about to be killed
    write(50)
    sealed_before = ChainLink.objects.count()
    waiting = UnsealedEntry.objects.count()
    assert waiting >= 50
    marker = tmp_path / "inside"
    script = (
        "import django, os, sys, time; django.setup()\n"
        "from audit import chain, sequencer\n"
        "real = chain.seal_rows\n"
        "def slow(rows, using='default'):\n"
        "    head = real(rows, using)\n"
        f"    open({str(marker)!r}, 'w').close()\n"
        "    time.sleep(60)\n"
        "    return head\n"
        "chain.seal_rows = slow\n"
        "sequencer.seal()\n"
    )
    env = {**os.environ, "DATABASE_URL": _test_database_url()}
    process = subprocess.Popen([sys.executable, "-c", script], env=env, cwd=settings.BASE_DIR)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert process.poll() is None and time.monotonic() < deadline, "sealer never started"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)  # links written, transaction open
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    # The dead sealer's transaction rolled back: every entry still waits, none is linked.
    deadline = time.monotonic() + 10
    while ChainLink.objects.count() > sealed_before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ChainLink.objects.count() == sealed_before
    assert UnsealedEntry.objects.count() == waiting
    assert sequencer.seal().sealed == waiting
    assert sequencer.seal().sealed == 0
    result = chain.verify()
    assert result.ok and result.checked == LogEntry.objects.count() and result.unsealed == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_sealers_give_way_and_never_fork_the_chain(settings):
    settings.AUDIT_SEAL_ON_COMMIT = False
    write(300)
    waiting = UnsealedEntry.objects.count()
    results, errors = [], []

    def run():
        from django.db import connection as own

        try:
            results.append(sequencer.seal(wait=False))
        except Exception as error:
            errors.append(error)
        finally:
            own.close()

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    sequencer.seal()
    assert sum(r.sealed for r in results) <= waiting
    assert any(r.busy for r in results) or sum(r.sealed for r in results) == waiting
    seqs = list(ChainLink.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, LogEntry.objects.count() + 1))
    assert chain.verify().ok


def _test_database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
