"""Open Referral HSDS 3.0 JSON: read a directory in, write it out.

The file is a JSON object whose `organizations` are HSDS 3.0 organization objects, each with its
`locations` (with `addresses`) and `services` nested, as in the specification's compiled schemas:

    {"organizations": [{"id", "name", "description", "email", "website", "phones": [...],
                        "attributes": [...], "locations": [...], "services": [...]}]}

Also accepted on import: a bare list of organizations, an API page (`{"contents": [...]}`), and
services listed at the top level (`"services": [...]`, each naming its `organization_id`).

What we read, and from where (everything else, including `contacts`, is ignored: contacts name
people, and this directory holds organisations' public details only):

- organization: id, name, description, email, website, phones[0].number, and its type from an
  attribute whose taxonomy term belongs to ORGANIZATION_TYPE_TAXONOMY (without one, a new
  organisation is a nonprofit and an existing one keeps its type);
- location: id, name, latitude, longitude, and the first physical address (address_1,
  address_2, city, region or state_province, postal_code, country);
- service: id, name, description, status, email, url, eligibility_description,
  application_process, fees_description, schedules[].description, languages[] (code, name),
  service_at_locations[] (id, location_id), capacities[0] (available, description; the
  service_capacity object of HSDS 3.1), and the category from its attributes (CATEGORY_TERMS).

An import adds and updates, never deletes: a service's languages and locations are replaced by
the file's, and nothing is saved when nothing changed, so re-importing a file writes nothing.
Data-sharing agreements are ours, not HSDS's: an import never touches them.
"""

import contextlib
import csv
import io
import json
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import outbox
from providers.models import (
    ImportRun,
    Location,
    Organization,
    Service,
    ServiceAtLocation,
    ServiceLanguage,
)

HSDS_VERSION = "3.0"
# Our own taxonomies: an exported directory names its terms with these, so it reads back as-is.
CATEGORY_TAXONOMY = "https://casework.example/hsds/taxonomy/service-category"
ORGANIZATION_TYPE_TAXONOMY = "https://casework.example/hsds/taxonomy/organization-type"
# Deterministic ids for the small objects we do not store with ids of their own (phones,
# addresses, attributes, languages...), so an export is the same every time.
ID_NAMESPACE = uuid.UUID("6b1f4f2e-3c52-4a55-9a7e-6f0d8a1c2b90")

# A taxonomy term maps to our category by its code or its name (case and spacing ignored): our
# own codes and labels, plus the top-level Open Eligibility terms that match one category.
CATEGORY_TERMS = {
    **{code: code for code in Service.Category.values},
    **{str(label).lower(): code for code, label in Service.Category.choices},
    "mental health care": "mental_health",
    "counseling": "mental_health",
    "counselling": "mental_health",
    "addiction & recovery": "substance_use",
    "substance abuse": "substance_use",
    "substance use treatment": "substance_use",
    "housing": "housing",
    "emergency shelter": "housing",
    "work": "employment",
    "job training": "employment",
    "education": "education",
    "more education": "education",
    "mentoring": "mentoring",
    "family support": "family",
    "parenting education": "family",
    "spiritual enrichment": "faith_community",
    "community": "faith_community",
    "legal": "legal",
    "legal aid": "legal",
    "government benefits": "documents",
    "help find documents": "documents",
    "identification": "documents",
    "youth": "youth",
    "youth development": "youth",
}
ORGANIZATION_TYPES = {
    **{code: code for code in Organization.Kind.values},
    **{str(label).lower(): code for code, label in Organization.Kind.choices},
}
PROGRESS_INTERVAL = 0.5  # seconds between saves of an import's progress
SERVICE_STATUSES = ("active", "inactive", "defunct", "temporarily closed")


class HSDSFileError(ValueError):
    """The file as a whole cannot be read: not JSON, or not a directory's shape."""


class RecordError(ValueError):
    """One record cannot be imported; the message says what to fix."""


