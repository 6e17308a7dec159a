"""Reads for subject access: the person search, the requests, and the export itself.

The export is everything held about one person, gathered by walking the data inventory: a
record type is linked to the person when one of the fields its inventory entry lists as a
reference is a foreign key to the person, or to a record type already linked (a note through
its case, a rating through its assessment, an MDT action through its agenda item...). A model
added to the inventory with such a link is in the export without a change here.

Cost: one query per linked record type (rows found by the ids of their parents, so no join
grows with the person's history), one per type of record they point at (to name it), and two
on the audit log (the accounting of reads). Nothing is decrypted but the person's own rows.
"""

import datetime
import decimal
from dataclasses import dataclass, field

from auditlog.models import LogEntry
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import selectors as audit_selectors
from casework import crypto
from casework import selectors as casework_selectors
from casework.models import Consent
from privacy.inventory import INVENTORY
from privacy.inventory_types import CATEGORY_LABELS
from privacy.notices import PART_2_REDISCLOSURE
from privacy.subject_access import access
from privacy.subject_access.models import SubjectAccessRequest
from referrals.models import ProviderReferral

PERSON = "casework.Person"
FORMAT = "casework-subject-access/1"

# Keyed encodings of the person's details (blind indexes, search tokens, Bloom filters): held,
# so listed, but an HMAC says nothing without BLIND_INDEX_KEY, so their value is not shown.
KEYED_MODELS = frozenset({"casework.PersonSearchToken", "casework.PersonMatchKey"})
KEYED = "[keyed encoding]"


# The person search ----------------------------------------------------------------------------


@dataclass
class Found:
    person: object
    cases: list = field(default_factory=list)


def search_people(user, query: str) -> list[Found]:
    """The people the case search finds among every case (casework.selectors.matching_cases,
    over access.searchable_cases), one row per person with their cases."""
    found: dict[int, Found] = {}
    for case in casework_selectors.matching_cases(access.searchable_cases(user), query):
        found.setdefault(case.person_id, Found(case.person)).cases.append(case)
    return list(found.values())


def requests_page():
    """The privacy officers' list: waiting for a decision first, then the newest."""
    return (SubjectAccessRequest.objects.select_related("person", "requested_by", "decided_by")
            .order_by("-status", "-requested_at", "-pk"))  # "pending" > "declined" > "approved"


# Walking the inventory ------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """A record type linked to the person, and its foreign keys to other linked types."""

    label: str
    model: type
    parents: tuple[tuple[str, str], ...]  # (field name, linked record type it points at)


def _references(label, record, model):
    """(field, target label) for each foreign key the inventory lists among `label`'s references."""
    for name in record.reference:
        model_field = model._meta.get_field(name)
        if not (model_field.many_to_one or model_field.one_to_one):
            continue
        target = model_field.related_model._meta.label
        # A link to the same type (a case's previous episode, a duplicate referral) leads to
        # the same person's rows, which are found through their own links.
        if target != label:
            yield name, target


def person_links(inventory=None) -> list[Link]:
    """Every record type `inventory` links to the person, each after the types it points at."""
    inventory = INVENTORY if inventory is None else inventory
    models = {label: apps.get_model(label) for label in inventory}
    edges = {label: list(_references(label, record, models[label]))
             for label, record in inventory.items()}
    linked = {PERSON}
    grew = True
    while grew:
        grew = False
        for label, out in edges.items():
            if label not in linked and any(target in linked for _, target in out):
                linked.add(label)
                grew = True
    order: list[Link] = []
    done: set[str] = set()
    pending = sorted(linked)
    while pending:
        ready = [label for label in pending
                 if all(target in done for _, target in edges[label] if target in linked)]
        if not ready:
            raise ImproperlyConfigured(f"The inventory's links form a cycle among {pending}.")
        for label in ready:
            parents = tuple((name, target) for name, target in edges[label] if target in linked)
            order.append(Link(label, models[label], parents))
            done.add(label)
        pending = [label for label in pending if label not in done]
    return order


def linked_records(person, links=None) -> dict[str, list]:
    """The person's rows of every linked record type, by label (one query per type at most)."""
    rows: dict[str, list] = {}
    ids: dict[str, list] = {}
    for link in links or person_links():
        if link.label == PERSON:
            found = [person]
        else:
            condition = Q()
            for name, target in link.parents:
                if ids[target]:
                    condition |= Q(**{f"{name}__in": ids[target]})
            # No parent rows, nothing to find: no query.
            found = list(link.model._base_manager.filter(condition).order_by("pk")) if (
                condition) else []
        rows[link.label] = found
        ids[link.label] = [row.pk for row in found]
    return rows


