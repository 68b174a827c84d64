"""PyVRP's side of the planner: which problems it can model exactly, the model built from our
VROOM-shaped problem, a warm start from a VROOM plan, and its solution read back in VROOM's shape
(so both engines' plans are compared and stored the same way)."""

import time
import warnings
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pyvrp
import pyvrp.stop
from pyvrp.exceptions import PenaltyBoundWarning

from routing import vroom as rv

PYVRP_SEED = 1
UNBOUNDED = np.iinfo(np.int64).max


def _dimensions(problem: rv.Problem) -> int:
    lengths = [len(v.capacity) for v in problem.vehicles]
    lengths += [len(j.delivery) for j in problem.jobs] + [len(j.pickup) for j in problem.jobs]
    return max(lengths, default=0)


def pyvrp_supports(problem: rv.Problem) -> bool:
    """Whether PyVRP can take this problem exactly: same constraints, same objective as VROOM."""
    if problem.shipments or not problem.vehicles or not problem.jobs:
        return False
    if len({vehicle.profile for vehicle in problem.vehicles}) != 1:
        return False
    dimensions = _dimensions(problem)
    for vehicle in problem.vehicles:
        if vehicle.start is None or vehicle.end is None:  # open routes
            return False
        if vehicle.breaks or vehicle.locked_steps:
            return False
        if vehicle.max_tasks is not None or vehicle.max_travel_time is not None:
            return False
        if len(vehicle.capacity) != dimensions:
            return False
    # Priorities only matter when they differ; VROOM then trades cost for them, PyVRP cannot.
    if len({job.priority for job in problem.jobs}) > 1:
        return False
    shared_skills = frozenset.intersection(*(frozenset(v.skills) for v in problem.vehicles))
    for job in problem.jobs:
        if len(job.time_windows) > 1:
            return False
        if any(job.delivery) and any(job.pickup):
            return False
        if not job.skills <= shared_skills:  # a skill some vehicle lacks restricts the job
            return False
    return True


def _padded(amounts: tuple[int, ...], dimensions: int) -> list[int]:
    return list(amounts) + [0] * (dimensions - len(amounts))


def _window(job: rv.Job) -> tuple[int, int]:
    return job.time_windows[0] if job.time_windows else (0, UNBOUNDED)


def _vehicle_window(vehicle: rv.Vehicle) -> tuple[int, int]:
    return vehicle.time_window or (0, UNBOUNDED)


def _servable_alone(job: rv.Job, vehicle: rv.Vehicle, matrix: np.ndarray, dims: int) -> bool:
    """Could `vehicle` serve `job` on a route of its own? (Necessary for any plan to include it.)"""
    capacity = _padded(vehicle.capacity, dims) if dims else []
    for amounts in (job.delivery, job.pickup):
        if any(a > c for a, c in zip(_padded(amounts, dims), capacity, strict=False)):
            return False
    shift_start, shift_end = _vehicle_window(vehicle)
    window_start, window_end = _window(job)
    arrival = shift_start + int(matrix[vehicle.start, job.location])
    service_start = max(arrival, window_start)
    back = service_start + job.service + int(matrix[job.location, vehicle.end])
    return service_start <= window_end and back <= shift_end


@dataclass
class _PyvrpModel:
    """PyVRP's ProblemData for a supported Problem, and the maps to read its solutions back."""

    data: pyvrp.ProblemData
    client_jobs: list[rv.Job]  # PyVRP client index -> our job
    type_vehicles: list[list[int]]  # PyVRP vehicle type index -> our vehicle ids
    left_out: list[int]  # ids of jobs no vehicle can serve


def _pyvrp_model(problem: rv.Problem) -> _PyvrpModel:
    profile = problem.vehicles[0].profile
    matrix = rv._as_uint_matrix(problem.durations[profile]).astype(np.int64)
    dims = _dimensions(problem)
    client_jobs, left_out = [], []
    for job in problem.jobs:
        if any(_servable_alone(job, vehicle, matrix, dims) for vehicle in problem.vehicles):
            client_jobs.append(job)
        else:
            left_out.append(job.id)
    depot_locations = sorted(
        {v.start for v in problem.vehicles} | {v.end for v in problem.vehicles}
    )
    depot_index = {location: index for index, location in enumerate(depot_locations)}
    groups: dict[tuple, list[int]] = defaultdict(list)
    for vehicle in problem.vehicles:
        key = (vehicle.start, vehicle.end, tuple(vehicle.capacity), _vehicle_window(vehicle))
        groups[key].append(vehicle.id)
    vehicle_types = [
        pyvrp.VehicleType(
            num_available=len(ids),
            capacity=_padded(capacity, dims),
            start_depot=depot_index[start],
            end_depot=depot_index[end],
            tw_early=shift[0],
            tw_late=shift[1],
        )
        for (start, end, capacity, shift), ids in groups.items()
    ]
    clients = [
        pyvrp.Client(
            location=job.location,
            delivery=_padded(job.delivery, dims),
            pickup=_padded(job.pickup, dims),
            service_duration=job.service,
            tw_early=_window(job)[0],
            tw_late=_window(job)[1],
        )
        for job in client_jobs
    ]
    data = pyvrp.ProblemData(
        # Coordinates only serve PyVRP's plots; the matrices carry the geometry.
        locations=[pyvrp.Location(0, 0) for _ in range(len(matrix))],
        clients=clients,
        depots=[pyvrp.Depot(location=location) for location in depot_locations],
        vehicle_types=vehicle_types,
        # Cost is travel duration, as for VROOM: the duration matrix is also PyVRP's "distance".
        distance_matrices=[matrix],
        duration_matrices=[matrix],
    )
    return _PyvrpModel(data, client_jobs, list(groups.values()), left_out)


