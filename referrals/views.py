"""Referral and bias-report pages. Each view: access policy -> form -> workflow -> redirect.

The public forms (`login_not_required`) take no account, echo nothing back once sent, put
nothing personal in a URL, refuse the honeypot, are rate limited, and never look a person up:
the answer is the same whether or not the person is known.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_fsm import can_proceed

from audit.access_log import record_list_read, record_read
from casework import access, submissions
from casework.pagination import paginate
from casework.refusals import Refused, page_again
from referrals import conf, forms, matching, ratelimit, selectors, workflow
from referrals.models import BiasIncident, Referral

SENT_REFERRAL = "referrals.public.sent"
SENT_BIAS_REPORT = "referrals.bias.sent"


# Referrals in: staff, partners and the public ---------------------------------------------------


def _posted(request):
    return request.POST if request.method == "POST" else None


@require_http_methods(["GET", "POST"])
@submissions.once
def referral_new(request):
    """Staff enter a referral taken by phone, email or in person."""
    if not access.can_enter_referral(request.user):
        raise PermissionDenied
    form = forms.StaffReferralForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        referral = workflow.receive_referral(
            form.save(commit=False), channel=Referral.Channel.STAFF, actor=request.user
        )
        messages.success(request, _("Referral %(ref)s received.") % {"ref": referral.reference})
        return redirect("referral-detail", reference=referral.reference)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "title": _("New referral")}
    return render(request, "referrals/referral_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@submissions.once
def referral_partner_new(request):
    """Partner agencies' staff refer someone; they see only the referrals they made."""
    if not access.can_make_partner_referral(request.user):
        raise PermissionDenied
    form = forms.PartnerReferralForm(_posted(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        referral = workflow.receive_referral(
            form.save(commit=False), channel=Referral.Channel.PARTNER, actor=request.user
        )
        messages.success(
            request, _("Referral %(ref)s sent to intake.") % {"ref": referral.reference}
        )
        return redirect("referral-detail", reference=referral.reference)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "title": _("Refer someone")}
    return render(request, "referrals/referral_form.html", context, status=status)


def _confirm_again(request, key: str, claim) -> None:
    """A repeated POST of a public form sees the same confirmation: the reference it shows
    travels in the session, which the first confirmation page emptied."""
    request.session[key] = claim.result_reference


def _rate_limited(request):
    return render(request, "referrals/rate_limited.html", status=429)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
@submissions.once(on_replay=lambda request, claim: _confirm_again(request, SENT_REFERRAL, claim))
def referral_public(request):
    """The secure public referral form."""
    if request.method == "POST" and not ratelimit.allow(request, "referral", model=Referral):
        return _rate_limited(request)
    form = forms.PublicReferralForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        referral = workflow.receive_referral(
            form.save(commit=False), channel=Referral.Channel.PUBLIC,
            language=translation.get_language() or "",
        )
        # The reference travels in the session, not the URL; the page shows it once.
        request.session[SENT_REFERRAL] = request.submitted_reference = referral.reference
        return redirect("referral-public-sent")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "working_days": conf.intake_working_days()}
    return render(request, "referrals/public_referral_form.html", context, status=status)


@login_not_required
@never_cache
@require_GET
def referral_public_sent(request):
    reference = request.session.pop(SENT_REFERRAL, None)
    if reference is None:
        return redirect("referral-public")
    context = {"reference": reference, "working_days": conf.intake_working_days()}
    return render(request, "referrals/public_referral_sent.html", context)


@require_GET
def referral_mine(request):
    """The referrals this person made, with what policy lets a referrer know of each."""
    if not access.can_list_own_referrals(request.user):
        raise PermissionDenied
    context = {"referrals": paginate(request, selectors.referrals_made_by(request.user))}
    return render(request, "referrals/referral_mine.html", context)


# Screening -----------------------------------------------------------------------------------


@require_GET
def referral_inbox(request):
    if not access.can_screen_referrals(request.user):
        raise PermissionDenied
    rows = _inbox_page(request)
    context = {
        "rows": rows,
        "performance": selectors.screening_performance(request.user),
        "working_days": conf.intake_working_days(),
    }
    record_list_read([row.referral for row in rows], part="inbox names", actor=request.user)
    return render(request, "referrals/inbox.html", context)


def _inbox_page(request):
    page = paginate(request, selectors.intake_queue(request.user))
    page.object_list = selectors.inbox_rows(page.object_list)
    return page


def _referral_page(request, referral: Referral, *, status: int = 200, errors=(), **bound):
    """The referral, and for screeners everything screening needs, with its forms."""
    context = selectors.referral_page(referral, request.user)
    if context["screening"]:
        context["check_form"] = bound.get("check_form") or forms.CheckForm()
        context["decision_forms"] = _decision_forms(referral, context["linked"], bound)
        if context["people"]:
            # One entry for the panel, naming the people shown (opaque references only), so the
            # page costs the same however many match.
            record_read(referral, part="possible matches", on_case=False,
                        people=[match.person.reference for match in context["people"]])
    record_read(referral, part="referral")
    return render(request, "referrals/referral_detail.html", {**context, "errors": errors},
                  status=status)


def _decision_forms(referral, linked, bound) -> dict:
    open_cases = linked.open_cases if linked else ()
    result = {}
    for name, form_class in forms.DECISION_FORMS.items():
        if not can_proceed(getattr(referral, name)):
            continue  # not from this status (an escalated referral is not escalated again)
        form = bound.get(name)
        if form is None:
            extra = {"open_cases": open_cases} if name == "accept" else {}
            form = form_class(referral=referral, **extra)
        result[name] = form
    return result


@require_GET
def referral_detail(request, reference):
    return _referral_page(request, access.access_referral(request.user, reference))


