"""Background work. Tasks take ids, re-read state, and carry no personal data."""

import datetime
from collections import Counter, defaultdict

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from casework import notify, selectors
from casework.accounts import languages
from casework.models import (
    Case,
    ClosureRequest,
    Reminder,
    Task,
    TeamMembership,
    Transfer,
)


@shared_task(acks_late=True)
def notify_assignment(case_id: int, user_id: int) -> None:
    """Give the newly assigned caseworker a task and a notice; safe to run twice."""
    case = Case.objects.filter(pk=case_id).first()
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if case is None or user is None or case.caseworker_id != user.pk:
        return  # reassigned again, or gone, before the task ran
    with transaction.atomic():
        task, created = Task.objects.get_or_create(
            case=case,
            owner=user,
            kind=Task.Kind.REVIEW_NEW_CASE,
            done_at=None,
            defaults={"due_on": timezone.localdate() + datetime.timedelta(days=2)},
        )
        if not created:
            return
        link = case.get_absolute_url()
        with languages.for_user(user):  # the notice and the email in the user's language
            message = _("Case %(reference)s has been assigned to you.") % {
                "reference": case.reference
            }
            subject = _("A case has been assigned to you")
        notify.post([user], message, link)  # with the task: a rerun finds both, or neither
    notify.email([user], message, link, subject=subject)


@shared_task(acks_late=True)
def notify_transfer(transfer_id: int) -> None:
    """Tell the receiving supervisors of a new offer, or the sending side of the decision.

    The notice names the case reference and the teams only. Delivered once through the outbox
    (each enqueue is its own message), so a notice is never doubled."""
    transfer = Transfer.objects.select_related("case", "from_team", "to_team").filter(
        pk=transfer_id).first()
    if transfer is None:
        return
    values = {"reference": transfer.case.reference, "from": transfer.from_team.name,
              "to": transfer.to_team.name}
    if transfer.is_pending:
        team_id = transfer.to_team_id
        message = _("Case %(reference)s is offered to %(to)s by %(from)s: accept or decline "
                    "it.") % values
    elif transfer.status == Transfer.Status.ACCEPTED:
        team_id = transfer.from_team_id
        message = _("%(to)s accepted case %(reference)s; it has left %(from)s.") % values
    else:
        team_id = transfer.from_team_id
        message = _("%(to)s declined case %(reference)s; it stays with %(from)s.") % values
    users = get_user_model().objects.filter(
        is_active=True, team_memberships__team_id=team_id,
        team_memberships__role=TeamMembership.Role.SUPERVISOR,
    )
    notify.post(users.distinct(), message, reverse("transfer-detail", args=[transfer.pk]))


@shared_task(acks_late=True)
def notify_closure_request(request_id: int) -> None:
    """Tell the case's team supervisors that closure was requested: it awaits their approval."""
    request = ClosureRequest.objects.filter(pk=request_id).select_related("case").first()
    if request is None or not request.is_pending:
        return
    message = _("Closure of case %(reference)s was requested: it awaits your approval.") % {
        "reference": request.case.reference
    }
    supervisors = _supervisors_by_team([request.case.team_id]).get(request.case.team_id, ())
    notify.post(get_user_model().objects.filter(pk__in=supervisors), message,
                reverse("team-overview"), once=True)


@shared_task(acks_late=True)
def notify_closure_returned(request_id: int) -> None:
    """Tell whoever requested closure that it was returned (the note is on the case page)."""
    request = ClosureRequest.objects.filter(pk=request_id).select_related("case").first()
    if request is None or request.outcome != ClosureRequest.Outcome.RETURNED:
        return
    message = _("The closure request for case %(reference)s was returned: see the note.") % {
        "reference": request.case.reference
    }
    notify.post([request.requested_by], message, request.case.get_absolute_url(), once=True)


@shared_task(acks_late=True)
def send_due_reminders() -> dict[str, int]:
    """The daily job: remind owners of tasks due soon; tell caseworkers of their own overdue
    tasks and cases past their stage's time limit at once, and escalate them to the team's
    supervisors settings.CASEWORK_OWNER_NOTICE_LEAD_DAYS later if they are still overdue.

    Each reminder is recorded (Reminder) before anyone is told, and the record's unique key
    means a rerun, or two runs at once, sends nothing twice. Each person gets at most one
    notice a run, with counts and a link: never a name, a date of birth or a note.
    """
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=settings.CASEWORK_REMINDER_DAYS_AHEAD)
    open_tasks = Task.objects.filter(done_at__isnull=True).select_related("case", "owner")
    due_soon = list(open_tasks.filter(due_on__gte=today, due_on__lt=soon, owner__is_active=True))
    # The owner first; the supervisors once it has been overdue for the lead time as well.
    escalate_from = today - datetime.timedelta(days=settings.CASEWORK_OWNER_NOTICE_LEAD_DAYS)
    overdue = list(open_tasks.filter(due_on__lt=today))
    late_cases = list(
        Case.objects.filter(stage__in=Case.ACTIVE_STAGES + (Case.Stage.ESCALATED,))
        .filter(selectors.stage_overdue_q(today))
    )
    escalated_cases = set(
        Case.objects.filter(pk__in=[case.pk for case in late_cases])
        .filter(selectors.stage_overdue_q(escalate_from)).values_list("pk", flat=True)
    )
    supervisors = _supervisors_by_team({t.case.team_id for t in overdue} |
                                       {c.team_id for c in late_cases})
    wanted = [(Reminder.Kind.DUE_SOON, task.owner_id, task.case, task) for task in due_soon]
    wanted += [
        (Reminder.Kind.OWN_TASK_OVERDUE, task.owner_id, task.case, task)
        for task in overdue if task.owner.is_active
    ]
    wanted += [
        (Reminder.Kind.TASK_OVERDUE, supervisor, task.case, task)
        for task in overdue if task.due_on < escalate_from
        for supervisor in supervisors.get(task.case.team_id, ())
    ]
    wanted += [
        (Reminder.Kind.OWN_STAGE_OVERDUE, case.caseworker_id, case, None)
        for case in late_cases if case.caseworker_id is not None
    ]
    wanted += [
        (Reminder.Kind.STAGE_OVERDUE, supervisor, case, None)
        for case in late_cases if case.pk in escalated_cases
        for supervisor in supervisors.get(case.team_id, ())
    ]
    sent = _already_sent(due_soon + overdue, late_cases)
    per_recipient: dict[int, Counter] = defaultdict(Counter)
    with transaction.atomic():
        created = []
        for kind, recipient_id, case, task in wanted:
            key = _reminder_key(kind, recipient_id, case, task)
            if key in sent:
                continue
            try:
                with transaction.atomic():  # a concurrent run may have just written it
                    reminder = Reminder.objects.create(
                        kind=kind, recipient_id=recipient_id, case=case, task=task,
                        stage_entered_at=None if task else case.stage_entered_at,
                    )
            except IntegrityError:
                continue
            sent.add(key)
            created.append(reminder)
            per_recipient[recipient_id][kind] += 1
        notices = _notify(per_recipient, created)
    transaction.on_commit(lambda: _email(notices))
    totals = Counter()
    for counts in per_recipient.values():
        totals.update(counts)
    return {kind: totals.get(kind, 0) for kind in Reminder.Kind.values}