def _warm_start(model: _PyvrpModel, solution: rv.Solution) -> pyvrp.Solution | None:
    """VROOM's plan as PyVRP's initial solution, when it serves every PyVRP client."""
    client_of = {job.id: index for index, job in enumerate(model.client_jobs)}
    type_of = {vid: index for index, ids in enumerate(model.type_vehicles) for vid in ids}
    served = [job_id for route in solution.routes for job_id in route.job_ids]
    if sorted(served) != sorted(client_of):
        return None
    routes = [
        pyvrp.Route(model.data, [client_of[job_id] for job_id in route.job_ids], type_of[vid])
        for route in solution.routes
        if route.job_ids and (vid := route.vehicle_id) in type_of
    ]
    return pyvrp.Solution(model.data, routes)


def _solution_from_pyvrp(
    problem: rv.Problem, model: _PyvrpModel, best: pyvrp.Solution
) -> rv.Solution:
    """PyVRP's routes as our Solution: our job and vehicle ids, arrivals and waits in our units."""
    profile = problem.vehicles[0].profile
    free_vehicles = [list(ids) for ids in model.type_vehicles]
    routes = []
    for pyvrp_route in best.routes():
        vehicle_id = free_vehicles[pyvrp_route.vehicle_type()].pop(0)
        schedule = pyvrp_route.schedule()
        steps = []
        for position, activity in enumerate(schedule):
            if activity.is_depot():
                depot = model.data.depot(activity.idx)
                kind = "start" if position == 0 else "end"
                steps.append(rv.Step(kind, None, depot.location, activity.start_time, 0, 0))
                continue
            job = model.client_jobs[activity.idx]
            steps.append(
                rv.Step(
                    kind="job",
                    id=job.id,
                    location=job.location,
                    arrival=activity.start_time - activity.wait_duration,
                    service=activity.duration,
                    waiting=activity.wait_duration,
                )
            )
        locations = [step.location for step in steps]
        routes.append(
            rv.Route(
                vehicle_id=vehicle_id,
                steps=steps,
                duration=rv._route_travel(locations, problem.durations[profile]),
                distance=rv._route_travel(locations, problem.distances),
            )
        )
    served = {job_id for route in routes for job_id in route.job_ids}
    unassigned = sorted(job.id for job in problem.jobs if job.id not in served)
    return rv.Solution(routes=routes, unassigned=unassigned)


class _Deadline:
    """PyVRP stopping criterion on our clock: unlike MaxRuntime, which starts counting at the
    first iteration, it includes PyVRP's set-up (neighbourhoods, first local search)."""

    def __init__(self, end: float) -> None:
        self.end = end

    def __call__(self, best_cost: float) -> bool:
        return time.monotonic() >= self.end


def solve_with_pyvrp(
    problem: rv.Problem,
    *,
    time_limit: timedelta,
    warm_start: rv.Solution | None = None,
    seed: int = PYVRP_SEED,
) -> tuple[rv.Solution | None, str]:
    """PyVRP's plan for a problem it supports, or None when it found no feasible one in time.

    `time_limit` covers building the model too. Returns the plan and how the search started.
    """
    started = time.monotonic()
    model = _pyvrp_model(problem)
    if not model.client_jobs:
        return rv.Solution(routes=[], unassigned=sorted(model.left_out)), "nothing servable"
    initial = _warm_start(model, warm_start) if warm_start is not None else None
    with warnings.catch_warnings():
        # PyVRP warns when its penalties hit their bound, i.e. when it struggles for a feasible
        # solution: we handle that below (VROOM's plan is kept), so the warning is noise.
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        best = pyvrp.solve(
            model.data,
            stop=_Deadline(started + time_limit.total_seconds()),
            seed=seed,
            collect_stats=False,
            initial_solution=initial,
        ).best
    start = "warm start" if initial is not None else "cold start"
    if not best.is_feasible():
        return None, start
    return _solution_from_pyvrp(problem, model, best), start
