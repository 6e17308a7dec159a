"""No lost update on the plan, its goals and interventions, consent, tasks and the person's
details: two people act from the same page, the first is saved, the second gets 409 with what
they typed kept and the saved version shown, and nothing of theirs is written.

(Assessment drafts, follow-up outcomes and MDT minutes: test_stale_edits.py and
tests/mdt/test_minutes_stale.py; provider referrals and agendas: their own apps' tests.)
"""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casework import workflow
from casework.models import Consent, Intervention, Person, PlanGoal, ServicePlan, Task
from tests.casework.conftest import factor
from tests.factories import CaseFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def revision_in(page, form_id=None) -> str:
    """The revision the page's form (by id, or the first form with one) carries."""
    body = page.content.decode()
    if form_id is not None:
        body = body[body.index(f'id="{form_id}"'):]
    match = re.search(r'name="revision" value="(-?\d+)"', body)
    assert match, "the form carries no revision"
    return match.group(1)


def two(first, second):
    a, b = Client(), Client()
    a.force_login(first)
    b.force_login(second)
    return a, b


@pytest.fixture
def plan(assessed, alice, service, instrument):
    return workflow.draft_plan(
        assessed, actor=alice, goals="Find stable housing.", services=[service],
        need=factor(instrument, "housing_income", "housing"), frequency="weekly",
    )


@pytest.fixture
def current_plan(plan, sam):
    return workflow.approve_plan(plan, actor=sam)


# --- The plan, its goals and interventions --------------------------------------------------


def test_the_second_goal_added_from_a_stale_plan_page_is_refused_and_kept(plan, alice, sam):
    case = plan.case
    page_url = reverse("case-plan-detail", args=[case.reference, plan.pk])
    post_url = reverse("case-plan-goal", args=[case.reference, plan.pk])
    alice_client, sam_client = two(alice, sam)
    alices_page, sams_page = alice_client.get(page_url), sam_client.get(page_url)

    saved = alice_client.post(post_url, {"description": "Alice: get a job.", "frequency": "weekly",
                                         "revision": revision_in(alices_page, "goal-form")})
    refused = sam_client.post(post_url, {"description": "Sam: see a mentor.",
                                         "frequency": "weekly",
                                         "revision": revision_in(sams_page, "goal-form")})

    assert saved.status_code == 302
    assert refused.status_code == 409
    body = refused.content.decode()
    assert "Someone else saved this since you opened the page" in body
    assert "Sam: see a mentor." in body  # still in the "Add a goal" form
    assert "Alice: get a job." in body  # the plan as saved, beside it
    assert [g.description for g in PlanGoal.objects.filter(plan=plan)] == [
        "Find stable housing.", "Alice: get a job."]
    # Having seen Alice's goal, Sam sends his again from the 409 page: it is added.
    again = sam_client.post(post_url, {"description": "Sam: see a mentor.",
                                       "frequency": "weekly",
                                       "revision": revision_in(refused, "goal-form")})
    assert again.status_code == 302
    assert plan.plan_goals.count() == 3


def test_an_intervention_added_from_a_stale_page_is_refused_and_its_choice_kept(plan, alice,
                                                                               sam):
    case = plan.case
    page_url = reverse("case-plan-detail", args=[case.reference, plan.pk])
    alice_client, sam_client = two(alice, sam)
    sams_page = sam_client.get(page_url)
    alice_client.post(reverse("case-plan-goal", args=[case.reference, plan.pk]),
                      {"description": "Alice: get a job.", "frequency": "weekly",
                       "revision": revision_in(alice_client.get(page_url), "goal-form")})
    other = ServiceFactory(name="Job club")
    refused = sam_client.post(
        reverse("case-plan-intervention", args=[case.reference, plan.pk]),
        {"goal": plan.plan_goals.first().pk, "service": other.pk, "frequency": "monthly",
         "revision": revision_in(sams_page, "intervention-form")})
    assert refused.status_code == 409
    assert re.search(rf'<option value="{other.pk}" selected>', refused.content.decode())
    assert not Intervention.objects.filter(service=other).exists()


