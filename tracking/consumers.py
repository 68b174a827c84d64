"""Live tracking sockets.

- `/ws/dispatch/`: the tenant's dispatchers receive `optimization.updated`, `route.updated`,
  `order.updated`, `driver.position` (and suggestions such as `stop.arrived`) as
  {"type": …, "data": {…}}. Coalesced per socket: a slow dashboard gets the newest message per
  driver / order / route, never a backlog.
- `/ws/driver/`: a driver's phone sends its positions; each is answered accepted or rejected.
- `/ws/driver/route/`: a driver's phone listens for changes to its own route (`route.changed`,
  `order.changed`) and re-reads its data at once (polling stays as the fallback).
- `/ws/track/<token>/`: a recipient's tracking page follows one order.
"""

import asyncio
import itertools
import json

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenants.accounts.models import OPERATIONS_ROLES
from tenants.consumers import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED
from tracking.groups import DISPATCH_GROUP, dispatch_group, driver_group, track_group
from tracking.ingest import position_writer
from tracking.services import PositionEntry
from tracking.validation import Rejection, position_check

__all__ = [
    "DISPATCH_GROUP",
    "DispatchConsumer",
    "DriverConsumer",
    "DriverRouteConsumer",
    "TrackConsumer",
]

CLOSE_NOT_FOUND = 4404
CLOSE_REVOKED = 4410
# Message types that replace an older one about the same thing: the key names that thing.
COALESCED = {
    "driver.position": "driver",
    "order.updated": "id",
    "route.updated": "id",
    "route.changed": "route",
    "order.changed": "order",
}
_unique = itertools.count()


def coalesce_key(message: dict) -> tuple:
    kind = message.get("type")
    field = COALESCED.get(kind)
    data = message.get("data")
    if field and isinstance(data, dict) and data.get(field):
        return (kind, data[field])
    return ("once", next(_unique))


class NoDatabaseDispatch:
    """Channels closes stale database connections on Channels' one database thread before every
    message (`aclose_old_connections`): a hop through a single thread for each of thousands of
    positions per second. These consumers touch the database only through
    `database_sync_to_async` (which closes its own) or the position writer's own thread."""

    async def dispatch(self, message):
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)


class CoalescingSender:
    """Per-socket outbox: the newest message per key waits; one task sends them in order."""

    def __init__(self, send) -> None:
        self.send = send
        self.pending: dict[tuple, dict] = {}
        self.ready = asyncio.Event()
        self.task = asyncio.create_task(self._run())

    def put(self, message: dict) -> None:
        key = coalesce_key(message)
        # Newest wins and moves to the back: messages leave in the order of their last change.
        self.pending.pop(key, None)
        self.pending[key] = message
        self.ready.set()

    async def _run(self) -> None:
        while True:
            await self.ready.wait()
            self.ready.clear()
            batch, self.pending = self.pending, {}
            for message in batch.values():
                await self.send(message)

    def stop(self) -> None:
        self.task.cancel()


async def _listen(consumer, *, group: str, hello: dict) -> None:
    """A listening socket joins its group, gets its coalescing outbox, then says hello."""
    consumer.group = group
    await consumer.channel_layer.group_add(group, consumer.channel_name)
    consumer.outbox = CoalescingSender(consumer.send_json)
    await consumer.send_json({"type": "hello", "data": hello})


class DispatchConsumer(NoDatabaseDispatch, AsyncJsonWebsocketConsumer):
    group: str | None = None
    outbox: CoalescingSender | None = None

    async def connect(self):
        await self.accept()
        user = self.scope.get("user")
        if user is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if user.role not in OPERATIONS_ROLES:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await _listen(
            self,
            group=dispatch_group(tenant_id=self.scope["tenant"].pk),
            hello={"tenant": self.scope["tenant"].slug},
        )

    async def disconnect(self, code):
        if self.outbox:
            self.outbox.stop()
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        # Whatever comes in (JSON or not) gets the same answer; parsing it first would let a
        # malformed frame crash the consumer and drop the dispatcher's live feed.
        await self.send_json(
            {
                "type": "error",
                "data": {
                    "code": "read_only",
                    "message": "This socket only sends; use the API to act.",
                },
            }
        )

    async def tenant_message(self, event):
        if self.outbox is not None:
            self.outbox.put(event["message"])

    async def tenant_messages(self, event):
        if self.outbox is not None:
            for message in event["messages"]:
                self.outbox.put(message)


# --- the driver's phone -----------------------------------------------------------------------


@database_sync_to_async
def _driver_context(tenant, user) -> tuple | None:
    from delivery.selectors import driver_for_user
    from tracking.selectors import driver_newest_recorded_at

    with tenant_context(tenant):
        driver = driver_for_user(user=user)
        if driver is None:
            return None
        return driver.pk, driver_newest_recorded_at(driver_id=driver.pk)


