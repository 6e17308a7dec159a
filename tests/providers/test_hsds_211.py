"""A realistic 211-style directory (bare-domain websites, AIRS codes, a few broken records)
imports nearly whole: warnings, not rejections; then the admin maps the terms and runs it again."""

import pytest
from django.urls import reverse

from providers import workflow
from providers.models import ImportIssue, ImportRun, Organization, Service, TaxonomyTerm
from tests.providers import directory211
from tests.providers.conftest import import_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def file_211(tmp_path):
    path = tmp_path / "city-211.json"
    directory211.write(path, count=200, services_per=3)
    return path


def test_bare_domains_are_kept_as_https_with_a_warning(file_211, adam):
    run = import_bytes(file_211.read_bytes(), actor=adam)
    assert run.counts["organization"]["rejected"] == 0
    assert Organization.objects.count() == 200
    bare = Organization.objects.filter(website__startswith="https://www.")
    assert bare.count() > 100
    assert ImportIssue.objects.filter(run=run, field="website", severity="warning").count() == (
        bare.count()
    )


def test_at_least_95_percent_of_services_are_categorised_after_the_admin_maps(
        file_211, adam, client, django_capture_on_commit_callbacks):
    first = import_bytes(file_211.read_bytes(), actor=adam)
    services = 600
    imported = Service.objects.count()
    assert imported / services >= 0.95  # the broken 2% are rejected, every other one kept
    assert first.counts["service"]["rejected"] == services - imported
    assert not Service.objects.exclude(category="").exists()  # AIRS codes: nothing mapped yet
    assert TaxonomyTerm.objects.filter(category="").count() == len(directory211.AIRS_TERMS) + 1
    # The admin accepts the suggestions on the mapping page and runs the file again.
    client.force_login(adam)
    client.post(reverse("directory-terms-accept"))
    assert TaxonomyTerm.objects.filter(category="").count() == 1  # YF-5000: a target group
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("directory-import-again", args=[first.pk]))
    again = ImportRun.objects.latest("pk")
    assert response.status_code == 302 and again.status == ImportRun.Status.DONE
    categorised = Service.objects.exclude(category="").count()
    assert categorised == imported and categorised / services >= 0.95
    # A term still unmapped keeps its services findable by the term.
    assert Service.objects.with_term("YF-5000").exists()


def test_a_broken_service_is_rejected_with_every_fault(adam):
    run = import_bytes(b'{"organizations": [{"id": "00000000-0000-4000-8000-000000000001", '
                       b'"name": "Org", "description": "", "services": [{"id": "nope"}]}]}')
    faults = set(ImportIssue.objects.filter(run=run, severity="rejected")
                 .values_list("field", flat=True))
    assert faults == {"id", "name", "status"}


def test_mapping_a_term_is_reused_by_the_next_import(file_211, adam):
    import_bytes(file_211.read_bytes(), actor=adam)
    term = TaxonomyTerm.objects.get(code="BH-1800.8500")
    workflow.map_term(term, category=Service.Category.HOUSING, actor=adam)
    import_bytes(file_211.read_bytes(), actor=adam)
    sheltered = Service.objects.filter(terms__term=term)
    assert sheltered.exists()
    assert set(sheltered.values_list("category", flat=True)) == {"housing"}
