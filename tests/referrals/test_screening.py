"""Screening: a small workflow with a recorded decision and reason for every referral.

Accept (a new case at intake, or the person's open case), decline, signpost, escalate an
immediate risk, or merge as a duplicate. Each decision needs a reason, follows the transitions,
is timed against the intake deadline, goes on the audit log and, with a case, on its timeline.
"""

import datetime

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from casework import selectors
from casework.models import Case, CaseTransition, Notification
from referrals import workflow
from referrals.models import Referral, ScreeningCheck, ScreeningDecision
from tests.factories import CaseFactory, ReferralFactory, ServiceFactory
from tests.referrals.helpers import decision_data


def _screen(client, referral, data):
    return client.post(reverse("referral-screen", args=[referral.reference]), data)


@pytest.mark.django_db
def test_accepting_opens_a_case_at_intake_on_the_timeline_and_audit_log(
    client, ivy, alice, north, new_referral
):
    client.force_login(ivy)
    response = _screen(client, new_referral, decision_data(
        "accept", team=north.pk, caseworker=alice.pk, reason="Clear concern; consents."))
    new_referral.refresh_from_db()
    case = new_referral.case
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert new_referral.status == Referral.Status.CASE_OPENED
    assert case.stage == Case.Stage.INTAKE and case.caseworker == alice
    assert case.person.first_name == new_referral.first_name
    assert new_referral.person == case.person

    decision = ScreeningDecision.objects.get()
    assert (decision.name, decision.source, decision.target) == ("accept", "new", "case_opened")
    assert decision.actor == ivy and decision.case == case and not decision.attached
    assert decision.reason == "Clear concern; consents."
    assert decision.within_deadline is True

    # On the case timeline (no stage change is invented for it).
    assert not CaseTransition.objects.filter(case=case).exists()
    entries = [e for e in selectors.case_timeline(case, ivy) if e.kind == "screening"]
    assert [e.item for e in entries] == [decision]
    assert entries[0].template == decision.timeline_template
    rendered = render_to_string(decision.timeline_template, {"entry": entries[0]})
    assert new_referral.reference in rendered and "Clear concern" in rendered and "ivy" in rendered
    page = client.get(case.get_absolute_url()).content.decode()
    timeline = page[page.index('id="timeline"'):]
    assert f"Case opened from referral {new_referral.reference}" in timeline
    assert "Clear concern; consents." in timeline

    # The audit log: the decision row (reason masked) and the referral's status change.
    created = LogEntry.objects.get_for_object(decision).get(action=LogEntry.Action.CREATE)
    assert created.actor == ivy and created.changes_dict["reason"][1] == "[encrypted]"
    status_changes = [
        entry.changes_dict["status"]
        for entry in LogEntry.objects.get_for_object(new_referral).filter(
            action=LogEntry.Action.UPDATE, actor=ivy)
        if "status" in entry.changes_dict
    ]
    assert status_changes == [["new", "case_opened"]]


@pytest.mark.parametrize("decision", ["accept", "decline", "signpost", "escalate", "merge"])
@pytest.mark.django_db
def test_every_decision_needs_a_reason(client, ivy, north, new_referral, decision):
    client.force_login(ivy)
    other = ReferralFactory()
    fields = {
        "accept": {"team": north.pk},
        "decline": {},
        "signpost": {"signposted_to": "Youth club"},
        "escalate": {"contacted": "law_enforcement",
                     "contacted_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")},
        "merge": {"duplicate_of": other.reference},
    }[decision]
    response = _screen(client, new_referral, decision_data(decision, reason="  ", **fields))
    assert response.status_code == 400
    assert "a reason is required for every decision" in response.content.decode()
    new_referral.refresh_from_db()
    assert new_referral.status == "new" and not ScreeningDecision.objects.exists()
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_declining_records_the_reason_and_opens_nothing(client, ivy, new_referral):
    client.force_login(ivy)
    response = _screen(client, new_referral, decision_data("decline", reason="No concern."))
    assert response.status_code == 302
    new_referral.refresh_from_db()
    assert new_referral.status == "declined" and new_referral.case is None
    assert new_referral.decided_at is not None
    assert ScreeningDecision.objects.get().name == "decline"
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_signposting_says_which_service(client, ivy, new_referral):
    service = ServiceFactory(name="Family mediation")
    client.force_login(ivy)
    refused = _screen(client, new_referral, decision_data("signpost", reason="Family issue."))
    assert refused.status_code == 400
    assert "Say which service" in refused.content.decode()
    _screen(client, new_referral, decision_data(
        "signpost", signposted_service=service.pk, reason="Family issue."))
    decision = ScreeningDecision.objects.get()
    assert decision.signposted_service == service
    new_referral.refresh_from_db()
    assert new_referral.status == "signposted"
    page = client.get(reverse("referral-detail", args=[new_referral.reference])).content.decode()
    assert "Family mediation" in page


