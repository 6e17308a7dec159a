"""The export is HSDS 3.0 as published: it validates against the official JSON Schema and the
tabular profile, and the directory's own export re-imports with no change, in JSON and in CSV."""

import csv
import io
import json
import zipfile

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from providers import hsds
from providers.hsds.export import SCHEMA_DIR
from providers.models import Organization, Service
from tests.factories import ServiceFactory
from tests.providers.conftest import import_bytes

pytestmark = pytest.mark.django_db


def _validator(name: str) -> Draft7Validator:
    registry = Registry().with_resources(
        (path.name, Resource.from_contents(json.loads(path.read_text()),
                                           default_specification=DRAFT7))
        for path in SCHEMA_DIR.glob("*.json")
    )
    schema = json.loads((SCHEMA_DIR / name).read_text())
    return Draft7Validator(schema, registry=registry,
                           format_checker=Draft7Validator.FORMAT_CHECKER)


@pytest.fixture
def directory(sample_bytes):
    """The demo directory, and services made in the app with only what the form requires."""
    import_bytes(sample_bytes)
    ServiceFactory(description="", eligibility="", url="", email="", schedule="",
                   category=Service.Category.LEGAL)
    ServiceFactory(category="", organization=Organization.objects.first())


def _errors(validator, instance) -> list[str]:
    return [f"{list(error.path)}: {error.message}" for error in validator.iter_errors(instance)]


def test_every_exported_organization_validates_against_the_hsds_schema(directory):
    document = hsds.export_document()
    assert len(document["organizations"]) == Organization.objects.count() > 10
    validator = _validator("organization.json")
    errors = [error for organization in document["organizations"]
              for error in _errors(validator, organization)]
    assert errors == []


def test_every_exported_organization_validates_as_a_list_item_too(directory):
    validator = _validator("compiled_organization_list.json")
    errors = [error for organization in hsds.export_document()["organizations"]
              for error in _errors(validator, organization)]
    assert errors == []


def _tables(package: bytes) -> dict[str, list[dict]]:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {name: list(csv.DictReader(io.StringIO(archive.read(name).decode())))
                for name in archive.namelist() if name.endswith(".csv")}


def test_the_datapackage_has_the_specifications_files_and_columns(directory):
    package = hsds.export_datapackage()
    profile = json.loads((SCHEMA_DIR / "datapackage.json").read_text())
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        names = set(archive.namelist())
        assert json.loads(archive.read("datapackage.json")) == profile
        for resource in profile["resources"]:
            header = archive.read(resource["path"]).decode().splitlines()[0]
            assert header.split(",") == [field["name"] for field in resource["schema"]["fields"]]
    assert names == {resource["path"] for resource in profile["resources"]} | {"datapackage.json"}
    assert "service_at_location.csv" in names


def test_every_datapackage_row_validates_against_the_tabular_schema(directory):
    tabular = json.loads((SCHEMA_DIR / "compiled_tabular.json").read_text())["properties"]
    errors = []
    for table, rows in _tables(hsds.export_datapackage()).items():
        (name,) = [key for key, value in tabular.items() if value["items"]["path"] == table]
        schema = tabular[name]["items"]
        validator = Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)
        for row in rows:
            typed = {}
            for column, value in row.items():
                if value == "" and column not in schema.get("required", []):
                    continue  # an empty cell is an absent value, or an empty required text
                kind = schema["properties"][column].get("type")
                typed[column] = {"number": float, "integer": int}.get(kind, str)(value) \
                    if value else value
            errors += [f"{table}: {error}" for error in _errors(validator, typed)]
    assert errors == []


def _without_stamp(document: dict) -> dict:
    return {key: value for key, value in document.items() if key != "generated"}


def test_the_json_export_reimports_with_no_change(directory):
    before = hsds.export_document()
    run = import_bytes(json.dumps(before).encode(), name="export.json")
    assert (run.created, run.updated, run.failed) == (0, 0, 0), list(
        run.issues.values_list("record_id", "field", "message")[:5])
    assert run.unchanged == sum(1 + len(org.get("locations", [])) + len(org.get("services", []))
                                for org in before["organizations"])
    assert _without_stamp(hsds.export_document()) == _without_stamp(before)


def test_the_csv_export_reimports_with_no_change(directory):
    before = hsds.export_datapackage()
    run = import_bytes(before, name="export.zip")
    assert run.shape.startswith("HSDS 3.0 tabular")
    assert (run.created, run.updated, run.failed) == (0, 0, 0), list(
        run.issues.values_list("record_id", "field", "message")[:5])
    assert _tables(hsds.export_datapackage()) == _tables(before)


def test_the_csv_export_imports_into_an_empty_directory_as_it_was(directory):
    before = hsds.export_document()
    package = hsds.export_datapackage()
    Service.objects.all().delete()
    Organization.objects.all().delete()
    run = import_bytes(package, name="export.zip")
    assert run.failed == 0

    def tabular_part(document):
        # HSDS 3.0's tables have no capacity: the CSV form carries everything else.
        for organization in document["organizations"]:
            for service in organization.get("services", []):
                service.pop("capacities", None)
        return _without_stamp(document)

    assert tabular_part(hsds.export_document()) == tabular_part(before)
