"""Admins adapt the assessment instrument without code changes: copy the published version to a
draft, edit the draft, publish it. A published version never changes."""

import pytest
from django.contrib import admin
from django.urls import reverse

from casework.models import Assessment, Domain, Factor, Instrument

# Marked, so pytest-django runs these before transactional tests, which flush the database.
pytestmark = pytest.mark.django_db


def action(client, name, instruments):
    return client.post(reverse("admin:casework_instrument_changelist"), {
        "action": name, "_selected_action": [i.pk for i in instruments],
    })


def test_the_admin_lists_instruments(client, adam, instrument):
    client.force_login(adam)
    response = client.get(reverse("admin:casework_instrument_changelist"))
    assert response.status_code == 200
    assert "Prevention and re-entry assessment" in response.content.decode()


def test_a_published_version_is_read_only(client, adam, instrument):
    client.force_login(adam)
    url = reverse("admin:casework_instrument_change", args=[instrument.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    client.post(url, {"name": "Renamed", "key": "default", "version": 1})
    instrument.refresh_from_db()
    assert instrument.name == "Prevention and re-entry assessment"
    domain = instrument.domains.first()
    client.post(reverse("admin:casework_domain_change", args=[domain.pk]), {"title": "Renamed"})
    domain.refresh_from_db()
    assert domain.title != "Renamed"


def test_copy_edit_and_publish_a_new_version(client, adam, instrument):
    client.force_login(adam)
    action(client, "copy_to_new_draft", [instrument])
    draft = Instrument.objects.get(key="default", version=2)
    assert draft.published_at is None
    assert Factor.objects.filter(domain__instrument=draft).count() == Factor.objects.filter(
        domain__instrument=instrument).count()
    assert Instrument.current() == instrument  # drafts are not used
    domain = draft.domains.get(code="legal")
    response = client.post(reverse("admin:casework_domain_change", args=[domain.pk]), {
        "instrument": draft.pk, "code": "legal", "title": "Legal obligations", "kind": "need",
        "pathway": "reentry", "guidance": "", "order": domain.order,
        "factors-TOTAL_FORMS": 2, "factors-INITIAL_FORMS": 1, "factors-MIN_NUM_FORMS": 0,
        "factors-MAX_NUM_FORMS": 1000,
        "factors-0-id": domain.factors.get().pk, "factors-0-domain": domain.pk,
        "factors-0-order": 0, "factors-0-code": "supervision",
        "factors-0-title": "Legal obligations and supervision conditions",
        "factors-0-guidance": "",
        "factors-1-domain": domain.pk, "factors-1-order": 1, "factors-1-code": "court_dates",
        "factors-1-title": "Court dates", "factors-1-guidance": "",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(domain.factors.values_list("code", flat=True)) == {"supervision", "court_dates"}
    action(client, "publish", [draft])
    draft.refresh_from_db()
    assert draft.is_published and Instrument.current() == draft
    domain.refresh_from_db()
    assert domain.pathway == "reentry"


def test_assessments_keep_the_version_they_were_made_with(client, adam, assessed, instrument):
    client.force_login(adam)
    action(client, "copy_to_new_draft", [instrument])
    action(client, "publish", [Instrument.objects.get(version=2)])
    assert Assessment.objects.get(case=assessed).instrument == instrument
    action(client, "retire", [instrument])
    instrument.refresh_from_db()
    assert instrument.retired_at and Assessment.objects.get(case=assessed).instrument == instrument


def test_a_domain_limited_to_a_pathway_is_only_rated_on_that_pathway(instrument):
    from casework.selectors import domains_for

    Domain.objects.filter(instrument=instrument, code="legal").update(pathway="reentry")
    prevention = {d.code for d, _ in domains_for(instrument, "prevention")}
    reentry = {d.code for d, _ in domains_for(instrument, "reentry")}
    assert "legal" in reentry and "legal" not in prevention


@pytest.mark.parametrize("model", ["assessment", "assessmentrating", "serviceplan", "plangoal",
                                   "intervention", "followup", "goalprogress", "casenote",
                                   "task", "reminder", "notification"])
def test_case_records_have_no_admin_page(model):
    registered = {m._meta.model_name for m in admin.site._registry}
    assert model not in registered
