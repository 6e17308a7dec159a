"""Every list a person sees is a page: the same queries with 5 rows as with 500, page 2 shows the
next rows, and another person's rows never appear on any page.

Rows are made with bulk_create where the test needs hundreds: these tests are about reading
lists, and the app's own create paths (audited one by one) are tested elsewhere.
"""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from casework import crypto
from casework.models import Case, Notification, Person, Task
from casework.pagination import PAGE_SIZE
from referrals.models import Referral
from tests.factories import (
    CaseFactory,
    MeetingFactory,
    PanelFactory,
    ReferralFactory,
    ServiceFactory,
    partner_organization,
    seat,
    sent_provider_referral,
)

pytestmark = pytest.mark.django_db

MANY = 500
REFERENCE = re.compile(r"\b((?:C|R|PR)-[0-9A-Z]{8})\b")


def _pk(model) -> int:
    """Encrypted fields are sealed to their row's id: bulk rows take theirs first."""
    return crypto.reserve_pk(model, using="default")


def _referrals(n, **fields):
    return [ReferralFactory.build(pk=_pk(Referral), **fields) for _ in range(n)]


def many_cases(n, *, team, caseworker, stage="follow_up"):
    """`n` cases held by `caseworker` (with the per-case grant assignment gives)."""
    people = Person.objects.bulk_create(
        [Person(pk=_pk(Person), first_name="Bulk", last_name=f"Person{i}") for i in range(n)]
    )
    cases = Case.objects.bulk_create([
        Case(person=person, team=team, caseworker=caseworker, pathway="prevention", stage=stage)
        for person in people
    ])
    if caseworker is not None:
        assign_perm("view_case", caseworker, Case.objects.filter(pk__in=[c.pk for c in cases]))
    return cases


def page_of(client, user, url):
    """The page's status, its query count (after a warm-up request) and the references on it."""
    client.force_login(user)
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), set(REFERENCE.findall(response.content.decode()))


def assert_paged(client, user, url, grow, *, theirs=frozenset(), param="page"):
    """5 rows, then many: the same query count; page 1 and page 2 differ; no foreign rows."""
    grow(5)
    five, _ = page_of(client, user, url)
    grow(MANY - 5)
    many, first = page_of(client, user, url)
    joiner = "&" if "?" in url else "?"
    also_many, second = page_of(client, user, f"{url}{joiner}{param}=2")
    print(f"\n{url}: {five} queries for 5 rows, {many} for {MANY}, {also_many} on page 2")
    assert five == many == also_many
    assert first and second and not first & second
    assert not (first | second) & set(theirs)


def test_the_caseload_is_paged(client, alice, bob, north):
    bobs = {case.reference for case in many_cases(3, team=north, caseworker=bob)}
    assert_paged(client, alice, reverse("dashboard"),
                 lambda n: many_cases(n, team=north, caseworker=alice), theirs=bobs)


def test_the_caseload_sorted_by_risk_is_paged(client, alice, bob, north):
    bobs = {case.reference for case in many_cases(3, team=north, caseworker=bob)}
    assert_paged(client, alice, reverse("dashboard") + "?sort=risk",
                 lambda n: many_cases(n, team=north, caseworker=alice), theirs=bobs)


def test_the_supervisors_team_cases_are_paged(client, sam, alice, carol, north, south):
    south_cases = {case.reference for case in many_cases(3, team=south, caseworker=carol)}
    assert_paged(client, sam, reverse("team-overview"),
                 lambda n: many_cases(n, team=north, caseworker=alice), theirs=south_cases)


def test_my_tasks_are_paged(client, alice, bob, north):
    case = CaseFactory(team=north, caseworker=alice, stage="follow_up")
    bobs_case = CaseFactory(team=north, caseworker=bob, stage="follow_up")
    Task.objects.create(case=bobs_case, owner=bob, kind="other", title="b",
                        due_on=timezone.localdate())

    def grow(n):
        # One task per case, so each task's line names a different case.
        for other in many_cases(n, team=north, caseworker=alice):
            Task.objects.create(case=other, owner=alice, kind="other", title="t",
                                due_on=timezone.localdate() + datetime.timedelta(days=1))

    assert case  # alice's own case, without tasks, is on the caseload page, not in the tasks
    assert_paged_tasks(client, alice, grow, theirs={bobs_case.reference})


