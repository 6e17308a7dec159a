"""The privacy officer's pages: legal holds, erasure requests, and what retention would do now.

Everyone but a privacy officer gets 404. Create forms take a one-time token; every step on an
existing hold or request carries its revision (a stale page gets 409); the second person's
decisions (confirming a hold or its lifting, deciding an erasure) ask for a recent second
factor. The pages show references, never a person's details.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from casework import access, revisions, submissions
from casework.accounts.stepup import require_recent_second_factor
from casework.refusals import Refused, status_for
from privacy import erasure, holds, schedule
from privacy.retention_forms import ErasureDecisionForm, ErasureRequestForm, HoldForm, LiftForm
from privacy.retention_models import ErasureRequest, LegalHold


def _require_officer(request) -> None:
    if not access.can_handle_privacy_requests(request.user):
        raise Http404


def _holds_page(request, form=None, *, errors=(), status=200):
    context = {"form": form or HoldForm(), "lift_form": LiftForm(),
               "holds": holds.holds_for_page()[:200], "errors": errors}
    return render(request, "privacy/holds.html", context, status=status)


@submissions.once
def privacy_holds(request):
    """The list of holds, and the form to propose one."""
    _require_officer(request)
    if request.method != "POST":
        return _holds_page(request)
    form = HoldForm(request.POST)
    if not form.is_valid():
        return _holds_page(request, form, status=400)
    try:
        hold = holds.propose_hold(actor=request.user, **form.cleaned_data)
    except Refused as refusal:
        return _holds_page(request, form, errors=refusal.messages, status=status_for(refusal))
    request.submitted_reference = hold.subject_reference
    messages.success(request, _("Hold proposed on %(reference)s: a second privacy officer must "
                                "confirm it before it applies.")
                     % {"reference": hold.subject_reference})
    return redirect("privacy-holds")


def _hold_step(request, pk, step, done_message, **extra):
    _require_officer(request)
    hold = get_object_or_404(LegalHold, pk=pk)
    try:
        step(hold, actor=request.user, seen_revision=revisions.seen(request), **extra)
    except revisions.StaleEdit as stale:
        return _holds_page(request, errors=stale.changed_messages, status=409)
    except Refused as refusal:
        return _holds_page(request, errors=refusal.messages, status=status_for(refusal))
    messages.success(request, done_message % {"reference": hold.subject_reference})
    return redirect("privacy-holds")


@require_POST
@require_recent_second_factor
def privacy_hold_confirm(request, pk):
    return _hold_step(request, pk, holds.confirm_hold,
                      _("The hold on %(reference)s is in force."))


@require_POST
def privacy_hold_withdraw(request, pk):
    return _hold_step(request, pk, holds.withdraw_hold,
                      _("The proposed hold on %(reference)s was withdrawn."))


@require_POST
def privacy_hold_lift(request, pk):
    _require_officer(request)
    form = LiftForm(request.POST)
    if not form.is_valid():
        errors = [error for messages_ in form.errors.values() for error in messages_]
        return _holds_page(request, errors=errors, status=400)
    return _hold_step(request, pk, holds.propose_lift,
                      _("Lifting the hold on %(reference)s was proposed: it applies until a "
                        "second privacy officer confirms."), reason=form.cleaned_data["reason"])


@require_POST
@require_recent_second_factor
def privacy_hold_lift_confirm(request, pk):
    return _hold_step(request, pk, holds.confirm_lift,
                      _("The hold on %(reference)s is lifted."))


def _erasures_page(request, form=None, *, decision_form=None, errors=(), status=200):
    context = {
        "form": form or ErasureRequestForm(),
        "decision_form": decision_form or ErasureDecisionForm(),
        "erasures": ErasureRequest.objects.select_related(
            "person", "requested_by", "decided_by")[:200],
        "errors": errors,
    }
    return render(request, "privacy/erasures.html", context, status=status)


@submissions.once
def privacy_erasures(request):
    """Erasure requests and their decisions, and the form to record one."""
    if not access.can_handle_privacy_requests(request.user):
        raise Http404
    if request.method != "POST":
        return _erasures_page(request)
    form = ErasureRequestForm(request.POST)
    if not form.is_valid():
        return _erasures_page(request, form, status=400)
    try:
        made = erasure.request_erasure(actor=request.user, **form.cleaned_data)
    except Refused as refusal:
        return _erasures_page(request, form, errors=refusal.messages,
                              status=status_for(refusal))
    request.submitted_reference = made.person.reference
    messages.success(request, _("Erasure request recorded for %(reference)s: a second privacy "
                                "officer decides it.") % {"reference": made.person.reference})
    return redirect("privacy-erasures")


@require_POST
@require_recent_second_factor
def privacy_erasure_decide(request, pk):
    if not access.can_handle_privacy_requests(request.user):
        raise Http404
    made = get_object_or_404(ErasureRequest, pk=pk)
    form = ErasureDecisionForm(request.POST)
    if not form.is_valid():
        return _erasures_page(request, decision_form=form, status=400,
                              errors=[e for errs in form.errors.values() for e in errs])
    try:
        made = erasure.decide_erasure(made, actor=request.user,
                                      seen_revision=revisions.seen(request), **form.cleaned_data)
    except revisions.StaleEdit as stale:
        return _erasures_page(request, errors=stale.changed_messages, status=409)
    except Refused as refusal:
        return _erasures_page(request, decision_form=form, errors=refusal.messages,
                              status=status_for(refusal))
    if made.status == ErasureRequest.Status.ERASED:
        messages.success(request, _("%(reference)s was erased: their data is anonymised "
                                    "everywhere.") % {"reference": made.person.reference})
    else:
        messages.success(request, _("The request for %(reference)s was refused under an "
                                    "exception.") % {"reference": made.person.reference})
    return redirect("privacy-erasures")


@require_GET
def privacy_retention(request):
    """What the retention schedule would act on if it ran now (counts only)."""
    _require_officer(request)
    return render(request, "privacy/retention.html", {"outcomes": schedule.report()})
