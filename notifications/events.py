"""The outbox: record an event inside the caller's transaction; dispatch it after commit."""

import json
import logging
import uuid
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from notifications.models import EVENT_NAMES, Event

logger = logging.getLogger(__name__)


def _check(name: str) -> None:
    if name not in EVENT_NAMES:
        raise ValueError(f"unknown event {name!r}: one of {', '.join(EVENT_NAMES)}")


def _dispatch_after_commit(event_ids: list[str] | None) -> None:
    """Queue the dispatch once the change is committed. If the broker is down the events
    stay in the outbox and the sweep (beat, every minute) dispatches them."""
    schema = connection.schema_name

    def send() -> None:
        from django_tenants.utils import schema_context
        from kombu.exceptions import KombuError, OperationalError

        from notifications.tasks import events_dispatch_task

        try:
            with schema_context(schema):
                events_dispatch_task.apply_async(args=[event_ids], retry=False)
        except (OperationalError, KombuError, OSError) as error:
            logger.warning("events not queued (%s); the sweep will dispatch them", error)

    transaction.on_commit(send)


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


def order_events_record(*, orders: Iterable, **extra) -> None:
    """The event of each order's (new) status, with the order's snapshot plus `extra`
    (reason, note). For the delivery app's lifecycle services, inside their transactions."""
    from notifications.payloads import orders_data

    by_name: dict[str, list] = {}
    for order in orders:
        name = ORDER_STATUS_EVENTS.get(order.status)
        if name is not None:
            by_name.setdefault(name, []).append(order)
    for name, group in by_name.items():
        items = orders_data(group, **extra)
        if len(items) == 1:
            event_record(name=name, data=items[0])
        else:
            events_record_many(name=name, items=items)


def orders_created_record(*, orders: Iterable) -> None:
    """`order.created` for new orders (one COPY however many)."""
    from notifications.payloads import orders_data

    orders = list(orders)
    if len(orders) == 1:
        event_record(name="order.created", data=orders_data(orders)[0])
    elif orders:
        events_record_many(name="order.created", items=orders_data(orders))


def route_event_record(*, route) -> None:
    """`route.dispatched` / `route.started` / `route.completed` for the route's new status."""
    from notifications.payloads import route_data

    event_record(name=f"route.{route.status}", data=route_data(route))


def optimization_event_record(*, job) -> None:
    """`optimization.succeeded` / `optimization.failed` for a finished job."""
    from notifications.payloads import optimization_data

    event_record(name=f"optimization.{job.status}", data=optimization_data(job))
