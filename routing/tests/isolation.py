"""The routing app's API endpoints, registered in the tenant-isolation harness."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from delivery.tests.factories import make_driver, make_order
from routing.models import OptimizationJob, Route, Stop
from tests.isolation.registry import Endpoint, register

DAY = timezone.now().date() + timedelta(days=30)  # ahead: a past date would be refused
TZ = ZoneInfo("Europe/Amsterdam")


def optimization(world) -> str:
    with world.use():
        return str(OptimizationJob.objects.create(delivery_date=DAY, requested_by="isolation").pk)


def route(world, status: str = Route.Status.PLANNED) -> str:
    """A route as a dispatcher would act on it next (planned, dispatched or started)."""
    with world.use():
        made = Route.objects.create(
            delivery_date=DAY,
            driver=make_driver(email="isolated.driver@example.test"),
            status=status,
            start_lat=52.3738,
            start_lng=4.8910,
            planned_start=datetime.combine(DAY, time(8), tzinfo=TZ),
            planned_end=datetime.combine(DAY, time(12), tzinfo=TZ),
        )
        return str(made.pk)


def dispatched_route(world) -> str:
    return route(world, Route.Status.DISPATCHED)


def started_route(world) -> str:
    return route(world, Route.Status.STARTED)


def pickup_stop(world) -> str:
    """`<route id>/stops/<stop id>` of a started route's pickup stop."""
    route_id = started_route(world)
    with world.use():
        order = make_order(delivery_date=DAY, pickup_location=(52.3600, 4.8800))
        stop = Stop.objects.create(
            route_id=route_id,
            order=order,
            kind=Stop.Kind.PICKUP,
            sequence=1,
            planned_arrival=datetime.combine(DAY, time(9), tzinfo=TZ),
            planned_departure=datetime.combine(DAY, time(9, 5), tzinfo=TZ),
        )
    return f"{route_id}/stops/{stop.pk}"


register(
    Endpoint("optimization-list", "GET", "/api/v1/optimizations"),
    Endpoint("optimization-list", "POST", "/api/v1/optimizations", body={"date": DAY.isoformat()}),
    Endpoint("optimization-detail", "GET", "/api/v1/optimizations/{id}", make_object=optimization),
    Endpoint("route-list", "GET", "/api/v1/routes"),
    Endpoint("route-detail", "GET", "/api/v1/routes/{id}", make_object=route),
    Endpoint("route-geometry", "GET", "/api/v1/routes/{id}/geometry", make_object=route),
    # Each transition from the state it is allowed in: a 404 proves the id, not the state.
    Endpoint("route-dispatch", "POST", "/api/v1/routes/{id}/dispatch", make_object=route),
    Endpoint("route-start", "POST", "/api/v1/routes/{id}/start", make_object=dispatched_route),
    Endpoint("route-complete", "POST", "/api/v1/routes/{id}/complete", make_object=started_route),
    Endpoint(
        "route-reorder",
        "POST",
        "/api/v1/routes/{id}/reorder",
        make_object=route,
        body={"stops": []},
    ),
    Endpoint(
        "route-stop-picked-up",
        "POST",
        "/api/v1/routes/{id}/picked-up",  # make_object gives "<route>/stops/<stop>" as the id
        make_object=pickup_stop,
        documented_path="/api/v1/routes/{id}/stops/{stop_id}/picked-up",
    ),
)
