"""The one place that speaks VROOM: a `Problem` in, a `Solution` out. Pure: no database, no I/O.

Everything is integers, as VROOM wants them: locations are indexes into the matrices, times and
durations are seconds (or any scaled unit), amounts are integers per capacity dimension, skills
are integers (the caller maps skill names).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import vroom

# VROOM marks a break step's location_index with this sentinel (no location).
BREAK_LOCATION_SENTINEL = 4293967297


@dataclass(frozen=True)
class Job:
    id: int
    location: int
    service: int = 0
    delivery: tuple[int, ...] = ()
    pickup: tuple[int, ...] = ()
    skills: frozenset[int] = frozenset()
    priority: int = 0
    time_windows: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Shipment:
    """A pickup and its delivery, done by one vehicle in that order."""

    pickup: Job
    delivery: Job
    amount: tuple[int, ...] = ()
    skills: frozenset[int] = frozenset()
    priority: int = 0


@dataclass(frozen=True)
class Break:
    id: int
    service: int
    time_windows: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class LockedStep:
    """A step a vehicle must keep, in this order, when re-planning (done or current stops)."""

    kind: str  # "job", "pickup", "delivery", "break"
    id: int


@dataclass(frozen=True)
class Vehicle:
    id: int
    start: int | None
    end: int | None
    profile: str = "car"
    capacity: tuple[int, ...] = ()
    skills: frozenset[int] = frozenset()
    time_window: tuple[int, int] | None = None
    breaks: tuple[Break, ...] = ()
    max_tasks: int | None = None
    max_travel_time: int | None = None
    locked_steps: tuple[LockedStep, ...] = ()


@dataclass
class Problem:
    jobs: Sequence[Job]
    vehicles: Sequence[Vehicle]
    durations: dict[str, np.ndarray]  # per vehicle profile, square, integer seconds
    distances: np.ndarray  # square, integer metres (for reporting; costs are durations)
    shipments: Sequence[Shipment] = ()


@dataclass(frozen=True)
class Step:
    kind: str  # start, job, pickup, delivery, break, end
    id: int | None
    location: int | None
    arrival: int
    service: int
    waiting: int


@dataclass
class Route:
    vehicle_id: int
    steps: list[Step]
    duration: int  # travel time
    distance: int

    @property
    def job_ids(self) -> list[int]:
        return [step.id for step in self.steps if step.kind in ("job", "pickup", "delivery")]


@dataclass
class Solution:
    routes: list[Route]
    unassigned: list[int] = field(default_factory=list)

    @property
    def distance(self) -> int:
        return sum(route.distance for route in self.routes)

    @property
    def duration(self) -> int:
        return sum(route.duration for route in self.routes)


def _windows(windows: Sequence[tuple[int, int]]) -> list:
    return [vroom.TimeWindow(start, end) for start, end in windows]


def _as_uint_matrix(matrix: np.ndarray) -> np.ndarray:
    # VROOM truncates to uint32: round here so 1.9 s does not become 1 s.
    return np.rint(np.asarray(matrix)).astype(np.uint32)


STEP_TYPES = {"job": "single", "pickup": "pickup", "delivery": "delivery", "break": "break"}


def problem_input(
    problem: Problem, routes: dict[int, list[tuple[str, int]]] | None = None
) -> vroom.Input:
    """Translate our Problem into pyvroom's Input. With `routes` (vehicle id -> its steps as
    (kind, id)), every vehicle must drive exactly those steps in that order (VROOM's plan
    mode, for `violations`)."""
    solver_input = vroom.Input()
    for profile, matrix in problem.durations.items():
        solver_input.set_durations_matrix(profile=profile, matrix_input=_as_uint_matrix(matrix))
    for vehicle in problem.vehicles:
        options = {}
        if vehicle.max_tasks is not None:
            options["max_tasks"] = vehicle.max_tasks
        if vehicle.max_travel_time is not None:
            options["max_travel_time"] = vehicle.max_travel_time
        if routes is not None:
            options["steps"] = [
                vroom.VehicleStep("start"),
                *(
                    vroom.VehicleStep(STEP_TYPES[kind], step_id)
                    for kind, step_id in routes.get(vehicle.id, [])
                ),
                vroom.VehicleStep("end"),
            ]
        elif vehicle.locked_steps:
            options["steps"] = [
                vroom.VehicleStep(
                    step_type=step.kind if step.kind != "job" else "single", id=step.id
                )
                for step in vehicle.locked_steps
            ]
        solver_input.add_vehicle(
            vroom.Vehicle(
                vehicle.id,
                start=vehicle.start,
                end=vehicle.end,
                profile=vehicle.profile,
                capacity=list(vehicle.capacity),
                skills=set(vehicle.skills),
                time_window=vroom.TimeWindow(*vehicle.time_window) if vehicle.time_window else None,
                breaks=[
                    vroom.Break(b.id, time_windows=_windows(b.time_windows), service=b.service)
                    for b in vehicle.breaks
                ],
                **options,
            )
        )
    for job in problem.jobs:
        solver_input.add_job(
            vroom.Job(
                job.id,
                location=job.location,
                default_service=job.service,
                delivery=list(job.delivery),
                pickup=list(job.pickup),
                skills=set(job.skills),
                priority=job.priority,
                time_windows=_windows(job.time_windows),
            )
        )
    for shipment in problem.shipments:
        solver_input.add_shipment(
            vroom.ShipmentStep(
                shipment.pickup.id,
                location=shipment.pickup.location,
                default_service=shipment.pickup.service,
                time_windows=_windows(shipment.pickup.time_windows),
            ),
            vroom.ShipmentStep(
                shipment.delivery.id,
                location=shipment.delivery.location,
                default_service=shipment.delivery.service,
                time_windows=_windows(shipment.delivery.time_windows),
            ),
            # add_shipment passes `amount` straight to the C++ Job: it must be an Amount already.
            amount=vroom.Amount(list(shipment.amount)),
            skills=set(shipment.skills),
            priority=shipment.priority,
        )
    return solver_input


def _route_travel(locations: list[int], matrix: np.ndarray) -> int:
    if len(locations) < 2:
        return 0
    origins, destinations = np.asarray(locations[:-1]), np.asarray(locations[1:])
    return int(np.asarray(matrix)[origins, destinations].sum())


def solution_parse(problem: Problem, raw) -> Solution:
    """Read pyvroom's solution (a DataFrame of steps) back into our Solution."""
    profiles = {vehicle.id: vehicle.profile for vehicle in problem.vehicles}
    routes: list[Route] = []
    frame = raw.routes
    for vehicle_id, rows in frame.groupby("vehicle_id", sort=False):
        steps = []
        for row in rows.itertuples(index=False):
            location = int(row.location_index)
            kind = "job" if row.type == "job" else str(row.type)
            steps.append(
                Step(
                    kind=kind,
                    id=None if kind in ("start", "end") else int(row.id),
                    location=None if location == BREAK_LOCATION_SENTINEL else location,
                    arrival=int(row.arrival),
                    service=int(row.service),
                    waiting=int(row.waiting_time),
                )
            )
        visited = [step.location for step in steps if step.location is not None]
        routes.append(
            Route(
                vehicle_id=int(vehicle_id),
                steps=steps,
                duration=_route_travel(visited, problem.durations[profiles[int(vehicle_id)]]),
                distance=_route_travel(visited, problem.distances),
            )
        )
    unassigned = [int(item["id"]) for item in raw.to_dict().get("unassigned", [])]
    return Solution(routes=routes, unassigned=sorted(unassigned))


