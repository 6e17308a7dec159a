"""A realistic, made-up 211-style directory in HSDS 3.0 JSON, for the tests and the scale figure.

Shaped like a city's 211 export converted field for field: many websites are bare domains
(www.example.org), phones are written every which way, taxonomies are AIRS/211 LA codes, and a
small share of records are genuinely broken (no name, no status, a duplicate id). Every name is
invented; nothing comes from a real directory or a real person.
"""

import json
import random
import uuid

AIRS_TERMS = [  # (code, name): public AIRS/211 LA service terms, each suggesting a category
    ("BH-1800.8500", "Emergency Shelter"), ("BH-8600", "Rent Payment Assistance"),
    ("RP-1400", "Mental Health Evaluation"), ("RP-6400.8000", "Counseling Services"),
    ("RX-8450", "Substance Use Disorder Treatment Programs"), ("ND-6500", "Job Search/Placement"),
    ("HD-1800", "Adult Basic Education"), ("HH-0500", "GED Instruction"),
    ("PH-5000.5000", "Mentoring Programs"), ("PH-2360", "Family Support Centers"),
    ("FT-3200", "Legal Counseling"), ("FF-0500.1800", "Re-entry Legal Assistance"),
    ("DF-7000.3300", "Identification Documents"), ("NL-6000", "Public Assistance Programs"),
    ("YB-9500.1500", "Youth Development Programs"), ("PV-6500", "Spiritual Enrichment"),
    ("TJ-1750", "Community Outreach"),
]
# A target-population term (no category of its own), given as a second term to some services.
TARGET = ("YF-5000", "Veterans")
WORDS = ["River", "Harbor", "Oak", "Summit", "Bridge", "Lantern", "Cedar", "Beacon", "Maple",
         "Northside", "Eastgate", "Willow", "Hope", "Unity", "Pathway", "Keystone"]
KINDS = ["Center", "Alliance", "Services", "Network", "Trust", "Collective", "Project"]
CITIES = [("Riverside", "RS", "90210"), ("Lakeview", "RS", "90211"), ("Hillcrest", "RS", "90212")]


def _phone(rng: random.Random) -> str:
    digits = f"{rng.randint(200, 999)}{rng.randint(200, 999)}{rng.randint(1000, 9999)}"
    return rng.choice([f"({digits[:3]}) {digits[3:6]}-{digits[6:]}", f"{digits[:3]}.{digits[3:6]}"
                       f".{digits[6:]}", f"+1 {digits}", f'"{digits}"'])


def organizations(count: int = 5000, services_per: int = 3, seed: int = 211):
    """Yield `count` organisations with `services_per` services each, reproducibly."""
    rng = random.Random(seed)
    ids = uuid.UUID(int=rng.getrandbits(128))
    for number in range(count):
        org_id = str(uuid.uuid5(ids, f"org{number}"))
        name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(KINDS)} {number}"
        domain = f"{name.split()[0].lower()}{number}.example.org"
        city, state, postal = rng.choice(CITIES)
        location_id = str(uuid.uuid5(ids, f"loc{number}"))
        organization = {
            "id": org_id, "name": name, "description": f"{name} serves {city}.",
            # Three in four websites are bare domains, as in the converted 211 file.
            "website": f"www.{domain}" if rng.random() < 0.75 else f"https://{domain}",
            "email": f"info@{domain}",
            "phones": [{"id": str(uuid.uuid5(ids, f"ph{number}")), "number": _phone(rng)}],
            "locations": [{
                "id": location_id, "location_type": "physical", "name": f"{name} office",
                "latitude": round(34 + rng.random(), 6), "longitude": round(-118 + rng.random(), 6),
                "addresses": [{"id": str(uuid.uuid5(ids, f"ad{number}")),
                               "address_1": f"{rng.randint(1, 999)} Main St", "city": city,
                               "state_province": state, "postal_code": postal, "country": "US",
                               "address_type": "physical"}],
            }],
            "services": [],
        }
        for index in range(services_per):
            code, term = rng.choice(AIRS_TERMS)
            service_id = str(uuid.uuid5(ids, f"svc{number}.{index}"))
            service = {
                "id": service_id, "name": f"{term} {index + 1}", "status": "active",
                "description": f"{term} at {name}.", "url": f"{domain}/services/{index}",
                "languages": [{"id": str(uuid.uuid5(ids, f"la{number}.{index}")), "code": "en",
                               "name": "English"}],
                "service_at_locations": [{"id": str(uuid.uuid5(ids, f"sal{number}.{index}")),
                                          "location_id": location_id}],
                "attributes": [{"id": str(uuid.uuid5(ids, f"at{number}.{index}")),
                                "link_type": "service", "taxonomy_term": {
                                    "id": str(uuid.uuid5(ids, code)), "code": code,
                                    "name": term, "taxonomy": "AIRS/211 LA"}}],
            }
            if rng.random() < 0.1:
                service["attributes"].append({
                    "id": str(uuid.uuid5(ids, f"tg{number}.{index}")), "link_type": "service",
                    "taxonomy_term": {"id": str(uuid.uuid5(ids, TARGET[0])), "code": TARGET[0],
                                      "name": TARGET[1], "taxonomy": "AIRS/211 LA"}})
            roll = rng.random()
            if roll < 0.01:
                del service["status"]  # broken: a required field missing
            elif roll < 0.02:
                service["name"] = ""
            organization["services"].append(service)
        yield organization


def write(path, count: int = 5000, services_per: int = 3) -> None:
    """Write the directory as an HSDS 3.0 organisation list, one organisation at a time."""
    with open(path, "w") as handle:
        handle.write('{"organizations": [\n')
        for number, organization in enumerate(organizations(count, services_per)):
            handle.write((",\n" if number else "") + json.dumps(organization))
        handle.write("\n]}\n")
