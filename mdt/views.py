"""MDT pages. Each view: access policy -> form -> workflow -> redirect or render.

Role refusals inside a panel (an ordinary member trying to publish) are 403; a meeting, item or
summary outside the user's reach is a 404, exactly as if it did not exist.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.access_log import record_read
from casework import revisions, selectors, submissions
from casework.accounts.stepup import require_recent_second_factor
from casework.pagination import paginate
from casework.refusals import Refused
from mdt import access, forms, pdf, workflow
from mdt import selectors as mdt_selectors


def _meeting_or_404(request, meeting_id):
    return access.access_meeting(request.user, meeting_id)


def _meeting_page(request, meeting, *, status=200, errors=(), add_form=None,
                  attendance_form=None, stale=False):
    page = mdt_selectors.meeting_page(request.user, meeting)
    if attendance_form is None and page.can_minute:
        attendance_form = forms.AttendanceForm(members=page.members, current=page.attendance)
    context = {
        "page": page, "meeting": meeting, "errors": errors,
        "add_form": add_form or forms.AddItemForm(),
        "attendance_form": attendance_form,
        "stale": stale,
    }
    return render(request, "mdt/meeting.html", context, status=status)


def _refused(request, meeting, refused: Refused):
    return _meeting_page(request, meeting, status=400, errors=refused.messages)


def _stale_agenda(request, meeting, stale: revisions.StaleEdit, *, add_form=None):
    """409: the agenda as saved now; a case reference and reason typed are kept in the form."""
    meeting.refresh_from_db()
    messages_ = stale.messages if add_form is not None else stale.changed_messages
    return _meeting_page(request, meeting, status=409, errors=messages_, add_form=add_form,
                         stale=True)


@require_GET
def meeting_list(request):
    if not access.can_use_mdt(request.user):
        raise PermissionDenied
    meetings = paginate(request, mdt_selectors.meetings_for(request.user))
    return render(request, "mdt/list.html", {"meetings": meetings})


@require_GET
def meeting_detail(request, meeting_id):
    return _meeting_page(request, _meeting_or_404(request, meeting_id))


@require_POST
def meeting_draft(request, meeting_id):
    meeting = _meeting_or_404(request, meeting_id)
    try:
        added = workflow.draft_agenda(meeting, actor=request.user,
                                      seen_revision=revisions.seen(request))
    except revisions.StaleEdit as stale:
        return _stale_agenda(request, meeting, stale)
    except Refused as refused:
        return _refused(request, meeting, refused)
    dropped = meeting.items.filter(removed=True, dropped_because__gt="").count()
    messages.success(request, _("Agenda drafted: %(n)s cases added.") % {"n": len(added)})
    if dropped:
        messages.info(request, _("%(n)s drafted cases no longer qualify and were taken off; "
                                 "the list of removed cases says why.") % {"n": dropped})
    return redirect("mdt-meeting", meeting_id=meeting.pk)


@require_POST
@submissions.once
def item_add(request, meeting_id):
    meeting = _meeting_or_404(request, meeting_id)
    if not access.can_chair(request.user, meeting):
        raise PermissionDenied
    form = forms.AddItemForm(request.POST)
    if not form.is_valid():
        return _meeting_page(request, meeting, status=400, add_form=form)
    try:
        workflow.add_item(meeting, actor=request.user, seen_revision=revisions.seen(request),
                          **form.cleaned_data)
    except revisions.StaleEdit as stale:
        return _stale_agenda(request, meeting, stale, add_form=form)
    except Refused as refused:
        return _meeting_page(request, meeting, status=400, errors=refused.messages,
                             add_form=form)
    messages.success(request, _("Case added to the agenda."))
    return redirect("mdt-meeting", meeting_id=meeting.pk)


@require_POST
def item_remove(request, item_id):
    item = access.access_agenda_item_to_arrange(request.user, item_id)
    try:
        workflow.remove_item(item, actor=request.user, seen_revision=revisions.seen(request))
    except revisions.StaleEdit as stale:
        return _stale_agenda(request, item.meeting, stale)
    except Refused as refused:
        return _refused(request, item.meeting, refused)
    messages.success(request, _("Case removed from the agenda."))
    return redirect("mdt-meeting", meeting_id=item.meeting_id)


@require_POST
def meeting_publish(request, meeting_id):
    meeting = _meeting_or_404(request, meeting_id)
    try:
        workflow.publish_agenda(meeting, actor=request.user,
                                seen_revision=revisions.seen(request))
    except revisions.StaleEdit as stale:
        return _stale_agenda(request, meeting, stale)
    except Refused as refused:
        return _refused(request, meeting, refused)
    messages.success(request, _("Agenda published: members can now read the case summaries."))
    return redirect("mdt-meeting", meeting_id=meeting.pk)


@require_POST
def meeting_attendance(request, meeting_id):
    meeting = _meeting_or_404(request, meeting_id)
    if not access.can_minute(request.user, meeting):
        raise PermissionDenied
    page = mdt_selectors.meeting_page(request.user, meeting)
    form = forms.AttendanceForm(request.POST, members=page.members, current=page.attendance)
    if not form.is_valid():
        return _meeting_page(request, meeting, status=400, attendance_form=form)
    try:
        workflow.record_attendance(meeting, actor=request.user, statuses=form.statuses())
    except Refused as refused:
        return _refused(request, meeting, refused)
    messages.success(request, _("Attendance recorded."))
    return redirect("mdt-meeting", meeting_id=meeting.pk)


# One agenda item: the meeting summary, and meeting mode for the secretary ------------------


def _item_page(request, item, *, status=200, errors=(), decision_form=None, action_form=None):
    meeting = item.meeting
    summary = mdt_selectors.case_summary(item)
    can_minute = access.can_minute(request.user, meeting) and not meeting.minutes.is_locked
    owners = selectors.task_owners(item.case) if can_minute else []
    context = {
        "item": item, "meeting": meeting, "summary": summary, "errors": errors,
        "can_minute": can_minute,
        "decision": getattr(item, "decision", None),
        "actions": list(item.actions.select_related("owner")),
        "decision_form": decision_form or forms.DecisionForm(),
        "action_form": action_form or forms.ActionForm(owners=owners),
        "can_declare": not meeting.minutes.is_locked,
    }
    record_read(item, part="mdt summary", meeting=meeting.pk)
    return render(request, "mdt/item.html", context, status=status)


@require_GET
def item_detail(request, item_id):
    item = access.access_agenda_item(request.user, item_id)
    return _item_page(request, item)


@require_POST
@submissions.once
def item_decision(request, item_id):
    item = access.access_agenda_item(request.user, item_id)
    if not access.can_minute(request.user, item.meeting):
        raise PermissionDenied
    form = forms.DecisionForm(request.POST)
    if not form.is_valid():
        return _item_page(request, item, status=400, decision_form=form)
    try:
        workflow.record_decision(item, actor=request.user, **form.cleaned_data)
    except Refused as refused:
        return _item_page(request, item, status=400, errors=refused.messages,
                          decision_form=form)
    messages.success(request, _("Decision recorded."))
    return redirect("mdt-item", item_id=item.pk)


@require_POST
@submissions.once
def item_action(request, item_id):
    item = access.access_agenda_item(request.user, item_id)
    if not access.can_minute(request.user, item.meeting):
        raise PermissionDenied
    form = forms.ActionForm(request.POST, owners=selectors.task_owners(item.case))
    if not form.is_valid():
        return _item_page(request, item, status=400, action_form=form)
    try:
        workflow.add_action(item, actor=request.user, **form.cleaned_data)
    except Refused as refused:
        return _item_page(request, item, status=400, errors=refused.messages, action_form=form)
    messages.success(request, _("Action added: it is in the owner's task list."))
    return redirect("mdt-item", item_id=item.pk)


@require_POST
def item_conflict(request, item_id):
    item = access.access_agenda_item_to_arrange(request.user, item_id)
    try:
        workflow.declare_conflict(item, actor=request.user)
    except Refused as refused:
        return _refused(request, item.meeting, refused)
    messages.success(request, _("Conflict of interest declared: this item is hidden from you."))
    return redirect("mdt-meeting", meeting_id=item.meeting_id)


# The record ---------------------------------------------------------------------------------


def _item_forms(sections, data=None) -> dict[int, forms.ItemMinutesForm]:
    """A form per item whose minutes the reader may see, bound to `data` when posted."""
    result = {}
    for section in sections:
        if section.withheld:
            continue
        row = section.item.written_minutes
        result[section.item.pk] = forms.ItemMinutesForm(
            data, item_id=section.item.pk, initial={"text": row.text if row else ""})
    return result


def _posted_item_texts(item_forms) -> dict[int, tuple[str, int | None]] | None:
    """{item id: (text, revision seen)} of the item minutes posted, or None if one is invalid."""
    posted = [form for form in item_forms.values() if form.posted()]
    if not all(form.is_valid() for form in posted):
        return None
    return {form.item_id: (form.cleaned_data["text"], form.seen_revision()) for form in posted}


def _read_details(item, meeting) -> dict:
    """What a read entry of an item's minutes names besides the case (ids only)."""
    row = item.written_minutes
    return {"meeting": meeting.pk, **({"item_minutes": row.pk} if row else {})}


