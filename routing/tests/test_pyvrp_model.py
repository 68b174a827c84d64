"""routing.pyvrp_model: each constraint we give PyVRP is modelled exactly, checked against VROOM's
reading of the same plans, both ways:

- PyVRP's plan, driven by VROOM exactly as planned (VROOM's plan mode), breaks nothing VROOM
  enforces (`routing.vroom.violations` is empty): PyVRP allows nothing VROOM forbids;
- VROOM's own plan, given to the PyVRP model, is feasible there at the same travel: PyVRP
  forbids nothing VROOM allows;
- and PyVRP's plan started from VROOM's (as `solvers.plan` starts it) is at least as good as
  VROOM's by VROOM's own order (priorities served, orders served, travel).
"""

import dataclasses
import random
from datetime import timedelta

import numpy as np
import pytest

from routing import pyvrp_model as pm
from routing import solvers
from routing import vroom as rv

SECONDS = timedelta(seconds=0.5)
# Places on a line, 10 apart: 0 (the depot), 1, 2, 3.
LINE = np.array([[abs(a - b) * 10 for b in range(4)] for a in range(4)])


def line(jobs, vehicles, **matrices) -> rv.Problem:
    durations = {"car": LINE, **matrices}
    return rv.Problem(jobs=jobs, vehicles=vehicles, durations=durations, distances=LINE)


def euclidean(points, jobs, vehicles) -> rv.Problem:
    coordinates = np.array(points, dtype=float)
    delta = coordinates[:, None, :] - coordinates[None, :, :]
    matrix = np.rint(np.sqrt((delta**2).sum(axis=2)) * 10).astype(np.int64)
    return rv.Problem(jobs=jobs, vehicles=vehicles, durations={"car": matrix}, distances=matrix)


def routes_of(solution: rv.Solution) -> dict[int, list[int]]:
    return {route.vehicle_id: route.job_ids for route in solution.routes if route.job_ids}


def pyvrp_plan(
    problem: rv.Problem, seconds: timedelta = SECONDS, warm_start: rv.Solution | None = None
) -> rv.Solution:
    """PyVRP's plan as the model makes it, without the production check against VROOM."""
    solution, _ = solvers.solve_with_pyvrp(
        problem, time_limit=seconds, warm_start=warm_start, check=False
    )
    assert solution is not None
    return solution


def exact_plan(problem: rv.Problem, seconds: timedelta = SECONDS) -> rv.Solution:
    """PyVRP's plan, after checking that both engines read the model the same (see the module's
    docstring): a cold start and a start from VROOM's plan (as `solvers.plan` does) both break
    nothing VROOM enforces; VROOM's own plan is a feasible plan of PyVRP's model at the same
    travel; the plan from VROOM's is at least as good as VROOM's. Returns that plan."""
    assert rv.violations(problem, pyvrp_plan(problem, seconds)) == []
    by_vroom = rv.solve(problem, exploration_level=5)
    replay = pm.warm_start(pm.build(problem), by_vroom)
    assert replay.is_feasible()
    assert replay.distance() == by_vroom.duration
    assert len(replay.routes()) == len(routes_of(by_vroom))
    by_pyvrp = pyvrp_plan(problem, seconds, warm_start=by_vroom)
    assert rv.violations(problem, by_pyvrp) == []
    assert solvers._rank(problem, by_pyvrp) <= solvers._rank(problem, by_vroom)
    return by_pyvrp


# --- skills: site-dependence ------------------------------------------------------------------

FRIDGE, HEAVY = 1, 2


def fridge_day() -> rv.Problem:
    """Van 1 (no fridge) lives at 0, next to the fridge orders; van 2 (fridge, room for two)
    lives at 1, far. A plain order shares its place with a fridge order (the model copies that
    place for the fridge order only)."""
    points = [(0, 0), (20, 0), (1, 1), (1, -1), (19, 1), (1, 1)]
    jobs = [
        rv.Job(id=11, location=2, delivery=(1,), skills=frozenset({FRIDGE})),
        rv.Job(id=12, location=3, delivery=(1,), skills=frozenset({FRIDGE})),
        rv.Job(id=13, location=4, delivery=(1,)),
        rv.Job(id=14, location=5, delivery=(1,)),  # same place as 11, no skill
    ]
    vans = [
        rv.Vehicle(id=1, start=0, end=0, capacity=(5,), skills=frozenset({HEAVY})),
        rv.Vehicle(id=2, start=1, end=1, capacity=(2,), skills=frozenset({FRIDGE, HEAVY})),
    ]
    return euclidean(points, jobs, vans)


