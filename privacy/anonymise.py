"""The anonymiser: one function that retention and erasure both call, driven by the inventory.

What is cleared comes from privacy/inventory.py, never from a second list:

- the record types it touches are those whose retention rule is one the schedule applies
  (Retention.CASE, .REFERRAL, .BIAS): the audit record, legal holds, staff accounts and the
  directory are never touched;
- in each, the fields classified personal, special or narrative are blanked (encrypted values
  replaced by an empty value, blind indexes emptied), except coded values (a field with
  `choices`: a risk level, a bias motivation, a rating) and flags, which carry no identity and
  keep the measures' counts working; every operational and reference field stays, so the
  skeleton (stages, dates, teams, counts) is intact;
- keyed encodings of a person's names (aliases, search tokens, fuzzy-match keys) are deleted:
  they exist only to find the person.

Which rows belong to a case, a person, a referral or a bias report is found from the models'
foreign keys (up to three hops), except the links in NOT_LINKS. Writes are QuerySet.update()s
(auditlog does not see them): the caller writes one audit entry per anonymised record, with
these counts and references only.
"""

from __future__ import annotations

from functools import cache

from django.apps import apps
from django.db import models
from django.db.models import F, Q

from casework.crypto import EncryptedField, EncryptedTextField
from privacy.inventory import INVENTORY
from privacy.inventory_types import Retention

# Record types the anonymiser may touch (identity: the rules are lazy strings).
SCHEDULED_RULES = (Retention.CASE, Retention.REFERRAL, Retention.BIAS)
CLEARED_CATEGORIES = ("personal", "special", "narrative")

# Keyed encodings of a person's names: removed, not blanked.
DELETED = ("casework.PersonAlias", "casework.PersonSearchToken", "casework.PersonMatchKey")

# Foreign keys that do not make a row part of the record they point at:
# - a bias report that led to a referral is the reporter's account, kept on its own schedule;
# - an earlier episode, an earlier case, a duplicate are other records in their own right.
NOT_LINKS = frozenset({
    ("referrals.BiasIncident", "referral"),
    ("casework.Case", "previous_episode"),
    ("referrals.Referral", "previous_case"),
    ("referrals.Referral", "duplicate_of"),
    ("referrals.ScreeningDecision", "duplicate_of"),
    ("referrals.ScreeningDecision", "case"),  # a decision that attached a referral to a case
})
MAX_HOPS = 3


def _scheduled(label: str) -> bool:
    record = INVENTORY.get(label)
    return record is not None and any(record.retention is rule for rule in SCHEDULED_RULES)


@cache
def _models() -> dict[str, type[models.Model]]:
    return {m._meta.label: m for m in apps.get_models() if _scheduled(m._meta.label)}


def _hops(model) -> list[tuple[str, type[models.Model]]]:
    label = model._meta.label
    return [(f.name, f.related_model) for f in model._meta.concrete_fields
            if (f.many_to_one or f.one_to_one) and f.related_model is not model
            and (label, f.name) not in NOT_LINKS]


@cache
def paths_to(target_label: str) -> dict[str, tuple[str, ...]]:
    """{model label: lookup paths to `target_label`} for every scheduled record type that
    reaches it through foreign keys; the target itself has the path "pk"."""
    found: dict[str, tuple[str, ...]] = {target_label: ("pk",)}
    for label, model in _models().items():
        if label == target_label:
            continue
        paths: list[str] = []
        frontier = [("", model)]
        for _hop in range(MAX_HOPS):
            next_frontier = []
            for prefix, current in frontier:
                for name, related in _hops(current):
                    path = f"{prefix}{name}"
                    if related._meta.label == target_label:
                        paths.append(path)
                    elif related._meta.label in _models():
                        next_frontier.append((f"{path}__", related))
            frontier = next_frontier
        if paths:
            found[label] = tuple(paths)
    return found


def _blank(field) -> tuple[bool, object]:
    """(whether `field` is cleared, the value it gets)."""
    if field.is_relation or field.primary_key or field.choices:
        return False, None
    if isinstance(field, models.BooleanField):
        return False, None
    if field.null:
        return True, None
    if isinstance(field, EncryptedTextField):
        return True, ""
    if isinstance(field, EncryptedField):
        return False, None  # a non-nullable encrypted date: none is declared today
    if isinstance(field, models.JSONField):
        return True, field.get_default()
    if isinstance(field, models.BinaryField):
        return True, b""
    if isinstance(field, models.CharField | models.TextField):
        return True, ""
    return False, None  # a non-nullable date or number: kept as part of the skeleton


@cache
def cleared_fields(label: str) -> dict[str, object]:
    """{field name: blank value} of record type `label` (see the module docstring)."""
    model = apps.get_model(label)
    record = INVENTORY[label]
    values = {}
    for category in CLEARED_CATEGORIES:
        for name in getattr(record, category):
            cleared, value = _blank(model._meta.get_field(name))
            if cleared:
                values[name] = value
    return values


def kept_fields(label: str) -> list[str]:
    """Personal, special or narrative fields of `label` that are kept (coded values)."""
    record = INVENTORY[label]
    cleared = cleared_fields(label)
    return [name for c in CLEARED_CATEGORIES for name in getattr(record, c) if name not in cleared]


def rows_of(obj) -> dict[str, models.QuerySet]:
    """{model label: the rows that belong to `obj`} (a case, person, referral or bias report)."""
    rows = {}
    for label, paths in paths_to(obj._meta.label).items():
        model = apps.get_model(label)
        condition = Q()
        for path in paths:
            condition |= Q(**{path: obj.pk})
        rows[label] = model.objects.filter(condition)
    return rows


def anonymise(obj) -> dict[str, int]:
    """Blank everything the inventory says identifies a person in `obj` and the rows that
    belong to it; return {model label: rows changed or deleted}. Run it in a transaction."""
    counts: dict[str, int] = {}
    rows = rows_of(obj)
    for label in sorted(rows, key=lambda name: name in DELETED):  # keys last, after the names
        queryset = rows[label]
        model = queryset.model
        if label in DELETED:
            # pk__in: a DELETE with joins is not portable, and this keeps it one statement.
            deleted, _ = model.objects.filter(pk__in=list(queryset.values_list("pk", flat=True))
                                              ).delete()
            if deleted:
                counts[label] = deleted
            continue
        values = dict(cleared_fields(label))
        if not values:
            continue
        if any(f.name == "revision" for f in model._meta.concrete_fields):
            values["revision"] = F("revision") + 1  # a page open on the old text gets a 409
        # The plain QuerySet.update: retention and erasure are the one exception to notes being
        # immutable (CaseNoteQuerySet refuses updates from the application).
        changed = models.QuerySet.update(
            model._base_manager.filter(pk__in=queryset.values("pk")), **values)
        if changed:
            counts[label] = changed
    return counts
