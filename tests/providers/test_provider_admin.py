"""A provider admin manages their own organisation's staff and capacity, and nothing else."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from casework import roles
from providers.models import Membership, Service
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    ServiceFactory,
    UserFactory,
)
from tests.test_url_access_matrix import page_without_per_request_tokens

pytestmark = pytest.mark.django_db


@pytest.fixture
def org_a(pat):
    organization = OrganizationFactory(name="Org A")
    MembershipFactory(organization=organization, user=pat, is_admin=True)
    return organization


@pytest.fixture
def org_b():
    organization = OrganizationFactory(name="Org B")
    MembershipFactory(organization=organization, is_admin=True)
    return organization


@pytest.fixture
def quinn(db):
    return UserFactory(username="quinn", roles=[roles.PROVIDER])


def staff_of(organization):
    return sorted(organization.memberships.values_list("user__username", flat=True))


def test_it_lists_only_the_organisations_pat_administers(client, pat, org_a, org_b):
    plain = OrganizationFactory(name="Org C")
    MembershipFactory(organization=plain, user=pat, is_admin=False)
    client.force_login(pat)
    response = client.get(reverse("directory-manage"))
    assert list(response.context["organizations"]) == [org_a]


def test_it_adds_an_existing_provider_staff_account(client, pat, org_a, quinn):
    client.force_login(pat)
    response = client.post(reverse("directory-staff-add", args=[org_a.pk]),
                           {"username": "quinn"})
    assert response.status_code == 302
    assert staff_of(org_a) == ["pat", "quinn"]
    membership = Membership.objects.get(user=quinn)
    assert not membership.is_admin
    entry = LogEntry.objects.get_for_object(membership).get()
    assert (entry.action, entry.actor) == (LogEntry.Action.CREATE, pat)


@pytest.mark.parametrize("username", ["nobody", "alice"])
def test_it_refuses_unknown_accounts_and_other_roles_alike(client, pat, org_a, alice, username):
    client.force_login(pat)
    response = client.post(reverse("directory-staff-add", args=[org_a.pk]),
                           {"username": username})
    assert response.status_code == 400
    assert "No provider staff account has that user name." in response.content.decode()
    assert staff_of(org_a) == ["pat"]


def test_it_refuses_someone_already_on_the_list(client, pat, org_a):
    client.force_login(pat)
    response = client.post(reverse("directory-staff-add", args=[org_a.pk]), {"username": "pat"})
    assert response.status_code == 400
    assert "already on your staff list" in response.content.decode()


def test_it_removes_a_member_but_not_yourself(client, pat, org_a, quinn):
    member = MembershipFactory(organization=org_a, user=quinn)
    mine = Membership.objects.get(user=pat)
    client.force_login(pat)
    client.post(reverse("directory-staff-remove", args=[org_a.pk, member.pk]))
    assert staff_of(org_a) == ["pat"]
    assert LogEntry.objects.filter(action=LogEntry.Action.DELETE, actor=pat).exists()

    response = client.post(reverse("directory-staff-remove", args=[org_a.pk, mine.pk]),
                           follow=True)
    assert "You cannot remove yourself" in response.content.decode()
    assert staff_of(org_a) == ["pat"]


def test_it_sets_capacity(client, pat, org_a):
    service = ServiceFactory(organization=org_a)
    client.force_login(pat)
    prefix = f"s{service.pk}"
    url = reverse("directory-capacity", args=[org_a.pk, service.pk])

    response = client.post(url, {f"{prefix}-capacity_status": "open", f"{prefix}-open_places": 3})

    assert response.status_code == 302
    service.refresh_from_db()
    assert (service.capacity_status, service.open_places) == ("open", 3)
    entry = LogEntry.objects.get_for_object(service).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.actor == pat and "open_places" in entry.changes_dict

    client.post(url, {f"{prefix}-capacity_status": "closed", f"{prefix}-open_places": 5})
    service.refresh_from_db()
    assert (service.capacity_status, service.open_places) == ("closed", 0)


def test_an_open_service_with_no_places_is_refused(client, pat, org_a):
    service = ServiceFactory(organization=org_a)
    client.force_login(pat)
    prefix = f"s{service.pk}"
    response = client.post(reverse("directory-capacity", args=[org_a.pk, service.pk]),
                           {f"{prefix}-capacity_status": "open", f"{prefix}-open_places": 0})
    assert response.status_code == 400
    assert "needs at least one place" in response.content.decode()
    service.refresh_from_db()
    assert service.open_places is None


def _routes(org, service, membership):
    return [
        ("get", reverse("directory-organization", args=[org.pk]), {}),
        ("post", reverse("directory-staff-add", args=[org.pk]), {"username": "quinn"}),
        ("post", reverse("directory-staff-remove", args=[org.pk, membership.pk]), {}),
        ("post", reverse("directory-capacity", args=[org.pk, service.pk]),
         {f"s{service.pk}-capacity_status": "closed"}),
    ]


def test_another_organisation_looks_exactly_like_a_missing_one(client, pat, org_a, org_b, quinn):
    """Provider admin of A: every page and action on B is a 404, the same page as a missing id."""
    service_b = ServiceFactory(organization=org_b)
    member_b = org_b.memberships.get()
    client.force_login(pat)
    before = (staff_of(org_b), list(Service.objects.values_list("capacity_status", flat=True)))
    missing = OrganizationFactory.build(pk=999999)

    for (method, url, data), (_, missing_url, _) in zip(
        _routes(org_b, service_b, member_b), _routes(missing, service_b, member_b), strict=True
    ):
        real = getattr(client, method)(url, data)
        gone = getattr(client, method)(missing_url, data)
        assert (real.status_code, gone.status_code) == (404, 404), url
        assert page_without_per_request_tokens(real) == page_without_per_request_tokens(gone)

    assert before == (staff_of(org_b),
                      list(Service.objects.values_list("capacity_status", flat=True)))


def test_a_service_or_member_of_another_organisation_is_a_404(client, pat, org_a, org_b):
    service_b = ServiceFactory(organization=org_b)
    member_b = org_b.memberships.get()
    client.force_login(pat)
    prefix = f"s{service_b.pk}"
    assert client.post(reverse("directory-capacity", args=[org_a.pk, service_b.pk]),
                       {f"{prefix}-capacity_status": "closed"}).status_code == 404
    assert client.post(
        reverse("directory-staff-remove", args=[org_a.pk, member_b.pk])
    ).status_code == 404
    assert Membership.objects.filter(pk=member_b.pk).exists()


def test_a_member_who_is_not_an_admin_gets_404(client, org_a, quinn):
    MembershipFactory(organization=org_a, user=quinn, is_admin=False)
    client.force_login(quinn)
    assert client.get(reverse("directory-organization", args=[org_a.pk])).status_code == 404


@pytest.mark.parametrize("persona", ["alice", "sam", "ivy", "mo", "audrey", "adam", "root"])
def test_other_roles_are_refused_before_any_lookup(client, request, persona, org_a):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("directory-manage")).status_code == 403
    assert client.get(reverse("directory-organization", args=[org_a.pk])).status_code == 403


def test_access_rules(pat, org_a, org_b, alice):
    from casework import access

    assert access.is_provider_admin_of(pat, org_a)
    assert not access.is_provider_admin_of(pat, org_b)
    assert not access.is_provider_admin_of(alice, org_a)
    assert access.can_search_directory(alice) and not access.can_search_directory(pat)
