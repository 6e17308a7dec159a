"""The demo's programme lead sees every measure for the demo data, with a period and comparison."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from measures.selectors import MEASURES

pytestmark = pytest.mark.django_db


def test_the_demo_lead_sees_every_measure_and_the_landscape(client):
    from django.contrib.auth import get_user_model

    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    lead = get_user_model().objects.get(username="lead")
    assert lead.check_password("demo-casework-2026")
    client.force_login(lead)

    page = client.get(reverse("measures-overview"), {"first": "2026-01", "last": "2026-12",
                                                     "compare": "on"}).content.decode()
    for measure in MEASURES:
        assert f'id="{measure.slug}-table"' in page
    assert "Compared with the period before" in page

    landscape = client.get(reverse("measures-landscape"), {"months": 24})
    assert landscape.status_code == 200
    assert lead.groups.filter(name="programme_lead").exists()
    # Case pages stay closed to the lead.
    assert client.get(reverse("dashboard")).status_code == 200
    assert client.get(reverse("referral-inbox")).status_code == 403
