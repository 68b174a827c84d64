"""The demo business as a prospect sees it: a live day and a week behind it.

Today's orders get time windows that start when `make run` does; the real planner plans them
from now (the same job a dispatcher's Plan button runs), every route is dispatched and one
driver's is under way (`tracking.simulator` moves their phone along it). Two orders arrive after
the plan, to be dragged onto a route. The seven days before hold completed routes and their
delivered and failed orders, for the Reports page. Each part is made once: a day that already has
orders is left as it is."""

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from delivery.demo import (
    ACTOR,
    DEPOT,
    ORDERS_PER_DAY,
    demo_fleet_seed,
    demo_orders,
    demo_orders_create,
)
from delivery.models import DeliveryAttempt, Driver, FailureReason, Order, OrderStatus
from routing.matrices import great_circle_metres
from routing.models import Route, Stop
from routing.selectors import WEEKDAYS, planning_starts_at
from routing.services import optimization_run, optimization_start, route_status_set
from tenants.selectors import current_tenant, tenant_loading_lead, tenant_time_zone

DRIVER_NAMES = {
    "driver1@demo.localhost": "Dirk de Groot",
    "driver2@demo.localhost": "Fatima El Idrissi",
    "driver3@demo.localhost": "Sem Mulder",
}
PLACEHOLDER_NAMES = {"Dirk Driver", "Dee Driver", "Dax Driver", "Demo Driver", ""}
HISTORY_DAYS = 7
HISTORY_ORDERS_PER_DAY = 30
LATE_ORDERS = 2  # arrive after the plan: the Plan page's "Not on a route"
LOADING_LEAD_MINUTES = 5  # the vans are loaded: the demo's routes leave almost at once
PLAN_BUDGET_S = 3
DAY_START = time(8)
DAY_BEGAN = timedelta(hours=1)  # the demo's windows are written for a day that starts at 08:00
DETOUR, VAN_KMH = 1.35, 32.0
FAILURE_RATE = 0.06
FAILURES = [FailureReason.NOT_HOME] * 4 + [FailureReason.NO_ACCESS, FailureReason.REFUSED]


@dataclass(frozen=True)
class DemoDay:
    history_days: int
    history_orders: int
    orders: int  # today's
    routes: int  # today's
    unplaced: int  # today's orders on no route


def demo_day_seed(*, now: datetime | None = None) -> DemoDay:
    """The fleet (once), the past week's history and today's live day, in the current
    business. Idempotent per day."""
    now = now or timezone.now()
    tz = tenant_time_zone()
    today = now.astimezone(tz).date()
    demo_fleet_seed()
    _names_realistic()
    history_days, history_orders = 0, 0
    for back in range(HISTORY_DAYS, 0, -1):
        made = demo_history_day(delivery_date=today - timedelta(days=back))
        history_days += bool(made)
        history_orders += made
    orders, routes, unplaced = demo_live_day(now=now)
    return DemoDay(history_days, history_orders, orders, routes, unplaced)


def _names_realistic() -> None:
    for driver in Driver.objects.select_related("user").filter(user__email__in=DRIVER_NAMES):
        if driver.user.full_name in PLACEHOLDER_NAMES:
            driver.user.full_name = DRIVER_NAMES[driver.user.email]
            driver.user.save(update_fields=["full_name"])


def _demo_drivers() -> list[Driver]:
    return list(
        Driver.objects.select_related("user", "default_vehicle", "depot")
        .filter(user__email__in=DRIVER_NAMES, is_active=True)
        .order_by("user__email")
    )


# ---- today ----


def _shifts_cover(drivers: list[Driver], *, delivery_date: date, start: time, end: time) -> None:
    """Today's shift of each demo driver stretched to hold [start, end] (a demo started at
    19:00 still has a day ahead of it)."""
    weekday = WEEKDAYS[delivery_date.weekday()]
    for driver in drivers:
        shift = dict(driver.shifts.get(weekday) or {"start": "08:00", "end": "17:00"})
        shift["start"] = min(shift["start"], f"{start:%H:%M}")
        shift["end"] = max(shift["end"], f"{end:%H:%M}")
        driver.shifts = {**driver.shifts, weekday: shift}
        Driver.objects.filter(pk=driver.pk).update(shifts=driver.shifts)


