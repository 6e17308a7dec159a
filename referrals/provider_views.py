"""Provider referral pages: sending from a case, the provider portal, one referral's page.

Each view: access policy -> form -> referrals.outgoing -> redirect or render. Provider staff
reach a referral only through access.access_provider_referral (404 for another organisation's)
and see only the summary chosen at sending, while consent and agreement stand; every time they
are shown it, the read is on the access log against the case.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.access_log import record_read
from casework import access, revisions, submissions
from casework.pagination import paginate
from casework.refusals import Refused, page_again
from providers.models import Service
from referrals import outgoing, provider_forms, provider_selectors

STALE = gettext_lazy(
    "Someone else changed this referral since you opened the page, so nothing of yours was "
    "saved. It is shown below as it is now, and what you typed is kept: check it, then send it "
    "again if it still applies."
)


@require_GET
def portal(request):
    """Provider staff: the referrals sent to their organisations, overdue first."""
    if not access.can_use_provider_portal(request.user):
        raise PermissionDenied
    referrals = provider_selectors.portal_referral_list(request.user)
    context = {
        "rows": provider_selectors.page_rows(paginate(request, referrals), provider=True),
        "overdue": provider_selectors.overdue_rows(referrals, provider=True),
        "can_refer_in": access.can_make_partner_referral(request.user),
    }
    return render(request, "referrals/provider/portal.html", context)


@require_GET
def sent(request):
    """Caseworkers and supervisors: where each provider referral of their cases stands."""
    if not access.can_list_sent_provider_referrals(request.user):
        raise PermissionDenied
    referrals = provider_selectors.sent_referral_list(request.user)
    context = {
        "rows": provider_selectors.page_rows(paginate(request, referrals), provider=False),
        "overdue": provider_selectors.overdue_rows(referrals, provider=False),
    }
    return render(request, "referrals/provider/sent.html", context)


@require_http_methods(["GET", "POST"])
@submissions.once
def new(request, case_reference):
    """Send a referral from a case to a provider's service, choosing what is shared."""
    case = access.access_case(request.user, case_reference, for_write=True)
    if not access.can_send_provider_referral(request.user, case):
        raise PermissionDenied
    form = provider_forms.SendForm(request.POST if request.method == "POST" else None, case=case,
                                   initial={"goal": request.GET.get("goal")})
    errors = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = outgoing.send_provider_referral(
                case, actor=request.user, service=data["service"], goal=data["goal"],
                share=data["share"], contact=data["contact"], need=data["need"],
                note=data["note"],
            )
        except Refused as refused:
            errors = refused.messages
        else:
            messages.success(request, _("Referral %(ref)s sent to %(org)s.") % {
                "ref": referral.reference, "org": referral.organization.name})
            return redirect(referral)
    record_read(case, part="provider referral form")  # the form shows the plan's goals
    status = 400 if request.method == "POST" else 200
    context = {"case": case, "form": form, "errors": errors, **_service_choices(request, case)}
    return render(request, "referrals/provider/send.html", context, status=status)


def _service_choices(request, case) -> dict:
    """The send form's list of services: the case's needs first (or all), searched, paged."""
    filters = provider_forms.ServiceFilterForm(request.GET)
    query, show_all = filters.values()
    needs = provider_selectors.case_need_categories(case)
    services = provider_selectors.send_choices(
        case, categories=() if show_all else needs, query=query)
    page = paginate(request, services, per_page=provider_selectors.SEND_CHOICES_SHOWN)
    chosen = request.POST.get("service", "") if request.method == "POST" else ""
    return {
        "filters": filters, "needs": [Service.Category(code).label for code in needs
                                      if code in Service.Category.values],
        "showing_all": show_all or not needs, "choices": provider_selectors.choice_rows(page),
        "chosen": chosen,
    }


def _page(request, referral, *, status=200, errors=(), action_form=None, attendance_form=None,
          kept=None):
    user = request.user
    provider = referral.side == "provider"
    shared = bool(getattr(referral, "sharing_active", True)) if provider else True
    context = {
        "referral": referral,
        "provider": provider,
        "shared": shared,
        "events": list(referral.events.select_related("actor")) if shared else [],
        "attendance": list(referral.attendance.all()) if shared else [],
        "actions": outgoing.available_actions(referral, user) if shared else [],
        "reasons": provider_forms.ActionForm().fields["reason"].choices,
        "outcomes": provider_forms.ActionForm().fields["outcome"].choices,
        "errors": errors,
        "action_form": action_form,
        "attendance_form": attendance_form or provider_forms.AttendanceForm(),
        "can_record_attendance": provider and shared and referral.status in (
            "accepted", "in-progress", "on-hold"),
        "overdue": referral.is_overdue(timezone.now()),
        "reason_required": outgoing.REASON_REQUIRED,
        "outcome_required": outgoing.OUTCOME_REQUIRED,
        # 409: what the person sent, kept in its form (or shown, if that action is gone).
        "kept": kept,
        # Health data shared (privacy inventory): it travels with its redisclosure notice.
        "redisclosure_notice": outgoing.redisclosure_notice(referral) if shared else "",
    }
    if shared:
        # Provider staff see the shared summary only; the case's staff see it beside the case.
        record_read(referral, part="provider summary" if provider else "provider referral")
    return render(request, "referrals/provider/detail.html", context, status=status)


@require_GET
def detail(request, reference):
    referral = access.access_provider_referral(request.user, reference)
    return _page(request, referral)


@require_POST
def act(request, reference):
    """Take an action on the referral: either side, as the access policy allows."""
    referral = access.access_provider_referral(request.user, reference)
    form = provider_forms.ActionForm(request.POST)
    if not form.is_valid():
        return _page(request, referral, status=400, errors=[_("The action could not be read.")])
    data = form.cleaned_data
    try:
        outgoing.take_transition(
            referral, data["action"], actor=request.user, reason=data["reason"],
            outcome=data["outcome"], note=data["note"], expected_status=data["expected_status"],
            seen_revision=revisions.seen(request),
        )
    except (outgoing.StaleProviderReferral, revisions.StaleEdit) as stale:
        # The other side (or a colleague) moved it since the page was shown: the referral as it
        # is now, with what this person sent kept in its form.
        referral = access.access_provider_referral(request.user, reference)
        return page_again(_page, stale, request, referral, errors=[STALE], kept=data)
    except Refused as refused:
        return page_again(_page, refused, request, referral, action_form=form)
    messages.success(request, _("Referral %(ref)s is now: %(status)s.") % {
        "ref": referral.reference, "status": referral.get_status_display().lower()})
    return redirect(referral)


@require_POST
@submissions.once
def attendance(request, reference):
    referral = access.access_provider_referral(request.user, reference)
    form = provider_forms.AttendanceForm(request.POST)
    if not form.is_valid():
        return _page(request, referral, status=400, attendance_form=form)
    try:
        outgoing.record_attendance(
            referral, actor=request.user, on=form.cleaned_data["on"],
            attended=form.cleaned_data["attended"],
        )
    except Refused as refused:
        return page_again(_page, refused, request, referral, attendance_form=form)
    messages.success(request, _("Attendance recorded."))
    return redirect(referral)
