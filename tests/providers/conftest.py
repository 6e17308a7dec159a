import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from providers.demo import SAMPLE
from providers.hsds import write
from providers.models import ImportRun

DATA = Path(__file__).resolve().parent / "data"
EXAMPLES = DATA / "hsds-3.0" / "examples"


@pytest.fixture(autouse=True)
def _imports_in_a_temporary_folder(settings, tmp_path):
    """Uploaded files go to a fresh folder; without a broker an upload runs in the request (the
    thread the embedded default uses is tested on its own, in test_hsds_background.py)."""
    settings.PROVIDERS_IMPORT_DIR = tmp_path / "imports"
    settings.PROVIDERS_IMPORT_THREAD = False


@pytest.fixture
def sample_bytes():
    return SAMPLE.read_bytes()


def import_bytes(raw: bytes, *, name: str = "test.json", actor=None,
                 all_or_nothing=False) -> ImportRun:
    """Run an import of `raw` in this process, as the task would."""
    run = ImportRun(started_by=actor, file_name=name, all_or_nothing=all_or_nothing)
    run.source.save(name, ContentFile(raw), save=False)
    run.save()
    return write.run_import(run)


def import_document(document, **kwargs) -> ImportRun:
    return import_bytes(json.dumps(document).encode(), **kwargs)


def zipped(files: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def zip_folder(folder: Path) -> bytes:
    return zipped({path.name: path.read_bytes() for path in folder.iterdir()})
