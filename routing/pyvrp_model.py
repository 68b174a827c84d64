"""Our `routing.vroom.Problem` as PyVRP's `ProblemData`, modelled exactly, and PyVRP's solutions
read back into our `Solution`. Pure: no database, no I/O, no solving.

How each constraint VROOM enforces becomes PyVRP's (PyVRP 0.14):

- **Every order optional, with a prize.** VROOM leaves out what it cannot fit; a PyVRP model with
  required clients has no feasible solution then. Every client is optional (`required=False`)
  with a prize larger than any total travel a plan can have, so serving one more order is always
  worth more than any travel saving (VROOM's order: assigned jobs first, then cost).
- **Priorities as prize tiers.** VROOM maximises the sum of priorities first, then the number of
  jobs served, then cost. The prize is `base + tier × priority` with `tier` larger than what
  `base` prizes and travel can ever add up to, so the same order holds in PyVRP's objective.
- **Several windows as a client group.** A job with k windows becomes k clients, one per window,
  in an optional mutually exclusive group: at most one is visited, inside its window.
- **Skills as site-dependence.** A skill some vehicle lacks restricts the jobs that need it. Those
  jobs get a location of their own (a copy of their place) and each vehicle type a routing
  profile in which the places it may not visit cannot be entered: arcs to and from them are
  `FORBIDDEN` long, and every vehicle type's `max_distance` is below that. With more profiles
  than `MAX_PROFILES` (re-planning pins each van's remaining orders to it with a skill of its
  own) the skills become load dimensions instead: a job needs one unit of each of its
  restricting skills, a vehicle holds as many as there are jobs of the skills it has and none of
  the others. Both are exact.
- **Open routes** end at a place of their own, reached from anywhere in no time: the route ends
  when its last service does, as VROOM's does.
- **Max travel time** is `max_distance`: PyVRP's "distance" is our travel duration, the cost both
  engines minimise. **Max stops** is one more load dimension: each job needs one unit, a vehicle
  holds `max_tasks` (re-planning, routes from a driver's current place and time, needs nothing
  more: a start place and a shift start).
- **Routing profiles** (van, bike, …) are PyVRP's profiles too.

What stays with VROOM (see `unsupported`): breaks (a pause at no place, between any two stops: no
travel matrix expresses it; and VROOM 1.15 refuses plans with breaks as initial routes, even its
own, so a PyVRP plan of the day without breaks, with breaks put in afterwards, could not be
polished by VROOM either), pickup-and-delivery pairs (we keep them on VROOM, which also enforces
their precedence the way our routes store it), locked steps, and stops that both deliver and
collect.
"""

import math
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
import pyvrp
from pyvrp import IteratedLocalSearch, PenaltyManager, PenaltyParams, RandomNumberGenerator
from pyvrp.search import LocalSearch, PerturbationManager, compute_neighbours

from routing import vroom as rv

UNBOUNDED = np.iinfo(np.int64).max
# Length of an arc a vehicle type may not use. Far above any real route, far below PyVRP's
# overflow limits (penalties multiply it by up to 1e5).
FORBIDDEN = 10**12
# Prizes are scaled up by this factor, the largest kept below the ceiling (see `prizes`): PyVRP's
# penalties may rise to twice the largest prize, and a penalty times a violation must stay far
# below 2**63.
PRIZE_FACTOR = 1000
PRIZE_CEILING = 10**12
# Beyond this many routing profiles (each holds two full matrices) skills become load dimensions.
MAX_PROFILES = 4
# A run for less waiting (`build(..., waiting=True)`) costs a second of travel this many times a
# second of the route's duration (travel, service and waiting): a second of waiting weighs a
# tenth of a second of travel, so the search gives up little travel for much waiting.
TRAVEL_PER_WAITING = 10


def dimensions(problem: rv.Problem) -> int:
    lengths = [len(v.capacity) for v in problem.vehicles]
    lengths += [len(j.delivery) for j in problem.jobs] + [len(j.pickup) for j in problem.jobs]
    return max(lengths, default=0)


def unsupported(problem: rv.Problem) -> str | None:
    """Why PyVRP cannot take this problem exactly (same constraints, same objective), or None."""
    if not problem.vehicles or not problem.jobs:
        return "nothing to plan"
    if problem.shipments:
        return "pickup-and-delivery pairs"
    if any(vehicle.breaks for vehicle in problem.vehicles):
        return "breaks"
    if any(vehicle.locked_steps for vehicle in problem.vehicles):
        return "locked stops"
    if any(vehicle.start is None for vehicle in problem.vehicles):
        return "routes without a start"
    if len({len(vehicle.capacity) for vehicle in problem.vehicles}) > 1:
        return "capacities of different dimensions"
    if any(any(job.delivery) and any(job.pickup) for job in problem.jobs):
        return "stops that both deliver and collect"
    return None


