"""Writing a plan: the routes a job produced replace the planned ones of its scope under the
date lock; routes under way continue (mid-day re-planning)."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Max

from delivery.models import Order, OrderStatus
from delivery.services import (
    orders_out_for_delivery,
    orders_plan_apply,
    orders_sequences_follow,
)
from routing import matrices
from routing.models import OptimizationJob, Route, Stop
from routing.planning import Day, DriverToPlan
from routing.problem import PlannedRoute
from routing.realtime import routes_changed, routes_dropped
from routing.selectors import BUSY_ROUTE_STATUSES, planned_routes_split
from tenants.actors import Actor
from tenants.errors import ApplicationError

logger = logging.getLogger(__name__)

DONE_STATUSES = (OrderStatus.DELIVERED, OrderStatus.FAILED, OrderStatus.CANCELLED)


def _day_unchanged(day: Day) -> None:
    """The plan was made from `day` as read before the date lock: refuse to write it when a
    route it touches was dispatched, or one of its orders changed state or date, meanwhile."""
    busy = Route.objects.filter(
        delivery_date=day.delivery_date, status__in=BUSY_ROUTE_STATUSES
    ).exclude(pk__in=[underway.route_id for underway in day.underway.values()])
    order_ids = [order.id for order in day.orders]
    movable = (OrderStatus.UNASSIGNED, OrderStatus.ASSIGNED)
    if day.underway:
        movable += (OrderStatus.OUT_FOR_DELIVERY,)
    still_movable = Order.objects.filter(
        pk__in=order_ids, delivery_date=day.delivery_date, status__in=movable
    ).count()
    if (
        busy.filter(driver_id__in=[driver.id for driver in day.drivers]).exists()
        or Stop.objects.filter(route__in=busy, order_id__in=order_ids).exists()
        or still_movable != len(order_ids)
    ):
        raise ApplicationError(
            "conflict",
            f"The routes or orders of {day.delivery_date.isoformat()} changed while planning "
            "(a route was dispatched or an order changed); the routes were left as they were. "
            "Plan again.",
        )


@dataclass
class _Continued:
    assignments: list[tuple]
    on_their_way: list  # orders added to a started route: out for delivery at once


def _route_measure(route: Route) -> None:
    """Distance and driving time of the whole route as it now stands (done stops included)."""
    from routing.edits import route_schedule  # edits builds on this module

    stops = list(Stop.objects.select_related("order").filter(route=route).order_by("sequence"))
    schedule = route_schedule(route, stops)
    route.distance_m, route.travel_s = schedule.distance_m, schedule.travel_s
    route.duration_s = int((route.planned_end - route.planned_start).total_seconds())


def _route_back_from_here(route: Route, driver: DriverToPlan, *, current_id) -> datetime:
    """When a van under way with nothing more to deliver is back: from where re-planning sees
    it (`driver`: its place and when it goes on, past the stop it is at or heading to), the
    way to its end place; without one, it ends where it is. Its current stop (`current_id`,
    unless done) is re-timed as re-planning saw it, as a van given new stops has it."""
    leaves = driver.shift_start
    current = (
        Stop.objects.select_related("order")
        .filter(pk=current_id)
        .exclude(order__status__in=DONE_STATUSES)
        .exclude(kind=Stop.Kind.PICKUP, picked_up_at__isnull=False)
        .first()
    )
    places = [driver.start, *([driver.heading_to] if driver.heading_to else [])]
    end = (route.end_lat, route.end_lng) if route.end_lat is not None else None
    matrix = matrices.travel_matrix([*places, *([end] if end else [])], profile=driver.profile)
    if driver.heading_to:  # on the way to it from the driver's position
        arrival = leaves + timedelta(seconds=float(matrix.durations[0][1]))
        leaves = arrival + timedelta(seconds=driver.heading_service_s)
    elif current is not None:  # at it (no recent position): it leaves once that is done
        order = current.order
        service_s = (
            order.pickup_service_seconds
            if current.kind == Stop.Kind.PICKUP
            else order.service_seconds
        )
        arrival = leaves - timedelta(seconds=service_s)
    if current is not None:
        Stop.objects.filter(pk=current.pk).update(planned_arrival=arrival, planned_departure=leaves)
    if end:
        leaves += timedelta(seconds=float(matrix.durations[len(places) - 1][len(places)]))
    return leaves


def _route_times_replanned(
    route: Route, plan_route: PlannedRoute | None, driver: DriverToPlan | None, *, current_id
) -> None:
    """A route under way re-planned runs from when it started (a started one: its actual
    start; a dispatched one: the new plan's start) to the new plan's end, never before the
    departure from its last stop still to do (a leftover stop keeps its old times). A started
    van the new plan gives nothing more to do ends when it is back from where it is now: not
    at the end of the plan it no longer follows."""
    if route.status == Route.Status.STARTED and route.started_at is not None:
        route.planned_start = route.started_at
    elif plan_route is not None:
        route.planned_start = plan_route.start
    # Stops done keep the times of the plan they were made under (a van ahead of it did them
    # before those): only a stop still to do holds the route's end back.
    still_to_do = (
        Stop.objects.filter(route=route)
        .exclude(order__status__in=DONE_STATUSES)
        .exclude(kind=Stop.Kind.PICKUP, picked_up_at__isnull=False)
    )
    end = None
    if plan_route is not None:
        end = plan_route.end
    elif route.status == Route.Status.STARTED and driver is not None:
        end = _route_back_from_here(route, driver, current_id=current_id)
    last = still_to_do.aggregate(last=Max("planned_departure"))["last"]
    ends = [moment for moment in (end, last) if moment is not None]
    if ends:  # else not re-planned (its driver is off shift): as it was
        route.planned_end = max(ends)


def _routes_continue(*, day: Day, planned: list[PlannedRoute], heading: dict) -> _Continued:
    """Routes under way keep their done and current stops first, in their order (re-numbered
    from 1); the planned stops follow them. A remaining stop the solver could not fit stays in
    its van, last, with its old times: the goods are on board. A van planned from its driver's
    position has its current stop re-timed (`heading`: driver id → (arrival, departure)) from
    there."""
    by_driver = {route.driver_id: route for route in planned}
    drivers = {driver.id: driver for driver in day.drivers}
    assignments, on_their_way = [], []
    for driver_id, underway in day.underway.items():
        route = Route.objects.select_for_update().get(pk=underway.route_id)
        kept = list(underway.kept_stop_ids)
        Stop.objects.filter(pk__in=kept).update(locked=True)
        # Numbered 1..n in the order the driver does them: the kept ones (done, then current)
        # first, whatever numbers an older plan gave them (a later stop may have been done
        # before an earlier one), then the new plan's. (route, sequence) is checked at commit.
        kept_stops = Stop.objects.in_bulk(kept)
        renumbered = [kept_stops[stop_id] for stop_id in kept]
        for sequence, stop in enumerate(renumbered, start=1):
            stop.sequence = sequence
        Stop.objects.bulk_update(renumbered, ["sequence"])
        orders_sequences_follow(
            assignments=[
                (stop.order_id, driver_id, route.id, stop.sequence, stop.planned_arrival)
                for stop in renumbered
                if stop.kind == Stop.Kind.DELIVERY
            ]
        )
        if driver_id in heading and kept:
            arrival, departure = heading[driver_id]
            Stop.objects.filter(pk=kept[-1]).update(
                planned_arrival=arrival, planned_departure=departure
            )
        plan_route = by_driver.get(driver_id)
        planned_stops = plan_route.stops if plan_route else []
        planned_ids = {stop.order_id for stop in planned_stops}
        leftovers = list(
            Stop.objects.filter(route=route)
            .exclude(pk__in=kept)
            .exclude(order_id__in=planned_ids)
            .order_by("sequence")
        )
        Stop.objects.filter(route=route).exclude(pk__in=kept).delete()
        new_stops = [
            Stop(
                route=route,
                order_id=stop.order_id,
                kind=stop.kind,
                sequence=len(kept) + stop.sequence,
                planned_arrival=stop.arrival,
                planned_departure=stop.departure,
                waiting_s=stop.waiting_s,
                load_after=stop.load_after,
            )
            for stop in planned_stops
        ]
        new_stops += [
            Stop(
                route=route,
                order_id=old.order_id,
                kind=old.kind,
                sequence=len(kept) + len(planned_stops) + number,
                planned_arrival=old.planned_arrival,
                planned_departure=old.planned_departure,
                waiting_s=old.waiting_s,
                load_after=old.load_after,
            )
            for number, old in enumerate(leftovers, start=1)
        ]
        Stop.objects.bulk_create(new_stops)
        if route.status == Route.Status.DISPATCHED and not kept and not new_stops:
            # Not started and nothing left to bring: dropped, as a planned route the new plan
            # gives no stops is (the driver's phone and Live see it go).
            routes_dropped(routes=[route])  # built now: the row is gone after
            route.delete()
            continue
        for stop in new_stops:
            if stop.kind != Stop.Kind.DELIVERY:
                continue
            assignments.append(
                (stop.order_id, driver_id, route.id, stop.sequence, stop.planned_arrival)
            )
            if route.status == Route.Status.STARTED:
                on_their_way.append(stop.order_id)
        _route_times_replanned(
            route, plan_route, drivers.get(driver_id), current_id=kept[-1] if kept else None
        )
        _route_measure(route)
        route.save(
            update_fields=[
                "planned_start",
                "planned_end",
                "distance_m",
                "travel_s",
                "duration_s",
                "updated_at",
            ]
        )
    return _Continued(assignments=assignments, on_their_way=on_their_way)


def routes_replace(
    *,
    day: Day,
    planned: list[PlannedRoute],
    unassigned_ids: list,
    job: OptimizationJob | None,
    actor: Actor,
    driver_ids=None,
    order_ids=None,
    heading: dict | None = None,
) -> list[Route]:
    """Replace the date's planned (not yet dispatched) routes that a plan of `order_ids` /
    `driver_ids` (empty: all) covers with `planned`; the others stay exactly as they are. Call
    inside a transaction holding the date lock: the split is read again here, so a plan
    written meanwhile by another job is replaced, or, when it now lies outside this plan's
    scope and shares a driver or an order with it, this plan is refused. `heading`: driver id →
    (arrival, departure) at the current stop of a van planned from its driver's position."""
    drivers = {driver.id: driver for driver in day.drivers}
    kept, replaced = planned_routes_split(
        delivery_date=day.delivery_date, order_ids=order_ids, driver_ids=driver_ids
    )
    stale = Route.objects.filter(pk__in=replaced)
    planned_orders = [stop.order_id for route in planned for stop in route.stops]
    kept_drivers = set(Route.objects.filter(pk__in=kept).values_list("driver_id", flat=True))
    kept_orders = set(Stop.objects.filter(route_id__in=kept).values_list("order_id", flat=True))
    if kept_drivers & {route.driver_id for route in planned} or kept_orders & {
        *planned_orders,
        *unassigned_ids,
    }:
        raise ApplicationError(
            "conflict",
            f"The routes of {day.delivery_date.isoformat()} changed while planning (another "
            "plan was written); the routes were left as they were. Plan again.",
        )
    # Orders on a replaced route that this plan did not cover (planning was limited to some
    # orders) lose their stop with it: they must not keep pointing at a deleted route.
    on_stale = Stop.objects.filter(route__in=stale).values_list("order_id", flat=True)
    left_behind = set(on_stale) - {*planned_orders, *unassigned_ids}
    stale.delete()
    # An order rescheduled from another day may still sit on that day's finished route.
    # (Not the stops routes under way keep: a pickup done this morning stays where it was.)
    kept = [stop_id for underway in day.underway.values() for stop_id in underway.kept_stop_ids]
    Stop.objects.filter(order_id__in=planned_orders).exclude(pk__in=kept).delete()
    routes, stops, assignments = [], [], []
    continued = _routes_continue(day=day, planned=planned, heading=heading or {})
    for plan_route in planned:
        driver = drivers[plan_route.driver_id]
        if driver.id in day.underway:
            continue  # written by _routes_continue
        route = Route(
            delivery_date=day.delivery_date,
            driver_id=driver.id,
            vehicle_id=driver.vehicle.id if driver.vehicle else None,
            optimization=job,
            start_lat=driver.start[0],
            start_lng=driver.start[1],
            end_lat=driver.end[0] if driver.end else None,
            end_lng=driver.end[1] if driver.end else None,
            planned_start=plan_route.start,
            planned_end=plan_route.end,
            distance_m=plan_route.distance_m,
            travel_s=plan_route.travel_s,
            duration_s=int((plan_route.end - plan_route.start).total_seconds()),
        )
        routes.append(route)
        for stop in plan_route.stops:
            stops.append(
                Stop(
                    route=route,
                    order_id=stop.order_id,
                    kind=stop.kind,
                    sequence=stop.sequence,
                    planned_arrival=stop.arrival,
                    planned_departure=stop.departure,
                    waiting_s=stop.waiting_s,
                    load_after=stop.load_after,
                )
            )
            if stop.kind == Stop.Kind.DELIVERY:  # the order's route, sequence and ETA
                assignments.append(
                    (stop.order_id, driver.id, route.id, stop.sequence, stop.arrival)
                )
    Route.objects.bulk_create(routes)
    Stop.objects.bulk_create(stops)
    orders_plan_apply(
        assignments=[*assignments, *continued.assignments],
        unassigned=[*unassigned_ids, *left_behind],
        actor=actor,
    )
    if continued.on_their_way:
        orders_out_for_delivery(order_ids=continued.on_their_way, actor=actor)
    routes_changed(
        route_ids=[
            *(route.pk for route in routes),
            *(underway.route_id for underway in day.underway.values()),
        ]
    )
    return routes
