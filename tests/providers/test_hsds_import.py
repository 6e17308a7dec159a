"""HSDS 3.0 import: every record of the sample loads, re-import changes nothing, bad records get
their own clear error and never stop the valid ones (unless all-or-nothing is asked)."""

import copy
import json
import uuid

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from providers import hsds
from providers.hsds import taxonomy
from providers.models import (
    ImportRun,
    Location,
    Organization,
    Service,
    ServiceAtLocation,
    ServiceLanguage,
)
from tests.factories import ServiceFactory
from tests.providers.conftest import import_bytes, import_document, zipped

pytestmark = pytest.mark.django_db

DIRECTORY_MODELS = (Organization, Service, Location, ServiceLanguage, ServiceAtLocation)


def directory_entries():
    types = ContentType.objects.get_for_models(*DIRECTORY_MODELS).values()
    return LogEntry.objects.filter(content_type__in=types)


def snapshot():
    return {
        model.__name__: sorted(
            tuple(str(v) for v in row) for row in model.objects.values_list()
        )
        for model in DIRECTORY_MODELS
    }


@pytest.fixture
def sample(sample_bytes):
    return json.loads(sample_bytes)


def one_org(**service_changes):
    """A minimal valid document: one organisation, one service (with `service_changes`)."""
    service = {
        "id": "00000000-0000-4000-8000-000000000002", "name": "Drop-in", "status": "active",
        "attributes": [{"id": "00000000-0000-4000-8000-000000000003",
                        "taxonomy_term": {"code": "housing", "name": "Housing"}}],
    }
    service.update(service_changes)
    return {"organizations": [{
        "id": "00000000-0000-4000-8000-000000000001", "name": "Tiny Org", "description": "",
        "services": [service],
    }], "services": []}


def test_the_sample_loads_every_record(sample, adam):
    run = import_document(sample, actor=adam)

    assert run.status == ImportRun.Status.DONE
    assert run.failed == 0
    assert (run.total, run.created, run.failed) == (17, 66, 0)  # 17 orgs, 17 locations, 32 services
    assert Organization.objects.count() == 17
    assert Service.objects.count() == 32
    assert set(Service.objects.values_list("category", flat=True)) == set(Service.Category.values)
    assert set(Organization.objects.values_list("kind", flat=True)) == set(
        Organization.Kind.values
    )
    assert ServiceLanguage.objects.values("code").distinct().count() >= 8
    assert Location.objects.filter(city="Riverside").count() == 17
    talking = Service.objects.get(name="Talking therapy")
    assert talking.language_codes == ["en", "es"]
    assert (talking.capacity_status, talking.open_places) == ("open", 4)
    assert talking.schedule == "Mon-Fri 09:00-19:00"
    closed = Service.objects.get(name="Construction skills certificate")
    assert closed.is_active and closed.capacity_status == Service.Capacity.CLOSED
    assert not Service.objects.get(name="Boxing and mentoring").is_active
    # Changes are on the record, made by the person who started the import.
    entry = directory_entries().filter(action=LogEntry.Action.CREATE).first()
    assert entry.actor == adam


def test_reimporting_the_same_file_changes_nothing_and_logs_nothing(sample, adam):
    import_document(sample, actor=adam)
    before, entries = snapshot(), directory_entries().count()

    run = import_document(copy.deepcopy(sample), actor=adam)

    assert (run.created, run.updated, run.unchanged, run.failed) == (0, 0, 66, 0)
    assert snapshot() == before
    assert directory_entries().count() == entries


def test_reimporting_a_changed_record_updates_it_in_place(sample, adam):
    import_document(sample, actor=adam)
    changed = copy.deepcopy(sample)
    service = changed["organizations"][0]["services"][0]
    service["name"] = "Talking therapy (renamed)"
    service["languages"].append({"id": str(uuid.uuid4()), "code": "ar", "name": "Arabic"})

    run = import_document(changed, actor=adam)

    assert (run.created, run.updated, run.unchanged) == (0, 1, 65)
    renamed = Service.objects.get(hsds_id=service["id"])
    assert renamed.name == "Talking therapy (renamed)"
    assert renamed.language_codes == ["ar", "en", "es"]
    assert Service.objects.count() == 32
    assert directory_entries().filter(
        action=LogEntry.Action.UPDATE, object_pk=str(renamed.pk)
    ).exists()


