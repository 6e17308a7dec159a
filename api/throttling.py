"""Rate limits per credential (or per person for sessions), in the shared cache.

API_RATE_LIMIT (e.g. "600/min") holds across processes when CACHE_URL points at Redis.
"""

from rest_framework.throttling import SimpleRateThrottle

from api.models import Credential


class CredentialRateThrottle(SimpleRateThrottle):
    scope = "credential"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, Credential):
            ident = f"{request.auth._meta.model_name}:{request.auth.prefix}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"addr:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
