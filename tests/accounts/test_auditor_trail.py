"""Auditors are audited: each search and workspace page is one entry of what was looked at."""

from django.urls import reverse

from audit import events
from tests.accounts.conftest import entries


def test_an_auditors_search_writes_one_entry_describing_it(client, audrey, alice):
    client.force_login(audrey)
    response = client.get(reverse("audit-log"), {"actor": "alice"})
    assert response.status_code == 200

    entry = entries(events.AUDIT_LOOKED).get()
    assert entry.actor == audrey
    assert entry.additional_data["page"] == "search"
    assert entry.additional_data["filters"] == {"actor": "alice"}
    assert entry.additional_data["rows"] == response.context["page"].paginator.count


def test_record_user_and_review_pages_are_each_one_entry(client, audrey, alice, alices_case):
    client.force_login(audrey)
    client.get(reverse("audit-record", args=[alices_case.reference]))
    client.get(reverse("audit-user", args=["alice"]))
    client.get(reverse("audit-reviews"))

    looked = entries(events.AUDIT_LOOKED).filter(actor=audrey).order_by("pk")
    assert [e.additional_data["page"] for e in looked] == ["record", "user", "reviews"]
    assert looked[0].additional_data["record"] == alices_case.reference
    assert looked[1].additional_data["username"] == "alice"


def test_the_break_glass_list_is_an_entry_too(client, audrey):
    client.force_login(audrey)
    response = client.get(reverse("emergency-list"))
    assert response.status_code == 200
    entry = entries(events.AUDIT_LOOKED).get(actor=audrey)
    assert entry.additional_data == {"event": events.AUDIT_LOOKED, "page": "emergency",
                                     "rows": response.context["page"].paginator.count}
