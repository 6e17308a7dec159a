"""Subject access: one privacy officer opens a request, a second approves, either downloads the
export (PDF and JSON) of everything held about the person, and every step is on the record.

priya opens requests; percy is the second privacy officer.
"""

import dataclasses
import datetime
import hashlib
import json

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework import roles
from casework.models import Assessment, CaseNote, PersonAlias, PlanGoal, ServicePlan
from privacy.inventory import INVENTORY
from privacy.models import ConsentWording
from privacy.subject_access import selectors, workflow
from privacy.subject_access.models import SubjectAccessRequest
from tests.factories import (
    AgendaItemFactory,
    CaseFactory,
    ReferralFactory,
    ServiceFactory,
    UserFactory,
    partner_organization,
    sent_provider_referral,
    sharing_consent,
)
from tests.mdt.test_pdf import page_texts

NOTE = "Met at the library on Tuesday."
NEED = "A mentor for the evenings."


@pytest.fixture
def percy(db):
    """The second privacy officer."""
    return UserFactory(username="percy", roles=[roles.PRIVACY_OFFICER])


def build_history(case, *, alice, sam, pat, client, notes=1):
    """A demo-like history: an alias, consent under a versioned wording, an assessment, a plan
    with a goal, notes, a referral in, a provider referral with a shared summary, an MDT item,
    and reads by the caseworker and by the provider."""
    person = case.person
    PersonAlias.objects.create(person=person, name="Zed")
    ReferralFactory(person=person, case=case, entered_by=alice)
    wording = ConsentWording.objects.filter(purpose="sharing").first() or (
        ConsentWording.objects.create(purpose="sharing", version=1,
                                      text="I agree to share my details.", published_by=sam))
    organization = partner_organization(staff=[pat])
    service = ServiceFactory(organization=organization)
    consent = sharing_consent(case, by=alice, organization=organization, data_categories="needs")
    consent.wording = wording
    consent.save()
    Assessment.objects.create(case=case, completed_by=alice, risk_level="low",
                              version=case.assessments.count() + 1,
                              needs_summary="Needs a mentor.", completed_at=timezone.now())
    plan = ServicePlan.objects.create(case=case, created_by=alice, goals="Stay in education.",
                                      approved_by=sam, approved_at=timezone.now())
    PlanGoal.objects.create(plan=plan, description="Find a mentor.")
    for _ in range(notes):
        CaseNote.objects.create(case=case, author=alice, text=NOTE)
    referral = sent_provider_referral(case, service, by=alice, consent=False,
                                      share=["first_name", "need"], need=NEED)
    AgendaItemFactory(case=case, reasons=["manual"])
    client.force_login(alice)
    assert client.get(case.get_absolute_url()).status_code == 200
    client.force_login(pat)
    assert client.get(reverse("provider-referral-detail",
                              args=[referral.reference])).status_code == 200
    client.logout()
    return referral


@pytest.fixture
def history(north, alice, sam, pat, client):
    case = CaseFactory(team=north, caseworker=alice)
    referral = build_history(case, alice=alice, sam=sam, pat=pat, client=client)
    return case, referral


def open_and_approve(person, *, by, approver):
    sar = workflow.open_request(person, actor=by, received_on=timezone.localdate(),
                                identity_check="photo_id", identity_note="Driving licence seen.",
                                reason="Wrote asking for a copy of everything held.")
    return workflow.decide_request(sar, actor=approver, approve=True, seen_revision=sar.revision)


def download(client, user, sar, kind):
    client.force_login(user)
    return client.get(reverse(f"subject-access-export-{kind}", args=[sar.reference]))


# --- What the export holds ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_json_export_holds_every_inventory_linked_record_and_nobody_elses(
        history, north, alice, sam, pat, priya, percy, client):
    case, referral = history
    # Someone else with a history of their own, to be left out.
    other = CaseFactory(team=north, caseworker=alice)
    build_history(other, alice=alice, sam=sam, pat=pat, client=client)
    sar = open_and_approve(case.person, by=priya, approver=percy)

    response = download(client, priya, sar, "json")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    records = data["records"]
    other_export = selectors.export_for(open_and_approve(other.person, by=priya, approver=percy),
                                        actor=priya).data["records"]
    for link in selectors.person_links():
        mine = {row["id"] for row in records[link.label]["rows"]}
        theirs = {row["id"] for row in other_export[link.label]["rows"]}
        every = set(link.model._base_manager.values_list("pk", flat=True))
        assert mine | theirs == every, link.label  # every row of a linked type is someone's
        assert not mine & theirs, link.label
    held = {label for label, section in records.items() if section["rows"]}
    assert held >= {
        "casework.Person", "casework.PersonAlias", "casework.PersonSearchToken", "casework.Case",
        "casework.Consent", "casework.Assessment", "casework.ServicePlan", "casework.PlanGoal",
        "casework.CaseNote", "referrals.Referral", "referrals.ProviderReferral",
        "referrals.ProviderReferralEvent", "mdt.AgendaItem", "privacy.SubjectAccessRequest",
        "casework.CaseUserObjectPermission",
    }
    # Decrypted, with the inventory's purpose, basis and retention for each type.
    person = records["casework.Person"]["rows"][0]
    assert person["first_name"] == case.person.first_name
    assert person["name_index"] == selectors.KEYED  # a keyed HMAC is listed, not shown
    assert [row["text"] for row in records["casework.CaseNote"]["rows"]] == [NOTE]
    assert records["casework.CaseNote"]["rows"][0]["author"]["label"] == "alice"
    assert records["casework.CaseNote"]["purpose"] == str(INVENTORY["casework.CaseNote"].purpose)
    assert records["casework.Case"]["retention"] == str(INVENTORY["casework.Case"].retention)


