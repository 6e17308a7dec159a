"""Every official HSDS 3.0 example imports with all it holds and the right links.

The files are the specification's own (tests/providers/data/hsds-3.0/, Open Referral, CC BY-SA
4.0). They are examples, not a consistent directory: the organization's location has latitude
100, and the CSV location names an organization the package does not hold.
"""

import pytest

from providers.models import (
    ImportIssue,
    Location,
    Organization,
    Service,
    ServiceAtLocation,
    ServiceLanguage,
    ServiceTerm,
)
from tests.providers.conftest import EXAMPLES, import_bytes, zip_folder

ORG = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
SERVICE = "ac148810-d857-441c-9679-408f346de14b"
LOCATION = "3a19ff88-4620-4d17-9830-ac1d859eb5d5"
LINK = "e94c9f38-1e8f-4564-91d4-d53501ab1765"

pytestmark = pytest.mark.django_db


def _example(name: str):
    return import_bytes((EXAMPLES / name).read_bytes(), name=name)


def _assert_linked_service():
    service = Service.objects.get(hsds_id=SERVICE)
    assert service.name == "Community Counselling"
    assert str(service.organization.hsds_id) == ORG
    link = ServiceAtLocation.objects.get(service=service)
    assert str(link.hsds_id) == LINK and str(link.location.hsds_id) == LOCATION
    assert list(service.languages.values_list("code", flat=True)) == ["ur"]
    assert ServiceTerm.objects.filter(service=service, term__code="code").exists()
    return service


def test_it_imports_a_single_organization_with_its_services_and_locations():
    run = _example("organization_full.json")
    assert (run.status, run.failed, run.total) == ("done", 0, 1), list(
        run.issues.values_list("record_type", "field", "message"))
    assert run.counts["organization"]["created"] == 1
    assert run.counts["service"]["created"] == 1
    assert run.counts["location"]["created"] == 1  # listed on the org and nested in the link
    organization = Organization.objects.get(hsds_id=ORG)
    assert organization.name == "Example Organization Inc."
    assert organization.website == "http://example.com"
    assert organization.phone == "+44 1234 234567"  # the example's quotes removed, with a warning
    location = Location.objects.get(hsds_id=LOCATION)
    assert location.organization == organization
    assert location.latitude is None and location.city == "MyCity"
    assert ImportIssue.objects.filter(run=run, record_id=LOCATION, field="latitude",
                                      severity="warning").exists()
    _assert_linked_service()


def test_it_imports_a_single_service_with_its_organization_and_location_nested():
    run = _example("service_full.json")
    assert (run.status, run.failed) == ("done", 0)
    assert Organization.objects.count() == 1 and Service.objects.count() == 1
    _assert_linked_service()


def test_a_page_of_services_never_creates_organizations_from_services():
    run = _example("service_list.json")
    assert (run.status, run.failed, run.total) == ("done", 0, 1)
    assert run.counts["service"]["created"] == 1
    # The one organisation is the one the service names, not the service itself.
    assert list(Organization.objects.values_list("name", flat=True)) == [
        "Example Organization Inc."
    ]
    assert Service.objects.get(hsds_id=SERVICE).organization.hsds_id.hex == ORG.replace("-", "")


def test_it_imports_a_page_of_organizations():
    run = _example("organization_list.json")
    assert (run.status, run.failed, run.counts["organization"]["created"]) == ("done", 0, 1)
    assert Organization.objects.get(hsds_id=ORG).description.startswith("Example Org is")


@pytest.mark.parametrize("form", ["zip", "json"])
def test_it_imports_the_tabular_example(form):
    if form == "zip":
        run = import_bytes(zip_folder(EXAMPLES / "csv"), name="csv.zip")
    else:
        run = _example("tabular.json")
    assert (run.status, run.failed) == ("done", 0), list(run.issues.values("field", "message"))
    assert "tabular" in run.shape
    assert Organization.objects.count() == 1 and Service.objects.count() == 1
    assert Location.objects.count() == 1
    service = Service.objects.get(hsds_id=SERVICE)
    assert str(service.organization.hsds_id) == ORG
    link = ServiceAtLocation.objects.get(service=service)
    assert str(link.location.hsds_id) == LOCATION
    assert ServiceLanguage.objects.filter(service=service).exists()
    # The CSV location names an organization that is in neither the file nor the directory.
    assert Location.objects.get(hsds_id=LOCATION).organization is None
    assert ImportIssue.objects.filter(run=run, record_id=LOCATION,
                                      field="organization_id").exists()


def test_reimporting_an_example_changes_nothing():
    _example("organization_full.json")
    again = _example("organization_full.json")
    assert again.created == again.updated == 0
    assert again.unchanged == 3
