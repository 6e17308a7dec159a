"""Page-shaped reads of the directory."""

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from providers.models import Organization, Service, ServiceAtLocation


def directory_search(*, category: str = "", language: str = "", city: str = "",
                     area: str = "", open_only: bool = False) -> QuerySet:
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
