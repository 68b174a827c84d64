"""The one error type for expected failures and its mapping to the API error shape.

Every error answers `{"error": {"code", "message", "fields"}}` with a 4xx status.
"""

import logging

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response

from tenants.errors import ApplicationError

logger = logging.getLogger(__name__)


# Every code an ApplicationError may carry that is not a plain 400, and its HTTP status: the one
# place where a domain failure becomes a status.
STATUS_BY_CODE = {
    "not_found": status.HTTP_404_NOT_FOUND,
    "permission_denied": status.HTTP_403_FORBIDDEN,
    "conflict": status.HTTP_409_CONFLICT,
    "invalid_transition": status.HTTP_409_CONFLICT,
    "invalid_operation": status.HTTP_409_CONFLICT,
    "in_use": status.HTTP_409_CONFLICT,
    "order_locked": status.HTTP_409_CONFLICT,
    "route_locked": status.HTTP_409_CONFLICT,
    "route_not_started": status.HTTP_409_CONFLICT,
    "not_a_pickup": status.HTTP_409_CONFLICT,
    "already_picked_up": status.HTTP_409_CONFLICT,
    "order_not_out_for_delivery": status.HTTP_409_CONFLICT,
    "endpoint_disabled": status.HTTP_409_CONFLICT,
    "idempotency_request_in_progress": status.HTTP_409_CONFLICT,
    "payload_too_large": status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    "idempotency_key_reused": status.HTTP_422_UNPROCESSABLE_ENTITY,
    "rate_limited": status.HTTP_429_TOO_MANY_REQUESTS,
}


def status_for(code: str) -> int:
    """The HTTP status of an ApplicationError code (400 unless the table says otherwise)."""
    return STATUS_BY_CODE.get(code, status.HTTP_400_BAD_REQUEST)


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def flatten_field_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error detail into {"recipient.phone": ["…"], "time_windows.0.end": […]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for name, value in detail.items():
            key = f"{prefix}.{name}" if prefix else str(name)
            flat.update(flatten_field_errors(value, key))
    elif isinstance(detail, list) and any(isinstance(item, (dict, list)) for item in detail):
        for index, value in enumerate(detail):
            if value:
                flat.update(
                    flatten_field_errors(value, f"{prefix}.{index}" if prefix else str(index))
                )
    elif isinstance(detail, list):
        flat[prefix or "non_field_errors"] = [str(item) for item in detail]
    else:
        flat[prefix or "non_field_errors"] = [str(detail)]
    return flat


def validation_message(fields: dict[str, list[str]]) -> str:
    if not fields:
        return "The request is invalid."
    name, messages = next(iter(fields.items()))
    first = messages[0] if messages else "invalid"
    more = len(fields) - 1
    summary = first if name == "non_field_errors" else f"{name}: {first}"
    return summary + (f" (and {more} more field{'s' if more > 1 else ''})" if more else "")


_DRF_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "rate_limited",
    exceptions.ParseError: "parse_error",
}


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every expected failure becomes the error shape."""
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.fields), status=status_for(exc.code))
    if isinstance(exc, RequestDataTooBig):
        return Response(
            error_body("payload_too_large", "The request body is too large."),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, DjangoValidationError):
        fields = flatten_field_errors(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
        return Response(
            error_body("validation_error", validation_message(fields), fields),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, ObjectDoesNotExist):
        exc = exceptions.NotFound()
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    # Imported here: rest_framework.views reads the API settings, which name this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a bug: let Django log it and answer 500 in the error shape
    if isinstance(exc, exceptions.ValidationError):
        fields = flatten_field_errors(exc.detail)
        response.data = error_body("validation_error", validation_message(fields), fields)
        return response
    code = next(
        (name for cls, name in _DRF_CODES.items() if isinstance(exc, cls)),
        getattr(exc, "default_code", "error"),
    )
    message = str(exc.detail) if not isinstance(exc.detail, (dict, list)) else str(exc)
    if isinstance(exc, exceptions.NotFound):
        message = "Not found."
    response.data = error_body(code, message)
    return response


def json_error_response(code: str, message: str, status_code: int) -> JsonResponse:
    """The error shape for responses produced outside DRF (unknown URL, server error)."""
    return JsonResponse(error_body(code, message), status=status_code)


@csrf_exempt
def api_not_found(request, *args, **kwargs) -> JsonResponse:
    """Any path under /api/ that names no operation (a non-UUID id, a typo), whatever the method
    and with DEBUG on too: Django's debug 404 page would answer HTML no API client can read."""
    return json_error_response("not_found", "Not found.", 404)
