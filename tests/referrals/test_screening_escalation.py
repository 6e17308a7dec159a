"""Overdue screening reaches the intake lead and the duty supervisor, through the outbox, once:
an immediate risk after REFERRAL_IMMEDIATE_RISK_MINUTES, any other past its decision deadline."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from casework import roles
from casework.models import Notification, OutboxMessage, TeamMembership
from referrals.models import Referral
from referrals.tasks import duty_supervisors, escalate_overdue_screenings, intake_leads
from tests.factories import ReferralFactory, TeamFactory, UserFactory, join_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def ines(north):
    """The intake lead: an intake coordinator holding the North team's supervisor membership."""
    user = UserFactory(username="ines", roles=[roles.INTAKE])
    join_team(user, north, TeamMembership.Role.SUPERVISOR)
    return user


def sweep(when, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return escalate_overdue_screenings(now_iso=when.isoformat())


def told(user):
    return list(Notification.objects.filter(user=user).values_list("message", flat=True))


def test_an_overdue_immediate_risk_screening_reaches_the_intake_lead_and_duty_supervisor(
    ines, ivy, sam, sofia, alice, django_capture_on_commit_callbacks
):
    received = timezone.now()
    referral = ReferralFactory(urgency="immediate", received_at=received)
    minutes = settings.REFERRAL_IMMEDIATE_RISK_MINUTES
    assert sweep(received + datetime.timedelta(minutes=minutes - 1),
                 django_capture_on_commit_callbacks) == 0
    assert sweep(received + datetime.timedelta(minutes=minutes + 1),
                 django_capture_on_commit_callbacks) == 1
    message = (f"Immediate-risk referral {referral.reference} has not been screened: act now.")
    assert told(ines) == [message]
    assert told(sam) == told(sofia) == [message]  # no duty team named: every team's supervisor
    assert told(ivy) == []  # an intake lead exists: the escalation is theirs
    assert told(alice) == []
    assert OutboxMessage.objects.filter(task="referrals.tasks.notify_overdue_screening").count() == 1
    # Once: the next runs find nothing more to do.
    assert sweep(received + datetime.timedelta(hours=5), django_capture_on_commit_callbacks) == 0
    assert len(told(ines)) == 1


def test_a_routine_referral_escalates_when_its_decision_is_overdue(
    ines, sam, django_capture_on_commit_callbacks
):
    referral = ReferralFactory(urgency="routine")
    assert sweep(referral.due_at - datetime.timedelta(minutes=1),
                 django_capture_on_commit_callbacks) == 0
    assert sweep(referral.due_at + datetime.timedelta(minutes=1),
                 django_capture_on_commit_callbacks) == 1
    assert told(sam) == [f"Referral {referral.reference} is past its screening deadline."]
    assert Referral.objects.get(pk=referral.pk).screening_escalated_at is not None


def test_a_screened_referral_is_not_escalated(sam, django_capture_on_commit_callbacks):
    referral = ReferralFactory(urgency="immediate", status=Referral.Status.DECLINED)
    assert sweep(referral.received_at + datetime.timedelta(days=5),
                 django_capture_on_commit_callbacks) == 0
    assert told(sam) == []


def test_the_duty_team_names_the_duty_supervisors(sam, sofia, south, settings):
    settings.REFERRAL_DUTY_TEAM = south.name
    assert list(duty_supervisors()) == [sofia]
    settings.REFERRAL_DUTY_TEAM = ""
    assert set(duty_supervisors()) == {sam, sofia}


def test_without_an_intake_lead_every_intake_coordinator_is_told(ivy, north):
    other = UserFactory(username="iris", roles=[roles.INTAKE])
    assert set(intake_leads()) == {ivy, other}
    join_team(other, TeamFactory(name="Intake"), TeamMembership.Role.SUPERVISOR)
    assert list(intake_leads()) == [other]


def test_the_sweep_runs_from_celery_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["referrals-screening-escalations"]
    assert entry["task"] == "referrals.tasks.escalate_overdue_screenings"
    assert entry["schedule"] <= 300  # minutes matter for an immediate risk
