"""The daily job: reminders before tasks fall due; the caseworker told of their own overdue task
or stage first, the supervisor a day later (CASEWORK_OWNER_NOTICE_LEAD_DAYS); each sent once,
and never with a name, a date of birth or a note in it.

The clock is frozen (freezegun) and moved day by day; 2 November 2026 is a Monday.
"""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from freezegun import freeze_time

from casework import workflow
from casework.celery import app
from casework.models import Notification, Reminder, Task
from casework.tasks import send_due_reminders
from tests.casework.conftest import consent, move, request_closure
from tests.factories import CaseFactory

# Marked, so pytest-django runs these before transactional tests, which flush the database.
pytestmark = pytest.mark.django_db

NAME, SURNAME, DOB = "Canaryzelda", "Quillbottom", datetime.date(1987, 6, 5)
NOTE = "Canary note text about a cousin"
TITLE = "Call Canaryzelda's probation officer"
CANARIES = (NAME, SURNAME, "1987-06-05", "5 Jun 1987", "June 5, 1987", NOTE, TITLE, "Canary")


@pytest.fixture
def clock():
    with freeze_time("2026-11-02 10:00") as frozen:
        yield frozen


@pytest.fixture
def case(clock, alice, north, instrument):
    """alice's case entering assessment on Monday 2 November: the assessment is due (and the
    stage's time limit ends) ten working days later, on Monday 16 November."""
    case = CaseFactory(team=north, caseworker=alice, person__first_name=NAME,
                       person__last_name=SURNAME, person__date_of_birth=DOB)
    consent(case, alice)
    move(case, "begin_assessment", alice)
    workflow.write_note(case, actor=alice, text=NOTE, sensitivity="restricted")
    return case


@pytest.fixture
def own_task(case, alice):
    """A task alice wrote herself, due on Thursday 5 November."""
    return workflow.add_task(case, actor=alice, title=TITLE, owner=alice,
                             due_on=datetime.date(2026, 11, 5))


def run(clock, day, django_capture_on_commit_callbacks):
    clock.move_to(f"{day} 06:30")
    with django_capture_on_commit_callbacks(execute=True):
        return send_due_reminders.delay().get()


def notices(user):
    return list(Notification.objects.filter(user=user).order_by("pk")
                .values_list("message", flat=True))


@pytest.fixture
def job(clock, django_capture_on_commit_callbacks):
    return lambda day: run(clock, day, django_capture_on_commit_callbacks)


def test_nothing_is_sent_before_a_task_is_due_soon(job, own_task, alice, sam):
    assert job("2026-11-02") == {"due_soon": 0, "task_overdue": 0, "stage_overdue": 0,
                                 "own_task_overdue": 0, "own_stage_overdue": 0}
    assert notices(alice) == notices(sam) == [] and mail.outbox == []


def test_the_owner_is_reminded_once_when_a_task_is_due_soon(job, own_task, alice, sam):
    assert job("2026-11-04")["due_soon"] == 1  # due tomorrow
    assert notices(alice) == ["1 of your tasks is due soon."]
    assert [m.to for m in mail.outbox] == [[alice.email]]
    job("2026-11-04")  # a rerun the same day
    job("2026-11-05")  # and the day it is due
    assert notices(alice) == ["1 of your tasks is due soon."]
    assert len(mail.outbox) == 1 and notices(sam) == []


def test_an_overdue_task_is_escalated_to_the_supervisor_once(job, own_task, alice, sam, sofia):
    job("2026-11-04")
    job("2026-11-06")  # overdue: alice is told first
    assert job("2026-11-07")["task_overdue"] == 1
    assert notices(sam) == ["1 task on your team is overdue."]
    assert Notification.objects.get(user=sam).link == "/team/"
    job("2026-11-07")
    job("2026-11-08")
    assert notices(sam) == ["1 task on your team is overdue."]
    assert notices(sofia) == []  # South's supervisor: not her team
    assert [m.to for m in mail.outbox] == [[alice.email], [alice.email], [sam.email]]


def test_the_caseworker_is_told_of_their_own_overdue_task_before_the_supervisor(
    job, own_task, alice, sam
):
    counts = job("2026-11-06")  # due on the 5th
    assert (counts["own_task_overdue"], counts["task_overdue"]) == (1, 0)
    assert notices(alice) == ["1 of your tasks is overdue."] and notices(sam) == []
    assert Notification.objects.get(user=alice).link == "/"
    counts = job("2026-11-07")  # the lead time has passed: now the supervisor
    assert (counts["own_task_overdue"], counts["task_overdue"]) == (0, 1)
    assert notices(alice) == ["1 of your tasks is overdue."]
    assert notices(sam) == ["1 task on your team is overdue."]


def test_the_lead_time_is_a_setting(job, own_task, alice, sam, settings):
    settings.CASEWORK_OWNER_NOTICE_LEAD_DAYS = 3
    job("2026-11-06")
    assert job("2026-11-08")["task_overdue"] == 0
    assert job("2026-11-09")["task_overdue"] == 1
    settings.CASEWORK_OWNER_NOTICE_LEAD_DAYS = 0  # both on the first day


