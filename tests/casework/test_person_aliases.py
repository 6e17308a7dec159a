"""Other names a person is known by: added and removed from the person page, found by search and
by the duplicate check, with the change on the record and the search keys kept in step."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse

from casework import selectors, workflow
from casework.models import PersonAlias, PersonMatchKey
from tests.factories import CaseFactory, PersonFactory


@pytest.fixture
def willow(north, alice):
    person = PersonFactory(first_name="Willow", last_name="Testperson",
                           date_of_birth=datetime.date(2004, 5, 6))
    return CaseFactory(team=north, caseworker=alice, person=person)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_adds_an_alias_that_search_finds_and_the_log_records_masked(willow, alice):
    client = _client(alice)
    url = reverse("case-person-alias", args=[willow.reference])

    response = client.post(url, {"name": "  Wren   Ashcombe "})

    assert response.status_code == 302
    alias = PersonAlias.objects.get(person_id=willow.person_id)
    assert alias.name == "Wren Ashcombe"
    assert [case.pk for case in selectors.search_cases(alice, "Ashcom")] == [willow.pk]
    assert PersonMatchKey.objects.filter(person_id=willow.person_id, is_alias=True).count() == 1
    entry = LogEntry.objects.get_for_object(alias).get(action=LogEntry.Action.CREATE)
    assert entry.actor == alice and "Ashcombe" not in str(entry.changes)
    page = client.get(reverse("case-person", args=[willow.reference])).content.decode()
    assert "Wren Ashcombe" in page and "The other name is added." in page


def test_it_removes_an_alias_and_search_no_longer_finds_it(willow, alice):
    alias = workflow.add_alias(willow, actor=alice, name="Wren Ashcombe")
    url = reverse("case-person-alias-remove", args=[willow.reference, alias.pk])

    assert _client(alice).post(url).status_code == 302

    assert not PersonAlias.objects.filter(pk=alias.pk).exists()
    assert selectors.search_cases(alice, "Ashcom") == []
    assert not PersonMatchKey.objects.filter(person_id=willow.person_id, is_alias=True).exists()
    assert LogEntry.objects.filter(object_pk=str(alias.pk), action=LogEntry.Action.DELETE,
                                   content_type__model="personalias").exists()


def test_it_refuses_a_blank_or_repeated_name_and_changes_nothing(willow, alice):
    workflow.add_alias(willow, actor=alice, name="Wren Ashcombe")
    client = _client(alice)
    url = reverse("case-person-alias", args=[willow.reference])

    blank = client.post(url, {"name": "   "})
    repeated = client.post(url, {"name": "wren  ashcombe"})

    assert blank.status_code == 400 and repeated.status_code == 400
    assert "already on the person" in repeated.content.decode()
    assert PersonAlias.objects.filter(person_id=willow.person_id).count() == 1


def test_an_alias_of_another_persons_case_is_not_found(willow, alice, carols_case, carol):
    other = workflow.add_alias(carols_case, actor=carol, name="Someone Else")
    url = reverse("case-person-alias-remove", args=[willow.reference, other.pk])

    assert _client(alice).post(url).status_code == 404
    assert PersonAlias.objects.filter(pk=other.pk).exists()


def test_only_those_who_edit_the_case_may_change_its_other_names(willow, alice, carol, bob):
    alias = workflow.add_alias(willow, actor=alice, name="Wren Ashcombe")
    for stranger in (carol, bob):
        client = _client(stranger)
        added = client.post(reverse("case-person-alias", args=[willow.reference]),
                            {"name": "Not Allowed"})
        removed = client.post(
            reverse("case-person-alias-remove", args=[willow.reference, alias.pk]))
        assert added.status_code in (403, 404) and removed.status_code in (403, 404)
    assert list(PersonAlias.objects.filter(person_id=willow.person_id)) == [alias]
