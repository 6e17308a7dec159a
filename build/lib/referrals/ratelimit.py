"""A fixed-window rate limit for the public forms, on Django's cache.

The key is a keyed hash of the client's address (never the address itself) and the form. Once
per window, the first refused submission is written to the audit log and the security logger,
so a flood is on the record without flooding the record.

Use a cache shared by every web process in production (Redis): the default local-memory cache
counts per process.
"""

import logging
import time

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.utils.crypto import salted_hmac

from audit.middleware import RequestAuditMiddleware
from referrals import conf

logger = logging.getLogger("referrals.security")


def _client(request) -> str:
    # The same rule as the audit log: X-Forwarded-For only from a proxy we run.
    address = RequestAuditMiddleware._get_remote_addr(request) or "unknown"
    return salted_hmac("referrals.ratelimit", address).hexdigest()[:32]


def allow(request, scope: str, *, model) -> bool:
    """Count one submission to `scope` from this client; False once over the limit."""
    limit, window = conf.public_rate_limit()
    bucket = int(time.time() // window)
    key = f"ratelimit:{scope}:{_client(request)}:{bucket}"
    cache.add(key, 0, timeout=window + 60)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=window + 60)
        count = 1
    if count == limit + 1:
        _record_breach(scope, model)
    return count <= limit


def _record_breach(scope: str, model) -> None:
    logger.warning("rate limit reached on public form %s", scope)
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(model),
        object_pk="",
        object_repr=f"public form {scope}",
        action=LogEntry.Action.ACCESS,
        additional_data={"event": "rate limited", "form": scope},
    )
