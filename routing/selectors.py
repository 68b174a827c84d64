"""Reads of the routing app: a day to plan from the database, routes and jobs to show."""

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from delivery.models import Driver, LocationStatus, Order, OrderStatus
from delivery.selectors import delivered_at_subquery
from routing.models import OptimizationJob, Route, Stop
from routing.planning import (
    BreakToPlan,
    Day,
    DriverToPlan,
    OrderToPlan,
    PickupToPlan,
    Point,
    Underway,
    VehicleToPlan,
)
from tenants.locale import business_locale

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Routes in these states belong to their drivers: planning never touches them.
BUSY_ROUTE_STATUSES = (Route.Status.DISPATCHED, Route.Status.STARTED, Route.Status.COMPLETED)


def _moment(day: date, clock: str, tz: ZoneInfo) -> datetime:
    hours, minutes = (int(part) for part in clock.split(":")[:2])
    return datetime.combine(day, time(hours, minutes), tzinfo=tz)


def _windows(windows: list[dict]) -> tuple[tuple[datetime, datetime], ...]:
    return tuple(
        (datetime.fromisoformat(w["start"]), datetime.fromisoformat(w["end"])) for w in windows
    )


def order_to_plan(order: Order) -> OrderToPlan:
    return OrderToPlan(
        id=order.id,
        label=order.external_id or str(order.id)[:8],
        location=(order.lat, order.lng) if order.has_location else None,
        service_s=order.service_seconds,
        time_windows=_windows(order.time_windows),
        weight_kg=Decimal(order.weight_kg),
        volume_l=Decimal(order.volume_l),
        items=order.items,
        skills=frozenset(order.skills),
        priority=order.priority,
        pickup=PickupToPlan(
            location=(order.pickup_lat, order.pickup_lng),
            service_s=order.pickup_service_seconds,
            time_windows=_windows(order.pickup_time_windows),
        )
        if order.has_pickup
        else None,
    )


def driver_to_plan(driver: Driver, *, delivery_date: date, tz: ZoneInfo) -> DriverToPlan | None:
    """The driver as the planner sees them that day; None when off shift or with nowhere to
    start from (no start place and no depot)."""
    shift = driver.shifts.get(WEEKDAYS[delivery_date.weekday()])
    if not shift:
        return None
    depot = driver.depot or (driver.default_vehicle.depot if driver.default_vehicle else None)
    if driver.start_lat is not None:
        start = (driver.start_lat, driver.start_lng)
    elif depot is not None:
        start = (depot.lat, depot.lng)
    else:
        return None
    if driver.open_route:
        end = None  # the route ends at its last stop
    elif driver.end_lat is not None:
        end = (driver.end_lat, driver.end_lng)
    else:
        end = (depot.lat, depot.lng) if depot is not None else start
    vehicle = driver.default_vehicle
    breaks = tuple(
        BreakToPlan(
            earliest=_moment(delivery_date, item["start"], tz),
            latest=_moment(delivery_date, item["end"], tz),
            duration_s=item["minutes"] * 60,
        )
        for item in driver.breaks
    )
    return DriverToPlan(
        id=driver.id,
        name=str(driver),
        shift_start=_moment(delivery_date, shift["start"], tz),
        shift_end=_moment(delivery_date, shift["end"], tz),
        start=start,
        end=end,
        skills=frozenset(driver.skills),
        breaks=breaks,
        max_stops=driver.max_stops,
        max_travel_s=driver.max_drive_minutes * 60 if driver.max_drive_minutes else None,
        vehicle=VehicleToPlan(
            id=vehicle.id,
            name=vehicle.name,
            profile=vehicle.profile,
            weight_kg=vehicle.capacity_weight_kg,
            volume_l=vehicle.capacity_volume_l,
            items=vehicle.capacity_items,
            skills=frozenset(vehicle.skills),
        )
        if vehicle
        else None,
    )


DONE_STATUSES = (OrderStatus.DELIVERED, OrderStatus.FAILED, OrderStatus.CANCELLED)


def _stop_done(stop: Stop) -> bool:
    if stop.order.status in DONE_STATUSES:
        return True
    return stop.kind == Stop.Kind.PICKUP and stop.picked_up_at is not None


def _stop_place(stop: Stop) -> Point | None:
    order = stop.order
    if stop.kind == Stop.Kind.PICKUP:
        return (order.pickup_lat, order.pickup_lng)
    return (order.lat, order.lng) if order.has_location else None


def _stop_service_s(stop: Stop) -> int:
    if stop.kind == Stop.Kind.PICKUP:
        return stop.order.pickup_service_seconds
    return stop.order.service_seconds


def _position_note(driver: Driver, tz: ZoneInfo) -> dict:
    at = driver.last_position_at
    return {
        "driver": str(driver.pk),
        "name": str(driver),
        "at": at.astimezone(tz).isoformat() if at else None,
    }


