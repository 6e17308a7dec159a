"""Casework pages. Each view: access policy -> form -> workflow -> redirect or render."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audit.access_log import record_read
from casework import access, forms, roles, selectors, workflow
from casework.models import Case, Notification


class SignOutView(auth_views.LogoutView):
    """Log out, and tell the browser to drop everything it kept of the session."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
        return response


@require_GET
def dashboard(request):
    user = request.user
    context = {
        "caseload": selectors.caseload_for(user),
        "tasks": selectors.open_tasks_for(user),
        "notifications": Notification.objects.filter(user=user, read_at__isnull=True)[:5],
        "inbox": selectors.referral_inbox(user)[:50] if access.can_open_cases(user) else None,
        "is_case_staff": roles.has(user, *roles.CASE_STAFF),
    }
    return render(request, "casework/dashboard.html", context)


def _case_page(request, case: Case, *, status: int = 200, errors=(), **forms_):
    user = request.user
    can_edit = access.can_edit_records(user, case)
    plans = case.plans.prefetch_related("services__organization").select_related("approved_by")
    context = {
        "case": case,
        "person": case.person,
        "due_on": selectors.stage_due_on(case),
        "timeline": selectors.case_timeline(case),
        "transitions": workflow.available_transitions(case, user),
        "transition_form": forms.TransitionForm(
            initial={"expected_stage": case.stage}
        ),
        "closure_reasons": Case.ClosureReason.choices,
        "reason_required": workflow.REASON_REQUIRED,
        "errors": errors,
        "consents": case.consents.all(),
        "assessments": case.assessments.select_related("completed_by"),
        "plans": plans,
        "follow_ups": case.follow_ups.all(),
        "can_edit": can_edit,
        "can_approve": access.can_approve_plan(user, case),
        "assign_form": forms_.get("assign_form")
        or (forms.AssignForm(team=case.team) if access.can_assign(user, case) else None),
        "consent_form": forms_.get("consent_form") or forms.ConsentForm(),
        "assessment_form": forms_.get("assessment_form") or forms.AssessmentForm(),
        "plan_form": forms_.get("plan_form") or forms.PlanForm(),
        "follow_up_form": forms_.get("follow_up_form") or forms.FollowUpForm(),
    }
    record_read(case, part="case page")
    return render(request, "casework/case_detail.html", context, status=status)


@require_GET
def case_detail(request, reference):
    return _case_page(request, access.access_case(request.user, reference))


@require_POST
def case_transition(request, reference):
    case = access.access_case(request.user, reference)
    form = forms.TransitionForm(request.POST)
    if not form.is_valid():
        return _case_page(request, case, status=400, errors=[_("The action could not be read.")])
    data = form.cleaned_data
    try:
        workflow.take_transition(
            case,
            data["name"],
            actor=request.user,
            reason=data["reason"],
            closure_reason=data["closure_reason"],
            expected_stage=data["expected_stage"],
        )
    except workflow.TransitionRefused as refused:
        return _case_page(request, case, status=400, errors=refused.messages)
    except workflow.StaleCase:
        return render(request, "casework/stale_case.html", {"case": case}, status=409)
    stage = case.get_stage_display()
    messages.success(request, _("Stage changed to %(stage)s.") % {"stage": stage})
    return redirect(case)


@require_POST
def case_assign(request, reference):
    case = access.access_case(request.user, reference)
    if not access.can_assign(request.user, case):
        raise PermissionDenied
    form = forms.AssignForm(request.POST, team=case.team)
    if not form.is_valid():
        return _case_page(request, case, status=400, assign_form=form)
    try:
        workflow.assign_case(case, form.cleaned_data["caseworker"], actor=request.user)
    except workflow.TransitionRefused as refused:
        return _case_page(request, case, status=400, errors=refused.messages)
    messages.success(request, _("Case assigned."))
    return redirect(case)


def _record(request, reference, form_class, form_key, action, success):
    """Shared shape of the small record forms on the case page."""
    case = access.access_case(request.user, reference, for_write=True)
    form = form_class(request.POST)
    if not form.is_valid():
        return _case_page(request, case, status=400, **{form_key: form})
    try:
        action(case, form.cleaned_data)
    except workflow.TransitionRefused as refused:
        return _case_page(request, case, status=400, errors=refused.messages)
    messages.success(request, success)
    return redirect(case)


@require_POST
def case_consent(request, reference):
    return _record(
        request, reference, forms.ConsentForm, "consent_form",
        lambda case, data: workflow.record_consent(case, actor=request.user, **data),
        _("Consent recorded."),
    )


@require_POST
def case_assessment(request, reference):
    return _record(
        request, reference, forms.AssessmentForm, "assessment_form",
        lambda case, data: workflow.complete_assessment(case, actor=request.user, **data),
        _("Assessment completed."),
    )


@require_POST
def case_plan(request, reference):
    return _record(
        request, reference, forms.PlanForm, "plan_form",
        lambda case, data: workflow.draft_plan(case, actor=request.user, **data),
        _("Service plan saved and sent for approval."),
    )


@require_POST
def case_follow_up(request, reference):
    return _record(
        request, reference, forms.FollowUpForm, "follow_up_form",
        lambda case, data: workflow.record_follow_up(case, actor=request.user, **data),
        _("Follow-up recorded."),
    )


@require_POST
def case_plan_approve(request, reference, plan_id):
    case = access.access_case(request.user, reference)
    plan = get_object_or_404(case.plans, pk=plan_id)
    try:
        workflow.approve_plan(plan, actor=request.user)
    except workflow.TransitionRefused as refused:
        return _case_page(request, case, status=400, errors=refused.messages)
    messages.success(request, _("Service plan approved."))
    return redirect(case)


@require_POST
def case_open(request, reference):
    """Open a case from a referral (intake coordinators and supervisors)."""
    if not access.can_open_cases(request.user):
        raise PermissionDenied
    referral = access.access_referral(request.user, reference)
    form = forms.OpenCaseForm(request.POST)
    if form.is_valid():
        try:
            case = workflow.open_case(referral, actor=request.user, **form.cleaned_data)
        except workflow.TransitionRefused as refused:
            form.add_error(None, refused.messages)
        else:
            messages.success(request, _("Case %(ref)s opened.") % {"ref": case.reference})
            return redirect(case)
    record_read(referral, part="referral")
    context = {"referral": referral, "open_case_form": form}
    return render(request, "referrals/referral_detail.html", context, status=400)
