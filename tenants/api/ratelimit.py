"""Per-caller API rate limiting: a sliding one-second window kept in Redis."""

import logging
import math
import time
import uuid
from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import connection
from rest_framework.throttling import BaseThrottle

from tenants.api.principals import principal_id
from tenants.redis import redis_client, redis_key

logger = logging.getLogger(__name__)

WINDOW_MS = 1000

# Drop hits older than the window, then admit the request if the window still has room.
_SLIDING_WINDOW = """
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, window)
  return {1, limit - count - 1, 0}
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return {0, 0, tonumber(oldest[2]) + window - now}
"""


@dataclass(frozen=True)
class RateLimitResult:
    allowed: bool
    limit: int
    remaining: int
    retry_after_seconds: int


def rate_limit_hit(*, scope: str, limit: int) -> RateLimitResult:
    """Record one request for `scope` (which carries the tenant) and say whether it may proceed."""
    now_ms = int(time.time() * 1000)
    try:
        allowed, remaining, retry_ms = redis_client().eval(
            _SLIDING_WINDOW,
            1,
            redis_key("ratelimit", scope),
            now_ms,
            WINDOW_MS,
            limit,
            uuid.uuid4().hex,
        )
    except redis.RedisError:
        # Losing Redis must not take the API down with it: admit and say so in the logs.
        logger.warning("rate limiter unavailable; admitting request", exc_info=True)
        return RateLimitResult(allowed=True, limit=limit, remaining=limit, retry_after_seconds=0)
    return RateLimitResult(
        allowed=bool(allowed),
        limit=limit,
        remaining=int(remaining),
        retry_after_seconds=max(1, math.ceil(int(retry_ms) / 1000)) if not allowed else 0,
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
