"""The consent form's organisation is a searched field: typed by name, suggested as one types,
never a dropdown of the whole directory."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from providers.models import Organization
from tests.factories import CaseFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(north, alice):
    return CaseFactory(team=north, caseworker=alice)


@pytest.fixture
def alices_client(alice):
    client = Client()
    client.force_login(alice)
    return client


def _consent(client, case, organization):
    return client.post(reverse("case-consent", args=[case.reference]), {
        "purpose": "sharing", "organization": organization, "method": "written",
        "given_on": timezone.localdate().isoformat(),
    })


def test_it_records_consent_for_the_organisation_typed_by_name(alices_client, case):
    org = OrganizationFactory(name="Harbour Light Mentoring")

    response = _consent(alices_client, case, "  harbour light   MENTORING ")

    assert response.status_code == 302
    assert case.consents.get().organization == org


def test_an_unknown_name_is_refused_with_the_names_like_it(alices_client, case):
    OrganizationFactory(name="Harbour Light Mentoring")

    response = _consent(alices_client, case, "Harbour")

    assert response.status_code == 400
    body = response.content.decode()
    assert "No active organisation is called" in body and "Harbour Light Mentoring" in body
    assert not case.consents.exists()


def test_an_inactive_organisation_is_not_accepted(alices_client, case):
    OrganizationFactory(name="Closed Down Org", is_active=False)
    assert _consent(alices_client, case, "Closed Down Org").status_code == 400
    assert not case.consents.exists()


def test_the_consent_form_lists_no_organisations_however_many_there_are(alices_client, case):
    Organization.objects.bulk_create(
        [Organization(name=f"Imported Org {i:04d}") for i in range(300)])
    page = alices_client.get(reverse("case-consent-form", args=[case.reference])).content.decode()
    assert "Imported Org" not in page
    assert 'list="consent-organizations"' in page


def test_the_suggestions_are_names_like_what_was_typed(alices_client, case):
    Organization.objects.bulk_create(
        [Organization(name=f"Imported Org {i:04d}") for i in range(300)]
        + [Organization(name="The Imported Org Trust")])
    url = reverse("case-consent-organizations", args=[case.reference])

    body = alices_client.get(url, {"organization": "imported org"}).content.decode()

    assert body.count("<option") == 20
    assert 'value="Imported Org 0000"' in body
    assert alices_client.get(url, {"organization": "The Imp"}).content.decode().count(
        "<option") == 1
    assert "<option" not in alices_client.get(url, {"organization": "x"}).content.decode()