def assert_paged_tasks(client, user, grow, *, theirs):
    """The dashboard's tasks page on their own parameter; the caseload stays on its page 1."""
    url = reverse("dashboard")
    grow(5)
    five, _ = page_of(client, user, url)
    grow(MANY - 5)
    many, _ = page_of(client, user, url)
    assert five == many
    client.force_login(user)
    body = client.get(url + "?tasks_page=2").content.decode()
    tasks = body[body.index('id="my-tasks"'):]
    assert "Page 2 of" in tasks
    assert not set(REFERENCE.findall(tasks)) & theirs


def test_notifications_are_paged(client, alice, bob):
    def grow(n):
        Notification.objects.bulk_create([
            Notification(user=alice, message="Case assigned", link=f"/cases/C-N{i:07d}/")
            for i in range(Notification.objects.filter(user=alice).count(),
                           Notification.objects.filter(user=alice).count() + n)
        ])

    Notification.objects.create(user=bob, message="Case assigned", link="/cases/C-BOB00001/")
    url = reverse("notification-list")
    grow(5)
    five, _ = page_of(client, alice, url)
    grow(MANY - 5)
    many, _ = page_of(client, alice, url)
    assert five == many
    client.force_login(alice)
    first = client.get(url).content.decode()
    second = client.get(url + "?page=2").content.decode()
    assert first.count("<li") >= PAGE_SIZE and "Page 2 of 10" in second
    assert "C-BOB00001" not in first + second


def test_the_intake_inbox_is_paged(client, ivy, alice):
    theirs = set()  # intake sees every referral awaiting screening: nothing to hide here

    def grow(n):
        Referral.objects.bulk_create(_referrals(n))

    assert_paged(client, ivy, reverse("referral-inbox"), grow, theirs=theirs)


def test_my_referrals_are_paged(client, alice, bob):
    bobs = {ReferralFactory(entered_by=bob).reference}

    def grow(n):
        Referral.objects.bulk_create(_referrals(n, entered_by=alice))

    assert_paged(client, alice, reverse("referral-mine"), grow, theirs=bobs)


@pytest.fixture
def mentoring(pat):
    organization = partner_organization(staff=[pat])
    return ServiceFactory(organization=organization, category="mentoring")


def _provider_referrals(n, *, team, caseworker, service):
    return [
        sent_provider_referral(case, service, by=caseworker)
        for case in CaseFactory.create_batch(n, team=team, caseworker=caseworker,
                                             stage="service_plan")
    ]


def assert_paged_small(client, user, url, grow, *, theirs=frozenset()):
    """As assert_paged with a page and a bit (each row here is made through the workflow)."""
    grow(5)
    five, _ = page_of(client, user, url)
    grow(PAGE_SIZE + 5)
    many, first = page_of(client, user, url)
    also, second = page_of(client, user, url + "?page=2")
    print(f"\n{url}: {five} queries for 5 rows, {many} for {PAGE_SIZE + 10}, {also} on page 2")
    assert five == many == also
    assert second and not first & second
    assert not (first | second) & set(theirs)


def test_the_provider_portal_is_paged(client, pat, alice, carol, north, south, mentoring):
    other = partner_organization(name="Another Org")
    elsewhere = ServiceFactory(organization=other, category="mentoring")
    theirs = {r.reference for r in _provider_referrals(2, team=south, caseworker=carol,
                                                       service=elsewhere)}
    assert_paged_small(
        client, pat, reverse("provider-referral-portal"),
        lambda n: _provider_referrals(n, team=north, caseworker=alice, service=mentoring),
        theirs=theirs,
    )


def test_sent_provider_referrals_are_paged(client, alice, carol, north, south, mentoring):
    theirs = {r.case.reference for r in _provider_referrals(2, team=south, caseworker=carol,
                                                            service=mentoring)}
    assert_paged_small(
        client, alice, reverse("provider-referral-sent"),
        lambda n: _provider_referrals(n, team=north, caseworker=alice, service=mentoring),
        theirs=theirs,
    )


def test_mdt_meetings_are_paged(client, mo):
    panel = PanelFactory()
    seat(panel, mo)
    start = timezone.now()

    def grow(n):
        existing = panel.meetings.count()
        for i in range(existing, existing + n):
            MeetingFactory(panel=panel, scheduled_for=start - datetime.timedelta(days=7 * i))

    url = reverse("mdt-list")
    grow(5)
    five, _ = page_of(client, mo, url)
    grow(PAGE_SIZE + 5)
    many, _ = page_of(client, mo, url)
    also, _ = page_of(client, mo, url + "?page=2")
    assert five == many == also
    client.force_login(mo)
    assert "Page 2 of 2" in client.get(url + "?page=2").content.decode()