def test_an_import_never_touches_agreements_or_capacity_it_was_not_given(adam):
    import_document(one_org(), actor=adam)
    organization = Organization.objects.get()
    organization.agreement_status = Organization.Agreement.ACTIVE
    organization.save()
    service = Service.objects.get()
    service.capacity_status, service.open_places = "waitlist", None
    service.save()

    import_document(one_org(description="New words"), actor=adam)

    organization.refresh_from_db()
    service.refresh_from_db()
    assert organization.agreement_status == Organization.Agreement.ACTIVE
    assert (service.capacity_status, service.description) == ("waitlist", "New words")


# --- Malformed files and records ---------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"this is not json", "neither JSON nor a datapackage"),
        (b"\xff\xfe", "neither JSON nor a datapackage"),
        (b'{"organisations": []}', "not an HSDS directory"),
        (b'{"organizations": [', "not valid JSON"),
        (b"PK\x03\x04 broken", "neither JSON"),
    ],
)
def test_a_file_that_is_not_a_directory_fails_whole_with_a_message(raw, message, adam):
    run = import_bytes(raw, actor=adam)
    assert run.status == ImportRun.Status.FAILED and message in run.error
    assert Organization.objects.count() == 0


def test_an_hsds_2_package_is_recognised_and_read_through_its_field_names(adam):
    package = zipped({
        "organizations.csv": "id,name,description,url\n"
                             "00000000-0000-4000-8000-000000000001,Old Org,,www.old.example\n",
        "services.csv": "id,organization_id,name,status\n00000000-0000-4000-8000-000000000002,"
                        "00000000-0000-4000-8000-000000000001,Drop-in,active\n",
        "service_attributes.csv": "id,service_id,taxonomy_term_id\na,"
                                  "00000000-0000-4000-8000-000000000002,t\n",
        "taxonomy_terms.csv": "id,term,description,taxonomy\nt,Housing,,\n",
    })
    run = import_bytes(package, name="v2.zip", actor=adam)
    assert run.shape.startswith("HSDS 2.0 tabular") and run.failed == 0
    assert Organization.objects.get().website == "https://www.old.example"
    assert Service.objects.get().terms.get().term.name == "Housing"


def test_an_unknown_package_version_is_refused_with_what_to_do(adam):
    package = zipped({"datapackage.json": '{"version": "4.0"}', "organizations.csv": "id\n"})
    run = import_bytes(package, name="v4.zip", actor=adam)
    assert run.status == ImportRun.Status.FAILED
    assert "version 4" in run.error and "export it as HSDS 3.0" in run.error


def issues_of(run, severity=None):
    issues = run.issues.all() if severity is None else run.issues.filter(severity=severity)
    return [(issue.record_type, issue.field, issue.message) for issue in issues]


@pytest.mark.parametrize(
    ("changes", "field", "expected"),
    [
        ({"url": "not a url"}, "url", "not a web address: left out"),
        ({"url": "www.example.org/help"}, "url", "https://www.example.org/help"),
        ({"status": "open"}, "status", "read as active"),
        ({"languages": [{"id": "l", "name": "Spanish"}]}, "languages", "has no code"),
        ({"capacities": [{"id": "c", "available": -2}]}, "capacities", "not a whole number"),
        ({"service_at_locations": [{"id": "00000000-0000-4000-8000-0000000000aa",
                                    "location_id": "00000000-0000-4000-8000-0000000000bb"}]},
         "service_at_locations", "neither in the file nor in the directory"),
        ({"attributes": [{"id": "a", "taxonomy_term": {"code": "xyz"}}]}, "attributes",
         "no category yet"),
    ],
)
def test_a_bad_optional_field_is_a_warning_and_the_service_is_kept(changes, field, expected,
                                                                  adam):
    run = import_document(one_org(**changes), actor=adam)
    assert run.status == ImportRun.Status.DONE and run.failed == 0
    assert Service.objects.count() == 1
    assert [issue for issue in issues_of(run, "warning")
            if issue[1] == field and expected in issue[2]]