@pytest.mark.parametrize("skills_as", ["profiles", "loads"])
def test_skills_keep_orders_to_vehicles_that_have_them(skills_as, monkeypatch):
    if skills_as == "loads":
        monkeypatch.setattr(pm, "MAX_PROFILES", 0)
    problem = fridge_day()
    assert pm.build(problem).skills_as == skills_as

    by_pyvrp = exact_plan(problem)

    plans = routes_of(by_pyvrp)
    assert {11, 12} <= set(plans[2])
    assert 14 in plans[1]  # the plain order at the fridge order's place: van 1's
    assert by_pyvrp.unassigned == []
    assert by_pyvrp.duration == rv.solve(problem, exploration_level=5).duration


def test_a_skill_no_vehicle_has_leaves_the_order_out():
    problem = fridge_day()
    problem.jobs = [*problem.jobs, rv.Job(id=15, location=2, delivery=(1,), skills=frozenset({7}))]

    by_pyvrp = exact_plan(problem)

    assert by_pyvrp.unassigned == [15]


def test_a_pinned_order_and_a_shared_skill():
    # Every van has HEAVY (it restricts nothing); only van 2 has FRIDGE.
    problem = fridge_day()
    problem.jobs = [dataclasses.replace(job, skills=job.skills | {HEAVY}) for job in problem.jobs]

    by_pyvrp = exact_plan(problem)

    assert {11, 12} <= set(routes_of(by_pyvrp)[2])


# --- optional orders with prizes: a day that cannot all fit ------------------------------------


def test_a_day_that_cannot_all_fit_serves_as_many_as_vroom():
    # two vans of 3 items, eight stops of 1 item: two must stay behind
    points = [(0, 0), (5, 5), (6, 5), (5, 6), (-5, -5), (-6, -5), (-5, -6), (0, 7), (7, 0)]
    jobs = [rv.Job(id=100 + i, location=i, delivery=(1,), service=2) for i in range(1, 9)]
    vans = [rv.Vehicle(id=k, start=0, end=0, capacity=(3,)) for k in (1, 2)]
    problem = euclidean(points, jobs, vans)

    by_pyvrp = exact_plan(problem)

    assert len(by_pyvrp.unassigned) == 2


# --- priorities as prize tiers -----------------------------------------------------------------


def priority_day(priorities: tuple[int, int, int]) -> rv.Problem:
    """Within the 65 s shift a van serves either the far stop (there and back: 65) or the two
    near ones (30), never all three (75)."""
    jobs = [
        rv.Job(id=101, location=1, service=5, priority=priorities[0]),
        rv.Job(id=102, location=1, service=5, priority=priorities[1]),
        rv.Job(id=103, location=3, service=5, priority=priorities[2]),
    ]
    return line(jobs, [rv.Vehicle(id=1, start=0, end=0, time_window=(0, 65))])


@pytest.mark.parametrize(
    ("priorities", "served"),
    [
        ((0, 0, 0), [101, 102]),  # more orders first
        ((4, 4, 10), [103]),  # a priority sum of 10 beats 8, as in VROOM
        ((5, 6, 10), [101, 102]),  # 11 beats 10
    ],
)
def test_priorities_are_served_first_as_vroom_does(priorities, served):
    problem = priority_day(priorities)

    by_pyvrp = exact_plan(problem)

    assert sorted(job_id for ids in routes_of(by_pyvrp).values() for job_id in ids) == served
    assert sorted(by_pyvrp.unassigned) == sorted({101, 102, 103} - set(served))


@pytest.mark.parametrize("factor", solvers.PRIZE_FACTORS)
def test_every_prize_factor_the_solver_uses_scales_all_prizes_alike(factor):
    # the shift bounds any route's travel at 65: base prize 66, a priority point 4 x 66
    problem = priority_day((4, 4, 10))
    durations = pm.matrices(problem)

    bare = pm.prizes(problem, problem.jobs, durations, eager=False)
    scaled = pm.prizes(problem, problem.jobs, durations, factor=factor)

    assert bare == [1122, 1122, 2706]
    assert scaled == [factor * 1122, factor * 1122, factor * 2706]


# --- several windows as a client group ---------------------------------------------------------


