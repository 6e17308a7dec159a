"""In the embedded default (no broker) an upload returns at once: the import runs on a thread of
the web process and the progress page follows it to the report, which downloads as CSV."""

import csv
import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from providers.hsds import report
from providers.models import ImportIssue, ImportRun, Organization
from tests.providers import directory211
from tests.providers.conftest import import_document


# SQLite's in-memory test database is shared between threads under table locks, so the thread
# runs against PostgreSQL (REQUIRE_POSTGRES=1 in CI); the embedded default's file database has
# no such limit.
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_upload_runs_on_a_thread_and_the_progress_page_follows_it(
        client, adam, settings, tmp_path):
    settings.PROVIDERS_IMPORT_THREAD = True
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the embedded default: no broker
    path = tmp_path / "city.json"
    directory211.write(path, count=60, services_per=2)
    client.force_login(adam)
    response = client.post(reverse("directory-import"),
                           {"file": SimpleUploadedFile("city.json", path.read_bytes())})
    run = ImportRun.objects.get()
    assert response.status_code == 302
    url = reverse("directory-import-run", args=[run.pk])
    deadline = time.monotonic() + 120
    while True:
        page = client.get(url, headers={"HX-Request": "true"})
        run.refresh_from_db()
        if run.is_finished or time.monotonic() > deadline:
            break
        assert b'hx-trigger="every 1s"' in page.content  # still polling while it runs
        time.sleep(0.2)
    assert run.status == ImportRun.Status.DONE
    assert Organization.objects.count() == 60
    page = client.get(url)
    assert b'hx-trigger' not in page.content and b"Download the report (CSV)" in page.content


@pytest.mark.django_db
def test_the_report_lists_counts_and_every_issue_and_is_formula_safe(adam, client):
    document = {"organizations": [{
        "id": "00000000-0000-4000-8000-000000000001", "name": "=HYPERLINK(1)",
        "description": "", "website": "not a web address",
    }]}
    run = import_document(document, actor=adam)
    client.force_login(adam)
    response = client.get(reverse("directory-import-report", args=[run.pk]))
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:2] == ["record type", "created"]
    assert ["organization", "1", "0", "0", "1", "0"] in rows
    (issue,) = [row for row in rows if row[:1] == ["warning"]]
    assert issue == ["warning", "organization", "00000000-0000-4000-8000-000000000001",
                     "'=HYPERLINK(1)", "website", "not a web address: left out"]


@pytest.mark.django_db
def test_the_report_page_costs_the_same_at_any_size(adam, client):
    run = import_document({"organizations": [{"id": "00000000-0000-4000-8000-000000000001",
                                              "name": "A", "description": ""}]}, actor=adam)
    client.force_login(adam)
    url = reverse("directory-import-run", args=[run.pk])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    ImportIssue.objects.create(run=run, severity="warning", record_type="service", message="m")
    few = queries()
    ImportIssue.objects.bulk_create(ImportIssue(run=run, severity="warning", record_type="service",
                                                message="m") for _ in range(299))
    assert queries() == few
    assert len(list(report.report_rows(run))) == 300 + 6  # header, 3 kinds, blank, header


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["alice", "sam", "ivy", "mo", "pat", "audrey"])
def test_only_the_directory_admin_maps_terms_or_reads_reports(client, request, persona, adam):
    run = import_document({"organizations": [{"id": "00000000-0000-4000-8000-000000000001",
                                              "name": "A", "description": ""}]}, actor=adam)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("directory-terms")).status_code == 403
    assert client.get(reverse("directory-import-report", args=[run.pk])).status_code == 403
    assert client.post(reverse("directory-terms-accept")).status_code == 403
