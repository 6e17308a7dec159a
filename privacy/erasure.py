"""Erasure on request, with exceptions, decided by two privacy officers.

One officer records the request (the person's reference and what they asked); a second decides:

- erase: the person and everything the inventory links to them are anonymised by the same
  anonymiser the retention job uses (privacy/anonymise.py), each case and the person entered
  in the ledger and on the record;
- refuse, with an exception code (a legal obligation, a legal hold, safeguarding) and a reason.

A legal hold in force on the person or any of their cases forces the refusal: "erase" is
refused with a message naming the exception to use. A case still open (not closed or screened
out) is treated as safeguarding: "erase" is refused until it is closed, so the decision is
either to refuse with the safeguarding exception or to wait for the closure.
"""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit import events
from casework import access, revisions
from casework.refusals import Refused
from privacy import schedule
from privacy.retention_models import Anonymisation, ErasureRequest

ERASE = "erase"
REFUSE = "refuse"


class ErasureRefused(Refused):
    """The request or decision cannot be taken as asked; nothing was changed."""


def _require_officer(actor) -> None:
    if not access.can_handle_privacy_requests(actor):
        raise PermissionDenied


def open_case_references(person) -> list[str]:
    Case = apps.get_model("casework", "Case")
    ended = (Case.Stage.CLOSED, Case.Stage.SCREENED_OUT)
    return list(Case.objects.filter(person=person).exclude(stage__in=ended)
                .order_by("reference").values_list("reference", flat=True))


@transaction.atomic
def request_erasure(*, actor, reference: str, reason: str) -> ErasureRequest:
    _require_officer(actor)
    reference = reference.strip().upper()
    person = apps.get_model("casework", "Person").objects.filter(reference=reference).first()
    if person is None:
        raise ErasureRefused([_("No person has the reference %(reference)s. Check it and try "
                                "again.") % {"reference": reference}])
    if ErasureRequest.objects.filter(person=person,
                                     status=ErasureRequest.Status.PENDING).exists():
        raise ErasureRefused([_("%(reference)s already has an erasure request awaiting a "
                                "decision.") % {"reference": reference}])
    if Anonymisation.objects.filter(record_type="casework.Person", object_id=person.pk).exists():
        raise ErasureRefused([_("%(reference)s has already been anonymised.")
                              % {"reference": reference}])
    erasure = ErasureRequest.objects.create(person=person, reason=reason.strip(),
                                            requested_by=actor)
    events.record(events.ERASURE_REQUESTED, instance=erasure, actor=actor,
                  subject=person.reference)
    return erasure


@transaction.atomic
def decide_erasure(erasure: ErasureRequest, *, actor, decision: str, exception: str = "",
                   exception_reason: str = "", seen_revision: int | None) -> ErasureRequest:
    """The second officer's decision (see the module docstring)."""
    _require_officer(actor)
    Person = apps.get_model("casework", "Person")
    # The person's row first: the retention job and a hold's confirmation lock it too.
    person = Person.objects.select_for_update().get(pk=erasure.person_id)
    stored = ErasureRequest.objects.select_for_update().get(pk=erasure.pk)
    if seen_revision is not None and seen_revision != stored.revision:
        raise revisions.StaleEdit(stored)
    if stored.status != ErasureRequest.Status.PENDING:
        raise revisions.StaleEdit(stored)
    if stored.requested_by_id == actor.pk:
        raise ErasureRefused([_("A second privacy officer must decide: you recorded this "
                                "request yourself.")])
    erasure = stored
    erasure.revision += 1
    if decision == ERASE:
        return _erase(erasure, person, actor=actor)
    if decision != REFUSE or exception not in ErasureRequest.ExceptionCode.values:
        raise ErasureRefused([_("Choose to erase, or to refuse with an exception.")])
    if not exception_reason.strip():
        raise ErasureRefused([_("Write why the exception applies.")])
    erasure.status = ErasureRequest.Status.REFUSED
    erasure.exception, erasure.exception_reason = exception, exception_reason.strip()
    erasure.decided_by, erasure.decided_at = actor, timezone.now()
    erasure.save()
    events.record(events.ERASURE_REFUSED, instance=erasure, actor=actor,
                  subject=person.reference, exception=exception)
    return erasure


def _erase(erasure: ErasureRequest, person, *, actor) -> ErasureRequest:
    if schedule.is_person_held(person):
        raise ErasureRefused([_("A legal hold is in force on this person or one of their "
                                "cases, so nothing can be erased. Refuse the request with the "
                                "exception “A legal hold is in force”.")])
    still_open = open_case_references(person)
    if still_open:
        raise ErasureRefused([_("%(cases)s is still open. Refuse the request with the "
                                "safeguarding exception, or decide it once the case is closed.")
                              % {"cases": ", ".join(still_open)}])
    Case = apps.get_model("casework", "Case")
    done = set(Anonymisation.objects.filter(record_type="casework.Case")
               .values_list("object_id", flat=True))
    totals: dict[str, int] = {}
    for case in Case.objects.filter(person=person).order_by("pk"):
        if case.pk in done:
            continue
        counts = schedule.record_anonymisation(case, cause=Anonymisation.Cause.ERASURE,
                                               erasure=erasure, actor=actor)
        for label, n in counts.items():
            totals[label] = totals.get(label, 0) + n
    for label, n in schedule.record_anonymisation(
            person, cause=Anonymisation.Cause.ERASURE, erasure=erasure, actor=actor).items():
        totals[label] = totals.get(label, 0) + n
    erasure.status = ErasureRequest.Status.ERASED
    erasure.decided_by, erasure.decided_at = actor, timezone.now()
    erasure.counts = totals
    erasure.save()
    events.record(events.ERASURE_DONE, instance=erasure, actor=actor, subject=person.reference,
                  counts=totals)
    return erasure