def _screener_referral(request, reference) -> Referral:
    referral = access.access_referral(request.user, reference)
    if not access.can_screen_referrals(request.user):
        raise PermissionDenied
    return referral


@require_POST
@submissions.once
def referral_screen(request, reference):
    """Take a screening decision: accept, decline, signpost, escalate or merge."""
    referral = _screener_referral(request, reference)
    form_class = forms.DECISION_FORMS.get(request.POST.get("decision", ""))
    if form_class is None:
        return _referral_page(request, referral, status=400,
                              errors=[_("Choose a decision.")])
    extra = {}
    if form_class is forms.AcceptForm:
        linked = next((m for m in matching.possible_people(referral) if m.linked), None)
        extra["open_cases"] = linked.open_cases if linked else ()
    form = form_class(request.POST, referral=referral, **extra)
    if not form.is_valid():
        return _referral_page(request, referral, status=400, **{form.decision: form})
    try:
        decision = workflow.screen_referral(
            referral,
            form.decision,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            expected_status=form.cleaned_data["expected_status"],
            **form.details(),
        )
    except workflow.StaleReferral:
        back = reverse("referral-detail", args=[referral.reference])
        return render(request, "referrals/stale.html", {"back": back}, status=409)
    except Refused as refused:
        return page_again(_referral_page, refused, request, referral, **{form.decision: form})
    messages.success(request, _("Decision recorded: %(decision)s.")
                     % {"decision": decision.get_name_display()})
    if decision.case is not None and not decision.attached:
        return redirect(decision.case)
    return redirect("referral-detail", reference=referral.reference)


@require_POST
@submissions.once
def referral_check(request, reference):
    """Record a check made before the decision (date and outcome only)."""
    referral = _screener_referral(request, reference)
    form = forms.CheckForm(request.POST)
    if not form.is_valid():
        return _referral_page(request, referral, status=400, check_form=form)
    try:
        workflow.record_check(referral, actor=request.user, **form.cleaned_data)
    except Refused as refused:
        return page_again(_referral_page, refused, request, referral)
    messages.success(request, _("Check recorded."))
    return redirect("referral-detail", reference=referral.reference)


@require_POST
def referral_link(request, reference):
    """Link the referral to a known person that duplicate detection found."""
    referral = _screener_referral(request, reference)
    form = forms.LinkForm(request.POST)
    if not form.is_valid():
        return _referral_page(request, referral, status=400,
                              errors=[_("Choose a possible match to link.")])
    try:
        workflow.link_person(referral, form.cleaned_data["person"], actor=request.user)
    except Refused as refused:
        return page_again(_referral_page, refused, request, referral)
    messages.success(request, _("Referral linked to the known person."))
    return redirect("referral-detail", reference=referral.reference)


# Bias-incident reports ---------------------------------------------------------------------------


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
@submissions.once(on_replay=lambda request, claim: _confirm_again(request, SENT_BIAS_REPORT, claim))
def bias_report(request):
    """The public bias-incident report form; anonymous if the reporter wishes."""
    if request.method == "POST" and not ratelimit.allow(request, "bias", model=BiasIncident):
        return _rate_limited(request)
    form = forms.BiasReportForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        incident = workflow.report_bias_incident(form.save(commit=False))
        request.session[SENT_BIAS_REPORT] = request.submitted_reference = incident.reference
        return redirect("bias-report-sent")
    status = 400 if request.method == "POST" else 200
    return render(request, "referrals/bias_report_form.html", {"form": form}, status=status)


@login_not_required
@never_cache
@require_GET
def bias_report_sent(request):
    reference = request.session.pop(SENT_BIAS_REPORT, None)
    if reference is None:
        return redirect("bias-report")
    return render(request, "referrals/bias_report_sent.html", {"reference": reference})


@require_GET
def bias_list(request):
    if not access.can_triage_bias_reports(request.user):
        raise PermissionDenied
    context = {"incidents": paginate(request, selectors.bias_incident_queue(request.user))}
    return render(request, "referrals/bias_list.html", context)


def _bias_page(request, incident: BiasIncident, *, status=200, form=None, errors=()):
    record_read(incident, part="bias-incident report")
    context = {
        "incident": incident,
        "triage": incident.triage.select_related("actor"),
        "form": form or forms.TriageForm(),
        "errors": errors,
        "open": incident.status in BiasIncident.OPEN,
    }
    return render(request, "referrals/bias_detail.html", context, status=status)


@require_GET
def bias_detail(request, reference):
    return _bias_page(request, access.access_bias_incident(request.user, reference))


@require_POST
@submissions.once
def bias_triage(request, reference):
    incident = access.access_bias_incident(request.user, reference)
    form = forms.TriageForm(request.POST)
    if not form.is_valid():
        return _bias_page(request, incident, status=400, form=form)
    try:
        workflow.triage_bias_incident(
            incident, form.cleaned_data["action"], actor=request.user,
            note=form.cleaned_data["note"],
            referral_reference=form.cleaned_data["referral_reference"],
        )
    except workflow.StaleReferral:
        back = reverse("bias-detail", args=[incident.reference])
        return render(request, "referrals/stale.html", {"back": back}, status=409)
    except Refused as refused:
        return page_again(_bias_page, refused, request, incident, form=form)
    messages.success(request, _("Triage recorded."))
    return redirect("bias-detail", reference=incident.reference)


@require_GET
def bias_landscape(request):
    """Counts for the management team, small numbers suppressed; no report is shown."""
    if not access.can_view_bias_landscape(request.user):
        raise PermissionDenied
    context = {"landscape": selectors.bias_landscape(), "note": selectors.LANDSCAPE_NOTE}
    return render(request, "referrals/bias_landscape.html", context)
