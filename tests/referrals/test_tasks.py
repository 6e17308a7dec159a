"""Referral tasks take ids, carry no personal data, and are safe to run twice."""

import json

import pytest
from django.core import mail

from casework.models import Notification, OutboxMessage
from referrals import tasks, workflow
from referrals.models import Referral
from tests.factories import ReferralFactory


@pytest.mark.django_db
def test_the_immediate_risk_notice_is_sent_once_however_often_the_task_runs(ivy):
    referral = ReferralFactory(urgency="immediate", first_name="Canaryname")
    tasks.notify_immediate_risk(referral.pk)
    tasks.notify_immediate_risk(referral.pk)
    assert Notification.objects.filter(user=ivy).count() == 1
    assert len(mail.outbox) == 1
    assert "Canaryname" not in mail.outbox[0].body + mail.outbox[0].subject


@pytest.mark.django_db
def test_no_notice_once_the_referral_has_been_screened(ivy):
    referral = ReferralFactory(urgency="immediate")
    workflow.screen_referral(referral, "decline", actor=ivy, reason="No.")
    tasks.notify_immediate_risk(referral.pk)
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_the_acknowledgement_is_sent_once(ivy):
    referral = ReferralFactory(referrer_contact="aunt@example.invalid")
    workflow.screen_referral(referral, "decline", actor=ivy, reason="No.")
    tasks.send_referral_acknowledgement(referral.pk)
    tasks.send_referral_acknowledgement(referral.pk)
    assert len(mail.outbox) == 1
    assert Referral.objects.get().acknowledged_at is not None


@pytest.mark.django_db
def test_task_messages_carry_ids_only(ivy, django_capture_on_commit_callbacks):
    referral = ReferralFactory.build(urgency="immediate", first_name="Canaryname")
    with django_capture_on_commit_callbacks(execute=False):
        workflow.receive_referral(referral, channel=Referral.Channel.STAFF, actor=ivy)
    message = OutboxMessage.objects.get()
    assert (message.task, message.kwargs) == (tasks.notify_immediate_risk.name,
                                              {"referral_id": referral.pk})
    assert "Canaryname" not in json.dumps(message.kwargs)
