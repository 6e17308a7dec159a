"""How the OpenAPI schema names the API's credentials (loaded by ApiConfig.ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.auth.ApiClientAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Api-Key <key>`: an organisation's client"}


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.auth.PersonalTokenAuthentication"
    name = "Token"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Token <key>`: a person's own token"}


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "api.auth.VerifiedSessionAuthentication"
    name = "Session"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid",
                "description": "A signed-in session that passed the second factor (with CSRF)"}


ERROR_RESPONSES = {
    "400": "Bad input: a message per field; nothing was changed",
    "401": "No valid credential",
    "403": "The credential's scopes or the caller's role do not allow this",
    "404": "No such object, or not one the caller may see (the same answer)",
    "409": "Someone changed it since it was read; nothing was changed",
    "415": "Unsupported content type",
    "429": "Rate limit reached; try again later",
}
WRITE_ONLY_ERRORS = {"400", "409", "415"}


def add_error_responses(result, generator, request, public):
    """Postprocessing hook: every operation documents the errors every API view may answer."""
    error = {"type": "object", "additionalProperties": True}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_RESPONSES.items():
                if status in WRITE_ONLY_ERRORS and method == "get" and status != "400":
                    continue
                responses.setdefault(status, {
                    "description": description,
                    "content": {"application/json": {"schema": error},
                                "application/fhir+json": {"schema": error}},
                })
    return result
