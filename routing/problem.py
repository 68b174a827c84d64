"""A `Day` of orders and drivers → a VROOM `Problem` (integers, indexes), and the solver's
answer → planned stops. Pure: the matrix comes in as a function."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

import numpy as np

from routing import vroom
from routing.planning import Day, DriverToPlan, OrderToPlan, Point

UNLIMITED = 2**31 - 1
VISIT_KINDS = ("job", "pickup", "delivery")
# Loads travel to the solver as integers: grams, millilitres, items.
DIMENSIONS = (("weight_kg", Decimal(1000)), ("volume_l", Decimal(1000)), ("items", Decimal(1)))


@dataclass
class Mapping:
    """How solver integers map back to our ids."""

    points: list[Point]
    order_ids: dict[int, UUID]  # job id (or shipment pickup / delivery id) → order id
    driver_ids: dict[int, UUID]  # vehicle id → driver id
    dimensions: list[str]  # capacity dimensions in the solver's order
    skills: dict[str, int]
    # A van planned from its driver's position: driver id → (arrival, departure) in solver
    # seconds at the stop the driver is heading to (visited first, before the planned stops).
    heading: dict[UUID, tuple[int, int]] = field(default_factory=dict)


def _dimensions(day: Day) -> list[str]:
    """The load dimensions some vehicle limits (others cannot constrain anything)."""
    used = []
    for name, _ in DIMENSIONS:
        if any(
            driver.vehicle and getattr(driver.vehicle, name) is not None for driver in day.drivers
        ):
            used.append(name)
    return used


def _amount(value, name: str) -> int:
    scale = dict(DIMENSIONS)[name]
    return int((Decimal(value) * scale).to_integral_value())


def problem_build(
    day: Day, *, matrix_for: Callable[[Sequence[Point], str], "MatrixLike"]
) -> tuple[vroom.Problem, Mapping]:
    """Only orders with a location are given to the solver; the caller explains the others."""
    orders = [order for order in day.orders if order.location is not None]
    points: list[Point] = []
    index: dict[Point, int] = {}

    def place(point: Point) -> int:
        if point not in index:
            index[point] = len(points)
            points.append(point)
        return index[point]

    dimensions = _dimensions(day)
    skill_names = sorted(
        {s for o in orders for s in o.skills} | {s for d in day.drivers for s in d.all_skills}
    )
    skills = {name: number for number, name in enumerate(skill_names, start=1)}

    vehicles, driver_ids = [], {}
    # Where each driver is (their last known position) is in the matrix even when their van
    # starts from the stop they are heading to: the drive there sets when it can go on.
    for driver in day.drivers:
        place(driver.start)
    for number, driver in enumerate(day.drivers, start=1):
        driver_ids[number] = driver.id
        capacity = tuple(
            UNLIMITED
            if driver.vehicle is None or getattr(driver.vehicle, name) is None
            else _amount(getattr(driver.vehicle, name), name)
            for name in dimensions
        )
        vehicles.append(
            vroom.Vehicle(
                id=number,
                start=place(driver.heading_to or driver.start),
                end=place(driver.end) if driver.end is not None else None,
                profile=driver.profile,
                capacity=capacity,
                skills=frozenset(skills[s] for s in driver.all_skills),
                time_window=(day.seconds(driver.shift_start), day.seconds(driver.shift_end)),
                breaks=tuple(
                    vroom.Break(
                        id=number * 100 + i,
                        service=b.duration_s,
                        time_windows=((day.seconds(b.earliest), day.seconds(b.latest)),),
                    )
                    for i, b in enumerate(driver.breaks, start=1)
                ),
                max_tasks=driver.max_stops,
                max_travel_time=driver.max_travel_s,
            )
        )

    jobs, shipments, order_ids = [], [], {}
    number = 0
    for order in orders:
        number += 1
        order_ids[number] = order.id
        delivery = vroom.Job(
            id=number,
            location=place(order.location),
            service=order.service_s,
            delivery=tuple(_amount(getattr(order, name), name) for name in dimensions),
            skills=frozenset(skills[s] for s in order.skills),
            priority=order.priority,
            time_windows=_seconds(day, order.time_windows),
        )
        if order.pickup is None:
            jobs.append(delivery)
            continue
        # A pickup-and-delivery pair: one vehicle collects, then delivers, carrying the load
        # in between. The pickup gets the next number; both map back to the order.
        number += 1
        order_ids[number] = order.id
        shipments.append(
            vroom.Shipment(
                pickup=vroom.Job(
                    id=number,
                    location=place(order.pickup.location),
                    service=order.pickup.service_s,
                    time_windows=_seconds(day, order.pickup.time_windows),
                ),
                delivery=replace(delivery, delivery=(), skills=frozenset(), priority=0),
                amount=delivery.delivery,
                skills=delivery.skills,
                priority=delivery.priority,
            )
        )

    profiles = sorted({driver.profile for driver in day.drivers}) or ["van"]
    durations, distances = {}, None
    for profile in profiles:
        matrix = matrix_for(points, profile)
        durations[profile] = np.asarray(matrix.durations)
        distances = np.asarray(matrix.distances) if distances is None else distances
    heading = {}
    for number, driver in enumerate(day.drivers):
        if driver.heading_to is None:
            continue
        opens, closes = vehicles[number].time_window
        drive = int(durations[driver.profile][index[driver.start]][index[driver.heading_to]])
        arrival = min(opens + drive, closes)
        departure = min(arrival + driver.heading_service_s, closes)
        heading[driver.id] = (arrival, departure)
        # The stop the driver is heading to is visited first: for the solver, the van starts
        # there once driven there from the position and served.
        vehicles[number] = replace(vehicles[number], time_window=(departure, closes))
    problem = vroom.Problem(
        jobs=jobs,
        shipments=shipments,
        vehicles=vehicles,
        durations=durations,
        distances=distances if distances is not None else np.zeros((0, 0)),
    )
    return problem, Mapping(
        points=points,
        order_ids=order_ids,
        driver_ids=driver_ids,
        dimensions=dimensions,
        skills=skills,
        heading=heading,
    )


def _seconds(day: Day, windows) -> tuple[tuple[int, int], ...]:
    return tuple((day.seconds(start), day.seconds(end)) for start, end in windows)


class MatrixLike:  # the shape problem_build needs (routing.matrices.Matrix has it)
    durations: np.ndarray
    distances: np.ndarray


@dataclass(frozen=True)
class PlannedStop:
    order_id: UUID
    sequence: int
    arrival: datetime
    departure: datetime
    waiting_s: int
    load_after: dict[str, float]
    kind: str = "delivery"  # or "pickup" (a pickup-and-delivery order has one of each)


@dataclass(frozen=True)
class PlannedRoute:
    driver_id: UUID
    start: datetime
    end: datetime
    distance_m: int
    travel_s: int
    stops: list[PlannedStop]


def routes_read(
    day: Day, solution: vroom.Solution, mapping: Mapping, orders: dict[UUID, OrderToPlan]
) -> list[PlannedRoute]:
    """The solver's routes as planned stops with times in the business's zone and loads."""
    routes = []
    for route in solution.routes:
        visits = [step for step in route.steps if step.kind in VISIT_KINDS]
        if not visits:
            continue
        # On board at the start: what the route delivers without collecting it first.
        carried = {
            name: sum(
                (getattr(orders[mapping.order_ids[s.id]], name) for s in visits if s.kind == "job"),
                Decimal(0),
            )
            for name, _ in DIMENSIONS
        }
        stops = []
        for sequence, step in enumerate(visits, start=1):
            order = orders[mapping.order_ids[step.id]]
            sign = 1 if step.kind == "pickup" else -1
            for name in carried:
                carried[name] += sign * Decimal(getattr(order, name))
            # The solver's arrival excludes waiting: service starts at arrival + waiting.
            arrival = day.time_base + timedelta(seconds=step.arrival)
            departure = arrival + timedelta(seconds=step.waiting + step.service)
            stops.append(
                PlannedStop(
                    order_id=order.id,
                    sequence=sequence,
                    arrival=arrival,
                    departure=departure,
                    waiting_s=step.waiting,
                    load_after={name: float(value) for name, value in carried.items()},
                    kind="pickup" if step.kind == "pickup" else "delivery",
                )
            )
        first, last = route.steps[0], route.steps[-1]
        routes.append(
            PlannedRoute(
                driver_id=mapping.driver_ids[route.vehicle_id],
                start=day.time_base + timedelta(seconds=first.arrival),
                end=day.time_base + timedelta(seconds=last.arrival + last.service),
                distance_m=route.distance,
                travel_s=route.duration,
                stops=stops,
            )
        )
    return routes


def unassigned_orders(solution: vroom.Solution, mapping: Mapping) -> list[UUID]:
    """The orders the solver left out, once each (a pair's pickup and delivery are one order)."""
    return list(dict.fromkeys(mapping.order_ids[number] for number in solution.unassigned))


def drivers_by_id(drivers: Sequence[DriverToPlan]) -> dict[UUID, DriverToPlan]:
    return {driver.id: driver for driver in drivers}
