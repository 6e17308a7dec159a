"""Sending a provider referral, its life (django-fsm, FHIR Task statuses), and consent gating.

alice holds a North case; pat works for the mentoring organisation the referral goes to; quinn
works for another provider. sam supervises North.
"""

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from casework import workflow as case_workflow
from casework.models import Case, Notification
from providers.models import Organization
from referrals import outgoing
from referrals.models import ProviderReferral, ProviderReferralEvent
from tests.factories import (
    partner_organization,
    sent_provider_referral,
    sharing_consent,
)

CANARY_LAST_NAME = "Zyxcanaryson"

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(alice, north, sam):
    from tests.factories import CaseFactory, PersonFactory

    person = PersonFactory(first_name="Testjo", last_name=CANARY_LAST_NAME, phone="555 0100",
                           email="testjo@test.invalid")
    return CaseFactory(team=north, caseworker=alice, person=person, stage=Case.Stage.SERVICE_PLAN)


@pytest.fixture
def referral(case, mentoring, alice):
    return sent_provider_referral(case, mentoring, by=alice)


# --- Sending ----------------------------------------------------------------------------------


def test_it_sends_a_referral_with_consent_and_an_active_agreement(
    case, mentoring, alice, pat, django_capture_on_commit_callbacks
):
    sharing_consent(case, by=alice, organization=mentoring.organization)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        referral = outgoing.send_provider_referral(
            case, actor=alice, service=mentoring, share=["first_name", "need"], need="A mentor."
        )
    assert len(callbacks) == 1  # the provider is told only after commit
    referral.refresh_from_db()
    assert referral.status == ProviderReferral.Status.REQUESTED
    assert referral.reference.startswith("PR-")
    assert referral.organization == mentoring.organization
    assert referral.sent_by == alice and referral.sent_at is not None
    assert referral.respond_by > referral.sent_at
    assert referral.first_contact_by > referral.respond_by
    event = referral.events.get()
    assert (event.source, event.target, event.actor, event.name) == (
        "draft", "requested", alice, "send")
    notice = Notification.objects.get(user=pat)
    assert referral.reference in notice.message
    assert "Testjo" not in notice.message and CANARY_LAST_NAME not in notice.message


def test_a_category_consent_covers_every_provider_of_that_category(case, mentoring, alice):
    sharing_consent(case, by=alice, category="mentoring")
    referral = sent_provider_referral(case, mentoring, by=alice, consent=False)
    assert referral.status == ProviderReferral.Status.REQUESTED


@pytest.mark.parametrize("problem", ["none", "other_org", "other_category", "withdrawn",
                                     "expired", "support_only", "future"])
def test_it_refuses_to_send_without_a_sharing_consent_in_force(case, mentoring, alice, problem):
    today = timezone.localdate()
    if problem == "other_org":
        sharing_consent(case, by=alice, organization=partner_organization("Elsewhere"))
    elif problem == "other_category":
        sharing_consent(case, by=alice, category="housing")
    elif problem == "withdrawn":
        consent = sharing_consent(case, by=alice, organization=mentoring.organization)
        case_workflow.withdraw_consent(consent, actor=alice)
    elif problem == "expired":
        sharing_consent(case, by=alice, organization=mentoring.organization,
                        given_on=today - datetime.timedelta(days=30),
                        expires_on=today - datetime.timedelta(days=1))
    elif problem == "support_only":
        case_workflow.record_consent(case, actor=alice, method="written", given_on=today,
                                     purpose="support")
    elif problem == "future":
        sharing_consent(case, by=alice, organization=mentoring.organization,
                        given_on=today + datetime.timedelta(days=1))

    with pytest.raises(outgoing.ConsentMissing) as refused:
        sent_provider_referral(case, mentoring, by=alice, consent=False)

    assert "consent" in refused.value.messages[0]
    assert ProviderReferral.objects.count() == 0
    assert ProviderReferralEvent.objects.count() == 0


@pytest.mark.parametrize("agreement", ["expired", "suspended", "none"])
def test_it_refuses_to_send_to_an_organisation_without_an_active_agreement(
    case, mentoring, alice, agreement
):
    org = mentoring.organization
    if agreement == "expired":
        org.agreement_expires_on = timezone.localdate() - datetime.timedelta(days=1)
    else:
        org.agreement_status = agreement
    org.save()

    with pytest.raises(outgoing.ReferralRefused) as refused:
        sent_provider_referral(case, mentoring, by=alice)

    assert any("data-sharing agreement" in message for message in refused.value.messages)
    assert ProviderReferral.objects.count() == 0


