"""Lists show people by name: the caseload, the team's cases and the intake inbox name the person
beside the reference (for the page's rows only), staff by their full names, and each list page
is one access entry naming the records shown by reference, never by name."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from tests.factories import CaseFactory, PersonFactory, ReferralFactory

pytestmark = pytest.mark.django_db


def entries(part):
    return LogEntry.objects.filter(action=LogEntry.Action.ACCESS, additional_data__part=part)


@pytest.fixture
def willow(alice, north):
    alice.first_name, alice.last_name = "Alice", "Archer"
    alice.save()
    person = PersonFactory(first_name="Willow", last_name="Testperson")
    return CaseFactory(team=north, caseworker=alice, person=person)


def test_the_dashboard_lists_names_and_staff_by_full_name(client, alice, willow):
    client.force_login(alice)
    body = client.get(reverse("dashboard")).content.decode()
    row = body.split(f'data-case="{willow.reference}"')[1].split("</tr>")[0]
    assert "Willow Testperson" in row and "Alice Archer" in row and ">alice<" not in row


def test_a_list_page_is_one_access_entry_naming_cases_by_reference(client, alice, willow, north):
    other = CaseFactory(team=north, caseworker=alice)
    client.force_login(alice)
    client.get(reverse("dashboard"))
    (entry,) = entries("caseload names")
    assert entry.actor == alice
    assert sorted(entry.additional_data["records"]) == sorted([willow.reference, other.reference])
    assert "Willow" not in str(entry.additional_data) + entry.object_repr
    assert "Testperson" not in str(entry.changes) + str(entry.additional_data)


def test_an_empty_list_writes_no_entry(client, bob):
    client.force_login(bob)
    client.get(reverse("dashboard"))
    assert not entries("caseload names").exists()


def test_names_are_those_of_the_page_shown_only(client, alice, north):
    for n in range(30):
        CaseFactory(team=north, caseworker=alice,
                    person=PersonFactory(first_name=f"Pagename{n:02d}", last_name="Listed"))
    client.force_login(alice)
    body = client.get(reverse("dashboard")).content.decode()
    table = body.split('id="caseload"')[1].split("</table>")[0]
    assert table.count("Listed") == 25  # one page of rows, each with its name
    (entry,) = entries("caseload names")
    assert len(entry.additional_data["records"]) == 25


def test_the_team_overview_lists_names(client, sam, willow):
    client.force_login(sam)
    body = client.get(reverse("team-overview")).content.decode()
    row = body.split(f'data-case="{willow.reference}"')[1].split("</tr>")[0]
    assert "Willow Testperson" in row
    assert "Alice Archer" in body
    (entry,) = entries("team case names")
    assert willow.reference in entry.additional_data["records"]


def test_the_inbox_lists_names(client, ivy):
    referral = ReferralFactory(first_name="Hollis", last_name="Brightwater")
    client.force_login(ivy)
    body = client.get(reverse("referral-inbox")).content.decode()
    assert "Hollis Brightwater" in body
    (entry,) = entries("inbox names")
    assert entry.additional_data["records"] == [referral.reference]
    assert "Hollis" not in str(entry.additional_data)


def test_another_teams_people_are_not_listed(client, carol, willow):
    client.force_login(carol)
    body = client.get(reverse("dashboard")).content.decode()
    assert "Willow" not in body and willow.reference not in body