@pytest.mark.django_db
def test_the_export_names_each_disclosure_and_who_accessed_the_record(
        history, priya, percy, pat, client):
    case, referral = history
    sar = open_and_approve(case.person, by=priya, approver=percy)

    data = json.loads(download(client, priya, sar, "json").content)

    [disclosure] = data["disclosures"]
    assert disclosure["referral"] == referral.reference
    assert disclosure["organization"] == referral.organization.name
    assert disclosure["sent_by"] == "alice"
    assert {item["field"]: item["value"] for item in disclosure["shared"]} == {
        "first_name": case.person.first_name, "need": NEED}
    [consent] = disclosure["consents"]
    assert consent["wording_version"] == 1 and consent["data_categories"] == "needs"
    readers = {(read["username"], read["part"]) for read in data["access_history"]["reads"]}
    assert ("alice", "case page") in readers
    assert ("pat", "provider summary") in readers
    assert {row["username"] for row in data["access_history"]["by_reader"]} >= {"alice", "pat"}


@pytest.mark.django_db
def test_a_consent_withdrawn_after_sending_still_shows_as_the_one_it_was_shared_under(
        history, priya, percy, alice):
    case, referral = history
    consent = case.consents.get(purpose="sharing")
    consent.withdrawn_at = timezone.now()
    consent.save()
    sar = open_and_approve(case.person, by=priya, approver=percy)
    [disclosure] = selectors.export_for(sar, actor=priya).disclosures
    assert [c["consent"] for c in disclosure["consents"]] == [consent.pk]


@pytest.mark.django_db
def test_the_pdf_export_holds_the_same_records_disclosures_and_reads(
        history, priya, percy, client):
    case, referral = history
    sar = open_and_approve(case.person, by=priya, approver=percy)

    response = download(client, percy, sar, "pdf")  # either officer may download

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    pages = page_texts(response.content)
    text = b"".join(pages)
    assert all(b"CONFIDENTIAL" in page for page in pages)
    for expected in (case.person.reference, case.person.first_name, case.reference, NOTE,
                     "Find a mentor.", referral.reference, referral.organization.name, NEED,
                     "Disclosures to service providers", "Who accessed the record",
                     "provider summary"):
        assert expected.encode() in text, expected
    for section in selectors.export_for(sar, actor=priya).sections:
        assert section.title.encode() in text, section.label


@pytest.mark.django_db
def test_every_record_type_the_inventory_links_to_a_person_is_walked():
    """The export follows the inventory's references: a type whose reference names the person
    (or a linked record) is in it; take the link out of the inventory and it is not."""
    labels = {link.label for link in selectors.person_links()}
    assert {"casework.Case", "casework.CaseNote", "casework.AssessmentRating",
            "casework.Intervention", "mdt.Decision", "referrals.BiasIncidentTriage",
            "audit.EmergencyAccess"} <= labels
    assert not labels & {"auth.User", "providers.Service", "mdt.Minutes", "auditlog.LogEntry"}
    # Parents come before the records that point at them.
    order = [link.label for link in selectors.person_links()]
    assert order.index("casework.Case") < order.index("casework.CaseNote")
    assert order.index("casework.Assessment") < order.index("casework.AssessmentRating")

    unlinked = dict(INVENTORY)
    unlinked["casework.PersonAlias"] = dataclasses.replace(
        INVENTORY["casework.PersonAlias"], reference=("id",), operational=("person",))
    assert "casework.PersonAlias" not in {link.label for link in selectors.person_links(unlinked)}


