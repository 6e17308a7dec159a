"""Casework pages. Each view: access policy -> form -> workflow -> redirect or render."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.access_log import record_list_read, record_read
from casework import access, forms, revisions, roles, selectors, submissions, workflow
from casework.models import (
    Case,
    FollowUp,
    Instrument,
    Intervention,
    Notification,
    PersonAlias,
    ServicePlan,
)
from casework.pagination import paginate
from casework.refusals import Refused, page_again
from privacy import workflow as privacy_workflow
from referrals import selectors as referral_selectors


class SignOutView(auth_views.LogoutView):
    """Log out, and tell the browser to drop everything it kept of the session."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
        return response


# The dashboard, search and notifications ----------------------------------------------------


def _dashboard_context(request, *, search_form=None, results=None):
    user = request.user
    can_view_team = access.can_view_team(user)
    filter_form = forms.CaseloadFilterForm(
        request.GET or None, caseworkers=selectors.team_caseworkers(user) if can_view_team else ()
    )
    return {
        "caseload": selectors.caseload_page(request, user, filter_form.filters(),
                                            per_page=DASHBOARD_ROWS),
        "filter_form": filter_form,
        "filtered": bool(set(request.GET) - PAGE_PARAMS),
        "search_form": search_form or forms.CaseSearchForm(),
        "results": results,
        "tasks": selectors.name_tasks(paginate(request, selectors.open_tasks_for(user),
                                               param="tasks_page", per_page=DASHBOARD_TASKS)),
        "today": timezone.localdate(),
        "notifications": Notification.objects.filter(user=user, read_at__isnull=True)[:5],
        "inbox": paginate(request, referral_selectors.intake_queue(user), param="inbox_page",
                          per_page=DASHBOARD_ROWS)
        if access.can_open_cases(user) else None,
        "is_case_staff": roles.has(user, *roles.CASE_STAFF),
        "awaiting_approval": selectors.awaiting_approval_count(user) if can_view_team else 0,
        "can_view_team": can_view_team,
    }


# The dashboard's lists page independently; their page numbers are not filters.
PAGE_PARAMS = {"page", "tasks_page", "inbox_page"}
# The dashboard is where a day starts, not where it is spent: short pages of each list keep it
# one screen or two (and its cost per load small); every list pages on to the rest.
DASHBOARD_ROWS = 25
DASHBOARD_TASKS = 10


def _record_names_shown(request, context) -> None:
    """The lists show who each case or referral is about: one entry per list, by reference."""
    record_list_read([row.case for row in context["caseload"]], part="caseload names",
                     actor=request.user)
    record_list_read(context["inbox"] or (), part="inbox names", actor=request.user)
    record_list_read([task.case for task in context["tasks"]], part="task names",
                     actor=request.user)


@require_GET
def dashboard(request):
    context = _dashboard_context(request)
    _record_names_shown(request, context)
    return render(request, "casework/dashboard.html", context)


@require_POST
def case_search(request):
    """Search by name, reference, date of birth or phone. POST, and the answer is a page, never
    a redirect: what someone typed must not end up in an address, a log line or the history."""
    if not roles.has(request.user, *roles.CASE_STAFF):
        raise PermissionDenied
    form = forms.CaseSearchForm(request.POST)
    results = selectors.search_cases(request.user, form.cleaned_data["query"]) if (
        form.is_valid()
    ) else None
    for case in results or ():
        record_read(case, part="search result")  # the results show who each case is about
    context = _dashboard_context(request, search_form=form, results=results)
    _record_names_shown(request, context)
    return render(request, "casework/dashboard.html", context, status=200 if form.is_valid()
                  else 400)


def _notification_page(request):
    notifications = paginate(request, Notification.objects.filter(user=request.user))
    return render(request, "casework/notifications.html", {"notifications": notifications})


@require_GET
def notification_list(request):
    return _notification_page(request)


@require_POST
def notification_read(request):
    """Mark every notice read and show the list again (repeating it is harmless)."""
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(
        read_at=timezone.now()  # notices are not audited case records: a bulk update is fine
    )
    messages.success(request, _("All notifications marked as read."))
    return _notification_page(request)


# The supervisor's view ----------------------------------------------------------------------


@require_GET
def team_overview(request):
    if not access.can_view_team(request.user):
        raise PermissionDenied
    overview = selectors.team_overview(request.user)
    filters = selectors.CaseloadFilter(sort=request.GET.get("sort", "stage_age"))
    context = {
        "overview": overview,
        "stages": [Case.Stage(stage).label for stage in selectors.WORKLOAD_STAGES],
        "cases": selectors.caseload_page(
            request, request.user, filters, cases=access.team_cases(request.user),
            per_page=DASHBOARD_ROWS,
        ),
        "caseworkers": overview.caseworkers,
    }
    record_list_read([row.case for row in context["cases"]], part="team case names",
                     actor=request.user)
    return render(request, "casework/team.html", context)


# The case page ------------------------------------------------------------------------------


def _timeline_pages(request) -> int:
    """How many timeline pages to show: ?timeline=N, 1 when absent or not a small number."""
    value = request.GET.get("timeline", "")
    return min(int(value), 100) if value.isdigit() and int(value) > 0 else 1


