"""The schema the migrations build: every declared index and constraint is there, and every
foreign key of the project's own tables can be looked up by an index.

A foreign key whose column leads a composite index or constraint has no index of its own
(casework 0027, referrals 0011): the composite one serves it. Dropping those by AlterField
would also have dropped partial unique constraints on the same column, which Django takes for
the field's own index; the first test would catch such a loss.
"""

import pytest
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db

PROJECT_APPS = ("casework", "mdt", "referrals", "providers", "audit", "measures", "privacy", "api")


def _project_models():
    for app in PROJECT_APPS:
        for model in apps.get_app_config(app).get_models():
            if model._meta.managed and not model._meta.proxy:
                yield model


def _constraints(model) -> dict:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, model._meta.db_table)


def _partial(model) -> set[str]:
    """Indexes and unique constraints that hold only some rows (a condition)."""
    declared = [*model._meta.indexes, *model._meta.constraints]
    return {item.name for item in declared if getattr(item, "condition", None) is not None}


def test_every_declared_index_and_constraint_is_in_the_database():
    missing = []
    for model in _project_models():
        present = set(_constraints(model))
        for item in [*model._meta.indexes, *model._meta.constraints]:
            if item.name not in present:
                missing.append(f"{model._meta.label}: {item.name}")
    assert missing == []


def test_partial_unique_constraints_on_a_foreign_key_column_survive():
    """The two that AlterField would have dropped with the foreign keys' own indexes."""
    from casework.models import Assessment, Transfer

    assert "assessment_one_draft_per_case" in _constraints(Assessment)
    assert "transfer_one_pending_per_case" in _constraints(Transfer)


def test_every_foreign_key_column_leads_an_index_of_all_rows():
    """Deleting a case, or reading a case's records, never scans a table for its rows."""
    unserved, checked = [], 0
    for model in _project_models():
        constraints = _constraints(model)
        partial = _partial(model)
        leading = {
            info["columns"][0]
            for name, info in constraints.items()
            if (info["index"] or info["unique"] or info["primary_key"])
            and info["columns"] and name not in partial
        }
        for field in model._meta.concrete_fields:
            if field.is_relation:
                checked += 1
                if field.column not in leading:
                    unserved.append(f"{model._meta.label}.{field.name}")
    assert unserved == []
    assert checked > 100  # the project's foreign keys were all looked at
