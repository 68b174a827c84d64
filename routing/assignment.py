"""Orders put on a route by hand and orders leaving their route: the two edits of the dispatcher
that are not a planning job. A manual assignment puts the order on its driver's route of its day
at the cheapest place (or makes that route); an order that leaves a route (cancelled,
rescheduled, moved to another day, unassigned) takes its stops along and the route is re-timed.
Both write the stops, the orders and the pushes in one transaction."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from delivery.models import Driver, Order, OrderStatus
from delivery.services import orders_plan_apply
from routing.edits import EDITABLE, route_schedule, stops_apply
from routing.locks import plan_date_lock
from routing.models import Route, Stop
from routing.realtime import routes_changed
from routing.schedule import Schedule, Violation
from routing.selectors import driver_to_plan, order_to_plan
from tenants.actors import Actor
from tenants.errors import ApplicationError, status_word
from tenants.selectors import tenant_time_zone

DONE_STATUSES = (OrderStatus.DELIVERED, OrderStatus.FAILED, OrderStatus.CANCELLED)


def _refuse(message: str, *, code: str = "validation_error", field: str = "driver"):
    fields = {field: [message]} if code == "validation_error" else None
    return ApplicationError(code, message, fields=fields)


def _route_for(*, driver: Driver, order: Order, now: datetime) -> Route:
    """The driver's route of the order's day, locked; a new planned one when there is none."""
    route = (
        Route.objects.select_for_update(of=("self",))
        .select_related("driver__user", "driver__depot", "driver__default_vehicle")
        .filter(delivery_date=order.delivery_date, driver=driver)
        .first()
    )
    if route is not None:
        if route.status not in EDITABLE:
            raise _refuse(
                _(
                    "%(driver)s's route of %(date)s is %(status)s: "
                    "orders join a route under way by re-planning the day."
                )
                % {
                    "driver": driver,
                    "date": order.delivery_date.isoformat(),
                    "status": status_word(Route.Status, route.status),
                },
                code="route_locked",
            )
        return route
    planned = driver_to_plan(driver, delivery_date=order.delivery_date, tz=tenant_time_zone())
    if planned is None:
        raise _refuse(
            _(
                "%(driver)s has no shift on %(date)s (or no place to start "
                "from): give them a shift that day, or choose another driver."
            )
            % {"driver": driver, "date": order.delivery_date.isoformat()}
        )
    # A day that has begun is not planned in the past.
    start = planned.shift_start
    if planned.shift_start <= now <= planned.shift_end:
        start = now.replace(microsecond=0)
    return Route.objects.create(
        delivery_date=order.delivery_date,
        driver=driver,
        vehicle_id=planned.vehicle.id if planned.vehicle else None,
        start_lat=planned.start[0],
        start_lng=planned.start[1],
        end_lat=planned.end[0] if planned.end else None,
        end_lng=planned.end[1] if planned.end else None,
        planned_start=start,
        planned_end=start,
    )


def _cost(schedule: Schedule) -> tuple:
    """Fewest broken constraints first, then the least driving, then the shortest route."""
    return (len(schedule.violations), schedule.travel_s, schedule.distance_m)


def _cheapest(route: Route, stops: list[Stop], new: list[Stop]) -> tuple[list[Stop], Schedule]:
    """The order's stops (its delivery, after its pickup when it has one) inserted where the
    route costs least. Visits already made stay first, as they are."""
    first = sum(1 for stop in stops if stop.locked)
    best: tuple[list[Stop], Schedule] | None = None
    for at in range(first, len(stops) + 1):
        if len(new) == 1:
            candidates = [[*stops[:at], new[0], *stops[at:]]]
        else:  # pickup at `at`, delivery anywhere after it
            pickup, delivery = new
            with_pickup = [*stops[:at], pickup, *stops[at:]]
            candidates = [
                [*with_pickup[:later], delivery, *with_pickup[later:]]
                for later in range(at + 1, len(with_pickup) + 1)
            ]
        for candidate in candidates:
            schedule = route_schedule(route, candidate)
            if best is None or _cost(schedule) < _cost(best[1]):
                best = (candidate, schedule)
    if best is None:  # cannot happen: there is always the end of the route
        raise ApplicationError("invalid_operation", _("No place on the route for this order."))
    return best


def order_assign(*, order_id, driver: Driver, actor: Actor, note: str = "") -> Order:
    """Assign an unassigned order to `driver` by hand: it joins the driver's route of its day
    (planned or dispatched) at the cheapest place, or a new planned route when the driver has
    none. Times are recomputed and the constraints the dispatcher's choice breaks are recorded
    on the route (`violations`) rather than refused. Refused with the reason when the order
    cannot be assigned, has no location yet, or the driver is inactive, off shift that day or
    already under way."""
    with transaction.atomic():
        day = Order.objects.values_list("delivery_date", flat=True).get(pk=order_id)
        plan_date_lock(delivery_date=day)
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status in (OrderStatus.ASSIGNED, OrderStatus.OUT_FOR_DELIVERY) and order.driver_id:
            # Two dispatchers placed it at once: say where it went, not the status machine.
            raise _refuse(
                _(
                    "%(order)s is on %(driver)s's route already (placed meanwhile): "
                    "move it from there."
                )
                % {"order": order, "driver": order.driver},
                code="invalid_transition",
            )
        if order.status != OrderStatus.UNASSIGNED:
            raise _refuse(
                _("An order that is %(status)s cannot become %(to)s.")
                % {
                    "status": status_word(OrderStatus, order.status),
                    "to": status_word(OrderStatus, OrderStatus.ASSIGNED),
                },
                code="invalid_transition",
            )
        if not driver.is_active:
            raise _refuse(_("This driver is not active."))
        if not order.has_location:
            raise _refuse(
                _("This order has no location yet: set its address or coordinates first."),
                field="location",
            )
        route = _route_for(driver=driver, order=order, now=timezone.now())
        stops = list(Stop.objects.select_related("order").filter(route=route).order_by("sequence"))
        new = [Stop(route=route, order=order, kind=Stop.Kind.DELIVERY)]
        if order.has_pickup:
            new.insert(0, Stop(route=route, order=order, kind=Stop.Kind.PICKUP))
        ordered, schedule = _cheapest(route, stops, new)
        missing = order_to_plan(order).skills - _route_skills(route)
        if missing:
            message = f"{order} needs {', '.join(sorted(missing))}, which {driver} lacks."
            schedule.violations.append(Violation(order.pk, "missing_skill", message))
        # New stops are written with a free sequence first; stops_apply numbers them all.
        top = max((stop.sequence for stop in stops), default=0)
        for offset, stop in enumerate(new, start=1):
            stop.sequence = top + offset
            stop.planned_arrival = stop.planned_departure = route.planned_start
        Stop.objects.bulk_create(new)
        assignments = stops_apply(route, ordered, schedule)
        # The status event names the dispatcher (its actor), with no planner's reason.
        orders_plan_apply(assignments=assignments, unassigned=[], actor=actor, reason="", note=note)
        routes_changed(route_ids=[route.pk])
    order.refresh_from_db()
    return order


def _route_skills(route: Route) -> frozenset[str]:
    driver = route.driver
    vehicle = driver.default_vehicle
    return frozenset(driver.skills) | frozenset(vehicle.skills if vehicle else ())


def route_orders_remove(*, order_ids, actor: Actor) -> list[Route]:
    """The stops of orders that left their route go; each route they were on keeps its other
    stops in order, re-numbered and re-timed (visits already made keep their times), with its
    distance and broken constraints recomputed; `route.updated` is pushed after commit. Called
    in the transaction that took the orders off (delivery's `orders_left_routes`)."""
    leaving = Stop.objects.filter(order_id__in=list(order_ids))
    route_ids = set(leaving.values_list("route_id", flat=True))
    if not route_ids:
        return []
    routes = list(
        Route.objects.select_for_update(of=("self",))
        .select_related("driver__user", "driver__depot", "driver__default_vehicle")
        .filter(pk__in=route_ids)
        .order_by("pk")
    )
    leaving.delete()
    assignments = []
    for route in routes:
        stops = list(Stop.objects.select_related("order").filter(route=route).order_by("sequence"))
        made = frozenset(
            stop.pk
            for stop in stops
            if stop.order.status in DONE_STATUSES or stop.picked_up_at is not None
        )
        assignments += stops_apply(route, stops, route_schedule(route, stops), keep_times=made)
    # The orders still on these routes follow their new place (no status changes).
    orders_plan_apply(assignments=assignments, unassigned=[], actor=actor)
    routes_changed(route_ids=[route.pk for route in routes])
    return routes


def on_orders_left_routes(sender, *, order_ids, actor: Actor, **kwargs) -> None:
    """Receiver of `delivery.signals.orders_left_routes` (connected in RoutingConfig.ready)."""
    route_orders_remove(order_ids=order_ids, actor=actor)
