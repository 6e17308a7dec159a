"""Field-level encryption bound to its row (AES-GCM with associated data) and keyed blind indexes.

A value is sealed with AES-256-GCM under the newest key in settings.FIELD_ENCRYPTION_KEYS. The
associated data names the table, the field and the row's primary key, so a ciphertext copied to
another row or another field fails its authentication check instead of decrypting there. The
stored form is ``v2:<key id>:<scope>:<base64 nonce+ciphertext>``:

- the key id (eight hex digits of an HMAC of the key) says which key sealed it, so a rotation can
  count the rows still under each key and refuse to retire one that is in use;
- the scope is ``row`` (bound to table, field and pk: everything the app writes through save())
  or ``fld`` (bound to table and field only: a value written without a row in hand, such as a
  column default a migration fills in or a QuerySet.update(); `rotate_encryption_keys` binds
  them to their rows).

A row needs its primary key before its fields can be sealed, so a new row of a model with
encrypted fields reserves its id from the table's own sequence before the INSERT (see
`reserve_pk`): the id is final, sealing happens once, and nothing is ever written unbound.

Fernet tokens written before this format (``gAAAAA...``) still decrypt while
FIELD_ENCRYPTION_LEGACY_READS is on, until `rotate_encryption_keys` has re-encrypted them.
A wrong or missing key fails loudly: ciphertext is never handed back as if it were data.
"""

import base64
import binascii
import datetime
import hashlib
import hmac
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, models, router
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import pre_save
from django.utils.translation import gettext_lazy as _

PREFIX = "v2"
ROW = "row"
FIELD = "fld"
LEGACY = "legacy"  # how reports name Fernet tokens, which carry no key id
NONCE_BYTES = 12


class DecryptionFailed(ImproperlyConfigured):
    """A stored value cannot be decrypted with any configured key (or not in this place)."""


@dataclass(frozen=True)
class Key:
    id: str
    aead: AESGCM


@dataclass(frozen=True)
class Keyring:
    newest: Key
    by_id: dict
    fernet: MultiFernet


@cache
def _keyring(keys: tuple[str, ...]) -> Keyring:
    if not keys:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is empty: set it to one or more Fernet keys "
            "(see .env.example for the command that generates one)."
        )
    try:
        fernets = [Fernet(key.strip().encode()) for key in keys]
    except ValueError as error:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key (32 url-safe "
            "base64-encoded bytes)."
        ) from error
    ring = []
    for key in keys:
        raw = base64.urlsafe_b64decode(key.strip().encode())
        # The configured key is kept in Fernet's format, so older tokens still open with it; the
        # AES-GCM key is derived from it for this one purpose and never used for anything else.
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                       info=b"casework field encryption v2 aes-256-gcm").derive(raw)
        key_id = hmac.new(raw, b"casework field encryption key id", hashlib.sha256).hexdigest()[:8]
        ring.append(Key(key_id, AESGCM(derived)))
    return Keyring(newest=ring[0], by_id={k.id: k for k in ring}, fernet=MultiFernet(fernets))


def keyring() -> Keyring:
    return _keyring(tuple(settings.FIELD_ENCRYPTION_KEYS))


def key_ids() -> list[str]:
    """The configured keys' ids, newest first (what reports and the audit record name)."""
    return [k.id for k in _keyring(tuple(settings.FIELD_ENCRYPTION_KEYS)).by_id.values()]


def fernet() -> MultiFernet:
    return keyring().fernet


def _aad(table: str, field: str, pk) -> bytes:
    return f"{table}|{field}|{'' if pk is None else pk}".encode()


def seal(plaintext: str, *, table: str, field: str, pk=None) -> str:
    """Encrypt under the newest key, bound to `table`.`field` and, given a `pk`, to that row."""
    key = keyring().newest
    nonce = os.urandom(NONCE_BYTES)
    body = key.aead.encrypt(nonce, plaintext.encode(), _aad(table, field, pk))
    scope = FIELD if pk is None else ROW
    return f"{PREFIX}:{key.id}:{scope}:{base64.urlsafe_b64encode(nonce + body).decode()}"


