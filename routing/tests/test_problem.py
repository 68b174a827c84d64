"""A day of orders and drivers → solver problem → planned routes, and the reasons for orders
left out: small hand-made days with exact answers."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

import numpy as np

from routing import vroom
from routing.explanations import explain
from routing.planning import BreakToPlan, Day, DriverToPlan, OrderToPlan, VehicleToPlan
from routing.problem import problem_build, routes_read

TZ = ZoneInfo("Europe/Amsterdam")
BASE = datetime(2026, 11, 27, tzinfo=TZ)
DEPOT = (52.00, 5.00)
# Places on a line east of the depot, one "minute" apart in the toy matrix below.
PLACES = [(52.00, 5.00 + 0.01 * i) for i in range(6)]


def at(hours: float) -> datetime:
    return BASE + timedelta(hours=hours)


class LineMatrix:
    """Travel between places i and j takes 60 s × |i − j|; distance 1000 m × |i − j|."""

    def __init__(self, points):
        positions = np.array([PLACES.index(point) for point in points])
        steps = np.abs(positions[:, None] - positions[None, :])
        self.durations = steps * 60
        self.distances = steps * 1000


def line_travel(origin, destination, profile) -> int:
    return 60 * abs(PLACES.index(origin) - PLACES.index(destination))


def uid(number: int) -> UUID:
    return UUID(int=number)


def order(number: int, place: int, **fields) -> OrderToPlan:
    return OrderToPlan(
        id=uid(number), label=f"#{number}", location=PLACES[place], service_s=120, **fields
    )


def driver(number: int, *, vehicle=None, **fields) -> DriverToPlan:
    values = {"shift_start": at(8), "shift_end": at(17), "start": DEPOT, "end": DEPOT}
    return DriverToPlan(
        id=uid(1000 + number), name=f"Driver {number}", vehicle=vehicle, **{**values, **fields}
    )


def van(**capacity) -> VehicleToPlan:
    return VehicleToPlan(id=uid(5000), name="Van", **capacity)


def plan(day: Day):
    problem, mapping = problem_build(day, matrix_for=lambda points, profile: LineMatrix(points))
    solution = vroom.solve(problem, exploration_level=1)
    return routes_read(day, solution, mapping, {o.id: o for o in day.orders}), solution, mapping


def test_a_day_becomes_routes_with_times_in_the_business_zone_and_loads():
    day = Day(
        delivery_date=date(2026, 11, 27),
        time_base=BASE,
        orders=[order(1, 2, weight_kg=Decimal("2.5")), order(2, 4, weight_kg=Decimal(1))],
        # an open route (no return to the depot), so the best order is unique: 2 then 4
        drivers=[driver(1, vehicle=van(weight_kg=Decimal(10)), end=None)],
    )

    (route,), solution, mapping = plan(day)

    assert mapping.dimensions == ["weight_kg"]
    assert [stop.order_id for stop in route.stops] == [uid(1), uid(2)]
    first, second = route.stops
    # VROOM starts the shift at 08:00 exactly: no windows to wait for.
    assert first.arrival == at(8) + timedelta(seconds=120)
    assert first.departure == first.arrival + timedelta(seconds=120)
    assert second.arrival == first.departure + timedelta(seconds=120)
    assert first.load_after == {"weight_kg": 1.0, "volume_l": 0.0, "items": 0.0}
    assert second.load_after == {"weight_kg": 0.0, "volume_l": 0.0, "items": 0.0}
    assert route.distance_m == 4000
    assert route.travel_s == 240
    assert route.end == at(8) + timedelta(seconds=240 + 240)
    assert first.arrival.utcoffset() == timedelta(hours=1)


def test_windows_skills_and_capacity_reach_the_solver():
    day = Day(
        delivery_date=date(2026, 11, 27),
        time_base=BASE,
        orders=[
            order(
                1,
                1,
                time_windows=((at(9), at(10)),),
                skills=frozenset({"fridge"}),
                items=3,
                priority=80,
            )
        ],
        drivers=[driver(1, vehicle=van(items=20), skills=frozenset({"fridge", "heavy"}))],
    )

    problem, mapping = problem_build(day, matrix_for=lambda points, profile: LineMatrix(points))

    (job,) = problem.jobs
    (vehicle,) = problem.vehicles
    assert mapping.skills == {"fridge": 1, "heavy": 2}
    assert job.skills == frozenset({1})
    assert vehicle.skills == frozenset({1, 2})
    assert job.time_windows == ((9 * 3600, 10 * 3600),)
    assert job.delivery == (3,)
    assert vehicle.capacity == (20,)
    assert job.priority == 80
    assert vehicle.time_window == (8 * 3600, 17 * 3600)


def test_orders_without_location_never_reach_the_solver():
    day = Day(
        delivery_date=date(2026, 11, 27),
        time_base=BASE,
        orders=[OrderToPlan(id=uid(1), label="#1", location=None, service_s=60)],
        drivers=[driver(1)],
    )

    problem, _ = problem_build(day, matrix_for=lambda points, profile: LineMatrix(points))

    assert problem.jobs == []
    assert explain(day.orders[0], day, travel_s=line_travel) == (
        "has no location: add coordinates or a geocodable address"
    )


def test_reason_missing_skill():
    day = Day(date(2026, 11, 27), BASE, [order(1, 1, skills=frozenset({"fridge"}))], [driver(1)])

    assert explain(day.orders[0], day, travel_s=line_travel) == (
        "needs skill 'fridge', no driver on shift has it"
    )


def test_reason_capacity():
    day = Day(
        date(2026, 11, 27),
        BASE,
        [order(1, 1, weight_kg=Decimal(150))],
        [
            driver(1, vehicle=van(weight_kg=Decimal(100))),
            driver(2, vehicle=van(weight_kg=Decimal(80))),
        ],
    )

    assert explain(day.orders[0], day, travel_s=line_travel) == (
        "150 kg exceeds the largest vehicle capacity 100 kg"
    )


def test_reason_window_unreachable_after_shift_start():
    day = Day(
        date(2026, 11, 27),
        BASE,
        [order(1, 5, time_windows=((at(9), at(9.25)),))],
        [driver(1, shift_start=at(9.5))],
    )

    assert explain(day.orders[0], day, travel_s=line_travel) == (
        "window 09:00–09:15 cannot be reached from the start after shift start 09:30 "
        "(earliest arrival 09:35)"
    )


def test_reason_no_driver_on_shift():
    day = Day(date(2026, 11, 27), BASE, [order(1, 1)], [])

    assert explain(day.orders[0], day, travel_s=line_travel) == (
        "no driver is on shift on 2026-11-27"
    )


def test_reason_routes_full():
    # two orders in the same 10-minute window at opposite ends, one driver: one must go
    day = Day(
        date(2026, 11, 27),
        BASE,
        [
            order(1, 1, time_windows=((at(8), at(8.1)),)),
            order(2, 5, time_windows=((at(8), at(8.1)),)),
        ],
        [driver(1)],
    )

    routes, solution, mapping = plan(day)

    assert len(solution.unassigned) == 1
    left_out = next(o for o in day.orders if o.id == mapping.order_ids[solution.unassigned[0]])
    assert explain(left_out, day, travel_s=line_travel) == (
        "did not fit: the routes are full (time or capacity) — add a driver, widen its time "
        "window or raise its priority"
    )


def test_a_break_is_taken_inside_its_window():
    lunch = BreakToPlan(earliest=at(8.05), latest=at(8.1), duration_s=600)
    day = Day(
        date(2026, 11, 27), BASE, [order(1, 1), order(2, 2)], [driver(1, breaks=(lunch,), end=None)]
    )

    (route,), solution, _ = plan(day)

    (break_step,) = [s for s in solution.routes[0].steps if s.kind == "break"]
    assert day.seconds(at(8.05)) <= break_step.arrival + break_step.waiting <= day.seconds(at(8.1))
    assert break_step.service == 600
    assert [stop.order_id for stop in route.stops] == [uid(1), uid(2)]
    # the second stop is ten minutes later than it would be without the break
    assert route.stops[1].arrival >= at(8) + timedelta(seconds=60 + 120 + 60 + 600)


def test_max_stops_leaves_the_rest_unassigned():
    day = Day(
        date(2026, 11, 27), BASE, [order(1, 1), order(2, 2), order(3, 3)], [driver(1, max_stops=2)]
    )

    (route,), solution, _ = plan(day)

    assert len(route.stops) == 2
    assert len(solution.unassigned) == 1


def test_max_driving_time_reaches_the_solver():
    day = Day(date(2026, 11, 27), BASE, [order(1, 5)], [driver(1, max_travel_s=300)])

    routes, solution, _ = plan(day)

    # there and back takes 600 s of driving: more than allowed
    assert routes == []
    assert len(solution.unassigned) == 1