def padded(amounts: tuple[int, ...], dims: int) -> list[int]:
    return list(amounts) + [0] * (dims - len(amounts))


def vehicle_window(vehicle: rv.Vehicle) -> tuple[int, int]:
    return vehicle.time_window or (0, UNBOUNDED)


def job_windows(job: rv.Job) -> tuple[tuple[int, int], ...]:
    return job.time_windows or ((0, UNBOUNDED),)


def matrices(problem: rv.Problem) -> dict[str, np.ndarray]:
    """Each profile's duration matrix in whole seconds, as VROOM reads it."""
    return {
        profile: rv._as_uint_matrix(matrix).astype(np.int64)
        for profile, matrix in problem.durations.items()
    }


def servable_alone(job: rv.Job, vehicle: rv.Vehicle, matrix: np.ndarray, dims: int) -> bool:
    """Could `vehicle` serve `job` on a route of its own? (Necessary for any plan to include it.)"""
    if not job.skills <= vehicle.skills or vehicle.max_tasks == 0:
        return False
    capacity = padded(vehicle.capacity, dims) if dims else []
    for amounts in (job.delivery, job.pickup):
        if any(a > c for a, c in zip(padded(amounts, dims), capacity, strict=False)):
            return False
    shift_start, shift_end = vehicle_window(vehicle)
    there = int(matrix[vehicle.start, job.location])
    back = int(matrix[job.location, vehicle.end]) if vehicle.end is not None else 0
    if vehicle.max_travel_time is not None and there + back > vehicle.max_travel_time:
        return False
    for window_start, window_end in job_windows(job):
        service_start = max(shift_start + there, window_start)
        if service_start <= window_end and service_start + job.service + back <= shift_end:
            return True
    return False


