"""Deadlines: an unanswered referral escalates to the sender's supervisor, then expires and goes
back to the caseworker; the beat job controls nothing but the clock it is given.

Sent on Monday 23 November 2026 at 15:00 UTC: the answer is due 3 working days later (Thursday
26th), first contact and expiry 10 working days later (Monday 7 December).
"""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from freezegun import freeze_time

from casework.models import Case, Notification, Task
from referrals import outgoing
from referrals.tasks import sweep_provider_referral_deadlines
from tests.factories import (
    CaseFactory,
    ServiceFactory,
    partner_organization,
    sent_provider_referral,
)

pytestmark = pytest.mark.django_db

SENT = datetime.datetime(2026, 11, 23, 15, 0, tzinfo=datetime.UTC)


def at(day: int, month: int = 11, hour: int = 15, minute: int = 0) -> str:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=datetime.UTC).isoformat()


@pytest.fixture
def referral(alice, sam, pat, north):
    org = partner_organization("Test Mentoring Org", staff=[pat])
    service = ServiceFactory(organization=org, category="mentoring")
    case = CaseFactory(team=north, caseworker=alice, stage=Case.Stage.SERVICE_PLAN)
    with freeze_time(SENT):
        return sent_provider_referral(case, service, by=alice)


def sweep(now_iso, capture):
    with capture(execute=True):
        return sweep_provider_referral_deadlines(now_iso)


def test_the_deadlines_follow_the_settings_in_working_days(referral):
    assert settings.PROVIDER_REFERRAL_RESPOND_DAYS == 3
    assert referral.respond_by == SENT + datetime.timedelta(days=3)  # Thursday
    assert referral.expires_at == SENT + datetime.timedelta(days=14)  # Monday after next
    assert referral.first_contact_by == referral.expires_at


def test_an_unanswered_referral_escalates_then_expires_on_schedule(
    referral, alice, sam, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    assert sweep(at(26, hour=14), capture) == {"escalated": 0, "expired": 0}

    # Thursday, just past the answer deadline: the supervisor is told, with a task, once.
    assert sweep(at(26, hour=15, minute=1), capture) == {"escalated": 1, "expired": 0}
    task = Task.objects.get(owner=sam)
    assert referral.reference in task.title and task.case == referral.case
    notice = Notification.objects.get(user=sam)
    assert referral.reference in notice.message and "no answer" in notice.message
    assert sweep(at(27), capture) == {"escalated": 0, "expired": 0}
    assert Task.objects.filter(owner=sam).count() == 1

    # Not yet expired the Friday before.
    assert sweep(at(4, month=12), capture)["expired"] == 0
    referral.refresh_from_db()
    assert referral.status == "requested"

    # Monday 7 December, past the expiry: cancelled (FHIR statusReason "expired") and back to
    # the caseworker to send elsewhere.
    assert sweep(at(7, month=12, minute=1), capture) == {"escalated": 0, "expired": 1}
    referral.refresh_from_db()
    assert (referral.status, referral.status_reason) == ("cancelled", "expired")
    event = referral.events.get(name="expire")
    assert (event.source, event.target, event.actor) == ("requested", "cancelled", None)
    send_elsewhere = Task.objects.get(owner=alice)
    assert send_elsewhere.title.startswith("Send elsewhere")
    assert Notification.objects.filter(user=alice, message__contains="expired").count() == 1
    assert sweep(at(8, month=12), capture) == {"escalated": 0, "expired": 0}
    assert Task.objects.filter(owner=alice).count() == 1


def test_an_answered_referral_does_not_expire(referral, pat, django_capture_on_commit_callbacks):
    with freeze_time(SENT + datetime.timedelta(days=1)):
        outgoing.accept(referral, actor=pat)
    result = sweep(at(7, month=12, minute=1), django_capture_on_commit_callbacks)
    assert result == {"escalated": 1, "expired": 0}  # no first contact by its deadline
    referral.refresh_from_db()
    assert referral.status == "accepted" and referral.contact_escalated_at is not None
    assert "no first contact" in Task.objects.get().title


def test_a_started_referral_is_not_chased(referral, pat, django_capture_on_commit_callbacks):
    with freeze_time(SENT + datetime.timedelta(days=1)):
        outgoing.accept(referral, actor=pat)
        outgoing.start(referral, actor=pat)
    assert sweep(at(9, month=12), django_capture_on_commit_callbacks) == {
        "escalated": 0, "expired": 0}


def test_the_expiry_is_on_the_case_timeline(client, referral, alice,
                                            django_capture_on_commit_callbacks):
    sweep(at(7, month=12, minute=1), django_capture_on_commit_callbacks)
    client.force_login(alice)
    body = client.get(reverse("case-detail", args=[referral.case.reference])).content.decode()
    assert "Sent, awaiting an answer → Cancelled" in body
    assert "Expired unanswered" in body


def test_the_beat_schedule_runs_the_sweep():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "referrals.tasks.sweep_provider_referral_deadlines" in tasks