@pytest.mark.parametrize(
    ("changes", "field", "expected"),
    [
        ({"id": "not-a-uuid"}, "id", "is not a UUID"),
        ({"name": ""}, "name", "'name' is empty"),
        ({"status": None}, "status", "'status' is empty"),
    ],
)
def test_a_service_missing_a_required_field_is_rejected(changes, field, expected, adam):
    run = import_document(one_org(**changes), actor=adam)
    assert run.counts["service"]["rejected"] == 1 and run.counts["organization"]["created"] == 1
    assert ("service", field, issues_of(run, "rejected")[0][2]) == issues_of(run, "rejected")[0]
    assert expected in issues_of(run, "rejected")[0][2]
    assert Service.objects.count() == 0


def test_an_organisation_missing_required_fields_and_its_services_are_rejected(adam):
    document = one_org()
    del document["organizations"][0]["description"]
    run = import_document(document, actor=adam)
    assert issues_of(run, "rejected") == [
        ("organization", "description", "'description' is required by HSDS and missing"),
        ("service", "organization_id",
         "its organization (id 00000000-0000-4000-8000-000000000001) was rejected"),
    ]
    assert Organization.objects.count() == 0


def test_duplicate_ids_in_one_file_are_refused(sample, adam):
    document = copy.deepcopy(sample)
    twin = copy.deepcopy(document["organizations"][1])
    twin.update(name="Twin", locations=[], services=[])
    document["organizations"].append(twin)
    run = import_document(document, actor=adam)
    assert run.failed == 1
    assert issues_of(run, "rejected") == [
        ("organization", "id", f"the id {twin['id']} appears twice in the file")]
    assert not Organization.objects.filter(name="Twin").exists()
    assert Organization.objects.count() == 17  # every valid record is kept


def test_a_name_taken_by_another_id_is_explained(adam):
    import_document(one_org(), actor=adam)
    document = one_org()
    document["organizations"][0]["id"] = str(uuid.uuid4())
    document["organizations"][0]["services"] = []
    run = import_document(document, actor=adam)
    assert "already has this name" in issues_of(run, "rejected")[0][2]


def test_the_report_carries_no_free_text_of_the_record(adam):
    document = one_org(description="Secret-looking free text", eligibility_description="x",
                       url="nope")
    run = import_document(document, actor=adam)
    assert "Secret-looking" not in json.dumps(issues_of(run))


def test_all_or_nothing_rolls_everything_back_on_one_rejection(sample, adam):
    document = copy.deepcopy(sample)
    document["organizations"][5]["services"][0]["name"] = ""
    run = import_document(document, actor=adam, all_or_nothing=True)
    assert run.status == ImportRun.Status.ROLLED_BACK
    assert (run.created, run.failed) == (0, 1)
    assert Organization.objects.count() == 0 and Service.objects.count() == 0
    assert not directory_entries().exists()


def test_all_or_nothing_imports_everything_when_all_is_well(sample, adam):
    run = import_document(sample, actor=adam, all_or_nothing=True)
    assert (run.status, run.created) == (ImportRun.Status.DONE, 66)


def test_services_may_also_be_listed_at_the_top_level(adam):
    document = one_org()
    service = document["organizations"][0].pop("services")[0]
    service["organization_id"] = document["organizations"][0]["id"]
    document["services"] = [service]
    run = import_document(document, actor=adam)
    assert (run.created, run.failed) == (2, 0)
    assert Service.objects.get().organization.name == "Tiny Org"


def test_a_source_term_is_kept_searchable_and_suggested_but_not_mapped_alone(adam):
    document = one_org(attributes=[{"id": "a", "taxonomy_term": {
        "name": "Addiction & Recovery", "taxonomy": "Open Eligibility"}}])
    import_document(document, actor=adam)
    service = Service.objects.get()
    assert service.category == ""
    assert list(Service.objects.with_term("addiction")) == [service]
    assert taxonomy.suggest("", "Addiction & Recovery") == "substance_use"


# --- The pages and the command --------------------------------------------------------------


def upload(client, raw, name="directory.json", **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"file": SimpleUploadedFile(name, raw, "application/json"), **extra}
    return client.post(reverse("directory-import"), data)


