"""The dashboard's own task list names the person each task is about, as the caseload does,
in the same number of queries however many tasks the page shows."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.models import Task
from tests.factories import CaseFactory, PersonFactory

pytestmark = pytest.mark.django_db


def task_on_new_case(owner, team, *, first, last, caseworker=None, days=1):
    case = CaseFactory(team=team, caseworker=caseworker or owner,
                       person=PersonFactory(first_name=first, last_name=last))
    Task.objects.create(case=case, owner=owner, kind="other", title="Test task",
                        due_on=timezone.localdate() + datetime.timedelta(days=days))
    return case


def my_tasks(body: str) -> str:
    return body.split('id="my-tasks"')[1].split("</section>")[0]


def test_the_dashboard_task_list_names_each_person(client, alice, north):
    case = task_on_new_case(alice, north, first="Willow", last="Testperson")
    client.force_login(alice)

    tasks = my_tasks(client.get(reverse("dashboard")).content.decode())

    assert f"Willow Testperson · {case.reference}" in tasks


def test_a_task_on_a_case_no_longer_visible_shows_no_name(client, alice, bob, north):
    """A task left with alice on a case reassigned to bob: not listed, and no name shown."""
    task_on_new_case(alice, north, first="Hiddenname", last="Testperson", caseworker=bob)
    client.force_login(alice)
    assert "Hiddenname" not in client.get(reverse("dashboard")).content.decode()


def test_the_names_shown_are_on_the_access_record(client, alice, north):
    case = task_on_new_case(alice, north, first="Willow", last="Testperson")
    client.force_login(alice)
    client.get(reverse("dashboard"))
    entry = LogEntry.objects.filter(actor=alice, action=LogEntry.Action.ACCESS,
                                    object_repr="task names").get()
    assert entry.additional_data["records"] == [case.reference]
    assert "Willow" not in str(entry.additional_data)


def test_the_task_list_costs_the_same_for_two_tasks_or_ten(client, alice, north):
    for n in range(2):
        task_on_new_case(alice, north, first=f"First{n}", last="Testperson", days=n)
    client.force_login(alice)
    client.get(reverse("dashboard"))  # warm the session and content types
    with CaptureQueriesContext(connection) as two:
        client.get(reverse("dashboard"))

    for n in range(2, 10):
        task_on_new_case(alice, north, first=f"First{n}", last="Testperson", days=n)
    with CaptureQueriesContext(connection) as ten:
        body = client.get(reverse("dashboard")).content.decode()

    assert my_tasks(body).count("Testperson · ") == 10
    assert len(ten.captured_queries) == len(two.captured_queries)