def test_the_send_page_refuses_without_consent_with_a_clear_message_and_saves_nothing(
    client, case, mentoring, alice
):
    client.force_login(alice)
    url = reverse("provider-referral-new", args=[case.reference])
    assert client.get(url).status_code == 200

    response = client.post(url, {"service": mentoring.pk, "share": ["first_name", "need"],
                                 "need": "A mentor.", "contact": "caseworker"})

    assert response.status_code == 400
    assert "No sharing consent in force covers Test Mentoring Org" in response.content.decode()
    assert ProviderReferral.objects.count() == 0


def test_the_send_page_sends_and_redirects_to_the_referral(client, case, mentoring, alice):
    sharing_consent(case, by=alice, organization=mentoring.organization)
    client.force_login(alice)

    response = client.post(
        reverse("provider-referral-new", args=[case.reference]),
        {"service": mentoring.pk, "share": ["first_name", "need"], "need": "A mentor.",
         "contact": "caseworker"},
    )

    referral = ProviderReferral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == referral.get_absolute_url()
    assert referral.reference in response["Location"] and case.reference not in response["Location"]


def test_only_the_case_staff_may_send(case, mentoring, alice, bob, carol, pat):
    from django.core.exceptions import PermissionDenied

    sharing_consent(case, by=alice, organization=mentoring.organization)
    for outsider in (bob, carol, pat):
        with pytest.raises(PermissionDenied):
            outgoing.send_provider_referral(case, actor=outsider, service=mentoring,
                                            share=["first_name"])
    assert ProviderReferral.objects.count() == 0


# --- The minimum-necessary summary ---------------------------------------------------------------


def test_the_summary_holds_only_the_chosen_fields(case, mentoring, alice):
    from casework.models import Assessment

    Assessment.objects.create(case=case, needs_summary="Secret assessment detail.",
                              completed_by=alice, completed_at=timezone.now(), risk_level="low")
    referral = sent_provider_referral(case, mentoring, by=alice,
                                      share=["first_name", "need"], contact="phone")

    assert referral.shared_fields == ["first_name", "need"]
    assert referral.shared_first_name == "Testjo"
    assert referral.shared_need == "Test need: a mentor."
    assert referral.shared_contact == "" and referral.shared_assessment == ""
    assert referral.shared_goal == "" and referral.shared_note == ""


def test_assessment_detail_is_shared_only_when_chosen(case, mentoring, alice):
    from casework.models import Assessment

    Assessment.objects.create(case=case, needs_summary="Chosen assessment detail.",
                              completed_by=alice, completed_at=timezone.now(), risk_level="low")
    # Health data: only under a consent that names it (tests/privacy/test_consent.py).
    sharing_consent(case, by=alice, organization=mentoring.organization, data_categories="health")
    referral = sent_provider_referral(case, mentoring, by=alice, consent=False,
                                      share=["first_name", "contact", "assessment"],
                                      contact="phone")
    assert referral.shared_assessment == "Chosen assessment detail."
    assert referral.shared_contact == "By phone: 555 0100"


def test_the_summary_is_encrypted_at_rest(referral):
    with connection.cursor() as cursor:
        cursor.execute("SELECT shared_first_name, shared_need FROM referrals_providerreferral")
        row = cursor.fetchone()
    assert "Testjo" not in row[0] and "mentor" not in row[1]


def test_the_provider_page_shows_only_the_snapshot(client, referral, pat):
    client.force_login(pat)
    page = client.get(referral.get_absolute_url()).content.decode()
    assert "Testjo" in page and "Test need: a mentor." in page
    assert CANARY_LAST_NAME not in page and "555 0100" not in page
    assert referral.case.reference not in page


# --- Transitions, permissions and reasons --------------------------------------------------------