def test_an_upload_runs_as_a_task_after_commit_and_shows_progress(
    client, adam, sample_bytes, django_capture_on_commit_callbacks
):
    client.force_login(adam)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = upload(client, sample_bytes)
    assert len(callbacks) == 1
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("directory-import-run", args=[run.pk])
    assert run.status == ImportRun.Status.DONE and run.created == 66

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b'max="100" value="100"' in page.content
    assert b"hx-trigger" not in page.content  # finished: no more polling


def test_the_progress_page_polls_while_the_import_runs(client, adam):
    run = ImportRun.objects.create(started_by=adam, file_name="x.json", total=10, processed=4,
                                   status=ImportRun.Status.RUNNING)
    client.force_login(adam)
    url = reverse("directory-import-run", args=[run.pk])

    partial = client.get(url, headers={"HX-Request": "true"})

    assert [t.name for t in partial.templates] == ["providers/_import_progress.html"]
    body = partial.content.decode()
    assert 'hx-trigger="every 1s"' in body and f'hx-get="{url}"' in body
    assert 'value="40"' in body
    assert "<script" not in body and "style=" not in body


@pytest.mark.parametrize(
    ("raw", "message"),
    [(b"not json", "neither JSON nor a zip")],
)
def test_a_malformed_upload_is_refused_with_a_message(client, adam, raw, message):
    client.force_login(adam)
    response = upload(client, raw)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportRun.objects.exists()


def test_an_oversized_upload_is_refused(client, adam, settings):
    settings.PROVIDERS_IMPORT_MAX_BYTES = 100
    client.force_login(adam)
    response = upload(client, b'{"organizations": [' + b" " * 200 + b"]}")
    assert "the limit is 100" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_the_task_runs_a_run_only_once(adam, sample):
    from providers.tasks import import_directory

    run = ImportRun(started_by=adam, file_name="x.json")
    run.source.save("x.json", ContentFile(json.dumps(sample).encode()))
    import_directory(run.pk)
    import_directory(run.pk)  # redelivered: already done, nothing happens
    run.refresh_from_db()
    assert (run.status, run.created) == (ImportRun.Status.DONE, 66)
    assert Organization.objects.count() == 17


@pytest.mark.parametrize("persona", ["alice", "sam", "ivy", "mo", "pat", "audrey", "root"])
def test_only_the_system_admin_imports(client, request, persona, sample_bytes):
    client.force_login(request.getfixturevalue(persona))
    assert upload(client, sample_bytes).status_code == 403
    assert not ImportRun.objects.exists()


def test_the_command_imports_and_reports(tmp_path, capsys):
    from providers.demo import SAMPLE

    call_command("import_hsds", str(SAMPLE))
    assert "66 created" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(one_org(name="")))
    with pytest.raises(CommandError, match="1 records were rejected"):
        call_command("import_hsds", str(bad))
    assert "'name' is empty" in capsys.readouterr().err
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_hsds", str(bad), "--all-or-nothing")
    (tmp_path / "nojson.json").write_text("nope")
    with pytest.raises(CommandError, match="neither JSON"):
        call_command("import_hsds", str(tmp_path / "nojson.json"))


def test_a_service_made_outside_hsds_is_exported_and_reimported(adam):
    service = ServiceFactory(name="Local", category="legal")
    document = hsds.export_document()
    run = import_document(document, actor=adam)
    assert (run.unchanged, run.failed) == (2, 0)
    assert Service.objects.get(hsds_id=service.hsds_id).name == "Local"


def test_an_organisation_type_is_read_checked_and_kept_when_not_given(adam):
    document = one_org()
    document["organizations"][0]["attributes"] = [{"id": "a", "taxonomy_term": {
        "code": "school", "taxonomy": taxonomy.ORGANIZATION_TYPE_TAXONOMY}}]
    import_document(document, actor=adam)
    assert Organization.objects.get().kind == "school"

    import_document(one_org(), actor=adam)  # says nothing about the type
    assert Organization.objects.get().kind == "school"

    document["organizations"][0]["attributes"][0]["taxonomy_term"]["code"] = "club"
    run = import_document(document, actor=adam)
    assert "organization type 'club' is not one we know" in issues_of(run)[0][2]
