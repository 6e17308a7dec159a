"""The directory's pages: search, HSDS export and import, and the provider admin's pages."""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit import events
from casework import access, submissions
from casework.accounts.stepup import require_recent_second_factor
from providers import hsds, selectors, workflow
from providers.forms import CapacityForm, ImportForm, SearchForm, StaffAddForm, TermMappingForm
from providers.hsds import report, taxonomy
from providers.models import ImportRun, Membership, Organization, Service, TaxonomyTerm

PAGE_SIZE = 25


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


@require_GET
def directory_search(request):
    _require(access.can_search_directory(request.user))
    form = SearchForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        services = Service.objects.none()  # say what is wrong rather than show everything
    else:
        services = selectors.directory_search(**(form.cleaned_data if form.is_bound else {}))
    page = Paginator(services, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(),
               "can_import": access.can_manage_directory(request.user)}
    return render(request, "providers/search.html", context)


@require_GET
@require_recent_second_factor
def directory_export(request):
    """The whole directory as HSDS 3.0 JSON; the export goes on the record."""
    _require(access.can_search_directory(request.user))
    document = hsds.export_document()
    events.record(events.EXPORT, model=Organization, reference="HSDS directory export",
                  actor=request.user, format="hsds-json",
                  organizations=len(document["organizations"]))
    response = HttpResponse(
        json.dumps(document, indent=2, ensure_ascii=False), content_type="application/json"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="directory-hsds-{stamp}.json"'
    return response


@require_GET
@require_recent_second_factor
def directory_export_csv(request):
    """The whole directory as an HSDS tabular datapackage (zip of CSV files), on the record."""
    _require(access.can_search_directory(request.user))
    package = hsds.export_datapackage()
    events.record(events.EXPORT, model=Organization, reference="HSDS directory export",
                  actor=request.user, format="hsds-datapackage")
    response = HttpResponse(package, content_type="application/zip")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="directory-hsds-{stamp}.zip"'
    return response


@require_http_methods(["GET", "POST"])
@submissions.once
def directory_import(request):
    _require(access.can_manage_directory(request.user))
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        run = hsds.start_import(
            upload=form.cleaned_data["file"], actor=request.user,
            all_or_nothing=form.cleaned_data["all_or_nothing"],
        )
        return redirect("directory-import-run", run.pk)
    runs = ImportRun.objects.select_related("started_by")[:10]
    return render(request, "providers/import.html", {"form": form, "runs": runs})


@require_GET
def directory_import_run(request, run_id: int):
    """The run's progress (polled while it runs) and, once finished, its report."""
    _require(access.can_manage_directory(request.user))
    run = get_object_or_404(ImportRun, pk=run_id)
    context = {"run": run}
    if run.is_finished:
        issues = selectors.import_issues(run)
        context["page"] = Paginator(issues, PAGE_SIZE * 4).get_page(request.GET.get("page"))
        context["unmapped"] = TaxonomyTerm.objects.filter(category="").exists()
    template = "providers/_import_progress.html" if request.headers.get("HX-Request") else (
        "providers/import_run.html"
    )
    return render(request, template, context)


@require_GET
def directory_import_report(request, run_id: int):
    """The import report as CSV: counts by record type, every warning and rejection."""
    _require(access.can_manage_directory(request.user))
    run = get_object_or_404(ImportRun, pk=run_id)
    response = StreamingHttpResponse(report.report_lines(run), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-report.csv"'
    return response


@require_POST
@submissions.once
def directory_import_again(request, run_id: int):
    _require(access.can_manage_directory(request.user))
    run = get_object_or_404(ImportRun, pk=run_id)
    try:
        again = workflow.import_again(run, actor=request.user)
    except workflow.DirectoryChangeRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("directory-import-run", run.pk)
    return redirect("directory-import-run", again.pk)


@require_GET
def directory_terms(request):
    """The taxonomy mapping: source terms, the services that carry them, suggested categories."""
    _require(access.can_manage_directory(request.user))
    unmapped_only = request.GET.get("unmapped") == "1"
    terms = selectors.taxonomy_terms(unmapped_only=unmapped_only)
    page = Paginator(terms, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(term, taxonomy.suggest(term.code, term.name), TermMappingForm(
        initial={"category": term.category or taxonomy.suggest(term.code, term.name)},
        prefix=f"t{term.pk}")) for term in page]
    return render(request, "providers/terms.html",
                  {"page": page, "rows": rows, "unmapped_only": unmapped_only})


@require_POST
def directory_term_map(request, term_id: int):
    _require(access.can_manage_directory(request.user))
    term = get_object_or_404(TaxonomyTerm, pk=term_id)
    form = TermMappingForm(request.POST, prefix=f"t{term.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose one of the categories listed."))
        return redirect("directory-terms")
    workflow.map_term(term, category=form.cleaned_data["category"], actor=request.user)
    messages.success(request, _("Mapping saved. Run the import again to apply it."))
    return redirect("directory-terms")


@require_POST
def directory_terms_accept(request):
    _require(access.can_manage_directory(request.user))
    mapped = workflow.accept_suggestions(actor=request.user)
    messages.success(request, _("%(n)s terms mapped to their suggested category. Run the import "
                                "again to apply the mapping.") % {"n": mapped})
    return redirect("directory-terms")


@require_GET
def directory_manage(request):
    """Provider staff: the organisations they administer."""
    _require(access.can_administer_providers(request.user))
    organizations = access.administered_organizations(request.user)
    return render(request, "providers/manage.html", {"organizations": organizations})


def _organization(request, organization_id: int) -> Organization:
    _require(access.can_administer_providers(request.user))
    return access.access_administered_organization(request.user, organization_id)


@require_GET
def directory_organization(request, organization_id: int):
    organization = _organization(request, organization_id)
    return _organization_page(request, organization)


def _organization_page(request, organization, *, staff_form=None, capacity_forms=None,
                       status=200):
    memberships = organization.memberships.select_related("user").order_by("user__username")
    services = organization.services.order_by("name")
    capacity_forms = capacity_forms or {}
    rows = [
        (service, capacity_forms.get(service.pk) or CapacityForm(
            initial={"capacity_status": service.capacity_status,
                     "open_places": service.open_places},
            prefix=f"s{service.pk}",
        ))
        for service in services
    ]
    context = {
        "organization": organization, "memberships": memberships, "rows": rows,
        "staff_form": staff_form or StaffAddForm(),
        "has_active_agreement": organization.has_active_agreement(),
    }
    return render(request, "providers/organization.html", context, status=status)


@require_POST
@submissions.once
def directory_staff_add(request, organization_id: int):
    organization = _organization(request, organization_id)
    form = StaffAddForm(request.POST)
    if form.is_valid():
        try:
            workflow.add_staff(organization, username=form.cleaned_data["username"],
                               actor=request.user)
        except workflow.DirectoryChangeRefused as refusal:
            form.add_error("username", str(refusal))
        else:
            messages.success(request, _("Added to your staff."))
            return redirect("directory-organization", organization.pk)
    return _organization_page(request, organization, staff_form=form, status=400)


@require_POST
def directory_staff_remove(request, organization_id: int, membership_id: int):
    organization = _organization(request, organization_id)
    membership = get_object_or_404(Membership, organization=organization, pk=membership_id)
    try:
        workflow.remove_staff(membership, actor=request.user)
    except workflow.DirectoryChangeRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Removed from your staff."))
    return redirect("directory-organization", organization.pk)


@require_POST
def directory_capacity(request, organization_id: int, service_id: int):
    organization = _organization(request, organization_id)
    service = organization.services.filter(pk=service_id).first()
    if service is None:
        raise Http404
    form = CapacityForm(request.POST, prefix=f"s{service.pk}")
    if not form.is_valid():
        return _organization_page(request, organization, capacity_forms={service.pk: form},
                                  status=400)
    workflow.set_capacity(service, status=form.cleaned_data["capacity_status"],
                          open_places=form.cleaned_data["open_places"], actor=request.user)
    messages.success(request, _("Capacity updated."))
    return redirect("directory-organization", organization.pk)


