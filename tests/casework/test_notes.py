"""Case notes: encrypted, never changed once saved, corrected by addenda, and readable only by
those their sensitivity allows."""

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from casework import roles, workflow
from casework.models import CaseNote, NoteIsImmutable
from casework.refusals import Refused
from tests.casework.conftest import access_entries
from tests.factories import CaseFactory

# Marked, so pytest-django runs these before transactional tests, which flush the database.
pytestmark = pytest.mark.django_db

CANARY = "Quorblefizzet"


def raw_row(model, pk) -> str:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])
        return " ".join(str(value) for value in cursor.fetchone())


@pytest.fixture
def note(alices_case, alice):
    return workflow.write_note(alices_case, actor=alice, text=f"Met {CANARY} at the library.")


def test_a_note_is_encrypted_at_rest(note):
    assert CANARY not in raw_row(CaseNote, note.pk)
    assert CaseNote.objects.get(pk=note.pk).text == f"Met {CANARY} at the library."


def test_a_saved_note_cannot_be_changed(note):
    note.text = "Rewritten history."
    with pytest.raises(NoteIsImmutable):
        note.save()
    with pytest.raises(NoteIsImmutable):
        CaseNote.objects.filter(pk=note.pk).update(text="Rewritten history.")
    with pytest.raises(NoteIsImmutable):
        CaseNote.objects.get(pk=note.pk).delete()
    assert CaseNote.objects.get(pk=note.pk).text == f"Met {CANARY} at the library."


def test_there_is_no_way_to_edit_a_note_through_the_pages(client, note, alice):
    """The only note routes are: write one, read one, add an addendum."""
    from django.urls import get_resolver

    names = {name for name in get_resolver().reverse_dict if isinstance(name, str)}
    assert {n for n in names if n.startswith("case-note")} == {
        "case-note", "case-note-detail", "case-note-addendum"
    }
    client.force_login(alice)
    url = reverse("case-note-detail", args=[note.case.reference, note.pk])
    assert client.post(url, {"text": "Rewritten."}).status_code == 405


def test_key_rotation_still_re_encrypts_notes(settings, note):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old_key]
    call_command("rotate_encryption_keys")
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS[:1]
    assert CaseNote.objects.get(pk=note.pk).text == f"Met {CANARY} at the library."


def test_an_addendum_keeps_the_original(client, note, alice, sam):
    client.force_login(sam)
    response = client.post(
        reverse("case-note-addendum", args=[note.case.reference, note.pk]),
        {"text": "Correction: it was the community centre."},
    )
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.text == f"Met {CANARY} at the library."
    addendum = note.addenda.get()
    assert (addendum.author, addendum.sensitivity) == (sam, note.sensitivity)
    page = client.get(reverse("case-note-detail", args=[note.case.reference, note.pk]))
    body = page.content.decode()
    assert f"Met {CANARY} at the library." in body
    assert "Correction: it was the community centre." in body
    # An addendum to the addendum still hangs off the original note.
    again = workflow.add_addendum(addendum, actor=alice, text="And on a Tuesday.")
    assert again.amends == note


