"""Reads of the routing app: a day to plan from the database, routes and jobs to show."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, QuerySet

from delivery.models import Driver, LocationStatus, Order, OrderStatus
from routing.models import OptimizationJob, Route, Stop
from routing.planning import BreakToPlan, Day, DriverToPlan, OrderToPlan, VehicleToPlan

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Routes in these states belong to their drivers: planning never touches them.
BUSY_ROUTE_STATUSES = (Route.Status.DISPATCHED, Route.Status.STARTED, Route.Status.COMPLETED)


def _moment(day: date, clock: str, tz: ZoneInfo) -> datetime:
    hours, minutes = (int(part) for part in clock.split(":")[:2])
    return datetime.combine(day, time(hours, minutes), tzinfo=tz)


def order_to_plan(order: Order) -> OrderToPlan:
    return OrderToPlan(
        id=order.id,
        label=order.external_id or str(order.id)[:8],
        location=(order.lat, order.lng) if order.has_location else None,
        service_s=order.service_seconds,
        time_windows=tuple(
            (datetime.fromisoformat(w["start"]), datetime.fromisoformat(w["end"]))
            for w in order.time_windows
        ),
        weight_kg=Decimal(order.weight_kg),
        volume_l=Decimal(order.volume_l),
        items=order.items,
        skills=frozenset(order.skills),
        priority=order.priority,
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
    if driver.end_lat is not None:
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


def day_to_plan(*, delivery_date: date, tz: ZoneInfo, order_ids=None, driver_ids=None) -> Day:
    """The orders still to plan that day (unassigned, or on a route not yet dispatched) and the
    drivers on shift whose route that day is not dispatched yet; `order_ids` / `driver_ids`
    narrow both down."""
    busy_drivers = Route.objects.filter(
        delivery_date=delivery_date, status__in=BUSY_ROUTE_STATUSES
    ).values_list("driver_id", flat=True)
    busy_orders = Stop.objects.filter(
        route__delivery_date=delivery_date, route__status__in=BUSY_ROUTE_STATUSES
    ).values_list("order_id", flat=True)
    orders = Order.objects.filter(
        delivery_date=delivery_date, status__in=(OrderStatus.UNASSIGNED, OrderStatus.ASSIGNED)
    ).exclude(pk__in=busy_orders)
    if order_ids:
        orders = orders.filter(pk__in=order_ids)
    if driver_ids:
        # Planning some drivers only: the other drivers' planned routes keep their orders.
        orders = orders.exclude(
            pk__in=Stop.objects.filter(
                route__delivery_date=delivery_date, route__status=Route.Status.PLANNED
            )
            .exclude(route__driver_id__in=driver_ids)
            .values_list("order_id", flat=True)
        )
    drivers = (
        Driver.objects.filter(is_active=True, user__is_active=True)
        .exclude(pk__in=busy_drivers)
        .select_related("user", "depot", "default_vehicle", "default_vehicle__depot")
        .order_by("created_at")
    )
    if driver_ids:
        drivers = drivers.filter(pk__in=driver_ids)
    planned = [driver_to_plan(d, delivery_date=delivery_date, tz=tz) for d in drivers]
    return Day(
        delivery_date=delivery_date,
        time_base=datetime.combine(delivery_date, time(0), tzinfo=tz),
        orders=[order_to_plan(order) for order in orders.order_by("created_at")],
        drivers=[driver for driver in planned if driver is not None],
    )


def orders_needing_location(*, delivery_date: date) -> QuerySet[Order]:
    return Order.objects.filter(
        delivery_date=delivery_date,
        location_status__in=(LocationStatus.PENDING, LocationStatus.NEEDS_LOCATION),
    )


def routes_list(*, filters: dict) -> QuerySet[Route]:
    routes = Route.objects.select_related("driver__user", "vehicle").prefetch_related(
        Prefetch("stops", queryset=Stop.objects.select_related("order").order_by("sequence"))
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
