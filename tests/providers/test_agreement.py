"""One rule for "may this organisation receive referrals": the model method and the queryset agree."""

import datetime

import pytest

from providers.models import Organization
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 25)
DAY = datetime.timedelta(days=1)


@pytest.mark.parametrize(
    ("status", "expires", "is_active", "expected"),
    [
        (Organization.Agreement.ACTIVE, TODAY + DAY, True, True),
        (Organization.Agreement.ACTIVE, TODAY, True, True),  # the expiry date is the last day
        (Organization.Agreement.ACTIVE, TODAY - DAY, True, False),
        (Organization.Agreement.ACTIVE, None, True, True),  # open-ended
        (Organization.Agreement.ACTIVE, TODAY + DAY, False, False),  # organisation inactive
        (Organization.Agreement.NONE, None, True, False),
        (Organization.Agreement.SUSPENDED, TODAY + DAY, True, False),
        (Organization.Agreement.ENDED, TODAY + DAY, True, False),
    ],
)
def test_the_method_and_the_queryset_agree(status, expires, is_active, expected):
    organization = OrganizationFactory(
        agreement_status=status, agreement_expires_on=expires, is_active=is_active
    )
    assert organization.has_active_agreement(on=TODAY) is expected
    found = Organization.objects.with_active_agreement(on=TODAY).filter(pk=organization.pk)
    assert found.exists() is expected


def test_it_defaults_to_today(settings):
    organization = OrganizationFactory(
        agreement_status=Organization.Agreement.ACTIVE,
        agreement_expires_on=datetime.date.today() - DAY,
    )
    assert not organization.has_active_agreement()
    assert not Organization.objects.with_active_agreement().exists()


def test_a_new_organisation_has_no_agreement():
    organization = OrganizationFactory()
    assert organization.agreement_status == Organization.Agreement.NONE
    assert not organization.has_active_agreement()
