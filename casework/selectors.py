"""Page-shaped reads. Each list is a fixed number of queries, whatever its length."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case as SqlCase
from django.db.models import IntegerField, Value, When
from django.utils import timezone

from casework import access, crypto
from casework.models import Case, CaseTransition, Person, Task


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """Return the date `days` working days (Monday to Friday) after `start`."""
    current = start
    while days > 0:
        current += datetime.timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def stage_due_on(case: Case) -> datetime.date | None:
    limit = settings.STAGE_TIME_LIMITS.get(case.stage)
    if limit is None:
        return None
    return add_working_days(timezone.localdate(case.stage_entered_at), limit)


@dataclass(frozen=True)
class CaseloadRow:
    case: Case
    days_in_stage: int
    due_on: datetime.date | None

    @property
    def is_overdue(self) -> bool:
        return self.due_on is not None and self.due_on < timezone.localdate()


def caseload_for(user, *, include_closed: bool = False) -> list[CaseloadRow]:
    """The cases `user` may see, oldest in stage first, with their deadlines: one query."""
    cases = access.visible_cases(user).select_related("team", "caseworker")
    if not include_closed:
        cases = cases.open()
    today = timezone.localdate()
    return [
        CaseloadRow(
            case=case,
            days_in_stage=(today - timezone.localdate(case.stage_entered_at)).days,
            due_on=stage_due_on(case),
        )
        for case in cases.order_by("stage_entered_at", "pk")
    ]


def case_timeline(case: Case) -> list[CaseTransition]:
    return list(case.transitions.select_related("actor"))


def open_tasks_for(user) -> list[Task]:
    return list(
        Task.objects.filter(owner=user, done_at__isnull=True)
        .filter(case__in=access.visible_cases(user))
        .select_related("case")
    )


def find_person(first_name: str, last_name: str, date_of_birth) -> Person | None:
    """Exact match on normalised name and date of birth, through the blind index."""
    index = crypto.name_dob_index(first_name, last_name, date_of_birth)
    if not index:
        return None
    return Person.objects.filter(name_dob_index=index).order_by("pk").first()


URGENCY_RANK = SqlCase(
    When(urgency="immediate", then=Value(0)),
    When(urgency="priority", then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def referral_inbox(user):
    """Referrals awaiting a case, most urgent and oldest first."""
    from referrals.models import Referral

    return (
        access.visible_referrals(user)
        .filter(status=Referral.Status.NEW)
        .annotate(urgency_rank=URGENCY_RANK)
        .order_by("urgency_rank", "received_at")
    )