def parse(raw: bytes) -> dict:
    """Read an HSDS JSON document into {"organizations": [...], "services": [...]}."""
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise HSDSFileError(_("The file is not JSON: %(error)s") % {"error": error}) from None
    except RecursionError:
        raise HSDSFileError(_("The file is nested too deeply to be a directory.")) from None
    if isinstance(document, list):
        document = {"organizations": document}
    if not isinstance(document, dict):
        raise HSDSFileError(_("The file must hold a JSON object with a list of organizations."))
    if "contents" in document and "organizations" not in document:
        document = {"organizations": document["contents"]}
    organizations = document.get("organizations")
    services = document.get("services", [])
    if not isinstance(organizations, list) or not isinstance(services, list):
        raise HSDSFileError(
            _('The file must hold "organizations" as a list (and "services", if given, too).')
        )
    if not organizations and not services:
        raise HSDSFileError(_("The file holds no organizations."))
    return {"organizations": organizations, "services": services}


@dataclass
class Record:
    kind: str  # "organization" or "service"
    number: int  # its position among records of its kind, from 1
    data: object
    parent_id: str | None = None  # a nested service's organization

    @property
    def raw_id(self) -> str:
        value = self.data.get("id") if isinstance(self.data, dict) else None
        return str(value)[:64] if value is not None else ""

    def label(self) -> str:
        return f"{self.kind} #{self.number} (id {self.raw_id or '?'})"


def records_of(document: dict) -> list[Record]:
    """Organizations first (services refer to them), then every service, numbered in order."""
    organizations, services = [], []
    for data in document.get("organizations") or []:
        organizations.append(Record("organization", len(organizations) + 1, data))
        nested = data.get("services") if isinstance(data, dict) else None
        for service in nested if isinstance(nested, list) else []:
            services.append(Record("service", len(services) + 1, service, data.get("id")))
    for data in document.get("services") or []:
        services.append(Record("service", len(services) + 1, data))
    return organizations + services


# --- Reading one record ------------------------------------------------------------------------


