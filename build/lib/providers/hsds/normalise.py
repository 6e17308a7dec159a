"""Turn one HSDS record into the values we store, with a warning for each field we changed or
dropped and a fault for each reason the record cannot be kept.

Warnings, not rejections: an optional field that does not validate is normalised when that is
safe (a bare domain becomes https://..., a phone number loses its quotes) or dropped and reported,
and the record is kept. A record is rejected only when a field HSDS requires is missing or its id
is not an identifier; every fault of that record is reported, not only the first.
"""

import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext as _

SERVICE_STATUSES = ("active", "inactive", "defunct", "temporarily closed")
# A CSV export neutralises text a spreadsheet would run as a formula with a leading "'"
# (export.cell); reading such a cell back removes it, so a package round-trips unchanged.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_DOMAIN = re.compile(r"^(www\.)?[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?(/\S*)?$", re.IGNORECASE)
_PHONE_TEXT = re.compile(r"[^0-9+()\-. x]")
_url = URLValidator(schemes=["http", "https"])
_email = EmailValidator()


@dataclass
class Issue:
    """A warning (the record is kept) or a fault (it is rejected), naming the field."""

    field: str
    message: str


@dataclass
class Checked:
    """The outcome of reading one record: its values, and what was said about it."""

    record_type: str
    record_id: str
    name: str
    values: dict = field(default_factory=dict)
    warnings: list[Issue] = field(default_factory=list)
    faults: list[Issue] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return bool(self.faults)

    def warn(self, name: str, message: str) -> None:
        self.warnings.append(Issue(name, message))

    def fault(self, name: str, message: str) -> None:
        self.faults.append(Issue(name, message))


def unformula(text: str) -> str:
    if text[:1] == "'" and text[1:2] and text[1:2] in FORMULA_STARTS:
        return text[1:]
    return text


def text(data: dict, key: str) -> str:
    """The field as stripped text ("" when absent, null or not a scalar)."""
    value = data.get(key)
    if value is None or isinstance(value, dict | list | bool):
        return ""
    return unformula(str(value).strip())


def required_text(checked: Checked, data: dict, key: str, max_length: int) -> str:
    value = text(data, key)
    if not value and key not in data:
        checked.fault(key, _("'%(key)s' is required by HSDS and missing") % {"key": key})
    elif not value and key == "name":
        checked.fault(key, _("'name' is empty"))
    elif len(value) > max_length:
        checked.fault(key, _("'%(key)s' is longer than %(n)s characters") % {"key": key,
                                                                            "n": max_length})
    return value


def optional_text(checked: Checked, data: dict, key: str, max_length: int) -> str:
    value = text(data, key)
    if len(value) > max_length:
        checked.warn(key, _("shortened to %(n)s characters") % {"n": max_length})
        value = value[:max_length]
    return value


def identifier(checked: Checked, value, what: str = "id") -> uuid.UUID | None:
    if value in (None, ""):
        checked.fault(what, _("'%(what)s' is required by HSDS and missing") % {"what": what})
        return None
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        checked.fault(what, _("'%(what)s' %(value)s is not a UUID")
                      % {"what": what, "value": str(value)[:64]})
        return None


def optional_identifier(checked: Checked, value, what: str) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        checked.warn(what, _("%(value)s is not a UUID: left out") % {"value": str(value)[:64]})
        return None


def website(checked: Checked, data: dict, key: str) -> str:
    """A web address; a bare domain (www.example.org) gets https:// in front."""
    value = text(data, key)
    if not value:
        return ""
    if "://" not in value and _DOMAIN.match(value):
        value = "https://" + value
        checked.warn(key, _("a bare domain: written as %(url)s") % {"url": value[:100]})
    try:
        _url(value)
    except ValidationError:
        checked.warn(key, _("not a web address: left out"))
        return ""
    if len(value) > 200:
        checked.warn(key, _("longer than 200 characters: left out"))
        return ""
    return value


def email(checked: Checked, data: dict, key: str = "email") -> str:
    value = text(data, key).removeprefix("mailto:")
    if not value:
        return ""
    try:
        _email(value)
    except ValidationError:
        checked.warn(key, _("not an email address: left out"))
        return ""
    return value[:254]


def phone(checked: Checked, data: dict, key: str = "number") -> str:
    """A phone number with its quotes and stray characters removed, or nothing."""
    value = text(data, key).strip("\"' ")
    if not value:
        return ""
    cleaned = " ".join(_PHONE_TEXT.sub(" ", value).split())
    digits = sum(character.isdigit() for character in cleaned)
    if digits < 3:
        checked.warn("phones", _("not a phone number: left out"))
        return ""
    if cleaned != value:
        checked.warn("phones", _("phone number written as %(number)s") % {"number": cleaned})
    return cleaned[:40]


def coordinate(checked: Checked, data: dict, key: str, limit: int) -> Decimal | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError, TypeError):
        checked.warn(key, _("not a number: left out"))
        return None
    if not -limit <= number <= limit:
        checked.warn(key, _("%(value)s is outside -%(limit)s..%(limit)s: left out")
                     % {"value": str(value)[:20], "limit": limit})
        return None
    return number


def status(checked: Checked, data: dict) -> str:
    value = text(data, "status").lower()
    if not value:
        if "status" not in data:
            checked.fault("status", _("'status' is required by HSDS and missing"))
        else:
            checked.fault("status", _("'status' is empty"))
        return ""
    if value not in SERVICE_STATUSES:
        checked.warn("status", _("'%(value)s' is not one of %(choices)s: read as active")
                     % {"value": value[:40], "choices": ", ".join(SERVICE_STATUSES)})
        return "active"
    return value


def objects(checked: Checked, data: dict, key: str) -> list[dict]:
    """A list of nested objects; anything else in it is reported and skipped."""
    value = data.get(key)
    if value in (None, ""):
        return []
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        checked.warn(key, _("not a list: left out"))
        return []
    kept = [item for item in value if isinstance(item, dict)]
    if len(kept) != len(value):
        checked.warn(key, _("items that are not objects were left out"))
    return kept


def language_code(checked: Checked, language: dict) -> str:
    code = text(language, "code").lower()
    if not code:
        name = text(language, "name")
        if name:
            checked.warn("languages", _("language '%(name)s' has no code: left out")
                         % {"name": name[:40]})
        return ""
    if len(code) > 20 or not re.fullmatch(r"[a-z0-9-]+", code):
        checked.warn("languages", _("'%(code)s' is not a language code: left out")
                     % {"code": code[:40]})
        return ""
    return code
