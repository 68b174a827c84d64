"""Per-caller API rate limiting: a sliding one-second window kept in Redis."""

from django.conf import settings
from django.db import connection
from rest_framework import exceptions
from rest_framework.throttling import BaseThrottle

from tenants.api.principals import principal_id
from tenants.throttling import (  # noqa: F401 (re-exported: callers import them from here)
    WINDOW_MS,
    RateLimitResult,
    address_limit_hit,
    client_address,
    rate_limit_hit,
)


def rate_limit_for_tenant(tenant) -> int:
    return getattr(tenant, "api_rate_limit", None) or settings.API_RATE_LIMIT_PER_SECOND


class ApiRateThrottle(BaseThrottle):
    """DRF throttle: the limit is per API key (or signed-in user), per tenant."""

    def allow_request(self, request, view) -> bool:
        principal = principal_id(request)
        if principal is None:
            return True
        limit = rate_limit_for_tenant(getattr(request, "tenant", None))
        self.result = rate_limit_hit(scope=f"{connection.schema_name}:{principal}", limit=limit)
        request._request.rate_limit = self.result
        return self.result.allowed

    def wait(self) -> float:
        return float(self.result.retry_after_seconds)


def anonymous_api_call_check(request) -> None:
    """An API call without valid credentials: counted per client address; over the limit, 429."""
    result = address_limit_hit(
        request=request,
        action="api-anonymous",
        limit=settings.API_ANONYMOUS_RATE_LIMIT_PER_MINUTE,
        window_seconds=60,
    )
    if not result.allowed:
        raise exceptions.Throttled(
            wait=result.retry_after_seconds,
            detail=(
                "Too many requests without valid credentials from your address. "
                f"Try again in {result.retry_after_seconds} seconds."
            ),
        )