def parse(token: str) -> tuple[str, str, str] | None:
    """(key id, scope, body) of a sealed value; None for a legacy Fernet token."""
    if not token.startswith(PREFIX + ":"):
        return None
    try:
        _, key_id, scope, body = token.split(":", 3)
    except ValueError:
        return ("", "", "")
    return key_id, scope, body


def open_sealed(token: str, *, table: str, field: str, pk=None, label: str = "a field") -> str:
    """Decrypt a stored value of `table`.`field` in row `pk`, or raise DecryptionFailed."""
    parts = parse(token)
    if parts is None:
        return _open_legacy(token, label=label)
    key_id, scope, body = parts
    key = keyring().by_id.get(key_id)
    if key is None:
        raise DecryptionFailed(
            f"Cannot decrypt {label}: it was sealed with key {key_id or '?'}, which is not in "
            "FIELD_ENCRYPTION_KEYS. Configure that key again, then re-encrypt."
        )
    if scope == ROW and pk is None:
        raise DecryptionFailed(f"Cannot decrypt {label} without its row's primary key.")
    try:
        raw = base64.urlsafe_b64decode(body.encode())
        aad = _aad(table, field, pk if scope == ROW else None)
        return key.aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad).decode()
    except (InvalidTag, ValueError, binascii.Error) as error:
        raise DecryptionFailed(
            f"Cannot decrypt {label}: the value does not belong to this row and field, or it was "
            "altered. It was not written here by the application."
        ) from error


def _open_legacy(token: str, *, label: str) -> str:
    if not settings.FIELD_ENCRYPTION_LEGACY_READS:
        raise DecryptionFailed(
            f"Cannot decrypt {label}: it is in the old format (no row binding) and "
            "FIELD_ENCRYPTION_LEGACY_READS is off. Run rotate_encryption_keys with it on first."
        )
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise DecryptionFailed(
            f"Cannot decrypt {label}: none of the keys in FIELD_ENCRYPTION_KEYS matches. "
            "Check that the key the data was written with is still configured."
        ) from error


def encrypt(plaintext: str) -> str:
    """A legacy Fernet token, bound to nothing: only for bulk generators of test data sets.

    Everything the application writes goes through the fields, which seal with `seal`."""
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str, *, label: str = "a field") -> str:
    """Open a legacy Fernet token (see `encrypt`)."""
    return _open_legacy(token, label=label)


# Reserving a row's id before its INSERT --------------------------------------------------------

_RESERVE = {
    # The identity (or serial) sequence behind the pk: the id PostgreSQL would have given.
    "postgresql": "SELECT nextval(pg_get_serial_sequence(%s, %s))",
}


def reserve_pk(model, *, using: str) -> int:
    """Take the next id of `model`'s table from its own sequence, as the INSERT would have.

    SQLite's AUTOINCREMENT keeps its counter in sqlite_sequence, which may be updated like any
    table; the UPDATE ... RETURNING is atomic under SQLite's single writer, and a row inserted
    with an explicit id later moves the counter past it, so ids are never handed out twice."""
    connection = connections[using]
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_RESERVE["postgresql"], [connection.ops.quote_name(table), column])
            return cursor.fetchone()[0]
        if connection.vendor == "sqlite":
            cursor.execute("UPDATE sqlite_sequence SET seq = seq + 1 WHERE name = %s "
                           "RETURNING seq", [table])
            row = cursor.fetchone()
            if row is None:
                quoted = connection.ops.quote_name(table)
                cursor.execute(
                    f"INSERT INTO sqlite_sequence (name, seq) "  # noqa: S608 (quoted names)
                    f"SELECT %s, COALESCE(MAX({connection.ops.quote_name(column)}), 0) + 1 "
                    f"FROM {quoted} RETURNING seq", [table])
                row = cursor.fetchone()
            return row[0]
    raise ImproperlyConfigured(f"Encrypted fields cannot reserve ids on {connection.vendor}.")


