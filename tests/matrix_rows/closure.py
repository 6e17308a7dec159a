"""Access-matrix rows for closure requests (see tests/matrix_rows/__init__.py for the shape).

The caseworker asks for closure (casework/urls.py, case-closure-request), a supervisor of the
case's team approves or returns it (case-closure-decide). The case is alice's, on North, in
follow-up; the request to decide is alice's own.
"""

from django.urls import reverse

from tests.matrix_kit import Target, signed_in

MATRIX: dict = {
    # Requesting looks the case up for writing: its caseworker and supervisor; all others 404.
    "case-closure-request": {
        "GET": signed_in(405), "POST": signed_in(404, alice=302, sam=302),
    },
    # Deciding is the supervisor's: alice sees the case and her request (403), others 404.
    "case-closure-decide": {
        "GET": signed_in(405), "POST": signed_in(404, alice=403, sam=302),
    },
}
MUTATING_ROUTES: tuple = ("case-closure-request", "case-closure-decide")
OBJECT_ROUTES: tuple = ("case-closure-request", "case-closure-decide")
MAIN_PAGES: tuple = ()
CASE_CONTENT: set = set()
NO_CASE_CONTENT: set = set()

MISSING_CASE = "C-ZZZZZZZZ"


def arrange(route, people, north) -> Target:
    from casework.models import Case, ClosureRequest
    from tests.factories import CaseFactory

    case = CaseFactory(team=north, caseworker=people["alice"], stage=Case.Stage.FOLLOW_UP)
    if route == "case-closure-request":
        return Target(reverse(route, args=[case.reference]), reverse(route, args=[MISSING_CASE]),
                      {"closure_reason": "goals_met", "reason": "Every goal is met."})
    closure = ClosureRequest.objects.create(case=case, closure_reason="goals_met",
                                            reason="Every goal is met.",
                                            requested_by=people["alice"])
    return Target(reverse(route, args=[case.reference, closure.pk]),
                  reverse(route, args=[MISSING_CASE, closure.pk]),
                  {"decision": "approve", "note": "Agreed.", "expected_stage": "follow_up"})


def state() -> dict:
    from casework.models import Case, ClosureRequest

    return {
        "closure_requests": list(
            ClosureRequest.objects.order_by("pk").values_list("pk", "outcome")
        ),
        "case_stages": list(Case.objects.order_by("pk").values_list("pk", "stage")),
    }