def _case_page(request, case: Case, *, status: int = 200, errors=(), **forms_):
    user = request.user
    context = selectors.case_page(case, user, timeline_pages=_timeline_pages(request))
    closure_request = workflow.pending_closure_request(case)
    context.update(
        errors=errors,
        transitions=workflow.available_transitions(case, user, closure_request=closure_request),
        reason_required=workflow.REASON_REQUIRED,
        can_revise_plan=context["can_edit"] and case.stage in workflow.PLAN_STAGES,
        closure_request=closure_request,
        can_request_closure=context["can_edit"] and workflow.may_be_closed(case),
        can_decide_closure=access.may_take_transition(user, case, "close"),
    )
    context.update(_case_forms(case, user, context, forms_))
    record_read(case, part="case page")
    return render(request, "casework/case_detail.html", context, status=status)


def _case_forms(case: Case, user, page: dict, given: dict) -> dict:
    """The case page's forms: the one that was just posted (with its errors) or a blank one,
    and only the forms this user may use (a blank form costs a render)."""
    def blank(key, make, allowed=True):
        return given.get(key) or (make() if allowed else None)

    can_edit = page["can_edit"]
    following_up = can_edit and case.stage == Case.Stage.FOLLOW_UP
    owners = selectors.task_owners(case) if page["can_manage_tasks"] else []
    needs = selectors.assessed_needs(case) if (
        can_edit and case.stage == Case.Stage.SERVICE_PLAN) else []
    context = {
        "assign_form": blank("assign_form", lambda: forms.AssignForm(team=case.team),
                             access.can_assign(user, case)),
        # Blank, it is drawn only when opened (case_consent_form); with errors, on the page.
        "consent_form": given.get("consent_form"),
        "plan_form": blank("plan_form", lambda: forms.PlanForm(needs=needs),
                           can_edit and case.stage == Case.Stage.SERVICE_PLAN),
        "follow_up_form": blank("follow_up_form", forms.FollowUpForm, following_up),
        "schedule_form": blank("schedule_form", forms.ScheduleFollowUpForm, following_up),
        "note_form": blank("note_form", lambda: forms.NoteForm(
            levels=access.note_levels_for(user, case)), page["can_write_notes"]),
        "task_form": blank("task_form", lambda: forms.TaskForm(owners=owners),
                           page["can_manage_tasks"]),
        "transfer_form": blank("transfer_form", lambda: forms.TransferForm(case=case),
                               page["can_transfer"]),
    }
    if case.stage == Case.Stage.ASSESSMENT and page["can_assess"]:
        context.update(_assessment_form_context(case, page["draft_assessment"],
                                                given.get("assessment_form"),
                                                previous=page["latest_assessment"]))
    return context


@require_GET
def case_detail(request, reference):
    case = access.access_case(request.user, reference)
    workflow.acknowledge_case(case, actor=request.user)
    return _case_page(request, case)



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
    except workflow.StaleCase:
        return render(request, "casework/stale_case.html", {"case": case}, status=409)
    except Refused as refused:
        return page_again(_case_page, refused, request, case)
    stage = case.get_stage_display()
    messages.success(request, _("Stage changed to %(stage)s.") % {"stage": stage})
    return redirect(case)


@require_POST
def case_closure_request(request, reference):
    """The caseworker asks for the case to be closed, with a reason."""
    case = access.access_case(request.user, reference, for_write=True)
    form = forms.ClosureRequestForm(request.POST)
    if not form.is_valid():
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        return _case_page(request, case, status=400, errors=errors)
    try:
        workflow.request_closure(case, actor=request.user, **form.cleaned_data)
    except workflow.TransitionRefused as refused:
        return _case_page(request, case, status=400, errors=refused.messages)
    messages.success(request, _("Closure requested: it awaits a supervisor's approval."))
    return redirect(case)


@require_POST
def case_closure_decide(request, reference, request_id):
    """A supervisor of the case's team approves (the case closes) or returns the request."""
    case = access.access_case(request.user, reference)
    closure = get_object_or_404(case.closure_requests, pk=request_id)
    if not access.may_take_transition(request.user, case, "close"):
        raise PermissionDenied  # they see the case and its request, but do not decide it
    form = forms.ClosureDecisionForm(request.POST)
    if not form.is_valid():
        return _case_page(request, case, status=400, errors=[_("The action could not be read.")])
    data = form.cleaned_data
    try:
        workflow.decide_closure(closure, actor=request.user, approve=data["decision"] == "approve",
                                note=data["note"], expected_stage=data["expected_stage"])
    except workflow.TransitionRefused as refused:
        return _case_page(request, case, status=400, errors=refused.messages)
    except workflow.StaleCase:
        return render(request, "casework/stale_case.html", {"case": case}, status=409)
    if data["decision"] == "approve":
        messages.success(request, _("Closure approved: the case is closed."))
    else:
        messages.success(request, _("Closure request returned to the caseworker."))
    return redirect(case)


