"""Access-matrix rows for subject access (see tests/matrix_rows/__init__.py for the shape).

Policy (privacy.subject_access.access): deny by default. Every persona but the privacy officer
(priya) gets 404 on every route, before any lookup; priya lists, searches, opens, corrects her
own pending request, decides another officer's (percy's) and downloads the export of a request
she opened and percy approved.
"""

from django.urls import reverse

from tests.matrix_kit import Target, signed_in, today

ONLY_PRIYA_GET = {"GET": signed_in(404, priya=200), "POST": signed_in(405)}

MATRIX: dict = {
    "subject-access-list": ONLY_PRIYA_GET,
    "subject-access-search": {"GET": signed_in(404, priya=200),
                              "POST": signed_in(404, priya=200)},
    "subject-access-new": {"GET": signed_in(404, priya=200), "POST": signed_in(404, priya=302)},
    "subject-access-detail": ONLY_PRIYA_GET,
    "subject-access-edit": {"GET": signed_in(405), "POST": signed_in(404, priya=302)},
    "subject-access-decide": {"GET": signed_in(405), "POST": signed_in(404, priya=302)},
    "subject-access-export-pdf": ONLY_PRIYA_GET,
    "subject-access-export-json": ONLY_PRIYA_GET,
}
MUTATING_ROUTES: tuple = ("subject-access-edit", "subject-access-decide")
OBJECT_ROUTES: tuple = ("subject-access-new", "subject-access-detail", "subject-access-edit",
                        "subject-access-decide", "subject-access-export-pdf",
                        "subject-access-export-json")
MAIN_PAGES: tuple = ("subject-access-list", "subject-access-search", "subject-access-detail")
# The request page, the new-request form (they name the person) and the exports: one read each.
CASE_CONTENT: set = {"subject-access-detail", "subject-access-new", "subject-access-export-pdf",
                     "subject-access-export-json"}
NO_CASE_CONTENT: set = {"subject-access-list", "subject-access-search"}

MISSING_PERSON = "P-ZZZZZZZZ"
MISSING_REQUEST = "SA-ZZZZZZZZ"


def _request(people, north, *, by_priya=True, approved=False):
    from casework import roles
    from privacy.subject_access import workflow
    from tests.factories import CaseFactory, UserFactory

    percy = UserFactory(username="percy", roles=[roles.PRIVACY_OFFICER])
    case = CaseFactory(team=north, caseworker=people["alice"])
    opener = people["priya"] if by_priya else percy
    sar = workflow.open_request(case.person, actor=opener, received_on=today(),
                                identity_check="photo_id", reason="Asked by letter.")
    if approved:
        sar = workflow.decide_request(sar, actor=percy, approve=True, seen_revision=sar.revision)
    return sar


def arrange(route, people, north) -> Target:
    from tests.factories import CaseFactory

    if route in {"subject-access-list", "subject-access-search"}:
        return Target(reverse(route), reverse(route), {"query": "Testfirst"})
    if route == "subject-access-new":
        person = CaseFactory(team=north, caseworker=people["alice"]).person
        return Target(reverse(route, args=[person.reference]),
                      reverse(route, args=[MISSING_PERSON]),
                      {"received_on": today(), "identity_check": "photo_id",
                       "reason": "Asked in person."})
    sar = _request(people, north, by_priya=route != "subject-access-decide",
                   approved=route.startswith("subject-access-export"))
    data = {}
    if route == "subject-access-edit":
        data = {"received_on": today(), "identity_check": "documents",
                "reason": "Asked in person.", "revision": sar.revision}
    elif route == "subject-access-decide":
        data = {"decision": "approve", "revision": sar.revision}
    return Target(reverse(route, args=[sar.reference]), reverse(route, args=[MISSING_REQUEST]),
                  data)


def state() -> dict:
    from privacy.subject_access.models import SubjectAccessRequest

    # Not `downloads`: a download (a GET) counts itself, and is on the audit record.
    return {"subject_access_requests": list(
        SubjectAccessRequest.objects.order_by("pk").values_list(
            "pk", "status", "revision", "identity_check", "decided_by_id"))}