@pytest.mark.django_db
def test_the_exports_queries_do_not_grow_with_the_persons_history(
        north, alice, sam, pat, priya, percy, client):
    case = CaseFactory(team=north, caseworker=alice)
    build_history(case, alice=alice, sam=sam, pat=pat, client=client)
    sar = open_and_approve(case.person, by=priya, approver=percy)
    connection.queries_log.clear()  # a full log (9,000 entries) would cut the count short
    with CaptureQueriesContext(connection) as small:
        selectors.export_for(sar, actor=priya)

    # Ten times the notes, another provider referral and more reads.
    build_history(case, alice=alice, sam=sam, pat=pat, client=client, notes=10)
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as large:
        export = selectors.export_for(sar, actor=priya)

    assert len(export.sections[0].rows) == 1
    assert sum(export.counts.values()) > 40
    assert len(large) == len(small)
    # One per linked record type at most, one per type of record pointed at, two on the log.
    assert len(large) <= len(selectors.person_links()) + 20


# --- Two people, deny by default -------------------------------------------------------------


@pytest.mark.django_db
def test_a_caseworker_gets_404_on_the_export_and_every_subject_access_page(
        history, alice, sam, audrey, adam, priya, percy, client):
    case, _referral = history
    sar = open_and_approve(case.person, by=priya, approver=percy)
    urls = [
        reverse("subject-access-list"), reverse("subject-access-search"),
        reverse("subject-access-new", args=[case.person.reference]),
        reverse("subject-access-detail", args=[sar.reference]),
        reverse("subject-access-export-pdf", args=[sar.reference]),
        reverse("subject-access-export-json", args=[sar.reference]),
    ]
    for user in (alice, sam, audrey, adam):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user.username, url)
    exports = LogEntry.objects.filter(additional_data__event=workflow.EXPORTED)
    assert not exports.exists()


@pytest.mark.django_db
def test_the_officer_who_opened_a_request_cannot_approve_it(history, priya, client):
    case, _referral = history
    client.force_login(priya)
    response = client.post(reverse("subject-access-new", args=[case.person.reference]), {
        "received_on": timezone.localdate().isoformat(), "identity_check": "photo_id",
        "identity_note": "Passport seen.", "reason": "Asked for a copy by letter.",
    })
    assert response.status_code == 302
    sar = SubjectAccessRequest.objects.get()
    assert response["Location"] == reverse("subject-access-detail", args=[sar.reference])

    refused = client.post(reverse("subject-access-decide", args=[sar.reference]),
                          {"decision": "approve", "revision": sar.revision})

    assert refused.status_code == 400
    assert "a second privacy officer must decide it" in refused.content.decode()
    sar.refresh_from_db()
    assert sar.is_pending and sar.decided_by is None
    assert LogEntry.objects.filter(additional_data__event="refused",
                                   object_pk=str(sar.pk)).exists()


@pytest.mark.django_db
def test_no_download_before_approval_nor_after_a_decline(history, priya, percy, client):
    case, _referral = history
    sar = workflow.open_request(case.person, actor=priya, received_on=timezone.localdate(),
                                identity_check="documents", reason="By email.")
    for user in (priya, percy):
        assert download(client, user, sar, "pdf").status_code == 403
        assert download(client, user, sar, "json").status_code == 403

    client.force_login(percy)
    declined = client.post(reverse("subject-access-decide", args=[sar.reference]),
                           {"decision": "decline", "revision": sar.revision})
    assert declined.status_code == 400  # a decline says why
    client.post(reverse("subject-access-decide", args=[sar.reference]),
                {"decision": "decline", "note": "Identity not established.",
                 "revision": sar.revision})
    sar.refresh_from_db()
    assert sar.status == SubjectAccessRequest.Status.DECLINED
    assert download(client, priya, sar, "json").status_code == 403
    assert not LogEntry.objects.filter(additional_data__event=workflow.EXPORTED).exists()
    # Each refused download is on the record (audit.middleware, after the rollback).
    refused = LogEntry.objects.filter(additional_data__event="refused",
                                      additional_data__route="subject-access-export-pdf")
    assert refused.count() == 2 and set(refused.values_list("object_repr", flat=True)) == {
        sar.reference}


@pytest.mark.django_db
def test_only_the_two_officers_download_and_only_within_the_window(
        history, priya, percy, client, settings):
    case, _referral = history
    third = UserFactory(username="quentin", roles=[roles.PRIVACY_OFFICER])
    sar = open_and_approve(case.person, by=priya, approver=percy)
    assert download(client, third, sar, "json").status_code == 403
    SubjectAccessRequest.objects.filter(pk=sar.pk).update(
        decided_at=timezone.now() - datetime.timedelta(days=settings.SUBJECT_ACCESS_DOWNLOAD_DAYS
                                                       + 1))
    assert download(client, priya, sar, "json").status_code == 403


