"""Tasks the workflow creates and closes, tasks people write, and what reassignment does."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from casework import workflow
from casework.models import Task
from casework.refusals import Refused
from tests.casework.conftest import move

# Marked, so pytest-django runs these before transactional tests, which flush the database.
pytestmark = pytest.mark.django_db


def open_kinds(case):
    return sorted(case.tasks.filter(done_at__isnull=True).values_list("kind", flat=True))


def test_entering_a_stage_opens_its_task_due_by_the_stage_limit(at_assessment, alice):
    task = at_assessment.tasks.get(kind="complete_assessment")
    assert task.owner == alice and not task.done_at
    from casework.selectors import stage_due_on

    assert task.due_on == stage_due_on(at_assessment)


def test_leaving_the_stage_closes_its_task(at_assessment, alice, sam):
    move(at_assessment, "escalate", sam, reason="Immediate risk.")
    task = at_assessment.tasks.get(kind="complete_assessment")
    assert task.done_at and task.cancelled


def test_completing_the_assessment_completes_its_task(assessed):
    task = assessed.tasks.get(kind="complete_assessment")
    assert task.done_at and not task.cancelled
    assert open_kinds(assessed) == ["write_plan"]


def test_an_unassigned_case_gets_its_stage_task_when_assigned(north, alice, sam, instrument):
    from tests.factories import CaseFactory

    case = CaseFactory(team=north, stage="assessment")
    assert not case.tasks.exists()
    workflow.assign_case(case, alice, actor=sam)
    assert case.tasks.get(kind="complete_assessment").owner == alice


def test_people_write_tasks_for_the_cases_staff(client, alices_case, alice, sam, bob):
    due = timezone.localdate() + datetime.timedelta(days=3)
    task = workflow.add_task(alices_case, actor=alice, title="Book the housing appointment.",
                             owner=sam, due_on=due)
    assert (task.kind, task.owner, task.created_by, task.label) == (
        "other", sam, alice, "Book the housing appointment.")
    with pytest.raises(Refused, match="caseworker or a supervisor"):
        workflow.add_task(alices_case, actor=alice, title="x", owner=bob, due_on=due)
    with pytest.raises(Refused, match="past"):
        workflow.add_task(alices_case, actor=alice, title="x", owner=alice,
                          due_on=timezone.localdate() - datetime.timedelta(days=1))


def test_adding_a_task_through_the_page(client, alices_case, alice):
    client.force_login(alice)
    due = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client.post(reverse("case-task", args=[alices_case.reference]),
                           {"title": "Call the school.", "owner": alice.pk, "due_on": due})
    assert response.status_code == 302
    assert alices_case.tasks.get(kind="other").title == "Call the school."
    refused = client.post(reverse("case-task", args=[alices_case.reference]),
                          {"title": "", "owner": alice.pk, "due_on": due})
    assert refused.status_code == 400 and alices_case.tasks.count() == 1


def test_task_titles_are_encrypted(alices_case, alice):
    from tests.casework.test_notes import raw_row

    task = workflow.add_task(alices_case, actor=alice, title="Visit Zebulonna at home.",
                             owner=alice, due_on=timezone.localdate())
    assert "Zebulonna" not in raw_row(Task, task.pk)


def test_the_owner_or_the_supervisor_marks_a_task_done(alices_case, alice, bob, sam, ivy):
    task = workflow.add_task(alices_case, actor=alice, title="t", owner=alice,
                             due_on=timezone.localdate())
    for outsider in (bob, ivy):
        with pytest.raises(PermissionDenied):
            workflow.complete_task(task, actor=outsider)
    workflow.complete_task(task, actor=sam)
    assert task.done_by == sam
    with pytest.raises(Refused, match="already closed"):
        workflow.complete_task(task, actor=alice)


def test_reassignment_hands_open_tasks_over(at_assessment, alice, bob, sam):
    own = workflow.add_task(at_assessment, actor=alice, title="t", owner=alice,
                            due_on=timezone.localdate())
    workflow.assign_case(at_assessment, bob, actor=sam)
    own.refresh_from_db()
    assert own.owner == bob
    assert at_assessment.tasks.get(kind="complete_assessment", done_at__isnull=True).owner == bob
    assert not at_assessment.tasks.filter(owner=alice, done_at__isnull=True).exists()


def test_the_case_page_lists_open_tasks_with_overdue_flags(client, alices_case, alice):
    from casework.models import Task

    Task.objects.create(case=alices_case, owner=alice, kind="other", title="Late one.",
                        due_on=timezone.localdate() - datetime.timedelta(days=3))
    client.force_login(alice)
    body = client.get(alices_case.get_absolute_url()).content.decode()
    section = body.split('id="tasks"')[1].split("</section>")[0]
    assert "Late one." in section and 'class="overdue"' in section