def _uuid(value, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise RecordError(
            _("%(what)s '%(value)s' is not a UUID") % {"what": what, "value": str(value)[:64]}
        ) from None


def _text(data: dict, key: str, *, required: bool = False) -> str:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise RecordError(_("'%(key)s' is required") % {"key": key})
        return ""
    if not isinstance(value, str | int | float):
        raise RecordError(_("'%(key)s' must be text") % {"key": key})
    return str(value).strip()


def _list(data: dict, key: str) -> list:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise RecordError(_("'%(key)s' must be a list of objects") % {"key": key})
    return value


def _terms(data: dict) -> list[dict]:
    terms = []
    for attribute in _list(data, "attributes"):
        term = attribute.get("taxonomy_term")
        if isinstance(term, dict):
            terms.append(term)
    return terms


def _term_key(term: dict) -> list[str]:
    return [" ".join(str(term.get(key, "")).lower().split()) for key in ("code", "name")]


def category_of(data: dict) -> str:
    """Our category for an HSDS service, from its attributes' taxonomy terms."""
    terms = [term for term in _terms(data) if term.get("taxonomy") != ORGANIZATION_TYPE_TAXONOMY]
    if not terms:
        raise RecordError(_("it has no category (an attribute with a taxonomy term)"))
    for term in terms:
        for key in _term_key(term):
            if key in CATEGORY_TERMS:
                return CATEGORY_TERMS[key]
    shown = terms[0].get("code") or terms[0].get("name") or ""
    raise RecordError(_("category '%(term)s' is not one we know") % {"term": str(shown)[:80]})


def kind_of(data: dict) -> str | None:
    for term in _terms(data):
        if term.get("taxonomy") == ORGANIZATION_TYPE_TAXONOMY:
            for key in _term_key(term):
                if key in ORGANIZATION_TYPES:
                    return ORGANIZATION_TYPES[key]
            shown = term.get("code") or term.get("name") or ""
            raise RecordError(
                _("organization type '%(term)s' is not one we know") % {"term": str(shown)[:80]}
            )
    return None  # not said: a new organisation is a nonprofit, an existing one keeps its type


def _coordinate(data: dict, key: str):
    value = data.get(key)
    if value in (None, ""):
        return None
    try:
        return Decimal(str(float(value))).quantize(Decimal("0.000001"))
    except (TypeError, ValueError, ArithmeticError):
        raise RecordError(_("'%(key)s' must be a number") % {"key": key}) from None


def _invalid(error: ValidationError) -> RecordError:
    parts = []
    for name, messages in error.message_dict.items():
        prefix = "" if name == "__all__" else f"{name}: "
        parts.append(prefix + " ".join(messages))
    return RecordError("; ".join(parts))


# --- Writing: save only what changed -----------------------------------------------------------


def _upsert(model, hsds_id: uuid.UUID, values: dict) -> tuple[str, object]:
    """Create or update the row with `hsds_id`; return "created", "updated" or "unchanged"."""
    row = model.objects.filter(hsds_id=hsds_id).first()
    created = row is None
    if created:
        row = model(hsds_id=hsds_id)
    changed = created
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    if not changed:
        return "unchanged", row
    try:
        row.full_clean()
    except ValidationError as error:
        raise _invalid(error) from None
    row.save()
    return ("created" if created else "updated"), row


def _combine(*outcomes: str) -> str:
    if outcomes[0] == "created":
        return "created"
    return "updated" if any(outcome != "unchanged" for outcome in outcomes) else "unchanged"


@dataclass
class Importer:
    """Import records one by one, remembering the ids this file has used."""

    seen: dict = field(default_factory=lambda: {"organization": set(), "location": set(),
                                                "service": set(), "service_at_location": set()})
    failed_organizations: set = field(default_factory=set)

    def claim(self, kind: str, value) -> uuid.UUID:
        hsds_id = _uuid(value, _("%(kind)s id") % {"kind": kind})
        if hsds_id in self.seen[kind]:
            raise RecordError(
                _("%(kind)s id %(id)s appears twice in the file") % {"kind": kind, "id": hsds_id}
            )
        self.seen[kind].add(hsds_id)
        return hsds_id

    def import_record(self, record: Record) -> str:
        if not isinstance(record.data, dict):
            raise RecordError(_("the record is not a JSON object"))
        if record.kind == "organization":
            return self.import_organization(record.data)
        return self.import_service(record.data, record.parent_id)

    def import_organization(self, data: dict) -> str:
        hsds_id = self.claim("organization", data.get("id"))
        try:
            return self._import_organization(hsds_id, data)
        except RecordError:
            self.failed_organizations.add(hsds_id)
            raise

    def _import_organization(self, hsds_id, data: dict) -> str:
        name = _text(data, "name", required=True)
        if "description" not in data:
            raise RecordError(_("'description' is required"))
        clash = Organization.objects.filter(name=name).exclude(hsds_id=hsds_id).first()
        if clash is not None:
            raise RecordError(
                _("another organization (id %(id)s) already has the name '%(name)s'")
                % {"id": clash.hsds_id, "name": name[:80]}
            )
        phones = _list(data, "phones")
        values = {
            "name": name,
            "description": _text(data, "description"),
            "email": _text(data, "email"),
            "website": _text(data, "website"),
            "phone": _text(phones[0], "number") if phones else "",
        }
        kind = kind_of(data)
        if kind is not None:
            values["kind"] = kind
        outcome, organization = _upsert(Organization, hsds_id, values)
        outcomes = [outcome]
        for location in _list(data, "locations"):
            outcomes.append(self.import_location(location, organization))
        return _combine(*outcomes)

    def import_location(self, data: dict, organization: Organization) -> str:
        hsds_id = self.claim("location", data.get("id"))
        if not data.get("location_type"):
            raise RecordError(_("location %(id)s: 'location_type' is required") % {"id": hsds_id})
        addresses = _list(data, "addresses")
        physical = [a for a in addresses if a.get("address_type") in (None, "", "physical")]
        address = (physical or addresses or [{}])[0]
        values = {
            "organization_id": organization.pk,
            "name": _text(data, "name") or organization.name,
            "address_1": _text(address, "address_1"),
            "address_2": _text(address, "address_2"),
            "city": _text(address, "city"),
            "region": _text(address, "region") or _text(address, "state_province"),
            "postal_code": _text(address, "postal_code"),
            "country": _text(address, "country"),
            "latitude": _coordinate(data, "latitude"),
            "longitude": _coordinate(data, "longitude"),
        }
        try:
            outcome, _location = _upsert(Location, hsds_id, values)
        except RecordError as error:
            raise RecordError(f"location {hsds_id}: {error}") from None
        return outcome

    def import_service(self, data: dict, parent_id) -> str:
        hsds_id = self.claim("service", data.get("id"))
        organization_id = _uuid(parent_id or data.get("organization_id"), _("organization_id"))
        if organization_id in self.failed_organizations:
            raise RecordError(
                _("its organization (id %(id)s) was not imported") % {"id": organization_id}
            )
        organization = Organization.objects.filter(hsds_id=organization_id).first()
        if organization is None:
            raise RecordError(
                _("organization %(id)s is neither in the file nor in the directory")
                % {"id": organization_id}
            )
        name = _text(data, "name", required=True)
        status = _text(data, "status", required=True)
        if status not in SERVICE_STATUSES:
            raise RecordError(
                _("status '%(status)s' is not one of %(choices)s")
                % {"status": status[:40], "choices": ", ".join(SERVICE_STATUSES)}
            )
        clash = (
            Service.objects.filter(organization=organization, name=name)
            .exclude(hsds_id=hsds_id).first()
        )
        if clash is not None:
            raise RecordError(
                _("another service of this organization (id %(id)s) has the name '%(name)s'")
                % {"id": clash.hsds_id, "name": name[:80]}
            )
        values = {
            "organization_id": organization.pk,
            "name": name,
            "category": category_of(data),
            "is_active": status in ("active", "temporarily closed"),
            "description": _text(data, "description"),
            "eligibility": _text(data, "eligibility_description"),
            "application_process": _text(data, "application_process"),
            "fees": _text(data, "fees_description") or _text(data, "fees"),
            "schedule": "; ".join(
                _text(s, "description") for s in _list(data, "schedules") if s.get("description")
            ),
            "email": _text(data, "email"),
            "url": _text(data, "url"),
            **self.capacity_of(data, status),
        }
        languages = self.languages_of(data)
        places = self.places_of(data)
        outcome, service = _upsert(Service, hsds_id, values)
        return _combine(
            outcome, self.sync_languages(service, languages), self.sync_places(service, places)
        )

    def capacity_of(self, data: dict, status: str) -> dict:
        """Capacity only when the file says something about it: a provider keeps it current."""
        capacities = _list(data, "capacities")
        if capacities:
            capacity = capacities[0]
            available = capacity.get("available")
            if available is not None and (not isinstance(available, int) or available < 0):
                raise RecordError(_("capacity 'available' must be a whole number, 0 or more"))
            described = _text(capacity, "description").lower()
            if described in Service.Capacity.values:
                capacity_status = described
            elif available == 0:
                capacity_status = Service.Capacity.CLOSED
            else:
                capacity_status = Service.Capacity.OPEN
            return {"capacity_status": capacity_status, "open_places": available}
        if status == "temporarily closed":
            return {"capacity_status": Service.Capacity.CLOSED}
        return {}

    def languages_of(self, data: dict) -> dict[str, str]:
        languages = {}
        for number, language in enumerate(_list(data, "languages"), start=1):
            code = _text(language, "code").lower()
            if not code:
                raise RecordError(_("language #%(n)s has no 'code'") % {"n": number})
            if len(code) > 20:
                raise RecordError(_("language code '%(code)s' is too long") % {"code": code[:40]})
            languages[code] = _text(language, "name")[:60]
        return languages

    def places_of(self, data: dict) -> dict[uuid.UUID, Location]:
        places = {}
        for link in _list(data, "service_at_locations"):
            link_id = self.claim("service_at_location", link.get("id"))
            location_id = _uuid(link.get("location_id"), _("location_id"))
            location = Location.objects.filter(hsds_id=location_id).first()
            if location is None:
                raise RecordError(
                    _("location %(id)s is neither in the file nor in the directory")
                    % {"id": location_id}
                )
            places[link_id] = location
        return places

    def sync_languages(self, service: Service, languages: dict[str, str]) -> str:
        changed = False
        existing = {language.code: language for language in service.languages.all()}
        for code, language in existing.items():
            if code not in languages:
                language.delete()
                changed = True
        for code, name in languages.items():
            current = existing.get(code)
            if current is None:
                ServiceLanguage.objects.create(service=service, code=code, name=name)
                changed = True
            elif current.name != name:
                current.name = name
                current.save()
                changed = True
        return "updated" if changed else "unchanged"

    def sync_places(self, service: Service, places: dict[uuid.UUID, Location]) -> str:
        changed = False
        existing = {link.hsds_id: link for link in service.at_locations.all()}
        for link_id, link in existing.items():
            if link_id not in places or places[link_id].pk != link.location_id:
                link.delete()
                changed = True
        for link_id, location in places.items():
            link = existing.get(link_id)
            if link is None or link.location_id != location.pk:
                stale = ServiceAtLocation.objects.filter(service=service, location=location)
                for row in stale:
                    row.delete()
                ServiceAtLocation.objects.create(hsds_id=link_id, service=service,
                                                 location=location)
                changed = True
        return "updated" if changed else "unchanged"


# --- A whole import ----------------------------------------------------------------------------


class _RollBack(Exception):
    pass


def run_import(run: ImportRun) -> ImportRun:
    """Import `run.payload` record by record, keeping the run's counts and errors current.

    Each valid record is committed in its own savepoint; with `all_or_nothing`, the first
    error rolls the whole import back (the report still lists every record's error).
    """
    document = run.payload or {"organizations": [], "services": []}
    records = records_of(document)
    run.status = ImportRun.Status.RUNNING
    run.total = len(records)
    run.processed = run.created = run.updated = run.unchanged = run.failed = 0
    run.errors = []
    run.save()
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    importer = Importer()
    with set_actor(run.started_by):
        try:
            with transaction.atomic() if run.all_or_nothing else contextlib.nullcontext():
                for record in records:
                    _import_one(run, importer, record, counts)
                if run.all_or_nothing and run.errors:
                    raise _RollBack
        except _RollBack:
            counts = {"created": 0, "updated": 0, "unchanged": 0}
            run.status = ImportRun.Status.ROLLED_BACK
    run.created, run.updated, run.unchanged = counts["created"], counts["updated"], counts[
        "unchanged"]
    run.failed = len(run.errors)
    if run.status == ImportRun.Status.RUNNING:
        run.status = ImportRun.Status.DONE
    run.processed = run.total
    run.finished_at = timezone.now()
    run.payload = None  # the file has been read; keep only the report
    run.save()
    return run


def _import_one(run: ImportRun, importer: Importer, record: Record, counts: dict) -> None:
    try:
        with transaction.atomic():
            outcome = importer.import_record(record)
        counts[outcome] += 1
    except RecordError as error:
        run.errors.append(
            {"record": record.kind, "number": record.number, "id": record.raw_id,
             "message": f"{record.label()}: {error}"}
        )
    run.processed += 1
    # Only `processed` changes here, and the change log leaves it out: progress, not history.
    # At most twice a second: the progress bar polls every second.
    now = time.monotonic()
    if now - getattr(run, "_progress_saved", 0.0) >= PROGRESS_INTERVAL:
        run.save(update_fields=["processed"])
        run._progress_saved = now


def start_import(*, document: dict, file_name: str, actor, all_or_nothing: bool) -> ImportRun:
    """Record an import and queue it for after the commit; return the run to follow."""
    from providers import tasks

    run = ImportRun.objects.create(
        started_by=actor, file_name=file_name[:200], payload=document,
        all_or_nothing=all_or_nothing, total=len(records_of(document)),
    )
    outbox.enqueue(tasks.import_directory, run_id=run.pk)
    return run


# --- Export ------------------------------------------------------------------------------------


def _id(*parts) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, ":".join(str(part) for part in parts)))