@require_POST
def case_assign(request, reference):
    case = access.access_case(request.user, reference)
    if not access.can_assign(request.user, case):
        raise PermissionDenied
    form = forms.AssignForm(request.POST, team=case.team)
    back_to_team = request.POST.get("back") == "team" and access.can_view_team(request.user)
    if not form.is_valid():
        if back_to_team:
            messages.error(request, _("Choose a caseworker from the case's team."))
            return redirect("team-overview")
        return _case_page(request, case, status=400, assign_form=form)
    try:
        workflow.assign_case(case, form.cleaned_data["caseworker"], actor=request.user)
    except Refused as refused:
        if back_to_team:
            for message in refused.messages:
                messages.error(request, message)
            return redirect("team-overview")
        return page_again(_case_page, refused, request, case)
    messages.success(request, _("Case %(ref)s assigned.") % {"ref": case.reference})
    return redirect("team-overview") if back_to_team else redirect(case)


def _record(request, reference, form_class, form_key, action, success, **form_kwargs):
    """Shared shape of the small record forms on the case page."""
    case = access.access_case(request.user, reference, for_write=True)
    form = form_class(request.POST, **{k: v(case) for k, v in form_kwargs.items()})
    if not form.is_valid():
        return _case_page(request, case, status=400, **{form_key: form})
    try:
        action(case, form)
    except Refused as refused:
        return page_again(_case_page, refused, request, case, **{form_key: form})
    messages.success(request, success)
    return redirect(case)


@require_POST
@submissions.once
def case_consent(request, reference):
    return _record(
        request, reference, forms.ConsentForm, "consent_form",
        lambda case, form: workflow.record_consent(case, actor=request.user, **form.cleaned_data),
        _("Consent recorded."),
    )


@require_GET
def case_consent_form(request, reference):
    """The blank consent form: into the case page when "Add consent" is opened (htmx), or as a
    page of its own without script. It shows nothing of the case but its reference, so it
    writes no access entry."""
    case = access.access_case(request.user, reference, for_write=True)
    if not access.can_edit_records(request.user, case):
        raise PermissionDenied
    template = "casework/_consent_form.html" if request.htmx else "casework/consent_form.html"
    return render(request, template, {"case": case, "consent_form": forms.ConsentForm()})


@require_GET
def case_consent_organizations(request, reference):
    """Names of organisations like what was typed in the consent form (its suggestions)."""
    case = access.access_case(request.user, reference, for_write=True)
    if not access.can_edit_records(request.user, case):
        raise PermissionDenied
    names = forms.organization_names_like(request.GET.get("organization", ""))
    return render(request, "casework/_organization_options.html", {"names": names})


@require_POST
def case_consent_withdraw(request, reference, consent_id):
    """Withdraw a consent; providers relying on it lose access and their open referrals end."""
    case = access.access_case(request.user, reference, for_write=True)
    seen = revisions.seen(request)
    # From a page (with its revision) a consent withdrawn since is a 409 that shows it as it is.
    consents = case.consents.all() if seen is not None else case.consents.filter(
        withdrawn_at__isnull=True)
    consent = get_object_or_404(consents, pk=consent_id)
    try:
        # Through privacy: the provider referrals that relied on it are cancelled with it.
        privacy_workflow.withdraw_consent(consent, actor=request.user, seen_revision=seen)
    except revisions.StaleEdit as stale:
        return page_again(_case_page, stale, request, case, errors=stale.changed_messages)
    except Refused as refused:
        return page_again(_case_page, refused, request, case)
    messages.success(request, _("Consent withdrawn."))
    return redirect(case)


# The person's details ------------------------------------------------------------------------


