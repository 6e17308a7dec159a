"""Each case transition declared once: what the model does not say about it.

Source, target and conditions are the `@transition` on `Case` (casework/models.py). Everything
else is one `Transition` here, read by the access policy (who may take it), the workflow (reason,
side effects), the case page (button label, reason box) and tests/casework/test_transitions.py,
which fails when a transition of the model has no declaration, or the other way round.

The time limit belongs to the stage a transition enters: settings.STAGE_TIME_LIMITS (working
days, per deployment), which the stage task's due date, the reminders and the overdue views read.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from casework.roles import CASEWORKER, INTAKE, SUPERVISOR


@dataclass(frozen=True)
class Transition:
    name: str  # the method on Case
    label: str  # the button on the case page
    roles: frozenset[str]  # who may take it, by the role they hold on the case (access)
    needs_reason: bool = False  # refused without a "why"
    # Side effects beyond the stage tasks (casework.workflow.EFFECTS), in this order.
    effects: tuple[str, ...] = ()


CASE_STAFF = frozenset({CASEWORKER, SUPERVISOR})

CASE_TRANSITIONS = {
    t.name: t
    for t in (
        Transition("begin_assessment", _("Start assessment"), CASE_STAFF),
        Transition("screen_out", _("Screen out"), frozenset({INTAKE, SUPERVISOR}),
                   needs_reason=True),
        Transition("start_planning", _("Start service plan"), CASE_STAFF),
        Transition("start_follow_up", _("Start follow-up"), CASE_STAFF,
                   effects=("schedule_plan_review",)),
        Transition("replan", _("Back to planning"), CASE_STAFF, needs_reason=True),
        Transition("escalate", _("Escalate immediate risk"),
                   frozenset({INTAKE, CASEWORKER, SUPERVISOR}), needs_reason=True,
                   effects=("cancel_follow_ups",)),
        Transition("resume", _("Resume at intake"), frozenset({SUPERVISOR}), needs_reason=True),
        Transition("close", _("Close case"), frozenset({SUPERVISOR}), needs_reason=True,
                   effects=("cancel_follow_ups", "schedule_post_exit_reviews")),
        Transition("reopen", _("Reopen"), frozenset({SUPERVISOR}), needs_reason=True,
                   effects=("cancel_post_exit_reviews",)),
    )
}