def export_document() -> dict:
    """The whole directory as an HSDS 3.0 JSON document (a constant number of queries)."""
    organizations = Organization.objects.prefetch_related(
        "locations", "services__languages", "services__at_locations__location"
    ).order_by("name")
    return {
        "hsds_version": HSDS_VERSION,
        "generated": timezone.now().isoformat(timespec="seconds"),
        "organizations": [_organization(organization) for organization in organizations],
    }


def _organization(organization: Organization) -> dict:
    org_id = str(organization.hsds_id)
    data = {
        "id": org_id,
        "name": organization.name,
        "description": organization.description,
        "email": organization.email or None,
        "website": organization.website or None,
        "phones": [],
        "attributes": [
            {
                "id": _id(org_id, "type"), "link_id": org_id, "link_type": "organization_type",
                "link_entity": "organization", "taxonomy_term_id": _id("type", organization.kind),
                "taxonomy_term": {
                    "id": _id("type", organization.kind), "code": organization.kind,
                    "name": str(Organization.Kind(organization.kind).label),
                    "taxonomy": ORGANIZATION_TYPE_TAXONOMY,
                },
            }
        ],
        "locations": [_location(location, org_id) for location in organization.locations.all()],
        "services": [_service(service, org_id) for service in organization.services.all()],
    }
    if organization.phone:
        data["phones"] = [{"id": _id(org_id, "phone"), "organization_id": org_id,
                           "number": organization.phone}]
    return data


