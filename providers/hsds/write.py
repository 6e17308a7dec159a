"""Write an import into the directory, a chunk of records per transaction.

Per chunk: the rows it names are read in one query per table, only what changed is written, new
rows are inserted together, and every insert is on the audit record (one create entry per row,
chained, as a single save would write). Updates and deletions go through the model's own save
and delete, so auditlog records them as usual. Re-importing the same file writes nothing.

Rejected: a record without a field HSDS requires, or whose id or name clashes (the same id twice
in the file, another record's name in the directory); the report lists all its faults. A
service whose organisation was rejected is rejected too. Everything else is a warning.
"""

import copy
import time
import uuid

from auditlog.cid import get_cid
from auditlog.context import set_actor
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import smart_str
from django.utils.translation import gettext as _

from audit import chain
from providers.hsds import check, shapes, taxonomy
from providers.hsds.normalise import Checked
from providers.models import (
    ImportIssue,
    ImportRun,
    Location,
    Organization,
    Service,
    ServiceAtLocation,
    ServiceLanguage,
    ServiceTerm,
    TaxonomyTerm,
)

CHUNK = 500  # top-level records per transaction: progress is visible after each
PROGRESS_INTERVAL = 0.5  # seconds between saves of the run's progress
KINDS = ("organization", "location", "service")


def _empty_counts() -> dict:
    return {kind: dict.fromkeys(("created", "updated", "unchanged", "warned", "rejected"), 0)
            for kind in KINDS}


def _logged_fields(model) -> list:
    """The fields auditlog records for `model` (its registration's exclusions applied)."""
    excluded = set(auditlog.get_model_fields(model)["exclude_fields"])
    return [field for field in model._meta.concrete_fields
            if field.name not in excluded and not field.primary_key]


def created_changes(row, fields) -> dict:
    """What auditlog's create entry holds, {"field": ["None", "value"]}, without its per-row
    diffing (a millisecond a row at directory scale). None of these models has masked fields."""
    changes = {}
    for field in fields:
        value = getattr(row, field.attname)
        if value is not None:
            changes[field.name] = ["None", smart_str(value)]
    return changes


def create_all(model, rows: list, actor, *, links: dict | None = None) -> None:
    """Insert `rows` together and put one chained create entry per row on the audit record.

    `links` (row pk -> {"languages": [...], ...}) adds to a new service's entry the link rows
    inserted with it, which then need no entries of their own.
    """
    if not rows:
        return
    if rows[0].pk is None:
        model.objects.bulk_create(rows)
    content_type = ContentType.objects.get_for_model(model)
    fields = _logged_fields(model)
    now, cid = timezone.now(), get_cid()
    entries = []
    for row in rows:
        changes = created_changes(row, fields)
        for name, values in (links or {}).get(row.pk, {}).items():
            if values:
                changes[name] = ["None", ", ".join(sorted(values))]
        entries.append(LogEntry(
            content_type=content_type, object_pk=str(row.pk), object_id=row.pk,
            object_repr=smart_str(row)[:255], action=LogEntry.Action.CREATE, changes=changes,
            actor=actor, actor_email=getattr(actor, "email", None), cid=cid, timestamp=now,
        ))
    chain.append_many([entry.pk for entry in LogEntry.objects.bulk_create(entries)])


def _upsert(model, existing: dict, checked, values: dict):
    """The row for `checked` and what becomes of it: a new, unsaved row ("created", which the
    caller inserts in bulk), an existing row saved with its changes ("updated"), or "unchanged"."""
    row = existing.get(checked.hsds_id)
    if row is None:
        return model(hsds_id=checked.hsds_id, **values), "created"
    if _apply(row, values):
        row.save()
        return row, "updated"
    return row, "unchanged"


def _apply(row, values: dict) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


