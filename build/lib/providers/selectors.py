"""Page-shaped reads of the directory."""

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet

from providers.models import (
    ImportIssue,
    ImportRun,
    Organization,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)


def directory_search(*, category: str = "", language: str = "", city: str = "",
                     area: str = "", open_only: bool = False, term: str = "") -> QuerySet:
    """Active services matching the filters, each with `can_receive_referrals`.

    A constant number of queries whatever the size: one for the page, one per prefetch.
    """
    services = Service.objects.active()
    if category:
        services = services.filter(category=category)
    if language:
        services = services.speaking(language)
    if city:
        services = services.in_city(city)
    if area:
        services = services.in_area(area)
    if open_only:
        services = services.with_open_capacity()
    if term:
        services = services.with_term(term)
    # The same rule as Organization.has_active_agreement, evaluated in the database.
    receiving = Organization.objects.with_active_agreement().filter(pk=OuterRef("organization_id"))
    return (
        services.annotate(can_receive_referrals=Exists(receiving))
        .select_related("organization")
        .prefetch_related(
            "languages",
            Prefetch("at_locations", queryset=ServiceAtLocation.objects.select_related("location")),
        )
        .order_by("category", "organization__name", "name")
    )


def taxonomy_terms(*, unmapped_only: bool = False) -> QuerySet:
    """Source taxonomy terms with how many services carry each, unmapped first."""
    terms = TaxonomyTerm.objects.annotate(service_count=Count("services"))
    if unmapped_only:
        terms = terms.filter(category="")
    return terms.order_by("-service_count", "taxonomy", "code", "name") if unmapped_only else (
        terms.order_by("category", "-service_count", "taxonomy", "code", "name")
    )


def import_issues(run: ImportRun) -> QuerySet:
    return ImportIssue.objects.filter(run=run).order_by("pk")