def _location(location: Location, org_id: str) -> dict:
    location_id = str(location.hsds_id)
    return {
        "id": location_id,
        "location_type": "physical",
        "organization_id": org_id,
        "name": location.name,
        "latitude": float(location.latitude) if location.latitude is not None else None,
        "longitude": float(location.longitude) if location.longitude is not None else None,
        "addresses": [
            {
                "id": _id(location_id, "address"), "location_id": location_id,
                "address_1": location.address_1, "address_2": location.address_2 or None,
                "city": location.city, "region": location.region or None,
                "state_province": location.region, "postal_code": location.postal_code,
                "country": location.country, "address_type": "physical",
            }
        ],
    }


def _service(service: Service, org_id: str) -> dict:
    service_id = str(service.hsds_id)
    if not service.is_active:
        status = "inactive"
    elif service.capacity_status == Service.Capacity.CLOSED:
        status = "temporarily closed"
    else:
        status = "active"
    data = {
        "id": service_id,
        "organization_id": org_id,
        "name": service.name,
        "description": service.description,
        "url": service.url or None,
        "email": service.email or None,
        "status": status,
        "eligibility_description": service.eligibility or None,
        "application_process": service.application_process or None,
        "fees_description": service.fees or None,
        "schedules": [],
        "languages": [
            {"id": _id(service_id, "language", language.code), "service_id": service_id,
             "name": language.name or None, "code": language.code}
            for language in service.languages.all()
        ],
        "service_at_locations": [
            {"id": str(link.hsds_id), "service_id": service_id,
             "location_id": str(link.location.hsds_id)}
            for link in service.at_locations.all()
        ],
        "capacities": [
            {
                "id": _id(service_id, "capacity"), "service_id": service_id,
                "available": service.open_places,
                "unit": {"id": _id("unit", "places"), "name": "places"},
                "description": service.capacity_status,
                "updated": None,
            }
        ],
        "attributes": [
            {
                "id": _id(service_id, "category"), "link_id": service_id,
                "link_type": "service_category", "link_entity": "service",
                "taxonomy_term_id": _id("category", service.category),
                "taxonomy_term": {
                    "id": _id("category", service.category), "code": service.category,
                    "name": str(Service.Category(service.category).label),
                    "taxonomy": CATEGORY_TAXONOMY,
                },
            }
        ],
    }
    if service.schedule:
        data["schedules"] = [{"id": _id(service_id, "schedule"), "service_id": service_id,
                              "description": service.schedule}]
    return data