class Writer:
    """One import's state across chunks: the ids this file has used and what became of them."""

    def __init__(self, run: ImportRun):
        self.run = run
        self.actor = run.started_by
        self.seen = {kind: set() for kind in KINDS}
        self.organizations: dict[uuid.UUID, int | None] = {}  # None: rejected in this file
        self.locations: dict[uuid.UUID, int] = {}
        self.counts = _empty_counts()
        self.issues: list[ImportIssue] = []
        self.unmapped: set[str] = set()

    # --- the report ------------------------------------------------------------------------

    def report(self, checked: Checked, outcome: str) -> None:
        counts = self.counts[checked.record_type]
        counts[outcome] += 1
        if checked.warnings and outcome != "rejected":
            counts["warned"] += 1
        severity = (ImportIssue.Severity.REJECTED if outcome == "rejected"
                    else ImportIssue.Severity.WARNING)
        for issue in [*checked.faults, *checked.warnings]:
            self.issues.append(ImportIssue(
                run=self.run, severity=severity, record_type=checked.record_type,
                record_id=checked.record_id, record_name=checked.name[:200],
                field=issue.field[:100], message=str(issue.message)[:500],
            ))

    def claim(self, checked: Checked, *, reference: bool = False) -> bool:
        """Whether to write this record: False for a repeat of a nested copy already read."""
        if checked.hsds_id is None:
            return True
        seen = self.seen[checked.record_type]
        if checked.hsds_id in seen:
            if reference:
                return False
            checked.fault("id", _("the id %(id)s appears twice in the file")
                          % {"id": checked.hsds_id})
        seen.add(checked.hsds_id)
        return True

    # --- one chunk -------------------------------------------------------------------------

    def write_chunk(self, records: list[shapes.Record]) -> None:
        organizations, locations, services = [], [], []
        for record in records:
            if record.data.get("_not_an_object"):
                checked = Checked(record.kind, "", "")
                checked.fault("", _("the record is not a JSON object"))
                self.report(checked, "rejected")
            elif record.kind == "organization":
                checked = check.organization(record.data)
                if self.claim(checked, reference=record.reference):
                    organizations.append(checked)
                    for place in checked.locations:
                        if self.claim(place):
                            locations.append(place)
            elif record.kind == "location":
                checked = check.location(record.data)
                if self.claim(checked, reference=record.reference):
                    locations.append(checked)
            else:
                checked = check.service(record.data, record.parent_id)
                if self.claim(checked):
                    services.append(checked)
                    for location_id, nested in checked.places.values():
                        if nested is not None and location_id not in self.seen["location"]:
                            place = check.location(nested, checked.organization_id)
                            self.claim(place)
                            locations.append(place)
        counts, issues = copy.deepcopy(self.counts), len(self.issues)
        known = dict(self.organizations), dict(self.locations)
        try:
            with transaction.atomic():
                self.write_organizations(organizations)
                self.write_locations(locations)
                self.write_services(services)
        except IntegrityError:
            # A clash the checks above did not foresee (another import at the same moment):
            # nothing of this chunk was kept, and the report says so record by record.
            self.counts, self.issues = counts, self.issues[:issues]
            self.organizations, self.locations = known
            for checked in organizations + locations + services:
                checked.fault("", _("could not be saved (a concurrent change): import again"))
                self.report(checked, "rejected")

    def write_organizations(self, batch: list[Checked]) -> None:
        ids = [checked.hsds_id for checked in batch if checked.hsds_id]
        existing = {row.hsds_id: row for row in Organization.objects.filter(hsds_id__in=ids)}
        names = [checked.values["name"] for checked in batch]
        taken = dict(Organization.objects.filter(name__in=names).values_list("name", "hsds_id"))
        created, outcomes = [], []
        for checked in batch:
            name = checked.values["name"]
            owner = taken.get(name)
            if name and owner is not None and owner != checked.hsds_id:
                checked.fault("name", _("another organization (id %(id)s) already has this name")
                              % {"id": owner})
            if checked.rejected:
                self.organizations[checked.hsds_id] = None
                self.report(checked, "rejected")
                continue
            taken[name] = checked.hsds_id
            row, outcome = _upsert(Organization, existing, checked, checked.values)
            if outcome == "created":
                created.append(row)
            outcomes.append((checked, row, outcome))
        create_all(Organization, created, self.actor)
        for checked, row, outcome in outcomes:
            self.organizations[checked.hsds_id] = row.pk
            self.report(checked, outcome)

    def _organization_pk(self, hsds_id):
        if hsds_id not in self.organizations:
            row = Organization.objects.filter(hsds_id=hsds_id).values_list("pk", flat=True)
            self.organizations[hsds_id] = row.first() if row else None
            if self.organizations[hsds_id] is None:
                del self.organizations[hsds_id]
                return "missing"
        return self.organizations[hsds_id]

    def write_locations(self, batch: list[Checked]) -> None:
        ids = [checked.hsds_id for checked in batch if checked.hsds_id]
        existing = {row.hsds_id: row for row in Location.objects.filter(hsds_id__in=ids)}
        created, outcomes = [], []
        for checked in batch:
            if checked.rejected:
                self.report(checked, "rejected")
                continue
            values = dict(checked.values)
            owner = self._organization_pk(checked.organization_id) if checked.organization_id \
                else None
            if owner == "missing" or (owner is None and checked.organization_id):
                checked.warn("organization_id", _(
                    "organization %(id)s is not in the directory: kept without an organization"
                ) % {"id": checked.organization_id})
                owner = None
            values["organization_id"] = owner
            values["name"] = values["name"] or _("Location")
            row, outcome = _upsert(Location, existing, checked, values)
            if outcome == "created":
                created.append(row)
            outcomes.append((checked, row, outcome))
        create_all(Location, created, self.actor)
        for checked, row, outcome in outcomes:
            self.locations[checked.hsds_id] = row.pk
            self.report(checked, outcome)

    def _location_pk(self, hsds_id) -> int | None:
        if hsds_id not in self.locations:
            pk = Location.objects.filter(hsds_id=hsds_id).values_list("pk", flat=True).first()
            if pk is None:
                return None
            self.locations[hsds_id] = pk
        return self.locations[hsds_id]

    def terms_for(self, batch: list[Checked]) -> dict[str, TaxonomyTerm]:
        """The TaxonomyTerm rows for every term in the batch, new ones created."""
        wanted = {}
        for checked in batch:
            wanted.update(checked.terms)
        terms = {term.key: term for term in TaxonomyTerm.objects.filter(key__in=list(wanted))}
        created = []
        for key, term in wanted.items():
            if key not in terms:
                row = TaxonomyTerm(
                    hsds_id=taxonomy.term_id(key), key=key, taxonomy=term["taxonomy"],
                    code=term["code"], name=term["name"], description=term["description"],
                    category=taxonomy.own_category(term["taxonomy"], term["code"], term["name"]),
                )
                created.append(row)
                terms[key] = row
        create_all(TaxonomyTerm, created, self.actor)
        return terms

    def write_services(self, batch: list[Checked]) -> None:
        terms = self.terms_for([checked for checked in batch if not checked.rejected])
        ids = [checked.hsds_id for checked in batch if checked.hsds_id]
        existing = {row.hsds_id: row for row in Service.objects.filter(hsds_id__in=ids)}
        kept = []
        for checked in batch:
            owner = self._owner(checked)
            if checked.rejected:
                self.report(checked, "rejected")
                continue
            values = {"organization_id": owner, **checked.values}
            mapped = [checked.own_category] if checked.own_category else []
            mapped += [terms[key].category for key in checked.terms if terms[key].category]
            if mapped:
                values["category"] = mapped[0]
            elif checked.terms:
                self.unmapped.update(checked.terms)
                checked.warn("attributes", _("no category yet: map its taxonomy terms (%(t)s)")
                             % {"t": ", ".join(terms[key].code or terms[key].name
                                              for key in list(checked.terms)[:3])})
            kept.append((checked, values))
        self._name_clashes(kept, existing)
        created, outcomes = [], []
        # The rows' organisations, for their audit entries' names (one query, not one a row).
        owners = Organization.objects.in_bulk({values["organization_id"] for _c, values in kept})
        for checked, values in kept:
            if checked.rejected:
                self.report(checked, "rejected")
                continue
            row, outcome = _upsert(Service, existing, checked, values)
            if outcome == "created":
                row.organization = owners[values["organization_id"]]
                created.append(row)
            outcomes.append((checked, row, outcome))
        Service.objects.bulk_create(created)
        new = {row.pk for row in created}
        changed, links = self.write_links(
            [(checked, row) for checked, row, _o in outcomes], terms, new)
        create_all(Service, created, self.actor, links=links)
        for checked, row, outcome in outcomes:
            if outcome == "unchanged" and row.pk in changed:
                outcome = "updated"
            self.report(checked, outcome)

    def _owner(self, checked: Checked):
        if checked.organization_id is None:
            return None
        owner = self._organization_pk(checked.organization_id)
        if owner is None:
            checked.fault("organization_id", _("its organization (id %(id)s) was rejected")
                          % {"id": checked.organization_id})
        elif owner == "missing":
            checked.fault("organization_id", _(
                "organization %(id)s is neither in the file nor in the directory"
            ) % {"id": checked.organization_id})
        return owner

    def _name_clashes(self, kept: list, existing: dict) -> None:
        owners = {values["organization_id"] for _c, values in kept}
        names = {values["name"] for _c, values in kept}
        taken = {
            (organization_id, name): hsds_id
            for organization_id, name, hsds_id in Service.objects.filter(
                organization_id__in=owners, name__in=names
            ).values_list("organization_id", "name", "hsds_id")
        }
        for checked, values in kept:
            key = (values["organization_id"], values["name"])
            owner = taken.get(key)
            if owner is not None and owner != checked.hsds_id:
                checked.fault("name", _(
                    "another service of this organization (id %(id)s) has this name"
                ) % {"id": owner})
            else:
                taken[key] = checked.hsds_id

    def write_links(self, services: list, terms: dict, new: set) -> tuple[set[int], dict]:
        """Replace each service's languages, locations and terms by the file's; return the pks
        of services whose links changed, and the links of the `new` services (their create
        entries list them, as the links of a new service are part of its creation)."""
        pks = [row.pk for _c, row in services]
        changed = set()
        languages = {}
        for language in ServiceLanguage.objects.filter(service_id__in=pks):
            languages.setdefault(language.service_id, {})[language.code] = language
        places = {}
        for link in ServiceAtLocation.objects.filter(service_id__in=pks):
            places.setdefault(link.service_id, {})[link.hsds_id] = link
        tagged = {}
        for link in ServiceTerm.objects.filter(service_id__in=pks).select_related("term"):
            tagged.setdefault(link.service_id, {})[link.term.key] = link
        new_languages, new_places, new_terms = [], [], []
        for checked, row in services:
            have = languages.get(row.pk, {})
            for code, language in have.items():
                if code not in checked.languages:
                    language.delete()
                    changed.add(row.pk)
                elif language.name != checked.languages[code]:
                    language.name = checked.languages[code]
                    language.save()
                    changed.add(row.pk)
            for code, name in checked.languages.items():
                if code not in have:
                    new_languages.append(ServiceLanguage(service=row, code=code, name=name))
                    changed.add(row.pk)
            changed |= self._places(checked, row, places.get(row.pk, {}), new_places)
            have = tagged.get(row.pk, {})
            for key, link in have.items():
                if key not in checked.terms:
                    link.delete()
                    changed.add(row.pk)
            for key in checked.terms:
                if key not in have:
                    new_terms.append(ServiceTerm(service=row, term=terms[key]))
                    changed.add(row.pk)
        taken = set(ServiceAtLocation.objects.filter(
            hsds_id__in=[link.hsds_id for link in new_places]
        ).values_list("hsds_id", flat=True))
        new_places = [link for link in new_places if link.hsds_id not in taken]
        links = {pk: {"languages": [], "service_at_locations": [], "terms": []} for pk in new}
        for model, rows, name, describe in (
            (ServiceLanguage, new_languages, "languages", lambda link: link.code),
            (ServiceAtLocation, new_places, "service_at_locations",
             lambda link: str(link.hsds_id)),
            (ServiceTerm, new_terms, "terms", lambda link: link.term.key),
        ):
            model.objects.bulk_create(rows)
            for link in rows:
                if link.service_id in new:
                    links[link.service_id][name].append(describe(link))
            create_all(model, [link for link in rows if link.service_id not in new], self.actor)
        return changed, links

    def _places(self, checked: Checked, row: Service, have: dict, new_places: list) -> set:
        wanted = {}
        for link_id, (location_id, _nested) in checked.places.items():
            location_pk = self._location_pk(location_id)
            if location_pk is None:
                checked.warn("service_at_locations", _(
                    "location %(id)s is neither in the file nor in the directory: link left out"
                ) % {"id": location_id})
            elif location_pk in wanted.values():
                checked.warn("service_at_locations", _("location %(id)s is linked twice")
                             % {"id": location_id})
            else:
                wanted[link_id] = location_pk
        changed = set()
        for link_id, link in have.items():
            if wanted.get(link_id) != link.location_id:
                link.delete()
                changed.add(row.pk)
        for link_id, location_pk in wanted.items():
            link = have.get(link_id)
            if link is None or link.location_id != location_pk:
                new_places.append(ServiceAtLocation(hsds_id=link_id, service=row,
                                                    location_id=location_pk))
                changed.add(row.pk)
        return changed