@pytest.mark.django_db
def test_a_decision_on_a_page_older_than_a_correction_is_a_409(history, priya, percy, client):
    case, _referral = history
    sar = workflow.open_request(case.person, actor=priya, received_on=timezone.localdate(),
                                identity_check="documents", reason="By email.")
    seen = sar.revision
    client.force_login(priya)
    corrected = client.post(reverse("subject-access-edit", args=[sar.reference]), {
        "received_on": timezone.localdate().isoformat(), "identity_check": "photo_id",
        "reason": "By email, and in person.", "revision": seen})
    assert corrected.status_code == 302
    client.force_login(percy)

    stale = client.post(reverse("subject-access-decide", args=[sar.reference]),
                        {"decision": "approve", "revision": seen})

    assert stale.status_code == 409
    sar.refresh_from_db()
    assert sar.is_pending and sar.reason == "By email, and in person."
    assert sar.identity_check == "photo_id"
    body = stale.content.decode()
    assert "Someone else changed this" in body or "Someone else saved this" in body
    assert f'name="revision" value="{sar.revision}"' in body  # read it, then decide again
    again = client.post(reverse("subject-access-decide", args=[sar.reference]),
                        {"decision": "approve", "revision": sar.revision})
    assert again.status_code == 302
    sar.refresh_from_db()
    assert sar.is_approved and sar.decided_by == percy


@pytest.mark.django_db
def test_the_decision_asks_for_the_second_factor_again(history, priya, percy, client, settings):
    case, _referral = history
    sar = workflow.open_request(case.person, actor=priya, received_on=timezone.localdate(),
                                identity_check="documents", reason="By email.")
    client.force_login(percy)
    settings.MFA_STEP_UP_SECONDS = -1  # the second factor given at sign-in is now too old
    response = client.post(reverse("subject-access-decide", args=[sar.reference]),
                           {"decision": "approve", "revision": sar.revision})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa-verify"))
    sar.refresh_from_db()
    assert sar.is_pending


@pytest.mark.django_db
def test_every_step_is_on_the_audit_record(history, priya, percy, client):
    case, _referral = history
    person = case.person
    client.force_login(priya)
    searched = client.post(reverse("subject-access-search"), {"query": person.reference})
    assert searched.status_code == 200
    assert person.first_name in searched.content.decode()
    client.post(reverse("subject-access-new", args=[person.reference]), {
        "received_on": timezone.localdate().isoformat(), "identity_check": "photo_id",
        "reason": "Asked in person."})
    sar = SubjectAccessRequest.objects.get()
    client.force_login(percy)
    assert client.get(reverse("subject-access-detail", args=[sar.reference])).status_code == 200
    client.post(reverse("subject-access-decide", args=[sar.reference]),
                {"decision": "approve", "revision": sar.revision})
    pdf = download(client, priya, sar, "pdf")
    assert pdf.status_code == 200
    assert download(client, percy, sar, "json").status_code == 200

    events = list(LogEntry.objects.filter(additional_data__has_key="event")
                  .values_list("additional_data__event", flat=True))
    for event in (workflow.SEARCHED, workflow.OPENED, workflow.APPROVED):
        assert event in events
    reads = LogEntry.objects.filter(object_repr=person.reference, action=LogEntry.Action.ACCESS)
    parts = list(reads.values_list("additional_data__part", flat=True))
    assert "subject access search" in parts and "subject access request" in parts
    downloads = reads.filter(additional_data__event=workflow.EXPORTED).order_by("pk")
    assert [(d.actor, d.additional_data["format"]) for d in downloads] == [
        (priya, "pdf"), (percy, "json")]
    assert downloads[0].additional_data["sha256"] == hashlib.sha256(pdf.content).hexdigest()
    assert downloads[0].additional_data["request"] == sar.reference
    # Nothing typed into the search, and no name, is on the record.
    assert not LogEntry.objects.filter(additional_data__icontains=person.first_name).exists()
    # The request's own changes are on the change log, encrypted fields masked.
    changes = LogEntry.objects.filter(object_pk=str(sar.pk),
                                      action__in=[LogEntry.Action.CREATE, LogEntry.Action.UPDATE])
    assert changes.count() >= 3  # opened, approved, downloads counted
    assert "Asked in person." not in json.dumps([c.changes for c in changes])
    sar.refresh_from_db()
    assert sar.downloads == 2
    # The export itself is nowhere in the database.
    assert not SubjectAccessRequest.objects.filter(reason__isnull=True).exists()


@pytest.mark.django_db
def test_a_request_sent_twice_is_opened_once(history, priya, client):
    case, _referral = history
    client.force_login(priya)
    url = reverse("subject-access-new", args=[case.person.reference])
    data = {"received_on": timezone.localdate().isoformat(), "identity_check": "photo_id",
            "reason": "Asked in person.", "submission_token": "3f1f6b1e-4a43-4c5a-9d62-0f6f1f4e0a11"}
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert SubjectAccessRequest.objects.count() == 1