# --- The tabular form: an HSDS datapackage of CSV files ----------------------------------------

# (file, HSDS table name, columns) in the specification's table order.
TABLES = [
    ("organizations.csv", "organization",
     ["id", "name", "description", "email", "website"]),
    ("services.csv", "service",
     ["id", "organization_id", "name", "description", "url", "email", "status",
      "eligibility_description", "application_process", "fees_description"]),
    ("locations.csv", "location",
     ["id", "location_type", "organization_id", "name", "latitude", "longitude"]),
    ("addresses.csv", "address",
     ["id", "location_id", "address_1", "address_2", "city", "region", "state_province",
      "postal_code", "country", "address_type"]),
    ("service_at_locations.csv", "service_at_location", ["id", "service_id", "location_id"]),
    ("phones.csv", "phone", ["id", "organization_id", "number"]),
    ("schedules.csv", "schedule", ["id", "service_id", "description"]),
    ("languages.csv", "language", ["id", "service_id", "name", "code"]),
    ("service_capacities.csv", "service_capacity",
     ["id", "service_id", "available", "description"]),
    ("attributes.csv", "attribute",
     ["id", "link_id", "taxonomy_term_id", "link_type", "link_entity"]),
    ("taxonomy_terms.csv", "taxonomy_term", ["id", "code", "name", "taxonomy"]),
]


