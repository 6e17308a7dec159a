"""API fixtures: keys made through the real verbs (api.credentials), and a client sending them."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from api import credentials, scopes
from casework.models import Case
from tests.factories import (
    CaseFactory,
    ServiceFactory,
    partner_organization,
    sent_provider_referral,
)


def token_for(user, scope_names=None):
    """A personal token for `user` with every scope their role allows (or `scope_names`)."""
    _token, key = credentials.create_personal_token(
        actor=user, name="script", scopes=scope_names or credentials.personal_scopes(user),
        days=30, second_factor_fresh=True,
    )
    return key


def caller(key=None, kind="Token"):
    api = APIClient()
    if key:
        api.credentials(HTTP_AUTHORIZATION=f"{kind} {key}")
    return api


@pytest.fixture
def riverside(pat):
    return partner_organization("Riverside Test Org", staff=[pat])


@pytest.fixture
def elsewhere(db):
    return partner_organization("Elsewhere Test Org")


@pytest.fixture
def admin2(db):
    from casework import roles
    from tests.factories import UserFactory

    return UserFactory(username="adele", roles=[roles.ADMIN], is_staff=True)


@pytest.fixture
def riverside_client(riverside, adam, admin2):
    """Riverside's system: requested by adam, approved by adele; (client, key)."""
    request = credentials.request_client(
        riverside, name="Riverside EHR", scopes=scopes.CLIENT_SCOPES,
        expires_on=timezone.localdate() + datetime.timedelta(days=90), actor=adam,
    )
    return credentials.approve_client(request, actor=admin2)


@pytest.fixture
def riverside_referral(alice, north, riverside):
    """A referral from alice's case (service plan) to Riverside's mentoring service."""
    service = ServiceFactory(organization=riverside, category="mentoring")
    case = CaseFactory(team=north, caseworker=alice, stage=Case.Stage.SERVICE_PLAN)
    return sent_provider_referral(case, service, by=alice)


@pytest.fixture
def elsewhere_referral(alice, north, elsewhere):
    service = ServiceFactory(organization=elsewhere, category="mentoring")
    case = CaseFactory(team=north, caseworker=alice, stage=Case.Stage.SERVICE_PLAN)
    return sent_provider_referral(case, service, by=alice)
