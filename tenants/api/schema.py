"""OpenAPI descriptions of our authentication schemes (drf-spectacular extensions)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "tenants.api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key created by an owner or admin: `Authorization: Bearer dk_…`.",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "tenants.api.authentication.SessionAuthentication"
    name = "Session"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "The dashboard's session (CSRF token required on writes).",
        }
