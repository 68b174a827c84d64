"""Writes of orders outside their lifecycle: create (one or many), edit, locate; and the
order event every change records."""

from collections.abc import Iterable
from dataclasses import fields

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from delivery import geocoding
from delivery.models import (
    LocationStatus,
    Order,
    OrderEvent,
    OrderStatus,
)
from delivery.payloads import orders_data
from delivery.realtime import orders_changed
from delivery.signals import orders_left_routes_send
from delivery.validation import OrderInput
from notifications.events import order_events_record, orders_created_record
from tenants.actors import Actor
from tenants.errors import ApplicationError, status_word
from tenants.queueing import task_send_after_commit

EDITABLE_FIELDS = (
    *(f.name for f in fields(OrderInput) if f.name not in ("location", "pickup_location")),
    "pickup_lat",
    "pickup_lng",
)
EDITABLE_STATUSES = frozenset({OrderStatus.UNASSIGNED, OrderStatus.ASSIGNED, OrderStatus.FAILED})


def order_event(
    *,
    order: Order,
    kind: str,
    actor: Actor,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    note: str = "",
    location: tuple[float, float] | None = None,
) -> OrderEvent:
    return OrderEvent(
        order=order,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        note=note,
        actor_kind=actor.kind,
        actor_user=actor.user,
        actor_api_key=actor.api_key,
        actor_label=actor.label[:254],
        lat=location[0] if location else None,
        lng=location[1] if location else None,
        occurred_at=timezone.now(),
    )


def _location_fields(data: OrderInput) -> dict:
    if data.location is not None:
        return {
            "lat": data.location[0],
            "lng": data.location[1],
            "location_status": LocationStatus.PROVIDED,
            "location_note": "",
        }
    if geocoding.geocoder_configured():
        return {
            "lat": None,
            "lng": None,
            "location_status": LocationStatus.PENDING,
            "location_note": "",
        }
    return {
        "lat": None,
        "lng": None,
        "location_status": LocationStatus.NEEDS_LOCATION,
        "location_note": "No coordinates given and no geocoder configured.",
    }


def _order_from_input(data: OrderInput, *, source: str) -> Order:
    return Order(
        external_id=data.external_id,
        recipient_name=data.recipient_name,
        recipient_phone=data.recipient_phone,
        recipient_email=data.recipient_email,
        recipient_language=data.recipient_language,
        address=data.address,
        delivery_date=data.delivery_date,
        time_windows=data.time_windows,
        service_seconds=data.service_seconds,
        weight_kg=data.weight_kg,
        volume_l=data.volume_l,
        items=data.items,
        skills=data.skills,
        priority=data.priority,
        notes=data.notes,
        pickup_address=data.pickup_address,
        pickup_lat=data.pickup_location[0] if data.pickup_location else None,
        pickup_lng=data.pickup_location[1] if data.pickup_location else None,
        pickup_time_windows=data.pickup_time_windows,
        pickup_service_seconds=data.pickup_service_seconds,
        source=source,
        **_location_fields(data),
    )


def _duplicate_external_id(external_id: str) -> ApplicationError:
    message = _("An order with external_id %(external_id)s already exists.") % {
        "external_id": repr(external_id)
    }
    return ApplicationError("validation_error", message, fields={"external_id": [message]})


def _geocode_after_commit(orders: Iterable[Order]) -> None:
    pending = [str(order.pk) for order in orders if order.location_status == LocationStatus.PENDING]
    if pending:
        from delivery.tasks import orders_geocode

        # A broker outage leaves them pending; the order itself is saved.
        task_send_after_commit(orders_geocode, args=[pending])


def order_create(
    *, data: OrderInput, actor: Actor, source: str = "api", links: dict | None = None
) -> Order:
    """`links`: the customer and place the order is for ({"customer_id", "customer_place_id"})."""
    order = _order_from_input(data, source=source)
    for name, value in (links or {}).items():
        setattr(order, name, value)
    try:
        with transaction.atomic():
            order.save()
            order_event(
                order=order, kind=OrderEvent.Kind.CREATED, actor=actor, to_status=order.status
            ).save()
            orders_created_record(snapshots=orders_data([order]))
    except IntegrityError:
        raise _duplicate_external_id(data.external_id) from None
    _geocode_after_commit([order])
    return order


