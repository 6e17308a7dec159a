"""The second factor: enrolment at first sign-in, single-use codes, throttling, step-up."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from freezegun import freeze_time

from audit import events
from casework.accounts import mfa
from tests.accounts.conftest import code_for, entries, password_only, second_factor

VERIFY = reverse("mfa-verify")


def test_a_new_account_is_taken_through_enrolment_at_first_sign_in(client, dana):
    response = password_only(client, dana).get(reverse("dashboard"))
    assert response["Location"].startswith(reverse("mfa-setup"))

    page = client.get(reverse("mfa-setup"))
    assert page.status_code == 200
    assert b'src="data:image/svg+xml' in page.content  # the QR code, an image (strict CSP)
    device = TOTPDevice.objects.get(user=dana, confirmed=False)

    response = client.post(reverse("mfa-setup"), {"code": code_for(device)})

    assert response.status_code == 200
    assert len(response.context["codes"]) == mfa.RECOVERY_CODE_COUNT
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("dashboard")).status_code == 200
    assert entries(events.MFA_ENROLLED).filter(actor=dana).count() == 1


def test_a_wrong_first_code_enrols_nothing(client, dana):
    password_only(client, dana).get(reverse("mfa-setup"))
    response = client.post(reverse("mfa-setup"), {"code": "000000"})
    assert response.status_code == 400
    assert b"That code does not match" in response.content
    assert not mfa.has_authenticator(dana)
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("mfa-setup"))


def test_the_password_alone_cannot_replace_an_enrolled_authenticator(client, dana, danas_phone):
    response = password_only(client, dana).get(reverse("mfa-setup"))
    assert response["Location"] == VERIFY
    assert TOTPDevice.objects.filter(user=dana).count() == 1


def test_a_used_code_is_refused_the_second_time(client, dana, danas_phone):
    code = code_for(danas_phone)
    password_only(client, dana)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    client.post(reverse("logout"))

    password_only(client, dana)
    response = client.post(VERIFY, {"code": code})

    assert response.status_code == 400
    assert b"used already" in response.content
    assert client.get(reverse("dashboard"))["Location"].startswith(VERIFY)
    assert entries(events.MFA_FAILED).filter(actor=dana).count() == 1


def test_five_wrong_codes_hold_every_code_for_fifteen_minutes_on_the_record(
    client, dana, danas_phone
):
    password_only(client, dana)
    start = timezone.now()
    for attempt in range(5):
        # A minute apart: past django-otp's own back-off, so each try is really checked.
        with freeze_time(start + datetime.timedelta(minutes=attempt)):
            assert client.post(VERIFY, {"code": "000000"}).status_code == 400
    assert entries(events.MFA_FAILED).filter(actor=dana).count() == 5

    with freeze_time(start + datetime.timedelta(minutes=6)):
        response = client.post(VERIFY, {"code": code_for(danas_phone)})
    assert response.status_code == 429
    assert b"Too many wrong codes" in response.content
    assert entries(events.MFA_THROTTLED).filter(actor=dana).count() == 1

    with freeze_time(start + datetime.timedelta(minutes=20)):
        assert second_factor(client, danas_phone).status_code == 302
        assert client.get(reverse("dashboard")).status_code == 200


def test_a_recovery_code_works_once(client, dana, danas_phone):
    codes = mfa.new_recovery_codes(dana, actor=dana)
    password_only(client, dana)
    assert client.post(VERIFY, {"code": codes[0]}).status_code == 302
    assert StaticToken.objects.filter(token=codes[0]).count() == 0
    client.post(reverse("logout"))

    password_only(client, dana)
    assert client.post(VERIFY, {"code": codes[0]}).status_code == 400
    assert mfa.recovery_codes_left(dana) == mfa.RECOVERY_CODE_COUNT - 1


def test_break_glass_with_a_stale_second_factor_asks_for_it_again(client, dana, danas_phone):
    password_only(client, dana)
    second_factor(client, danas_phone)
    url = reverse("emergency-request")
    assert client.get(url).status_code == 200

    later = timezone.now() + datetime.timedelta(minutes=6)
    with freeze_time(later):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(VERIFY + "?")
        assert "step_up=1" in response["Location"]
        step_up = client.post(VERIFY, {"code": code_for(danas_phone), "next": url,
                                       "step_up": "1"})
        assert step_up["Location"] == url
        assert client.get(url).status_code == 200
    entry = entries(events.MFA_VERIFIED).filter(actor=dana).latest("pk")
    assert entry.additional_data["purpose"] == "step_up"


def test_a_stale_step_up_post_changes_nothing(client, dana, danas_phone, alices_case):
    password_only(client, dana)
    second_factor(client, danas_phone)
    with freeze_time(timezone.now() + datetime.timedelta(minutes=6)):
        response = client.post(reverse("emergency-request"), {
            "reference": alices_case.reference, "reason": "An emergency reason, long enough.",
            "password": "a long test passphrase 2026"})
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    from audit.emergency import EmergencyAccess

    assert not EmergencyAccess.objects.filter(case=alices_case).exists()


def test_demo_code_prints_a_code_the_sign_in_accepts(client, db):
    call_command("load_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo_code", "caseworker", stdout=out)
    client.post(reverse("login"), {"username": "caseworker", "password": "demo-casework-2026"})
    assert client.post(VERIFY, {"code": out.getvalue().strip()}).status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200


def test_demo_code_refuses_other_accounts_and_production(dana, danas_phone, settings):
    with pytest.raises(CommandError, match="not a demo account"):
        call_command("demo_code", "dana", stdout=io.StringIO())
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="refuses in production"):
        call_command("demo_code", "caseworker", stdout=io.StringIO())


def test_a_wrong_step_up_password_is_on_the_record_and_counts_toward_the_lock(
    client, dana, alices_case
):
    from axes.models import AccessAttempt

    client.force_login(dana)
    response = client.post(reverse("emergency-request"), {
        "reference": alices_case.reference, "reason": "An emergency reason, long enough.",
        "password": "not the password"}, REMOTE_ADDR="192.0.2.20")

    assert response.status_code == 400
    assert entries(events.STEP_UP_FAILED).filter(actor=dana).count() == 1
    attempt = AccessAttempt.objects.get(username="dana")
    assert (attempt.ip_address, attempt.failures_since_start) == ("192.0.2.20", 1)
