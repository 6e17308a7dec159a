"""The task list: the user's own open tasks, grouped by when they are due, a page at a time."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casework import selectors
from casework.models import Task
from tests.casework.test_list_pages import assert_paged, many_cases
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def _task(case, owner, days, title):
    return Task.objects.create(case=case, owner=owner, kind="other", title=title,
                               due_on=timezone.localdate() + datetime.timedelta(days=days))


def test_it_groups_tasks_by_when_they_are_due():
    today = datetime.date(2026, 12, 2)  # a Wednesday: the week runs to Sunday the 6th

    class Due:
        def __init__(self, day):
            self.due_on = datetime.date(2026, 12, day)

    tasks = [Due(1), Due(2), Due(3), Due(6), Due(7)]
    groups = {key: [t.due_on.day for t in items]
              for key, _label, items in selectors.task_groups(tasks, today)}
    assert groups == {"overdue": [1], "today": [2], "this_week": [3, 6], "later": [7]}
    assert [key for key, *_ in selectors.task_groups([Due(7)], today)] == ["later"]


def test_it_shows_only_the_users_tasks_in_their_groups(alice, bob, north):
    case = CaseFactory(team=north, caseworker=alice, stage="follow_up")
    _task(case, alice, -2, "Call the school")
    _task(case, alice, 0, "Send the letter")
    _task(case, bob, 0, "Bob's own task")
    client = Client()
    client.force_login(alice)

    page = client.get(reverse("task-list")).content.decode()

    assert page.index('id="tasks-overdue"') < page.index("Call the school")
    assert page.index('id="tasks-today"') < page.index("Send the letter")
    assert "Bob&#x27;s own task" not in page and "Bob's own task" not in page
    assert case.person.full_name in page


def test_marking_a_task_done_from_the_list_returns_to_it(alice, north):
    case = CaseFactory(team=north, caseworker=alice, stage="follow_up")
    task = _task(case, alice, 1, "Book the room")
    client = Client()
    client.force_login(alice)

    response = client.post(reverse("case-task-done", args=[case.reference, task.pk]),
                           {"back": "task-list", "revision": task.revision})

    assert response.status_code == 302 and response.url == reverse("task-list")
    task.refresh_from_db()
    assert task.done_at is not None


def test_the_task_list_is_paged_with_a_constant_query_count(client, alice, bob, north):
    bobs_case = CaseFactory(team=north, caseworker=bob, stage="follow_up")
    _task(bobs_case, bob, 0, "b")

    def grow(n):
        for other in many_cases(n, team=north, caseworker=alice):
            _task(other, alice, 1, "t")

    assert_paged(client, alice, reverse("task-list"), grow, theirs={bobs_case.reference})


@pytest.mark.parametrize("persona", ["mo", "pat", "audrey"])
def test_people_without_casework_get_no_task_list(request, persona):
    client = Client()
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("task-list")).status_code == 403
