"""Cases at each stage, taken there through the real workflow, and the default instrument.

The default instrument comes from a data migration; a transactional test elsewhere may have
flushed it, so `instrument` puts it back when it is missing.
"""

import datetime

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.apps import apps as django_apps
from django.utils import timezone

from casework import workflow
from casework.models import Factor, Instrument
from casework.transitions import CASE_TRANSITIONS
from tests.factories import CaseFactory, ServiceFactory


@pytest.fixture
def instrument(db):
    current = Instrument.current()
    if current is None:
        from importlib import import_module

        migration = import_module("casework.migrations.0005_default_instrument")
        migration.create_default_instrument(django_apps, None)
        current = Instrument.current()
    return current


def factor(instrument, domain_code: str, code: str) -> Factor:
    return Factor.objects.get(domain__instrument=instrument, domain__code=domain_code, code=code)


def rate(instrument, **ratings) -> dict:
    """`rate(instrument, housing=("high", "Sleeping at a friend's."))`, keyed domain__factor."""
    result = {}
    for key, value in ratings.items():
        domain_code, code = key.split("__")
        rating, evidence = value if isinstance(value, tuple) else (value, "")
        result[factor(instrument, domain_code, code).pk] = (rating, evidence)
    return result


def move(case, name, actor, **kwargs):
    """Take the transition as the page does: a forward move with its suggested reason."""
    declared = CASE_TRANSITIONS.get(name)
    kwargs.setdefault("reason", str(declared.default_reason) if declared else "")
    with set_actor(actor):
        return workflow.take_transition(case, name, actor=actor, **kwargs)


def request_closure(case, actor, closure_reason="goals_met", reason="Goals met."):
    with set_actor(actor):
        return workflow.request_closure(case, actor=actor, closure_reason=closure_reason,
                                        reason=reason)


def consent(case, actor):
    workflow.record_consent(
        case, actor=actor, method="written", given_on=timezone.localdate(), purpose="support"
    )


@pytest.fixture
def at_assessment(alice, north, instrument):
    case = CaseFactory(team=north, caseworker=alice, pathway="reentry")
    consent(case, alice)
    return move(case, "begin_assessment", alice)


@pytest.fixture
def assessed(at_assessment, alice, sam, instrument):
    """At the service plan stage, with housing rated high and employment moderate (the
    assessment completed by alice and signed off by sam)."""
    assessment = workflow.complete_assessment(
        at_assessment, actor=alice, risk_level="moderate", needs_summary="Needs housing.",
        ratings=rate(instrument, housing_income__housing=("high", "No fixed address."),
                     housing_income__employment="moderate", protective__help_seeking="high"),
    )
    workflow.sign_off_assessment(assessment, actor=sam)
    return move(at_assessment, "start_planning", alice)


@pytest.fixture
def service(db):
    return ServiceFactory(name="Supported housing")


@pytest.fixture
def at_follow_up(assessed, alice, sam, service, instrument):
    plan = workflow.draft_plan(
        assessed, actor=alice, goals="Find stable housing.", services=[service],
        need=factor(instrument, "housing_income", "housing"),
    )
    workflow.approve_plan(plan, actor=sam)
    return move(assessed, "start_follow_up", alice)


def access_entries(instance=None):
    """Access entries; with `instance`, those about it: entered against it, or against its
    case naming it (audit.access_log files reads of a case's records under the case)."""
    from django.db.models import Q

    entries = LogEntry.objects.filter(action=LogEntry.Action.ACCESS)
    if instance is None:
        return entries
    name = instance._meta.model_name
    about = Q(content_type__model=name, object_pk=str(instance.pk))
    if getattr(instance, "case_id", None):
        about |= Q(content_type__model="case", object_pk=str(instance.case_id),
                   additional_data__record=f"{name} {instance.pk}")
    return entries.filter(about)


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)
