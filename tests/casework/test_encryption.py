"""Personal data is encrypted at rest, found through blind indexes, and keys fail loudly."""

import datetime

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from casework import crypto
from casework.crypto import DecryptionFailed
from casework.models import Person
from casework.selectors import find_person
from tests.factories import PersonFactory

CANARY = "Zyxquorian"


def raw_row(model, pk) -> str:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])
        return " ".join(str(value) for value in cursor.fetchone())


@pytest.mark.django_db
def test_it_round_trips_every_encrypted_value():
    person = PersonFactory(first_name=CANARY, last_name="Ñúñez", date_of_birth=datetime.date(1988, 2, 29),
                           phone="+1 312 555 0100", address="", identifiers="DOC-1")
    again = Person.objects.get(pk=person.pk)
    assert again.first_name == CANARY
    assert again.last_name == "Ñúñez"
    assert again.date_of_birth == datetime.date(1988, 2, 29)
    assert again.address == ""  # empty strings stay empty strings, not NULL
    assert again.identifiers == "DOC-1"


@pytest.mark.django_db
def test_the_database_holds_no_clear_text():
    person = PersonFactory(first_name=CANARY, date_of_birth=datetime.date(1977, 7, 7))
    row = raw_row(Person, person.pk)
    assert CANARY not in row
    assert CANARY.lower() not in row.lower()
    assert "1977-07-07" not in row


@pytest.mark.django_db
def test_filtering_on_ciphertext_is_refused():
    with pytest.raises(TypeError):
        Person.objects.filter(first_name="x").exists()


@pytest.mark.django_db
def test_blind_index_matches_regardless_of_case_accents_spacing_and_order():
    known = PersonFactory(first_name="José", last_name="Álvarez", date_of_birth=datetime.date(1990, 3, 4))
    assert find_person("jose", "alvarez", datetime.date(1990, 3, 4)) == known
    assert find_person("  ALVAREZ ", "José", datetime.date(1990, 3, 4)) == known
    assert find_person("jose", "alvarez", datetime.date(1990, 3, 5)) is None
    assert find_person("josé", "alvares", datetime.date(1990, 3, 4)) is None


def test_the_blind_index_is_keyed(settings):
    first = crypto.name_index("Ana", "Lima")
    settings.BLIND_INDEX_KEY = "another-key"
    assert crypto.name_index("Ana", "Lima") != first


def test_phone_numbers_are_normalised_before_indexing():
    assert crypto.phone_index("+1 (312) 555-0100") == crypto.phone_index("312.555.0100")


@pytest.mark.django_db
def test_a_wrong_key_fails_loudly_instead_of_returning_ciphertext(settings):
    person = PersonFactory(first_name=CANARY)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(DecryptionFailed, match="Person.first_name"):
        Person.objects.get(pk=person.pk)


def test_a_missing_key_is_a_clear_configuration_error(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS is empty"):
        crypto.encrypt("x")


def test_a_malformed_key_is_a_clear_configuration_error(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured, match="not a Fernet key"):
        crypto.encrypt("x")


@pytest.mark.django_db
def test_rotation_re_encrypts_under_the_new_key_and_loses_nothing(settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    people = PersonFactory.create_batch(7, first_name=CANARY)
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_encryption_keys", batch_size=3)
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key can now be removed
    assert [p.first_name for p in Person.objects.filter(pk__in=[p.pk for p in people])] == [CANARY] * 7