class _RollBack(Exception):
    pass


def run_import(run: ImportRun) -> ImportRun:
    """Import the run's file chunk by chunk, keeping its progress and report current.

    With `all_or_nothing`, one transaction holds everything and any rejection rolls it back
    (the report still lists every record's faults).
    """
    run.status = ImportRun.Status.RUNNING
    run.processed = 0
    run.save(update_fields=["status", "processed"])
    writer = Writer(run)
    try:
        source = shapes.open_source(run.source.path)
    except shapes.HSDSFileError as error:
        return _finish(run, writer, ImportRun.Status.FAILED, error=str(error))
    run.shape, run.total = source.shape[:100], source.total
    run.save(update_fields=["shape", "total"])
    status = ImportRun.Status.DONE
    with set_actor(run.started_by):
        try:
            if run.all_or_nothing:
                with transaction.atomic():
                    _write(run, writer, source)
                    if any(counts["rejected"] for counts in writer.counts.values()):
                        raise _RollBack
            else:
                _write(run, writer, source)
        except _RollBack:
            status = ImportRun.Status.ROLLED_BACK
        except shapes.HSDSFileError as error:  # found broken part-way through the file
            return _finish(run, writer, ImportRun.Status.FAILED, error=str(error))
    return _finish(run, writer, status)


