"""Access-matrix rows for transfers between teams and agencies (see tests/matrix_rows/).

Policy (casework.access, "Episodes and transfers"): a supervisor of the case's team offers it
(alice and intake see the case but may not, 403); the offer is seen by the supervisors of the
sending and receiving teams (sam and sofia), and decided by the receiving one (sofia; sam sees it
but may not decide, 403). Everyone else gets 404, as for an offer that does not exist; the list
is for supervisors only (403 for other roles).
"""

from django.urls import reverse

from casework.models import Case, Team, Transfer
from tests.factories import CaseFactory
from tests.matrix_kit import Target, signed_in

MISSING_CASE = "C-ZZZZZZZZ"
MISSING_ID = 999999
SUPERVISORS = {"GET": signed_in(403, sam=200, sofia=200), "POST": signed_in(405)}

MATRIX: dict = {
    "case-transfer": {"GET": signed_in(405),
                      "POST": signed_in(404, alice=403, ivy=403, sam=302)},
    "transfer-list": SUPERVISORS,
    "transfer-detail": {"GET": signed_in(404, sam=200, sofia=200), "POST": signed_in(405)},
    "transfer-accept": {"GET": signed_in(405), "POST": signed_in(404, sam=403, sofia=302)},
    "transfer-decline": {"GET": signed_in(405), "POST": signed_in(404, sam=403, sofia=302)},
}
MUTATING_ROUTES: tuple = ("case-transfer", "transfer-accept", "transfer-decline")
OBJECT_ROUTES: tuple = ("case-transfer", "transfer-detail", "transfer-accept",
                        "transfer-decline")
MAIN_PAGES: tuple = ("transfer-list", "transfer-detail")
# The offer shows the sender's reason: a read of the case's record, one entry.
CASE_CONTENT: set = {"transfer-detail"}
NO_CASE_CONTENT: set = {"transfer-list"}


def arrange(route, people, north) -> Target:
    """Alice's case at intake on North; an offer of it to South where the route needs one."""
    case = CaseFactory(team=north, caseworker=people["alice"], stage=Case.Stage.INTAKE)
    south = Team.objects.get(name="South")
    if route == "case-transfer":
        return Target(reverse(route, args=[case.reference]),
                      reverse(route, args=[MISSING_CASE]),
                      {"to_team": south.pk, "reason": "Moved to the South district."})
    transfer = Transfer.objects.create(case=case, from_team=north, to_team=south,
                                       reason="Moved to the South district.",
                                       requested_by=people["sam"])
    if route == "transfer-list":
        return Target(reverse(route), reverse(route), {})
    data = {"revision": str(transfer.revision)}
    if route == "transfer-accept":
        data["caseworker"] = ""
    elif route == "transfer-decline":
        data["reason"] = "No capacity this month."
    return Target(reverse(route, args=[transfer.pk]), reverse(route, args=[MISSING_ID]), data)


def state() -> dict:
    return {
        "transfers": list(Transfer.objects.order_by("pk").values_list("pk", "status")),
        "case_teams": list(Case.objects.order_by("pk").values_list("pk", "team_id",
                                                                    "caseworker_id")),
    }
