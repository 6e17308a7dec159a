"""Legal holds: two privacy officers to place one, two to lift it, every step on the record.

    propose_hold -> (a second officer) confirm_hold -> in force
                 -> withdraw_hold (before it is confirmed; it never applied)
    in force     -> propose_lift -> (a second officer) confirm_lift -> lifted

A hold in force keeps the person's or the case's records from the retention job
(privacy/schedule.py) and from erasure (privacy/erasure.py). Confirming locks the person's or
the case's row, which the retention job's batch locks too, so a hold confirmed while the job
runs is respected by the job's next look.
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
from privacy.retention_models import LegalHold


class HoldRefused(Refused):
    """A step on a hold cannot be taken as asked; nothing was changed."""


SECOND_PERSON = _("A second privacy officer must do this: you took the previous step on this "
                  "hold yourself.")


def _require_officer(actor) -> None:
    if not access.can_handle_privacy_requests(actor):
        raise PermissionDenied


def subject_for(reference: str):
    """The person (P-...) or case (C-...) with `reference`, or None."""
    reference = reference.strip().upper()
    if reference.startswith("P-"):
        return apps.get_model("casework", "Person").objects.filter(reference=reference).first()
    if reference.startswith("C-"):
        return apps.get_model("casework", "Case").objects.filter(reference=reference).first()
    return None


def _lock_subject(hold: LegalHold) -> None:
    model = apps.get_model("casework", "Case" if hold.case_id else "Person")
    list(model.objects.select_for_update().filter(pk=hold.case_id or hold.person_id)
         .values_list("pk", flat=True))


@transaction.atomic
def propose_hold(*, actor, reference: str, reason: str) -> LegalHold:
    _require_officer(actor)
    subject = subject_for(reference)
    if subject is None:
        raise HoldRefused([_("No person or case has the reference %(reference)s. Check it on the "
                             "letter or the case page and try again.") % {"reference": reference}])
    on = {"case": subject} if subject._meta.model_name == "case" else {"person": subject}
    if LegalHold.objects.filter(status__in=LegalHold.OPEN, **on).exists():
        raise HoldRefused([_("%(reference)s already has a hold that is in force or awaiting "
                             "confirmation.") % {"reference": subject.reference}])
    hold = LegalHold.objects.create(reason=reason.strip(), placed_by=actor, **on)
    events.record(events.LEGAL_HOLD_PROPOSED, instance=hold, actor=actor,
                  subject=subject.reference)
    return hold


def _step(hold: LegalHold, *, actor, seen_revision, allowed: tuple, previous_by) -> None:
    """Lock the subject and the hold, then refuse a stale page, a step the hold's status does
    not allow, or the person who took the previous step; count the step (hold.revision)."""
    _require_officer(actor)
    _lock_subject(hold)
    stored = LegalHold.objects.select_for_update().get(pk=hold.pk)
    if seen_revision is not None and seen_revision != stored.revision:
        raise revisions.StaleEdit(stored)
    if stored.status not in allowed:
        raise revisions.StaleEdit(stored)
    if previous_by is not None and getattr(stored, previous_by) == actor.pk:
        raise HoldRefused([SECOND_PERSON])
    hold.status, hold.revision = stored.status, stored.revision + 1


@transaction.atomic
def confirm_hold(hold: LegalHold, *, actor, seen_revision: int | None) -> LegalHold:
    """The second officer's confirmation: from now on the hold applies."""
    _step(hold, actor=actor, seen_revision=seen_revision, allowed=(LegalHold.Status.PROPOSED,),
          previous_by="placed_by_id")
    hold.status = LegalHold.Status.IN_FORCE
    hold.confirmed_by, hold.confirmed_at = actor, timezone.now()
    hold.save()
    events.record(events.LEGAL_HOLD_CONFIRMED, instance=hold, actor=actor,
                  subject=hold.subject_reference, placed_by=hold.placed_by_id)
    return hold


@transaction.atomic
def withdraw_hold(hold: LegalHold, *, actor, seen_revision: int | None) -> LegalHold:
    """Withdraw a hold nobody has confirmed (it never applied): one officer is enough."""
    _step(hold, actor=actor, seen_revision=seen_revision, allowed=(LegalHold.Status.PROPOSED,),
          previous_by=None)
    hold.status = LegalHold.Status.WITHDRAWN
    hold.save()
    events.record(events.LEGAL_HOLD_WITHDRAWN, instance=hold, actor=actor,
                  subject=hold.subject_reference)
    return hold


@transaction.atomic
def propose_lift(hold: LegalHold, *, actor, reason: str, seen_revision: int | None) -> LegalHold:
    """Ask to lift a hold in force; it keeps applying until a second officer confirms."""
    _step(hold, actor=actor, seen_revision=seen_revision, allowed=(LegalHold.Status.IN_FORCE,),
          previous_by=None)
    hold.status = LegalHold.Status.LIFT_PROPOSED
    hold.lift_reason = reason.strip()
    hold.lift_proposed_by, hold.lift_proposed_at = actor, timezone.now()
    hold.save()
    events.record(events.LEGAL_HOLD_LIFT_PROPOSED, instance=hold, actor=actor,
                  subject=hold.subject_reference)
    return hold


@transaction.atomic
def confirm_lift(hold: LegalHold, *, actor, seen_revision: int | None) -> LegalHold:
    _step(hold, actor=actor, seen_revision=seen_revision,
          allowed=(LegalHold.Status.LIFT_PROPOSED,), previous_by="lift_proposed_by_id")
    hold.status = LegalHold.Status.LIFTED
    hold.lifted_by, hold.lifted_at = actor, timezone.now()
    hold.save()
    events.record(events.LEGAL_HOLD_LIFTED, instance=hold, actor=actor,
                  subject=hold.subject_reference, lift_proposed_by=hold.lift_proposed_by_id)
    return hold


def holds_for_page():
    """Every hold, newest first, with the people on it (references only)."""
    return LegalHold.objects.select_related(
        "person", "case", "placed_by", "confirmed_by", "lift_proposed_by", "lifted_by")
