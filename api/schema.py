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
