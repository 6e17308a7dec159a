"""Write the directory out as HSDS 3.0: JSON (a list of organizations) and the tabular
datapackage (a zip of CSV files named and ordered as the specification's datapackage.json).

What HSDS leaves optional and we do not have is omitted, never written as null, so every
organisation validates against the official schema (tests/providers/test_hsds_schema.py). Ids
of the small objects we do not store with ids of their own (phones, addresses, attributes,
languages) are derived from their owner's, so an export is the same every time and re-imports
with no change.
"""

import csv
import io
import json
import uuid
import zipfile
from functools import cache
from pathlib import Path

from django.db.models import Prefetch
from django.utils import timezone

from providers.hsds import taxonomy
from providers.hsds.normalise import FORMULA_STARTS
from providers.models import Organization, Service, ServiceAtLocation, ServiceTerm

HSDS_VERSION = "3.0"
SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
ID_NAMESPACE = uuid.UUID("6b1f4f2e-3c52-4a55-9a7e-6f0d8a1c2b90")


def _id(*parts) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, ":".join(str(part) for part in parts)))


def _compact(data: dict) -> dict:
    """Leave out what we do not have: HSDS says omit, not null."""
    return {key: value for key, value in data.items() if value not in (None, "", [])}


def organizations():
    """Every organisation with what the export reads, in a constant number of queries."""
    return Organization.objects.prefetch_related(
        "locations",
        Prefetch("services", queryset=Service.objects.order_by("name").prefetch_related(
            "languages",
            Prefetch("at_locations", queryset=ServiceAtLocation.objects.select_related("location")),
            Prefetch("terms", queryset=ServiceTerm.objects.select_related("term")),
        )),
    ).order_by("name")


def export_document() -> dict:
    """The whole directory as an HSDS 3.0 JSON document."""
    return {
        "hsds_version": HSDS_VERSION,
        "generated": timezone.now().isoformat(timespec="seconds"),
        "organizations": [organization(row) for row in organizations()],
    }


def _term(term_id: str, code: str, name: str, source: str, description: str = "") -> dict:
    # HSDS 3.0 requires a term's description: our terms' label stands in when there is none.
    return _compact({"id": term_id, "code": code, "name": name,
                     "description": description or name, "taxonomy": source})


def _attribute(owner_id: str, entity: str, link_type: str, term: dict) -> dict:
    return {"id": _id(owner_id, link_type, term["id"]), "link_id": owner_id,
            "link_type": link_type, "link_entity": entity, "taxonomy_term_id": term["id"],
            "taxonomy_term": term}


def organization(row: Organization) -> dict:
    org_id = str(row.hsds_id)
    kind = _term(_id("type", row.kind), row.kind, str(Organization.Kind(row.kind).label),
                 taxonomy.ORGANIZATION_TYPE_TAXONOMY)
    data = {
        "id": org_id, "name": row.name, "description": row.description,
        "email": row.email, "website": row.website,
        "phones": [{"id": _id(org_id, "phone"), "organization_id": org_id, "number": row.phone}]
        if row.phone else [],
        "attributes": [_attribute(org_id, "organization", "organization_type", kind)],
        "locations": [location(place, org_id) for place in row.locations.all()],
        "services": [service(item, org_id) for item in row.services.all()],
    }
    return {**_compact(data), "description": row.description}  # required, even when empty


def location(row, org_id: str) -> dict:
    location_id = str(row.hsds_id)
    data = {
        "id": location_id, "location_type": "physical", "organization_id": org_id,
        "name": row.name,
        "latitude": float(row.latitude) if row.latitude is not None else None,
        "longitude": float(row.longitude) if row.longitude is not None else None,
    }
    if row.address_1 or row.city or row.postal_code:
        # address_1, city, state_province, postal_code and country are required in HSDS 3.0.
        data["addresses"] = [{
            "id": _id(location_id, "address"), "location_id": location_id,
            "address_1": row.address_1, "address_2": row.address_2, "city": row.city,
            "state_province": row.region, "postal_code": row.postal_code,
            "country": row.country, "address_type": "physical",
        }]
        if not row.address_2:
            del data["addresses"][0]["address_2"]
    return _compact(data)


