"""Read one organization, location or service record into a `Checked` with the values we store.

Only reading and normalising happens here; whether an id or a name clashes with the directory
is the writer's question (write.py), which has the database at hand.
"""

from django.utils.translation import gettext as _

from providers.hsds import normalise as n
from providers.hsds import taxonomy


def _first_phone(checked: n.Checked, data: dict) -> str:
    for phone in n.objects(checked, data, "phones"):
        number = n.phone(checked, phone)
        if number:
            return number
    return ""


def organization(data: dict) -> n.Checked:
    checked = n.Checked("organization", str(data.get("id") or "")[:64], n.text(data, "name"))
    checked.hsds_id = n.identifier(checked, data.get("id"))
    values = {
        "name": n.required_text(checked, data, "name", 200),
        "description": n.text(data, "description"),
        "email": n.email(checked, data),
        "website": n.website(checked, data, "website"),
        "phone": _first_phone(checked, data),
    }
    if "description" not in data:
        checked.fault("description", _("'description' is required by HSDS and missing"))
    kind = organization_kind(checked, data)
    if kind:
        values["kind"] = kind
    checked.values = values
    checked.locations = [location(item, checked.hsds_id)
                         for item in n.objects(checked, data, "locations")]
    return checked


def organization_kind(checked: n.Checked, data: dict) -> str:
    """Our organisation type, from an attribute in our own organisation-type taxonomy."""
    for attribute in n.objects(checked, data, "attributes"):
        term = attribute.get("taxonomy_term")
        if isinstance(term, dict) and term.get("taxonomy") == taxonomy.ORGANIZATION_TYPE_TAXONOMY:
            for key in (n.text(term, "code").lower(), n.text(term, "name").lower()):
                if key in taxonomy.ORGANIZATION_TYPES:
                    return taxonomy.ORGANIZATION_TYPES[key]
            checked.warn("attributes", _("organization type '%(t)s' is not one we know: kept as "
                                         "it was") % {"t": n.text(term, "code")[:40]})
    return ""  # not said: a new organisation is a nonprofit, an existing one keeps its type


def location(data: dict, organization_id=None) -> n.Checked:
    checked = n.Checked("location", str(data.get("id") or "")[:64], n.text(data, "name"))
    checked.hsds_id = n.identifier(checked, data.get("id"))
    if not n.text(data, "location_type"):
        checked.fault("location_type", _("'location_type' is required by HSDS and missing"))
    checked.organization_id = (
        n.optional_identifier(checked, data.get("organization_id"), "organization_id")
        or organization_id
    )
    addresses = n.objects(checked, data, "addresses")
    physical = [item for item in addresses if n.text(item, "address_type") in ("", "physical")]
    address = (physical or addresses or [{}])[0]
    checked.values = {
        "name": n.optional_text(checked, data, "name", 200),
        "address_1": n.optional_text(checked, address, "address_1", 200),
        "address_2": n.optional_text(checked, address, "address_2", 200),
        "city": n.optional_text(checked, address, "city", 100),
        "region": n.optional_text(checked, address, "state_province", 100)
        or n.optional_text(checked, address, "region", 100),
        "postal_code": n.optional_text(checked, address, "postal_code", 20),
        "country": _country(checked, address),
        "latitude": n.coordinate(checked, data, "latitude", 90),
        "longitude": n.coordinate(checked, data, "longitude", 180),
    }
    return checked


def _country(checked: n.Checked, address: dict) -> str:
    value = n.text(address, "country").upper()
    if value and len(value) != 2:
        checked.warn("country", _("'%(v)s' is not a two-letter country code: left out")
                     % {"v": value[:20]})
        return ""
    return value