@pytest.mark.django_db
def test_escalating_records_who_was_contacted_and_when(client, ivy, new_referral):
    client.force_login(ivy)
    when = (timezone.localtime() - datetime.timedelta(minutes=20)).replace(second=0,
                                                                            microsecond=0)
    missing = _screen(client, new_referral, decision_data("escalate", reason="Threat today."))
    assert missing.status_code == 400
    body = missing.content.decode()
    assert "Who was contacted" in body and "When they were contacted" in body
    future = _screen(client, new_referral, decision_data(
        "escalate", contacted="both", reason="Threat today.",
        contacted_at=(when + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")))
    assert "cannot be in the future" in future.content.decode()

    _screen(client, new_referral, decision_data(
        "escalate", contacted="both", contacted_at=when.strftime("%Y-%m-%dT%H:%M"),
        contact_reference="CAD-2026-118", reason="Threat of violence today."))
    decision = ScreeningDecision.objects.get()
    assert decision.contacted == "both" and decision.contacted_at == when
    assert decision.contact_reference == "CAD-2026-118"
    new_referral.refresh_from_db()
    assert new_referral.status == "escalated"
    # Still in the inbox, awaiting the follow-on decision, and can then be accepted.
    assert new_referral.reference in client.get(reverse("referral-inbox")).content.decode()
    page = client.get(reverse("referral-detail", args=[new_referral.reference])).content.decode()
    assert 'data-decision="accept"' in page and 'form method="post" action' in page
    assert 'data-decision="escalate" aria-labelledby' not in page  # not escalated twice


@pytest.mark.django_db
def test_an_escalated_referral_can_then_be_accepted(client, ivy, north, new_referral):
    client.force_login(ivy)
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    _screen(client, new_referral, decision_data(
        "escalate", contacted="emergency", contacted_at=now, reason="Danger."))
    response = _screen(client, new_referral, decision_data(
        "accept", status="escalated", team=north.pk, reason="Support after police response."))
    assert response.status_code == 302
    new_referral.refresh_from_db()
    assert new_referral.status == "case_opened"
    assert list(new_referral.decisions.order_by("at", "pk").values_list("name", flat=True)) == [
        "escalate", "accept"]


@pytest.mark.django_db
def test_merging_points_at_the_referral_it_duplicates(client, ivy, new_referral):
    original = ReferralFactory()
    client.force_login(ivy)
    for bad, message in [("R-ZZZZZZZZ", "No referral has that reference."),
                         (new_referral.reference, "cannot duplicate itself")]:
        response = _screen(client, new_referral, decision_data(
            "merge", duplicate_of=bad, reason="Same person."))
        assert response.status_code == 400 and message in response.content.decode()
    _screen(client, new_referral, decision_data(
        "merge", duplicate_of=original.reference.lower(), reason="Same person, same week."))
    new_referral.refresh_from_db()
    assert new_referral.status == "merged" and new_referral.duplicate_of == original
    # A merged referral cannot itself be the target of a merge.
    third = ReferralFactory()
    response = _screen(client, third, decision_data(
        "merge", duplicate_of=new_referral.reference, reason="Same."))
    assert "was itself merged" in response.content.decode()


@pytest.mark.django_db
def test_a_screened_referral_cannot_be_decided_again(client, ivy, north, new_referral):
    client.force_login(ivy)
    _screen(client, new_referral, decision_data("decline", reason="No concern."))
    response = _screen(client, new_referral, decision_data(
        "accept", status="declined", team=north.pk, reason="Changed my mind."))
    assert response.status_code == 400
    assert "already been screened" in response.content.decode()
    new_referral.refresh_from_db()
    assert new_referral.status == "declined" and not Case.objects.exists()


@pytest.mark.django_db
def test_a_decision_on_a_stale_page_changes_nothing(client, ivy, sam, new_referral):
    """Two screeners: the second one's page still says "new"; they get a 409."""
    client.force_login(ivy)
    _screen(client, new_referral, decision_data("decline", reason="No concern."))
    client.force_login(sam)
    response = _screen(client, new_referral, decision_data("signpost", signposted_to="X",
                                                           reason="Elsewhere."))
    assert response.status_code == 409
    assert ScreeningDecision.objects.count() == 1


@pytest.mark.django_db
def test_concurrent_decisions_cannot_both_win(ivy, sam, north, new_referral):
    """Both screeners loaded the referral as new; the second save is refused."""
    mine = Referral.objects.get(pk=new_referral.pk)
    theirs = Referral.objects.get(pk=new_referral.pk)
    workflow.screen_referral(mine, "decline", actor=ivy, reason="No concern.")
    with pytest.raises(workflow.StaleReferral):
        workflow.screen_referral(theirs, "accept", actor=sam, reason="Yes.", team=north)
    assert ScreeningDecision.objects.count() == 1 and not Case.objects.exists()


@pytest.mark.parametrize("persona", ["alice", "bob", "carol", "mo", "pat", "audrey", "adam"])
@pytest.mark.django_db
def test_only_intake_and_supervisors_may_screen(request, persona, new_referral, north):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        workflow.screen_referral(new_referral, "decline", actor=user, reason="No.")
    with pytest.raises(PermissionDenied):
        workflow.record_check(new_referral, actor=user, kind="records",
                              checked_on=timezone.localdate(), outcome="clear")
    assert not ScreeningDecision.objects.exists()


@pytest.mark.django_db
def test_supervisors_may_screen(sofia, new_referral):
    workflow.screen_referral(new_referral, "decline", actor=sofia, reason="Not for us.")
    assert new_referral.status == "declined"


@pytest.mark.django_db
def test_a_decision_after_the_deadline_is_measured_as_late(ivy):
    with freeze_time("2026-03-06 10:00:00"):  # a Friday
        referral = ReferralFactory()
    assert timezone.localtime(referral.due_at).date() == datetime.date(2026, 3, 10)  # Tuesday
    with freeze_time("2026-03-11 09:00:00"):
        decision = workflow.screen_referral(referral, "decline", actor=ivy, reason="Late.")
    assert decision.within_deadline is False and referral.decided_within_deadline is False
    with freeze_time("2026-03-06 10:00:00"):
        on_time = ReferralFactory()
    with freeze_time("2026-03-09 16:00:00"):
        assert workflow.screen_referral(on_time, "decline", actor=ivy,
                                        reason="In time.").within_deadline is True


@pytest.mark.django_db
def test_the_deadline_is_a_setting(settings):
    settings.REFERRAL_INTAKE_WORKING_DAYS = 5
    with freeze_time("2026-03-06 10:00:00"):
        referral = ReferralFactory()
    assert timezone.localtime(referral.due_at).date() == datetime.date(2026, 3, 13)


@pytest.mark.django_db
def test_checks_before_the_decision_record_date_and_outcome_only(client, ivy, new_referral):
    client.force_login(ivy)
    url = reverse("referral-check", args=[new_referral.reference])
    future = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert client.post(url, {"kind": "deconfliction", "checked_on": future,
                             "outcome": "clear"}).status_code == 400
    response = client.post(url, {"kind": "deconfliction", "checked_on": "2026-01-05",
                                 "outcome": "coordinate", "note": "Subject of an operation"})
    assert response.status_code == 302
    check = ScreeningCheck.objects.get()
    assert (check.kind, str(check.checked_on), check.outcome) == (
        "deconfliction", "2026-01-05", "coordinate")
    assert check.recorded_by == ivy
    assert not hasattr(check, "note")  # no free text: no intelligence content
    page = client.get(reverse("referral-detail", args=[new_referral.reference])).content.decode()
    assert "Law-enforcement deconfliction" in page and "Subject of an operation" not in page
    assert LogEntry.objects.get_for_object(check).filter(actor=ivy).exists()


@pytest.mark.django_db
def test_an_acknowledgement_says_only_what_policy_allows(
    client, ivy, north, settings, django_capture_on_commit_callbacks
):
    referral = ReferralFactory(referrer_contact="aunt@example.invalid", first_name="Zebulon")
    settings.REFERRAL_ACKNOWLEDGEMENT = "received"
    client.force_login(ivy)
    with django_capture_on_commit_callbacks(execute=True):
        _screen(client, referral, decision_data("accept", team=north.pk, acknowledge="on",
                                                reason="Support offered."))
    message = mail.outbox[-1]
    assert message.to == ["aunt@example.invalid"]
    assert referral.reference in message.subject and referral.reference in message.body
    assert "Zebulon" not in message.body and "support" not in message.body.lower()
    referral.refresh_from_db()
    assert referral.acknowledged_at is not None


@pytest.mark.parametrize(
    "level, expected, absent",
    [
        ("received", "We received your referral", "reviewed"),
        ("reviewed", "Our intake team has reviewed it.", "will not be taking it further"),
        ("outcome", "The service will not be taking it further.", None),
    ],
)
@pytest.mark.django_db
def test_the_policy_decides_what_the_acknowledgement_says(ivy, settings, level, expected, absent):
    settings.REFERRAL_ACKNOWLEDGEMENT = level
    referral = ReferralFactory(referrer_contact="aunt@example.invalid")
    workflow.screen_referral(referral, "decline", actor=ivy, reason="No.")
    text = workflow.acknowledgement_text(referral)
    assert expected in text and "911" in text
    if absent:
        assert absent not in text


@pytest.mark.django_db
def test_no_acknowledgement_without_an_email_address_or_when_switched_off(ivy, settings):
    by_phone = ReferralFactory(referrer_contact="555-0100")
    with pytest.raises(workflow.ScreeningRefused):
        workflow.screen_referral(by_phone, "decline", actor=ivy, reason="No.", acknowledge=True)
    settings.REFERRAL_ACKNOWLEDGEMENT = "off"
    by_email = ReferralFactory(referrer_contact="a@example.invalid")
    assert not workflow.can_acknowledge(by_email)


@pytest.mark.django_db
def test_accepting_onto_the_persons_open_case_tells_its_staff(
    client, ivy, alice, sam, north, jose, django_capture_on_commit_callbacks
):
    """The coordinator cannot see alice's case (it is past intake), yet can add the referral to
    it; alice and her supervisor are told, and the decision is on the case timeline."""
    case = CaseFactory(person=jose, team=north, caseworker=alice, stage=Case.Stage.ASSESSMENT)
    referral = ReferralFactory(first_name="José", last_name="Álvarez",
                               date_of_birth=datetime.date(1990, 3, 4))
    client.force_login(ivy)
    client.post(reverse("referral-link", args=[referral.reference]), {"person": jose.reference})
    page = client.get(reverse("referral-detail", args=[referral.reference])).content.decode()
    assert "Add to the open case held by North" in page
    assert case.reference not in page.replace(f'value="{case.reference}"', "")
    with django_capture_on_commit_callbacks(execute=True):
        response = _screen(client, referral, decision_data(
            "accept", attach_to=case.reference, reason="New concern on a live case."))
    assert response.status_code == 302
    assert response["Location"] == reverse("referral-detail", args=[referral.reference])
    referral.refresh_from_db()
    assert referral.case == case and referral.status == "case_opened"
    assert Case.objects.count() == 1
    decision = ScreeningDecision.objects.get()
    assert decision.attached and decision.case == case
    entries = [e for e in selectors.case_timeline(case, alice) if e.kind == "screening"]
    assert [e.item for e in entries] == [decision]
    case.refresh_from_db()
    assert case.stage == Case.Stage.ASSESSMENT
    for user in (alice, sam):
        note = Notification.objects.get(user=user)
        assert referral.reference in note.message and "José" not in note.message
    # alice now sees the referral that joined her case; bob does not.
    client.force_login(alice)
    assert client.get(reverse("referral-detail", args=[referral.reference])).status_code == 200


@pytest.mark.django_db
def test_only_the_linked_persons_open_cases_can_be_joined(ivy, alice, north, jose):
    stranger_case = CaseFactory(team=north, caseworker=alice)
    referral = ReferralFactory(first_name="jose", last_name="alvarez",
                               date_of_birth=datetime.date(1990, 3, 4))
    with pytest.raises(workflow.ScreeningRefused):  # not linked yet
        workflow.screen_referral(referral, "accept", actor=ivy, reason="x",
                                 attach_to=stranger_case.reference)
    workflow.link_person(referral, jose.reference, actor=ivy)
    with pytest.raises(workflow.ScreeningRefused):  # someone else's case
        workflow.screen_referral(referral, "accept", actor=ivy, reason="x",
                                 attach_to=stranger_case.reference)
    assert referral.case is None