def service(row: Service, org_id: str) -> dict:
    service_id = str(row.hsds_id)
    if not row.is_active:
        status = "inactive"
    elif row.capacity_status == Service.Capacity.CLOSED:
        status = "temporarily closed"
    else:
        status = "active"
    attributes = []
    if row.category:
        own = _term(_id("category", row.category), row.category,
                    str(Service.Category(row.category).label), taxonomy.CATEGORY_TAXONOMY)
        attributes.append(_attribute(service_id, "service", "service_category", own))
    for link in row.terms.all():
        term = link.term
        if term.taxonomy == taxonomy.CATEGORY_TAXONOMY:
            continue  # our own category, written above
        attributes.append(_attribute(service_id, "service", "taxonomy", _term(
            str(term.hsds_id), term.code, term.name, term.taxonomy, term.description)))
    data = {
        "id": service_id, "organization_id": org_id, "name": row.name,
        "description": row.description, "url": row.url, "email": row.email, "status": status,
        "eligibility_description": row.eligibility,
        "application_process": row.application_process, "fees_description": row.fees,
        "schedules": [{"id": _id(service_id, "schedule"), "service_id": service_id,
                       "description": row.schedule}] if row.schedule else [],
        "languages": [
            _compact({"id": _id(service_id, "language", language.code),
                      "service_id": service_id, "name": language.name, "code": language.code})
            for language in row.languages.all()
        ],
        "service_at_locations": [
            {"id": str(link.hsds_id), "service_id": service_id,
             "location_id": str(link.location.hsds_id)}
            for link in row.at_locations.all()
        ],
        "attributes": attributes,
        # HSDS 3.1's service_capacity (3.0 allows further properties): capacity round-trips.
        "capacities": [_compact({
            "id": _id(service_id, "capacity"), "service_id": service_id,
            "available": row.open_places, "unit": {"id": _id("unit", "places"), "name": "places"},
            "description": row.capacity_status,
        })],
    }
    return _compact(data)


# --- The tabular form --------------------------------------------------------------------------


@cache
def package_profile() -> dict:
    """The specification's datapackage.json (vendored): table names, file names, columns."""
    return json.loads((SCHEMA_DIR / "datapackage.json").read_text())


# Where each table's rows live in our JSON export.
NESTED = {"phone": ("organization", "phones"), "location": ("organization", "locations"),
          "service": ("organization", "services"), "address": ("location", "addresses"),
          "service_at_location": ("service", "service_at_locations"),
          "schedule": ("service", "schedules"), "language": ("service", "languages"),
          "attribute": (None, "attributes")}


def _rows(document: dict) -> dict[str, list[dict]]:
    rows = {resource["name"]: [] for resource in package_profile()["resources"]}
    terms = {}

    def attributes_of(item: dict) -> None:
        for attribute in item.get("attributes", []):
            rows["attribute"].append(attribute)
            terms[attribute["taxonomy_term"]["id"]] = attribute["taxonomy_term"]

    for org in document["organizations"]:
        rows["organization"].append(org)
        rows["phone"].extend(org.get("phones", []))
        attributes_of(org)
        for place in org.get("locations", []):
            rows["location"].append(place)
            rows["address"].extend(place.get("addresses", []))
        for item in org.get("services", []):
            rows["service"].append(item)
            for table in ("service_at_location", "schedule", "language"):
                rows[table].extend(item.get(NESTED[table][1], []))
            attributes_of(item)
    rows["taxonomy_term"] = list(terms.values())
    return rows


def cell(value) -> str:
    """A CSV cell; text a spreadsheet would run as a formula gets a leading ' (read back off by
    the import)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def export_datapackage() -> bytes:
    """The directory as an HSDS 3.0 tabular datapackage: every table of the specification, with
    its columns in the specification's order, and its datapackage.json."""
    rows = _rows(export_document())
    profile = package_profile()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for resource in profile["resources"]:
            columns = [column["name"] for column in resource["schema"]["fields"]]
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(columns)
            for row in rows[resource["name"]]:
                writer.writerow([cell(row.get(column)) for column in columns])
            archive.writestr(resource["path"], text.getvalue())
        archive.writestr("datapackage.json", json.dumps(profile, indent=2))
    return buffer.getvalue()
