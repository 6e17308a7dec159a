"""The privacy pages: the data inventory (the Article 30 record), for administrators, auditors."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from casework import access
from privacy import selectors


@require_GET
def privacy_inventory(request):
    """Every record type with its purpose, legal basis, retention and fields by category."""
    if not access.can_view_data_inventory(request.user):
        raise Http404
    return render(request, "privacy/inventory.html", {"record_types": selectors.record_types()})