def test_an_order_with_two_windows_is_served_in_one_of_them():
    # 103 is 30 away: its first window (0–10) cannot be reached, its second (100–120) can;
    # 101's window (20–30) comes first on the way.
    jobs = [
        rv.Job(id=101, location=1, service=5, time_windows=((20, 30),)),
        rv.Job(id=103, location=3, service=5, time_windows=((0, 10), (100, 120))),
    ]
    problem = line(jobs, [rv.Vehicle(id=1, start=0, end=0, time_window=(0, 200))])
    model = pm.build(problem)
    assert len(model.data.groups()) == 1

    by_pyvrp = exact_plan(problem)

    ((route),) = by_pyvrp.routes
    step = next(s for s in route.steps if s.id == 103)
    assert 100 <= step.arrival + step.waiting <= 120
    assert route.job_ids == [101, 103]


def test_two_orders_at_one_place_with_two_windows_each():
    # Both can be served at 3 in the same early window or one early, one late.
    jobs = [
        rv.Job(id=101, location=3, service=20, time_windows=((30, 40), (200, 210))),
        rv.Job(id=102, location=3, service=20, time_windows=((30, 40), (90, 100))),
    ]
    problem = line(jobs, [rv.Vehicle(id=1, start=0, end=0, time_window=(0, 300))])

    by_pyvrp = exact_plan(problem)

    assert by_pyvrp.unassigned == []


# --- open routes, max travel time, max stops ----------------------------------------------------


def test_an_open_route_ends_at_its_last_stop():
    # Without the way back (30) the three stops fit the 40 s shift.
    jobs = [rv.Job(id=100 + i, location=i) for i in (1, 2, 3)]
    problem = line(jobs, [rv.Vehicle(id=1, start=0, end=None, time_window=(0, 40))])

    by_pyvrp = exact_plan(problem)

    ((route),) = by_pyvrp.routes
    assert route.job_ids == [101, 102, 103]
    assert (route.steps[-1].kind, route.steps[-1].location) == ("end", 3)
    assert route.steps[-1].arrival == 30
    assert route.duration == 30


def test_max_travel_time_bounds_the_driving():
    # 40 s of driving: 0 → 1 → 2 → 0, not 3
    jobs = [rv.Job(id=100 + i, location=i) for i in (1, 2, 3)]
    problem = line(jobs, [rv.Vehicle(id=1, start=0, end=0, max_travel_time=40)])

    by_pyvrp = exact_plan(problem)

    assert by_pyvrp.unassigned == [103]
    assert by_pyvrp.duration == 40


def test_max_stops_bound_each_route():
    jobs = [rv.Job(id=100 + i, location=i) for i in (1, 2, 3)]
    vans = [
        rv.Vehicle(id=1, start=0, end=0, max_tasks=2),
        rv.Vehicle(id=2, start=0, end=0, max_tasks=1),
    ]
    problem = line(jobs, vans)

    by_pyvrp = exact_plan(problem)

    plans = routes_of(by_pyvrp)
    assert len(plans[1]) <= 2 and len(plans[2]) <= 1
    assert by_pyvrp.unassigned == []


def test_routing_profiles_each_drive_their_own_matrix():
    # The bike is twice as slow; the stop at 3 fits only the van's shift.
    jobs = [rv.Job(id=100 + i, location=i) for i in (1, 3)]
    vans = [
        rv.Vehicle(id=1, start=0, end=0, profile="bike", time_window=(0, 50)),
        rv.Vehicle(id=2, start=0, end=0, profile="car", time_window=(0, 60), capacity=()),
    ]
    problem = line(jobs, vans, bike=LINE * 2)

    by_pyvrp = exact_plan(problem)

    assert 103 in routes_of(by_pyvrp)[2]
    assert by_pyvrp.unassigned == []


# --- mid-day re-planning: from each driver's current place and time ----------------------------

ROUTE_1 = 50  # the skill that keeps van 1's remaining orders in van 1 (their goods are on board)


def test_replanning_continues_from_the_current_place_and_time():
    # Van 1 is at 2 since t=300, with 103 still on board; van 2 waits at the depot. 101 is new.
    jobs = [
        rv.Job(id=101, location=1, service=5),
        rv.Job(id=103, location=3, service=5, skills=frozenset({ROUTE_1})),
    ]
    vans = [
        rv.Vehicle(id=1, start=2, end=0, time_window=(300, 1000), skills=frozenset({ROUTE_1})),
        rv.Vehicle(id=2, start=0, end=0, time_window=(0, 1000)),
    ]
    problem = line(jobs, vans)

    by_pyvrp = exact_plan(problem)

    plans = routes_of(by_pyvrp)
    assert 103 in plans[1]
    van_1 = next(route for route in by_pyvrp.routes if route.vehicle_id == 1)
    assert (van_1.steps[0].location, van_1.steps[0].arrival >= 300) == (2, True)