def test_a_status_set_from_a_stale_plan_page_is_refused(current_plan, alice, sam):
    case = current_plan.case
    intervention = Intervention.objects.get(goal__plan=current_plan)
    page_url = reverse("case-plan-detail", args=[case.reference, current_plan.pk])
    post_url = reverse("case-intervention-status", args=[case.reference, intervention.pk])
    alice_client, sam_client = two(alice, sam)
    alices_page, sams_page = alice_client.get(page_url), sam_client.get(page_url)

    assert alice_client.post(post_url, {"status": "completed",
                                        "revision": revision_in(alices_page)}).status_code == 302
    refused = sam_client.post(post_url, {"status": "stopped", "revision": revision_in(sams_page)})

    assert refused.status_code == 409
    assert "Someone else changed this since you opened the page" in refused.content.decode()
    intervention.refresh_from_db()
    assert intervention.status == Intervention.Status.COMPLETED


def test_revising_from_a_page_older_than_a_status_change_is_refused(current_plan, alice, sam):
    """The copy would not be the plan Sam read."""
    case = current_plan.case
    page_url = reverse("case-plan-detail", args=[case.reference, current_plan.pk])
    sam_client = Client()
    sam_client.force_login(sam)
    sams_page = sam_client.get(page_url)
    workflow.set_intervention_status(Intervention.objects.get(goal__plan=current_plan),
                                     actor=alice, status="stopped")
    refused = sam_client.post(reverse("case-plan-revise", args=[case.reference, current_plan.pk]),
                              {"revision": revision_in(sams_page, "revise-form")})
    assert refused.status_code == 409
    assert ServicePlan.objects.filter(case=case).count() == 1


def test_the_second_first_plan_is_refused_and_its_goal_waits_on_the_first_ones_page(
    assessed, alice, sam, service
):
    alice_client, sam_client = two(alice, sam)
    url = assessed.get_absolute_url()
    alices_page, sams_page = alice_client.get(url), sam_client.get(url)
    post_url = reverse("case-plan", args=[assessed.reference])

    def plan_data(page, goals):
        return {"goals": goals, "services": [service.pk], "frequency": "weekly",
                "revision": revision_in(page, "plan-form")}

    saved = alice_client.post(post_url, plan_data(alices_page, "Alice: stable housing."))
    refused = sam_client.post(post_url, plan_data(sams_page, "Sam: a tenancy course."))

    assert saved.status_code == 302
    assert refused.status_code == 409
    body = refused.content.decode()
    assert "Sam: a tenancy course." in body and "Alice: stable housing." in body
    plan = ServicePlan.objects.get(case=assessed)
    assert [goal.description for goal in plan.plan_goals.all()] == [
        "Alice: stable housing."]


def test_a_goal_added_to_a_plan_discarded_meanwhile_goes_back_to_the_first_plan_form(
    plan, alice, sam
):
    case = plan.case
    sam_client = Client()
    sam_client.force_login(sam)
    post_url = reverse("case-plan-goal", args=[case.reference, plan.pk])
    sams_page = sam_client.get(reverse("case-plan-detail", args=[case.reference, plan.pk]))
    workflow.discard_plan(plan, actor=alice)
    refused = sam_client.post(post_url,
                              {"description": "Sam: see a mentor.", "frequency": "weekly",
                               "revision": revision_in(sams_page, "goal-form")})
    assert refused.status_code == 409
    body = refused.content.decode()
    assert "The plan was discarded since you opened it" in body
    assert 'id="plan-form"' in body and "Sam: see a mentor." in body
    assert not ServicePlan.objects.filter(case=case).exists()


# --- Consent and tasks --------------------------------------------------------------------


def test_withdrawing_a_consent_from_a_stale_page_is_refused(at_assessment, alice, sam):
    consent = at_assessment.consents.get()
    alice_client, sam_client = two(alice, sam)
    url = at_assessment.get_absolute_url()
    alices_page, sams_page = alice_client.get(url), sam_client.get(url)
    post_url = reverse("case-consent-withdraw", args=[at_assessment.reference, consent.pk])

    first = alice_client.post(post_url, {"revision": revision_in(alices_page, "consent-heading")})
    withdrawn_at = Consent.objects.get(pk=consent.pk).withdrawn_at
    second = sam_client.post(post_url, {"revision": revision_in(sams_page, "consent-heading")})

    assert first.status_code == 302
    assert second.status_code == 409
    assert "Someone else changed this since you opened the page" in second.content.decode()
    consent.refresh_from_db()
    assert consent.withdrawn_at == withdrawn_at and consent.revision == 1


