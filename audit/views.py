"""The auditor workspace: the log, never the cases."""

import csv
import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audit import breakglass, events, retention, selectors
from audit.forms import (
    EmergencyAccessForm,
    EmergencyReviewForm,
    LogFilterForm,
    RetentionPurgeForm,
    StepUpForm,
    references_for,
)
from casework import access
from casework.accounts.stepup import record_failed_step_up, require_recent_second_factor

REVIEW_WINDOW = datetime.timedelta(days=7)
EXPORT_LIMIT = 100_000


def _require_auditor(request):
    if not access.can_read_audit_log(request.user):
        raise PermissionDenied


def _record_look(request, page: str, **details) -> None:
    """Auditors are audited too: each search and page is an entry of what was looked at."""
    events.record(events.AUDIT_LOOKED, instance=request.user, actor=request.user, page=page,
                  **details)


def _filtered(request):
    form = LogFilterForm(request.GET or None)
    found = selectors.entries()
    if form.is_valid():
        found = form.filter(found)
    elif form.is_bound:
        found = found.none()
    return form, found


@require_GET
def audit_log(request):
    _require_auditor(request)
    form, found = _filtered(request)
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    _record_look(request, "search", rows=page.paginator.count,
                 filters={k: v for k, v in request.GET.items() if k != "page"})
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "audit/log.html", context)


@require_GET
@require_recent_second_factor
def audit_export(request):
    """The current search as CSV; the export itself goes on the record."""
    _require_auditor(request)
    form, found = _filtered(request)
    events.record(events.EXPORT, instance=request.user, actor=request.user,
                  filters={k: v for k, v in request.GET.items() if k != "page"})
    rows = found[:EXPORT_LIMIT].values_list(
        "timestamp", "actor__username", "action", "content_type__model", "object_repr",
        "remote_addr", "cid", "additional_data",
    )
    writer = csv.writer(_Echo())
    header = ["timestamp", "user", "action", "object_type", "object", "address", "request_id",
              "details"]
    stream = (writer.writerow([csv_safe(v) for v in row]) for row in _with_header(header, rows))
    response = StreamingHttpResponse(stream, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    return response


@require_GET
def audit_record(request, reference):
    """Who accessed this record (a person's reference covers their cases)."""
    _require_auditor(request)
    references = references_for(reference.upper())
    context = {"reference": reference.upper(), "rows": selectors.accesses_to(references)}
    _record_look(request, "record", record=reference.upper(), rows=len(context["rows"]))
    return render(request, "audit/record.html", context)


@require_GET
def audit_user(request, username):
    """What this user did, newest first."""
    _require_auditor(request)
    page = Paginator(selectors.activity_of(username), 50).get_page(request.GET.get("page"))
    _record_look(request, "user", username=username, rows=page.paginator.count)
    return render(request, "audit/user.html", {"username": username, "page": page})


@require_GET
def audit_reviews(request):
    _require_auditor(request)
    since = timezone.now() - REVIEW_WINDOW
    context = {
        "since": since,
        "emergency": breakglass.reviewable_by(request.user).awaiting_review()
        .select_related("case", "user")[:100],
        "review_form": EmergencyReviewForm(),
        "outside": selectors.reads_outside_caseload(since)[:100],
        "out_of_hours": selectors.out_of_hours(since)[:100],
        "volumes": selectors.unusual_volumes(timezone.localdate()),
        "failed": selectors.failed_logins(since)[:100],
    }
    _record_look(request, "reviews")
    return render(request, "audit/reviews.html", context)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """Neutralise spreadsheet formulas: a cell that starts like one is prefixed with '."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    def write(self, value):
        return value


def _with_header(header, rows):
    yield header
    yield from rows


@require_recent_second_factor
def emergency_request(request):
    """Break-glass: open a case you do not hold, with a reason and your password."""
    if not breakglass.may_break_glass(request.user):
        raise PermissionDenied
    form = EmergencyAccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            grant = breakglass.request_emergency_access(
                data["reference"], actor=request.user, reason=data["reason"],
                password=data["password"],
            )
        except breakglass.StepUpFailed:
            record_failed_step_up(request)
            form.add_error("password", _("That password is not correct."))
        else:
            messages.warning(request, _("Emergency access granted until %(time)s. It is being "
                                        "recorded and will be reviewed.") % {
                "time": timezone.localtime(grant.expires_at).strftime("%H:%M")})
            return redirect(grant.case)
    status = 400 if form.is_bound else 200
    context = {"form": form, "minutes": settings.BREAK_GLASS_MINUTES}
    return render(request, "audit/emergency_request.html", context, status=status)


@require_GET
def emergency_list(request):
    """Uses of emergency access: auditors see all, supervisors those on their teams' cases."""
    if not breakglass.may_review(request.user):
        raise PermissionDenied
    grants = breakglass.reviewable_by(request.user).select_related("case", "user", "reviewed_by")
    page = Paginator(grants, 50).get_page(request.GET.get("page"))
    _record_look(request, "emergency", rows=page.paginator.count)
    return render(request, "audit/emergency_list.html", {"page": page,
                                                         "review_form": EmergencyReviewForm()})


@require_POST
def emergency_review(request, pk):
    if not breakglass.may_review(request.user):
        raise PermissionDenied
    grant = get_object_or_404(breakglass.reviewable_by(request.user), pk=pk)
    form = EmergencyReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether the use was justified."))
        return redirect("emergency-list")
    breakglass.review_emergency_access(grant, actor=request.user, **form.cleaned_data)
    messages.success(request, _("Review recorded."))
    return redirect("emergency-list")


def audit_retention(request):
    """Retention purges: one auditor asks, another approves (and so carries it out)."""
    _require_auditor(request)
    form = RetentionPurgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            retention.request_purge(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error("before", error)
        else:
            messages.success(request, _("Purge requested: a second auditor must approve it."))
            return redirect("audit-retention")
    return _retention_page(request, form, StepUpForm(), status=400 if form.is_bound else 200)


def _retention_page(request, form, approval_form, status=200):
    context = {
        "form": form,
        "approval_form": approval_form,
        "purges": retention.RetentionPurge.objects.select_related("requested_by", "approved_by"),
        "days": retention.retention_days(),
        "latest_cutoff": retention.latest_allowed_cutoff(),
    }
    return render(request, "audit/retention.html", context, status=status)


@require_POST
@require_recent_second_factor
def audit_retention_approve(request, pk):
    _require_auditor(request)
    purge = get_object_or_404(retention.RetentionPurge, pk=pk)
    form = StepUpForm(request.POST)
    if form.is_valid():
        try:
            purge = retention.approve_purge(
                purge, actor=request.user, password=form.cleaned_data["password"]
            )
        except breakglass.StepUpFailed:
            record_failed_step_up(request)
            form.add_error("password", _("That password is not correct."))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(count)s entries removed.") % {"count": purge.removed})
            return redirect("audit-retention")
    return _retention_page(request, RetentionPurgeForm(), form, status=400)
