"""Source taxonomy terms and the categories they map to.

A service keeps every taxonomy term its file gave it (AIRS/211 LA codes, Open Eligibility, our
own, or any other). The directory admin maps a term to one of our categories on the mapping page;
the mapping is stored on the term (TaxonomyTerm.category) and every later import reuses it.
`suggest` proposes a category from the term's code and name; it never maps on its own, except
for the terms of our own taxonomy, which an export writes and an import must read back as-is.
"""

import uuid

from providers.models import Organization, Service

# Our own taxonomies: an exported directory names its terms with these, so it reads back as-is.
CATEGORY_TAXONOMY = "https://casework.example/hsds/taxonomy/service-category"
ORGANIZATION_TYPE_TAXONOMY = "https://casework.example/hsds/taxonomy/organization-type"
TERM_NAMESPACE = uuid.UUID("0c4f9a3e-5b8d-4d61-a7c2-3e9f1b6d8a25")

# Words in a term's name that suggest a category: our labels, Open Eligibility's top-level
# terms, and the AIRS/211 LA names of the service groups each category covers.
SUGGESTED_BY_WORD = {
    "mental health": "mental_health",
    "counseling": "mental_health",
    "counselling": "mental_health",
    "crisis intervention": "mental_health",
    "addiction": "substance_use",
    "substance": "substance_use",
    "alcohol": "substance_use",
    "drug": "substance_use",
    "housing": "housing",
    "shelter": "housing",
    "homeless": "housing",
    "rent": "housing",
    "employment": "employment",
    "job": "employment",
    "work": "employment",
    "vocational": "employment",
    "education": "education",
    "literacy": "education",
    "tutoring": "education",
    "ged": "education",
    "training": "education",
    "mentor": "mentoring",
    "family": "family",
    "parent": "family",
    "child care": "family",
    "faith": "faith_community",
    "spiritual": "faith_community",
    "congregation": "faith_community",
    "community": "faith_community",
    "legal": "legal",
    "law": "legal",
    "expungement": "legal",
    "re-entry": "legal",
    "identification": "documents",
    "documents": "documents",
    "benefits": "documents",
    "public assistance": "documents",
    "youth": "youth",
    "teen": "youth",
    "after school": "youth",
}
# AIRS/211 LA taxonomy: the two-letter service groups whose subject is one category. Longer,
# more precise prefixes come first.
SUGGESTED_BY_AIRS_CODE = (
    ("RX", "substance_use"),
    ("RP", "mental_health"),
    ("RM", "mental_health"),
    ("RR", "mental_health"),
    ("BH", "housing"),
    ("ND", "employment"),
    ("HD", "education"),
    ("HH", "education"),
    ("PH-5000", "mentoring"),
    ("PH", "family"),
    ("PN", "family"),
    ("PV", "faith_community"),
    ("TJ", "faith_community"),
    ("FT", "legal"),
    ("FF", "legal"),
    ("DF-7000", "documents"),
    ("NL", "documents"),
    ("YB-9500", "youth"),
)
ORGANIZATION_TYPES = {
    **{code: code for code in Organization.Kind.values},
    **{str(label).lower(): code for code, label in Organization.Kind.choices},
}
OUR_CATEGORIES = {
    **{code: code for code in Service.Category.values},
    **{str(label).lower(): code for code, label in Service.Category.choices},
}


def _plain(value) -> str:
    return " ".join(str(value or "").lower().split())


def term_key(taxonomy: str, code: str, name: str) -> str:
    """What identifies a term across files: its taxonomy and its code, or its name."""
    return f"{_plain(taxonomy)}|{_plain(code) or '=' + _plain(name)}"[:400]


def term_id(key: str) -> uuid.UUID:
    return uuid.uuid5(TERM_NAMESPACE, key)


def own_category(taxonomy: str, code: str, name: str) -> str:
    """The category a term of our own taxonomy names ("" for any other term)."""
    if taxonomy != CATEGORY_TAXONOMY:
        return ""
    return OUR_CATEGORIES.get(_plain(code)) or OUR_CATEGORIES.get(_plain(name), "")


def suggest(code: str, name: str) -> str:
    """A category to propose for a term (or ""), from an AIRS code or the words of its name."""
    plain_code = _plain(code).upper()
    if plain_code in {value.upper() for value in OUR_CATEGORIES}:
        return OUR_CATEGORIES[plain_code.lower()]
    for prefix, category in SUGGESTED_BY_AIRS_CODE:
        if plain_code.startswith(prefix):
            return category
    plain_name = _plain(name)
    if plain_name in OUR_CATEGORIES:
        return OUR_CATEGORIES[plain_name]
    for word, category in SUGGESTED_BY_WORD.items():
        if word in plain_name:
            return category
    return ""
