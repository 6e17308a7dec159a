"""Finding people: part of a name, any word of it, the start of a reference, a date of birth or
a phone number; only among the cases the searcher may see; through keyed tokens that follow
every change of a name (docs/search.md)."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse

from casework import name_keys
from casework.models import PersonAlias, PersonSearchToken
from tests.factories import CaseFactory, PersonFactory

pytestmark = pytest.mark.django_db

BORN = datetime.date(1991, 4, 7)


def found(client, query: str) -> str:
    response = client.post(reverse("case-search"), {"query": query})
    assert response.status_code == 200
    return response.content.decode().split('id="search-results"')[1].split("</section>")[0]


@pytest.fixture
def willow(alice, north):
    person = PersonFactory(first_name="Willow", last_name="Testperson", date_of_birth=BORN,
                           phone="(312) 555-0147")
    return CaseFactory(team=north, caseworker=alice, person=person)


@pytest.fixture
def south_willow(carol, south):
    """Another team's Willow, whom alice must never find."""
    person = PersonFactory(first_name="Willow", last_name="Farside", date_of_birth=BORN)
    return CaseFactory(team=south, caseworker=carol, person=person)


@pytest.mark.parametrize("query", ["Will", "willow", "WILLOW TESTPERSON", "testp", "Testperson",
                                   "test will", "Wíllow"])
def test_it_finds_a_person_by_part_of_any_word_of_the_name(client, alice, willow, query):
    client.force_login(alice)
    assert willow.reference in found(client, query)


def test_will_finds_only_the_willow_of_the_users_own_cases(client, alice, willow, south_willow):
    client.force_login(alice)
    results = found(client, "Will")
    assert willow.reference in results and "Willow Testperson" in results
    assert south_willow.reference not in results and "Farside" not in results


@pytest.mark.parametrize("query", ["Willow", "Testperson", "Will", "1991-04-07"])
def test_another_teams_caseworker_finds_nothing(client, carol, willow, query):
    client.force_login(carol)
    results = found(client, query)
    assert willow.reference not in results and "No case you can see matches." in results


@pytest.mark.parametrize("query", ["Wi", "Willox", "will nobody", "estperson"])
def test_every_word_must_start_a_word_of_the_name_with_three_letters_at_least(
    client, alice, willow, query
):
    client.force_login(alice)
    assert willow.reference not in found(client, query)


def test_it_finds_a_case_by_the_first_letters_of_its_reference(client, alice, willow):
    client.force_login(alice)
    assert willow.reference in found(client, willow.reference[:6])
    assert willow.reference in found(client, willow.reference[:6].lower())
    assert willow.reference in found(client, willow.person.reference[:5])


@pytest.mark.parametrize("query", ["1991-04-07", "4/7/1991", "7/4/1991", "07.04.1991"])
def test_it_finds_a_person_by_date_of_birth(client, alice, willow, query):
    client.force_login(alice)
    assert willow.reference in found(client, query)


def test_it_finds_a_person_by_phone_number(client, alice, willow):
    client.force_login(alice)
    assert willow.reference in found(client, "312.555.0147")
    assert willow.reference not in found(client, "312.555.0148")


def test_a_supervisor_finds_the_teams_people(client, sam, willow, south_willow):
    client.force_login(sam)
    results = found(client, "willow")
    assert willow.reference in results and south_willow.reference not in results


def test_tokens_follow_a_change_of_name_and_of_aliases(client, alice, willow):
    client.force_login(alice)
    person = willow.person
    person.first_name = "Rowan"
    person.save()
    assert willow.reference not in found(client, "will")
    assert willow.reference in found(client, "rowan testp")
    alias = PersonAlias.objects.create(person=person, name="Birdie Quill-feather")
    assert willow.reference in found(client, "quillfe")  # the joined form of a hyphenated name
    assert willow.reference in found(client, "feather")
    alias.delete()
    assert willow.reference not in found(client, "birdie")


def test_tokens_are_keyed_and_hold_no_name(willow):
    tokens = set(PersonSearchToken.objects.filter(person=willow.person)
                 .values_list("token", flat=True))
    assert name_keys.token("prefix", "wil") in tokens
    assert not any("wil" in token or "test" in token for token in tokens)


def test_the_command_builds_tokens_for_people_saved_without_them(client, alice, willow):
    PersonSearchToken.objects.all().delete()
    client.force_login(alice)
    assert willow.reference not in found(client, "will")
    call_command("build_search_keys")
    assert willow.reference in found(client, "will")
