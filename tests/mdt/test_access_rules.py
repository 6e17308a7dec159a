"""casework.access's MDT rules, branch by branch."""

import pytest
from django.urls import reverse

from casework.models import Case, ServicePlan
from mdt import access, workflow
from tests.factories import ServiceFactory
from tests.mdt.conftest import UNDER_WAY


@pytest.mark.parametrize(
    ("who", "chairs", "minutes"),
    [
        ("mo", True, False),  # chair
        ("sasha", False, True),  # secretary
        ("sam", True, True),  # a supervisor who sits on the panel
        ("mia", False, False),  # an ordinary member
        ("sofia", False, False),  # a supervisor who does not sit on it
        ("alice", False, False),  # holds the case, not on the panel
    ],
)
def test_who_chairs_and_who_minutes(meeting, who, chairs, minutes, request):
    user = request.getfixturevalue(who)
    assert access.can_chair(user, meeting) is chairs
    assert access.can_minute(user, meeting) is minutes


def test_a_panel_role_counts_only_while_the_user_holds_an_mdt_role(meeting, mo):
    mo.groups.clear()
    mo._casework_roles = None
    assert not access.can_chair(mo, meeting)
    assert not access.visible_meetings(mo).exists()


def test_an_inactive_panel_shows_nothing(meeting, mia):
    meeting.panel.is_active = False
    meeting.panel.save()
    assert not access.visible_meetings(mia).exists()


def test_the_summary_grants_nothing_else_on_the_case(published, mia, client):
    """During the window the member reads the summary, never the case pages themselves."""
    client.force_login(mia)
    assert client.get(reverse("mdt-item", args=[published.pk])).status_code == 200
    assert client.get(published.case.get_absolute_url()).status_code == 404


def test_a_removed_item_is_a_404(item, mo, mia, north, alice, client):
    workflow.remove_item(item, actor=mo)
    client.force_login(mia)
    assert client.get(reverse("mdt-item", args=[item.pk])).status_code == 404


def test_no_decision_after_finalisation(published, sasha):
    from casework.workflow import TransitionRefused

    workflow.record_decision(published, actor=sasha, kind="continue", rationale="Test.")
    workflow.save_minutes(published.meeting, actor=sasha, text="Test.")
    workflow.finalise_minutes(published.meeting, actor=sasha, now=UNDER_WAY)
    from mdt.models import MinutesLocked

    with pytest.raises(MinutesLocked):
        published.decision.delete()
    with pytest.raises(MinutesLocked):
        published.decision.save()
    with pytest.raises(TransitionRefused, match="finalised"):
        workflow.record_decision(published, actor=sasha, kind="other", rationale="Late.")


def test_plan_approval_by_the_mdt_carries_the_meeting_date(meeting, north, alice, sam, mo,
                                                           settings):
    from tests.factories import AgendaItemFactory
    from tests.mdt.conftest import north_case

    settings.CASEWORK_PLAN_APPROVAL = "mdt"
    case = north_case(north, alice, stage=Case.Stage.SERVICE_PLAN)
    plan = ServicePlan.objects.create(case=case, goals="", created_by=alice)
    plan.services.add(ServiceFactory())
    item = AgendaItemFactory(meeting=meeting, case=case)
    workflow.publish_agenda(meeting, actor=mo)

    workflow.record_decision(item, actor=sam, kind="approve_plan", rationale="Agreed.")

    plan.refresh_from_db()
    assert plan.approved_via == "mdt"
    assert plan.mdt_meeting_on == meeting.scheduled_for.date()
