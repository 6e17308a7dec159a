"""Subject access pages: privacy officers only; everyone else gets 404 on every one of them."""

import functools
import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.access_log import record_read
from casework import refusals, revisions, submissions
from casework.accounts.stepup import require_recent_second_factor
from casework.forms import CaseSearchForm
from casework.models import Person
from privacy.subject_access import access, selectors, workflow
from privacy.subject_access.forms import DecisionForm, RequestForm
from privacy.subject_access.pdf import export_pdf


def _officers_only(view):
    """404 for anyone but a privacy officer, before anything else (the step-up included)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        access.require_privacy_officer(request.user)
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
def subject_access_list(request):
    """The requests, waiting ones first, with the way to open a new one."""
    access.require_privacy_officer(request.user)
    return render(request, "privacy/subject_access/list.html",
                  {"requests": selectors.requests_page()[:200]})


@require_http_methods(["GET", "POST"])
def subject_access_search(request):
    """Find the person by name, reference, date of birth or phone (POST: nothing typed ends up
    in an address). Each person shown is on the record."""
    access.require_privacy_officer(request.user)
    form = CaseSearchForm(request.POST or None)
    people = None
    if request.method == "POST" and form.is_valid():
        people = selectors.search_people(request.user, form.cleaned_data["query"])
        workflow.record_search(actor=request.user, people=people)
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "privacy/subject_access/search.html",
                  {"form": form, "people": people}, status=status)


def _person_or_404(user, reference: str) -> Person:
    access.require_privacy_officer(user)
    try:
        return Person.objects.get(reference=reference.upper())
    except Person.DoesNotExist:
        raise Http404 from None


@submissions.once
@require_http_methods(["GET", "POST"])
def subject_access_new(request, person_reference):
    """Open a request for the person found: identity check, what they asked for."""
    person = _person_or_404(request.user, person_reference)
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        details = {name: form.cleaned_data[name]
                   for name in ("received_on", "identity_check", "identity_note", "reason")}
        sar = workflow.open_request(person, actor=request.user, **details)
        request.submitted_reference = sar.reference
        messages.success(request, _("Request opened: a second privacy officer must decide it."))
        return redirect("subject-access-detail", sar.reference)
    if request.method == "GET":
        record_read(person, part="subject access new request", on_case=False)
    return render(request, "privacy/subject_access/new.html", {"person": person, "form": form},
                  status=400 if form.is_bound else 200)


def _again(form_class, request, sar):
    """The form as posted (what was typed kept) with the revision now saved, so sending it
    again after reading the changes is a deliberate save, not another 409."""
    data = request.POST.copy()
    data[revisions.FIELD] = str(sar.revision)
    return form_class(data)


def _detail_page(request, sar, *, status=200, errors=(), edit_form=None, decision_form=None):
    context = {
        "sar": sar,
        "person": sar.person,
        "errors": errors,
        "may_edit": access.may_edit(request.user, sar),
        "may_decide": access.may_decide(request.user, sar),
        "may_download": access.may_download(request.user, sar),
        "download_until": access.download_until(sar),
        "edit_form": edit_form or RequestForm(instance=sar, initial={"revision": sar.revision}),
        "decision_form": decision_form or DecisionForm(initial={"revision": sar.revision}),
    }
    return render(request, "privacy/subject_access/detail.html", context, status=status)


@require_GET
def subject_access_detail(request, reference):
    sar = access.access_request(request.user, reference)
    record_read(sar.person, part="subject access request", on_case=False, request=sar.reference)
    return _detail_page(request, sar)


@require_POST
def subject_access_edit(request, reference):
    """Correct a waiting request (the officer who opened it); a stale page is a 409."""
    sar = access.access_request(request.user, reference)
    if not access.may_edit(request.user, sar):
        raise PermissionDenied
    form = RequestForm(request.POST)  # a fresh instance: the form's values never touch `sar`
    if not form.is_valid():
        return _detail_page(request, sar, status=400, edit_form=form)
    details = {name: form.cleaned_data[name]
               for name in ("received_on", "identity_check", "identity_note", "reason")}
    try:
        workflow.change_request(sar, actor=request.user, seen_revision=revisions.seen(request),
                                **details)
    except refusals.Refused as refusal:
        sar = access.access_request(request.user, reference)
        return refusals.page_again(_detail_page, refusal, request, sar,
                                   edit_form=_again(RequestForm, request, sar))
    messages.success(request, _("Request corrected."))
    return redirect("subject-access-detail", sar.reference)


@require_POST
@_officers_only
@require_recent_second_factor
def subject_access_decide(request, reference):
    """Approve or decline, as a second privacy officer, with the second factor fresh."""
    sar = access.access_request(request.user, reference)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, sar, status=400, decision_form=form)
    try:
        workflow.decide_request(
            sar, actor=request.user, approve=form.cleaned_data["decision"] == "approve",
            note=form.cleaned_data["note"], seen_revision=revisions.seen(request),
        )
    except refusals.Refused as refusal:
        sar = access.access_request(request.user, reference)
        return refusals.page_again(_detail_page, refusal, request, sar,
                                   decision_form=_again(DecisionForm, request, sar))
    messages.success(request, _("Decision recorded."))
    return redirect("subject-access-detail", sar.reference)


def _download(request, reference, kind):
    sar = access.access_request(request.user, reference)
    if not access.may_download(request.user, sar):
        raise PermissionDenied
    export = selectors.export_for(sar, actor=request.user)
    if kind == "pdf":
        content = export_pdf(export)
        response = HttpResponse(content, content_type="application/pdf")
    else:
        content = json.dumps(export.data, ensure_ascii=False, indent=2).encode()
        response = HttpResponse(content, content_type="application/json; charset=utf-8")
    workflow.record_download(sar, actor=request.user, content=content, kind=kind,
                             counts=export.counts)
    response["Content-Disposition"] = (
        f'attachment; filename="subject-access-{sar.reference}.{kind}"')
    return response


@require_GET
@_officers_only
@require_recent_second_factor
def subject_access_export_pdf(request, reference):
    return _download(request, reference, "pdf")


@require_GET
@_officers_only
@require_recent_second_factor
def subject_access_export_json(request, reference):
    return _download(request, reference, "json")
