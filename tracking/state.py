"""Live state in Redis, every key under the tenant's schema: each driver's last position and the
stop each driver is heading to (set by the live-ETA task)."""

import json

from django.db import connection

from tenants.redis import redis_client, redis_key


def _last_key(schema: str) -> str:
    return redis_key(schema, "tracking", "last")


def _next_key(schema: str) -> str:
    return redis_key(schema, "tracking", "next")


def positions_last_store(*, schema: str, messages: dict[str, dict], pipe=None) -> None:
    """`messages`: driver id → its `driver.position` data (the newest of a batch)."""
    if not messages:
        return
    client = pipe if pipe is not None else redis_client()
    client.hset(
        _last_key(schema), mapping={driver: json.dumps(data) for driver, data in messages.items()}
    )


def positions_last(*, schema: str | None = None) -> dict[str, dict]:
    raw = redis_client().hgetall(_last_key(schema or connection.schema_name))
    return {driver.decode(): json.loads(data) for driver, data in raw.items()}


def position_last(*, driver_id, schema: str | None = None) -> dict | None:
    raw = redis_client().hget(_last_key(schema or connection.schema_name), str(driver_id))
    return json.loads(raw) if raw else None


def next_stop_set(*, driver_id, order_id, route_id) -> None:
    redis_client().hset(
        _next_key(connection.schema_name),
        str(driver_id),
        json.dumps({"order": str(order_id), "route": str(route_id)}),
    )


def next_stop_forget(*, driver_ids) -> None:
    fields = [str(driver_id) for driver_id in driver_ids if driver_id]
    if fields:
        redis_client().hdel(_next_key(connection.schema_name), *fields)


def next_stops(*, schema: str, driver_ids: list[str]) -> dict[str, dict]:
    """driver id → {"order", "route"} for the drivers heading to a stop."""
    if not driver_ids:
        return {}
    values = redis_client().hmget(_next_key(schema), driver_ids)
    return {
        driver: json.loads(value)
        for driver, value in zip(driver_ids, values, strict=True)
        if value is not None
    }


def next_stop(*, driver_id) -> dict | None:
    return next_stops(schema=connection.schema_name, driver_ids=[str(driver_id)]).get(
        str(driver_id)
    )


def once(*, name: str, seconds: int) -> bool:
    """True the first time `name` (tenant-scoped) is claimed within `seconds`."""
    return bool(
        redis_client().set(
            redis_key(connection.schema_name, "tracking", name), 1, nx=True, ex=seconds
        )
    )