def demo_live_day(*, now: datetime) -> tuple[int, int, int]:
    """Today's orders planned from now by the planner, dispatched, one route under way, two
    orders after the plan. Nothing when today already has orders. (orders, routes, unplaced)"""
    tz = tenant_time_zone()
    today = now.astimezone(tz).date()
    if Order.objects.filter(delivery_date=today).exists():
        return 0, 0, 0
    drivers = _demo_drivers()
    tenant = current_tenant()
    if tenant.loading_lead_minutes > LOADING_LEAD_MINUTES:
        tenant.loading_lead_minutes = LOADING_LEAD_MINUTES
        tenant.save(update_fields=["loading_lead_minutes"])
    starts = planning_starts_at(now=now, lead=tenant_loading_lead(), tz=tz)
    # The day began an hour ago: its first windows are open, so the vans leave at once.
    base = starts.replace(minute=starts.minute - starts.minute % 15, second=0, microsecond=0)
    base = max(datetime.combine(today, time(0), tzinfo=tz), base - DAY_BEGAN)
    midnight = datetime.combine(today, time(0), tzinfo=tz)
    last = datetime.combine(today, time(23, 59), tzinfo=tz)
    shift_start = max(midnight, min(base - timedelta(minutes=15), base.replace(hour=8, minute=0)))
    shift_end = min(last, max(base + timedelta(hours=9), base.replace(hour=17, minute=0)))
    _shifts_cover(drivers, delivery_date=today, start=shift_start.time(), end=shift_end.time())
    shift = base - datetime.combine(today, DAY_START, tzinfo=tz)
    demo_orders_create(demo_orders(today=today, shift=shift))
    job = optimization_start(delivery_date=today, actor=ACTOR, time_budget_s=PLAN_BUDGET_S)
    optimization_run(job_id=job.pk)
    routes = list(
        Route.objects.select_related("driver__user").filter(
            delivery_date=today, status=Route.Status.PLANNED
        )
    )
    for route in routes:
        route = route_status_set(route=route, to=Route.Status.DISPATCHED, actor=ACTOR)
    # The route that leaves first is the one under way (tracking.simulator carries its phone).
    simulated = min(routes, key=lambda r: (r.planned_start, r.driver.user.email), default=None)
    if simulated is not None:
        route_status_set(route=simulated, to=Route.Status.STARTED, actor=ACTOR)
    demo_orders_create(
        demo_orders(today=today, count=LATE_ORDERS, shift=shift, first_number=ORDERS_PER_DAY + 1)
    )
    unplaced = Order.objects.filter(delivery_date=today, status=OrderStatus.UNASSIGNED).count()
    return ORDERS_PER_DAY + LATE_ORDERS, len(routes), unplaced


# ---- the past week ----


def _bearing(point: tuple[float, float]) -> float:
    return math.atan2(point[0] - DEPOT["lat"], point[1] - DEPOT["lng"])


def _window_start(order: Order, tz) -> datetime | None:
    if not order.time_windows:
        return None
    return datetime.fromisoformat(order.time_windows[0]["start"]).astimezone(tz)


def demo_history_day(*, delivery_date: date) -> int:
    """A past working day as it went: the orders of the day shared among the drivers by where
    they are, driven in window order, each delivered (or, now and then, failed) when the van
    was there. Written as it would have been recorded; 0 when the day has orders already or is
    a Sunday."""
    drivers = _demo_drivers()
    weekday = WEEKDAYS[delivery_date.weekday()]
    if not drivers or Order.objects.filter(delivery_date=delivery_date).exists():
        return 0
    working = [driver for driver in drivers if driver.shifts.get(weekday)]
    if not working:
        return 0
    tz = tenant_time_zone()
    rng = random.Random(f"demo-history-{delivery_date.isoformat()}")  # noqa: S311 - demo data
    with transaction.atomic():
        orders = demo_orders_create(
            demo_orders(today=delivery_date, count=HISTORY_ORDERS_PER_DAY, prefix="HIST")
        )
        orders.sort(key=lambda order: _bearing((order.lat, order.lng)))
        size = math.ceil(len(orders) / len(working))
        for number, driver in enumerate(working):
            share = orders[number * size : (number + 1) * size]
            if share:
                _history_route(driver, share, delivery_date=delivery_date, tz=tz, rng=rng)
    return len(orders)


