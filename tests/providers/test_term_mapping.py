"""The directory admin maps source taxonomy terms to our categories; the mapping is audited,
reused by later imports, and the page costs the same at any size."""

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from providers.models import Service, TaxonomyTerm
from tests.providers.conftest import import_document

pytestmark = pytest.mark.django_db


def _term(number: int) -> TaxonomyTerm:
    return TaxonomyTerm.objects.create(key=f"airs|bh-{number}", taxonomy="AIRS",
                                       code=f"BH-{number}", name="Emergency Shelter")


def test_the_mapping_page_suggests_and_costs_the_same_at_any_size(client, adam):
    _term(1)
    client.force_login(adam)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("directory-terms"))
        assert response.status_code == 200
        return len(captured), response

    few, response = queries()
    assert b'value="housing" selected' in response.content  # the suggestion, pre-selected
    for number in range(2, 60):
        _term(number)
    many, response = queries()
    assert many == few and response.content.count(b"data-term=") == 25


def test_mapping_a_term_is_on_the_record(client, adam):
    term = _term(1)
    client.force_login(adam)
    response = client.post(reverse("directory-term-map", args=[term.pk]),
                           {f"t{term.pk}-category": "housing"})
    assert response.status_code == 302
    term.refresh_from_db()
    assert term.category == "housing"
    entry = LogEntry.objects.filter(object_pk=str(term.pk), action=LogEntry.Action.UPDATE).get()
    assert entry.actor == adam and entry.changes["category"] == ["", "housing"]


def test_a_category_that_does_not_exist_is_refused_and_changes_nothing(client, adam):
    term = _term(1)
    client.force_login(adam)
    response = client.post(reverse("directory-term-map", args=[term.pk]),
                           {f"t{term.pk}-category": "astrology"}, follow=True)
    assert "Choose one of the categories listed." in response.content.decode()
    term.refresh_from_db()
    assert term.category == ""


def test_services_are_found_by_their_source_term_in_the_directory(client, adam, alice):
    import_document({"organizations": [{
        "id": "00000000-0000-4000-8000-000000000001", "name": "Org", "description": "",
        "services": [{"id": "00000000-0000-4000-8000-000000000002", "name": "Beds",
                      "status": "active", "attributes": [{"id": "a", "taxonomy_term": {
                          "code": "BH-1800.8500", "name": "Emergency Shelter",
                          "taxonomy": "AIRS"}}]}]}]}, actor=adam)
    client.force_login(alice)
    found = client.get(reverse("directory-search"), {"term": "BH-1800"})
    assert b"Beds" in found.content
    other = client.get(reverse("directory-search"), {"term": "RX-"})
    assert b"Beds" not in other.content
    assert Service.objects.get().category == ""