def _rows(document: dict) -> dict[str, list[dict]]:
    rows = {name: [] for _, name, _ in TABLES}
    terms = {}
    for organization in document["organizations"]:
        rows["organization"].append(organization)
        rows["phone"].extend(organization["phones"])
        for location in organization["locations"]:
            rows["location"].append(location)
            rows["address"].extend(location["addresses"])
        attributes = list(organization["attributes"])
        for service in organization["services"]:
            rows["service"].append(service)
            rows["service_at_location"].extend(service["service_at_locations"])
            rows["schedule"].extend(service["schedules"])
            rows["language"].extend(service["languages"])
            rows["service_capacity"].extend(service["capacities"])
            attributes.extend(service["attributes"])
        for attribute in attributes:
            rows["attribute"].append(attribute)
            terms[attribute["taxonomy_term"]["id"]] = attribute["taxonomy_term"]
    rows["taxonomy_term"] = list(terms.values())
    return rows


def _cell(value) -> str:
    """A CSV cell; text that a spreadsheet would run as a formula is prefixed with '."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def export_datapackage() -> bytes:
    """The directory as an HSDS tabular datapackage: a zip of CSV files and datapackage.json."""
    rows = _rows(export_document())
    buffer = io.BytesIO()
    resources = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file_name, table, columns in TABLES:
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(columns)
            for row in rows[table]:
                writer.writerow([_cell(row.get(column)) for column in columns])
            archive.writestr(file_name, text.getvalue())
            resources.append({
                "name": table, "path": file_name, "format": "csv", "mediatype": "text/csv",
                "profile": "tabular-data-resource",
                "schema": {"fields": [{"name": column, "type": "string"} for column in columns]},
            })
        package = {"name": "directory", "profile": "tabular-data-package",
                   "version": HSDS_VERSION, "resources": resources}
        archive.writestr("datapackage.json", json.dumps(package, indent=2))
    return buffer.getvalue()
