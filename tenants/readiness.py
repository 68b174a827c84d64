"""Readiness (`/readyz`): can this process serve now? PostgreSQL, Redis and the Celery broker,
each checked with a short timeout and timed. Liveness (`/healthz`) checks nothing outside."""

import time
from collections.abc import Callable

import redis
from celery import current_app
from django.conf import settings
from django.db import DatabaseError, connection
from kombu.exceptions import KombuError

CHECK_TIMEOUT_SECONDS = 1.0


def _postgresql() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _redis() -> None:
    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_timeout=CHECK_TIMEOUT_SECONDS,
        socket_connect_timeout=CHECK_TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    finally:
        client.close()


def _broker() -> None:
    with current_app.connection_for_write() as broker:
        broker.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, timeout=CHECK_TIMEOUT_SECONDS
        )
        broker.default_channel.client.ping()


CHECKS: dict[str, Callable[[], None]] = {
    "postgresql": _postgresql,
    "redis": _redis,
    "broker": _broker,
}


def readiness() -> tuple[bool, dict[str, dict]]:
    """(all ready, {check: {"ok", "ms", "error"?}})."""
    results = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            check()
        except (DatabaseError, redis.RedisError, KombuError, OSError) as error:
            results[name] = {"ok": False, "error": f"{error.__class__.__name__}: {error}"[:300]}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    return all(result["ok"] for result in results.values()), results
