"""django-auditlog sees saves and deletes only: no code may bulk-write an audited model.

`QuerySet.update()`, `bulk_create()` and `bulk_update()` skip the signals the log is built on.
This walks the project's source and fails on any such call whose receiver starts from an
audited model (`Case.objects.filter(...).update(...)`), naming the file and line.
"""

import ast
from pathlib import Path

from auditlog.registry import auditlog
from django.apps import apps
from django.conf import settings

BULK_WRITES = {"update", "bulk_create", "bulk_update"}
PROJECT_APPS = ("casework", "referrals", "providers", "audit", "measures")
# The one sanctioned bulk writer: the HSDS import inserts a directory's rows together and writes
# one chained create entry per row itself (providers/hsds/write.py, create_all).
LOGGED_BULK_WRITERS = {"providers/hsds/write.py"}


def audited_model_names() -> set[str]:
    return {model.__name__ for model in apps.get_models() if auditlog.contains(model)}


def receiver_root(node) -> str | None:
    """The name a call chain starts from: `Case` in `Case.objects.filter(x).update()`."""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Name):
            return node.id
        else:
            return None


def bulk_writes_on(names: set[str]):
    for app in PROJECT_APPS:
        for path in sorted((Path(settings.BASE_DIR) / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            if str(path.relative_to(settings.BASE_DIR)) in LOGGED_BULK_WRITERS:
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in BULK_WRITES
                    and receiver_root(node.func.value) in names
                ):
                    yield f"{path.relative_to(settings.BASE_DIR)}:{node.lineno}"


def test_no_audited_model_is_written_in_bulk():
    names = audited_model_names()
    assert {"Case", "Person", "Referral"} <= names  # the registry is what we think it is
    assert list(bulk_writes_on(names)) == []


def test_the_check_finds_a_bulk_write(tmp_path, settings):
    (tmp_path / "casework").mkdir()
    (tmp_path / "casework" / "bad.py").write_text(
        "def f():\n    Case.objects.filter(pk=1).update(stage='closed')\n"
    )
    settings.BASE_DIR = tmp_path
    assert list(bulk_writes_on({"Case"})) == ["casework/bad.py:2"]
