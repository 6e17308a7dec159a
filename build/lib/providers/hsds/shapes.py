"""Recognise the shape of an HSDS file and read it record by record.

Every standard shape of HSDS 3.0 is read:

- JSON: an organization list (a bare list, `{"organizations": [...]}`, or an API page
  `{"contents": [...], "total_items": ...}`), a single organization, services (a list, a page or
  a single service) with their `organization` and `location`s nested, and the tabular example's
  JSON form (`{"organizations.csv": [...], ...}`);
- the tabular datapackage: a zip or a folder of CSV files, with or without `datapackage.json`.
  HSDS 1.x and 2.x packages are recognised by their file names; what maps is read through the
  field names their versions documented (url for website, physical_addresses.csv, the
  services_taxonomy / service_attributes link tables).

JSON is read with a streaming parser (ijson): one top-level record is in memory at a time, so
memory does not grow with the file. A datapackage keeps its link tables (addresses, phones,
languages, attributes...) in memory while organisations and services stream from their files.
"""

import csv
import io
import json
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import ijson
from django.utils.translation import gettext as _

# Lists at the top of a JSON object that hold records, and what they hold.
LIST_KEYS = {"contents": None, "organizations": "organization", "services": "service",
             "items": None, "data": None}


class HSDSFileError(ValueError):
    """The file as a whole cannot be read; the message says what was recognised and what to do."""


@dataclass
class Record:
    """One record of the file: an organization, a service, or a location on its own."""

    kind: str
    data: dict
    parent_id: object = None  # a nested service's organization id
    # A nested copy of a record the file may hold elsewhere (a service's organization, a
    # service-at-location's location): imported once, never a clash with itself.
    reference: bool = False


@dataclass
class Source:
    shape: str
    total: int  # top-level records, for the progress bar
    reader: object = field(repr=False)

    def records(self) -> Iterator[Record]:
        return self.reader()


def open_source(path: Path) -> Source:
    """Recognise the file (or folder) at `path`; raise HSDSFileError when it is no directory."""
    path = Path(path)
    if path.is_dir():
        return _tabular(_Folder(path))
    if zipfile.is_zipfile(path):
        try:
            return _tabular(_Zip(path))
        except zipfile.BadZipFile as error:
            raise HSDSFileError(_("The zip file cannot be read: %(e)s") % {"e": error}) from None
    with open(path, "rb") as handle:
        start = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if start[:1] not in (b"{", b"["):
        raise HSDSFileError(_(
            "The file is neither JSON nor a datapackage: upload HSDS 3.0 JSON, or the tabular "
            "form as a zip of CSV files with datapackage.json."
        ))
    return _json(path)


# --- JSON ------------------------------------------------------------------------------------


def _is_service(data: dict) -> bool:
    """A service has a status (required in HSDS 3.0) or names its organization; an organization
    has neither."""
    return "status" in data or isinstance(data.get("organization"), dict) or (
        "organization_id" in data and "services" not in data and "locations" not in data
    )


def _survey(path: Path) -> tuple[str, dict, int]:
    """One streaming pass: the top-level type, its keys with their value types, and how many
    items its record list holds."""
    top, keys, counts, last_key = None, {}, defaultdict(int), None
    try:
        with open(path, "rb") as handle:
            for prefix, event, value in ijson.parse(handle):
                if top is None:
                    top = event
                if prefix == "" and event == "map_key":
                    last_key = value
                    continue
                if prefix == last_key and last_key not in keys:
                    keys[last_key] = event
                if event == "start_map" and prefix == "item":
                    counts["item"] += 1
                elif event == "start_map" and prefix == f"{last_key}.item":
                    counts[last_key] += 1
    except ijson.JSONError as error:
        message = _("The file is not valid JSON: %(e)s") % {"e": str(error)[:200]}
        raise HSDSFileError(message) from None
    except UnicodeDecodeError:
        raise HSDSFileError(_("The file is not UTF-8 JSON.")) from None
    return top, keys, counts


def _json(path: Path) -> Source:
    top, keys, counts = _survey(path)
    if top == "start_array":
        return Source(_("HSDS 3.0 JSON: a list of records"), counts["item"],
                      lambda: _list_records(path, "item", None))
    if top != "start_map":
        raise HSDSFileError(_("The file must hold a JSON object or a list of records."))
    if any(key.endswith(".csv") for key in keys):
        return _tabular(_JsonTables(path))
    # A record of its own (an organization holds a "services" list too).
    if "id" in keys and "name" in keys:
        return Source(_("HSDS 3.0 JSON: a single record"), 1,
                      lambda: _list_records(path, "", None))
    for key, kind in LIST_KEYS.items():
        if keys.get(key) == "start_array":
            what = {None: _("a page of records"), "organization": _("a list of organizations"),
                    "service": _("a list of services")}[kind]
            total = sum(counts[name] for name in LIST_KEYS if keys.get(name) == "start_array")
            return Source(_("HSDS 3.0 JSON: %(what)s") % {"what": what}, total,
                          lambda: _keyed_records(path, keys))
    raise HSDSFileError(_(
        "The file is JSON but not an HSDS directory: expected an organization, a service, a list "
        "or page of them (\"contents\", \"organizations\" or \"services\"), or the tabular form."
    ))