def _driving_order(orders: list[Order], *, start, key) -> list[Order]:
    """By window (earliest first), and within one window the nearest next: how a driver who
    knows the town drives it."""
    groups: dict = {}
    for order in orders:
        groups.setdefault(key(order), []).append(order)
    ordered, here = [], start
    for opens in sorted(groups):
        left = groups[opens]
        while left:
            nearest = min(left, key=lambda o: great_circle_metres([here, (o.lat, o.lng)])[0][1])
            left.remove(nearest)
            ordered.append(nearest)
            here = (nearest.lat, nearest.lng)
    return ordered


def _history_route(driver: Driver, orders: list[Order], *, delivery_date, tz, rng) -> None:
    depot = (DEPOT["lat"], DEPOT["lng"])
    noon = datetime.combine(delivery_date, time(12), tzinfo=tz)
    orders = _driving_order(orders, start=depot, key=lambda o: _window_start(o, tz) or noon)
    start = datetime.combine(delivery_date, DAY_START, tzinfo=tz)
    places = [depot, *((order.lat, order.lng) for order in orders), depot]
    metres = great_circle_metres(places) * DETOUR
    moment, travel_s, distance_m = start, 0, 0
    route = Route.objects.create(
        delivery_date=delivery_date,
        driver=driver,
        vehicle=driver.default_vehicle,
        status=Route.Status.COMPLETED,
        start_lat=depot[0],
        start_lng=depot[1],
        end_lat=depot[0],
        end_lng=depot[1],
        planned_start=start,
        planned_end=start,
        dispatched_at=start - timedelta(minutes=40),
        started_at=start,
    )
    stops, attempts = [], []
    for sequence, order in enumerate(orders, start=1):
        leg = int(metres[sequence - 1][sequence])
        seconds = int(leg / (VAN_KMH / 3.6))
        distance_m, travel_s = distance_m + leg, travel_s + seconds
        arrival = moment + timedelta(seconds=seconds)
        opens = _window_start(order, tz)
        waiting = max(0, int((opens - arrival).total_seconds())) if opens else 0
        departure = arrival + timedelta(seconds=waiting + order.service_seconds)
        stops.append(
            Stop(
                route=route,
                order=order,
                sequence=sequence,
                planned_arrival=arrival,
                planned_departure=departure,
                waiting_s=waiting,
                locked=True,
            )
        )
        failed = rng.random() < FAILURE_RATE
        outcome = OrderStatus.FAILED if failed else OrderStatus.DELIVERED
        attempts.append(
            DeliveryAttempt(
                order=order,
                driver=driver,
                outcome=outcome,
                failure_reason=rng.choice(FAILURES) if failed else "",
                recipient_name="" if failed else order.recipient_name.split(" ")[0],
                lat=order.lat,
                lng=order.lng,
                attempted_at=arrival + timedelta(seconds=waiting + order.service_seconds // 2),
            )
        )
        Order.objects.filter(pk=order.pk).update(
            status=outcome, driver=driver, route_id=route.pk, sequence=sequence, eta=arrival
        )
        moment = departure
    back = int(metres[len(orders)][len(orders) + 1])
    distance_m, travel_s = distance_m + back, travel_s + int(back / (VAN_KMH / 3.6))
    end = moment + timedelta(seconds=int(back / (VAN_KMH / 3.6)))
    Stop.objects.bulk_create(stops)
    DeliveryAttempt.objects.bulk_create(attempts)
    Route.objects.filter(pk=route.pk).update(
        planned_end=end,
        completed_at=end,
        distance_m=distance_m,
        travel_s=travel_s,
        duration_s=int((end - start).total_seconds()),
    )