def replay(problem: Problem, solution: Solution) -> tuple[Solution, list[str]]:
    """VROOM's reading of a plan: every vehicle drives exactly its route of `solution`, breaks
    included (VROOM's plan mode). Returns the plan with VROOM's times (arrivals, waits) and
    what VROOM finds broken (empty when the plan is valid)."""
    routes = {
        route.vehicle_id: [(s.kind, s.id) for s in route.steps if s.kind in STEP_TYPES]
        for route in solution.routes
        if route.job_ids
    }
    raw = problem_input(problem, routes=routes).check(nb_threads=1)
    report = raw.to_dict()
    found = [
        f"vehicle {route['vehicle']}: {violation['cause']}"
        for route in report.get("routes", [])
        for violation in route.get("violations", [])
    ]
    visits = [job_id for route in solution.routes for job_id in route.job_ids]
    if len(set(visits)) != len(visits):
        found.append("a stop is visited twice")
    timed = solution_parse(problem, raw)
    timed.routes = [route for route in timed.routes if route.job_ids]
    every = [job.id for job in problem.jobs]
    every += [
        step.id for shipment in problem.shipments for step in (shipment.pickup, shipment.delivery)
    ]
    timed.unassigned = sorted(set(every) - set(visits))
    return timed, found


def violations(problem: Problem, solution: Solution) -> list[str]:
    """What VROOM finds broken in `solution` driven exactly as planned (see `replay`)."""
    return replay(problem, solution)[1]


def solve(
    problem: Problem,
    *,
    exploration_level: int = 5,
    threads: int = 2,
    timeout: timedelta | None = None,
    initial: Solution | None = None,
) -> Solution:
    """VROOM's plan; with `initial`, its search starts from that (valid) plan's routes, breaks
    included: VROOM only ever keeps a plan at least as good by its own order (priorities,
    then jobs served, then cost), so the answer is never worse than `initial`."""
    if not problem.jobs and not problem.shipments:
        return Solution(routes=[], unassigned=[])
    routes = None
    if initial is not None:
        routes = {
            route.vehicle_id: [(s.kind, s.id) for s in route.steps if s.kind in STEP_TYPES]
            for route in initial.routes
            if route.job_ids
        }
    raw = problem_input(problem, routes=routes).solve(
        exploration_level=exploration_level, nb_threads=threads, timeout=timeout
    )
    return solution_parse(problem, raw)