def _minutes_page(request, meeting, *, status=200, errors=(), form=None, annotation_form=None,
                  stale=False, posted=None):
    """The minutes page; `posted` (a POST that failed) keeps every text typed in the forms."""
    if not access.can_read_minutes(request.user, meeting):
        raise Http404
    sections = mdt_selectors.minutes_sections(request.user, meeting)
    minutes = meeting.minutes
    can_minute = access.can_minute(request.user, meeting) and not minutes.is_locked
    item_forms = _item_forms(sections, posted) if can_minute else {}
    rows = [
        {"number": section.number, "item": section.item,
         "form": item_forms.get(section.item.pk) if section.item else None}
        for section in sections
    ]
    for row in rows:  # where a refused save differs from what is stored, show the stored text
        item_form = row["form"]
        saved = row["item"].written_minutes if row["item"] else None
        row["saved_text"] = saved.text if saved else ""
        row["differs"] = bool(stale and item_form is not None and item_form.posted()
                              and item_form.data.get(item_form.add_prefix("text"), "").strip()
                              != row["saved_text"])
    context = {
        "meeting": meeting, "minutes": minutes, "sections": rows, "errors": errors,
        "conflicts": mdt_selectors.conflicts(meeting),
        "annotations": list(minutes.annotations.select_related("author")),
        "can_minute": can_minute,
        "stale": stale,
        "can_annotate": minutes.is_locked and access.can_annotate(request.user, meeting),
        "form": form or forms.MinutesForm(initial={"text": minutes.text}),
        "annotation_form": annotation_form or forms.AnnotationForm(),
    }
    for section in sections:  # decisions, rationales, item minutes: one entry per case shown
        if not section.withheld:
            record_read(section.item, part="mdt minutes", **_read_details(section.item, meeting))
    return render(request, "mdt/minutes.html", context, status=status)


