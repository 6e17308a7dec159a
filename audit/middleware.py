"""Tie every audit entry to its request: actor, address and a request id."""

import uuid
from contextvars import ContextVar

from auditlog.middleware import AuditlogMiddleware
from django.conf import settings

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The correlation id auditlog stores on each entry (settings.AUDITLOG_CID_GETTER)."""
    return _request_id.get()


class RequestAuditMiddleware(AuditlogMiddleware):
    """Give each request an id, and record who made it and from where on every entry it writes."""

    def __call__(self, request):
        request.request_id = uuid.uuid4().hex
        token = _request_id.set(request.request_id)
        try:
            response = super().__call__(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request.request_id
        return response

    @staticmethod
    def _get_remote_addr(request):
        # X-Forwarded-For is whatever the client says unless our own proxy sets it.
        if settings.AUDIT_TRUST_X_FORWARDED_FOR:
            return AuditlogMiddleware._get_remote_addr(request)
        return request.META.get("REMOTE_ADDR")