@cache
def _needs_reserved_pk(model) -> bool:
    pk = model._meta.pk
    return isinstance(pk, models.AutoField | models.BigAutoField | models.SmallAutoField) and any(
        isinstance(f, EncryptedField) for f in model._meta.local_concrete_fields)


def _reserve_pk_before_insert(sender, instance, raw=False, using=None, **kwargs):
    # A signal, not save(): every model with an encrypted field gets its id before its INSERT,
    # whatever app it lives in. (Django still tries an UPDATE first for a set pk: one cheap
    # statement that finds no row.)
    if instance.pk is None and _needs_reserved_pk(sender):
        instance.pk = reserve_pk(sender, using=using or router.db_for_write(sender))


pre_save.connect(_reserve_pk_before_insert, dispatch_uid="casework-crypto-reserve-pk")


# The fields ------------------------------------------------------------------------------------


class Sealed:
    """A stored value read without its row (values(), values_list()): it cannot be opened there.

    Load model instances instead; they open each value with their own primary key."""

    __slots__ = ("token",)

    def __init__(self, token: str):
        self.token = token

    def __str__(self):
        raise TypeError("An encrypted value read without its row cannot be decrypted: load model "
                        "instances instead of values()/values_list().")

    __repr__ = object.__repr__

    # Two reads of the same stored value are equal (a check that nothing changed compares
    # them), without opening either.
    def __eq__(self, other):
        return isinstance(other, Sealed) and other.token == self.token

    def __hash__(self):
        return hash(self.token)


@dataclass(frozen=True)
class _Bound:
    """A clear value on its way to the database with the row it belongs to."""

    text: str
    pk: object


class _EncryptedAttribute(DeferredAttribute):
    """Opens a stored value with the instance's primary key as soon as both are known."""

    def __set__(self, instance, value):
        if isinstance(value, Sealed) and instance.pk is not None:
            value = self.field.open_for(instance, value)
        instance.__dict__[self.field.attname] = value

    def __get__(self, instance, cls=None):
        value = super().__get__(instance, cls)
        if instance is not None and isinstance(value, Sealed):
            value = self.field.open_for(instance, value)
            instance.__dict__[self.field.attname] = value
        return value


class EncryptedField(models.TextField):
    """Base for fields stored sealed to their row; subclasses convert to and from text.

    None stays NULL; every other value, "" included, is encrypted, so nothing is lost.
    Lookups other than isnull are meaningless on ciphertext: use a blind index instead.
    """

    description = _("Encrypted value")
    descriptor_class = _EncryptedAttribute

    def to_text(self, value) -> str:
        return str(value)

    def from_text(self, text: str):
        return text

    @property
    def label(self) -> str:
        return f"{self.model.__name__}.{self.name}"

    def open_text(self, token: str, pk) -> str:
        return open_sealed(token, table=self.model._meta.db_table, field=self.name, pk=pk,
                           label=self.label)

    def open_for(self, instance, sealed: Sealed):
        return self.from_text(self.open_text(sealed.token, instance.pk))

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        parts = parse(value)
        if parts is not None and parts[1] == ROW:
            return Sealed(value)  # opened by the attribute, with the row's pk
        return self.from_text(self.open_text(value, None))

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if value is None:
            return None
        if isinstance(value, Sealed):
            value = self.open_for(model_instance, value)
        if model_instance.pk is None:
            raise ImproperlyConfigured(
                f"{self.label} cannot be sealed to a row without a primary key: save() reserves "
                "one; bulk_create() callers must set pk first (crypto.reserve_pk)."
            )
        return _Bound(self.to_text(self.to_python(value)), model_instance.pk)

    def get_prep_value(self, value):
        if value is None:
            return None
        table = self.model._meta.db_table
        if isinstance(value, _Bound):
            return seal(value.text, table=table, field=self.name, pk=value.pk)
        # No row in hand (a column default, QuerySet.update()): bound to the field only.
        return seal(self.to_text(self.to_python(value)), table=table, field=self.name)

    def bound(self, value, pk) -> "_Bound":
        """A value for QuerySet.update() that is sealed to row `pk` (for one-row updates)."""
        return _Bound(self.to_text(self.to_python(value)), pk)

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