def _person_page(request, case, *, form=None, status=200, errors=(), stale=False,
                 alias_form=None):
    person = case.person
    if form is None:
        form = forms.PersonForm(initial={name: getattr(person, name)
                                         for name in workflow.PERSON_DETAILS})
    context = {"case": case, "person": person, "form": form, "errors": errors, "stale": stale,
               "aliases": list(person.aliases.order_by("pk")[:workflow.ALIASES_PER_PERSON]),
               "alias_form": alias_form or forms.AliasForm()}
    record_read(person, part="person details")
    return render(request, "casework/person_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def case_person(request, reference):
    """Correct the details of the person the case is about (with the change on the record)."""
    case = access.access_case(request.user, reference, for_write=True)
    if not access.can_edit_records(request.user, case):
        raise PermissionDenied
    if request.method == "GET":
        return _person_page(request, case)
    form = forms.PersonForm(request.POST)
    if not form.is_valid():
        return _person_page(request, case, form=form, status=400)
    try:
        workflow.update_person(case, actor=request.user, seen_revision=revisions.seen(request),
                               **form.cleaned_data)
    except revisions.StaleEdit as stale:
        case.person.refresh_from_db()  # show the saved details beside what was typed
        return page_again(_person_page, stale, request, case, form=form, stale=True)
    except Refused as refused:
        return page_again(_person_page, refused, request, case, form=form)
    messages.success(request, _("The person's details are saved."))
    return redirect(case)


def _person_for_edit(request, reference):
    case = access.access_case(request.user, reference, for_write=True)
    if not access.can_edit_records(request.user, case):
        raise PermissionDenied
    return case


@require_POST
def case_person_alias(request, reference):
    """Add another name the person is known by (their search keys follow)."""
    case = _person_for_edit(request, reference)
    form = forms.AliasForm(request.POST)
    if not form.is_valid():
        return _person_page(request, case, alias_form=form, status=400)
    try:
        workflow.add_alias(case, actor=request.user, name=form.cleaned_data["name"])
    except workflow.TransitionRefused as refused:
        return _person_page(request, case, alias_form=form, status=400, errors=refused.messages)
    messages.success(request, _("The other name is added."))
    return redirect("case-person", case.reference)


@require_POST
def case_person_alias_remove(request, reference, alias_id):
    case = _person_for_edit(request, reference)
    alias = get_object_or_404(PersonAlias, pk=alias_id, person_id=case.person_id)
    workflow.remove_alias(alias, case=case, actor=request.user)
    messages.success(request, _("The other name is removed."))
    return redirect("case-person", case.reference)


# Assessments --------------------------------------------------------------------------------


def _assessment_form_context(case, draft, form=None, *, previous=selectors.NOT_READ) -> dict:
    """The instrument as a form, with the previous version's ratings beside each factor
    (`previous`: the latest completed assessment or None, when the caller has read it)."""
    instrument = draft.instrument if draft else Instrument.current()
    domains = selectors.domains_for(instrument, case.pathway)
    if previous is selectors.NOT_READ:
        previous = selectors.latest_assessment(case)
    if form is None:
        initial = forms.AssessmentForm.initial_from(draft) if draft else {}
        form = forms.AssessmentForm(
            initial=initial, domains=domains, reassessment=previous is not None
        )
    earlier = {}
    if previous is not None:
        earlier = {r.factor.comparison_key: r for r in
                   previous.ratings.select_related("factor__domain")}
    return {
        "assessment_form": form,
        "assessment_rows": [
            (domain, [(f, rating, evidence, earlier.get(f.comparison_key))
                      for f, rating, evidence in rows])
            for domain, rows in form.rows()
        ],
        "instrument": instrument,
        "previous_assessment": previous,
        "draft_assessment": draft,
        "assessment_revision": draft.revision if draft else revisions.new_marker(
            case.assessments.count()),
    }


def _assessment_page(request, case, *, form=None, status=200, errors=(), stale=False):
    draft = selectors.draft_assessment(case)
    context = {"case": case, "errors": errors, "stale": stale}
    context.update(_assessment_form_context(case, draft, form))
    record_read(draft or case, part="assessment form")
    return render(request, "casework/assessment_form.html", context, status=status)


@require_GET
def case_assessment_form(request, reference):
    case = access.access_case(request.user, reference, for_write=True)
    if not access.can_assess(request.user, case):
        messages.error(request, _("Assessments are recorded from assessment until follow-up."))
        return redirect(case)
    return _assessment_page(request, case)


@require_POST
def case_assessment(request, reference):
    case = access.access_case(request.user, reference, for_write=True)
    draft = selectors.draft_assessment(case)
    instrument = draft.instrument if draft else Instrument.current()
    previous = selectors.latest_assessment(case)
    form = forms.AssessmentForm(
        request.POST, domains=selectors.domains_for(instrument, case.pathway),
        reassessment=previous is not None,
    )
    if not form.is_valid():
        return _assessment_page(request, case, form=form, status=400)
    data = form.cleaned_data
    try:
        assessment = workflow.save_assessment(
            case, actor=request.user, ratings=form.ratings(), risk_level=data["risk_level"],
            needs_summary=data["needs_summary"], change_summary=data.get("change_summary", ""),
            complete=form.complete, seen_revision=revisions.seen(request),
        )
    except revisions.StaleEdit as stale:
        return page_again(_assessment_page, stale, request, case, form=form, stale=True)
    except Refused as refused:
        return page_again(_assessment_page, refused, request, case, form=form)
    if not form.complete:
        messages.success(request, _("Draft saved. It is not complete until you complete it."))
        return redirect("case-assessment-form", reference=case.reference)
    messages.success(request, _("Assessment completed."))
    if previous is not None:
        return redirect("case-assessment-compare", reference=case.reference,
                        assessment_id=assessment.pk)
    return redirect(case)


def _completed_assessment(case, assessment_id):
    return get_object_or_404(
        case.assessments.select_related("instrument", "completed_by", "signed_off_by"),
        pk=assessment_id, completed_at__isnull=False,
    )


@require_GET
def case_assessment_detail(request, reference, assessment_id):
    case = access.access_case(request.user, reference)
    assessment = _completed_assessment(case, assessment_id)
    ratings = {r.factor_id: r for r in assessment.ratings.all()}
    domains = [
        (domain, [(factor, ratings.get(factor.pk)) for factor in factors])
        for domain, factors in selectors.domains_for(assessment.instrument)
    ]
    context = {
        "case": case,
        "assessment": assessment,
        "domains": domains,
        "previous": selectors.previous_assessment(assessment),
        "can_sign_off": access.can_sign_off_assessment(request.user, case)
        and not assessment.is_signed_off and assessment.completed_by_id != request.user.pk,
    }
    record_read(assessment, part="assessment")
    return render(request, "casework/assessment_detail.html", context)


@require_GET
def case_assessment_compare(request, reference, assessment_id):
    case = access.access_case(request.user, reference)
    newer = _completed_assessment(case, assessment_id)
    older = selectors.previous_assessment(newer)
    if older is None:
        raise Http404
    context = {"case": case, "comparison": selectors.compare_assessments(older, newer)}
    record_read(newer, part="assessment comparison")
    return render(request, "casework/assessment_compare.html", context)


@require_POST
def case_assessment_sign_off(request, reference, assessment_id):
    case = access.access_case(request.user, reference)
    assessment = get_object_or_404(case.assessments, pk=assessment_id)
    try:
        workflow.sign_off_assessment(assessment, actor=request.user)
    except Refused as refused:
        return page_again(_case_page, refused, request, case)
    messages.success(request, _("Assessment signed off."))
    return redirect(case)


# Service plans ------------------------------------------------------------------------------


@require_POST
@submissions.once
def case_plan(request, reference):
    case = access.access_case(request.user, reference, for_write=True)
    form = forms.PlanForm(request.POST, needs=selectors.assessed_needs(case))
    if not form.is_valid():
        return _case_page(request, case, status=400, plan_form=form)
    data = form.cleaned_data
    try:
        workflow.draft_plan(
            case, actor=request.user, goals=data["goals"], services=list(data["services"]),
            need=form.need_factor(), target_on=data["target_on"], frequency=data["frequency"],
            seen_revision=revisions.seen(request),
        )
    except revisions.StaleEdit as stale:
        # Someone wrote the plan meanwhile: theirs is shown, this person's goal waits in its
        # "Add a goal" form, to add if it is still needed.
        goal_form = forms.GoalForm(_as_goal(request.POST), needs=selectors.assessed_needs(case))
        return page_again(_plan_page, stale, request, case, _plan(case, stale.current.pk),
                          goal_form=goal_form, stale=True)
    except Refused as refused:
        return page_again(_case_page, refused, request, case, plan_form=form)
    messages.success(request, _("Service plan saved and sent for approval."))
    return redirect(case)


def _as_goal(posted):
    """The first plan's fields as the "Add a goal" form's (goals is the goal's description)."""
    data = posted.copy()
    data.setlist("description", posted.getlist("goals"))
    return data


def _as_first_plan(posted):
    data = posted.copy()
    data.setlist("goals", posted.getlist("description"))
    return data


def _stale_plan(request, case, plan, stale, *, goal_form=None, intervention_form=None,
                typed=True):
    """409: the plan as saved now beside what was typed. A plan discarded meanwhile is gone:
    the case page is shown instead, with a typed goal in the first plan's form."""
    messages_ = stale.messages if typed else stale.changed_messages
    if stale.current is None:
        plan_form = None
        if goal_form is not None:
            plan_form = forms.PlanForm(_as_first_plan(goal_form.data),
                                       needs=selectors.assessed_needs(case))
        return page_again(_case_page, stale, request, case, errors=[
            _("The plan was discarded since you opened it, so nothing was saved.")],
            **({"plan_form": plan_form} if plan_form is not None else {}))
    plan.refresh_from_db()
    return page_again(_plan_page, stale, request, case, plan, errors=messages_,
                      goal_form=goal_form, intervention_form=intervention_form, stale=True)


def _plan_page(request, case, plan, *, status=200, errors=(), goal_form=None,
               intervention_form=None, stale=False):
    user = request.user
    selectors.plan_with_goals(plan)
    owners = selectors.task_owners(case)
    editable = plan.is_awaiting_approval and access.can_edit_records(user, case) and (
        case.stage in workflow.PLAN_STAGES
    )
    context = {
        "case": case,
        "plan": plan,
        "errors": errors,
        "versions": list(case.plans.select_related("approved_by")),
        "unaddressed": selectors.unaddressed_needs(case, plan),
        "editable": editable,
        "deliverable": plan.is_current and access.can_edit_records(user, case),
        "can_revise": plan.is_current and access.can_edit_records(user, case)
        and case.stage in workflow.PLAN_STAGES,
        "can_approve": plan.is_awaiting_approval and access.can_approve_plan(user, case)
        and plan.created_by_id != user.pk,
        "plan_by_mdt": settings.CASEWORK_PLAN_APPROVAL == ServicePlan.ApprovedVia.MDT,
        "goal_form": goal_form or forms.GoalForm(needs=selectors.assessed_needs(case)),
        "intervention_form": intervention_form
        or forms.InterventionForm(owners=owners, plan=plan),
        "statuses": forms.InterventionStatusForm.base_fields["status"].choices,
        "stale": stale,
    }
    record_read(plan, part="plan")
    return render(request, "casework/plan_detail.html", context, status=status)


def _plan(case, plan_id) -> ServicePlan:
    return get_object_or_404(case.plans.select_related("created_by", "approved_by"), pk=plan_id)


@require_GET
def case_plan_detail(request, reference, plan_id):
    case = access.access_case(request.user, reference)
    return _plan_page(request, case, _plan(case, plan_id))


@require_POST
@submissions.once
def case_plan_goal(request, reference, plan_id):
    case = access.access_case(request.user, reference, for_write=True)
    form = forms.GoalForm(request.POST, needs=selectors.assessed_needs(case))
    plan = case.plans.filter(pk=plan_id).first()
    if plan is None:
        if revisions.seen(request) is None:
            raise Http404
        # Sent from the page of a plan discarded since: the goal goes to the first plan's form.
        return _stale_plan(request, case, None, revisions.StaleEdit(None), goal_form=form)
    plan = _plan(case, plan_id)
    if not form.is_valid():
        return _plan_page(request, case, plan, status=400, goal_form=form)
    data = form.cleaned_data
    try:
        workflow.add_goal(
            plan, actor=request.user, description=data["description"], need=form.need_factor(),
            target_on=data["target_on"], services=list(data["services"]),
            frequency=data["frequency"], seen_revision=revisions.seen(request),
        )
    except revisions.StaleEdit as stale:
        return _stale_plan(request, case, plan, stale, goal_form=form)
    except Refused as refused:
        return page_again(_plan_page, refused, request, case, plan, goal_form=form)
    messages.success(request, _("Goal added."))
    return redirect("case-plan-detail", reference=case.reference, plan_id=plan.pk)


@require_POST
@submissions.once
def case_plan_intervention(request, reference, plan_id):
    case = access.access_case(request.user, reference, for_write=True)
    plan = _plan(case, plan_id)
    form = forms.InterventionForm(request.POST, owners=selectors.task_owners(case), plan=plan)
    if not form.is_valid():
        return _plan_page(request, case, plan, status=400, intervention_form=form)
    data = form.cleaned_data
    try:
        workflow.add_intervention(data["goal"], actor=request.user, service=data["service"],
                                  frequency=data["frequency"], owner=data["owner"],
                                  seen_revision=revisions.seen(request))
    except revisions.StaleEdit as stale:
        return _stale_plan(request, case, plan, stale, intervention_form=form)
    except Refused as refused:
        return page_again(_plan_page, refused, request, case, plan)
    messages.success(request, _("Intervention added."))
    return redirect("case-plan-detail", reference=case.reference, plan_id=plan.pk)


@require_POST
@submissions.once
def case_plan_revise(request, reference, plan_id):
    case = access.access_case(request.user, reference, for_write=True)
    plan = _plan(case, plan_id)
    try:
        revised = workflow.revise_plan(plan, actor=request.user,
                                       seen_revision=revisions.seen(request))
    except revisions.StaleEdit as stale:
        return _stale_plan(request, case, plan, stale, typed=False)
    except Refused as refused:
        return page_again(_plan_page, refused, request, case, plan)
    messages.success(request, _("A new version of the plan is ready for your changes."))
    return redirect("case-plan-detail", reference=case.reference, plan_id=revised.pk)


@require_POST
def case_plan_discard(request, reference, plan_id):
    case = access.access_case(request.user, reference, for_write=True)
    plan = _plan(case, plan_id)
    try:
        workflow.discard_plan(plan, actor=request.user, seen_revision=revisions.seen(request))
    except revisions.StaleEdit as stale:
        return _stale_plan(request, case, plan, stale, typed=False)
    except Refused as refused:
        return page_again(_plan_page, refused, request, case, plan)
    messages.success(request, _("The plan awaiting approval was discarded."))
    return redirect(case)


@require_POST
def case_plan_approve(request, reference, plan_id):
    case = access.access_case(request.user, reference)
    plan = _plan(case, plan_id)
    form = forms.PlanApprovalForm(request.POST)
    if not form.is_valid():
        errors = [error for errors in form.errors.values() for error in errors]
        return _case_page(request, case, status=400, errors=errors)
    try:
        workflow.approve_plan(
            plan, actor=request.user, revision=form.cleaned_data["revision"],
            mdt_meeting_on=form.cleaned_data["mdt_meeting_on"],
        )
    except Refused as refused:
        return page_again(_case_page, refused, request, case)
    messages.success(request, _("Service plan approved."))
    return redirect(case)


@require_POST
def case_intervention_status(request, reference, intervention_id):
    case = access.access_case(request.user, reference, for_write=True)
    intervention = get_object_or_404(
        Intervention.objects.select_related("goal__plan"),
        pk=intervention_id, goal__plan__case=case,
    )
    form = forms.InterventionStatusForm(request.POST)
    plan = intervention.goal.plan
    if not form.is_valid():
        return _plan_page(request, case, plan, status=400,
                          errors=[_("Choose a status from the list.")])
    try:
        workflow.set_intervention_status(intervention, actor=request.user,
                                         status=form.cleaned_data["status"],
                                         seen_revision=revisions.seen(request))
    except revisions.StaleEdit as stale:
        return _stale_plan(request, case, plan, stale, typed=False)
    except Refused as refused:
        return page_again(_plan_page, refused, request, case, plan)
    messages.success(request, _("Intervention updated."))
    return redirect("case-plan-detail", reference=case.reference, plan_id=plan.pk)


# Follow-up ----------------------------------------------------------------------------------


@require_POST
@submissions.once
def case_follow_up(request, reference):
    return _record(
        request, reference, forms.FollowUpForm, "follow_up_form",
        lambda case, form: workflow.record_follow_up(case, actor=request.user,
                                                     **form.cleaned_data),
        _("Follow-up recorded."),
    )


@require_POST
@submissions.once
def case_follow_up_schedule(request, reference):
    return _record(
        request, reference, forms.ScheduleFollowUpForm, "schedule_form",
        lambda case, form: workflow.schedule_follow_up(case, actor=request.user,
                                                       **form.cleaned_data),
        _("Follow-up scheduled."),
    )


def _follow_up_page(request, case, follow_up, *, form=None, status=200, errors=(), stale=False):
    plan = selectors.current_plan(case) if follow_up.kind == FollowUp.Kind.REVIEW else None
    goals = list(plan.plan_goals.select_related("need")) if plan else []
    can_record = follow_up.is_scheduled and (
        access.can_record_post_exit_review(request.user, case)
        if follow_up.kind == FollowUp.Kind.POST_EXIT_REVIEW
        else access.can_edit_records(request.user, case) and case.stage == Case.Stage.FOLLOW_UP
    )
    context = {
        "case": case,
        "follow_up": follow_up,
        "errors": errors,
        "can_record": can_record,
        "stale": stale,
        "form": form or forms.OutcomeForm(goals=goals, initial={"mode": follow_up.mode}),
        "progress": list(follow_up.goal_progress.select_related("goal")),
    }
    record_read(follow_up, part="follow-up")
    return render(request, "casework/follow_up_detail.html", context, status=status)


def _follow_up(case, follow_up_id) -> FollowUp:
    return get_object_or_404(case.follow_ups.select_related("recorded_by"), pk=follow_up_id)


@require_GET
def case_follow_up_detail(request, reference, follow_up_id):
    case = access.access_case(request.user, reference)
    return _follow_up_page(request, case, _follow_up(case, follow_up_id))


@require_POST
def case_follow_up_outcome(request, reference, follow_up_id):
    case = access.access_case(request.user, reference, for_write=True)
    follow_up = _follow_up(case, follow_up_id)
    plan = selectors.current_plan(case) if follow_up.kind == FollowUp.Kind.REVIEW else None
    goals = list(plan.plan_goals.select_related("need")) if plan else []
    form = forms.OutcomeForm(request.POST, goals=goals)
    if not form.is_valid():
        return _follow_up_page(request, case, follow_up, form=form, status=400)
    data = form.cleaned_data
    try:
        workflow.record_outcome(
            follow_up, actor=request.user, outcome=data["outcome"],
            happened_on=data["happened_on"], summary=data["summary"], mode=data["mode"],
            progress=form.progress(), seen_revision=revisions.seen(request),
        )
    except revisions.StaleEdit as stale:
        follow_up.refresh_from_db()  # show the saved version beside what this person typed
        return page_again(_follow_up_page, stale, request, case, follow_up, form=form,
                          stale=True)
    except Refused as refused:
        return page_again(_follow_up_page, refused, request, case, follow_up, form=form)
    messages.success(request, _("Outcome recorded."))
    return redirect(case)


# Notes --------------------------------------------------------------------------------------


@require_POST
@submissions.once
def case_note(request, reference):
    case = access.access_case(request.user, reference)
    if not access.can_write_notes(request.user, case):
        raise PermissionDenied
    form = forms.NoteForm(request.POST, levels=access.note_levels_for(request.user, case))
    if not form.is_valid():
        return _case_page(request, case, status=400, note_form=form)
    try:
        workflow.write_note(case, actor=request.user, **form.cleaned_data)
    except Refused as refused:
        return page_again(_case_page, refused, request, case, note_form=form)
    messages.success(request, _("Note saved."))
    return redirect(reverse("case-detail", args=[case.reference]) + "#timeline")


def _note_page(request, case, note, *, form=None, status=200, errors=()):
    context = {
        "case": case,
        "note": note,
        "addenda": list(note.addenda.select_related("author").order_by("written_at", "pk")),
        "errors": errors,
        "can_add": access.can_write_notes(request.user, case),
        "form": form or forms.AddendumForm(),
    }
    record_read(note, part="note")
    return render(request, "casework/note_detail.html", context, status=status)


@require_GET
def case_note_detail(request, reference, note_id):
    case = access.access_case(request.user, reference)
    note = access.access_note(request.user, case, note_id)
    return _note_page(request, case, note.amends or note)


@require_POST
@submissions.once
def case_note_addendum(request, reference, note_id):
    case = access.access_case(request.user, reference)
    note = access.access_note(request.user, case, note_id)
    if not access.can_write_notes(request.user, case):
        raise PermissionDenied
    form = forms.AddendumForm(request.POST)
    if not form.is_valid():
        return _note_page(request, case, note.amends or note, form=form, status=400)
    try:
        workflow.add_addendum(note, actor=request.user, text=form.cleaned_data["text"])
    except Refused as refused:
        return page_again(_note_page, refused, request, case, note.amends or note, form=form)
    messages.success(request, _("Addendum saved. The note itself is unchanged."))
    return redirect("case-note-detail", reference=case.reference, note_id=(note.amends or note).pk)


# Tasks --------------------------------------------------------------------------------------


@require_POST
@submissions.once
def case_task(request, reference):
    return _record(
        request, reference, forms.TaskForm, "task_form",
        lambda case, form: workflow.add_task(case, actor=request.user, **form.cleaned_data),
        _("Task added."),
        owners=selectors.task_owners,
    )


@require_POST
def case_task_done(request, reference, task_id):
    case = access.access_case(request.user, reference)
    task = get_object_or_404(case.tasks, pk=task_id)
    try:
        workflow.complete_task(task, actor=request.user, seen_revision=revisions.seen(request))
    except revisions.StaleEdit as stale:
        return page_again(_case_page, stale, request, case, errors=stale.changed_messages)
    except Refused as refused:
        return page_again(_case_page, refused, request, case)
    messages.success(request, _("Task done."))
    if request.POST.get("back") in ("dashboard", "task-list"):
        return redirect(request.POST["back"])
    return redirect(case)


# Transfers between teams and agencies ---------------------------------------------------------


@require_POST
@submissions.once
def case_transfer(request, reference):
    """Offer the case to another team; the case stays here until that team accepts."""
    case = access.access_case(request.user, reference)
    if not access.can_request_transfer(request.user, case):
        raise PermissionDenied
    form = forms.TransferForm(request.POST, case=case)
    if not form.is_valid():
        return _case_page(request, case, status=400, transfer_form=form)
    try:
        workflow.request_transfer(case, actor=request.user, **form.cleaned_data)
    except workflow.TransferRefused as refused:
        return _case_page(request, case, status=400, errors=refused.messages, transfer_form=form)
    messages.success(request, _("Transfer offered to %(team)s; the case stays with your team "
                                "until they accept it.") % {"team": form.cleaned_data["to_team"]})
    return redirect(case)


@require_GET
def transfer_list(request):
    """The receiving supervisor's offers to decide, and what their teams sent (both paged)."""
    if not access.can_list_transfers(request.user):
        raise PermissionDenied
    incoming, outgoing = selectors.transfer_lists(request.user)
    return render(request, "casework/transfer_list.html", {
        "incoming": paginate(request, incoming, param="page"),
        "outgoing": paginate(request, outgoing, param="sent"),
    })


def _transfer_page(request, transfer, *, status=200, errors=(), accept_form=None,
                   decline_form=None):
    deciding = access.can_decide_transfer(request.user, transfer)
    context = {
        "transfer": transfer,
        "errors": errors,
        "deciding": deciding,
        "accept_form": accept_form or (forms.AcceptTransferForm(team=transfer.to_team)
                                       if deciding else None),
        "decline_form": decline_form or (forms.DeclineTransferForm() if deciding else None),
    }
    record_read(transfer, part="transfer")
    return render(request, "casework/transfer_detail.html", context, status=status)


@require_GET
def transfer_detail(request, transfer_id):
    return _transfer_page(request, access.access_transfer(request.user, transfer_id))


@require_POST
def transfer_accept(request, transfer_id):
    transfer = access.access_transfer(request.user, transfer_id)
    if not access.is_receiving_supervisor(request.user, transfer):
        raise PermissionDenied
    form = forms.AcceptTransferForm(request.POST, team=transfer.to_team)
    if not form.is_valid():
        return _transfer_page(request, transfer, status=400, accept_form=form)
    try:
        workflow.accept_transfer(transfer, actor=request.user,
                                 caseworker=form.cleaned_data["caseworker"],
                                 seen_revision=revisions.seen(request))
    except revisions.StaleEdit as stale:
        return _transfer_page(request, transfer, status=409, errors=stale.changed_messages)
    except workflow.TransferRefused as refused:
        return _transfer_page(request, transfer, status=400, errors=refused.messages,
                              accept_form=form)
    messages.success(request, _("Case %(ref)s is now your team's.") % {
        "ref": transfer.case.reference})
    return redirect(transfer.case)


@require_POST
def transfer_decline(request, transfer_id):
    transfer = access.access_transfer(request.user, transfer_id)
    if not access.is_receiving_supervisor(request.user, transfer):
        raise PermissionDenied
    form = forms.DeclineTransferForm(request.POST)
    if not form.is_valid():
        return _transfer_page(request, transfer, status=400, decline_form=form)
    try:
        workflow.decline_transfer(transfer, actor=request.user,
                                  reason=form.cleaned_data["reason"],
                                  seen_revision=revisions.seen(request))
    except revisions.StaleEdit as stale:
        return _transfer_page(request, transfer, status=409, errors=stale.changed_messages)
    except workflow.TransferRefused as refused:
        return _transfer_page(request, transfer, status=400, errors=refused.messages,
                              decline_form=form)
    messages.success(request, _("Transfer declined; the sending team keeps the case."))
    return redirect("transfer-list")
TASK_PAGE_ROWS = 25


@require_GET
def task_list(request):
    """The user's open tasks, a page at a time, grouped by when they are due."""
    if not roles.has(request.user, *roles.CASE_STAFF):
        raise PermissionDenied
    today = timezone.localdate()
    tasks = selectors.open_tasks_for(request.user).select_related("case__person")
    page = paginate(request, tasks, per_page=TASK_PAGE_ROWS)
    record_list_read([task.case for task in page], part="task names", actor=request.user)
    context = {"page": page, "groups": selectors.task_groups(page, today), "today": today}
    return render(request, "casework/tasks.html", context)