def _keyed_records(path: Path, keys: dict) -> Iterator[Record]:
    for key, kind in LIST_KEYS.items():
        if keys.get(key) == "start_array":
            yield from _list_records(path, f"{key}.item", kind)


def _list_records(path: Path, prefix: str, kind: str | None) -> Iterator[Record]:
    with open(path, "rb") as handle:
        for item in ijson.items(handle, prefix, use_float=True):
            yield from records_of(item, kind)


def records_of(item, kind: str | None = None) -> Iterator[Record]:
    """The records one JSON object holds: itself, its nested organization and services."""
    if not isinstance(item, dict):
        yield Record(kind or "organization", {"_not_an_object": True})
        return
    if (kind or ("service" if _is_service(item) else "organization")) == "service":
        organization = item.get("organization")
        if isinstance(organization, dict):
            yield Record("organization", organization, reference=True)
        yield Record("service", item)
        return
    yield Record("organization", item)
    services = item.get("services")
    for service in services if isinstance(services, list) else []:
        if isinstance(service, dict):
            yield Record("service", service, parent_id=item.get("id"))


# --- The tabular form --------------------------------------------------------------------------

# Table -> file name, by HSDS version. 3.0's own export used service_at_locations.csv once.
FILES = {
    "3": {"organization": ["organizations.csv"], "service": ["services.csv"],
          "location": ["locations.csv"], "address": ["addresses.csv"],
          "service_at_location": ["service_at_location.csv", "service_at_locations.csv"],
          "phone": ["phones.csv"], "schedule": ["schedules.csv"], "language": ["languages.csv"],
          "attribute": ["attributes.csv"], "taxonomy_term": ["taxonomy_terms.csv"]},
    "2": {"organization": ["organizations.csv"], "service": ["services.csv"],
          "location": ["locations.csv"], "address": ["physical_addresses.csv"],
          "service_at_location": ["services_at_location.csv"], "phone": ["phones.csv"],
          "schedule": ["regular_schedules.csv", "schedules.csv"], "language": ["languages.csv"],
          "attribute": ["service_attributes.csv"], "taxonomy_term": ["taxonomy_terms.csv"]},
    "1": {"organization": ["organizations.csv"], "service": ["services.csv"],
          "location": ["locations.csv"], "address": ["physical_addresses.csv"],
          "service_at_location": ["services_at_location.csv"], "phone": ["phones.csv"],
          "schedule": ["regular_schedules.csv"], "language": ["languages.csv"],
          "attribute": ["services_taxonomy.csv"], "taxonomy_term": ["taxonomy.csv"]},
}
# Field renames from the version's documented names to 3.0's.
RENAMES = {
    "2": {"organization": {"url": "website"}, "taxonomy_term": {"term": "name"},
          "attribute": {"service_id": "link_id"}, "language": {"language": "name"}},
    "1": {"organization": {"url": "website"}, "taxonomy_term": {"vocabulary": "taxonomy"},
          "attribute": {"service_id": "link_id", "taxonomy_id": "taxonomy_term_id"},
          "language": {"language": "name"}},
}
VERSION_MARKERS = (  # file names only one version uses
    ("1", ("services_taxonomy.csv", "taxonomy.csv")),
    ("2", ("service_attributes.csv", "other_attributes.csv", "payments_accepted.csv",
           "accessibility_for_disabilities.csv")),
    ("3", ("attributes.csv", "service_at_location.csv", "service_at_locations.csv",
           "addresses.csv")),
)


class _Folder:
    def __init__(self, path: Path):
        self.path = path
        self.label = _("a folder")

    def names(self) -> set[str]:
        return {child.name for child in self.path.iterdir() if child.is_file()}

    def open(self, name: str):
        return open(self.path / name, encoding="utf-8-sig", newline="")


class _Zip:
    def __init__(self, path: Path):
        self.archive = zipfile.ZipFile(path)
        self.label = _("a zip")
        # Members may sit in one top folder (a zipped folder): index them by their base name.
        self.members = {}
        for info in self.archive.infolist():
            if not info.is_dir():
                self.members.setdefault(Path(info.filename).name, info.filename)

    def names(self) -> set[str]:
        return set(self.members)

    def open(self, name: str):
        return io.TextIOWrapper(self.archive.open(self.members[name]), encoding="utf-8-sig",
                                newline="")