def orders_existing_external_ids(external_ids: Iterable[str]) -> set[str]:
    wanted = {external_id for external_id in external_ids if external_id}
    if not wanted:
        return set()
    return set(Order.objects.filter(external_id__in=wanted).values_list("external_id", flat=True))


def orders_create_many(
    *,
    inputs: list[OrderInput],
    actor: Actor,
    source: str,
    links: list[dict] | None = None,
) -> list[Order]:
    """Create many orders and their "created" events in one transaction (callers check
    duplicates first, per row). `links`, one per input: the customer and place of each order.

    Built for imports of 10,000+ rows: the orders go in with one COPY and the events with one
    INSERT … SELECT. `bulk_create` spends most of its time composing a statement with one
    parameter per value (27 per order), not in the database. The values are still prepared by
    each model field (`pre_save`, `get_db_prep_save`), exactly as `bulk_create` prepares them.
    """
    orders = [_order_from_input(data, source=source) for data in inputs]
    for order, values in zip(orders, links or (), strict=False):
        for name, value in values.items():
            setattr(order, name, value)
    if not orders:
        return orders
    quote = connection.ops.quote_name
    fields = Order._meta.concrete_fields
    copy_orders = (
        f"COPY {quote(Order._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        "FROM STDIN"
    )
    event_columns = {
        "order": "created.id",
        "kind": "%s",
        "from_status": "%s",
        "to_status": "%s",
        "reason": "%s",
        "note": "%s",
        "actor_kind": "%s",
        "actor_user": "%s",
        "actor_api_key": "%s",
        "actor_label": "%s",
        "occurred_at": "%s",
    }
    event_fields = [OrderEvent._meta.get_field(name) for name in event_columns]
    event_table = quote(OrderEvent._meta.db_table)
    event_names = ", ".join(quote(f.column) for f in event_fields)
    # Typed casts where NULL would be ambiguous; text stays uncast: an explicit cast to
    # varchar(n) would silently cut a value that is too long instead of refusing it.
    event_selected = ", ".join(
        f"CAST({value} AS {field.db_type(connection)})"
        if value != "created.id" and field.get_internal_type() not in ("CharField", "TextField")
        else value
        for value, field in zip(event_columns.values(), event_fields, strict=True)
    )
    # Names come from the models; every value is a parameter.
    order_ids = f"%s::{Order._meta.pk.db_type(connection)}[]"
    insert_events = (
        f"INSERT INTO {event_table} ({event_names}) SELECT {event_selected} "  # noqa: S608
        f"FROM unnest({order_ids}) WITH ORDINALITY AS created(id, position) "
        "ORDER BY created.position"
    )
    event_values = [
        OrderEvent.Kind.CREATED,
        "",
        OrderStatus.UNASSIGNED,
        "",
        "",
        actor.kind,
        actor.user.pk if actor.user else None,
        actor.api_key.pk if actor.api_key else None,
        actor.label[:254],
        timezone.now(),
    ]
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            with connection.wrap_database_errors, cursor.cursor.copy(copy_orders) as copy:
                for order in orders:
                    copy.write_row(
                        [
                            field.get_db_prep_save(field.pre_save(order, True), connection)
                            for field in fields
                        ]
                    )
            cursor.execute(insert_events, [*event_values, [order.pk for order in orders]])
            orders_created_record(snapshots=orders_data(orders))
    except IntegrityError:
        # Another request created one of these external ids since the caller checked.
        raise ApplicationError(
            "conflict",
            _("Some external_id was created meanwhile by another request; retry."),
        ) from None
    for order in orders:
        order._state.adding = False
        order._state.db = connection.alias
    _geocode_after_commit(orders)
    return orders


def order_rescheduled_record(
    *, order: Order, actor: Actor, from_status: str, note: str = ""
) -> None:
    """An order moved to another day left its status (and route) behind: the status change in
    its audit trail, and in the outbox as `rescheduled`."""
    order_event(
        order=order,
        kind=OrderEvent.Kind.STATUS_CHANGED,
        actor=actor,
        from_status=from_status,
        to_status=order.status,
        reason="rescheduled",
        note=note,
    ).save()
    order_events_record(snapshots=orders_data([order], reason="rescheduled"))


def order_route_leave(order: Order) -> list[str]:
    """Take an order off its driver and route (not saved): it is unassigned again. Returns the
    fields changed. The caller sends `delivery.signals.orders_left_routes` so that its stops go."""
    order.driver, order.route_id, order.sequence, order.eta = None, None, None, None
    order.status = OrderStatus.UNASSIGNED
    return ["driver", "route_id", "sequence", "eta", "status"]


