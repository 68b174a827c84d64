"""Channel-layer group names and the one way every app pushes to websockets.

Every group name carries the tenant's id. Pushes are best effort: a page that misses one re-reads
the state over the API. Changes are published after commit (nothing is shown that could still
roll back); each app builds its own messages ({"type": …, "data": …}) and hands them over here.
"""

import asyncio
import logging
from collections.abc import Callable, Iterable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

DISPATCH_GROUP = "dispatch"  # the business's dispatchers (/ws/dispatch/)
SEND_CONCURRENCY = 20  # channels_redis pools hold 100 connections; sockets need some too

Send = tuple[str, dict]  # (group name without the tenant, message)


def tenant_group(*, tenant_id: int, name: str) -> str:
    return f"tenant-{tenant_id}.{name}"


def dispatch_group(*, tenant_id: int) -> str:
    return tenant_group(tenant_id=tenant_id, name=DISPATCH_GROUP)


async def group_messages_send(sends: list[tuple[str, dict]]) -> None:
    """(full group name, message) pairs, sent a few at a time. Messages for one group go as one
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
    """Best effort, now: (full group name, message) pairs."""
    if not sends:
        return
    try:
        async_to_sync(group_messages_send)(sends)
    except (RedisError, OSError):
        logger.warning("could not push %d websocket message(s)", len(sends), exc_info=True)


def publish(*, tenant_id: int, sends: Iterable[Send]) -> None:
    """Best effort, now: (group name, message) pairs to one tenant's groups."""
    send_now([(tenant_group(tenant_id=tenant_id, name=name), message) for name, message in sends])


def tenant_broadcast(*, tenant_id: int, name: str, message: dict) -> None:
    """Send `message` ({"type": …, "data": …}) to every socket in one tenant's group, now."""
    publish(tenant_id=tenant_id, sends=[(name, message)])


def publish_after_commit(build: Callable[[], Iterable[Send]]) -> None:
    """Call inside the transaction that made a change: once it commits, `build()` makes the
    (group name, message) pairs from the committed state and they are sent to the current
    tenant's groups. Nothing is sent when the transaction rolls back."""
    from tenants.selectors import current_tenant

    tenant_id = current_tenant().pk
    transaction.on_commit(lambda: publish(tenant_id=tenant_id, sends=list(build())))
