"""Legal holds need two privacy officers to place and to lift; erasure is decided by a second
one, refused while a hold is in force or a case is open, and leaves no name that decrypts."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from audit import chain, events, sequencer
from casework import roles
from casework.models import Case, CaseNote, Person
from casework.refusals import Refused
from casework.revisions import StaleEdit
from privacy import erasure, holds
from privacy.retention_models import Anonymisation, ErasureRequest, LegalHold
from referrals.models import Referral
from tests.factories import CaseFactory, PersonFactory, ReferralFactory, UserFactory
from tests.privacy.test_retention import clear_values_everywhere

REASON = "Litigation notice received from the city attorney."


@pytest.fixture
def priya2(db):
    return UserFactory(username="priya2", roles=[roles.PRIVACY_OFFICER])


def closed_case(**kwargs):
    return CaseFactory(stage=Case.Stage.CLOSED,
                       closed_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC), **kwargs)


def event_names(instance):
    return list(LogEntry.objects.filter(object_pk=str(instance.pk),
                                        content_type__model=instance._meta.model_name,
                                        additional_data__event__isnull=False)
                .order_by("pk").values_list("additional_data__event", flat=True))


# Holds ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_hold_needs_a_second_privacy_officer_to_confirm_and_to_lift(priya, priya2):
    case = closed_case()
    hold = holds.propose_hold(actor=priya, reference=case.reference, reason=REASON)
    assert hold.status == LegalHold.Status.PROPOSED and not hold.applies
    with pytest.raises(Refused, match="second privacy officer"):
        holds.confirm_hold(hold, actor=priya, seen_revision=hold.revision)
    hold.refresh_from_db()
    assert hold.status == LegalHold.Status.PROPOSED
    hold = holds.confirm_hold(hold, actor=priya2, seen_revision=hold.revision)
    assert hold.applies and hold.confirmed_by == priya2

    hold = holds.propose_lift(hold, actor=priya2, reason="The claim was settled.",
                              seen_revision=hold.revision)
    assert hold.applies  # still in force until a second person agrees
    with pytest.raises(Refused, match="second privacy officer"):
        holds.confirm_lift(hold, actor=priya2, seen_revision=hold.revision)
    hold = holds.confirm_lift(hold, actor=priya, seen_revision=hold.revision)
    assert hold.status == LegalHold.Status.LIFTED and not hold.applies
    assert event_names(hold) == [events.LEGAL_HOLD_PROPOSED, events.LEGAL_HOLD_CONFIRMED,
                                 events.LEGAL_HOLD_LIFT_PROPOSED, events.LEGAL_HOLD_LIFTED]


@pytest.mark.django_db
def test_a_hold_on_an_unknown_reference_or_twice_on_one_record_is_refused(priya):
    with pytest.raises(Refused, match="No person or case has the reference C-ZZZZZZZZ"):
        holds.propose_hold(actor=priya, reference="C-ZZZZZZZZ", reason=REASON)
    person = PersonFactory()
    holds.propose_hold(actor=priya, reference=person.reference, reason=REASON)
    with pytest.raises(Refused, match="already has a hold"):
        holds.propose_hold(actor=priya, reference=person.reference, reason=REASON)


@pytest.mark.django_db
def test_a_stale_page_cannot_confirm(priya, priya2):
    hold = holds.propose_hold(actor=priya, reference=closed_case().reference, reason=REASON)
    seen = hold.revision
    holds.withdraw_hold(hold, actor=priya, seen_revision=seen)
    with pytest.raises(StaleEdit):
        holds.confirm_hold(LegalHold.objects.get(pk=hold.pk), actor=priya2, seen_revision=seen)


@pytest.mark.django_db
def test_the_pages_place_and_confirm_a_hold(client, priya, priya2):
    case = closed_case()
    client.force_login(priya)
    answer = client.post(reverse("privacy-holds"), {"reference": case.reference.lower(),
                                                    "reason": REASON})
    assert answer.status_code == 302
    hold = LegalHold.objects.get()
    assert hold.case == case and hold.placed_by == priya
    same = client.post(reverse("privacy-hold-confirm", args=[hold.pk]),
                       {"revision": hold.revision})
    assert same.status_code == 400
    assert "second privacy officer" in same.content.decode()
    client.force_login(priya2)
    page = client.get(reverse("privacy-holds"))
    assert case.reference in page.content.decode()
    assert client.post(reverse("privacy-hold-confirm", args=[hold.pk]),
                       {"revision": hold.revision}).status_code == 302
    hold.refresh_from_db()
    assert hold.status == LegalHold.Status.IN_FORCE
    stale = client.post(reverse("privacy-hold-lift", args=[hold.pk]),
                        {"revision": hold.revision - 1, "reason": "The claim was settled."})
    assert stale.status_code == 409


@pytest.mark.django_db
def test_bad_input_gets_clear_messages_and_changes_nothing(client, priya):
    client.force_login(priya)
    answer = client.post(reverse("privacy-holds"), {"reference": "X-1", "reason": "short"})
    assert answer.status_code == 400
    body = answer.content.decode()
    assert "Enter a person reference such as P-7K3M9Q2A" in body
    assert "Write at least 20 characters" in body
    unknown = client.post(reverse("privacy-erasures"), {"reference": "P-ZZZZZZZZ",
                                                        "reason": "By letter of 3 May."})
    assert unknown.status_code == 400
    assert "No person has the reference P-ZZZZZZZZ" in unknown.content.decode()
    assert not LegalHold.objects.exists() and not ErasureRequest.objects.exists()


@pytest.mark.django_db
def test_a_decision_without_an_exception_is_refused_clearly(client, priya, priya2):
    made = erasure.request_erasure(actor=priya, reference=closed_case().person.reference,
                                   reason="By letter of 3 May.")
    client.force_login(priya2)
    answer = client.post(reverse("privacy-erasure-decide", args=[made.pk]),
                         {"decision": "refuse", "revision": made.revision})
    assert answer.status_code == 400
    body = answer.content.decode()
    assert "Choose the exception that applies." in body
    assert "Write why the exception applies" in body
    made.refresh_from_db()
    assert made.status == ErasureRequest.Status.PENDING


# Erasure ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_erasure_is_refused_while_a_hold_is_in_force(priya, priya2):
    case = closed_case(person=PersonFactory(first_name="Hortensia", last_name="Vandermolen"))
    hold = holds.propose_hold(actor=priya, reference=case.reference, reason=REASON)
    holds.confirm_hold(hold, actor=priya2, seen_revision=hold.revision)
    made = erasure.request_erasure(actor=priya, reference=case.person.reference,
                                   reason="By letter of 3 May.")
    with pytest.raises(Refused, match="legal hold is in force"):
        erasure.decide_erasure(made, actor=priya2, decision=erasure.ERASE,
                               seen_revision=made.revision)
    made.refresh_from_db()
    assert made.status == ErasureRequest.Status.PENDING
    assert Person.objects.get(pk=case.person_id).first_name == "Hortensia"
    made = erasure.decide_erasure(made, actor=priya2, decision=erasure.REFUSE,
                                  exception=ErasureRequest.ExceptionCode.LEGAL_HOLD,
                                  exception_reason="Hold in force until the claim is settled.",
                                  seen_revision=made.revision)
    assert made.status == ErasureRequest.Status.REFUSED
    assert made.exception == "legal_hold"
    assert event_names(made) == [events.ERASURE_REQUESTED, events.ERASURE_REFUSED]


@pytest.mark.django_db
def test_erasure_is_refused_while_a_case_is_open(priya, priya2):
    case = CaseFactory(stage=Case.Stage.FOLLOW_UP)
    made = erasure.request_erasure(actor=priya, reference=case.person.reference,
                                   reason="By letter of 3 May.")
    with pytest.raises(Refused, match=f"{case.reference} is still open"):
        erasure.decide_erasure(made, actor=priya2, decision=erasure.ERASE,
                               seen_revision=made.revision)


@pytest.mark.django_db
def test_the_officer_who_recorded_the_request_cannot_decide_it(priya):
    made = erasure.request_erasure(actor=priya, reference=closed_case().person.reference,
                                   reason="By letter of 3 May.")
    with pytest.raises(Refused, match="second privacy officer"):
        erasure.decide_erasure(made, actor=priya, decision=erasure.ERASE,
                               seen_revision=made.revision)


@pytest.mark.django_db
def test_erasure_anonymises_the_person_everywhere_and_no_name_decrypts(client, alice, priya,
                                                                        priya2):
    person = PersonFactory(first_name="Philippa", last_name="Okonkwo-Brandt",
                           phone="312 555 0100")
    case = closed_case(person=person)
    older = closed_case(person=person)
    CaseNote.objects.create(case=case, author=alice, text="Philippa called about work.")
    ReferralFactory(first_name="Philippa", last_name="Okonkwo-Brandt", person=person,
                    status=Referral.Status.DECLINED)
    made = erasure.request_erasure(actor=priya, reference=person.reference,
                                   reason="By letter of 3 May.")
    client.force_login(priya2)
    answer = client.post(reverse("privacy-erasure-decide", args=[made.pk]),
                         {"decision": "erase", "revision": made.revision})
    assert answer.status_code == 302
    made.refresh_from_db()
    assert made.status == ErasureRequest.Status.ERASED and made.decided_by == priya2
    assert made.counts["casework.Person"] == 1 and made.counts["referrals.Referral"] == 1
    values = " ".join(clear_values_everywhere())
    assert "Philippa" not in values and "Okonkwo" not in values and "555" not in values
    person.refresh_from_db()
    assert person.reference and person.first_name == ""
    assert set(Anonymisation.objects.values_list("object_id", "record_type")) == {
        (case.pk, "casework.Case"), (older.pk, "casework.Case"), (person.pk, "casework.Person")}
    assert event_names(made) == [events.ERASURE_REQUESTED, events.ERASURE_DONE]
    sequencer.seal()
    assert chain.verify().ok
    # A second request for the same person is refused: there is nothing left to erase.
    with pytest.raises(Refused, match="already been anonymised"):
        erasure.request_erasure(actor=priya, reference=person.reference, reason="Again, please.")


@pytest.mark.django_db
def test_the_request_form_is_idempotent(client, priya):
    from casework import submissions

    person = closed_case().person
    client.force_login(priya)
    data = {"reference": person.reference, "reason": "By letter of 3 May.",
            submissions.FIELD: submissions.new_token()}
    assert client.post(reverse("privacy-erasures"), data).status_code == 302
    assert client.post(reverse("privacy-erasures"), data).status_code == 302
    assert ErasureRequest.objects.count() == 1
