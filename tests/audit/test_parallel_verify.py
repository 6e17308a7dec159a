"""A long chain is walked in ranges at once; it must find exactly what one walk finds.

The ranges run through `run=map` here (in-process, same test transaction), so the splitting and
joining are tested on both databases; one PostgreSQL test runs them in real worker processes.
"""

import pytest
from auditlog.models import LogEntry

from audit import chain
from audit.models import ChainLink
from tests.audit.test_chain import remove, renumber, set_head

WORKERS = 3


def in_ranges(**kwargs):
    return chain.verify(workers=WORKERS, run=map, **kwargs)


def first_seqs_of_ranges(total):
    return [first for first, _ in chain._ranges(1, total, WORKERS)]


def test_ranges_cover_the_chain_once_and_the_last_is_open_ended():
    assert chain._ranges(1, 10, 3) == [(1, 4), (5, 8), (9, None)]
    assert chain._ranges(5, 6, 3) == [(5, 5), (6, None)]


@pytest.mark.django_db
def test_a_clean_chain_verifies_in_ranges_as_in_one_walk(make_entries):
    make_entries(12)
    whole, ranged = chain.verify(), in_ranges()
    assert ranged.ok and whole.ok
    assert (ranged.checked, ranged.last_seq) == (whole.checked, whole.last_seq)


@pytest.mark.django_db
@pytest.mark.parametrize("where", ["first", "boundary", "last"])
def test_an_edited_entry_is_found_at_its_seq_in_any_range(make_entries, tamper, where):
    make_entries(12)
    total = ChainLink.objects.count()
    seq = {"first": 2, "boundary": first_seqs_of_ranges(total)[1], "last": total}[where]
    tamper("UPDATE auditlog_logentry SET object_repr = 'edited' WHERE id = %s",
           [ChainLink.objects.get(seq=seq).entry_id])
    result = in_ranges()
    assert not result.ok and result.first_bad_seq == seq
    assert "hash does not match" in result.problem


@pytest.mark.django_db
def test_the_first_problem_in_seq_order_is_reported(make_entries, tamper):
    make_entries(12)
    total = ChainLink.objects.count()
    later, earlier = total - 1, 3
    for seq in (later, earlier):
        tamper("UPDATE auditlog_logentry SET object_repr = 'edited' WHERE id = %s",
               [ChainLink.objects.get(seq=seq).entry_id])
    assert in_ranges().first_bad_seq == earlier


@pytest.mark.django_db
def test_a_removed_link_at_the_end_of_a_range_is_a_gap(make_entries, tamper):
    make_entries(12)
    total = ChainLink.objects.count()
    end_of_first = first_seqs_of_ranges(total)[1] - 1
    remove(tamper, end_of_first)
    result = in_ranges()
    assert not result.ok and result.first_bad_seq == end_of_first
    assert "is missing" in result.problem


@pytest.mark.django_db
def test_a_removal_hidden_by_renumbering_is_found_across_ranges(make_entries, tamper):
    make_entries(12)
    total = ChainLink.objects.count()
    remove(tamper, 5)
    renumber(tamper, 6, -1)
    set_head(total - 1)
    result = in_ranges()
    assert not result.ok and result.first_bad_seq == 5
    assert "previous hash differs" in result.problem


@pytest.mark.django_db
def test_removing_the_newest_entries_is_still_found_through_the_head(make_entries, tamper):
    make_entries(12)
    total = ChainLink.objects.count()
    remove(tamper, total)
    result = in_ranges()
    assert not result.ok and result.first_bad_seq == total
    assert "newest entries were removed" in result.problem


@pytest.mark.django_db
def test_an_in_memory_database_or_an_open_transaction_walks_in_one_process():
    assert chain.can_walk_in_parallel() is False


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_processes_walk_committed_ranges_and_find_an_edit(monkeypatch, make_entries):
    monkeypatch.setattr(chain, "PARALLEL_MIN_LINKS", 1)
    make_entries(30)
    total = ChainLink.objects.count()
    assert chain.can_walk_in_parallel()
    result = chain.verify(workers=2)
    assert result.ok and result.checked == total

    from django.db import connection

    seq = total - 3
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE auditlog_logentry DISABLE TRIGGER USER")
        try:
            cursor.execute("UPDATE auditlog_logentry SET object_repr = 'edited' WHERE id = %s",
                           [ChainLink.objects.get(seq=seq).entry_id])
        finally:
            cursor.execute("ALTER TABLE auditlog_logentry ENABLE TRIGGER USER")
    result = chain.verify(workers=2)
    assert not result.ok and result.first_bad_seq == seq
    assert LogEntry.objects.count() == total
