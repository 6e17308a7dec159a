"""Access-matrix rows for the key measures and their publication (see tests/matrix_rows/).

Policy (casework.access.can_view_measures): the measures, the landscape, their exports, the
prevention register and publishing are the programme lead's (lee) alone; everyone else gets 404,
as if the pages did not exist. What the lead published is public: no account needed.

The lead's pages show aggregates, never case content, but every view of a measure is an access
entry: they are classed with the pages that write one read entry each.
"""

from django.urls import reverse
from django.utils import timezone

from measures.models import PreventionActivity, Snapshot
from measures.periods import add_months, month_start
from tests.matrix_kit import Target, everyone, signed_in

MISSING_ID = 999999
LEAD_ONLY = {"GET": signed_in(404, lee=200), "POST": signed_in(405)}
PUBLIC = {"GET": everyone(200), "POST": everyone(405)}

MATRIX: dict = {
    "measures-overview": LEAD_ONLY,
    "measures-export": LEAD_ONLY,
    "measures-landscape": LEAD_ONLY,
    "measures-landscape-export": LEAD_ONLY,
    "measures-activities": {"GET": signed_in(404, lee=200), "POST": signed_in(404, lee=302)},
    "measures-publish": {"GET": signed_in(404, lee=200), "POST": signed_in(404, lee=302)},
    "measures-public": PUBLIC,
    "measures-public-snapshot": PUBLIC,
    "measures-public-snapshot-csv": PUBLIC,
    "measures-public-snapshot-json": PUBLIC,
}
PUBLIC_ROUTES = {
    "measures-public", "measures-public-snapshot", "measures-public-snapshot-csv",
    "measures-public-snapshot-json",
}
MUTATING_ROUTES: tuple = ()
OBJECT_ROUTES: tuple = ()
MAIN_PAGES: tuple = (
    "measures-overview", "measures-landscape", "measures-activities", "measures-publish",
    "measures-public", "measures-public-snapshot",
)
CASE_CONTENT: set = {"measures-overview", "measures-landscape"}
NO_CASE_CONTENT: set = {
    "measures-export", "measures-landscape-export", "measures-activities", "measures-publish",
    "measures-public", "measures-public-snapshot", "measures-public-snapshot-csv",
    "measures-public-snapshot-json",
}


def arrange(route, people, north) -> Target:
    if route.startswith("measures-public-snapshot"):
        snapshot = Snapshot.objects.create(
            title="Test snapshot", period_start=month_start(timezone.localdate()),
            period_end=month_start(timezone.localdate()), threshold=5,
            tables=[{"title": "Reports by month", "row_label": "Month",
                     "rows": [["Jan 2026", "<5"]], "total": "<5"}],
            published_by=people["lee"],
        )
        return Target(reverse(route, args=[snapshot.pk]), reverse(route, args=[MISSING_ID]), {})
    data = {}
    if route == "measures-activities":
        data = {"occurred_on": timezone.localdate().isoformat(), "kind": "awareness",
                "area": "Harbor", "attendance": "30"}
    elif route == "measures-publish":
        last = f"{add_months(month_start(timezone.localdate()), -1):%Y-%m}"
        data = {"title": "Test", "first": last, "last": last, "breakdowns": ["month"]}
    return Target(reverse(route), reverse(route), data)


def state() -> dict:
    return {
        "prevention_activities": PreventionActivity.objects.count(),
        "snapshots": list(Snapshot.objects.order_by("pk").values_list("pk", "title")),
    }
