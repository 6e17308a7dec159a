"""The demo directory: the sample file, agreements in every state, the provider as an admin."""

import pytest

from casework import access, roles
from providers import demo
from providers.models import Organization, Service
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_demo_directory_is_realistic():
    provider = UserFactory(username="provider", roles=[roles.PROVIDER])

    services = demo.load_directory(provider)

    home = Organization.objects.get(name=demo.PROVIDER_ORGANIZATION)
    assert services[0].organization == home
    assert access.is_provider_admin_of(provider, home)
    assert all(service.organization.has_active_agreement() for service in services)
    assert len(services) < Service.objects.active().count()  # some cannot receive referrals
    statuses = set(Organization.objects.values_list("agreement_status", flat=True))
    assert statuses == set(Organization.Agreement.values)
    expired = Organization.objects.get(name="Eastside High School")
    assert expired.agreement_status == "active" and not expired.has_active_agreement()
