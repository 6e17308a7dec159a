"""Access-matrix rows for legal holds, erasure requests and the retention schedule (privacy/).

Policy (casework.access.can_handle_privacy_requests): these pages are the privacy
officer's (priya); everyone else gets 404, anonymous is sent to sign in. The steps a second
officer takes act on a hold or a request another officer (made here) started. The pages show
references and the officers' own reasons, never a person's details.
"""

from django.urls import reverse

from tests.matrix_kit import Target, signed_in

PRIYA_ONLY_GET = signed_in(404, priya=200)
PRIYA_ONLY_POST = signed_in(404, priya=302)
POST_ONLY = signed_in(405)

MATRIX: dict = {
    "privacy-retention": {"GET": PRIYA_ONLY_GET, "POST": POST_ONLY},
    "privacy-holds": {"GET": PRIYA_ONLY_GET, "POST": PRIYA_ONLY_POST},
    "privacy-hold-confirm": {"GET": POST_ONLY, "POST": PRIYA_ONLY_POST},
    "privacy-hold-withdraw": {"GET": POST_ONLY, "POST": PRIYA_ONLY_POST},
    "privacy-hold-lift": {"GET": POST_ONLY, "POST": PRIYA_ONLY_POST},
    "privacy-hold-lift-confirm": {"GET": POST_ONLY, "POST": PRIYA_ONLY_POST},
    "privacy-erasures": {"GET": PRIYA_ONLY_GET, "POST": PRIYA_ONLY_POST},
    "privacy-erasure-decide": {"GET": POST_ONLY, "POST": PRIYA_ONLY_POST},
}
MUTATING_ROUTES: tuple = ("privacy-hold-confirm", "privacy-hold-withdraw", "privacy-hold-lift",
                          "privacy-hold-lift-confirm", "privacy-erasure-decide")
OBJECT_ROUTES: tuple = MUTATING_ROUTES
MAIN_PAGES: tuple = ("privacy-retention", "privacy-holds", "privacy-erasures")
CASE_CONTENT: set = set()
NO_CASE_CONTENT: set = {"privacy-retention", "privacy-holds", "privacy-erasures"}

REASON = "Litigation notice received from the city attorney."
MISSING = 999999


def _officer(name):
    from casework import roles
    from tests.factories import UserFactory

    return UserFactory(username=name, roles=[roles.PRIVACY_OFFICER])


def _hold(case, *, status):
    from privacy import holds

    other, third = _officer("matrix-officer"), _officer("matrix-officer-2")
    hold = holds.propose_hold(actor=other, reference=case.reference, reason=REASON)
    if status == "proposed":
        return hold
    hold = holds.confirm_hold(hold, actor=third, seen_revision=hold.revision)
    if status == "in_force":
        return hold
    return holds.propose_lift(hold, actor=other, reason="The claim was settled.",
                              seen_revision=hold.revision)


def arrange(route, people, north) -> Target:
    import datetime

    from casework.models import Case
    from tests.factories import CaseFactory

    case = CaseFactory(team=north, caseworker=people["alice"], stage=Case.Stage.CLOSED,
                       closed_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    if route in ("privacy-retention",):
        return Target(reverse(route), reverse(route), {})
    if route == "privacy-holds":
        return Target(reverse(route), reverse(route), {"reference": case.reference,
                                                       "reason": REASON})
    if route == "privacy-erasures":
        return Target(reverse(route), reverse(route), {"reference": case.person.reference,
                                                       "reason": "By letter of 3 May."})
    if route == "privacy-erasure-decide":
        from privacy import erasure

        made = erasure.request_erasure(actor=_officer("matrix-officer"),
                                       reference=case.person.reference,
                                       reason="By letter of 3 May.")
        data = {"decision": "refuse", "exception": "legal_obligation",
                "exception_reason": "Kept under the records act.", "revision": made.revision}
        return Target(reverse(route, args=[made.pk]), reverse(route, args=[MISSING]), data)
    status = {"privacy-hold-confirm": "proposed", "privacy-hold-withdraw": "proposed",
              "privacy-hold-lift": "in_force", "privacy-hold-lift-confirm": "lift_proposed"}[route]
    hold = _hold(case, status=status)
    data = {"revision": hold.revision}
    if route == "privacy-hold-lift":
        data["reason"] = "The claim was settled."
    return Target(reverse(route, args=[hold.pk]), reverse(route, args=[MISSING]), data)


def state() -> dict:
    from privacy.retention_models import ErasureRequest, LegalHold

    return {
        "legal_holds": list(LegalHold.objects.order_by("pk").values_list("pk", "status",
                                                                          "revision")),
        "erasure_requests": list(ErasureRequest.objects.order_by("pk")
                                 .values_list("pk", "status", "revision")),
    }
