"""Caseworkers search services by need, language, place and open capacity."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from providers.models import Organization, Service
from tests.factories import (
    LocationFactory,
    OrganizationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    ServiceLanguageFactory,
)

pytestmark = pytest.mark.django_db
URL = reverse("directory-search")


def names(response):
    return sorted(service.name for service in response.context["page"].object_list)


@pytest.fixture
def directory():
    agreed = OrganizationFactory(
        name="Agreed", agreement_status=Organization.Agreement.ACTIVE,
        agreement_expires_on=datetime.date.today() + datetime.timedelta(days=30),
    )
    unagreed = OrganizationFactory(name="Unagreed")
    housing = ServiceFactory(organization=agreed, name="Housing ES", category="housing")
    ServiceLanguageFactory(service=housing, code="es", name="Spanish")
    ServiceLanguageFactory(service=housing, code="en", name="English")
    ServiceAtLocationFactory(
        service=housing, location=LocationFactory(organization=agreed, city="Riverside")
    )
    mentoring = ServiceFactory(organization=unagreed, name="Mentoring full",
                               category="mentoring", capacity_status=Service.Capacity.WAITLIST)
    ServiceLanguageFactory(service=mentoring, code="en", name="English")
    ServiceAtLocationFactory(
        service=mentoring,
        location=LocationFactory(organization=unagreed, city="Hillcrest", postal_code="90999"),
    )
    ServiceFactory(organization=agreed, name="Closed down", category="housing", is_active=False)
    ServiceFactory(organization=agreed, name="No places left", category="housing",
                   open_places=0)
    return {"housing": housing, "mentoring": mentoring}


def test_it_lists_active_services_only(client, alice, directory):
    client.force_login(alice)
    assert names(client.get(URL)) == ["Housing ES", "Mentoring full", "No places left"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"category": "housing"}, ["Housing ES", "No places left"]),
        ({"category": "mentoring"}, ["Mentoring full"]),
        ({"language": "es"}, ["Housing ES"]),
        ({"language": "en"}, ["Housing ES", "Mentoring full"]),
        ({"city": "Hillcrest"}, ["Mentoring full"]),
        ({"area": "90999"}, ["Mentoring full"]),
        ({"area": "90501"}, ["Housing ES"]),
        ({"open_only": "on"}, ["Housing ES"]),
        ({"category": "housing", "language": "en", "city": "Riverside", "open_only": "on"},
         ["Housing ES"]),
    ],
)
def test_it_filters(client, alice, directory, query, expected):
    client.force_login(alice)
    assert names(client.get(URL, query)) == expected


def test_an_unknown_filter_value_is_an_error_not_everything(client, alice, directory):
    client.force_login(alice)
    response = client.get(URL, {"category": "astrology"})
    assert response.status_code == 200
    assert response.context["form"].errors["category"]
    assert names(response) == []


def test_it_marks_services_that_cannot_receive_referrals(client, alice, directory):
    client.force_login(alice)
    response = client.get(URL)
    by_name = {s.name: s for s in response.context["page"].object_list}
    assert by_name["Housing ES"].can_receive_referrals
    assert not by_name["Mentoring full"].can_receive_referrals
    body = response.content.decode()
    assert body.count("Cannot receive referrals") == 1
    assert "Can receive referrals" in body


@pytest.mark.parametrize("persona", ["pat", "audrey", "root"])
def test_provider_staff_auditors_and_superusers_are_refused(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403


def _fill(n):
    for i in range(n):
        organization = OrganizationFactory(name=f"Busy org {i}")
        service = ServiceFactory(organization=organization, category="housing")
        ServiceLanguageFactory(service=service, code="es")
        ServiceLanguageFactory(service=service, code=f"x{i % 5}")
        ServiceAtLocationFactory(service=service)


def _queries(client):
    client.get(URL)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, {"category": "housing", "language": "es"})
    assert response.status_code == 200
    return len(captured), len(response.context["page"].object_list)


def test_the_search_costs_the_same_at_any_size(client, alice):
    """Printed for the record (pytest -s)."""
    client.force_login(alice)
    _fill(3)
    small, shown_small = _queries(client)
    _fill(22)
    large, shown_large = _queries(client)
    print(f"\ndirectory search: {small} queries for {shown_small} rows, "
          f"{large} for {shown_large}")
    assert (shown_small, shown_large) == (3, 25)
    assert small == large
