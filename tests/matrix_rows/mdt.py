"""Access-matrix rows for the MDT review (see tests/matrix_rows/__init__.py for the shape).

The arranged panel reviews the North team: mo (MDT member) chairs it and sam (North's
supervisor) sits on it, so as a supervisor he may also minute. Nobody else is on it: they get
404 for its meetings and items (role refusals are 403 only inside the panel: mo may not minute),
and the meeting list is 403 for roles that never sit on panels. The agenda holds alice's case.
"""

import datetime

from django.urls import reverse
from django.utils import timezone

from mdt import workflow
from tests.factories import AgendaItemFactory, CaseFactory, PanelFactory, seat
from tests.matrix_kit import Target, signed_in
from tests.matrix_kit import today as _today

MISSING = 999999

# Chair's work (mo chairs; sam is a supervisor member), secretary's work (sam only).
_CHAIR = {"mo": 302, "sam": 302}
_MINUTE = {"mo": 403, "sam": 302}
_READ = {"mo": 200, "sam": 200}


def _post(answers):
    return {"GET": signed_in(405), "POST": signed_in(404, **answers)}


MATRIX: dict = {
    "mdt-list": {"GET": signed_in(403, mo=200, sam=200, sofia=200), "POST": signed_in(405)},
    "mdt-meeting": {"GET": signed_in(404, **_READ), "POST": signed_in(405)},
    "mdt-item": {"GET": signed_in(404, **_READ), "POST": signed_in(405)},
    "mdt-minutes": {"GET": signed_in(404, **_READ), "POST": signed_in(404, **_MINUTE)},
    # One item's minutes: read as the minutes are (and never by a member conflicted on it,
    # tests/mdt/test_item_minutes.py), saved by the secretary's work.
    "mdt-item-minutes": {"GET": signed_in(404, **_READ), "POST": signed_in(404, **_MINUTE)},
    "mdt-agenda-pdf": {"GET": signed_in(404, **_READ), "POST": signed_in(405)},
    "mdt-minutes-pdf": {"GET": signed_in(404, **_READ), "POST": signed_in(405)},
    "mdt-draft": _post(_CHAIR),
    "mdt-item-add": _post(_CHAIR),
    "mdt-item-remove": _post(_CHAIR),
    "mdt-publish": _post(_CHAIR),
    "mdt-conflict": _post({"mo": 302, "sam": 302}),
    "mdt-attendance": _post(_MINUTE),
    "mdt-decision": _post(_MINUTE),
    "mdt-action": _post(_MINUTE),
    "mdt-finalise": _post(_MINUTE),
    # Annotating finalised minutes: the chair and the secretary (sam, as a supervisor member).
    "mdt-annotate": _post({"mo": 302, "sam": 302}),
}
MUTATING_ROUTES: tuple = (
    "mdt-draft", "mdt-item-add", "mdt-item-remove", "mdt-publish", "mdt-conflict",
    "mdt-attendance", "mdt-decision", "mdt-action", "mdt-finalise", "mdt-annotate",
)
OBJECT_ROUTES: tuple = tuple(route for route in MATRIX if route != "mdt-list")
MAIN_PAGES: tuple = ("mdt-list", "mdt-meeting", "mdt-item")
# Summaries, minutes (decisions and rationales) and the PDFs: one read entry per case shown
# (the arranged agenda has one case, so one entry).
CASE_CONTENT: set = {"mdt-item", "mdt-minutes", "mdt-item-minutes", "mdt-agenda-pdf",
                     "mdt-minutes-pdf"}
# The list and the meeting page show references, stages and reasons only, like the caseload.
NO_CASE_CONTENT: set = {"mdt-list", "mdt-meeting"}

DRAFT_ROUTES = {"mdt-draft", "mdt-item-add", "mdt-item-remove", "mdt-publish"}
ITEM_ROUTES = {"mdt-item", "mdt-item-remove", "mdt-conflict", "mdt-decision", "mdt-action",
               "mdt-item-minutes"}


def arrange(route, people, north) -> Target:
    alice, mo, sam = people["alice"], people["mo"], people["sam"]
    if route == "mdt-list":
        return Target(reverse(route), reverse(route), {})
    panel = PanelFactory(name="Matrix MDT", teams=[north])
    seat(panel, mo, "chair")
    seat(panel, sam, "social_services")
    # Finalising needs the meeting to have started: for those routes it began an hour ago.
    started = route in {"mdt-finalise", "mdt-annotate"}
    meeting = workflow.schedule_meeting(
        panel, at=timezone.now() + datetime.timedelta(hours=-1 if started else 24)
    )
    case = CaseFactory(team=north, caseworker=alice)
    item = AgendaItemFactory(meeting=meeting, case=case, reasons=["new_case"])
    if route not in DRAFT_ROUTES:
        workflow.publish_agenda(meeting, actor=mo, now=timezone.now() - datetime.timedelta(
            minutes=1))
    if route in {"mdt-finalise", "mdt-annotate"}:
        workflow.record_decision(item, actor=sam, kind="continue", rationale="Test.")
        workflow.save_minutes(meeting, actor=sam, text="Test minutes.")
    if route == "mdt-annotate":
        workflow.finalise_minutes(meeting, actor=sam)  # it started an hour ago
    data = {
        "mdt-item-add": lambda: {"reference": CaseFactory(team=north, caseworker=alice).reference},
        "mdt-minutes": lambda: {"text": "Test minutes."},
        "mdt-item-minutes": lambda: {f"item-{item.pk}-text": "Test item minutes."},
        "mdt-attendance": lambda: {f"member-{m.pk}": "present" for m in panel.members.all()},
        "mdt-decision": lambda: {"kind": "continue", "rationale": "Test rationale."},
        "mdt-action": lambda: {"description": "Test action.", "owner": alice.pk,
                               "due_on": _today()},
        "mdt-annotate": lambda: {"text": "Test annotation."},
    }.get(route, dict)()
    key = item.pk if route in ITEM_ROUTES else meeting.pk
    return Target(reverse(route, args=[key]), reverse(route, args=[MISSING]), data)


def state() -> dict:
    from mdt.models import (
        Action,
        AgendaItem,
        Annotation,
        Attendance,
        ConflictDeclaration,
        Decision,
        ItemMinutes,
        Meeting,
        Minutes,
    )

    return {
        "mdt_meetings": list(Meeting.objects.order_by("pk").values_list(
            "pk", "published_at", "agenda_drafted_at")),
        "mdt_items": list(AgendaItem.objects.order_by("pk").values_list(
            "pk", "case_id", "removed", "reasons")),
        "mdt_conflicts": ConflictDeclaration.objects.count(),
        "mdt_attendance": list(Attendance.objects.order_by("pk").values_list("pk", "status")),
        "mdt_decisions": Decision.objects.count(),
        "mdt_actions": Action.objects.count(),
        "mdt_minutes": list(Minutes.objects.order_by("pk").values_list(
            "pk", "text", "finalised_at")),
        "mdt_annotations": Annotation.objects.count(),
        "mdt_item_minutes": list(ItemMinutes.objects.order_by("pk").values_list(
            "pk", "text", "revision")),
    }