# Values ---------------------------------------------------------------------------------------


def _json_value(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else (
            value.isoformat())
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value


def _display(value) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(
            value) else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value) or "-"
    return str(value)


def _is_keyed(label: str, name: str, category: str) -> bool:
    return name in crypto.BLIND_INDEX_FIELDS or (label in KEYED_MODELS and category != "reference")


def _name_of(obj) -> str:
    if obj is None:
        return ""
    if obj._meta.label == "auth.User":
        return obj.get_full_name() or obj.get_username()
    return str(obj)


def _pointed_at(records: dict[str, list], links: list[Link]) -> dict[tuple[str, object], object]:
    """Every record a row points at, by (label, pk): the person's own rows from `records`, the
    rest (staff, services, wording...) with one query per record type."""
    known = {(label, row.pk): row for label, found in records.items() for row in found}
    wanted: dict[str, set] = {}
    for link in links:
        for row in records[link.label]:
            for model_field in link.model._meta.concrete_fields:
                if not model_field.is_relation:
                    continue
                value = getattr(row, model_field.attname)
                target = model_field.related_model._meta.label
                if value is not None and (target, value) not in known:
                    wanted.setdefault(target, set()).add(value)
    for target, pks in sorted(wanted.items()):
        # select_related(): a name may be built from a parent (a service's organisation, a
        # permission's model), joined here rather than read once per row.
        found = apps.get_model(target)._base_manager.select_related().in_bulk(list(pks))
        for pk, obj in found.items():
            known[(target, pk)] = obj
    return known


# The export -----------------------------------------------------------------------------------


@dataclass
class Section:
    """One record type in the export: why it is held, and the person's rows of it."""

    label: str
    title: str
    purpose: str
    basis: str
    retention: str
    fields: list[dict]  # name, label (verbose name), category
    rows: list[dict]  # field name -> JSON value
    displayed: list[list[tuple[str, str]]]  # per row: (field label, value as text)


@dataclass
class Export:
    data: dict  # the JSON document
    sections: list[Section]
    disclosures: list[dict]
    accesses: list[dict]
    summary: list[dict]

    @property
    def counts(self) -> dict[str, int]:
        return {section.label: len(section.rows) for section in self.sections}


def _section(link: Link, rows: list, known: dict) -> Section:
    record = INVENTORY[link.label]
    meta = link.model._meta
    columns = []
    for name, category in record.fields():
        model_field = meta.get_field(name)
        columns.append((name, category, model_field, str(getattr(model_field, "verbose_name",
                                                                  name))))
    json_rows, displayed = [], []
    for row in rows:
        values, shown = {}, []
        for name, category, model_field, verbose in columns:
            if _is_keyed(link.label, name, category):
                values[name], text = KEYED, _("keyed encoding, not readable")
            elif model_field.is_relation:
                pk = getattr(row, model_field.attname)
                target = model_field.related_model._meta.label
                label = _name_of(known.get((target, pk))) if pk is not None else ""
                values[name] = None if pk is None else {"id": _json_value(pk), "label": label}
                text = label or _display(pk)
            else:
                value = getattr(row, name)
                values[name] = _json_value(value)
                text = (row._get_FIELD_display(model_field) if model_field.choices
                        and value not in (None, "") else _display(value))
            shown.append((verbose, str(text)))
        json_rows.append(values)
        displayed.append(shown)
    return Section(
        label=link.label, title=str(meta.verbose_name_plural).capitalize(),
        purpose=str(record.purpose), basis=str(record.basis), retention=str(record.retention),
        fields=[{"name": name, "label": verbose, "category": str(CATEGORY_LABELS[category])}
                for name, category, _f, verbose in columns],
        rows=json_rows, displayed=displayed,
    )


def _covered_at_sending(consent, referral, service) -> bool:
    """referrals.models.covering_consents at the moment of sending: a sharing consent of the
    case, given by then, not yet withdrawn or expired, naming the organisation or (naming
    none) the service's category. A later withdrawal does not undo that it covered it."""
    when = referral.sent_at
    day = timezone.localdate(when)
    return (
        consent.case_id == referral.case_id
        and consent.purpose == Consent.Purpose.PROVIDER_SHARING
        and consent.given_on <= day
        and (consent.withdrawn_at is None or consent.withdrawn_at > when)
        and (consent.expires_on is None or consent.expires_on >= day)
        and (consent.organization_id == referral.organization_id
             or (consent.organization_id is None and service is not None
                 and consent.service_category == service.category))
    )