def test_the_provider_answers_and_reports_progress(
    referral, pat, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outgoing.accept(referral, actor=pat)
        outgoing.hold(referral, actor=pat, note="Waitlisted for two weeks.")
        outgoing.resume(referral, actor=pat)
        outgoing.complete(referral, actor=pat, outcome="goal_met")

    referral.refresh_from_db()
    assert referral.status == ProviderReferral.Status.COMPLETED
    assert referral.outcome == "goal_met" and referral.started_at is not None
    steps = list(referral.events.order_by("at", "pk").values_list("source", "target"))
    assert steps == [("draft", "requested"), ("requested", "accepted"), ("accepted", "on-hold"),
                     ("on-hold", "in-progress"), ("in-progress", "completed")]
    assert Notification.objects.filter(user=alice).count() == 4


def test_the_sender_cannot_answer_for_the_provider(referral, alice, sam, quinn):
    from django.core.exceptions import PermissionDenied

    for user in (alice, sam, quinn):
        with pytest.raises(PermissionDenied):
            outgoing.accept(referral, actor=user)
    referral.refresh_from_db()
    assert referral.status == ProviderReferral.Status.REQUESTED


def test_either_side_may_cancel_with_a_reason(referral, case, mentoring, alice, pat):
    with pytest.raises(outgoing.ReferralRefused):
        outgoing.cancel(referral, actor=alice, reason="")
    outgoing.cancel(referral, actor=alice, reason="referred_elsewhere")
    referral.refresh_from_db()
    assert (referral.status, referral.status_reason) == ("cancelled", "referred_elsewhere")

    second = sent_provider_referral(case, mentoring, by=alice, consent=False)
    outgoing.accept(second, actor=pat)
    outgoing.cancel(second, actor=pat, reason="client_declined")
    assert second.status == "cancelled"


def test_rejection_and_failure_need_a_coded_reason(referral, case, mentoring, alice, pat):
    with pytest.raises(outgoing.ReferralRefused) as refused:
        outgoing.reject(referral, actor=pat, reason="")
    assert refused.value.messages == ["Choose a reason."]
    with pytest.raises(outgoing.ReferralRefused):
        outgoing.reject(referral, actor=pat, reason="expired")  # the system's own reason
    with pytest.raises(outgoing.ReferralRefused):
        outgoing.reject(referral, actor=pat, reason="other")  # "other" needs a note
    outgoing.reject(referral, actor=pat, reason="no_capacity")
    assert referral.events.get(name="reject").reason == "no_capacity"

    second = sent_provider_referral(case, mentoring, by=alice, consent=False)
    outgoing.accept(second, actor=pat)
    outgoing.start(second, actor=pat)
    outgoing.fail(second, actor=pat, reason="could_not_contact")
    assert (second.status, second.status_reason) == ("failed", "could_not_contact")


def test_completion_needs_an_outcome(referral, pat):
    outgoing.accept(referral, actor=pat)
    outgoing.start(referral, actor=pat)
    with pytest.raises(outgoing.ReferralRefused) as refused:
        outgoing.complete(referral, actor=pat, outcome="")
    assert refused.value.messages == ["Choose the outcome."]


def test_a_closed_referral_cannot_move(referral, pat):
    outgoing.reject(referral, actor=pat, reason="not_eligible")
    with pytest.raises(outgoing.ReferralRefused) as refused:
        outgoing.accept(referral, actor=pat)
    assert "not possible now" in refused.value.messages[0]


def test_a_stale_page_is_refused_with_nothing_changed(referral, pat):
    outgoing.accept(referral, actor=pat)
    with pytest.raises(outgoing.StaleProviderReferral):
        outgoing.take_transition(referral, "reject", actor=pat, reason="no_capacity",
                                 expected_status="requested")
    assert referral.events.count() == 2


def test_two_people_answering_at_once_get_a_clear_conflict(referral, pat, alice):
    """Both loaded the referral as requested; the second save finds it moved (409, no change)."""
    mine = ProviderReferral.objects.get(pk=referral.pk)
    theirs = ProviderReferral.objects.get(pk=referral.pk)
    outgoing.accept(mine, actor=pat)
    with pytest.raises(outgoing.StaleProviderReferral):
        outgoing.cancel(theirs, actor=alice, reason="referred_elsewhere")
    referral.refresh_from_db()
    assert referral.status == "accepted"
    assert referral.events.count() == 2


def test_the_act_page_answers_409_to_a_stale_form(client, referral, pat):
    outgoing.accept(referral, actor=pat)
    client.force_login(pat)
    response = client.post(reverse("provider-referral-act", args=[referral.reference]),
                           {"action": "reject", "expected_status": "requested",
                            "reason": "no_capacity"})
    assert response.status_code == 409
    assert "Someone else changed this referral" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == "accepted"


# --- Consent withdrawal and the agreement cut access at once ------------------------------------


def test_withdrawing_consent_cuts_the_providers_access_at_once(client, referral, alice, pat):
    client.force_login(pat)
    url = referral.get_absolute_url()
    assert "Testjo" in client.get(url).content.decode()

    consent = referral.case.consents.get()
    client.force_login(alice)
    response = client.post(reverse("case-consent-withdraw",
                                   args=[referral.case.reference, consent.pk]))
    assert response.status_code == 302

    client.force_login(pat)
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200
    assert "Access withdrawn — details no longer available" in body
    assert "Testjo" not in body and "Test need" not in body
    portal = client.get(reverse("provider-referral-portal")).content.decode()
    assert "Access withdrawn — details no longer available" in portal
    refused = client.post(reverse("provider-referral-act", args=[referral.reference]),
                          {"action": "accept", "expected_status": "requested"})
    # The referral itself was cancelled with the consent (tests/privacy/test_consent.py): the
    # provider's page was stale, and nothing changes.
    assert refused.status_code == 409
    referral.refresh_from_db()
    assert (referral.status, referral.status_reason) == ("cancelled", "consent_withdrawn")


def test_an_expired_agreement_cuts_the_providers_access(client, referral, pat):
    org = referral.organization
    org.agreement_expires_on = timezone.localdate() - datetime.timedelta(days=1)
    org.save()
    client.force_login(pat)
    body = client.get(referral.get_absolute_url()).content.decode()
    assert "Access withdrawn — details no longer available" in body  # what, never why
    assert "Testjo" not in body
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied from the verb
        outgoing.accept(referral, actor=pat)


def test_the_caseworker_still_sees_the_referral_after_withdrawal(client, referral, alice):
    consent = referral.case.consents.get()
    case_workflow.withdraw_consent(consent, actor=alice)
    client.force_login(alice)
    response = client.get(referral.get_absolute_url())
    assert response.status_code == 200
    assert "Testjo" in response.content.decode()


def test_a_withdrawn_consent_cannot_be_withdrawn_twice(client, referral, alice):
    consent = referral.case.consents.get()
    client.force_login(alice)
    url = reverse("case-consent-withdraw", args=[referral.case.reference, consent.pk])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 404


# --- The consent form ------------------------------------------------------------------------


def test_the_consent_form_needs_an_organisation_or_category_to_share(client, case, alice):
    client.force_login(alice)
    url = reverse("case-consent", args=[case.reference])
    today = timezone.localdate().isoformat()
    response = client.post(url, {"purpose": "sharing", "given_by": "person", "method": "written",
                                 "given_on": today})
    assert response.status_code == 400
    assert "must name an organisation or a category" in response.content.decode()

    response = client.post(url, {"purpose": "sharing", "service_category": "mentoring",
                                 "given_by": "parent", "method": "written", "given_on": today,
                                 "expires_on": today})
    assert response.status_code == 302
    consent = case.consents.get()
    assert (consent.service_category, consent.given_by) == ("mentoring", "parent")


def test_the_consent_form_refuses_an_expiry_before_it_was_given(client, case, alice):
    client.force_login(alice)
    org = partner_organization("Form Org")
    response = client.post(reverse("case-consent", args=[case.reference]), {
        "purpose": "sharing", "organization": org.pk, "given_by": "person", "method": "verbal",
        "given_on": timezone.localdate().isoformat(), "expires_on": "2020-01-01",
    })
    assert response.status_code == 400
    assert case.consents.count() == 0


# --- The case page and its timeline ----------------------------------------------------------


def test_the_case_page_lists_the_referrals_and_the_timeline_shows_each_change(
    client, referral, alice, pat
):
    outgoing.accept(referral, actor=pat)
    outgoing.reject  # noqa: B018 - the accepted referral stays open
    client.force_login(alice)
    body = client.get(referral.case.get_absolute_url()).content.decode()
    assert 'id="provider-referrals"' in body and referral.reference in body
    assert body.count('data-kind="provider_referral"') == 2
    assert "Sent, awaiting an answer → Accepted" in body


def test_organization_model_agrees_with_the_referral_rule(mentoring):
    assert Organization.objects.with_active_agreement().filter(pk=mentoring.organization_id)


def test_a_plan_in_force_links_each_goal_to_the_send_form(client, case, alice, sam):
    from casework.models import PlanGoal, ServicePlan

    plan = ServicePlan.objects.create(case=case, created_by=alice, approved_by=sam,
                                      approved_at=timezone.now())
    goal = PlanGoal.objects.create(plan=plan, description="Test goal: find a mentor.")
    client.force_login(alice)
    body = client.get(reverse("case-plan-detail", args=[case.reference, plan.pk])).content.decode()
    link = reverse("provider-referral-new", args=[case.reference]) + f"?goal={goal.pk}"
    assert link in body
    form = client.get(link).content.decode()
    assert f'<option value="{goal.pk}" selected>' in form
