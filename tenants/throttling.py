"""Sliding-window rate limits kept in Redis: per API caller (tenants.api.ratelimit), per client
address (sign-ups, invitations, password resets) or per anything a scope names."""

import logging
import math
import time
import uuid
from dataclasses import dataclass

import redis
from axes.helpers import get_client_ip_address
from django.conf import settings

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


def rate_limit_hit(*, scope: str, limit: int, window_ms: int = WINDOW_MS) -> RateLimitResult:
    """Record one request for `scope` (which carries the tenant, or names a client address) in a
    sliding window of `window_ms`, and say whether it may proceed."""
    now_ms = int(time.time() * 1000)
    try:
        allowed, remaining, retry_ms = redis_client().eval(
            _SLIDING_WINDOW,
            1,
            redis_key("ratelimit", scope),
            now_ms,
            window_ms,
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


def client_address(request) -> str:
    """The client's IP address as django-axes sees it (same proxy settings: AXES_IPWARE_*)."""
    return get_client_ip_address(request) or "unknown"


def address_limit_hit(*, request, action: str, limit: int, window_seconds: int) -> RateLimitResult:
    """One `action` (sign-up, invitation, an unauthenticated API call) from this client address;
    the limit holds across businesses, as an attacker's address does."""
    return rate_limit_hit(
        scope=f"address:{action}:{client_address(request)}",
        limit=limit,
        window_ms=window_seconds * 1000,
    )


def invitation_limit_hit(*, request) -> RateLimitResult:
    """One invitation sent (e-mailed, texted, again) from this client address, whichever page or
    API sends it: INVITATION_RATE_LIMIT_PER_HOUR."""
    return address_limit_hit(
        request=request,
        action="invitation",
        limit=settings.INVITATION_RATE_LIMIT_PER_HOUR,
        window_seconds=3600,
    )
