"""The send-to-provider form: the services for the case's needs, each saying whether consent
and an agreement cover it and how many places it has; a page at a time, searchable.

alice holds a North case at service plan; bob is on North without it; carol is on South.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.models import Assessment, AssessmentRating, Case, Factor, PlanGoal, ServicePlan
from providers.models import Organization, Service
from referrals import provider_selectors
from referrals.models import ProviderReferral, ProviderReferralEvent
from tests.factories import (
    CaseFactory,
    OrganizationFactory,
    ServiceFactory,
    partner_organization,
    sharing_consent,
)

pytestmark = pytest.mark.django_db

RADIO = re.compile(r'<input class="usa-radio__input" type="radio" name="service" '
                   r'id="service-(\d+)" value="\d+"( disabled)?')


@pytest.fixture
def case(alice, north):
    return CaseFactory(team=north, caseworker=alice, stage=Case.Stage.SERVICE_PLAN)


def need(code):
    return Factor.objects.get(domain__instrument__key="default", domain__kind="need", code=code)


def plan_for(case, *needs, by):
    plan = ServicePlan.objects.create(case=case, created_by=by)
    for code in needs:
        PlanGoal.objects.create(plan=plan, need=need(code), description=f"Test goal: {code}.")
    return plan


def url(case, **query):
    base = reverse("provider-referral-new", args=[case.reference])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def radios(body) -> dict[int, bool]:
    """{service id: enabled} for the radio buttons on the page, in page order."""
    return {int(pk): not disabled for pk, disabled in RADIO.findall(body)}


@pytest.fixture
def directory():
    """Housing: one open with places, one on a waitlist, one of an organisation without an
    agreement; mentoring: one open."""
    shelter = partner_organization("Test Shelter Org")
    nowhere = OrganizationFactory(name="Test No Agreement Org")
    return {
        "housing": ServiceFactory(organization=shelter, name="Test housing help",
                                  category="housing", open_places=3),
        "waitlist": ServiceFactory(organization=shelter, name="Test hostel beds",
                                   category="housing", capacity_status="waitlist"),
        "no_agreement": ServiceFactory(organization=nowhere, name="Test flats",
                                       category="housing"),
        "mentoring": ServiceFactory(organization=partner_organization("Test Mentor Org"),
                                    name="Test mentoring", category="mentoring"),
    }


# --- The case's needs ---------------------------------------------------------------------------


def test_the_default_needs_name_the_service_that_meets_them():
    assert need("housing").service_category == "housing"
    assert need("id_documents").service_category == "documents"
    assert need("supervision").service_category == "legal"
    assert Factor.objects.filter(domain__kind="risk").exclude(service_category="").count() == 0


def test_needs_come_from_the_plan_goals_the_plans_services_and_the_assessment(case, alice):
    assert provider_selectors.case_need_categories(case) == []
    plan = plan_for(case, "housing", by=alice)
    plan.services.add(ServiceFactory(category="legal"))
    assessment = Assessment.objects.create(case=case, completed_by=alice,
                                           completed_at=timezone.now(),
                                           instrument=need("employment").domain.instrument)
    AssessmentRating.objects.create(assessment=assessment, factor=need("employment"),
                                    rating="high")
    AssessmentRating.objects.create(assessment=assessment, factor=need("mentoring"),
                                    rating="low")  # not a need at this rating

    assert provider_selectors.case_need_categories(case) == ["employment", "housing", "legal"]


def test_the_form_lists_the_services_for_the_needs_and_can_show_every_one(
    client, case, alice, directory
):
    plan_for(case, "housing", by=alice)
    client.force_login(alice)

    body = client.get(url(case)).content.decode()
    shown = radios(body)
    assert directory["housing"].pk in shown and directory["mentoring"].pk not in shown
    assert "Housing" in body.split('id="service-needs"')[1].split("</p>")[0]

    everything = radios(client.get(url(case, all="on")).content.decode())
    assert directory["mentoring"].pk in everything and directory["housing"].pk in everything


def test_without_recorded_needs_every_service_is_listed(client, case, alice, directory):
    client.force_login(alice)
    body = client.get(url(case)).content.decode()
    assert set(radios(body)) == {service.pk for service in directory.values()}
    assert 'name="all"' not in body  # nothing to widen


# --- What each option says ----------------------------------------------------------------------


def test_each_option_shows_consent_agreement_and_capacity_and_available_come_first(
    client, case, alice, directory
):
    plan_for(case, "housing", by=alice)
    sharing_consent(case, by=alice, category="housing")
    client.force_login(alice)

    body = client.get(url(case)).content.decode()
    shown = radios(body)

    assert list(shown) == [directory["housing"].pk, directory["waitlist"].pk,
                           directory["no_agreement"].pk]  # open places before a waitlist
    assert shown == {directory["housing"].pk: True, directory["waitlist"].pk: True,
                     directory["no_agreement"].pk: False}
    available = body.split('id="services-available"')[1].split("</fieldset>")[0]
    assert "consent covers it" in available and "data-sharing agreement in force" in available
    assert "3 open places" in available and "waitlist" in available
    unavailable = body.split('id="services-unavailable"')[1].split("</fieldset>")[0]
    assert "no data-sharing agreement in force" in unavailable


def test_a_service_without_consent_is_shown_disabled_with_the_reason(
    client, case, alice, directory
):
    sharing_consent(case, by=alice, organization=directory["mentoring"].organization)
    client.force_login(alice)

    body = client.get(url(case)).content.decode()

    shown = radios(body)
    assert shown[directory["mentoring"].pk] is True and shown[directory["housing"].pk] is False
    option = body.split(f'id="service-{directory["housing"].pk}"')[1].split("</label>")[0]
    assert "no consent covers this organisation or its kind of service" in option
    assert f'for="service-{directory["housing"].pk}"' in body  # every radio has its label
    assert '<legend class="usa-legend usa-legend--large">Service</legend>' in body


def test_a_disabled_service_posted_anyway_is_refused_and_nothing_changes(
    client, case, alice, directory
):
    client.force_login(alice)
    response = client.post(url(case), {
        "service": directory["housing"].pk, "share": ["first_name"], "contact": "caseworker",
    })

    body = response.content.decode()
    assert response.status_code == 400
    assert "No sharing consent in force covers Test Shelter Org or Housing services" in body
    assert ProviderReferral.objects.count() == ProviderReferralEvent.objects.count() == 0
    assert f'id="service-{directory["housing"].pk}" value="{directory["housing"].pk}" checked'\
        in body  # what was chosen is kept on the page


def test_an_organisation_without_an_agreement_is_refused_even_with_consent(
    client, case, alice, directory
):
    sharing_consent(case, by=alice, category="housing")
    client.force_login(alice)
    response = client.post(url(case), {
        "service": directory["no_agreement"].pk, "share": ["first_name"], "contact": "caseworker",
    })
    assert response.status_code == 400
    assert "has no active data-sharing agreement" in response.content.decode()
    assert not ProviderReferral.objects.exists()


def test_no_service_chosen_or_an_unknown_one_is_a_clear_message(client, case, alice):
    client.force_login(alice)
    for value in ("", "999999", "not-a-number"):
        response = client.post(url(case), {"service": value, "share": ["first_name"],
                                           "contact": "caseworker"})
        assert response.status_code == 400
        body = response.content.decode()
        assert ("Choose the service to refer the person to." in body
                or "That service is not in the directory any more" in body)
        assert 'href="#id_service"' in body and 'id="id_service"' in body
    assert not ProviderReferral.objects.exists()


def test_it_sends_to_an_available_service_from_the_list(client, case, alice, directory):
    sharing_consent(case, by=alice, category="housing")
    client.force_login(alice)
    response = client.post(url(case, q="housing"), {
        "service": directory["housing"].pk, "share": ["first_name"], "contact": "caseworker",
    })
    assert response.status_code == 302
    assert ProviderReferral.objects.get().service == directory["housing"]


# --- Many services --------------------------------------------------------------------------


def _services(count, *, prefix):
    org = partner_organization(f"Test {prefix} Org")
    Service.objects.bulk_create(
        Service(organization=org, name=f"Test {prefix} {n:04d}", category="housing")
        for n in range(count)
    )
    return org


def test_the_number_of_queries_does_not_grow_with_the_services(client, case, alice):
    plan_for(case, "housing", by=alice)
    client.force_login(alice)
    _services(3, prefix="few")
    sharing_consent(case, by=alice, category="housing")
    client.get(url(case))  # warm the session, content types and caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(url(case)).status_code == 200

    _services(60, prefix="many")
    OrganizationFactory(name="Test Other Org")
    with CaptureQueriesContext(connection) as many:
        body = client.get(url(case)).content.decode()

    assert len(radios(body)) == provider_selectors.SEND_CHOICES_SHOWN
    assert len(many.captured_queries) == len(few.captured_queries)


def test_two_thousand_services_are_paged_and_searchable(client, case, alice):
    _services(2000, prefix="bulk")
    target = Service.objects.create(organization=Organization.objects.get(name="Test bulk Org"),
                                    name="Test tattoo removal", category="housing")
    client.force_login(alice)

    body = client.get(url(case)).content.decode()
    assert len(radios(body)) == provider_selectors.SEND_CHOICES_SHOWN
    assert "Page 1 of 81 (2,001 items)" in body or "Page 1 of 81 (2001 items)" in body
    assert 'id="service-filter"' in body and 'name="q"' in body

    found = client.get(url(case, q="tattoo")).content.decode()
    assert list(radios(found)) == [target.pk]

    second = client.get(url(case, page=2, goal="")).content.decode()
    assert len(radios(second)) == provider_selectors.SEND_CHOICES_SHOWN
    assert set(radios(second)).isdisjoint(radios(body))


# --- Who may send -------------------------------------------------------------------------------


def test_the_caseworker_and_supervisor_may_open_it(client, case, alice, sam):
    for user in (alice, sam):
        client.force_login(user)
        assert client.get(url(case)).status_code == 200


@pytest.mark.parametrize("who", ["bob", "carol", "pat", "audrey", "adam", "mo", "ivy", "lee"])
def test_everyone_else_is_refused_and_nothing_is_sent(client, case, alice, directory, who,
                                                      request):
    sharing_consent(case, by=alice, category="housing")
    client.force_login(request.getfixturevalue(who))
    assert client.get(url(case)).status_code in (403, 404)
    response = client.post(url(case), {"service": directory["housing"].pk,
                                       "share": ["first_name"], "contact": "caseworker"})
    assert response.status_code in (403, 404)
    assert not ProviderReferral.objects.exists()


def test_another_caseworker_gets_404_as_if_the_case_did_not_exist(client, case, bob, carol):
    for user in (bob, carol):
        client.force_login(user)
        assert client.get(url(case)).status_code == 404
