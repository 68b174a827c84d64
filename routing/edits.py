"""Manual edits of planned routes: the dispatcher's order is kept, times are recomputed, and the
constraints it breaks are recorded on the route (`violations`) instead of refused."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from delivery.models import Order, OrderStatus
from delivery.services import orders_plan_apply
from routing import matrices
from routing.locks import plan_date_lock
from routing.models import Route, Stop
from routing.planning import DriverToPlan
from routing.realtime import routes_changed
from routing.schedule import Schedule, schedule_route
from routing.selectors import driver_to_plan, order_to_plan
from tenants.actors import Actor
from tenants.errors import ApplicationError, status_word
from tenants.locale import business_locale
from tenants.selectors import tenant_time_zone

EDITABLE = (Route.Status.PLANNED, Route.Status.DISPATCHED)


def _route_driver(route: Route) -> DriverToPlan:
    tz = tenant_time_zone()
    planned = driver_to_plan(route.driver, delivery_date=route.delivery_date, tz=tz)
    start = (route.start_lat, route.start_lng)
    end = (route.end_lat, route.end_lng) if route.end_lat is not None else None
    if planned is None:  # off shift now: keep the route's own bounds
        return DriverToPlan(
            id=route.driver_id,
            name=str(route.driver),
            shift_start=route.planned_start,
            shift_end=route.planned_end,
            start=start,
            end=end,
        )
    return DriverToPlan(
        id=planned.id,
        name=planned.name,
        shift_start=planned.shift_start,
        shift_end=planned.shift_end,
        start=start,
        end=end,
        vehicle=planned.vehicle,
        skills=planned.skills,
    )


def route_schedule(route: Route, stops: list[Stop], *, start: datetime | None = None) -> Schedule:
    """Times, loads and broken constraints of `stops` driven in this order on `route`, leaving
    at `start` (default: its planned start)."""
    driver = _route_driver(route)
    orders = [order_to_plan(stop.order) for stop in stops]
    kinds = [stop.kind for stop in stops]
    visited = [
        order.pickup.location if kind == Stop.Kind.PICKUP else order.location
        for order, kind in zip(orders, kinds, strict=True)
    ]
    points = [driver.start, *[point for point in visited if point is not None]]
    if driver.end is not None:
        points.append(driver.end)
    unique = list(dict.fromkeys(points))
    matrix = matrices.travel_matrix(unique, profile=driver.profile)
    index = {point: i for i, point in enumerate(unique)}

    def leg(origin, destination, profile):
        i, j = index[origin], index[destination]
        return int(matrix.durations[i][j]), int(matrix.distances[i][j])

    return schedule_route(
        driver,
        orders,
        start=start or route.planned_start,
        leg=leg,
        kinds=kinds,
        locale=business_locale(),
    )


def route_etas_from(*, route: Route, moment: datetime) -> None:
    """A route leaving at `moment` (its driver pressed Start): every stop's ETA — when service
    can start — recomputed from then, in the planned order, on the stops and their orders.
    The planned times stay as the plan was. Call inside the transaction that starts it."""
    stops = list(Stop.objects.select_related("order").filter(route=route).order_by("sequence"))
    if not stops:
        return
    schedule = route_schedule(route, stops, start=moment)
    by_visit = {(timed.order_id, timed.kind): timed for timed in schedule.stops}
    orders = []
    for stop in stops:
        timed = by_visit.get((stop.order_id, stop.kind))
        if timed is None:  # no location: no ETA to give
            continue
        stop.eta = timed.arrival + timedelta(seconds=timed.waiting_s)
        if stop.kind == Stop.Kind.DELIVERY and stop.order.status == OrderStatus.ASSIGNED:
            stop.order.eta, stop.order.updated_at = stop.eta, moment
            orders.append(stop.order)
    Stop.objects.bulk_update(stops, ["eta"])
    # No push of its own: the orders going out for delivery next are pushed with these ETAs.
    Order.objects.bulk_update(orders, ["eta", "updated_at"])


def stops_apply(
    route: Route, stops: list[Stop], schedule: Schedule, *, keep_times=frozenset()
) -> list[tuple]:
    """Write `stops` in this order with the times of `schedule` onto `route` (stops whose id is
    in `keep_times` keep theirs: visits already made). Returns the orders' planner result
    (order, driver, route, sequence, arrival) for `orders_plan_apply`."""
    by_visit = {(timed.order_id, timed.kind): timed for timed in schedule.stops}
    assignments = []
    for sequence, stop in enumerate(stops, start=1):
        timed = by_visit.get((stop.order_id, stop.kind))
        stop.route = route
        stop.sequence = sequence
        if timed is not None and stop.pk not in keep_times:
            stop.planned_arrival, stop.planned_departure = timed.arrival, timed.departure
            stop.waiting_s, stop.load_after = timed.waiting_s, timed.load_after
        if stop.kind == Stop.Kind.DELIVERY:
            assignments.append(
                (stop.order_id, route.driver_id, route.id, sequence, stop.planned_arrival)
            )
    Stop.objects.bulk_update(
        stops,
        ["route", "sequence", "planned_arrival", "planned_departure", "waiting_s", "load_after"],
    )
    route.distance_m, route.travel_s = schedule.distance_m, schedule.travel_s
    route.planned_end = schedule.end
    route.duration_s = int((schedule.end - route.planned_start).total_seconds())
    route.violations = [violation.as_dict() for violation in schedule.violations]
    route.save(
        update_fields=[
            "distance_m",
            "travel_s",
            "planned_end",
            "duration_s",
            "violations",
            "updated_at",
        ]
    )
    return assignments


def route_reorder(*, route_id, stop_ids: list, actor: Actor) -> list[Route]:
    """Put the route's stops in the order of `stop_ids`. Ids of stops on other editable routes
    of the same day move those stops here. Returns every route that changed."""
    if len(set(stop_ids)) != len(stop_ids):
        raise ApplicationError(
            "validation_error",
            _("A stop is listed twice."),
            fields={"stops": [_("A stop is listed twice.")]},
        )
    with transaction.atomic():
        route = Route.objects.select_related(
            "driver__user", "driver__depot", "driver__default_vehicle"
        ).get(pk=route_id)
        plan_date_lock(delivery_date=route.delivery_date)
        route = (
            Route.objects.select_for_update(of=("self",))
            .select_related("driver__user", "driver__depot", "driver__default_vehicle")
            .get(pk=route_id)
        )
        if route.status not in EDITABLE:
            raise ApplicationError(
                "route_locked",
                _("A route that is %(status)s cannot be edited; re-plan it.")
                % {"status": status_word(Route.Status, route.status)},
            )
        stops = {
            stop.pk: stop
            for stop in Stop.objects.select_related("order", "route").filter(pk__in=stop_ids)
        }
        unknown = [str(i) for i in stop_ids if i not in stops]
        if unknown:
            raise ApplicationError(
                "validation_error",
                _("Unknown stop."),
                fields={"stops": [_("No such stop: %(stops)s.") % {"stops": ", ".join(unknown)}]},
            )
        own = set(Stop.objects.filter(route=route).values_list("pk", flat=True))
        missing = own - set(stop_ids)
        if missing:
            raise ApplicationError(
                "validation_error",
                _("Every stop of the route must be listed."),
                fields={
                    "stops": [
                        _(
                            "Every stop of the route must be listed; move a stop away "
                            "by listing it on its new route."
                        )
                    ]
                },
            )
        donors = {}
        for stop in stops.values():
            if stop.route_id == route.pk:
                continue
            if stop.route.delivery_date != route.delivery_date or stop.route.status not in EDITABLE:
                raise ApplicationError(
                    "validation_error",
                    _("That stop cannot move here."),
                    fields={
                        "stops": [
                            _(
                                "Stop %(stop)s is on a route of another day "
                                "or one already under way."
                            )
                            % {"stop": stop.pk}
                        ]
                    },
                )
            donors[stop.route_id] = stop.route
        ordered = [stops[i] for i in stop_ids]
        # (route, sequence) is unique at commit time only, so stops can swap numbers freely.
        assignments = stops_apply(route, ordered, route_schedule(route, ordered))
        changed = [route]
        for donor in (
            Route.objects.select_for_update(of=("self",))
            .select_related("driver__user", "driver__depot", "driver__default_vehicle")
            .filter(pk__in=list(donors))
        ):
            remaining = list(
                Stop.objects.select_related("order")
                .filter(route=donor)
                .exclude(pk__in=stop_ids)
                .order_by("sequence")
            )
            assignments += stops_apply(donor, remaining, route_schedule(donor, remaining))
            changed.append(donor)
        orders_plan_apply(assignments=assignments, unassigned=[], actor=actor)
        routes_changed(route_ids=[changed_route.pk for changed_route in changed])
    return changed
