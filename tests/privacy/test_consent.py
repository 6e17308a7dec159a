"""Versioned consent: the wording agreed to and the data named; withdrawal ends the referrals
that relied on it; health data is shared only under a consent naming it, with its notice.

alice holds a North case; pat works for the mentoring organisation; sam supervises North;
adam administers and publishes consent wording.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import Assessment, Case, Consent, Notification, Task
from privacy import workflow
from privacy.models import ConsentWording
from referrals import outgoing
from referrals.models import ProviderReferral
from referrals.tasks import sweep_provider_referral_deadlines
from tests.factories import (
    CaseFactory,
    PersonFactory,
    ServiceFactory,
    partner_organization,
    sent_provider_referral,
    sharing_consent,
)

pytestmark = pytest.mark.django_db
CANARY = "Zyxwithdrawn"


@pytest.fixture
def mentoring(pat):
    organization = partner_organization("Test Mentoring Org", staff=[pat])
    return ServiceFactory(organization=organization, name="Youth mentoring", category="mentoring")


@pytest.fixture
def case(alice, north, sam):
    person = PersonFactory(first_name=CANARY, last_name="Lastname", phone="555 0100")
    return CaseFactory(team=north, caseworker=alice, person=person, stage=Case.Stage.SERVICE_PLAN)


def _withdraw(client, user, consent):
    client.force_login(user)
    return client.post(reverse("case-consent-withdraw", args=[consent.case.reference, consent.pk]))


def test_withdrawing_consent_cancels_the_referral_that_depended_on_it(
        client, case, mentoring, alice, pat, sam, django_capture_on_commit_callbacks):
    consent = sharing_consent(case, by=alice, organization=mentoring.organization)
    referral = sent_provider_referral(case, mentoring, by=alice, consent=False)
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        response = _withdraw(client, alice, consent)

    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ProviderReferral.Status.CANCELLED
    assert referral.status_reason == ProviderReferral.Reason.CONSENT_WITHDRAWN
    assert referral.shared == "" and referral.shared_first_name == ""
    assert referral.shared_contact == "" and referral.shared_need == ""
    event = referral.events.order_by("pk").last()
    assert (event.name, event.reason, event.actor) == ("cancel", "consent_withdrawn", alice)
    # Both sides are told, by reference only.
    for user in (pat, alice):
        notice = Notification.objects.get(user=user)
        assert referral.reference in notice.message and "withdrew" in notice.message
        assert CANARY not in notice.message
    # The provider sees nothing of the person now.
    client.force_login(pat)
    page = client.get(reverse("provider-referral-detail", args=[referral.reference]))
    assert CANARY.encode() not in page.content


def test_no_chase_task_follows_a_withdrawal(client, case, mentoring, alice, sam):
    consent = sharing_consent(case, by=alice, organization=mentoring.organization)
    referral = sent_provider_referral(case, mentoring, by=alice, consent=False)
    workflow.withdraw_consent(consent, actor=alice)

    later = referral.expires_at + datetime.timedelta(days=1)
    sweep_provider_referral_deadlines(later.isoformat())

    titles = [task.title for task in Task.objects.filter(case=case)]
    assert not [title for title in titles if "Chase" in title or "elsewhere" in title]
    referral.refresh_from_db()
    assert referral.status_reason == ProviderReferral.Reason.CONSENT_WITHDRAWN  # not "expired"


def test_a_referral_another_consent_still_covers_stays_open(case, mentoring, alice):
    by_name = sharing_consent(case, by=alice, organization=mentoring.organization)
    sharing_consent(case, by=alice, category=mentoring.category)
    referral = sent_provider_referral(case, mentoring, by=alice, consent=False)

    workflow.withdraw_consent(by_name, actor=alice)

    referral.refresh_from_db()
    assert referral.status == ProviderReferral.Status.REQUESTED
    assert referral.shared_first_name == CANARY


def test_a_category_consent_withdrawn_cancels_its_category_only(case, mentoring, alice):
    consent = sharing_consent(case, by=alice, category=mentoring.category)
    referral = sent_provider_referral(case, mentoring, by=alice, consent=False)
    workflow.withdraw_consent(consent, actor=alice)
    referral.refresh_from_db()
    assert referral.status == ProviderReferral.Status.CANCELLED


def _assessed(case, alice):
    Assessment.objects.create(case=case, needs_summary="Health detail.", completed_by=alice,
                              completed_at=timezone.now(), risk_level="low")


def test_health_data_is_refused_under_a_consent_that_does_not_name_it(case, mentoring, alice):
    _assessed(case, alice)
    sharing_consent(case, by=alice, organization=mentoring.organization,
                    data_categories="contact,needs")

    with pytest.raises(outgoing.ConsentMissing, match="health data"):
        sent_provider_referral(case, mentoring, by=alice, consent=False,
                               share=["first_name", "assessment"])
    assert not ProviderReferral.objects.exists()
    # Without the health-flagged field the same consent still allows sharing.
    assert sent_provider_referral(case, mentoring, by=alice, consent=False).pk


def test_health_data_goes_under_a_consent_naming_it_with_the_part_2_notice(
        client, case, mentoring, alice, pat):
    _assessed(case, alice)
    sharing_consent(case, by=alice, organization=mentoring.organization,
                    data_categories="contact,health")
    referral = sent_provider_referral(case, mentoring, by=alice, consent=False,
                                      share=["first_name", "assessment"])
    client.force_login(pat)
    page = client.get(reverse("provider-referral-detail", args=[referral.reference]))
    assert b"Health detail." in page.content
    assert b"42 CFR part 2" in page.content and b'id="redisclosure-notice"' in page.content
    assert "42 CFR part 2" in outgoing.redisclosure_notice(referral)  # the API's summary too


def test_the_notice_is_not_shown_when_no_health_data_was_shared(client, case, mentoring, alice,
                                                                pat):
    referral = sent_provider_referral(case, mentoring, by=alice)
    client.force_login(pat)
    page = client.get(reverse("provider-referral-detail", args=[referral.reference]))
    assert b'id="redisclosure-notice"' not in page.content


# Wording, versioned -----------------------------------------------------------------------------


def _publish(client, adam, text):
    client.force_login(adam)
    return client.post(reverse("admin:privacy_consentwording_add"),
                       {"purpose": Consent.Purpose.PROVIDER_SHARING, "text": text})


def test_an_administrator_publishes_versions_that_are_never_edited(client, adam):
    assert _publish(client, adam, "First wording.").status_code == 302
    assert _publish(client, adam, "Second wording.").status_code == 302
    first, second = ConsentWording.objects.order_by("version")
    assert (first.version, second.version) == (1, 2)
    assert second.published_by == adam

    change = reverse("admin:privacy_consentwording_change", args=[first.pk])
    client.post(change, {"purpose": first.purpose, "text": "Rewritten."})
    first.refresh_from_db()
    assert first.text == "First wording."
    assert client.post(reverse("admin:privacy_consentwording_delete", args=[first.pk])
                       ).status_code == 403


def _consent_post(wording=None, **extra):
    data = {"purpose": Consent.Purpose.PROVIDER_SHARING, "service_category": "mentoring",
            "given_by": "person", "method": "written",
            "given_on": timezone.localdate().isoformat(), **extra}
    if wording is not None:
        data["wording"] = wording.pk
    return data


def test_a_consent_records_the_wording_version_and_the_data_named(client, case, alice, adam):
    wording = ConsentWording.objects.create(purpose=Consent.Purpose.PROVIDER_SHARING, version=1,
                                            text="Words.", published_by=adam)
    client.force_login(alice)
    url = reverse("case-consent", args=[case.reference])

    refused = client.post(url, _consent_post())
    assert refused.status_code == 400 or "agreed to" in refused.content.decode()
    assert not case.consents.exists()

    client.post(url, _consent_post(wording, data_categories=["contact", "health"]))
    consent = case.consents.get()
    assert consent.wording == wording
    assert consent.categories == ["contact", "health"]


def test_the_consent_form_offers_every_published_version_and_a_new_one_at_once(
        client, case, alice, adam):
    client.force_login(alice)
    url = reverse("case-consent-form", args=[case.reference])
    ConsentWording.objects.create(purpose=Consent.Purpose.PROVIDER_SHARING, version=1,
                                  text="Words.", published_by=adam)
    first = client.get(url).content.decode()
    ConsentWording.objects.create(purpose=Consent.Purpose.PROVIDER_SHARING, version=2,
                                  text="Better words.", published_by=adam)
    second = client.get(url).content.decode()
    assert "v1</option>" in first and "v2</option>" not in first
    assert second.index("v2</option>") < second.index("v1</option>")


# --- The consent form, drawn when "Add consent" is opened -------------------------------------


def test_the_case_page_draws_the_consent_form_only_when_it_is_opened(client, case, alice, adam):
    ConsentWording.objects.create(purpose=Consent.Purpose.PROVIDER_SHARING, version=1,
                                  text="Words.", published_by=adam)
    client.force_login(alice)
    form_url = reverse("case-consent-form", args=[case.reference])
    page = client.get(case.get_absolute_url()).content.decode()
    assert f'hx-get="{form_url}"' in page and 'hx-trigger="toggle once"' in page
    assert f'<a href="{form_url}">Open the consent form</a>' in page  # without script
    assert 'name="wording"' not in page

    fragment = client.get(form_url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment
    assert f'action="{reverse("case-consent", args=[case.reference])}"' in fragment
    assert 'name="wording"' in fragment and "v1</option>" in fragment
    assert 'name="submission_token"' in fragment  # a create form answers a repeat once

    whole = client.get(form_url).content.decode()
    assert "<html" in whole and f"Back to case {case.reference}" in whole
    assert 'name="wording"' in whole


def test_a_refused_consent_shows_the_form_open_on_the_case_page_with_what_was_typed(
    client, case, alice
):
    client.force_login(alice)
    response = client.post(reverse("case-consent", args=[case.reference]), _consent_post(
        service_category="", expires_on="2020-01-01"))
    assert response.status_code == 400
    page = response.content.decode()
    assert '<details class="on-demand" id="consent-record" open>' in page
    assert 'value="2020-01-01"' in page
    assert not case.consents.exists()


def test_the_consent_form_writes_no_access_entry_and_is_refused_to_readers(
    client, case, alice, ivy
):
    from auditlog.models import LogEntry

    form_url = reverse("case-consent-form", args=[case.reference])
    client.force_login(alice)
    before = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count()
    assert client.get(form_url).status_code == 200
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count() == before
    client.force_login(ivy)  # intake: no relationship to a case at service plan
    assert client.get(form_url).status_code == 404
