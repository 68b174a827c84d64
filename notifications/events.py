"""The outbox: record an event inside the caller's transaction; dispatch it after commit."""

import json
import logging
import uuid
from collections.abc import Iterable

from django.db import connection
from django.utils import timezone

from notifications.models import EVENT_NAMES, Event
from tenants.queueing import task_send_after_commit

logger = logging.getLogger(__name__)


def _check(name: str) -> None:
    if name not in EVENT_NAMES:
        raise ValueError(f"unknown event {name!r}: one of {', '.join(EVENT_NAMES)}")


def _dispatch_after_commit(event_ids: list[str] | None) -> None:
    """Queue the dispatch once the change is committed. If the broker is down the events
    stay in the outbox and the sweep (beat, every minute) dispatches them."""
    from notifications.tasks import events_dispatch_task

    task_send_after_commit(events_dispatch_task, args=[event_ids])


def event_record(*, name: str, data: dict) -> None:
    """Write one event in the current transaction (the outbox); it is dispatched to webhooks
    and recipients after commit, and by the sweep if that fails."""
    _check(name)
    event = Event.objects.create(name=name, data=data, created_at=timezone.now())
    _dispatch_after_commit([str(event.pk)])


def events_record_many(*, name: str, items: Iterable[dict]) -> int:
    """Write many events of one kind with one COPY (imports of 10,000+ orders)."""
    _check(name)
    now = timezone.now()
    quote = connection.ops.quote_name
    columns = ("id", "name", "data", "created_at", "dispatched_at")
    statement = (
        f"COPY {quote(Event._meta.db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    )
    count = 0
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(statement) as copy,
    ):
        for data in items:
            copy.write_row([uuid.uuid4(), name, json.dumps(data), now, None])
            count += 1
    if count:
        # One task dispatches whatever is waiting: no message per event on the broker.
        _dispatch_after_commit(None)
    return count


# An order's status → the event it raises (a rescheduled order, back to unassigned, raises none).
ORDER_STATUS_EVENTS = {
    "unassigned": None,
    "assigned": "order.assigned",
    "out_for_delivery": "order.out_for_delivery",
    "delivered": "order.delivered",
    "failed": "order.failed",
    "cancelled": "order.cancelled",
}


def order_events_record(*, snapshots: Iterable[dict]) -> None:
    """The event of each order's (new) status, with the snapshot the delivery app built
    (`delivery.payloads`). For its lifecycle services, inside their transactions."""
    by_name: dict[str, list[dict]] = {}
    for snapshot in snapshots:
        name = ORDER_STATUS_EVENTS.get(snapshot["status"])
        if name is not None:
            by_name.setdefault(name, []).append(snapshot)
    for name, items in by_name.items():
        if len(items) == 1:
            event_record(name=name, data=items[0])
        else:
            events_record_many(name=name, items=items)


def orders_created_record(*, snapshots: list[dict]) -> None:
    """`order.created` for new orders (one COPY however many)."""
    if len(snapshots) == 1:
        event_record(name="order.created", data=snapshots[0])
    elif snapshots:
        events_record_many(name="order.created", items=snapshots)


def route_event_record(*, snapshot: dict) -> None:
    """`route.dispatched` / `route.started` / `route.completed` for the route's new status."""
    event_record(name=f"route.{snapshot['status']}", data=snapshot)


def optimization_event_record(*, snapshot: dict) -> None:
    """`optimization.succeeded` / `optimization.failed` for a finished job."""
    event_record(name=f"optimization.{snapshot['status']}", data=snapshot)