def prizes(
    problem: rv.Problem,
    jobs: list[rv.Job],
    durations: dict[str, np.ndarray],
    *,
    eager: bool = True,
    factor: int = PRIZE_FACTOR,
) -> list[int]:
    """Each job's prize: serving more (by priority, then count) beats any travel saving.

    `eager`: the smallest prizes that do so are scaled up (by `factor`, keeping the largest
    below `PRIZE_CEILING`). Any scale keeps the order exact, and a prize well above PyVRP's
    penalty for a passing overload or delay lets its search insert a left-out order and repair
    the route afterwards, where a bare prize only lets it insert orders that fit as they are
    (a 300-order day: 8 orders out with the bare prize, 6 with it ×1000, as VROOM without a
    time limit). The larger the factor, the more it inserts and the worse the travel it leaves
    (same day, from VROOM level 0's plan with 9 out, 12 s on a busy machine: ×3: 7 out, 76,312
    s of travel; ×10: 6 out, 78,655 s; ×100: 5 out, 93,730 s; ×1000: 5 out, 96,379 s), so the
    solver raises it run by run (`routing.solvers.PRIZE_FACTORS`). When every order is served
    already, bare prizes search travel better (the penalties, which may rise to twice the
    largest prize, stay moderate)."""
    bound = 0  # the most travel any plan can have
    for vehicle in problem.vehicles:
        longest = int(durations[vehicle.profile].max(initial=0))
        route = (len(jobs) + 1) * longest
        start, end = vehicle_window(vehicle)
        if end < UNBOUNDED:
            route = min(route, end - start)
        if vehicle.max_travel_time is not None:
            route = min(route, vehicle.max_travel_time)
        bound += route
    base = bound + 1
    tier = 0
    if len({job.priority for job in jobs}) > 1:
        # A priority point outweighs every job's base prize and all travel together.
        tier = (len(jobs) + 1) * base
    largest = base + tier * max((job.priority for job in jobs), default=0)
    factor = max(1, min(factor, PRIZE_CEILING // largest)) if eager else 1
    return [factor * (base + tier * job.priority) for job in jobs]


@dataclass
class Model:
    """PyVRP's ProblemData for a supported Problem, and the maps to read its solutions back."""

    data: pyvrp.ProblemData
    client_jobs: list[rv.Job]  # PyVRP client index -> our job (a job with k windows: k clients)
    client_window: list[int]  # PyVRP client index -> which of its job's windows
    type_vehicles: list[list[int]]  # PyVRP vehicle type index -> our vehicle ids
    left_out: list[int]  # ids of jobs no vehicle can serve even alone
    depot_locations: list[int | None]  # PyVRP depot -> our location (None: an open route's end)
    skills_as: str = "none"  # "profiles", "loads" or "none"
    jobs: list[rv.Job] = field(default_factory=list)  # the jobs given to PyVRP, once each

    def clients_of(self, job_id: int) -> list[int]:
        return [i for i, job in enumerate(self.client_jobs) if job.id == job_id]


def build(
    problem: rv.Problem,
    *,
    left_out_before: Collection[int] | None = None,
    serve: Collection[int] | None = None,
    prize_factor: int = PRIZE_FACTOR,
    waiting: bool = False,
) -> Model:
    """The exact PyVRP model of a problem `unsupported` accepts. `left_out_before`: the jobs
    the plan PyVRP will start from leaves out; prizes are eager (see `prizes`) unless it serves
    every job that can be served.

    `serve`: only these jobs, each required (no prizes). A plan serving exactly the jobs of a
    plan found before is better than it by VROOM's order exactly when it drives less, so this
    is PyVRP's own problem (required clients, travel only), which it searches best: the
    search for more orders served is left to the runs with prizes and to VROOM's passes.

    `waiting` (with `serve` only: no prizes to outweigh): the cost is travel and, a tenth as
    much, the routes' duration (`TRAVEL_PER_WAITING`). PyVRP's duration counts waiting at the
    stops (a route starts as late as it can without ending later), which VROOM's cost never
    does, not even its `per_hour` cost (travel time only): among plans of about the same
    travel, this one finds the one whose drivers wait least."""
    if waiting and serve is None:
        raise ValueError("a run for less waiting serves given orders, each required")
    durations = matrices(problem)
    size = len(next(iter(durations.values())))
    dims = dimensions(problem)
    jobs, left_out = [], []
    for job in problem.jobs:
        if any(
            servable_alone(job, vehicle, durations[vehicle.profile], dims)
            for vehicle in problem.vehicles
        ):
            jobs.append(job)
        else:
            left_out.append(job.id)
    if serve is not None:
        chosen = set(serve)
        jobs = [job for job in jobs if job.id in chosen]

    # Skills some vehicle lacks restrict the jobs that need them.
    shared = frozenset.intersection(*(frozenset(v.skills) for v in problem.vehicles))
    restricting = sorted({skill for job in jobs for skill in job.skills} - shared)
    restricted = [job for job in jobs if job.skills & set(restricting)]
    signature = {v.id: frozenset(v.skills) & set(restricting) for v in problem.vehicles}
    profile_keys = sorted(
        {(v.profile, signature[v.id] if restricted else frozenset()) for v in problem.vehicles},
        key=lambda key: (key[0], sorted(key[1])),
    )
    if not restricted:
        skills_as = "none"
    elif len(profile_keys) <= MAX_PROFILES:
        skills_as = "profiles"
    else:
        skills_as = "loads"
        profile_keys = sorted({(v.profile, frozenset()) for v in problem.vehicles})

    # Locations: ours, a copy of each restricted job's place (profiles), an open routes' end.
    sources = list(range(size))
    own_location: dict[int, int] = {}
    if skills_as == "profiles":
        for job in restricted:
            own_location[job.id] = len(sources)
            sources.append(job.location)
    open_end = len(sources) if any(v.end is None for v in problem.vehicles) else None
    locations = len(sources) + (open_end is not None)
    index = np.asarray(sources)
    profile_matrices = []
    for base_profile, allowed in profile_keys:
        matrix = np.empty((locations, locations), dtype=np.int64)
        matrix[: len(sources), : len(sources)] = durations[base_profile][np.ix_(index, index)]
        if open_end is not None:
            matrix[:, open_end] = 0
            matrix[open_end, :] = FORBIDDEN
            matrix[open_end, open_end] = 0
        if skills_as == "profiles":
            for job in restricted:
                if not job.skills & set(restricting) <= allowed:
                    place = own_location[job.id]
                    matrix[place, :] = FORBIDDEN
                    matrix[:, place] = FORBIDDEN
                    matrix[place, place] = 0
        profile_matrices.append(matrix)
    profile_of = {key: number for number, key in enumerate(profile_keys)}

    def vehicle_profile(vehicle: rv.Vehicle) -> int:
        allowed = signature[vehicle.id] if skills_as == "profiles" else frozenset()
        return profile_of[(vehicle.profile, allowed)]

    # Load dimensions: ours, then one for max stops, then one per restricting skill ("loads").
    stops_dimension = any(v.max_tasks is not None for v in problem.vehicles)
    skill_dimensions = restricting if skills_as == "loads" else []
    many = len(jobs) + 1

    # Each load dimension in units of the largest amount dividing every job's amount (grams of
    # whole kilograms: kilograms): exact, as capacities are rounded down to those units, and it
    # keeps PyVRP's penalties for an overload in proportion.
    units = [
        math.gcd(
            *(padded(job.delivery, dims)[d] for job in jobs),
            *(padded(job.pickup, dims)[d] for job in jobs),
        )
        or 1
        for d in range(dims)
    ]

    def vehicle_capacity(vehicle: rv.Vehicle) -> tuple[int, ...]:
        capacity = [
            c // unit for c, unit in zip(padded(vehicle.capacity, dims), units, strict=True)
        ]
        if stops_dimension:
            capacity.append(vehicle.max_tasks if vehicle.max_tasks is not None else many)
        capacity += [many if skill in vehicle.skills else 0 for skill in skill_dimensions]
        return tuple(capacity)

    def job_delivery(job: rv.Job) -> list[int]:
        delivery = [a // unit for a, unit in zip(padded(job.delivery, dims), units, strict=True)]
        if stops_dimension:
            delivery.append(1)
        return delivery + [int(skill in job.skills) for skill in skill_dimensions]

    def job_pickup(job: rv.Job) -> list[int]:
        pickup = [a // unit for a, unit in zip(padded(job.pickup, dims), units, strict=True)]
        return pickup + [0] * (int(stops_dimension) + len(skill_dimensions))

    depot_places = {v.start for v in problem.vehicles} | {v.end for v in problem.vehicles}
    depot_locations: list[int | None] = sorted(p for p in depot_places if p is not None)
    if open_end is not None:
        depot_locations.append(None)
    depot_of = {place: number for number, place in enumerate(depot_locations)}

    groups: dict[tuple, list[int]] = defaultdict(list)
    for vehicle in problem.vehicles:
        key = (
            vehicle.start,
            vehicle.end,
            vehicle_capacity(vehicle),
            vehicle_window(vehicle),
            vehicle_profile(vehicle),
            vehicle.max_travel_time,
        )
        groups[key].append(vehicle.id)
    vehicle_types = []
    for (start, end, capacity, shift, profile, max_travel), ids in groups.items():
        max_distance = max_travel if max_travel is not None else UNBOUNDED
        if skills_as == "profiles":  # a forbidden arc makes a route infeasible, not just long
            max_distance = min(max_distance, FORBIDDEN - 1)
        vehicle_types.append(
            pyvrp.VehicleType(
                num_available=len(ids),
                capacity=list(capacity),
                start_depot=depot_of[start],
                end_depot=depot_of[end],
                tw_early=shift[0],
                tw_late=shift[1],
                max_distance=max_distance,
                profile=profile,
                # Travel (our "distance") costs one more unit than it takes of the duration.
                unit_distance_cost=TRAVEL_PER_WAITING - 1 if waiting else 1,
                unit_duration_cost=1 if waiting else 0,
            )
        )

    eager = left_out_before is None or bool(set(left_out_before) - set(left_out))
    prize_of = prizes(problem, jobs, durations, eager=eager, factor=prize_factor)
    required = serve is not None
    if required:
        prize_of = [0] * len(jobs)
    clients, client_jobs, client_window, client_groups = [], [], [], []
    for job, prize in zip(jobs, prize_of, strict=True):
        windows = job_windows(job)
        group = None
        if len(windows) > 1:
            group = len(client_groups)
            client_groups.append(
                pyvrp.ClientGroup(
                    clients=list(range(len(clients), len(clients) + len(windows))),
                    required=required,
                )
            )
        for number, (window_start, window_end) in enumerate(windows):
            clients.append(
                pyvrp.Client(
                    location=own_location.get(job.id, job.location),
                    delivery=job_delivery(job),
                    pickup=job_pickup(job),
                    service_duration=job.service,
                    tw_early=window_start,
                    tw_late=window_end,
                    prize=prize,
                    required=required and group is None,
                    group=group,
                )
            )
            client_jobs.append(job)
            client_window.append(number)
    data = pyvrp.ProblemData(
        # Coordinates only serve PyVRP's plots; the matrices carry the geometry.
        locations=[pyvrp.Location(0, 0) for _ in range(locations)],
        clients=clients,
        depots=[
            pyvrp.Depot(location=place if place is not None else open_end)
            for place in depot_locations
        ],
        vehicle_types=vehicle_types,
        # Cost is travel duration, as for VROOM: the duration matrix is also PyVRP's "distance".
        distance_matrices=profile_matrices,
        duration_matrices=profile_matrices,
        groups=client_groups,
    )
    return Model(
        data=data,
        client_jobs=client_jobs,
        client_window=client_window,
        type_vehicles=list(groups.values()),
        left_out=left_out,
        depot_locations=depot_locations,
        skills_as=skills_as,
        jobs=jobs,
    )


def search(model: Model, *, stop, seed: int, initial: pyvrp.Solution | None) -> pyvrp.Solution:
    """`pyvrp.solve` with one change: penalties may rise as high as the largest prize. With
    priority tiers a prize can be far above PyVRP's default penalty bound (1e5 per unit of
    violation); below it, inserting a priority order while breaking a window or a capacity
    would always pay, and the search would stay infeasible. They start where PyVRP starts
    them, and rise only when the search finds too few feasible plans."""
    data = model.data
    params = pyvrp.SolveParams()
    rng = RandomNumberGenerator(seed=seed)
    local_search = LocalSearch(
        data,
        rng,
        compute_neighbours(data, params.neighbourhood),
        PerturbationManager(params.perturbation),
    )
    for operator in params.operators:
        if operator.supports(data):
            local_search.add_operator(operator(data))
    largest = max((client.prize for client in data.clients()), default=0)
    bounds = PenaltyParams(max_penalty=max(params.penalty.max_penalty, 2.0 * largest))
    penalties = PenaltyManager(params.penalty.midpoint_penalties(data), bounds)
    if initial is None:
        random = pyvrp.Solution.make_random(data, rng)
        initial = local_search(random, penalties.max_cost_evaluator(), exhaustive=True)
    ils = IteratedLocalSearch(data, penalties, local_search, initial, params.ils)
    return ils.run(stop, collect_stats=False).best


def warm_start(model: Model, solution: rv.Solution) -> pyvrp.Solution | None:
    """A plan (VROOM's, or a part's) as PyVRP's initial solution; what it leaves out stays
    unvisited (optional clients). None when it uses a vehicle PyVRP does not have."""
    by_job: dict[int, list[int]] = defaultdict(list)
    for client, job in enumerate(model.client_jobs):
        by_job[job.id].append(client)
    type_of = {vid: index for index, ids in enumerate(model.type_vehicles) for vid in ids}
    routes = []
    for route in solution.routes:
        if not route.job_ids:
            continue
        if route.vehicle_id not in type_of:
            return None
        visits = []
        for step in route.steps:
            if step.kind != "job" or step.id not in by_job:
                continue
            candidates = by_job[step.id]
            service_start = step.arrival + step.waiting
            chosen = candidates[0]
            for client in candidates:
                window = job_windows(model.client_jobs[client])[model.client_window[client]]
                if window[0] <= service_start <= window[1]:
                    chosen = client
                    break
            visits.append(chosen)
        if visits:
            routes.append(pyvrp.Route(model.data, visits, type_of[route.vehicle_id]))
    return pyvrp.Solution(model.data, routes)


def read(problem: rv.Problem, model: Model, best: pyvrp.Solution) -> rv.Solution:
    """PyVRP's routes as our Solution: our job and vehicle ids, arrivals and waits in our units."""
    vehicles = {vehicle.id: vehicle for vehicle in problem.vehicles}
    free_vehicles = [list(ids) for ids in model.type_vehicles]
    routes = []
    for pyvrp_route in best.routes():
        vehicle_id = free_vehicles[pyvrp_route.vehicle_type()].pop(0)
        steps: list[rv.Step] = []
        schedule = pyvrp_route.schedule()
        for position, activity in enumerate(schedule):
            if activity.is_depot():
                kind = "start" if position == 0 else "end"
                place = model.depot_locations[activity.idx]
                if place is None:  # an open route ends where its last stop is
                    place = steps[-1].location
                steps.append(rv.Step(kind, None, place, activity.start_time, 0, 0))
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
                duration=rv._route_travel(
                    locations, problem.durations[vehicles[vehicle_id].profile]
                ),
                distance=rv._route_travel(locations, problem.distances),
            )
        )
    served = {job_id for route in routes for job_id in route.job_ids}
    unassigned = sorted(job.id for job in problem.jobs if job.id not in served)
    return rv.Solution(routes=routes, unassigned=unassigned)
