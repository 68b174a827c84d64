"""OpenAPI: our authentication schemes (drf-spectacular extensions) and the error responses
every operation documents (the `Error` component)."""

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import ResolvedComponent


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


# Every operation can answer these (SPEC.md's conventions), always with the error shape:
# a bad query or body, missing or wrong credentials, a role that may not, an unknown business or
# object, an Accept header we cannot serve, too many requests.
_EVERY_OPERATION = {
    400: "The request is invalid (`validation_error`, `parse_error`); `fields` names each problem.",
    401: "No credentials, or an unknown or revoked API key.",
    403: "Your role may not do this.",
    404: "No such object (or no business at this host).",
    406: "The `Accept` header names no type this operation can answer.",
    429: "Too many requests: wait `Retry-After` seconds.",
}
_WITH_A_BODY = {
    413: "The request body is too large.",
    415: "The body's `Content-Type` is not one this operation takes.",
}
_WRITES = {409: "The object's state does not allow this now (`error.code` says why)."}
_POST = {
    409: "The object's state does not allow this now, or a request with this `Idempotency-Key` "
    "is still running.",
    422: "This `Idempotency-Key` was used for a different request.",
}


def error_component(registry) -> dict:
    """A $ref to the `Error` component (registered on first use)."""
    component = ResolvedComponent(
        name="Error",
        type=ResolvedComponent.SCHEMA,
        object="Error",
        schema={
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message", "fields"],
                    "properties": {
                        "code": {"type": "string", "example": "validation_error"},
                        "message": {"type": "string"},
                        "fields": {
                            "type": "object",
                            "description": "Per field (dotted path) its problems.",
                            "additionalProperties": {"type": "array", "items": {"type": "string"}},
                        },
                    },
                }
            },
        },
    )
    registry.register_on_missing(component)
    return component.ref


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, plus every error status an operation can answer (SPEC.md)."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        statuses = dict(_EVERY_OPERATION)
        if self.method in ("POST", "PUT", "PATCH"):
            statuses.update(_WITH_A_BODY)
        if self.method in ("PUT", "PATCH", "DELETE"):
            statuses.update(_WRITES)
        if self.method == "POST":
            statuses.update(_POST)
        reference = error_component(self.registry)
        for code, description in sorted(statuses.items()):
            error = {"application/json": {"schema": reference}}
            existing = responses.get(str(code))
            if existing is None:
                responses[str(code)] = {"description": description, "content": error}
            elif not existing.get("content"):
                existing["content"] = error
        return responses
