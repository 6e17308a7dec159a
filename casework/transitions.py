"""Each case transition declared once: what the model does not say about it.

Source, target and conditions are the `@transition` on `Case` (casework/models.py). Everything
else is one `Transition` here, read by the access policy (who may take it), the workflow (reason,
side effects, the stage task and its time limit), the case page (button label, reason box and
its suggested wording), the reminders and overdue views (the time limit) and
tests/casework/test_transitions.py, which fails when a transition of the model has no
declaration, or the other way round, or two transitions into one stage disagree on its limit.

Every transition records a reason. Forward moves along the normal path suggest a short one
(`default_reason`) that the person confirms or rewrites; the others must say why in their own
words.

A time limit is in working days and belongs to the stage the transition enters; the numbers are
the deployment's (settings.STAGE_TIME_LIMITS, keyed by that stage), and follow-up's is in months
(settings.CASEWORK_FOLLOW_UP_MONTHS): it sets when the last plan review falls.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from casework.roles import CASEWORKER, INTAKE, SUPERVISOR


@dataclass(frozen=True)
class TimeLimit:
    """How long the stage a transition enters may last, and the workflow task that carries it."""

    stage: str
    task: str = ""  # a Task.Kind: opened on entering; closed when its work is done
    in_months: bool = False

    @property
    def amount(self) -> int | None:
        """Working days (or months, for follow-up) allowed in the stage, as deployed."""
        if self.in_months:
            return settings.CASEWORK_FOLLOW_UP_MONTHS or None
        return settings.STAGE_TIME_LIMITS.get(self.stage)


# A case is opened at intake (casework.workflow.open_case), and comes back to it by `resume`
# or `reopen`: each starts the same clock.
INTAKE_LIMIT = TimeLimit("intake")
ASSESSMENT_LIMIT = TimeLimit("assessment", task="complete_assessment")
PLANNING_LIMIT = TimeLimit("service_plan", task="write_plan")
FOLLOW_UP_LIMIT = TimeLimit("follow_up", in_months=True)
ESCALATED_LIMIT = TimeLimit("escalated")


@dataclass(frozen=True)
class Transition:
    name: str  # the method on Case
    label: str  # the button on the case page
    roles: frozenset[str]  # who may take it, by the role they hold on the case (access)
    # The reason the page suggests for a forward move; empty: the person writes their own.
    default_reason: str = ""
    # Side effects beyond the stage tasks (casework.workflow.EFFECTS), in this order.
    effects: tuple[str, ...] = ()
    time_limit: TimeLimit | None = None  # of the stage it enters; None: that stage has none

    @property
    def needs_reason(self) -> bool:
        """Every transition is refused without a reason (a suggested one still counts)."""
        return True

    @property
    def stage_task(self) -> str:
        return self.time_limit.task if self.time_limit else ""


CASE_STAFF = frozenset({CASEWORKER, SUPERVISOR})

CASE_TRANSITIONS = {
    t.name: t
    for t in (
        Transition("begin_assessment", _("Start assessment"), CASE_STAFF,
                   default_reason=_("Consent recorded: the assessment starts."),
                   time_limit=ASSESSMENT_LIMIT),
        Transition("screen_out", _("Screen out"), frozenset({INTAKE, SUPERVISOR})),
        Transition("start_planning", _("Start service plan"), CASE_STAFF,
                   default_reason=_("Assessment completed and signed off: planning starts."),
                   time_limit=PLANNING_LIMIT),
        Transition("start_follow_up", _("Start follow-up"), CASE_STAFF,
                   default_reason=_("Plan approved: delivery and follow-up start."),
                   effects=("schedule_plan_review",), time_limit=FOLLOW_UP_LIMIT),
        Transition("replan", _("Back to planning"), CASE_STAFF, time_limit=PLANNING_LIMIT),
        Transition("escalate", _("Escalate immediate risk"),
                   frozenset({INTAKE, CASEWORKER, SUPERVISOR}),
                   effects=("cancel_follow_ups",), time_limit=ESCALATED_LIMIT),
        Transition("resume", _("Resume at intake"), frozenset({SUPERVISOR}),
                   time_limit=INTAKE_LIMIT),
        # The supervisor (or the MDT) approving the caseworker's closure request takes it
        # (casework.workflow.decide_closure); with the gate off a supervisor may take it directly.
        Transition("close", _("Close case"), frozenset({SUPERVISOR}),
                   effects=("cancel_follow_ups", "schedule_post_exit_reviews")),
        Transition("reopen", _("Reopen"), frozenset({SUPERVISOR}),
                   effects=("cancel_post_exit_reviews",), time_limit=INTAKE_LIMIT),
    )
}

# The time limit of each stage, whichever transition entered it (a case opened at intake took
# none). The test keeps the transitions into one stage in agreement.
STAGE_LIMITS = {INTAKE_LIMIT.stage: INTAKE_LIMIT} | {
    t.time_limit.stage: t.time_limit for t in CASE_TRANSITIONS.values() if t.time_limit
}
# The workflow's stage tasks: only the work they stand for closes them, never a hand.
STAGE_TASK_KINDS = {limit.stage: limit.task for limit in STAGE_LIMITS.values() if limit.task}
STAGE_TASKS = frozenset(STAGE_TASK_KINDS.values())