def test_marking_a_task_done_from_a_stale_page_is_refused(north, alice, sam):
    case = CaseFactory(team=north, caseworker=alice)
    task = workflow.add_task(case, actor=sam, title="Call the school.", owner=alice,
                             due_on=timezone.localdate() + datetime.timedelta(days=2))
    alice_client, sam_client = two(alice, sam)
    alices_page, sams_page = (alice_client.get(case.get_absolute_url()),
                              sam_client.get(case.get_absolute_url()))
    post_url = reverse("case-task-done", args=[case.reference, task.pk])

    assert alice_client.post(post_url, {"revision": revision_in(alices_page, "tasks-heading")}
                             ).status_code == 302
    refused = sam_client.post(post_url, {"revision": revision_in(sams_page, "tasks-heading")})

    assert refused.status_code == 409
    task.refresh_from_db()
    assert task.done_by == alice and task.revision == 1


def test_a_task_closed_by_the_workflow_refuses_a_post_from_before(at_assessment, alice):
    """Workflow tasks have no "Mark done" (their work closes them); a forged post that carries
    the revision from before the work was done is stale."""
    task = Task.objects.get(case=at_assessment, kind=Task.Kind.COMPLETE_ASSESSMENT)
    client = Client()
    client.force_login(alice)
    seen = task.revision
    workflow.complete_assessment(at_assessment, actor=alice, risk_level="low",
                                 needs_summary="Fine.")  # closes the task
    refused = client.post(reverse("case-task-done", args=[at_assessment.reference, task.pk]),
                          {"revision": seen})
    assert refused.status_code == 409
    task.refresh_from_db()
    assert task.done_by == alice and not task.cancelled


# --- The person's details ------------------------------------------------------------------


def details(page, **changes):
    data = {"first_name": "Willow", "last_name": "Testperson", "date_of_birth": "2004-05-06",
            "phone": "", "email": "", "address": "", "identifiers": "",
            "revision": revision_in(page, "person-form")}
    return {**data, **changes}


@pytest.fixture
def willow(north, alice):
    from tests.factories import PersonFactory

    person = PersonFactory(first_name="Willow", last_name="Testperson",
                           date_of_birth=datetime.date(2004, 5, 6))
    return CaseFactory(team=north, caseworker=alice, person=person)


def test_the_second_correction_of_a_persons_details_is_refused_and_keeps_its_text(
    willow, alice, sam
):
    url = reverse("case-person", args=[willow.reference])
    alice_client, sam_client = two(alice, sam)
    alices_page, sams_page = alice_client.get(url), sam_client.get(url)
    assert alices_page.status_code == 200

    saved = alice_client.post(url, details(alices_page, phone="312 555 0111",
                                           address="Alice: 1 Elm Street"))
    refused = sam_client.post(url, details(sams_page, phone="312 555 0199",
                                           address="Sam: 9 Oak Avenue"))

    assert saved.status_code == 302
    assert refused.status_code == 409
    body = refused.content.decode()
    assert "Sam: 9 Oak Avenue" in body and "312 555 0199" in body  # what Sam typed
    assert "Alice: 1 Elm Street" in body  # the saved version beside it
    person = Person.objects.get(pk=willow.person_id)
    assert (person.phone, person.address, person.revision) == (
        "312 555 0111", "Alice: 1 Elm Street", 1)
    again = sam_client.post(url, details(refused, phone="312 555 0199",
                                         address="Sam: 9 Oak Avenue"))
    assert again.status_code == 302
    assert Person.objects.get(pk=willow.person_id).address == "Sam: 9 Oak Avenue"


def test_a_correction_keeps_the_blind_indexes_in_step_and_is_on_the_record(willow, alice):
    from auditlog.models import LogEntry

    from casework import crypto

    client = Client()
    client.force_login(alice)
    url = reverse("case-person", args=[willow.reference])
    assert client.post(url, details(client.get(url), last_name="Testperson-Ash")).status_code == 302
    person = Person.objects.get(pk=willow.person_id)
    assert person.name_index == crypto.name_index("Willow", "Testperson-Ash")
    entry = LogEntry.objects.get_for_object(person).filter(action=LogEntry.Action.UPDATE).get()
    assert "last_name" in entry.changes_dict and "Testperson" not in str(entry.changes)


def test_only_the_people_who_edit_the_case_may_correct_the_details(willow, carol, bob):
    for stranger in (carol, bob):
        client = Client()
        client.force_login(stranger)
        assert client.get(reverse("case-person", args=[willow.reference])).status_code in (403,
                                                                                           404)
