import pytest

from providers import hsds
from providers.demo import SAMPLE
from providers.models import ImportRun


@pytest.fixture
def sample_bytes():
    return SAMPLE.read_bytes()


def import_document(document, *, actor=None, all_or_nothing=False) -> ImportRun:
    """Run an import in this process, as the task would."""
    run = ImportRun.objects.create(started_by=actor, file_name="test.json", payload=document,
                                   all_or_nothing=all_or_nothing)
    return hsds.run_import(run)


@pytest.fixture
def import_bytes():
    def run(raw: bytes, **kwargs) -> ImportRun:
        return import_document(hsds.parse(raw), **kwargs)

    return run
