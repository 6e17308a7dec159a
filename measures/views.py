"""The programme lead's measures, the landscape of hate, the prevention register, publication,
and the public pages of published snapshots.

Everything but the public pages is the programme lead's alone: anyone else gets 404, as if the
pages did not exist. Every view of a measure is an access entry, every export an export entry.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from audit import events
from audit.access_log import record_read
from casework import access, submissions
from measures import (
    charts,
    exports,
    forms,
    landscape,
    rollups,
    selectors,
    suppression,
    workflow,
)
from measures.models import PreventionActivity, Snapshot

ACTIVITIES_PER_PAGE = 25


def _require_lead(request):
    if not access.can_view_measures(request.user):
        raise Http404


def _measures(request):
    form = forms.MeasuresForm.bound_with_defaults(request.GET)
    if not form.is_valid():
        return form, None
    results = selectors.key_measures(form.period, form.filters,
                                     compare=form.cleaned_data["compare"])
    return form, results


def _logged_filters(form) -> dict:
    period = form.period
    return {"first": f"{period.first:%Y-%m}", "last": f"{period.last:%Y-%m}",
            **{k: str(v) for k, v in form.filters.as_params().items()}}


@require_GET
def measures_overview(request):
    """Every key measure for a period, with its definition, chart, table and comparison."""
    _require_lead(request)
    form, results = _measures(request)
    status = 200
    if results is None:
        status = 400
    else:
        record_read(request.user, part="measures", **_logged_filters(form),
                    measures=[r.measure.slug for r in results])
        for result in results:
            result.chart = charts.bars(result.table)
    context = {"form": form, "results": results, "limit": suppression.threshold(),
               "query": request.GET.urlencode(), "counted": rollups.last_run(),
               "rollup_minutes": settings.MEASURES_ROLLUP_MINUTES}
    return render(request, "measures/overview.html", context, status=status)


@require_GET
def measures_export(request):
    """The same measures as CSV, suppressed exactly as on the page; the export is logged."""
    _require_lead(request)
    form, results = _measures(request)
    if results is None:
        return render(request, "measures/overview.html", {"form": form, "results": None},
                      status=400)
    events.record(events.EXPORT, instance=request.user, actor=request.user,
                  format="measures-csv", **_logged_filters(form))
    period = form.period
    previous = period.previous()
    body = exports.measures_csv(results, f"{period.first:%Y-%m} to {period.last:%Y-%m}",
                                f"{previous.first:%Y-%m} to {previous.last:%Y-%m}")
    return _download(body, "text/csv", f"measures-{period.first:%Y-%m}-{period.last:%Y-%m}.csv")


def _landscape(request):
    form = forms.LandscapeForm(request.GET or {"months": 12})
    return form, (landscape.landscape(form.period) if form.is_valid() else None)


@require_GET
def measures_landscape(request):
    """Bias-incident reports by month, bias, type and area, against the period before."""
    _require_lead(request)
    form, found = _landscape(request)
    if found is None:
        return render(request, "measures/landscape.html", {"form": form}, status=400)
    record_read(request.user, part="landscape", months=form.cleaned_data["months"])
    context = {"form": form, "found": found, "definition": landscape.DEFINITION,
               "limit": suppression.threshold(), "query": request.GET.urlencode(),
               "month_chart": charts.bars(found.by_month),
               "area_chart": charts.bars(found.by_area),
               "comparison": list(zip(found.tables, found.previous or [], strict=False))}
    return render(request, "measures/landscape.html", context)


@require_GET
def measures_landscape_export(request):
    _require_lead(request)
    form, found = _landscape(request)
    if found is None:
        return render(request, "measures/landscape.html", {"form": form}, status=400)
    events.record(events.EXPORT, instance=request.user, actor=request.user,
                  format="landscape-csv", months=form.cleaned_data["months"])
    return _download(exports.landscape_csv(found), "text/csv",
                     f"landscape-{form.cleaned_data['months']}-months.csv")


@require_http_methods(["GET", "POST"])
@submissions.once
def measures_activities(request):
    """The prevention register: what the framework did in the community (no personal data)."""
    _require_lead(request)
    form = forms.PreventionActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        workflow.record_activity(actor=request.user, **form.cleaned_data)
        return redirect("measures-activities")
    activities = PreventionActivity.objects.select_related("recorded_by").prefetch_related(
        "partners")
    page = Paginator(activities, ACTIVITIES_PER_PAGE).get_page(request.GET.get("page"))
    status = 400 if request.method == "POST" else 200
    return render(request, "measures/activities.html", {"form": form, "page": page},
                  status=status)


@require_http_methods(["GET", "POST"])
@submissions.once
def measures_publish(request):
    """Publish a frozen, suppressed snapshot of the landscape to the public page."""
    _require_lead(request)
    form = forms.PublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        snapshot = workflow.publish_snapshot(
            actor=request.user, title=form.cleaned_data["title"], period=form.period,
            breakdowns=form.cleaned_data["breakdowns"],
        )
        return redirect("measures-public-snapshot", snapshot.pk)
    status = 400 if request.method == "POST" else 200
    snapshots = Snapshot.objects.select_related("published_by")[:20]
    return render(request, "measures/publish.html", {"form": form, "snapshots": snapshots},
                  status=status)


# Public: no account needed ----------------------------------------------------------------


@login_not_required
@require_GET
def measures_public(request):
    snapshots = Snapshot.objects.only("pk", "title", "period_start", "period_end",
                                      "published_at")[:100]
    return render(request, "measures/public_list.html", {"snapshots": snapshots})


@login_not_required
@require_GET
def measures_public_snapshot(request, snapshot_id: int):
    snapshot = get_object_or_404(Snapshot, pk=snapshot_id)
    return render(request, "measures/public_snapshot.html", {"snapshot": snapshot})


@login_not_required
@require_GET
def measures_public_snapshot_csv(request, snapshot_id: int):
    snapshot = get_object_or_404(Snapshot, pk=snapshot_id)
    return _download(exports.snapshot_csv(snapshot), "text/csv",
                     f"landscape-snapshot-{snapshot.pk}.csv")


@login_not_required
@require_GET
def measures_public_snapshot_json(request, snapshot_id: int):
    snapshot = get_object_or_404(Snapshot, pk=snapshot_id)
    return _download(exports.snapshot_json(snapshot), "application/json",
                     f"landscape-snapshot-{snapshot.pk}.json")


def _download(body: str, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Last-Modified"] = timezone.now().strftime("%a, %d %b %Y %H:%M:%S GMT")
    return response