def service(data: dict, parent_id=None) -> n.Checked:
    checked = n.Checked("service", str(data.get("id") or "")[:64], n.text(data, "name"))
    checked.hsds_id = n.identifier(checked, data.get("id"))
    nested = data.get("organization") if isinstance(data.get("organization"), dict) else {}
    owner = parent_id or data.get("organization_id") or nested.get("id")
    checked.organization_id = n.identifier(checked, owner, "organization_id")
    status = n.status(checked, data)
    schedules = [n.text(item, "description") for item in n.objects(checked, data, "schedules")]
    checked.values = {
        "name": n.required_text(checked, data, "name", 200),
        "is_active": status in ("active", "temporarily closed", ""),
        "description": n.text(data, "description"),
        "eligibility": n.text(data, "eligibility_description"),
        "application_process": n.text(data, "application_process"),
        "fees": n.optional_text(checked, data, "fees_description", 300)
        or n.optional_text(checked, data, "fees", 300),
        "schedule": "; ".join(item for item in schedules if item)[:300],
        "email": n.email(checked, data),
        "url": n.website(checked, data, "url"),
        **_capacity(checked, data, status),
    }
    checked.languages = {}
    for language in n.objects(checked, data, "languages"):
        code = n.language_code(checked, language)
        if code:
            checked.languages[code] = n.text(language, "name")[:60]
    checked.places = {}  # service_at_location id -> (location id, nested location or None)
    for link in n.objects(checked, data, "service_at_locations"):
        link_id = n.optional_identifier(checked, link.get("id"), "service_at_locations")
        nested_location = link.get("location") if isinstance(link.get("location"), dict) else None
        location_id = n.optional_identifier(
            checked, link.get("location_id") or (nested_location or {}).get("id"),
            "service_at_locations",
        )
        if link_id and location_id:
            checked.places[link_id] = (location_id, nested_location)
    checked.terms = service_terms(checked, data)
    # Our own category taxonomy (what an export writes) sets the category and is not kept as a
    # source term, so an exported directory reads back exactly as it was.
    checked.own_category = ""
    for key, term in list(checked.terms.items()):
        if term["taxonomy"] == taxonomy.CATEGORY_TAXONOMY:
            del checked.terms[key]
            checked.own_category = checked.own_category or taxonomy.own_category(
                term["taxonomy"], term["code"], term["name"])
    return checked


def _capacity(checked: n.Checked, data: dict, status: str) -> dict:
    """Capacity only when the file says something about it: a provider keeps it current."""
    capacities = n.objects(checked, data, "capacities")  # HSDS 3.1's service_capacity
    if capacities:
        available = capacities[0].get("available")
        if isinstance(available, float) and available.is_integer():
            available = int(available)
        if available is not None and (not isinstance(available, int) or available < 0):
            checked.warn("capacities", _("'available' is not a whole number: left out"))
            available = None
        described = n.text(capacities[0], "description").lower()
        if described in ("open", "waitlist", "closed"):
            capacity_status = described
        else:
            capacity_status = "closed" if available == 0 else "open"
        return {"capacity_status": capacity_status, "open_places": available}
    if status == "temporarily closed":
        return {"capacity_status": "closed"}
    return {}


def service_terms(checked: n.Checked, data: dict) -> dict[str, dict]:
    """The service's taxonomy terms by key: from its attributes (and HSDS 2's taxonomy_terms)."""
    found = [attribute.get("taxonomy_term") for attribute in n.objects(checked, data, "attributes")]
    found += data.get("taxonomy_terms") if isinstance(data.get("taxonomy_terms"), list) else []
    terms = {}
    for term in found:
        if not isinstance(term, dict):
            continue
        name, code = n.text(term, "name")[:200], n.text(term, "code")[:100]
        source = n.text(term, "taxonomy")[:200]
        detail = term.get("taxonomy_detail")
        if not source and isinstance(detail, dict):
            source = n.text(detail, "name")[:200]
        if not name and not code:
            checked.warn("attributes", _("a taxonomy term without a name or code: left out"))
            continue
        key = taxonomy.term_key(source, code, name)
        terms[key] = {"taxonomy": source, "code": code, "name": name or code,
                      "description": n.text(term, "description")}
    return terms