class _JsonTables:
    """The tabular example's JSON form: {"organizations.csv": [rows...], ...}."""

    def __init__(self, path: Path):
        with open(path, "rb") as handle:
            self.tables = dict(ijson.kvitems(handle, "", use_float=True))
        self.label = _("JSON tables")

    def names(self) -> set[str]:
        return set(self.tables)

    def rows(self, name: str) -> Iterator[dict]:
        for row in self.tables.get(name) or []:
            if isinstance(row, dict):
                yield {key: "" if value is None else value for key, value in row.items()}


def _package_version(container) -> str:
    if "datapackage.json" not in container.names() or isinstance(container, _JsonTables):
        return ""
    try:
        with container.open("datapackage.json") as handle:
            package = json.load(handle)
    except (ValueError, UnicodeDecodeError):
        return ""  # unreadable: recognise the package by its file names instead
    return str(package.get("version") or "")[:1] if isinstance(package, dict) else ""


def _tabular(container) -> Source:
    names = container.names()
    version = _package_version(container)
    if not version:
        for candidate, markers in VERSION_MARKERS:
            if any(marker in names for marker in markers):
                version = candidate
    if "organizations.csv" not in names and "services.csv" not in names:
        raise HSDSFileError(_(
            "This %(what)s holds no organizations.csv or services.csv: it is not an HSDS "
            "tabular package."
        ) % {"what": container.label})
    if version not in FILES:
        raise HSDSFileError(_(
            "The package says HSDS version %(v)s, which this import does not read: export it "
            "as HSDS 3.0."
        ) % {"v": version or "?"})
    tables = _Tables(container, version)
    shape = _("HSDS %(v)s tabular datapackage (%(what)s)") % {
        "v": {"3": "3.0", "2": "2.0", "1": "1.1"}[version], "what": container.label}
    return Source(shape, tables.count("organization") + tables.count("service"), tables.records)


class _Tables:
    """Reads a tabular package into nested records: organisations with their locations, then
    services with their links, then locations that belong to no organisation in the package."""

    def __init__(self, container, version: str):
        self.container = container
        self.version = version

    def _file(self, table: str) -> str | None:
        names = self.container.names()
        return next((name for name in FILES[self.version][table] if name in names), None)

    def rows(self, table: str) -> Iterator[dict]:
        name = self._file(table)
        if name is None:
            return
        renames = RENAMES.get(self.version, {}).get(table, {})
        if isinstance(self.container, _JsonTables):
            source = self.container.rows(name)
        else:
            handle = self.container.open(name)
            source = csv.DictReader(handle)
        try:
            for row in source:
                yield {renames.get(key, key): value for key, value in row.items()
                       if key is not None}
        finally:
            if not isinstance(self.container, _JsonTables):
                handle.close()

    def count(self, table: str) -> int:
        return sum(1 for _row in self.rows(table))

    def _by(self, table: str, key: str) -> dict[str, list[dict]]:
        grouped = defaultdict(list)
        for row in self.rows(table):
            if row.get(key):
                grouped[str(row[key])].append(row)
        return grouped

    def records(self) -> Iterator[Record]:
        addresses = self._by("address", "location_id")
        locations = defaultdict(list)
        for row in self.rows("location"):
            row["addresses"] = addresses.get(str(row.get("id")), [])
            locations[str(row.get("organization_id") or "")].append(row)
        phones = self._phones()
        terms = {str(row.get("id")): row for row in self.rows("taxonomy_term")}
        attributes = defaultdict(list)
        for row in self.rows("attribute"):
            row["taxonomy_term"] = terms.get(str(row.get("taxonomy_term_id")))
            attributes[str(row.get("link_id") or "")].append(row)
        organization_ids = set()
        for row in self.rows("organization"):
            organization_id = str(row.get("id") or "")
            organization_ids.add(organization_id)
            row["locations"] = locations.pop(organization_id, [])
            row["phones"] = phones["organization_id"].get(organization_id, [])
            row["attributes"] = attributes.get(organization_id, [])
            yield Record("organization", row)
        for rows in locations.values():  # no organisation in this package
            for row in rows:
                yield Record("location", row)
        languages = self._by("language", "service_id")
        schedules = self._by("schedule", "service_id")
        places = self._by("service_at_location", "service_id")
        for row in self.rows("service"):
            service_id = str(row.get("id") or "")
            row["attributes"] = attributes.get(service_id, [])
            row["languages"] = languages.get(service_id, [])
            row["schedules"] = schedules.get(service_id, [])
            row["service_at_locations"] = places.get(service_id, [])
            row["phones"] = phones["service_id"].get(service_id, [])
            yield Record("service", row)

    def _phones(self) -> dict[str, dict[str, list[dict]]]:
        phones = {"organization_id": defaultdict(list), "service_id": defaultdict(list)}
        for row in self.rows("phone"):
            for key, grouped in phones.items():
                if row.get(key):
                    grouped[str(row[key])].append(row)
        return phones
