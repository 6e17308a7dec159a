"""Queries compiled to SQL once per connection (casework.compiled) give what the ORM gives."""

import datetime
from unittest import mock

import pytest
from django.db.models.sql.compiler import SQLCompiler

from casework import workflow
from casework.compiled import CompiledQuery, CompiledSubquery
from casework.models import Case, CaseNote, Task
from tests.factories import CaseFactory

NEWEST_NOTES = CompiledQuery(lambda case_id, *, limit: CaseNote.objects.filter(
    case_id=case_id).select_related("author").order_by("-written_at", "-pk")[:limit])


@pytest.fixture
def two_cases(alice, north):
    cases = [CaseFactory(team=north, caseworker=alice) for _ in range(2)]
    for case in cases:
        for i in range(3):
            workflow.write_note(case, actor=alice, text=f"note {i} on {case.reference}")
    return cases


@pytest.mark.django_db
def test_each_run_binds_its_own_values_and_gives_what_the_orm_gives(two_cases):
    for case in two_cases:
        expected = list(CaseNote.objects.filter(case=case).select_related("author")
                        .order_by("-written_at", "-pk")[:2])
        got = NEWEST_NOTES(case.pk, limit=2)
        assert got == expected
        assert [note.author.username for note in got] == ["alice", "alice"]
    assert NEWEST_NOTES(0, limit=2) == []


@pytest.mark.django_db
def test_the_sql_is_compiled_once_per_shape(two_cases):
    with mock.patch.object(SQLCompiler, "as_sql", autospec=True,
                           side_effect=SQLCompiler.as_sql) as compile_sql:
        fresh = CompiledQuery(NEWEST_NOTES._build)
        for case in two_cases * 3:
            assert len(fresh(case.pk, limit=1)) == 1
        assert compile_sql.call_count == 1
        assert len(fresh(two_cases[0].pk, limit=3)) == 3  # another limit: another SQL
        assert compile_sql.call_count == 2


@pytest.mark.django_db
def test_a_row_knows_the_instance_the_caller_holds(two_cases, django_assert_num_queries):
    case = Case.objects.get(pk=two_cases[0].pk)
    with django_assert_num_queries(1):
        notes = NEWEST_NOTES(case.pk, limit=3, known_related={"case": case})
        assert all(note.case is case for note in notes)


@pytest.mark.django_db
def test_a_value_that_never_reaches_the_sql_is_refused():
    ignored = CompiledQuery(lambda case_id: Task.objects.filter(due_on=datetime.date(2026, 1, 1)))
    with pytest.raises(ValueError, match="do not reach the SQL"):
        ignored(1)


NOTES_BY_REFERENCE_SINCE = CompiledQuery(lambda reference, since: CaseNote.objects.filter(
    case__reference=reference, written_at__gte=since).order_by("pk"))


@pytest.mark.django_db
def test_strings_and_instants_are_bound_as_the_orm_binds_them(two_cases):
    case = two_cases[0]
    first, *later = CaseNote.objects.filter(case=case).order_by("pk")
    for since in (first.written_at, later[-1].written_at,
                  later[-1].written_at + datetime.timedelta(seconds=1)):
        expected = list(CaseNote.objects.filter(case__reference=case.reference,
                                                written_at__gte=since).order_by("pk"))
        assert NOTES_BY_REFERENCE_SINCE(case.reference, since) == expected
    assert NOTES_BY_REFERENCE_SINCE("no such case", first.written_at) == []


@pytest.mark.django_db
def test_a_value_of_a_type_without_placeholders_is_refused():
    by_date = CompiledQuery(lambda due_on: Task.objects.filter(due_on=due_on))
    with pytest.raises(TypeError, match="no value of type date"):
        by_date(datetime.date(2026, 1, 1))


NOTED_CASES = CompiledSubquery(lambda author_id: CaseNote.objects.filter(
    author_id=author_id).order_by().values("case_id"))


@pytest.mark.django_db
def test_a_compiled_id_set_filters_like_the_subquery_it_was_made_from(two_cases, alice, bob):
    expected = set(Case.objects.filter(pk__in=CaseNote.objects.filter(author=alice)
                                       .values("case_id")).values_list("pk", flat=True))
    assert expected == {case.pk for case in two_cases}
    assert set(Case.objects.filter(pk__in=NOTED_CASES(alice.pk))
               .values_list("pk", flat=True)) == expected
    assert not Case.objects.filter(pk__in=NOTED_CASES(bob.pk)).exists()


@pytest.mark.django_db
def test_more_values_than_placeholders_still_give_the_right_rows(two_cases):
    many = [case.pk for case in two_cases] + list(range(10**6, 10**6 + 40))
    in_list = CompiledQuery(lambda *ids: Case.objects.filter(pk__in=ids).order_by("pk"))
    ids_in = CompiledSubquery(lambda *ids: Case.objects.filter(pk__in=ids).order_by()
                              .values("pk"))
    assert in_list(*many) == sorted(two_cases, key=lambda case: case.pk)
    assert set(Case.objects.filter(pk__in=ids_in(*many))) == set(two_cases)