def test_an_empty_note_is_refused_and_nothing_is_saved(client, alices_case, alice):
    client.force_login(alice)
    response = client.post(reverse("case-note", args=[alices_case.reference]),
                           {"text": "   ", "sensitivity": "standard"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not CaseNote.objects.exists()


# Who reads what -----------------------------------------------------------------------------

EVERYONE = ["alice", "bob", "carol", "sam", "sofia", "ivy", "mo", "pat", "audrey", "adam", "root"]


@pytest.fixture
def restricted(alices_case, alice):
    return workflow.write_note(alices_case, actor=alice, sensitivity="restricted",
                               text=f"{CANARY} disclosed a threat from a relative.")


@pytest.mark.parametrize("persona", EVERYONE)
def test_a_restricted_note_is_seen_by_the_caseworker_and_supervisor_only(
    request, client, restricted, persona
):
    """Absent from the case page and 404 on its own page for everyone else, ivy included (she
    sees the case while it is at intake)."""
    client.force_login(request.getfixturevalue(persona))
    case_page = client.get(restricted.case.get_absolute_url())
    note_page = client.get(reverse("case-note-detail", args=[restricted.case.reference,
                                                             restricted.pk]))
    if persona in {"alice", "sam"}:
        assert CANARY in case_page.content.decode()
        assert note_page.status_code == 200 and CANARY in note_page.content.decode()
    else:
        assert case_page.status_code in {200, 404}  # ivy sees the case, the others do not
        assert CANARY not in case_page.content.decode()
        assert f'id="note-{restricted.pk}"' not in case_page.content.decode()
        assert note_page.status_code == 404


def test_a_previous_caseworker_loses_restricted_notes_with_the_case(client, restricted, bob, sam):
    workflow.assign_case(restricted.case, bob, actor=sam)
    client.force_login(bob)
    assert CANARY in client.get(restricted.case.get_absolute_url()).content.decode()
    client.force_login(restricted.author)  # alice, no longer assigned
    url = reverse("case-note-detail", args=[restricted.case.reference, restricted.pk])
    assert client.get(url).status_code == 404


def test_a_compartment_note_shows_it_exists_but_only_members_read_it(client, alices_case, alice,
                                                                      sam):
    Group.objects.get(name=roles.COMPARTMENT_HEALTH).user_set.add(sam)
    note = workflow.write_note(alices_case, actor=sam, sensitivity="health",
                               text=f"{CANARY}: diagnosis shared by the clinic.")
    client.force_login(alice)
    body = client.get(alices_case.get_absolute_url()).content.decode()
    assert CANARY not in body
    assert f'id="note-{note.pk}"' in body and "Health only: note" in body and "sam" in body
    url = reverse("case-note-detail", args=[alices_case.reference, note.pk])
    assert client.get(url).status_code == 404
    client.force_login(sam)
    assert CANARY in client.get(url).content.decode()


def test_nobody_writes_at_a_level_they_could_not_read(alices_case, alice, ivy):
    with pytest.raises(Refused, match="that level"):
        workflow.write_note(alices_case, actor=alice, text="x", sensitivity="law_enforcement")
    with pytest.raises(Refused, match="that level"):
        workflow.write_note(alices_case, actor=ivy, text="x", sensitivity="restricted")
    assert workflow.write_note(alices_case, actor=ivy, text="Screening call.").pk


def test_people_without_the_case_cannot_write_notes(client, alices_case, bob, carol):
    for outsider in (bob, carol):
        client.force_login(outsider)
        response = client.post(reverse("case-note", args=[alices_case.reference]),
                               {"text": "x", "sensitivity": "standard"})
        assert response.status_code == 404
    assert not CaseNote.objects.exists()


def test_reading_a_note_writes_exactly_one_access_entry(client, note, alice):
    client.force_login(alice)
    before = access_entries().count()
    response = client.get(reverse("case-note-detail", args=[note.case.reference, note.pk]))
    assert response.status_code == 200
    assert access_entries().count() == before + 1
    assert access_entries(note).get().additional_data["part"] == "note"


def test_notes_appear_on_the_timeline_newest_first(client, alices_case, alice):
    workflow.write_note(alices_case, actor=alice, text="First note.")
    workflow.write_note(alices_case, actor=alice, text="Second note.")
    client.force_login(alice)
    body = client.get(alices_case.get_absolute_url()).content.decode()
    assert body.index("Second note.") < body.index("First note.")


def test_note_text_stays_out_of_the_audit_log(note):
    from auditlog.models import LogEntry

    entry = LogEntry.objects.get_for_object(note).get(action=LogEntry.Action.CREATE)
    assert CANARY not in str(entry.changes) and CANARY not in entry.object_repr


def test_other_cases_notes_are_never_reachable_through_this_case(client, alice, north, note):
    other = CaseFactory(team=north, caseworker=alice)
    client.force_login(alice)
    url = reverse("case-note-detail", args=[other.reference, note.pk])
    assert client.get(url).status_code == 404
