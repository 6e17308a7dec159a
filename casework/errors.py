"""Error pages that say nothing about the system or the data behind them."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        # A partner's program reads JSON; the same words as the API's own 404.
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "errors/404.html", status=404)


def forbidden(request, exception=None):
    return render(request, "errors/403.html", status=403)


def server_error(request):
    """500, or 503 when the database went away (restart, failover): the request's transaction
    rolled back, so nothing was changed, and the next request reconnects
    (CONN_HEALTH_CHECKS)."""
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        # Rendered without the request: its context processors would ask the database again.
        response = HttpResponse(render_to_string("errors/503.html"), status=503)
        response["Retry-After"] = "30"
        return response
    return render(request, "errors/500.html", status=500)