def _disclosures(records: dict[str, list], known: dict) -> list[dict]:
    """Every provider referral sent: to whom, when, by whom, what, under which consent."""
    consents = records.get("casework.Consent", [])
    health = INVENTORY["referrals.ProviderReferral"].health
    found = []
    for referral in records.get("referrals.ProviderReferral", []):
        if referral.sent_at is None:
            continue
        service = known.get(("providers.Service", referral.service_id))
        shared = []
        for name in referral.shared_fields:
            attribute = f"shared_{name}"
            shared.append({
                "field": name, "label": str(ProviderReferral.Share(name).label),
                "value": getattr(referral, attribute, ""),
            })
        covering = []
        for consent in consents:
            if not _covered_at_sending(consent, referral, service):
                continue
            wording = known.get(("privacy.ConsentWording", consent.wording_id))
            covering.append({
                "consent": consent.pk,
                "wording": _name_of(wording) if wording else "",
                "wording_version": wording.version if wording else None,
                "given_on": _json_value(consent.given_on),
                "expires_on": _json_value(consent.expires_on),
                "withdrawn_at": _json_value(consent.withdrawn_at),
                "data_categories": consent.data_categories,
                "method": consent.method,
            })
        health_shared = any(f"shared_{item['field']}" in health for item in shared)
        found.append({
            "referral": referral.reference,
            "organization": _name_of(known.get(("providers.Organization",
                                                referral.organization_id))),
            "service": _name_of(service),
            "sent_by": _name_of(known.get(("auth.User", referral.sent_by_id))),
            "sent_at": _json_value(referral.sent_at),
            "status": referral.status,
            "status_label": referral.get_status_display(),
            "shared": shared,
            "consents": covering,
            "notice": str(PART_2_REDISCLOSURE) if health_shared else "",
        })
    return found


def _accesses(person, cases) -> tuple[list[dict], list[dict]]:
    """Who accessed the person's record and cases: each read, and the auditor's summary (one
    row per reader: how often, when last) from audit.selectors.accesses_to."""
    references = [person.reference, *(case.reference for case in cases)]
    entries = (audit_selectors.entries()
               .filter(object_repr__in=references, action=LogEntry.Action.ACCESS)
               .order_by("timestamp", "pk"))
    accesses = []
    for entry in entries:
        details = entry.additional_data or {}
        accesses.append({
            "at": _json_value(entry.timestamp),
            "by": _name_of(entry.actor) if entry.actor else "",
            "username": entry.actor.get_username() if entry.actor else "",
            "record": entry.object_repr,
            "part": str(details.get("part") or details.get("event") or ""),
            "detail": str(details.get("record", "")),
            "relation": str(details.get("relation", "")),
        })
    summary = [{"username": row["actor__username"] or "", "record": row["object_repr"],
                "reads": row["reads"], "last": _json_value(row["last"])}
               for row in audit_selectors.accesses_to(references)]
    return accesses, summary


def export_for(request: SubjectAccessRequest, *, actor, now=None) -> Export:
    """Everything held about `request`'s person, as the JSON document and the PDF both show it."""
    now = now or timezone.now()
    person = request.person
    links = person_links()
    records = linked_records(person, links)
    known = _pointed_at(records, links)
    sections = [_section(link, records[link.label], known) for link in links]
    disclosures = _disclosures(records, known)
    accesses, summary = _accesses(person, records.get("casework.Case", []))
    data = {
        "format": FORMAT,
        "request": {
            "reference": request.reference,
            "received_on": _json_value(request.received_on),
            "requested_by": _name_of(request.requested_by),
            "approved_by": _name_of(request.decided_by),
            "approved_at": _json_value(request.decided_at),
        },
        "generated_at": _json_value(now),
        "generated_by": _name_of(actor),
        "person": {"reference": person.reference},
        "records": {
            section.label: {
                "title": section.title, "purpose": section.purpose,
                "legal_basis": section.basis, "retention": section.retention,
                "fields": section.fields, "rows": section.rows,
            }
            for section in sections
        },
        "disclosures": disclosures,
        "access_history": {"reads": accesses, "by_reader": summary},
    }
    return Export(data=data, sections=sections, disclosures=disclosures, accesses=accesses,
                  summary=summary)
