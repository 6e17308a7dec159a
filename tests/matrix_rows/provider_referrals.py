"""Access-matrix rows for this area (see tests/matrix_rows/__init__.py for the shape)."""

from tests.matrix_kit import Target

MATRIX: dict = {}
MUTATING_ROUTES: tuple = ()
OBJECT_ROUTES: tuple = ()
MAIN_PAGES: tuple = ()
CASE_CONTENT: set = set()
NO_CASE_CONTENT: set = set()


def arrange(route, people, north) -> Target:
    raise AssertionError(f"no arrangement for {route}: add one")


def state() -> dict:
    return {}
