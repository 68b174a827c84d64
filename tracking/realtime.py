"""Pushes of the tracking app: `order.updated` / `route.updated` / `driver.position` to the
tenant's dispatchers, and the recipient's view to the one order's tracking sockets.

Every push happens after commit (nothing is shown that could still roll back) and is best
effort: a page that misses one re-reads the state over the API.
"""

import asyncio
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from redis.exceptions import RedisError

from delivery.models import Order
from tenants.selectors import current_tenant
from tracking.groups import dispatch_group, track_group

logger = logging.getLogger(__name__)


SEND_CONCURRENCY = 20  # channels_redis pools hold 100 connections; sockets need some too


async def group_messages_send(sends: list[tuple[str, dict]]) -> None:
    """(group, message) pairs, sent a few at a time. Messages for one group are sent as one
    `tenant.messages` event, so a batch of positions costs one group_send, not one per driver."""
    by_group: dict[str, list[dict]] = {}
    for group, message in sends:
        by_group.setdefault(group, []).append(message)
    events = [
        (group, {"type": "tenant.message", "message": messages[0]})
        if len(messages) == 1
        else (group, {"type": "tenant.messages", "messages": messages})
        for group, messages in by_group.items()
    ]
    layer = get_channel_layer()
    for start in range(0, len(events), SEND_CONCURRENCY):
        await asyncio.gather(
            *(
                layer.group_send(group, event)
                for group, event in events[start : start + SEND_CONCURRENCY]
            )
        )


def send_now(sends: list[tuple[str, dict]]) -> None:
    try:
        async_to_sync(group_messages_send)(sends)
    except RedisError:
        logger.warning("could not push tracking updates", exc_info=True)


def orders_push(*, tenant_id: int, order_ids: list) -> None:
    """Now: `order.updated` to the dispatchers; each order's tracking sockets are told to
    re-read their (public) view."""
    from tracking.selectors import order_message

    dispatch = dispatch_group(tenant_id=tenant_id)
    sends = []
    for order in Order.objects.filter(pk__in=order_ids):
        sends.append((dispatch, order_message(order)))
        sends.append(
            (
                track_group(tenant_id=tenant_id, order_id=order.pk),
                {"type": "tracking.updated", "data": {}},
            )
        )
    send_now(sends)


def routes_push(*, tenant_id: int, route_ids: list) -> None:
    from tracking.selectors import routes_messages

    group = dispatch_group(tenant_id=tenant_id)
    send_now([(group, message) for message in routes_messages(route_ids=route_ids)])


def orders_changed(*, order_ids) -> None:
    """Call inside the transaction that changed the orders: pushes once it commits."""
    ids = [order_id for order_id in order_ids if order_id]
    if not ids:
        return
    tenant_id = current_tenant().pk
    transaction.on_commit(lambda: orders_push(tenant_id=tenant_id, order_ids=ids))


def routes_changed(*, route_ids) -> None:
    """Call inside the transaction that changed the routes: pushes once it commits."""
    ids = [route_id for route_id in route_ids if route_id]
    if not ids:
        return
    tenant_id = current_tenant().pk
    transaction.on_commit(lambda: routes_push(tenant_id=tenant_id, route_ids=ids))


def dispatchers_suggest(*, message: dict) -> None:
    """After commit: a suggestion (e.g. `stop.arrived`) to the dispatchers."""
    group = dispatch_group(tenant_id=current_tenant().pk)
    transaction.on_commit(lambda: send_now([(group, message)]))


def tracking_revoked(*, order_id) -> None:
    """After commit: sockets opened with a replaced tracking link are told and closed."""
    tenant_id = current_tenant().pk
    message = {"type": "tracking.revoked", "data": {}}
    transaction.on_commit(
        lambda: send_now([(track_group(tenant_id=tenant_id, order_id=order_id), message)])
    )


def drivers_heading_reset(*, driver_ids) -> None:
    """After commit: forget which stop these drivers head to (a delivery finished it); the next
    live-ETA run names the new one."""
    ids = [driver_id for driver_id in driver_ids if driver_id]
    if ids:
        transaction.on_commit(lambda: _heading_forget(ids))


def _heading_forget(driver_ids: list) -> None:
    from tracking import state

    try:
        state.next_stop_forget(driver_ids=driver_ids)
    except RedisError:
        logger.warning("could not reset the drivers' next stops", exc_info=True)
