"""The shared Redis connection pool (rate limits, locks, live state) with explicit timeouts."""

from functools import lru_cache

import redis
from django.conf import settings


@lru_cache(maxsize=1)
def redis_client() -> redis.Redis:
    return redis.Redis.from_url(
        settings.REDIS_URL,
        socket_timeout=2,
        socket_connect_timeout=2,
        health_check_interval=30,
    )


def redis_key(*parts: object) -> str:
    """A key in this deployment's namespace; callers pass the tenant's schema as a part."""
    return ":".join([settings.REDIS_KEY_PREFIX, *(str(part) for part in parts)])