def test_replanning_many_vans_pins_orders_through_load_dimensions():
    # five vans under way (more profiles than allowed): their pins become load dimensions
    rng = random.Random(5)
    points = [(0, 0)] + [(rng.uniform(-9, 9), rng.uniform(-9, 9)) for _ in range(15)]
    vans, jobs = [], []
    for k in range(1, 6):
        vans.append(
            rv.Vehicle(
                id=k,
                start=k,
                end=0,
                capacity=(4,),
                time_window=(200, 2000),
                skills=frozenset({100 + k}),
            )
        )
        jobs.append(rv.Job(id=k, location=5 + k, delivery=(1,), skills=frozenset({100 + k})))
    jobs += [rv.Job(id=20 + i, location=10 + i, delivery=(1,)) for i in range(1, 6)]
    problem = euclidean(points, jobs, vans)
    assert pm.build(problem).skills_as == "loads"

    by_pyvrp = exact_plan(problem)

    plans = routes_of(by_pyvrp)
    for k in range(1, 6):
        assert k in plans[k]
    assert by_pyvrp.unassigned == []


# --- everything at once -----------------------------------------------------------------------


def random_day(seed: int) -> rv.Problem:
    """Twelve orders, three vans: skills, one or two windows, priorities, two load dimensions,
    an open route, a max travel time, a max stops, a late shift."""
    rng = random.Random(seed)
    points = [(0, 0), (6, 6)] + [(rng.uniform(-10, 10), rng.uniform(-10, 10)) for _ in range(12)]
    jobs = []
    for i in range(12):
        start = rng.choice([0, 100, 200, 300])
        windows = rng.choice(
            [(), ((start, start + 120),), ((start, start + 60), (start + 250, start + 330))]
        )
        jobs.append(
            rv.Job(
                id=1 + i,
                location=2 + i,
                service=10,
                delivery=(rng.randint(1, 3), rng.randint(0, 2)),
                skills=frozenset({FRIDGE}) if rng.random() < 0.25 else frozenset(),
                priority=rng.choice([0, 0, 0, 5]),
                time_windows=windows,
            )
        )
    vans = [
        rv.Vehicle(id=1, start=0, end=0, capacity=(8, 6), time_window=(0, 600), max_tasks=5),
        rv.Vehicle(
            id=2,
            start=1,
            end=None,
            capacity=(6, 8),
            time_window=(150, 700),
            skills=frozenset({FRIDGE}),
        ),
        rv.Vehicle(
            id=3, start=0, end=1, capacity=(8, 8), time_window=(0, 500), max_travel_time=300
        ),
    ]
    return euclidean(points, jobs, vans)


@pytest.mark.parametrize("seed", range(6))
def test_a_day_with_everything_reads_the_same_in_both_engines(seed):
    problem = random_day(seed)

    exact_plan(problem, timedelta(seconds=1))


def test_the_checked_path_refuses_nothing_on_such_a_day():
    solution, start = solvers.solve_with_pyvrp(random_day(1), time_limit=SECONDS)

    assert solution is not None
    assert start == "cold start"


@pytest.mark.parametrize("seed", range(3))
def test_serving_exactly_a_plans_orders_only_searches_travel(seed):
    # given VROOM's plan of a day with everything (some orders left out)
    problem = random_day(seed)
    by_vroom = rv.solve(problem, exploration_level=5)
    served = sorted(job_id for route in by_vroom.routes for job_id in route.job_ids)

    # when PyVRP serves exactly those orders, each required, from VROOM's plan
    solution, start = solvers.solve_with_pyvrp(
        problem, time_limit=SECONDS, warm_start=by_vroom, serve=served
    )

    # then the same orders, nothing VROOM would refuse, and no more travel than VROOM's
    assert start == "warm start"
    assert solution is not None
    assert sorted(job_id for route in solution.routes for job_id in route.job_ids) == served
    assert solution.unassigned == by_vroom.unassigned
    assert rv.violations(problem, solution) == []
    assert solution.duration <= by_vroom.duration