def _minutes_refused(request, meeting, refusal, *, form=None):
    """400, or 409 for a stale save (the saved versions beside what was typed, all kept)."""
    stale = isinstance(refusal, revisions.StaleEdit)
    if stale:
        meeting.minutes.refresh_from_db()  # show the saved version beside what was typed
    return _minutes_page(request, meeting, status=409 if stale else 400,
                         errors=refusal.messages, form=form, stale=stale, posted=request.POST)


def _minutes_posted(request, meeting):
    """The general notes' form (None if not posted) and the items' texts (None: invalid)."""
    form = forms.MinutesForm(request.POST) if "text" in request.POST else None
    sections = mdt_selectors.minutes_sections(request.user, meeting)
    return form, _posted_item_texts(_item_forms(sections, request.POST))


@require_http_methods(["GET", "POST"])
def meeting_minutes(request, meeting_id):
    meeting = _meeting_or_404(request, meeting_id)
    if request.method == "GET":
        return _minutes_page(request, meeting)
    if not access.can_minute(request.user, meeting):
        raise PermissionDenied
    form, item_texts = _minutes_posted(request, meeting)
    form = form or forms.MinutesForm(request.POST)
    if not form.is_valid() or item_texts is None:
        return _minutes_page(request, meeting, status=400, form=form, posted=request.POST)
    try:
        workflow.save_minutes(meeting, actor=request.user, text=form.cleaned_data["text"],
                              seen_revision=revisions.seen(request), item_texts=item_texts)
    except Refused as refused:
        return _minutes_refused(request, meeting, refused, form=form)
    messages.success(request, _("Draft minutes saved."))
    return redirect("mdt-minutes", meeting_id=meeting.pk)


