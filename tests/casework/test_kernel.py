"""The kernel's small rules, each written once: references, working days, notices."""

import datetime

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from casework import notify, references
from casework.models import Notification, new_case_reference
from casework.working_days import add_working_days
from referrals.models import new_provider_referral_reference, new_referral_reference

FRIDAY = datetime.date(2026, 11, 6)


def test_working_days_skip_the_weekend_for_a_date():
    assert add_working_days(FRIDAY, 1) == datetime.date(2026, 11, 9)
    assert add_working_days(FRIDAY, 5) == datetime.date(2026, 11, 13)
    assert add_working_days(FRIDAY, 0) == FRIDAY


def test_working_days_keep_the_local_time_of_day_for_a_datetime():
    friday_evening = timezone.make_aware(datetime.datetime(2026, 11, 6, 17, 30))
    due = add_working_days(friday_evening, 2)
    local = timezone.localtime(due)
    assert (local.date(), local.time()) == (datetime.date(2026, 11, 10), datetime.time(17, 30))


def test_every_reference_is_a_prefix_and_eight_unambiguous_characters():
    for reference, prefix in ((new_case_reference(), "C-"), (new_referral_reference(), "R-"),
                              (new_provider_referral_reference(), "PR-")):
        assert reference.startswith(prefix)
        code = reference[len(prefix):]
        assert len(code) == 8 and set(code) <= set(references.ALPHABET)
    assert not set("ILOU") & set(references.ALPHABET)


@pytest.mark.django_db
@override_settings(SITE_URL="https://casework.example/")
def test_a_notice_goes_in_the_app_and_by_email_to_each_person_alone(alice, sam):
    notify.notify([alice, sam], "Case C-1 has been assigned to you.", "/cases/C-1/",
                  subject="A case has been assigned to you")
    assert Notification.objects.filter(message="Case C-1 has been assigned to you.").count() == 2
    assert [m.to for m in mail.outbox] == [[alice.email], [sam.email]]
    assert mail.outbox[0].body == "Case C-1 has been assigned to you.\nhttps://casework.example/cases/C-1/"


@pytest.mark.django_db
def test_a_notice_posted_once_is_neither_posted_nor_emailed_again(alice):
    for _run in range(2):
        notify.notify([alice], "Referral R-1 received.", "/referrals/R-1/", subject="Referral",
                      once=True)
    assert Notification.objects.filter(user=alice).count() == 1
    assert len(mail.outbox) == 1
