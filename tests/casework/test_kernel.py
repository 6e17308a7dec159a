"""The kernel's small rules, each written once: references and working days."""

import datetime

from django.utils import timezone

from casework import references
from casework.models import new_case_reference
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
