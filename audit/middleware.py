"""Tie every audit entry to its request: actor, address and a request id."""

import uuid

from auditlog.context import set_extra_data
from auditlog.middleware import AuditlogMiddleware
from django.apps import apps
from django.conf import settings

from audit import access_log, events
from audit.correlation import bind_request_id, unbind_request_id

# What a reference in a URL names, by its prefix (models named as strings: audit depends on no app).
REFERENCE_MODELS = {"C-": "casework.Case", "R-": "referrals.Referral", "P-": "casework.Person"}

class RequestAuditMiddleware(AuditlogMiddleware):
    """Give each request an id, and record who made it and from where on every entry it writes."""

    def __call__(self, request):
        request.request_id = uuid.uuid4().hex
        token = bind_request_id(request.request_id)
        relations = access_log.start_request()
        try:
            response = super().__call__(request)
            if response.status_code in (403, 404):
                # After the view's transaction has rolled back, so the record survives it.
                self._record_refusal(request, response)
        finally:
            access_log.end_request(relations)
            unbind_request_id(token)
        response["X-Request-ID"] = request.request_id
        return response

    def _record_refusal(self, request, response):
        user = getattr(request, "user", None)
        match = request.resolver_match
        if user is None or not user.is_authenticated or match is None:
            return
        reference = str(match.kwargs.get("reference", ""))
        model = apps.get_model(REFERENCE_MODELS.get(reference[:2], "auth.User"))
        with set_extra_data(context_data=self.get_extra_data(request)):
            events.record(
                events.REFUSED, model=model, reference=reference, actor=user,
                status=response.status_code, route=match.view_name,
            )

    @staticmethod
    def _get_remote_addr(request):
        # X-Forwarded-For is whatever the client says unless our own proxy sets it.
        if settings.AUDIT_TRUST_X_FORWARDED_FOR:
            return AuditlogMiddleware._get_remote_addr(request)
        return request.META.get("REMOTE_ADDR")
