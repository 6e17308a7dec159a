"""Access-matrix rows for the privacy pages (see tests/matrix_rows/).

Policy (casework.access.can_view_data_inventory): the data inventory, the Article 30 record, is
for administrators (adam) and auditors (audrey); everyone else gets 404. It names fields and
rules, never a value, so it is not case content.
"""

from django.urls import reverse

from tests.matrix_kit import Target, signed_in

MATRIX: dict = {
    "privacy-inventory": {"GET": signed_in(404, adam=200, audrey=200), "POST": signed_in(405)},
}
MUTATING_ROUTES: tuple = ()
OBJECT_ROUTES: tuple = ()
MAIN_PAGES: tuple = ("privacy-inventory",)
CASE_CONTENT: set = set()
NO_CASE_CONTENT: set = {"privacy-inventory"}


def arrange(route, people, north) -> Target:
    return Target(reverse(route), reverse(route), {})


def state() -> dict:
    return {}
