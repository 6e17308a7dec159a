"""The data inventory classifies every field of every model; its document is current."""

import dataclasses
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import models
from django.urls import reverse

from privacy import selectors
from privacy.inventory import INVENTORY
from privacy.management.commands.data_inventory import DOCUMENT


def test_every_field_of_every_model_is_classified():
    assert selectors.gaps() == []


def test_a_new_field_the_inventory_does_not_classify_is_caught(monkeypatch):
    from casework.models import Person

    field = models.CharField(max_length=20, default="")
    field.set_attributes_from_name("favourite_colour")
    # The model gains a field (as a migration would add it); the inventory is unchanged.
    monkeypatch.setattr(Person._meta, "concrete_fields",
                        (*Person._meta.concrete_fields, field))
    assert selectors.gaps() == [
        selectors.Gap("casework.Person", "favourite_colour", "field not classified")]


def test_a_new_model_is_caught():
    inventory = dict(INVENTORY)
    del inventory["casework.CaseNote"]
    assert selectors.Gap("casework.CaseNote", "", "model not in the inventory") in (
        selectors.gaps(inventory))


def test_a_field_named_twice_or_not_existing_is_caught():
    inventory = dict(INVENTORY)
    person = inventory["casework.Person"]
    inventory["casework.Person"] = dataclasses.replace(
        person, narrative=("first_name", "shoe_size"))
    found = selectors.gaps(inventory)
    assert selectors.Gap("casework.Person", "first_name",
                         "field in more than one category") in found
    assert selectors.Gap("casework.Person", "shoe_size", "no such field") in found


def test_mdt_models_are_listed_by_their_mdt_label():
    assert {"mdt.Meeting", "mdt.Decision", "mdt.Minutes"} <= set(INVENTORY)


def test_names_and_health_data_are_not_operational():
    person = INVENTORY["casework.Person"]
    assert {"first_name", "last_name", "date_of_birth"} <= set(person.personal)
    assert "needs_summary" in INVENTORY["casework.Assessment"].special
    assert "shared_assessment" in INVENTORY["referrals.ProviderReferral"].special


def test_the_generated_document_is_current():
    """docs/data-inventory.md is what `manage.py data_inventory` writes today."""
    call_command("data_inventory", check=True, stdout=io.StringIO(), stderr=io.StringIO())


def test_a_stale_document_is_refused(monkeypatch):
    monkeypatch.setattr(selectors, "document", lambda: "something else\n")
    with pytest.raises(CommandError, match="out of date"):
        call_command("data_inventory", check=True, stdout=io.StringIO(), stderr=io.StringIO())
    assert DOCUMENT.read_text() != "something else\n"


@pytest.mark.django_db
def test_administrators_and_auditors_see_the_inventory_page(client, adam, audrey, alice):
    for user in (adam, audrey):
        client.force_login(user)
        response = client.get(reverse("privacy-inventory"))
        assert response.status_code == 200
        assert b"casework.Person" in response.content
        assert b"first_name" in response.content
    client.force_login(alice)
    assert client.get(reverse("privacy-inventory")).status_code == 404
