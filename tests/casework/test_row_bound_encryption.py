"""A ciphertext is bound to its table, field and row: moved anywhere else it fails to decrypt.

Old (Fernet) values stay readable until rotate_encryption_keys has bound them to their rows;
that command can be stopped at any point and resumed, and no row is ever unreadable meanwhile.
Keys are counted, and one still in use cannot be retired.
"""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection

from audit import events
from casework import crypto
from casework.crypto import DecryptionFailed
from casework.models import Person
from tests.accounts.conftest import entries
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def raw(model, column, pk) -> str:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {connection.ops.quote_name(column)} FROM {table} WHERE id = %s",
                       [pk])
        return cursor.fetchone()[0]


def write_raw(model, column, pk, value) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {connection.ops.quote_name(column)} = %s WHERE id = %s",
            [value, pk])


def legacy_people(count: int) -> list[int]:
    """People whose names are stored the old way (Fernet, bound to nothing)."""
    ids = []
    for n in range(count):
        person = PersonFactory()
        for column, value in (("first_name", f"Oldname{n}"), ("last_name", "Before")):
            write_raw(Person, column, person.pk, crypto.encrypt(value))
        ids.append(person.pk)
    return ids


def test_a_name_copied_to_another_persons_row_fails_to_decrypt():
    alice = PersonFactory(first_name="Alice")
    bob = PersonFactory(first_name="Bob")
    write_raw(Person, "first_name", bob.pk, raw(Person, "first_name", alice.pk))

    assert Person.objects.get(pk=alice.pk).first_name == "Alice"
    with pytest.raises(DecryptionFailed, match="does not belong to this row"):
        Person.objects.get(pk=bob.pk)


def test_a_value_moved_to_another_field_or_table_fails_to_decrypt():
    person = PersonFactory(first_name="Alice", last_name="Lima")
    write_raw(Person, "last_name", person.pk, raw(Person, "first_name", person.pk))
    with pytest.raises(DecryptionFailed):
        Person.objects.get(pk=person.pk)

    token = crypto.seal("Ally", table="casework_personalias", field="name", pk=7)
    assert crypto.open_sealed(token, table="casework_personalias", field="name", pk=7) == "Ally"
    with pytest.raises(DecryptionFailed):
        crypto.open_sealed(token, table="casework_casenote", field="name", pk=7)


def test_an_edited_ciphertext_fails_to_decrypt():
    person = PersonFactory(first_name="Alice")
    token = raw(Person, "first_name", person.pk)
    write_raw(Person, "first_name", person.pk, token[:-6] + ("A" if token[-6] != "A" else "B")
              + token[-5:])
    with pytest.raises(DecryptionFailed):
        Person.objects.get(pk=person.pk)


def test_a_new_row_is_sealed_to_the_id_it_is_given():
    person = PersonFactory(first_name="Alice")
    token = raw(Person, "first_name", person.pk)
    key_id, scope, _ = crypto.parse(token)
    assert (key_id, scope) == (crypto.key_ids()[0], crypto.ROW)
    assert Person.objects.get(pk=person.pk).first_name == "Alice"
    assert PersonFactory().pk == person.pk + 1  # the reserved ids follow the table's sequence


def test_values_read_without_their_row_say_so():
    PersonFactory(first_name="Alice")
    (value,) = Person.objects.values_list("first_name", flat=True)
    with pytest.raises(TypeError, match="load model instances"):
        str(value)


def test_legacy_values_stay_readable_until_rebound(settings):
    (pk,) = legacy_people(1)
    assert Person.objects.get(pk=pk).first_name == "Oldname0"
    settings.FIELD_ENCRYPTION_LEGACY_READS = False
    with pytest.raises(DecryptionFailed, match="old format"):
        Person.objects.get(pk=pk)


def test_rebinding_is_resumable_and_no_row_is_ever_unreadable(monkeypatch):
    ids = legacy_people(7)
    from casework.management.commands import rotate_encryption_keys as command

    def sample():
        # Every row opens, old or new, at every moment between batches.
        return sorted(p.first_name for p in Person.objects.filter(pk__in=ids))

    expected = sorted(f"Oldname{n}" for n in range(7))
    real = command.rebind_batch
    calls = {"n": 0}

    def killed_after_two(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the process is killed in the middle of a run
        result = real(*args, **kwargs)
        assert sample() == expected
        return result

    monkeypatch.setattr(command, "rebind_batch", killed_after_two)
    with pytest.raises(KeyboardInterrupt):
        call_command("rotate_encryption_keys", batch_size=2, stdout=io.StringIO())
    assert sample() == expected
    half = command.usage()
    assert 0 < half[crypto.LEGACY] < 14

    monkeypatch.setattr(command, "rebind_batch", real)
    for _ in range(10):  # resumed, a batch at a time
        call_command("rotate_encryption_keys", batch_size=2, max_batches=1, stdout=io.StringIO())
        assert sample() == expected
    call_command("rotate_encryption_keys", batch_size=2, stdout=io.StringIO())
    assert crypto.LEGACY not in command.usage()
    assert sample() == expected
    for pk in ids:
        assert crypto.parse(raw(Person, "first_name", pk))[1] == crypto.ROW


def test_rotation_moves_every_value_to_the_new_key_and_counts_them(settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    people = PersonFactory.create_batch(5, first_name="Alice")
    old_id = crypto.key_ids()[0]
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old_key]
    new_id = crypto.key_ids()[0]
    from casework.management.commands.rotate_encryption_keys import usage

    assert usage().get(old_id, 0) >= 10 and usage().get(new_id, 0) == 0
    out = io.StringIO()
    call_command("rotate_encryption_keys", batch_size=2, stdout=out)
    assert f"{old_id}: 0 values" in out.getvalue()
    finished = entries(events.KEY_ROTATION).order_by("pk").last().additional_data
    assert finished["stage"] == "finished" and finished["remaining"][new_id] >= 10
    assert old_key not in str(finished)

    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS[:1]
    assert {p.first_name for p in Person.objects.filter(pk__in=[p.pk for p in people])} == {"Alice"}


def test_a_key_still_in_use_cannot_be_retired(settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    PersonFactory()
    old_id = crypto.key_ids()[0]
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old_key]

    with pytest.raises(CommandError, match="still seals"):
        call_command("rotate_encryption_keys", retire=old_id, stdout=io.StringIO())
    refused = entries(events.KEY_ROTATION).order_by("pk").last().additional_data
    assert refused["stage"] == "retire_refused" and refused["key"] == old_id

    call_command("rotate_encryption_keys", stdout=io.StringIO())
    out = io.StringIO()
    call_command("rotate_encryption_keys", retire=old_id, stdout=out)
    assert "remove it from FIELD_ENCRYPTION_KEYS" in out.getvalue()
    assert entries(events.KEY_ROTATION).order_by("pk").last().additional_data["stage"] == "retired"


def test_the_newest_key_cannot_be_retired():
    with pytest.raises(CommandError, match="newest key"):
        call_command("rotate_encryption_keys", retire=crypto.key_ids()[0], stdout=io.StringIO())


def test_legacy_values_block_retiring_any_key(settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    legacy_people(1)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old_key]
    old_id = crypto.key_ids()[1]
    # Only the legacy values remain under the old key; they do not say which key they use.
    from casework.management.commands.rotate_encryption_keys import usage
    assert usage()[crypto.LEGACY] == 2
    with pytest.raises(CommandError):
        call_command("rotate_encryption_keys", retire=old_id, stdout=io.StringIO())
