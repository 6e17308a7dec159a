"""HSDS export: the whole directory, for admins and case staff; export then import round-trips."""

import json

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from providers import hsds
from providers.hsds.export import cell
from providers.hsds.normalise import SERVICE_STATUSES
from providers.models import (
    Location,
    Membership,
    Organization,
    Service,
    ServiceAtLocation,
    ServiceLanguage,
)
from tests.factories import ServiceAtLocationFactory, ServiceFactory, ServiceLanguageFactory
from tests.providers.conftest import import_bytes

pytestmark = pytest.mark.django_db
URL = reverse("directory-export")

FIELDS = {
    Organization: ("hsds_id", "name", "kind", "description", "email", "phone", "website"),
    Service: ("hsds_id", "organization__hsds_id", "name", "category", "is_active", "description",
              "eligibility", "application_process", "fees", "schedule", "email", "url",
              "capacity_status", "open_places"),
    Location: ("hsds_id", "organization__hsds_id", "name", "address_1", "address_2", "city",
               "region", "postal_code", "country", "latitude", "longitude"),
    ServiceLanguage: ("service__hsds_id", "code", "name"),
    ServiceAtLocation: ("hsds_id", "service__hsds_id", "location__hsds_id"),
}


def directory():
    """The directory by HSDS ids only (database ids differ after a fresh import)."""
    return {
        model.__name__: sorted(
            tuple(str(value) for value in row) for row in model.objects.values_list(*fields)
        )
        for model, fields in FIELDS.items()
    }


def wipe():
    for model in (ServiceAtLocation, ServiceLanguage, Service, Location, Membership):
        for row in model.objects.all():
            row.delete()
    for row in Organization.objects.all():
        row.delete()


def test_export_then_import_round_trips_the_directory(client, alice, adam, sample_bytes):
    import_bytes(sample_bytes, actor=adam)
    before = directory()
    client.force_login(alice)

    response = client.get(URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="directory-hsds-')
    exported = response.content
    wipe()
    assert Service.objects.count() == 0
    run = import_bytes(exported, actor=adam)
    assert (run.created, run.failed) == (66, 0)
    assert directory() == before
    # ...and exporting again gives the same document, apart from its time stamp.
    again = json.loads(client.get(URL).content)
    first = json.loads(exported)
    assert {**again, "generated": None} == {**first, "generated": None}


def test_the_export_follows_the_specification_shape(client, sam, adam, sample_bytes):
    import_bytes(sample_bytes, actor=adam)
    client.force_login(sam)
    document = json.loads(client.get(URL).content)
    organization = document["organizations"][0]
    assert {"id", "name", "description"} <= set(organization)
    service = organization["services"][0]
    assert {"id", "name", "status", "organization_id", "languages", "service_at_locations",
            "schedules", "attributes"} <= set(service)
    assert service["status"] in SERVICE_STATUSES
    location = organization["locations"][0]
    assert location["location_type"] == "physical"
    assert location["addresses"][0]["city"] == "Riverside"
    # Agreements are ours, not HSDS's: they are not exported.
    assert "agreement_status" not in json.dumps(document)


def test_the_export_is_on_the_record(client, alice):
    client.force_login(alice)
    client.get(URL)
    entry = LogEntry.objects.filter(additional_data__event="export").get()
    assert entry.actor == alice
    assert entry.additional_data["format"] == "hsds-json"


def _fill(n):
    for _ in range(n):
        service = ServiceFactory()
        ServiceLanguageFactory(service=service, code="es")
        ServiceAtLocationFactory(service=service)


def test_the_export_costs_the_same_at_any_size():
    _fill(3)
    with CaptureQueriesContext(connection) as small:
        hsds.export_document()
    _fill(20)
    with CaptureQueriesContext(connection) as large:
        document = hsds.export_document()
    print(f"\nHSDS export: {len(small)} queries for 3 organisations, {len(large)} for 23")
    assert len(document["organizations"]) == 23
    assert len(small) == len(large)


@pytest.mark.parametrize("persona", ["pat", "audrey", "root"])
def test_provider_staff_auditors_and_superusers_cannot_export(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert not LogEntry.objects.filter(additional_data__event="export").exists()


def test_the_csv_datapackage_holds_every_table(client, ivy, adam, sample_bytes):
    import csv
    import io
    import zipfile

    import_bytes(sample_bytes, actor=adam)
    client.force_login(ivy)
    response = client.get(reverse("directory-export-csv"))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    package = json.loads(archive.read("datapackage.json"))
    assert [r["path"] for r in package["resources"]][:3] == [
        "organizations.csv", "programs.csv", "services.csv"]
    services = list(csv.DictReader(io.StringIO(archive.read("services.csv").decode())))
    assert len(services) == 32
    locations = list(csv.DictReader(io.StringIO(archive.read("locations.csv").decode())))
    assert locations[0]["longitude"].startswith("-117")  # numbers are not "neutralised"
    assert LogEntry.objects.filter(additional_data__format="hsds-datapackage").exists()


def test_a_formula_in_the_directory_is_neutralised_in_csv():
    assert cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert cell(-117.5) == "-117.5"