def test_with_no_lead_time_both_are_told_the_same_day(job, own_task, alice, sam, settings):
    settings.CASEWORK_OWNER_NOTICE_LEAD_DAYS = 0
    counts = job("2026-11-06")
    assert (counts["own_task_overdue"], counts["task_overdue"]) == (1, 1)


def test_a_stage_past_its_time_limit_is_escalated_once(job, case, alice, sam):
    """The assessment task is due, and the stage's limit ends, on 16 November."""
    assert job("2026-11-16")["stage_overdue"] == 0
    counts = job("2026-11-17")
    assert (counts["own_stage_overdue"], counts["own_task_overdue"]) == (1, 1)
    assert notices(alice)[-1] == (
        "1 of your tasks is overdue. 1 of your cases is past its stage time limit."
    )
    assert notices(sam) == []
    counts = job("2026-11-18")
    assert (counts["stage_overdue"], counts["task_overdue"]) == (1, 1)
    assert notices(sam) == [
        "1 task on your team is overdue. 1 case on your team is past its stage time limit."
    ]
    job("2026-11-19")
    assert len(notices(sam)) == 1


def test_a_new_stay_in_a_stage_can_be_escalated_again(job, clock, case, alice, sam):
    job("2026-11-18")
    assessment = workflow.complete_assessment(case, actor=alice, risk_level="low",
                                              needs_summary="s")
    workflow.sign_off_assessment(assessment, actor=sam)
    move(case, "start_planning", alice)
    # Planning: ten working days from 18 Nov end on 2 Dec; alice on the 3rd, sam on the 4th.
    assert job("2026-12-03")["own_stage_overdue"] == 1
    assert job("2026-12-04")["stage_overdue"] == 1


def test_the_job_finds_each_days_work_at_the_right_time(job, own_task, case, alice, sam):
    """Two weeks of daily runs: each reminder and escalation on its day, and only once."""
    sent = {}
    day = datetime.date(2026, 11, 2)
    while day <= datetime.date(2026, 11, 20):
        counts = job(day.isoformat())
        sent[day.isoformat()] = {kind: n for kind, n in counts.items() if n}
        day += datetime.timedelta(days=1)
    assert {day: counts for day, counts in sent.items() if counts} == {
        "2026-11-04": {"due_soon": 1},  # alice's own task, due on the 5th
        "2026-11-06": {"own_task_overdue": 1},  # alice first
        "2026-11-07": {"task_overdue": 1},  # then her supervisor
        "2026-11-15": {"due_soon": 1},  # the assessment, due on the 16th
        "2026-11-17": {"own_task_overdue": 1, "own_stage_overdue": 1},
        "2026-11-18": {"task_overdue": 1, "stage_overdue": 1},
    }
    assert Reminder.objects.count() == 8


def test_no_notice_or_email_carries_personal_data(job, own_task, case, alice, sam):
    for day in ("2026-11-04", "2026-11-06", "2026-11-07", "2026-11-15", "2026-11-17",
                "2026-11-18"):
        job(day)
    texts = [n.message + n.link for n in Notification.objects.all()]
    texts += [m.subject + m.body for m in mail.outbox]
    assert len(texts) >= 8
    for text in texts:
        for canary in CANARIES:
            assert canary not in text, (canary, text)


def test_the_job_takes_no_arguments_and_keeps_no_results():
    signature = send_due_reminders.s()
    assert signature.args == () and signature.kwargs == {}
    assert app.conf.task_ignore_result


def test_the_job_runs_daily_from_celery_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["casework-send-due-reminders"]
    assert entry["task"] == "casework.tasks.send_due_reminders"
    assert entry["task"] in app.tasks
    assert entry["schedule"].hour == {6} and entry["schedule"].minute == {30}
    # The audit colleague's entries are still there: keys are added, never replaced.
    assert "verify-audit-log" in settings.CELERY_BEAT_SCHEDULE


def test_inactive_owners_are_not_reminded_but_the_work_is_escalated(job, own_task, alice, sam):
    alice.is_active = False
    alice.save()
    assert job("2026-11-04")["due_soon"] == 0
    assert job("2026-11-06")["own_task_overdue"] == 0
    assert job("2026-11-07")["task_overdue"] == 1


def test_post_exit_reviews_of_closed_cases_are_reminded_too(job, clock, at_follow_up, alice, sam):
    request_closure(at_follow_up, alice)
    move(at_follow_up, "close", sam, reason="Done.")
    due = Task.objects.get(case=at_follow_up, kind="post_exit_review_due",
                           follow_up__review_month=6).due_on
    counts = job((due - datetime.timedelta(days=1)).isoformat())
    assert counts["due_soon"] == 1
    assert notices(alice)[-1] == "1 of your tasks is due soon."


def test_a_concurrent_run_that_wrote_first_wins(job, own_task, alice):
    """If another run recorded the reminder first, this one sends nothing for it."""
    Reminder.objects.create(kind="due_soon", recipient=alice, case=own_task.case, task=own_task)
    assert job("2026-11-04")["due_soon"] == 0
    assert notices(alice) == []
