"""Fixtures for referral tests: a clean rate-limit cache, known people and referrals."""

import datetime

import pytest
from django.core.cache import cache

from casework import roles
from casework.models import PersonAlias
from tests.factories import (
    PersonFactory,
    ReferralFactory,
    ServiceFactory,
    UserFactory,
    partner_organization,
)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """The public forms count submissions in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def jose(db):
    """A known person: "jose alvarez", born 1990-03-04, also known as "Pepe Alvarez"."""
    person = PersonFactory(first_name="jose", last_name="alvarez",
                           date_of_birth=datetime.date(1990, 3, 4), phone="312 555 0100")
    PersonAlias.objects.create(person=person, name="Pepe Alvarez")
    return person


@pytest.fixture
def new_referral(alice):
    """A routine referral alice entered, awaiting screening."""
    return ReferralFactory(entered_by=alice)



# Provider referrals: pat works for the mentoring organisation, quinn for another one.


@pytest.fixture
def quinn(db):
    """Provider staff of another organisation."""
    user = UserFactory(username="quinn", roles=[roles.PROVIDER])
    partner_organization("Other Provider Org", staff=[user])
    return user


@pytest.fixture
def mentors(pat):
    return partner_organization("Test Mentoring Org", staff=[pat])


@pytest.fixture
def mentoring(mentors):
    return ServiceFactory(organization=mentors, name="Youth mentoring", category="mentoring")
