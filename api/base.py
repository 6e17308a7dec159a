"""What every API view shares: authentication and scopes, its own transaction, and a record of
each use made with a credential."""

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from rest_framework import generics
from rest_framework.views import APIView

from api.models import Credential
from audit import events


def _recorded(view):
    """Run `view` in its own transaction, then record the use after it, committed or not.

    ATOMIC_REQUESTS would roll the record of a refused request back with the request; the
    view is taken out of it, and its own atomic block rolls back on an error (DRF marks it).
    """

    @transaction.non_atomic_requests
    def wrapper(request, *args, **kwargs):
        with transaction.atomic():
            response = view(request, *args, **kwargs)
        credential = getattr(request, "api_credential", None)
        if credential is not None:
            match = request.resolver_match
            events.record(events.API_REQUEST, instance=credential, actor=request.user,
                          route=match.view_name if match else "", method=request.method,
                          status=response.status_code)
        return response

    wrapper.__name__ = getattr(view, "__name__", "api_view")
    wrapper.__dict__.update(view.__dict__)
    # Credentials are not a session: LoginRequiredMiddleware and the second-factor middleware
    # leave the request to DRF's authentication (api.auth), which refuses what they would.
    return login_not_required(wrapper)


class ApiMixin:
    required_scopes: dict = {}

    @classmethod
    def as_view(cls, *args, **kwargs):
        return _recorded(super().as_view(*args, **kwargs))

    def perform_authentication(self, request):
        super().perform_authentication(request)
        # Before the scope and rate checks, so a refused use is on the record too.
        if isinstance(request.auth, Credential):
            request._request.api_credential = request.auth


class ApiView(ApiMixin, APIView):
    pass


class ListView(ApiMixin, generics.ListAPIView):
    pass


class RetrieveView(ApiMixin, generics.RetrieveAPIView):
    pass
