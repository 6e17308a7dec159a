"""Second-factor secrets at rest: a database dump shows no TOTP secret.

TOTP secrets live under the field encryption (SealedTOTPKey); django-otp's own column holds a fixed
non-secret value. Security keys store only public keys, which are no secret.
"""

import base64
import importlib
import io

from cryptography.fernet import Fernet
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework.accounts import mfa
from casework.accounts.models import SEALED, SealedTOTPKey
from tests.accounts.conftest import code_for, password_only


def _raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _columns(device):
    clear = _raw("SELECT key FROM otp_totp_totpdevice WHERE id = %s", [device.pk])
    sealed = _raw("SELECT key FROM casework_sealedtotpkey WHERE device_id = %s", [device.pk])
    return clear, sealed


def test_an_enrolled_authenticators_secret_is_stored_encrypted(client, dana):
    password_only(client, dana)
    page = client.get(reverse("mfa-setup"))
    typed = page.context["secret"].replace(" ", "")
    secret_hex = base64.b32decode(typed + "=" * (-len(typed) % 8)).hex()
    device = TOTPDevice.objects.get(user=dana)

    clear, sealed = _columns(device)

    assert clear == SEALED
    assert secret_hex not in sealed and secret_hex.upper() not in sealed
    assert sealed.startswith("v2:")  # sealed to its row (casework.crypto)
    # ... and the app still knows it: the first code enrols, a later one signs in.
    assert client.post(reverse("mfa-setup"), {"code": code_for(device)}).status_code == 200
    assert mfa.secret(device).hex() == secret_hex


def test_a_device_made_the_plain_django_otp_way_is_sealed_too(dana):
    device = TOTPDevice.objects.create(user=dana, name="Phone", confirmed=True,
                                       key="3132333435363738393031323334353637383930")
    assert _columns(device)[0] == SEALED
    assert mfa.secret(device) == b"12345678901234567890"


def test_key_rotation_re_encrypts_the_secrets(dana, danas_phone, settings):
    before = mfa.secret(danas_phone)
    old_token = _columns(danas_phone)[1]
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(),
                                      *settings.FIELD_ENCRYPTION_KEYS]

    call_command("rotate_encryption_keys", stdout=io.StringIO())

    assert _columns(danas_phone)[1] != old_token
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS[:1]  # the new key alone
    assert mfa.secret(danas_phone) == before


def test_the_migration_seals_secrets_stored_before_it(dana, danas_phone):
    secret = mfa.secret(danas_phone)
    SealedTOTPKey.objects.all().delete()
    TOTPDevice.objects.filter(pk=danas_phone.pk).update(key=secret.hex())  # as before 0015

    migration = importlib.import_module("casework.migrations.0015_sealed_totp_keys")
    migration.seal_existing_keys(apps, None)

    assert _columns(danas_phone)[0] == SEALED
    assert mfa.secret(danas_phone) == secret


def test_recovery_codes_are_stored_only_as_keyed_digests(client, dana, danas_phone):
    from django_otp.plugins.otp_static.models import StaticToken

    codes = mfa.new_recovery_codes(dana, actor=dana)
    stored = set(StaticToken.objects.filter(device__user=dana).values_list("token", flat=True))

    assert len(stored) == len(codes) and not stored & set(codes)
    password_only(client, dana)
    assert client.post(reverse("mfa-verify"), {"code": codes[0].upper()}).status_code == 302
    assert mfa.recovery_codes_left(dana) == len(codes) - 1


def test_the_migration_hashes_codes_stored_before_it(client, dana, danas_phone):
    from django_otp.plugins.otp_static.models import StaticToken

    codes = mfa.new_recovery_codes(dana, actor=dana)
    for token, code in zip(StaticToken.objects.filter(device__user=dana).order_by("pk"), codes,
                           strict=True):
        StaticToken.objects.filter(pk=token.pk).update(token=code)  # as before 0016

    importlib.import_module("casework.migrations.0016_hashed_recovery_codes"
                            ).hash_existing_codes(apps, None)

    assert not StaticToken.objects.filter(token__in=codes).exists()
    password_only(client, dana)
    assert client.post(reverse("mfa-verify"), {"code": codes[3]}).status_code == 302
