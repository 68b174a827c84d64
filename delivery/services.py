"""Every write to depots, vehicles, drivers and orders, including the order lifecycle."""

from collections.abc import Iterable
from dataclasses import fields
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from delivery import geocoding
from delivery.models import (
    DeliveryAttempt,
    Depot,
    Driver,
    FailureReason,
    LocationStatus,
    Order,
    OrderEvent,
    OrderStatus,
    ProofFile,
    Vehicle,
)
from delivery.payloads import orders_data
from delivery.realtime import orders_changed
from delivery.validation import OrderInput
from notifications.events import order_events_record, orders_created_record
from tenants.accounts.models import Role, User
from tenants.actors import Actor
from tenants.errors import ApplicationError
from tenants.selectors import tenant_time_zone

# The order lifecycle of SPEC.md; anything else is a 409 invalid_transition.
TRANSITIONS: dict[str, frozenset[str]] = {
    OrderStatus.UNASSIGNED: frozenset({OrderStatus.ASSIGNED, OrderStatus.CANCELLED}),
    OrderStatus.ASSIGNED: frozenset({OrderStatus.OUT_FOR_DELIVERY, OrderStatus.CANCELLED}),
    OrderStatus.OUT_FOR_DELIVERY: frozenset({OrderStatus.DELIVERED, OrderStatus.FAILED}),
    OrderStatus.FAILED: frozenset({OrderStatus.UNASSIGNED}),
    OrderStatus.DELIVERED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}
# What a driver may do, and only to orders assigned to them.
DRIVER_TRANSITIONS = frozenset(
    {OrderStatus.OUT_FOR_DELIVERY, OrderStatus.DELIVERED, OrderStatus.FAILED}
)
# What an edit may change: every field of OrderInput but the location, which is handled apart.
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
    message = f"An order with external_id {external_id!r} already exists."
    return ApplicationError("validation_error", message, fields={"external_id": [message]})


def _geocode_after_commit(orders: Iterable[Order]) -> None:
    pending = [str(order.pk) for order in orders if order.location_status == LocationStatus.PENDING]
    if pending:
        from delivery.tasks import orders_geocode

        orders_geocode.delay_on_commit(pending)


def order_create(*, data: OrderInput, actor: Actor, source: str = "api") -> Order:
    order = _order_from_input(data, source=source)
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


def orders_create_many(*, inputs: list[OrderInput], actor: Actor, source: str) -> list[Order]:
    """Create many orders and their "created" events in one transaction (callers check
    duplicates first, per row).

    Built for imports of 10,000+ rows: the orders go in with one COPY and the events with one
    INSERT … SELECT. `bulk_create` spends most of its time composing a statement with one
    parameter per value (27 per order), not in the database. The values are still prepared by
    each model field (`pre_save`, `get_db_prep_save`), exactly as `bulk_create` prepares them.
    """
    orders = [_order_from_input(data, source=source) for data in inputs]
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
            "Some external_id was created meanwhile by another request; retry.",
        ) from None
    for order in orders:
        order._state.adding = False
        order._state.db = connection.alias
    _geocode_after_commit(orders)
    return orders