def _supervisors_by_team(team_ids) -> dict[int, list[int]]:
    memberships = TeamMembership.objects.filter(
        team_id__in=team_ids, role=TeamMembership.Role.SUPERVISOR, user__is_active=True
    ).values_list("team_id", "user_id")
    by_team: dict[int, list[int]] = defaultdict(list)
    for team_id, user_id in memberships:
        by_team[team_id].append(user_id)
    return by_team


def _reminder_key(kind, recipient_id, case, task) -> tuple:
    if task is not None:
        return (kind, recipient_id, "task", task.pk)
    return (kind, recipient_id, "stage", case.pk, case.stage_entered_at)


def _already_sent(tasks, cases) -> set[tuple]:
    keys = {
        (kind, recipient_id, "task", task_id)
        for kind, recipient_id, task_id in Reminder.objects.filter(
            task__in=[task.pk for task in tasks]
        ).values_list("kind", "recipient_id", "task_id")
    }
    keys |= {
        (kind, recipient_id, "stage", case_id, entered_at)
        for kind, recipient_id, case_id, entered_at in Reminder.objects.filter(
            task__isnull=True, case__in=[case.pk for case in cases]
        ).values_list("kind", "recipient_id", "case_id", "stage_entered_at")
    }
    return keys


# What each kind of reminder says, in the order a notice lists them: counts only.
REMINDER_PHRASES = (
    (Reminder.Kind.DUE_SOON, ngettext_lazy(
        "%(count)d of your tasks is due soon.", "%(count)d of your tasks are due soon.", "count")),
    (Reminder.Kind.OWN_TASK_OVERDUE, ngettext_lazy(
        "%(count)d of your tasks is overdue.", "%(count)d of your tasks are overdue.", "count")),
    (Reminder.Kind.OWN_STAGE_OVERDUE, ngettext_lazy(
        "%(count)d of your cases is past its stage time limit.",
        "%(count)d of your cases are past their stage time limit.", "count")),
    (Reminder.Kind.TASK_OVERDUE, ngettext_lazy(
        "%(count)d task on your team is overdue.", "%(count)d tasks on your team are overdue.",
        "count")),
    (Reminder.Kind.STAGE_OVERDUE, ngettext_lazy(
        "%(count)d case on your team is past its stage time limit.",
        "%(count)d cases on your team are past their stage time limit.", "count")),
)


def reminder_message(counts: Counter) -> str:
    """The notice for one person: counts only, so it can go by email safely."""
    return " ".join(phrase % {"count": counts[kind]} for kind, phrase in REMINDER_PHRASES
                    if counts[kind])


def _notify(per_recipient: dict[int, Counter], created: list[Reminder]) -> list[tuple]:
    """One in-app notice per person; return (user id, message, link) for the emails."""
    notices = []
    by_recipient = defaultdict(list)
    for reminder in created:
        by_recipient[reminder.recipient_id].append(reminder)
    chosen = languages.languages_of(per_recipient)
    users = get_user_model().objects.in_bulk(list(per_recipient))
    for recipient_id, counts in per_recipient.items():
        escalation = counts[Reminder.Kind.TASK_OVERDUE] or counts[Reminder.Kind.STAGE_OVERDUE]
        link = reverse("team-overview") if escalation else reverse("dashboard")
        with languages.in_language(chosen.get(recipient_id)):
            message = reminder_message(counts)
        [notification] = notify.post([users[recipient_id]], message, link)
        for reminder in by_recipient[recipient_id]:
            reminder.notification = notification
            reminder.save(update_fields=["notification"])
        notices.append((recipient_id, message, link))
    return notices


def _email(notices: list[tuple]) -> None:
    users = get_user_model().objects.in_bulk([user_id for user_id, _m, _l in notices])
    chosen = languages.languages_of(users)
    for user_id, message, link in notices:
        if user_id in users:
            with languages.in_language(chosen.get(user_id)):
                subject = _("Casework reminders")
            notify.email([users[user_id]], message, link, subject=subject)
