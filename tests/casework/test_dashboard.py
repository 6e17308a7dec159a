"""The caseworker's dashboard: risk, days in stage, next due item and overdue flags; filters and
sorting; search by reference and by name, by POST only (tests/casework/test_search.py has more)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casework import selectors
from casework.models import Assessment, PersonAlias, Task
from tests.factories import CaseFactory, PersonFactory

# Marked, so pytest-django runs these before transactional tests, which flush the database.
pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def assessed(case, risk, author):
    Assessment.objects.create(case=case, risk_level=risk, needs_summary="n",
                              version=case.assessments.count() + 1, completed_by=author,
                              completed_at=timezone.now())


def results(response) -> str:
    """The search results only (the search box shows the query back, as typed)."""
    return response.content.decode().split('id="search-results"')[1].split("</section>")[0]


@pytest.fixture
def three(alice, north):
    """A high-risk case with an overdue task, a low-risk one due in a week, one not assessed."""
    high = CaseFactory(team=north, caseworker=alice, stage="follow_up", pathway="reentry")
    assessed(high, "low", alice)
    assessed(high, "high", alice)  # the latest counts
    Task.objects.create(case=high, owner=alice, kind="other", title="t",
                        due_on=TODAY() - datetime.timedelta(days=2))
    low = CaseFactory(team=north, caseworker=alice, stage="service_plan",
                      stage_entered_at=timezone.now() - datetime.timedelta(days=30))
    assessed(low, "low", alice)
    Task.objects.create(case=low, owner=alice, kind="write_plan",
                        due_on=TODAY() + datetime.timedelta(days=7))
    new = CaseFactory(team=north, caseworker=alice)
    return high, low, new


def rows(user, **filters):
    return {row.case: row for row in
            selectors.caseload_for(user, filters=selectors.CaseloadFilter(**filters))}


def test_each_row_has_risk_next_due_and_overdue_flags(three, alice):
    high, low, new = three
    caseload = rows(alice)
    assert caseload[high].risk_label == "High" and caseload[high].has_overdue_task
    assert caseload[high].next_due_label == "Task"
    assert caseload[low].risk_label == "Low" and caseload[low].next_due_label == (
        "Write the service plan")
    assert caseload[low].is_overdue and caseload[low].days_in_stage == 30  # stage limit passed
    assert not caseload[low].has_overdue_task
    assert caseload[new].risk_level == "" and caseload[new].next_due_on is None


def test_filters(three, alice):
    high, low, new = three
    assert set(rows(alice, risk="high")) == {high}
    assert set(rows(alice, risk="none")) == {new}
    assert set(rows(alice, stage="service_plan")) == {low}
    assert set(rows(alice, pathway="reentry")) == {high}
    assert set(rows(alice, overdue=True)) == {high, low}


def test_sorting(three, alice):
    high, low, new = three
    order = lambda sort: [row.case for row in selectors.caseload_for(  # noqa: E731
        alice, filters=selectors.CaseloadFilter(sort=sort))]
    assert order("risk") == [high, low, new]
    assert order("next_due") == [high, low, new]
    assert order("stage_age")[0] == low


def test_the_filter_form_on_the_page(client, three, alice):
    high, low, new = three
    client.force_login(alice)
    body = client.get(reverse("dashboard"), {"risk": "high"}).content.decode()
    table = body.split('id="caseload"')[1].split("</table>")[0]
    assert high.reference in table and low.reference not in table
    body = client.get(reverse("dashboard"), {"stage": "closed"}).content.decode()
    assert "No cases match these filters." in body


def test_the_supervisor_filters_by_caseworker(client, three, alice, bob, sam, north):
    bobs = CaseFactory(team=north, caseworker=bob)
    unassigned = CaseFactory(team=north)
    assert set(rows(sam, caseworker=bob.pk)) == {bobs}
    assert set(rows(sam, caseworker=0)) == {unassigned}
    client.force_login(sam)
    body = client.get(reverse("dashboard"), {"caseworker": bob.pk}).content.decode()
    table = body.split('id="caseload"')[1].split("</table>")[0]
    assert bobs.reference in table and three[0].reference not in table


# Search -------------------------------------------------------------------------------------


@pytest.fixture
def opal(alice, north):
    person = PersonFactory(first_name="Opal", last_name="Quinn-Ávila")
    PersonAlias.objects.create(person=person, name="Opie Q")
    return CaseFactory(team=north, caseworker=alice, person=person)


@pytest.mark.parametrize("query", ["opal quinn avila", "QUINN-ÁVILA, Opal", "opie q"])
def test_search_by_name_matches_the_normalised_name_or_an_alias(client, opal, alice, query):
    client.force_login(alice)
    response = client.post(reverse("case-search"), {"query": query})
    assert response.status_code == 200
    assert opal.reference in response.content.decode()


def test_search_by_case_or_person_reference(client, opal, alice):
    client.force_login(alice)
    for query in (opal.reference.lower(), opal.person.reference):
        assert opal.reference in client.post(reverse("case-search"),
                                              {"query": query}).content.decode()


def test_search_by_part_of_a_name_never_reaches_other_peoples_cases(client, opal, bob, carol):
    client.force_login(opal.caseworker)
    assert opal.reference in results(client.post(reverse("case-search"), {"query": "opal quin"}))
    found = results(client.post(reverse("case-search"), {"query": "opal quix"}))
    assert "No case you can see matches." in found
    for outsider in (bob, carol):
        client.force_login(outsider)
        for query in ("Opal Quinn-Avila", opal.reference):
            found = results(client.post(reverse("case-search"), {"query": query}))
            assert opal.reference not in found and "No case you can see matches." in found


def test_search_is_post_only_and_the_name_never_reaches_an_address(client, opal, alice):
    client.force_login(alice)
    assert client.get(reverse("case-search"), {"query": "Opal Quinn-Avila"}).status_code == 405
    response = client.post(reverse("case-search"), {"query": "Opal Quinn-Avila"})
    assert response.status_code == 200  # a page, not a redirect to an address with the name
    body = response.content.decode()
    assert 'method="post" action="/search/"' in body
    assert 'method="get"' not in body.split('id="case-search"')[1].split("</form>")[0]


def test_an_empty_search_is_refused_with_a_message(client, alice):
    client.force_login(alice)
    response = client.post(reverse("case-search"), {"query": " "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


@pytest.mark.parametrize("persona", ["mo", "pat", "audrey", "adam"])
def test_only_case_staff_search(request, client, opal, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(reverse("case-search"), {"query": "Opal Quinn-Avila"}).status_code == 403


def test_my_tasks_show_overdue_and_can_be_marked_done(client, three, alice):
    high = three[0]
    client.force_login(alice)
    body = client.get(reverse("dashboard")).content.decode()
    assert 'id="my-tasks"' in body and 'class="overdue"' in body
    task = Task.objects.get(case=high)
    response = client.post(reverse("case-task-done", args=[high.reference, task.pk]),
                           {"back": "dashboard"})
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    task.refresh_from_db()
    assert task.done_at and task.done_by == alice


def test_each_case_a_search_shows_is_on_the_access_record(client, opal, alice):
    from tests.casework.conftest import access_entries

    client.force_login(alice)
    searched = access_entries().filter(additional_data__part="search result")
    client.post(reverse("case-search"), {"query": "Opal Quinn-Avila"})
    assert searched.count() == 1
    entry = access_entries(opal).latest("pk")
    assert entry.additional_data["part"] == "search result" and entry.actor == alice
    client.post(reverse("case-search"), {"query": "Nobody Known"})
    assert searched.count() == 1
