"""The prevention register: the lead records community work; bad input changes nothing."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from measures import rollups
from measures.models import PreventionActivity
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def test_it_records_an_activity_with_its_partners_on_the_record(client, lee):
    partner = OrganizationFactory(name="Harbor Youth Club")
    client.force_login(lee)

    response = client.post(reverse("measures-activities"), {
        "occurred_on": timezone.localdate().isoformat(), "kind": "training", "area": "Harbor",
        "partners": [partner.pk], "attendance": "24",
    })

    assert response.status_code == 302
    activity = PreventionActivity.objects.get()
    assert (activity.kind, activity.attendance, activity.recorded_by) == ("training", 24, lee)
    assert list(activity.partners.all()) == [partner]
    assert LogEntry.objects.get_for_object(activity).get(action=LogEntry.Action.CREATE).actor == lee


def test_a_future_date_is_refused_with_a_clear_message(client, lee):
    client.force_login(lee)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = client.post(reverse("measures-activities"), {
        "occurred_on": tomorrow.isoformat(), "kind": "outreach", "area": "Harbor",
        "attendance": "10",
    })

    assert response.status_code == 400
    assert "cannot be in the future" in response.content.decode()
    assert not PreventionActivity.objects.exists()


def test_the_register_is_paginated_with_a_constant_number_of_queries(
    client, lee, django_assert_max_num_queries
):
    partner = OrganizationFactory()
    for day in range(40):
        activity = PreventionActivity.objects.create(
            occurred_on=timezone.localdate() - datetime.timedelta(days=day), kind="outreach",
            area="Harbor", attendance=5, recorded_by=lee)
        activity.partners.add(partner)
    client.force_login(lee)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("measures-activities")).content.decode()
    assert page.count("Harbor</td>") == 25


def test_activities_are_counted_in_the_measures(client, lee):
    for kind in ("awareness",) * 6 + ("training",) * 2:
        PreventionActivity.objects.create(occurred_on=timezone.localdate(), kind=kind,
                                          area="Harbor", attendance=20, recorded_by=lee)
    rollups.refresh()
    client.force_login(lee)
    page = client.get(reverse("measures-overview")).content.decode()
    section = page[page.index('id="prevention-activities-table"'):]
    assert "<td data-count>6</td>" in section[:2000]
    attendance = page[page.index('id="prevention-attendance-table"'):]
    assert "<td data-count>120</td>" in attendance[:2000]