def _underway(*, delivery_date: date, tz: ZoneInfo, now: datetime, lead: timedelta):
    """Drivers and orders of routes under way, for mid-day re-planning: each van continues with
    the stops it still carries, which stay in that van. A started van goes on from now, from its
    driver's last known position (at most PLANNING_POSITION_MAX_AGE_SECONDS old) with the stop
    it is heading to locked first; without a recent position, from its current (or last) stop.
    A van dispatched but not started leaves from its start place once loaded (now + `lead`)."""
    drivers, orders, underway = [], [], {}
    from_positions, stale = [], []
    max_age = timedelta(seconds=settings.PLANNING_POSITION_MAX_AGE_SECONDS)
    routes = Route.objects.filter(
        delivery_date=delivery_date,
        status__in=(Route.Status.DISPATCHED, Route.Status.STARTED),
    ).select_related(
        "driver__user", "driver__depot", "driver__default_vehicle", "driver__default_vehicle__depot"
    )
    for route in routes:
        planned = driver_to_plan(route.driver, delivery_date=delivery_date, tz=tz)
        if planned is None:
            continue
        stops = list(route.stops.select_related("order").order_by("sequence"))
        done = [s for s in stops if _stop_done(s)]
        waiting = [s for s in stops if not _stop_done(s)]
        current = waiting[:1] if route.status == Route.Status.STARTED else []
        remaining = waiting[len(current) :]
        kept = [*done, *current]
        # A started van is loaded and on the road: it goes on from now. A dispatched one not
        # started yet still has to be loaded.
        ready = now if route.status == Route.Status.STARTED else now + lead
        start_at = max(ready, planned.shift_start)
        start, heading_to, heading_service_s = planned.start, None, 0
        last = _stop_place(kept[-1]) if kept else None
        position = (
            route.driver.last_position(now=now, max_age=max_age)
            if route.status == Route.Status.STARTED
            else None
        )
        if position is not None:
            start = position
            if current and last is not None:
                heading_to, heading_service_s = last, _stop_service_s(current[0])
            from_positions.append(_position_note(route.driver, tz))
        elif last is not None:
            if route.status == Route.Status.STARTED:
                stale.append(_position_note(route.driver, tz))
            start = last
            if current:
                start_at += timedelta(seconds=_stop_service_s(current[0]))
        elif route.status == Route.Status.STARTED:
            stale.append(_position_note(route.driver, tz))
        collected = {s.order_id for s in kept if s.kind == Stop.Kind.PICKUP}
        skill = f"route-{route.pk}"
        drivers.append(
            replace(
                planned,
                start=start,
                shift_start=start_at,
                skills=planned.skills | {skill},
                heading_to=heading_to,
                heading_service_s=heading_service_s,
            )
        )
        for stop in remaining:
            if stop.kind == Stop.Kind.PICKUP:
                continue  # planned with its delivery, as one pickup-and-delivery order
            order = order_to_plan(stop.order)
            if stop.order_id in collected:  # on board already: only the delivery is left
                order = replace(order, pickup=None)
            orders.append(replace(order, skills=order.skills | {skill}))
        underway[route.driver_id] = Underway(
            route_id=route.pk, kept_stop_ids=tuple(s.pk for s in kept), skill=skill
        )
    return drivers, orders, underway, from_positions, stale


def planning_starts_at(*, now: datetime, lead: timedelta, tz: ZoneInfo) -> datetime:
    """The earliest a route can leave when planned at `now`: now plus the loading lead time,
    up to the next whole minute, in the business's zone."""
    moment = (now + lead).astimezone(tz)
    if moment.second or moment.microsecond:
        moment = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return moment


def driver_from(driver: DriverToPlan, earliest: datetime | None) -> DriverToPlan | None:
    """The driver as planning a day that has begun sees them: leaving no earlier than
    `earliest` (now plus the loading lead time); None when their shift is over by then."""
    if earliest is None or earliest <= driver.shift_start:
        return driver
    if earliest >= driver.shift_end:
        return None
    breaks = tuple(
        replace(item, earliest=max(item.earliest, earliest))
        for item in driver.breaks
        if item.latest > earliest
    )
    return replace(driver, shift_start=earliest, breaks=breaks)