class DriverConsumer(NoDatabaseDispatch, AsyncJsonWebsocketConsumer):
    """The driver is the signed-in user: a message never says whose position it is."""

    # A phone's socket never receives group messages: no channel-layer subscription (an alias
    # that is not configured gives no layer), so thousands of idle phones cost Redis nothing.
    channel_layer_alias = "none: driver sockets only send"

    driver_id = None
    newest = None

    async def connect(self):
        await self.accept()
        user = self.scope.get("user")
        if user is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        context = await _driver_context(self.scope["tenant"], user)
        if context is None:
            await self.send_error("not_a_driver", "Only drivers with a driver profile may send.")
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.driver_id, self.newest = context
        await self.send_json(
            {
                "type": "hello",
                "data": {
                    "driver": str(self.driver_id),
                    "newest": self.newest.isoformat() if self.newest else None,
                },
            }
        )

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if self.driver_id is None:
            return
        try:
            content = json.loads(text_data or "")
        except ValueError:
            await self.send_error("invalid_json", "Messages must be JSON objects.")
            return
        if not isinstance(content, dict) or content.get("type") != "position":
            await self.send_error("unknown_type", 'Send {"type": "position", "lat", "lng", …}.')
            return
        await self.position_receive(content)

    async def position_receive(self, content: dict) -> None:
        checked = position_check(content, now=timezone.now(), newest=self.newest)
        if isinstance(checked, Rejection):
            await self.send_rejected(checked.recorded_at, checked.code, checked.reason)
            return
        tenant = self.scope["tenant"]
        previous, self.newest = self.newest, checked.recorded_at
        stored = await position_writer().write(
            schema=tenant.schema_name,
            tenant_id=tenant.pk,
            entry=PositionEntry(driver_id=self.driver_id, position=checked),
        )
        if not stored:
            self.newest = previous
            await self.send_rejected(
                content["recorded_at"], "unavailable", "Not stored; send it again later."
            )
            return
        await self.send_json(
            {"type": "position.accepted", "data": {"recorded_at": content["recorded_at"]}}
        )

    async def send_rejected(self, recorded_at, code: str, reason: str) -> None:
        await self.send_json(
            {
                "type": "position.rejected",
                "data": {"recorded_at": recorded_at, "code": code, "reason": reason},
            }
        )

    async def send_error(self, code: str, message: str) -> None:
        await self.send_json({"type": "error", "data": {"code": code, "message": message}})


class DriverRouteConsumer(NoDatabaseDispatch, AsyncJsonWebsocketConsumer):
    """The driver's phone hears about changes to its own route: the group is the signed-in
    driver's own, in the business of the host (nothing in the request chooses it). Messages
    only say what changed; the phone re-reads `/driver/data/`. Coalesced per route / order."""

    group: str | None = None
    outbox: CoalescingSender | None = None

    async def connect(self):
        await self.accept()
        user = self.scope.get("user")
        if user is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        context = await _driver_context(self.scope["tenant"], user)
        if context is None:
            await self.send_json(
                {
                    "type": "error",
                    "data": {
                        "code": "not_a_driver",
                        "message": "Only drivers with a driver profile may listen.",
                    },
                }
            )
            await self.close(code=CLOSE_FORBIDDEN)
            return
        driver_id, _ = context
        await _listen(
            self,
            group=driver_group(tenant_id=self.scope["tenant"].pk, driver_id=driver_id),
            hello={"driver": str(driver_id)},
        )

    async def disconnect(self, code):
        if self.outbox:
            self.outbox.stop()
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        return  # the phone only listens here; its positions go to /ws/driver/

    async def tenant_message(self, event):
        if self.outbox is not None:
            self.outbox.put(event["message"])

    async def tenant_messages(self, event):
        if self.outbox is not None:
            for message in event["messages"]:
                self.outbox.put(message)


# --- the recipient's tracking page ------------------------------------------------------------


@database_sync_to_async
def _tracked(tenant, token: str) -> tuple | None:
    from tracking.paths import proof_path
    from tracking.selectors import order_for_token, tracking_snapshot

    with tenant_context(tenant):
        order = order_for_token(token=token)
        if order is None:
            return None
        snapshot = tracking_snapshot(
            order, proof_url=lambda proof: proof_path(token=token, proof_id=proof.pk)
        )
        return order.pk, snapshot


class TrackConsumer(AsyncJsonWebsocketConsumer):
    """Public: the token is the only credential; the socket only ever hears about its order."""

    group: str | None = None
    status: str = ""

    async def connect(self):
        await self.accept()
        tracked = await _tracked(self.scope["tenant"], self.scope["url_route"]["kwargs"]["token"])
        if tracked is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        order_id, snapshot = tracked
        self.status = snapshot["status"]
        self.group = track_group(tenant_id=self.scope["tenant"].pk, order_id=order_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.send_json({"type": "tracking.updated", "data": snapshot})

    async def disconnect(self, code):
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        return  # the page only listens

    async def tenant_messages(self, event):
        for message in event["messages"]:
            await self.tenant_message({"message": message})

    async def tenant_message(self, event):
        message = event["message"]
        kind = message.get("type")
        if kind == "driver.position" and self.status != "out_for_delivery":
            return  # the driver is no longer on the way here (the order changed meanwhile)
        if kind in ("order.changed", "tracking.updated", "resync"):
            # (resync: the channel layer came back; what was pushed meanwhile is lost)
            # Rebuilt here: proof URLs carry this socket's token.
            tracked = await _tracked(
                self.scope["tenant"], self.scope["url_route"]["kwargs"]["token"]
            )
            if tracked is None:
                await self.close(code=CLOSE_NOT_FOUND)
                return
            message = {"type": "tracking.updated", "data": tracked[1]}
            self.status = tracked[1]["status"]
        await self.send_json(message)
        if message.get("type") == "tracking.revoked":
            await self.close(code=CLOSE_REVOKED)