def order_update(*, order_id, data: OrderInput, actor: Actor) -> Order:
    """Replace an order's details (not its status) while it is not on its way or done."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status not in EDITABLE_STATUSES:
            raise ApplicationError(
                "order_locked",
                _("An order that is %(status)s cannot be edited.")
                % {"status": status_word(OrderStatus, order.status).replace("_", " ")},
            )
        replacement = _order_from_input(data, source=order.source)
        changed = []
        for name in EDITABLE_FIELDS:
            if name == "recipient_language" and not data.recipient_language:
                continue  # a form that does not ask keeps what the customer record gave
            if getattr(order, name) != getattr(replacement, name):
                setattr(order, name, getattr(replacement, name))
                changed.append(name)
        location_changed = data.location is not None and (order.lat, order.lng) != data.location
        address_changed = "address" in changed and data.location is None
        if location_changed or address_changed:
            for name, value in _location_fields(data).items():
                setattr(order, name, value)
            changed += ["lat", "lng", "location_status", "location_note"]
        if not changed:
            return order
        from_status = order.status
        # Another day is another route: off the driver and the route, to be planned again.
        left_route = "delivery_date" in changed and from_status != OrderStatus.UNASSIGNED
        note = "Changed: " + ", ".join(sorted(set(changed)))
        if left_route:
            changed += order_route_leave(order)
        try:
            with transaction.atomic():
                order.save(update_fields=[*changed, "updated_at"])
        except IntegrityError:
            raise _duplicate_external_id(data.external_id) from None
        order_event(order=order, kind=OrderEvent.Kind.UPDATED, actor=actor, note=note).save()
        if left_route:
            order_rescheduled_record(order=order, actor=actor, from_status=from_status)
            orders_left_routes_send(order_ids=[order.pk], actor=actor)
        orders_changed(order_ids=[order.pk])
    _geocode_after_commit([order])
    return order


def order_location_set(
    *, order_id, location: tuple[float, float] | None, note: str, geocoded: bool
) -> None:
    """Record a geocoding result (or its failure) on an order still waiting for one."""
    with transaction.atomic():
        order = (
            Order.objects.select_for_update()
            .filter(pk=order_id, location_status=LocationStatus.PENDING)
            .first()
        )
        if order is None:
            return
        if location is None:
            order.location_status = LocationStatus.NEEDS_LOCATION
        else:
            order.lat, order.lng = location
            order.location_status = LocationStatus.GEOCODED if geocoded else LocationStatus.PROVIDED
        order.location_note = note[:300]
        order.save(update_fields=["lat", "lng", "location_status", "location_note", "updated_at"])
        OrderEvent(
            order=order,
            kind=OrderEvent.Kind.LOCATED,
            actor_kind="system",
            actor_label="geocoder",
            note=note[:2000],
            lat=order.lat,
            lng=order.lng,
            occurred_at=timezone.now(),
        ).save()


def orders_locate_again(*, order_ids: Iterable, actor: Actor) -> int:
    """Look the addresses of these orders up again, in the background: those without a location
    that may still be edited go back to `pending` and the geocoding task is sent after commit.
    Returns how many were sent; the others (located, under way, done) are left as they are."""
    if not geocoding.geocoder_configured():
        raise ApplicationError("geocoder_off", _(geocoding.DISABLED_MESSAGE))
    with transaction.atomic():
        orders = list(
            Order.objects.select_for_update()
            .filter(
                pk__in=list(order_ids),
                lat__isnull=True,
                status__in=EDITABLE_STATUSES,
            )
            .exclude(location_status=LocationStatus.PENDING)
            .order_by("created_at", "id")
        )
        now = timezone.now()
        for order in orders:
            order.location_status = LocationStatus.PENDING
            order.location_note = ""
            order.updated_at = now
        Order.objects.bulk_update(orders, ["location_status", "location_note", "updated_at"])
        OrderEvent.objects.bulk_create(
            [
                order_event(
                    order=order,
                    kind=OrderEvent.Kind.UPDATED,
                    actor=actor,
                    note="Looking the address up again.",
                )
                for order in orders
            ]
        )
        if orders:
            orders_changed(order_ids=[order.pk for order in orders])
    _geocode_after_commit(orders)
    return len(orders)