def order_update(*, order_id, data: OrderInput, actor: Actor) -> Order:
    """Replace an order's details (not its status) while it is not on its way or done."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status not in EDITABLE_STATUSES:
            raise ApplicationError(
                "order_locked",
                f"An order that is {order.get_status_display().lower()} cannot be edited.",
            )
        replacement = _order_from_input(data, source=order.source)
        changed = []
        for name in EDITABLE_FIELDS:
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
        try:
            with transaction.atomic():
                order.save(update_fields=[*changed, "updated_at"])
        except IntegrityError:
            raise _duplicate_external_id(data.external_id) from None
        order_event(
            order=order,
            kind=OrderEvent.Kind.UPDATED,
            actor=actor,
            note="Changed: " + ", ".join(sorted(set(changed))),
        ).save()
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


def _driver_of(actor: Actor) -> Driver | None:
    if actor.user is None or actor.user.role != Role.DRIVER:
        return None
    return Driver.objects.filter(user=actor.user).first()


def order_transition(
    *,
    order_id,
    to: str,
    actor: Actor,
    reason: str = "",
    note: str = "",
    location: tuple[float, float] | None = None,
    driver: Driver | None = None,
    recipient_name: str = "",
    delivery_date: date | None = None,
) -> Order:
    """Move an order along its lifecycle. The row lock makes concurrent actors (a driver
    completing, a dispatcher cancelling) serialise: the second sees the first's result."""
    if to not in TRANSITIONS:
        raise ApplicationError(
            "validation_error",
            f"Unknown status {to!r}.",
            fields={"to": [f"Must be one of: {', '.join(TRANSITIONS)}."]},
        )
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        acting_driver = None
        if actor.role == Role.DRIVER:
            acting_driver = _driver_of(actor)
            if acting_driver is None or order.driver_id != acting_driver.pk:
                # Drivers see only their own orders: someone else's is simply not there.
                raise Order.DoesNotExist
            if to not in DRIVER_TRANSITIONS:
                raise ApplicationError(
                    "permission_denied",
                    "Drivers may only start, deliver or fail a delivery.",
                )
        if to not in TRANSITIONS[order.status]:
            raise ApplicationError(
                "invalid_transition",
                f"An order that is {order.status} cannot become {to}.",
            )
        from_status = order.status
        update = ["status", "updated_at"]
        if to == OrderStatus.ASSIGNED:
            if driver is None:
                raise ApplicationError(
                    "validation_error",
                    "Say which driver gets the order.",
                    fields={"driver": ["This field is required."]},
                )
            if not driver.is_active:
                raise ApplicationError(
                    "validation_error",
                    "This driver is not active.",
                    fields={"driver": ["This driver is not active."]},
                )
            order.driver = driver
            update.append("driver")
        if to == OrderStatus.FAILED and reason not in FailureReason.values:
            raise ApplicationError(
                "validation_error",
                "Say why the delivery failed.",
                fields={"reason": [f"Must be one of: {', '.join(FailureReason.values)}."]},
            )
        if to == OrderStatus.UNASSIGNED:
            # Rescheduling: off the route and the driver, possibly onto another day.
            order.driver, order.route_id, order.sequence, order.eta = None, None, None, None
            update += ["driver", "route_id", "sequence", "eta"]
            if delivery_date is not None:
                update += _day_move(order, delivery_date)
        if to == OrderStatus.CANCELLED:
            order.route_id, order.sequence, order.eta = None, None, None
            update += ["route_id", "sequence", "eta"]
        order.status = to
        order.save(update_fields=update)
        order_event(
            order=order,
            kind=OrderEvent.Kind.STATUS_CHANGED,
            actor=actor,
            from_status=from_status,
            to_status=to,
            reason=reason,
            note=note,
            location=location,
        ).save()
        if to in (OrderStatus.DELIVERED, OrderStatus.FAILED):
            attempt = DeliveryAttempt.objects.create(
                order=order,
                driver=acting_driver or order.driver,
                outcome=to,
                failure_reason=reason if to == OrderStatus.FAILED else "",
                recipient_name=recipient_name,
                note=note,
                lat=location[0] if location else None,
                lng=location[1] if location else None,
                attempted_at=timezone.now(),
            )
            ProofFile.objects.filter(order=order, attempt__isnull=True).update(attempt=attempt)
        order_events_record(snapshots=orders_data([order], reason=reason, note=note))
        orders_changed(order_ids=[order.pk])
    return order


def orders_plan_apply(*, assignments: list[tuple], unassigned: Iterable, actor: Actor) -> None:
    """The planner's result for orders: `assignments` are (order id, driver id, route id,
    sequence, planned arrival); `unassigned` orders lose their route. Status follows: an order
    on a route is assigned, an order taken off one is unassigned again (event reason
    "replanned"). An order on its way keeps its status and only follows its new place in the
    route (mid-day re-planning); a done order is never touched."""
    by_id = {entry[0]: entry for entry in assignments}
    movable = (OrderStatus.UNASSIGNED, OrderStatus.ASSIGNED, OrderStatus.OUT_FOR_DELIVERY)
    orders = Order.objects.select_for_update().filter(
        pk__in=[*by_id, *unassigned], status__in=movable
    )
    changed, events = [], []
    for order in orders:
        before = order.status
        if before == OrderStatus.OUT_FOR_DELIVERY:
            if order.pk in by_id:
                _, order.driver_id, order.route_id, order.sequence, order.eta = by_id[order.pk]
                order.updated_at = timezone.now()
                changed.append(order)
            continue
        if order.pk in by_id:
            _, driver_id, route_id, sequence, eta = by_id[order.pk]
            order.driver_id, order.route_id, order.sequence, order.eta = (
                driver_id,
                route_id,
                sequence,
                eta,
            )
            order.status = OrderStatus.ASSIGNED
        else:
            order.driver_id, order.route_id, order.sequence, order.eta = None, None, None, None
            order.status = OrderStatus.UNASSIGNED
        order.updated_at = timezone.now()
        changed.append(order)
        if before != order.status:
            events.append(
                order_event(
                    order=order,
                    kind=OrderEvent.Kind.STATUS_CHANGED,
                    actor=actor,
                    from_status=before,
                    to_status=order.status,
                    reason="planned" if order.pk in by_id else "replanned",
                )
            )
    Order.objects.bulk_update(
        changed,
        ["driver", "route_id", "sequence", "eta", "status", "updated_at"],
        batch_size=1000,
    )
    OrderEvent.objects.bulk_create(events, batch_size=1000)
    order_events_record(snapshots=orders_data([event.order for event in events]))
    orders_changed(order_ids=[order.pk for order in changed])


