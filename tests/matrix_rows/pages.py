"""Access-matrix rows for the task list and the person page's other names (see
tests/matrix_rows/__init__.py).

The task list is for case staff (intake, caseworkers, supervisors): their own tasks. Adding and removing another name is for those who edit the case's records (its caseworker,
alice, and the team's supervisor, sam); everyone else, who may not change the case, gets a 404.
"""

from django.urls import reverse

from casework.models import Case, PersonAlias
from tests.factories import CaseFactory
from tests.matrix_kit import Target, only, signed_in

MISSING_CASE = "C-ZZZZZZZZ"

MATRIX: dict = {
    "task-list": {
        "GET": signed_in(403, **only(("alice", "bob", "carol", "sam", "sofia", "ivy"), 200)),
        "POST": signed_in(405),
    },
    # The blank consent form, and its organisation suggestions: for those who record consent
    # on the case.
    "case-consent-form": {"GET": signed_in(404, alice=200, sam=200), "POST": signed_in(405)},
    "case-consent-organizations": {
        "GET": signed_in(404, alice=200, sam=200), "POST": signed_in(405)},
    "case-person-alias": {"GET": signed_in(405), "POST": signed_in(404, alice=302, sam=302)},
    "case-person-alias-remove": {
        "GET": signed_in(405), "POST": signed_in(404, alice=302, sam=302)},
}
MUTATING_ROUTES: tuple = ("case-person-alias", "case-person-alias-remove")
OBJECT_ROUTES: tuple = ("case-consent-form", "case-consent-organizations", "case-person-alias",
                        "case-person-alias-remove")
MAIN_PAGES: tuple = ("task-list",)
CASE_CONTENT: set = set()
# Like the dashboard's lists: references, names and due dates (one list-read entry a page).
# The consent form shows the case's reference only; the suggestions, names of organisations.
NO_CASE_CONTENT: set = {"task-list", "case-consent-form", "case-consent-organizations"}


def arrange(route, people, north) -> Target:
    if route == "task-list":
        return Target(reverse(route), reverse(route), {})
    case = CaseFactory(team=north, caseworker=people["alice"], stage=Case.Stage.INTAKE)
    if route == "case-consent-form":
        return Target(reverse(route, args=[case.reference]),
                      reverse(route, args=[MISSING_CASE]), {})
    if route == "case-consent-organizations":
        return Target(reverse(route, args=[case.reference]) + "?organization=Test",
                      reverse(route, args=[MISSING_CASE]) + "?organization=Test", {})
    if route == "case-person-alias":
        return Target(reverse(route, args=[case.reference]),
                      reverse(route, args=[MISSING_CASE]), {"name": "Test Othername"})
    alias = PersonAlias.objects.create(person=case.person, name="Test Othername")
    return Target(reverse(route, args=[case.reference, alias.pk]),
                  reverse(route, args=[MISSING_CASE, alias.pk]), {})


def state() -> dict:
    return {"aliases": list(PersonAlias.objects.order_by("pk").values_list("pk", "person_id"))}
