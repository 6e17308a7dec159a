"""Break-glass: emergency access with a reason and a password, for a limited time, reviewed."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from audit import breakglass, events
from audit.emergency import EmergencyAccess
from casework.models import Notification
from tests.factories import CaseFactory

PASSWORD = "carols-own-passphrase"


@pytest.fixture
def carol_can_confirm(carol):
    carol.set_password(PASSWORD)
    carol.save()
    return carol


def ask(client, case, reason="Police report an immediate threat tonight.", password=PASSWORD):
    return client.post(reverse("emergency-request"),
                       {"reference": case.reference, "reason": reason, "password": password})


@pytest.mark.django_db
def test_it_grants_access_with_a_reason_and_notifies_the_supervisor(
    client, carol_can_confirm, alices_case, sam, django_capture_on_commit_callbacks
):
    client.force_login(carol_can_confirm)
    assert client.get(alices_case.get_absolute_url()).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client, alices_case)
    assert response.status_code == 302 and response["Location"] == alices_case.get_absolute_url()
    page = client.get(alices_case.get_absolute_url(), follow=True)
    assert page.status_code == 200
    assert "Emergency access granted" in page.content.decode()
    grant = EmergencyAccess.objects.get()
    assert grant.user == carol_can_confirm and grant.case == alices_case
    assert grant.expires_at - grant.granted_at == datetime.timedelta(minutes=60)
    notice = Notification.objects.get(user=sam)
    assert alices_case.reference in notice.message and "carol" in notice.message
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [sam.email]
    entry = LogEntry.objects.filter(additional_data__event=events.BREAK_GLASS).get()
    assert entry.actor == carol_can_confirm and entry.object_repr == alices_case.reference
    read = LogEntry.objects.filter(object_repr=alices_case.reference,
                                   additional_data__relation="emergency")
    assert read.count() == 1


@pytest.mark.parametrize(
    "change, field_error",
    [({"reason": ""}, "This field is required."),
     ({"reason": "because"}, "at least 20 characters"),
     ({"password": "wrong-password"}, "That password is not correct.")],
)
@pytest.mark.django_db
def test_it_needs_a_real_reason_and_the_password(client, carol_can_confirm, alices_case, change,
                                                 field_error):
    client.force_login(carol_can_confirm)
    data = {"reference": alices_case.reference, "reason": "Police report an immediate threat.",
            "password": PASSWORD, **change}
    response = client.post(reverse("emergency-request"), data)
    assert response.status_code == 400
    assert field_error in response.content.decode()
    assert not EmergencyAccess.objects.exists()
    assert client.get(alices_case.get_absolute_url()).status_code == 404


@pytest.mark.django_db
def test_access_ends_on_time(client, carol_can_confirm, alices_case):
    client.force_login(carol_can_confirm)
    ask(client, alices_case)
    with freeze_time(timezone.now() + datetime.timedelta(minutes=61)):
        client.force_login(carol_can_confirm)
        assert client.get(alices_case.get_absolute_url()).status_code == 404


@pytest.mark.django_db
def test_an_unknown_case_is_a_404_like_any_other(client, carol_can_confirm):
    client.force_login(carol_can_confirm)
    response = client.post(reverse("emergency-request"), {
        "reference": "C-ZZZZZZZZ", "reason": "Police report an immediate threat.",
        "password": PASSWORD})
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["ivy", "mo", "pat", "audrey", "adam", "root"])
@pytest.mark.django_db
def test_only_caseworkers_and_supervisors_may_break_the_glass(request, client, persona,
                                                              alices_case):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("emergency-request")).status_code == 403
    assert ask(client, alices_case).status_code == 403


@pytest.mark.django_db
def test_each_use_is_queued_for_review_and_marked(client, carol_can_confirm, alices_case, audrey,
                                                 sam, sofia):
    breakglass.request_emergency_access(alices_case.reference, actor=carol_can_confirm,
                                        reason="x" * 25, password=PASSWORD)
    grant = EmergencyAccess.objects.get()
    client.force_login(audrey)
    assert grant in client.get(reverse("audit-reviews")).context["emergency"]
    assert client.get(reverse("emergency-list")).status_code == 200
    with pytest.raises(PermissionDenied):  # another team's supervisor may not review it
        breakglass.review_emergency_access(grant, actor=sofia, justified=True)
    client.force_login(sam)
    response = client.post(reverse("emergency-review", args=[grant.pk]),
                           {"justified": "no", "note": "Could have called me."})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.justified is False and grant.reviewed_by == sam
    client.force_login(audrey)
    assert list(client.get(reverse("audit-reviews")).context["emergency"]) == []


@pytest.mark.django_db
def test_nobody_reviews_their_own_use(carol_can_confirm, sofia, south):
    case = CaseFactory(team=south)
    grant = EmergencyAccess.objects.create(case=case, user=sofia, reason="r",
                                           expires_at=timezone.now())
    with pytest.raises(PermissionDenied):
        breakglass.review_emergency_access(grant, actor=sofia, justified=True)
