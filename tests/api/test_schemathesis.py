"""The OpenAPI schema, checked against the running app by schemathesis: no 500, no response
that breaks the schema, and bad input rejected (its default checks), as an organisation's
system and as a caseworker's token.

    .venv/bin/python -m pytest -p no:xdist -q tests/api/test_schemathesis.py
"""

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.api.conftest import token_for

# A request the schema allows may still break a rule only the form knows (an immediate-risk
# referral needs more than the schema can say), so a 400 for it is right: the check that every
# schema-valid request is accepted is left out; every other default check runs, including that
# schema-invalid input is rejected.
EXAMPLES = 12  # per operation and caller: bounded, so CI stays quick on two cores


@pytest.fixture(params=["riverside", "alice"])
def authorization(request, riverside_client, riverside_referral, alice, alices_case):
    if request.param == "riverside":
        return f"Api-Key {riverside_client[1]}"
    return f"Token {token_for(alice)}"


@pytest.fixture
def in_process_requests():
    """Keep the test's database connection across in-process requests, as Django's test client
    does: a request's end would otherwise close it, and the test's transaction with it."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def api_schema(authorization, settings, in_process_requests):
    settings.ALLOWED_HOSTS = ["*"]
    return schemathesis.openapi.from_wsgi(
        "/api/v1/schema/?format=json", WSGIHandler(),
        headers={"Authorization": authorization},
    )


def test_the_api_keeps_to_its_schema(api_schema, authorization):
    """Every operation, each with generated valid and invalid requests, against the app."""
    failures = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                             database=None, suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate(headers={"Authorization": authorization},
                                   excluded_checks=[positive_data_acceptance])

        try:
            check()
        except Exception as failure:  # each operation's first failure, reported together
            failures.append(f"{operation.label}: {str(failure)[:600]}")
    assert failures == [], "\n\n".join(failures)
