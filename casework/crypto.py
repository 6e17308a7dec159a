"""Field-level encryption (MultiFernet) and keyed blind indexes (HMAC-SHA-256).

A value is encrypted under the newest key in settings.FIELD_ENCRYPTION_KEYS; older keys still
decrypt until `rotate_encryption_keys` has re-encrypted every row. A wrong or missing key fails
loudly: ciphertext is never handed back as if it were data.
"""

import datetime
import hashlib
import hmac
import re
import unicodedata
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext_lazy as _


class DecryptionFailed(ImproperlyConfigured):
    """A stored value cannot be decrypted with any configured key."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is empty: set it to one or more Fernet keys "
            "(see .env.example for the command that generates one)."
        )
    try:
        return MultiFernet([Fernet(key.strip().encode()) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key (32 url-safe "
            "base64-encoded bytes)."
        ) from error


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str, *, label: str = "a field") -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise DecryptionFailed(
            f"Cannot decrypt {label}: none of the keys in FIELD_ENCRYPTION_KEYS matches. "
            "Check that the key the data was written with is still configured."
        ) from error


def rotate(token: str) -> str:
    """Return `token` re-encrypted under the newest key."""
    return fernet().rotate(token.encode()).decode()


class EncryptedField(models.TextField):
    """Base for fields stored as Fernet tokens; subclasses convert to and from text.

    None stays NULL; every other value, "" included, is encrypted, so nothing is lost.
    Lookups other than isnull are meaningless on ciphertext: use a blind index instead.
    """

    description = _("Encrypted value")

    def to_text(self, value) -> str:
        return str(value)

    def from_text(self, text: str):
        return text

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return self.from_text(decrypt(value, label=f"{self.model.__name__}.{self.name}"))

    def get_prep_value(self, value):
        if value is None:
            return None
        return encrypt(self.to_text(self.to_python(value)))

    def to_python(self, value):
        return value

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            raise TypeError(f"Encrypted field {self.name} cannot be filtered with {lookup_name}.")
        return super().get_lookup(lookup_name)

    def value_to_string(self, obj):
        # Serialisers (dumpdata, auditlog snapshots) must never see the clear value.
        return "[encrypted]"


class EncryptedTextField(EncryptedField):
    def to_python(self, value):
        return value if value is None or isinstance(value, str) else str(value)


class EncryptedCharField(EncryptedTextField):
    """Encrypted text with a form widget for short values; max_length limits the clear text."""

    def formfield(self, **kwargs):
        from django import forms

        kwargs.setdefault("form_class", forms.CharField)
        kwargs.setdefault("max_length", self.max_length)
        return models.Field.formfield(self, **kwargs)


class EncryptedDateField(EncryptedField):
    def to_text(self, value) -> str:
        return value.isoformat()

    def from_text(self, text: str):
        return datetime.date.fromisoformat(text)

    def to_python(self, value):
        if value is None or isinstance(value, datetime.date):
            return value
        return models.DateField().to_python(value)

    def formfield(self, **kwargs):
        from django import forms

        kwargs.setdefault("form_class", forms.DateField)
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}))
        return models.Field.formfield(self, **kwargs)


# Blind indexes -------------------------------------------------------------------------------

_NON_NAME = re.compile(r"[^a-z0-9 ]+")


def normalise_name(*parts: str) -> str:
    """Fold case, accents, punctuation, spacing and word order.

    "Álvarez, José" and "jose alvarez" give the same string.
    """
    text = " ".join(p for p in parts if p)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = _NON_NAME.sub(" ", text.replace("-", " ").replace("'", ""))
    return " ".join(sorted(text.split()))


def normalise_phone(phone: str) -> str:
    """Keep the last ten digits, so "+1 (312) 555-0100" == "312.555.0100"."""
    digits = re.sub(r"\D", "", phone or "")
    return digits[-10:]


def blind_index(kind: str, value: str) -> str:
    """Return the keyed HMAC of a normalised value.

    `kind` keeps the indexes of different fields apart.
    """
    if not value:
        return ""
    key = settings.BLIND_INDEX_KEY
    if not key:
        raise ImproperlyConfigured("BLIND_INDEX_KEY is not set.")
    message = f"{kind}:{value}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def name_dob_index(first_name: str, last_name: str, date_of_birth: datetime.date | None) -> str:
    name = normalise_name(first_name, last_name)
    if not name or not date_of_birth:
        return ""
    return blind_index("name+dob", f"{name}|{date_of_birth.isoformat()}")


def name_index(first_name: str, last_name: str = "") -> str:
    return blind_index("name", normalise_name(first_name, last_name))


def phone_index(phone: str) -> str:
    return blind_index("phone", normalise_phone(phone))


# The fields blind indexes are kept in, for a person's details wherever they are held.
BLIND_INDEX_FIELDS = ("name_dob_index", "name_index", "phone_index")


class BlindIndexed(models.Model):
    """Keyed blind indexes of `first_name`, `last_name`, `date_of_birth` and `phone`, for
    exact-match search and duplicate detection (never shown, not logged).

    Every save derives them afresh from the encrypted values, and a save limited to some fields
    saves them too, so they never fall out of step.
    """

    name_dob_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    name_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.name_dob_index = name_dob_index(self.first_name, self.last_name, self.date_of_birth)
        self.name_index = name_index(self.first_name, self.last_name)
        self.phone_index = phone_index(self.phone)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, *BLIND_INDEX_FIELDS}
        super().save(*args, **kwargs)