def orders_out_for_delivery(*, order_ids: Iterable, actor: Actor) -> int:
    """A driver starts their route: its assigned orders are on their way (one event each)."""
    orders = list(
        Order.objects.select_for_update().filter(
            pk__in=list(order_ids), status=OrderStatus.ASSIGNED
        )
    )
    for order in orders:
        order.status = OrderStatus.OUT_FOR_DELIVERY
        order.updated_at = timezone.now()
    Order.objects.bulk_update(orders, ["status", "updated_at"])
    OrderEvent.objects.bulk_create(
        [
            order_event(
                order=order,
                kind=OrderEvent.Kind.STATUS_CHANGED,
                actor=actor,
                from_status=OrderStatus.ASSIGNED,
                to_status=OrderStatus.OUT_FOR_DELIVERY,
                reason="route_started",
            )
            for order in orders
        ]
    )
    order_events_record(snapshots=orders_data(orders))
    orders_changed(order_ids=[order.pk for order in orders])
    return len(orders)


def _day_move(order: Order, delivery_date: date) -> list[str]:
    """The one rule for moving an order to another day: its delivery and its pickup windows
    keep their clock times on the new day. Returns the fields changed."""
    tz = tenant_time_zone()
    order.delivery_date = delivery_date
    order.time_windows = windows_moved(order.time_windows, delivery_date, tz)
    order.pickup_time_windows = windows_moved(order.pickup_time_windows, delivery_date, tz)
    return ["delivery_date", "time_windows", "pickup_time_windows"]


def order_reschedule(*, order_id, delivery_date: date, actor: Actor) -> Order:
    """Move an order that is not on its way or done to another day (windows keep their clock
    times, pickup windows too). Used by the API's PATCH of `delivery_date`, the orders page and,
    through `_day_move`, the lifecycle's reschedule of a failed order."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status not in EDITABLE_STATUSES:
            raise ApplicationError(
                "order_locked",
                f"An order that is {order.get_status_display().lower()} cannot be edited.",
            )
        if order.delivery_date == delivery_date:
            return order
        before = order.delivery_date
        changed = _day_move(order, delivery_date)
        order.save(update_fields=[*changed, "updated_at"])
        order_event(
            order=order,
            kind=OrderEvent.Kind.UPDATED,
            actor=actor,
            note=f"Moved from {before.isoformat()} to {delivery_date.isoformat()}",
        ).save()
        orders_changed(order_ids=[order.pk])
    return order


def windows_moved(windows: list[dict], new_date: date, tz: ZoneInfo) -> list[dict]:
    """The same clock times on another day (a rescheduled order keeps its preferred hours),
    in the business's zone: 09:00 stays 09:00 when summer time starts or ends in between."""
    moved = []
    for window in windows:
        start, end = (
            datetime.fromisoformat(window[key]).astimezone(tz) for key in ("start", "end")
        )
        shift = new_date - start.date()
        moved.append(
            {
                key: datetime.combine(moment.date() + shift, moment.time(), tzinfo=tz).isoformat()
                for key, moment in (("start", start), ("end", end))
            }
        )
    return moved


# --- fleet ------------------------------------------------------------------------------------


def depot_save(*, depot: Depot | None, fields: dict) -> Depot:
    depot = depot or Depot()
    for name, value in fields.items():
        setattr(depot, name, value)
    depot.save()
    return depot


def vehicle_save(*, vehicle: Vehicle | None, fields: dict) -> Vehicle:
    vehicle = vehicle or Vehicle()
    for name, value in fields.items():
        setattr(vehicle, name, value)
    vehicle.save()
    return vehicle


def driver_save(*, driver: Driver | None, fields: dict, user: User | None = None) -> Driver:
    """Create or change a driver; a new driver needs a user whose role is driver."""
    if driver is None:
        if user is None:
            raise ApplicationError(
                "validation_error",
                "A driver needs a user account.",
                fields={"user": ["This field is required."]},
            )
        if user.role != Role.DRIVER:
            raise ApplicationError(
                "validation_error",
                "That user's role is not driver.",
                fields={"user": [f"{user.email} is {user.role}, not driver."]},
            )
        if Driver.objects.filter(user=user).exists():
            raise ApplicationError(
                "validation_error",
                "That user is already a driver.",
                fields={"user": [f"{user.email} already has a driver profile."]},
            )
        driver = Driver(user=user)
    for name, value in fields.items():
        setattr(driver, name, value)
    _driver_check(driver)
    driver.save()
    return driver


def _driver_check(driver: Driver) -> None:
    """The rules a driver's settings obey together, whoever saves them (API, page, import)."""
    if driver.open_route and driver.end_lat is not None:
        message = "An open route ends at its last stop: leave end empty, or open_route false."
        raise ApplicationError("validation_error", f"end: {message}", fields={"end": [message]})
    if (driver.end_lat is None) != (driver.end_lng is None) or (driver.start_lat is None) != (
        driver.start_lng is None
    ):
        message = "A place needs both its latitude and its longitude."
        field = "end" if (driver.end_lat is None) != (driver.end_lng is None) else "start"
        raise ApplicationError(
            "validation_error", f"{field}: {message}", fields={field: [message]}
        )
