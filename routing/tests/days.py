"""A small, hand-made planning day for the routing tests: a depot, two drivers with vans, eight
orders with hourly windows, four north of the depot and four south."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

from delivery.models import Driver, Order, OrderStatus
from delivery.services import order_transition
from delivery.tests.factories import TEST_ACTOR, make_depot, make_driver, make_order, make_vehicle
from routing.models import OptimizationJob, Route
from routing.services import optimization_run, optimization_start, route_status_set

TZ = ZoneInfo("Europe/Amsterdam")  # the test businesses' zone
DEPOT = (52.3738, 4.8910)  # Damrak, Amsterdam
# Four places north of the depot and four south, ~1.1 km apart on a line each.
NORTH = [(52.385 + 0.01 * i, 4.8910) for i in range(4)]
SOUTH = [(52.362 - 0.01 * i, 4.8910) for i in range(4)]
# One window per hour from 09:00: the windows fix the order of the stops along each line.
WINDOWS = [("09:00", "10:00"), ("10:00", "11:00"), ("11:00", "12:00"), ("12:00", "13:00")]


def planning_day() -> date:
    """A Wednesday at least two days ahead in the business's zone (never a clock-change day)."""
    today = timezone.now().astimezone(TZ).date()
    ahead = today + timedelta(days=2)
    return ahead + timedelta(days=(2 - ahead.weekday()) % 7)


DAY = planning_day()


def at(clock: str, day: date = DAY) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=TZ)


def window(start: str, end: str) -> dict:
    return {"start": at(start).isoformat(), "end": at(end).isoformat()}


@dataclass
class SmallDay:
    """A depot, two drivers on shift 08:00–17:00 with a van each (4 items, 500 kg), and eight
    orders of one item, 10 kg: four north of the depot, four south, one per hour from 09:00."""

    drivers: list[Driver]
    north: list[Order]
    south: list[Order]
    extra: list[Order] = field(default_factory=list)

    @property
    def orders(self) -> list[Order]:
        return [*self.north, *self.south, *self.extra]


def small_day(*, day: date = DAY, shift_days=("wed",), vehicle_fields=None) -> SmallDay:
    depot = make_depot(lat=DEPOT[0], lng=DEPOT[1])
    drivers = []
    for number in (1, 2):
        van = make_vehicle(
            name=f"Van {number}",
            capacity_weight_kg=500,
            capacity_items=4,
            depot=depot,
            **(vehicle_fields or {}),
        )
        shifts = {weekday: {"start": "08:00", "end": "17:00"} for weekday in shift_days}
        drivers.append(
            make_driver(
                email=f"driver{number}@example.test",
                shifts=shifts,
                default_vehicle=van,
                depot=depot,
            )
        )

    def orders(side: str, places) -> list[Order]:
        return [
            make_order(
                external_id=f"{side}-{number}",
                delivery_date=day,
                location=place,
                time_windows=[window(*WINDOWS[number - 1])],
                service_seconds=300,
                weight_kg=10,
                items=1,
            )
            for number, place in enumerate(places, start=1)
        ]

    return SmallDay(drivers=drivers, north=orders("N", NORTH), south=orders("S", SOUTH))


def start(django_capture_on_commit_callbacks, **fields) -> OptimizationJob:
    """Queue a job as the API does; its task is not sent (the test runs the job itself)."""
    values = {"delivery_date": DAY, "actor": TEST_ACTOR, "time_budget_s": 1}
    with django_capture_on_commit_callbacks(execute=False):
        return optimization_start(**{**values, **fields})


def run(django_capture_on_commit_callbacks, **fields) -> OptimizationJob:
    job = start(django_capture_on_commit_callbacks, **fields)
    optimization_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def small_day_under_way(django_capture_on_commit_callbacks, *, started: str) -> tuple:
    """The small day planned at 07:30; its first route dispatched and started at `started`
    (a clock time), its first stop delivered then: (route, its stops in sequence, with orders)."""
    with time_machine.travel(at("07:30"), tick=False):
        small_day()
        assert run(django_capture_on_commit_callbacks).status == "succeeded"
    route = Route.objects.order_by("planned_start", "id").first()
    with time_machine.travel(at(started), tick=False):
        route_status_set(route=route, to=Route.Status.DISPATCHED, actor=TEST_ACTOR)
        route_status_set(route=route, to=Route.Status.STARTED, actor=TEST_ACTOR)
        stops = list(route.stops.select_related("order").order_by("sequence"))
        order_transition(order_id=stops[0].order_id, to=OrderStatus.DELIVERED, actor=TEST_ACTOR)
    return route, stops
