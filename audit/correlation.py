"""The request id that ties every audit entry written during one request together.

Kept apart from the middleware that sets it, so that what writes entries (events, the access
log) can read it without importing the middleware, which imports them.
"""

from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The correlation id auditlog stores on each entry (settings.AUDITLOG_CID_GETTER)."""
    return _request_id.get()


def bind_request_id(request_id: str):
    """Make `request_id` the current one; return the token that `unbind_request_id` takes."""
    return _request_id.set(request_id)


def unbind_request_id(token) -> None:
    _request_id.reset(token)