def day_to_plan(
    *,
    delivery_date: date,
    tz: ZoneInfo,
    order_ids=None,
    driver_ids=None,
    replan: bool = False,
    now: datetime | None = None,
    lead: timedelta = timedelta(0),
) -> Day:
    """The orders still to plan that day (unassigned, or on a route not yet dispatched) and the
    drivers on shift whose route that day is not dispatched yet; `order_ids` / `driver_ids`
    narrow both down.

    A day that has begun is planned from `now` + `lead` (the vans are loaded meanwhile): no
    route leaves earlier; re-planning (`replan`) continues a started route from now, from its
    driver's last known position (or, without a recent one, their current or last stop)."""
    now = now or timezone.now()
    day_start = datetime.combine(delivery_date, time(0), tzinfo=tz)
    earliest = planning_starts_at(now=now, lead=lead, tz=tz)
    earliest = earliest if earliest > day_start else None
    busy_drivers = Route.objects.filter(
        delivery_date=delivery_date, status__in=BUSY_ROUTE_STATUSES
    ).values_list("driver_id", flat=True)
    busy_orders = Stop.objects.filter(
        route__delivery_date=delivery_date, route__status__in=BUSY_ROUTE_STATUSES
    ).values_list("order_id", flat=True)
    orders = Order.objects.filter(
        delivery_date=delivery_date, status__in=(OrderStatus.UNASSIGNED, OrderStatus.ASSIGNED)
    ).exclude(pk__in=busy_orders)
    kept, _ = planned_routes_split(
        delivery_date=delivery_date, order_ids=order_ids, driver_ids=driver_ids
    )
    if order_ids:
        orders = orders.filter(pk__in=order_ids)
    # A planned route outside the plan's scope keeps its orders and its driver, as they are.
    orders = orders.exclude(
        pk__in=Stop.objects.filter(route_id__in=kept).values_list("order_id", flat=True)
    )
    drivers = (
        Driver.objects.filter(is_active=True, user__is_active=True)
        .exclude(pk__in=busy_drivers)
        .exclude(routes__pk__in=kept)
        .select_related("user", "depot", "default_vehicle", "default_vehicle__depot")
        .order_by("created_at")
    )
    if driver_ids:
        drivers = drivers.filter(pk__in=driver_ids)
    planned = [driver_to_plan(d, delivery_date=delivery_date, tz=tz) for d in drivers]
    planned = [driver_from(driver, earliest) for driver in planned if driver is not None]
    planned = [driver for driver in planned if driver is not None]  # shift over by `earliest`
    if replan:
        extra_drivers, extra_orders, underway, from_positions, stale = _underway(
            delivery_date=delivery_date, tz=tz, now=now, lead=lead
        )
        return Day(
            delivery_date=delivery_date,
            time_base=day_start,
            orders=[order_to_plan(o) for o in orders.order_by("created_at")] + extra_orders,
            drivers=planned + extra_drivers,
            underway=underway,
            kept_route_count=len(kept),
            starts_at=earliest,
            locale=business_locale(),
            from_positions=from_positions,
            positions_stale=stale,
        )
    return Day(
        delivery_date=delivery_date,
        time_base=day_start,
        orders=[order_to_plan(order) for order in orders.order_by("created_at")],
        drivers=planned,
        kept_route_count=len(kept),
        starts_at=earliest,
        locale=business_locale(),
    )


def planned_routes_split(*, delivery_date: date, order_ids=None, driver_ids=None):
    """(kept, replaced): the ids of the date's planned routes a plan limited to `order_ids`
    and / or `driver_ids` leaves exactly as they are (another driver's, or holding an order
    outside the orders asked for), and those it replaces."""
    routes = Route.objects.filter(delivery_date=delivery_date, status=Route.Status.PLANNED)
    kept = set()
    if driver_ids:
        kept |= set(routes.exclude(driver_id__in=driver_ids).values_list("pk", flat=True))
    if order_ids:
        kept |= set(
            Stop.objects.filter(route__in=routes)
            .exclude(order_id__in=order_ids)
            .values_list("route_id", flat=True)
        )
    replaced = [pk for pk in routes.values_list("pk", flat=True) if pk not in kept]
    return sorted(kept), replaced


def orders_needing_location(*, delivery_date: date) -> QuerySet[Order]:
    return Order.objects.filter(
        delivery_date=delivery_date,
        location_status__in=(LocationStatus.PENDING, LocationStatus.NEEDS_LOCATION),
    )


def stops_shown(stops: QuerySet[Stop] | None = None) -> QuerySet[Stop]:
    """Stops as the routes' API shows them: with their orders and when each was delivered
    (`delivered_at`, for routing.lateness's early rule), in route order; no query per stop."""
    stops = Stop.objects.all() if stops is None else stops
    return (
        stops.select_related("order")
        .annotate(delivered_at=delivered_at_subquery("order_id"))
        .order_by("sequence")
    )


def routes_list(*, filters: dict) -> QuerySet[Route]:
    routes = Route.objects.select_related("driver__user", "vehicle").prefetch_related(
        Prefetch("stops", queryset=stops_shown())
    )
    if filters.get("date"):
        routes = routes.filter(delivery_date=filters["date"])
    if filters.get("driver"):
        routes = routes.filter(driver_id=filters["driver"])
    if filters.get("status"):
        routes = routes.filter(status__in=filters["status"])
    return routes.order_by("-created_at", "-id")


def optimizations_list() -> QuerySet[OptimizationJob]:
    return OptimizationJob.objects.order_by("-created_at", "-id")


def planning_horizon(delivery_date: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(delivery_date, time(0), tzinfo=tz)
    return start, start + timedelta(days=1)