def _write(run: ImportRun, writer: Writer, source: shapes.Source) -> None:
    chunk, top_level, saved = [], 0, time.monotonic()
    try:
        for record in source.records():
            chunk.append(record)
            top_level += not (record.kind == "service" and record.parent_id)
            if len(chunk) >= CHUNK:
                writer.write_chunk(chunk)
                chunk = []
                saved = _progress(run, writer, top_level, saved)
        writer.write_chunk(chunk)
    except shapes.ijson.JSONError as error:
        writer.write_chunk(chunk)
        raise shapes.HSDSFileError(_("The file stops being valid JSON part-way: %(e)s")
                                   % {"e": str(error)[:200]}) from None


def _progress(run: ImportRun, writer: Writer, processed: int, saved: float) -> float:
    ImportIssue.objects.bulk_create(writer.issues)  # the report, not audited data
    writer.issues = []
    now = time.monotonic()
    if now - saved < PROGRESS_INTERVAL:
        return saved
    run.processed = min(processed, run.total)
    run.counts = writer.counts
    run.save(update_fields=["processed", "counts"])
    return now


def _finish(run: ImportRun, writer: Writer, status: str, *, error: str = "") -> ImportRun:
    if status == ImportRun.Status.ROLLED_BACK:
        for counts in writer.counts.values():
            for outcome in ("created", "updated", "unchanged", "warned"):
                counts[outcome] = 0
    ImportIssue.objects.bulk_create(writer.issues)
    writer.issues = []
    totals = {outcome: sum(counts[outcome] for counts in writer.counts.values())
              for outcome in ("created", "updated", "unchanged", "warned", "rejected")}
    run.counts = writer.counts
    run.created, run.updated, run.unchanged = totals["created"], totals["updated"], \
        totals["unchanged"]
    run.warned, run.failed = totals["warned"], totals["rejected"]
    run.status, run.error = status, error[:500]
    run.processed = run.total
    run.finished_at = timezone.now()
    run.save()
    return run