@require_POST
def meeting_finalise(request, meeting_id):
    """Finalise, saving the text typed with it (the page's Finalise button posts the form:
    the general notes and every item's minutes)."""
    meeting = _meeting_or_404(request, meeting_id)
    if not access.can_minute(request.user, meeting):
        raise PermissionDenied
    form, item_texts = _minutes_posted(request, meeting)
    if (form is not None and not form.is_valid()) or item_texts is None:
        return _minutes_page(request, meeting, status=400, form=form, posted=request.POST)
    try:
        workflow.finalise_minutes(
            meeting, actor=request.user,
            text=form.cleaned_data["text"] if form is not None else None,
            seen_revision=revisions.seen(request), item_texts=item_texts,
        )
    except Refused as refused:
        return _minutes_refused(request, meeting, refused, form=form)
    messages.success(request, _("Minutes finalised. They can no longer change, only be annotated."))
    return redirect("mdt-minutes", meeting_id=meeting.pk)


@require_http_methods(["GET", "POST"])
def item_minutes(request, item_id):
    """One item's minutes: read by whoever may (404 for a member conflicted on it); saved by
    the secretary from the minutes page's "Save this item" button."""
    item = access.access_item_minutes(request.user, item_id)
    meeting = item.meeting
    if request.method == "GET":
        record_read(item, part="mdt item minutes", **_read_details(item, meeting))
        return render(request, "mdt/item_minutes.html", {
            "item": item, "meeting": meeting, "minutes": item.written_minutes,
            "decision": getattr(item, "decision", None),
            "actions": list(item.actions.select_related("owner")),
            "can_minute": access.can_minute(request.user, meeting)
            and not meeting.minutes.is_locked,
        })
    if not access.can_minute(request.user, meeting):
        raise PermissionDenied
    form = forms.ItemMinutesForm(request.POST, item_id=item.pk)
    general = forms.MinutesForm(request.POST) if "text" in request.POST else None
    if not form.is_valid():
        return _minutes_page(request, meeting, status=400, form=general, posted=request.POST)
    try:
        workflow.save_item_minutes(item, actor=request.user, text=form.cleaned_data["text"],
                                   seen_revision=form.seen_revision())
    except Refused as refused:
        return _minutes_refused(request, meeting, refused, form=general)
    messages.success(request, _("Item minutes saved."))
    return redirect(reverse("mdt-minutes", args=[meeting.pk]) + f"#item-{item.pk}")


@require_POST
@submissions.once
def meeting_annotate(request, meeting_id):
    meeting = _meeting_or_404(request, meeting_id)
    if not access.can_annotate(request.user, meeting):
        raise PermissionDenied
    form = forms.AnnotationForm(request.POST)
    if not form.is_valid():
        return _minutes_page(request, meeting, status=400, annotation_form=form)
    try:
        workflow.annotate(meeting, actor=request.user, text=form.cleaned_data["text"])
    except Refused as refused:
        return _minutes_page(request, meeting, status=400, errors=refused.messages,
                             annotation_form=form)
    messages.success(request, _("Annotation added."))
    return redirect("mdt-minutes", meeting_id=meeting.pk)


# Confidential PDF exports: one read entry per case shown ------------------------------------


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@require_recent_second_factor
def agenda_pdf(request, meeting_id):
    meeting = _meeting_or_404(request, meeting_id)
    if not access.mdt_window_open(meeting):
        raise Http404
    items = mdt_selectors.agenda_rows(request.user, meeting)
    content = pdf.agenda_pdf(meeting, items)
    for item in items:
        record_read(item, part="mdt agenda pdf", meeting=meeting.pk)
    return _pdf_response(content, f"mdt-agenda-{meeting.pk}.pdf")


@require_GET
@require_recent_second_factor
def minutes_pdf(request, meeting_id):
    meeting = _meeting_or_404(request, meeting_id)
    if not access.can_read_minutes(request.user, meeting):
        raise Http404
    sections = mdt_selectors.minutes_sections(request.user, meeting)
    page = mdt_selectors.meeting_page(request.user, meeting)
    content = pdf.minutes_pdf(meeting, sections, page.members, page.attendance,
                              list(meeting.minutes.annotations.select_related("author")),
                              conflicts=mdt_selectors.conflicts(meeting))
    for section in sections:
        if not section.withheld:
            record_read(section.item, part="mdt minutes pdf",
                        **_read_details(section.item, meeting))
    return _pdf_response(content, f"mdt-minutes-{meeting.pk}.pdf")
