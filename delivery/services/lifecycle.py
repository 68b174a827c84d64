"""The order lifecycle of SPEC.md (unassigned → assigned → out for delivery → delivered |
failed; cancel; reschedule), the planner's result applied to orders, and moving an order to
another day (delivery and pickup windows together)."""

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from delivery.models import (
    DeliveryAttempt,
    Driver,
    FailureReason,
    Order,
    OrderEvent,
    OrderStatus,
    ProofFile,
)
from delivery.payloads import orders_data
from delivery.realtime import orders_changed
from delivery.selectors import driver_for_user
from delivery.services.orders import (
    EDITABLE_STATUSES,
    order_event,
    order_rescheduled_record,
    order_route_leave,
)
from delivery.shopify_sync import shopify_write_back_request
from delivery.signals import orders_left_routes_send
from notifications.events import order_events_record
from tenants.accounts.models import Role
from tenants.actors import Actor
from tenants.errors import ApplicationError, status_word
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
            _("Unknown status %(status)s.") % {"status": repr(to)},
            fields={
                "to": [_("Must be one of: %(choices)s.") % {"choices": ", ".join(TRANSITIONS)}]
            },
        )
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        acting_driver = None
        if actor.role == Role.DRIVER:
            acting_driver = driver_for_user(user=actor.user)
            if acting_driver is None or order.driver_id != acting_driver.pk:
                # Drivers see only their own orders: someone else's is simply not there.
                raise Order.DoesNotExist
            if to not in DRIVER_TRANSITIONS:
                raise ApplicationError(
                    "permission_denied",
                    _("Drivers may only start, deliver or fail a delivery."),
                )
        if to not in TRANSITIONS[order.status]:
            raise ApplicationError(
                "invalid_transition",
                _("An order that is %(status)s cannot become %(to)s.")
                % {
                    "status": status_word(OrderStatus, order.status),
                    "to": status_word(OrderStatus, to),
                },
            )
        from_status = order.status
        update = ["status", "updated_at"]
        if to == OrderStatus.ASSIGNED:
            if driver is None:
                raise ApplicationError(
                    "validation_error",
                    _("Say which driver gets the order."),
                    fields={"driver": [_("This field is required.")]},
                )
            if not driver.is_active:
                raise ApplicationError(
                    "validation_error",
                    _("This driver is not active."),
                    fields={"driver": [_("This driver is not active.")]},
                )
            order.driver = driver
            update.append("driver")
        if to == OrderStatus.FAILED and reason not in FailureReason.values:
            raise ApplicationError(
                "validation_error",
                _("Say why the delivery failed."),
                fields={
                    "reason": [
                        _("Must be one of: %(choices)s.")
                        % {"choices": ", ".join(FailureReason.values)}
                    ]
                },
            )
        if to == OrderStatus.UNASSIGNED:
            # Rescheduling: off the route and the driver, possibly onto another day.
            update += order_route_leave(order)
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
            # An order from Shopify: its shop hears of it (fulfillment, delivered / attempted).
            shopify_write_back_request(
                order=order, outcome_status=to, happened_at=attempt.attempted_at
            )
        if to in (OrderStatus.UNASSIGNED, OrderStatus.CANCELLED):
            # Its stops leave the route too (routing listens), in this transaction.
            orders_left_routes_send(order_ids=[order.pk], actor=actor)
        order_events_record(snapshots=orders_data([order], reason=reason, note=note))
        orders_changed(order_ids=[order.pk])
    return order


def orders_plan_apply(
    *,
    assignments: list[tuple],
    unassigned: Iterable,
    actor: Actor,
    reason: str = "planned",
    note: str = "",
) -> None:
    """The planner's result for orders: `assignments` are (order id, driver id, route id,
    sequence, planned arrival); `unassigned` orders lose their route. Status follows: an order
    on a route is assigned (event reason `reason`), an order taken off one is unassigned again
    (event reason "replanned"). An order on its way keeps its status and only follows its new
    place in the route (mid-day re-planning); a done order only follows its stop's new number
    (`orders_sequences_follow`), nothing else."""
    by_id = {entry[0]: entry for entry in assignments}
    movable = (OrderStatus.UNASSIGNED, OrderStatus.ASSIGNED, OrderStatus.OUT_FOR_DELIVERY)
    orders = Order.objects.select_for_update().filter(pk__in=[*by_id, *unassigned])
    changed, events, done = [], [], []
    for order in orders:
        before = order.status
        if before not in movable:  # done: only its number follows its stop's on the route
            if order.pk in by_id:
                done.append(by_id[order.pk])
            continue
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
                    reason=reason if order.pk in by_id else "replanned",
                    note=note if order.pk in by_id else "",
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
    if done:
        orders_sequences_follow(assignments=done)


def orders_sequences_follow(*, assignments: Iterable) -> None:
    """Orders whose stop was only re-numbered on its route (a visit made, or the one the van is
    at, when its route is re-planned or loses a stop): `sequence` follows the stop's, from the
    (order id, driver id, route id, sequence, planned arrival) of `assignments`; nothing else
    changes (no status, event or push: the route's own push carries the new numbers)."""
    by_id = {entry[0]: entry for entry in assignments}
    changed = []
    for order in Order.objects.select_for_update().filter(pk__in=list(by_id)):
        _, _, route_id, sequence, _ = by_id[order.pk]
        if order.route_id == route_id and order.sequence != sequence:
            order.sequence = sequence
            changed.append(order)
    Order.objects.bulk_update(changed, ["sequence"], batch_size=1000)


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
                _("An order that is %(status)s cannot be edited.")
                % {"status": status_word(OrderStatus, order.status).replace("_", " ")},
            )
        if order.delivery_date == delivery_date:
            return order
        before = order.delivery_date
        from_status = order.status
        # Another day is another route: an assigned (or failed) order leaves its driver and its
        # route and is planned again on its new day.
        changed = order_route_leave(order) if from_status != OrderStatus.UNASSIGNED else []
        changed += _day_move(order, delivery_date)
        order.save(update_fields=[*changed, "updated_at"])
        note = f"Moved from {before.isoformat()} to {delivery_date.isoformat()}"
        order_event(order=order, kind=OrderEvent.Kind.UPDATED, actor=actor, note=note).save()
        if from_status != order.status:
            order_rescheduled_record(order=order, actor=actor, from_status=from_status, note=note)
        orders_left_routes_send(order_ids=[order.pk], actor=actor)
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
