"""Scopes: a credential may use a view only if it holds the view's scope for the method.

A session (a person in the browsable API) has no scopes to check: it is the person, limited by
their role through casework.access like the pages. Views name their scopes as
`required_scopes = {"GET": scopes.X, "POST": scopes.Y}`; a view that names none is closed to
credentials.
"""

from rest_framework.permissions import BasePermission

from api.models import Credential


class HasScope(BasePermission):
    message = "This credential does not have the scope for this request."

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if not isinstance(request.auth, Credential):
            return True
        wanted = getattr(view, "required_scopes", {}).get(request.method)
        if wanted is None and request.method in ("HEAD", "OPTIONS"):
            wanted = getattr(view, "required_scopes", {}).get("GET")
        return wanted is not None and wanted in request.auth.scopes
