"""routing.solvers: when PyVRP may take a problem, how its plan is read back, which plan is kept."""

import dataclasses
import time
from datetime import timedelta

import numpy as np
import pytest

from routing import solvers
from routing import vroom as rv

# Four places on a line: depot 0, then 1, 2, 3 at 10, 20, 30 (seconds and metres alike).
LINE = np.array([[abs(a - b) * 10 for b in range(4)] for a in range(4)])
BUDGET = timedelta(seconds=1)


def line_problem(**vehicle_options) -> rv.Problem:
    jobs = [rv.Job(id=100 + i, location=i, service=5, delivery=(1,)) for i in (1, 2, 3)]
    vehicle = rv.Vehicle(id=1, start=0, end=0, capacity=(10,), **vehicle_options)
    return rv.Problem(jobs=jobs, vehicles=[vehicle], durations={"car": LINE}, distances=LINE)


def euclidean_problem(points, jobs, vehicles) -> rv.Problem:
    coordinates = np.array(points, dtype=float)
    delta = coordinates[:, None, :] - coordinates[None, :, :]
    matrix = np.rint(np.sqrt((delta**2).sum(axis=2))).astype(np.int64)
    return rv.Problem(jobs=jobs, vehicles=vehicles, durations={"car": matrix}, distances=matrix)


def tight_windows_problem(points, windows, demands) -> rv.Problem:
    """Eight stops with tight windows, three vans of 6; the depot is points[0]."""
    jobs = [
        rv.Job(id=101 + i, location=1 + i, service=2, delivery=(demand,), time_windows=(window,))
        for i, (window, demand) in enumerate(zip(windows, demands, strict=True))
    ]
    vans = [rv.Vehicle(id=k, start=0, end=0, capacity=(6,), time_window=(0, 60)) for k in (1, 2, 3)]
    return euclidean_problem(points, jobs, vans)


def vroom_beats_nothing_problem() -> rv.Problem:
    """VROOM (any level) drives 58 here; the optimum, which PyVRP finds, is 45."""
    points = [(1, 3), (4, 5), (6, 5), (0, 6), (9, 6), (8, 8), (6, 5), (1, 5), (7, 7)]
    windows = [(24, 34), (3, 6), (11, 14), (11, 15), (23, 26), (20, 29), (20, 24), (9, 12)]
    return tight_windows_problem(points, windows, demands=[1, 2, 2, 3, 2, 3, 3, 2])


def vroom_leaves_one_out_problem() -> rv.Problem:
    """VROOM (any level) leaves job 106 out; PyVRP serves all eight."""
    points = [(9, 6), (1, 1), (1, 6), (1, 3), (0, 3), (5, 7), (0, 9), (1, 1), (8, 4)]
    windows = [(26, 36), (4, 9), (5, 11), (11, 22), (2, 5), (26, 35), (29, 35), (24, 33)]
    return tight_windows_problem(points, windows, demands=[2, 3, 2, 3, 2, 3, 1, 2])


def route_plans(solution: rv.Solution) -> dict[int, list[int]]:
    return {route.vehicle_id: route.job_ids for route in solution.routes}


# --- pyvrp_supports ---------------------------------------------------------------------------


def test_pyvrp_takes_a_capacitated_problem_with_one_window_per_job():
    problem = line_problem(time_window=(0, 500))
    problem.jobs = [dataclasses.replace(job, time_windows=((0, 100),)) for job in problem.jobs]

    assert solvers.pyvrp_supports(problem) is True


def _with_job(problem: rv.Problem, **changes) -> rv.Problem:
    problem.jobs = [dataclasses.replace(problem.jobs[0], **changes), *problem.jobs[1:]]
    return problem


def _with_vehicle(problem: rv.Problem, **changes) -> rv.Problem:
    problem.vehicles = [dataclasses.replace(problem.vehicles[0], **changes)]
    return problem


def _with_second_vehicle(problem: rv.Problem, **changes) -> rv.Problem:
    second = dataclasses.replace(problem.vehicles[0], id=2, **changes)
    problem.vehicles = [problem.vehicles[0], second]
    return problem


UNSUPPORTED = {
    "delivery and pickup on one job": lambda p: _with_job(p, pickup=(1,)),
    "a break": lambda p: _with_vehicle(p, breaks=(rv.Break(id=1, service=30),)),
    "a locked step": lambda p: _with_vehicle(p, locked_steps=(rv.LockedStep("job", 101),)),
    "no start": lambda p: _with_vehicle(p, start=None),
    "capacities of different dimensions": lambda p: _with_second_vehicle(p, capacity=(5, 5)),
    "a shipment": lambda p: dataclasses.replace(
        p,
        shipments=[
            rv.Shipment(pickup=rv.Job(id=201, location=1), delivery=rv.Job(id=202, location=2))
        ],
    ),
    "no jobs": lambda p: dataclasses.replace(p, jobs=[]),
}


@pytest.mark.parametrize("feature", sorted(UNSUPPORTED))
def test_pyvrp_declines_what_only_vroom_handles(feature):
    problem = UNSUPPORTED[feature](line_problem())

    assert solvers.pyvrp_supports(problem) is False


SUPPORTED = {
    "two time windows": lambda p: _with_job(p, time_windows=((0, 10), (50, 60))),
    "a skill some vehicle lacks": lambda p: _with_job(
        _with_second_vehicle(p, skills=frozenset({7})), skills=frozenset({7})
    ),
    "different priorities": lambda p: _with_job(p, priority=10),
    "max tasks": lambda p: _with_vehicle(p, max_tasks=2),
    "max travel time": lambda p: _with_vehicle(p, max_travel_time=100),
    "an open route": lambda p: _with_vehicle(p, end=None),
    "two profiles": lambda p: _with_second_vehicle(p, profile="bike"),
    "skills every vehicle has": lambda p: _with_job(
        _with_second_vehicle(_with_vehicle(p, skills=frozenset({7, 8})), skills=frozenset({7})),
        skills=frozenset({7}),
    ),
    "the same priority everywhere": lambda p: dataclasses.replace(
        p, jobs=[dataclasses.replace(job, priority=40) for job in p.jobs]
    ),
    "pickup-only jobs": lambda p: _with_job(p, delivery=(), pickup=(3,)),
    "vehicles at several depots": lambda p: _with_second_vehicle(p, start=3, end=3),
    "no amounts at all": lambda p: dataclasses.replace(
        _with_vehicle(p, capacity=()),
        jobs=[dataclasses.replace(job, delivery=()) for job in p.jobs],
    ),
}


@pytest.mark.parametrize("feature", sorted(SUPPORTED))
def test_pyvrp_takes_exactly_equivalent_variants(feature):
    problem = SUPPORTED[feature](line_problem())

    assert solvers.pyvrp_supports(problem) is True


# --- PyVRP's plan read back --------------------------------------------------------------------


def test_both_engines_find_the_same_unique_optimum():
    # given: a depot between two pairs of stops; B and D must come first (windows end at 15),
    # and two stops fit a van, so the optimum pairs A with B and C with D.
    points = [(0, 0), (10, 0), (10, 10), (-10, 0), (-10, 10)]
    jobs = [
        rv.Job(id=11, location=1, delivery=(1,)),
        rv.Job(id=12, location=2, delivery=(1,), time_windows=((0, 15),)),
        rv.Job(id=13, location=3, delivery=(1,)),
        rv.Job(id=14, location=4, delivery=(1,), time_windows=((0, 15),)),
    ]
    vans = [rv.Vehicle(id=k, start=0, end=0, capacity=(2,)) for k in (1, 2)]
    problem = euclidean_problem(points, jobs, vans)

    # when
    by_vroom = rv.solve(problem, exploration_level=5)
    by_pyvrp, start = solvers.solve_with_pyvrp(problem, time_limit=timedelta(seconds=0.5))

    # then: 14 + 10 + 10 per side
    assert start == "cold start"
    assert sorted(route_plans(by_vroom).values()) == [[12, 11], [14, 13]]
    assert sorted(route_plans(by_pyvrp).values()) == [[12, 11], [14, 13]]
    assert by_vroom.duration == by_pyvrp.duration == 68
    assert by_pyvrp.unassigned == []


def test_pyvrp_plan_has_our_ids_arrivals_service_and_waiting():
    problem = line_problem()
    problem.vehicles = [rv.Vehicle(id=7, start=0, end=0, capacity=(10,))]
    problem.jobs = [
        rv.Job(id=101, location=1, service=5, delivery=(1,), time_windows=((100, 200),)),
        rv.Job(id=103, location=3, service=5, delivery=(1,), time_windows=((0, 40),)),
    ]

    solution, _ = solvers.solve_with_pyvrp(problem, time_limit=timedelta(seconds=0.5))

    (route,) = solution.routes
    # Leave at 10 to reach 103 at its window's end; 101 is reached at 40 + 5 + 20 = 65 and
    # waits 35 for its window; back at 100 + 5 + 10.
    assert route.vehicle_id == 7
    assert route.steps == [
        rv.Step("start", None, 0, arrival=10, service=0, waiting=0),
        rv.Step("job", 103, 3, arrival=40, service=5, waiting=0),
        rv.Step("job", 101, 1, arrival=65, service=5, waiting=35),
        rv.Step("end", None, 0, arrival=115, service=0, waiting=0),
    ]
    assert (route.duration, route.distance) == (60, 60)
    assert solution.unassigned == []


def test_pyvrp_plan_keeps_each_vehicle_at_its_own_depot():
    # Vehicle 1 lives at 0, vehicle 2 at 3; one stop each fits.
    problem = line_problem()
    problem.vehicles = [
        rv.Vehicle(id=1, start=0, end=0, capacity=(1,)),
        rv.Vehicle(id=2, start=3, end=3, capacity=(1,)),
    ]
    problem.jobs = [
        rv.Job(id=101, location=1, delivery=(1,)),
        rv.Job(id=102, location=2, delivery=(1,)),
    ]

    solution, _ = solvers.solve_with_pyvrp(problem, time_limit=timedelta(seconds=0.5))

    assert route_plans(solution) == {1: [101], 2: [102]}
    locations = {r.vehicle_id: [s.location for s in r.steps] for r in solution.routes}
    assert locations == {1: [0, 1, 0], 2: [3, 2, 3]}
    assert solution.duration == 40


def test_pyvrp_plan_is_feasible_for_vroom_too():
    # given: PyVRP's optimum on a problem where VROOM alone stays at 58
    problem = vroom_beats_nothing_problem()
    by_pyvrp, _ = solvers.solve_with_pyvrp(problem, time_limit=timedelta(seconds=0.5))

    # when: VROOM must keep exactly those routes
    locked = dataclasses.replace(
        problem,
        vehicles=[
            dataclasses.replace(
                vehicle,
                locked_steps=tuple(
                    rv.LockedStep("job", job_id) for job_id in route_plans(by_pyvrp)[vehicle.id]
                ),
            )
            if vehicle.id in route_plans(by_pyvrp)
            else vehicle
            for vehicle in problem.vehicles
        ],
    )
    replayed = rv.solve(locked, exploration_level=0)

    # then: VROOM finds them feasible under its own semantics, at the same cost
    assert by_pyvrp.duration == 45
    assert replayed.unassigned == []
    assert route_plans(replayed) == route_plans(by_pyvrp)
    assert replayed.duration == 45


def test_jobs_no_vehicle_can_serve_are_left_out_of_pyvrp():
    problem = line_problem(time_window=(0, 100))
    problem.jobs = [
        rv.Job(id=101, location=1, delivery=(1,)),
        rv.Job(id=102, location=2, delivery=(11,)),  # heavier than the van's 10
        rv.Job(id=103, location=3, delivery=(1,), time_windows=((0, 20),)),  # 30 away
    ]

    solution, _ = solvers.solve_with_pyvrp(problem, time_limit=timedelta(seconds=0.5))

    assert route_plans(solution) == {1: [101]}
    assert solution.unassigned == [102, 103]


# --- plan: which plan is kept ------------------------------------------------------------------


def test_plan_keeps_pyvrp_plan_when_it_is_cheaper():
    result = solvers.plan(vroom_beats_nothing_problem(), time_budget=BUDGET)

    assert (result.path, result.reason) == ("pyvrp", "pyvrp's plan is better")
    assert result.solution.duration == 45
    assert result.solution.unassigned == []
    assert [(a.solver, a.cost) for a in result.attempts] == [("vroom", 58), ("pyvrp", 45)]


def test_plan_keeps_pyvrp_plan_when_it_serves_every_job():
    result = solvers.plan(vroom_leaves_one_out_problem(), time_budget=BUDGET)

    assert result.path == "pyvrp"
    assert result.solution.unassigned == []
    assert [(a.solver, a.unassigned) for a in result.attempts] == [("vroom", 1), ("pyvrp", 0)]
    # Every order is optional for PyVRP: VROOM's plan without 106 is still its warm start;
    # the first run with prizes scales them moderately (PRIZE_FACTORS)
    assert result.attempts[1].detail == "warm start from vroom, prizes ×10"


def test_vroom_from_a_plan_never_ends_worse():
    # given: PyVRP's optimum (45) as VROOM's initial routes; VROOM alone finds 58 at best
    problem = vroom_beats_nothing_problem()
    by_pyvrp, _ = solvers.solve_with_pyvrp(problem, time_limit=timedelta(seconds=0.5))

    # when
    again = rv.solve(problem, exploration_level=1, initial=by_pyvrp)

    # then
    assert again.duration == 45
    assert again.unassigned == []


def test_vroom_local_search_improves_a_poor_start():
    # given: every stop on its own route (a valid but poor plan)
    problem = line_problem()
    problem.vehicles = [rv.Vehicle(id=k, start=0, end=0, capacity=(10,)) for k in (1, 2, 3)]
    poor = rv.Solution(
        routes=[
            rv.Route(
                vehicle_id=k,
                steps=[
                    rv.Step("start", None, 0, 0, 0, 0),
                    rv.Step("job", 100 + k, k, 10 * k, 5, 0),
                    rv.Step("end", None, 0, 20 * k + 5, 0, 0),
                ],
                duration=20 * k,
                distance=20 * k,
            )
            for k in (1, 2, 3)
        ]
    )

    better = rv.solve(problem, exploration_level=1, initial=poor)

    assert better.duration == 60  # one route out and back
    assert better.unassigned == []


def test_job_summary_runs_say_engine_level_seconds_and_result():
    attempt = solvers.Attempt("vroom", "level 3", 1.234, True, 2, 500, 3)

    assert attempt.summary() == {
        "engine": "vroom",
        "level": 3,
        "detail": "level 3",
        "seconds": 1.23,
        "result": "plan",
        "unassigned": 2,
        "travel_s": 500,
    }


# The helper process needs a moment to start (imports): on a loaded machine 2.5 s was too short,
# and with a load average of 15 on 2 cores importing the solvers took 5 s.
PARALLEL_BUDGET = timedelta(seconds=10)


def test_plan_with_a_spare_thread_also_runs_vroom_in_parallel(monkeypatch):
    # given: a first VROOM share so small that its level is below what the budget allows
    monkeypatch.setattr(solvers, "VROOM_SHARE_BEFORE_PYVRP", 0.001)

    result = solvers.plan(vroom_beats_nothing_problem(), time_budget=PARALLEL_BUDGET)

    assert (result.path, result.reason) == ("pyvrp", "pyvrp's plan is better")
    assert result.solution.duration == 45
    # every order served: one PyVRP run on exactly those orders to the deadline, and the
    # helper's plan at the end (not better)
    assert [(a.solver, a.detail, a.cost) for a in result.attempts] == [
        ("vroom", "level 2", 58),
        ("pyvrp", "warm start from vroom, the same orders", 45),
        ("vroom", "level 5, 1 thread, parallel process", 58),
    ]


def test_plan_whose_helper_vroom_would_only_repeat_its_first_run_runs_pyvrp_there():
    # VROOM's first run is at level 5 already: a helper at level 5 would find the same plan, so
    # the spare thread runs a second PyVRP search from VROOM's plan, with a seed of its own
    result = solvers.plan(vroom_beats_nothing_problem(), time_budget=PARALLEL_BUDGET)

    assert (result.path, result.reason) == ("pyvrp", "pyvrp's plan is better")
    assert result.solution.duration == 45
    assert [(a.solver, a.detail, a.cost) for a in result.attempts] == [
        ("vroom", "level 5", 58),
        ("pyvrp", "warm start from vroom, the same orders", 45),
        ("pyvrp", "warm start from vroom, seed 1001, parallel process", 45),
    ]


def test_a_day_that_cannot_all_fit_still_gets_pyvrp_plans_in_parallel_too():
    problem = line_problem()
    problem.vehicles = [rv.Vehicle(id=1, start=0, end=0, capacity=(2,))]

    result = solvers.plan(problem, time_budget=PARALLEL_BUDGET)

    # every engine run leaves the farthest stop out; on a tie VROOM's plan stays
    assert (result.path, result.reason) == ("vroom", "vroom's plan is as good")
    assert result.solution.unassigned == [103]
    assert {(a.feasible, a.unassigned, a.cost) for a in result.attempts} == {(True, 1, 40)}
    assert [a.solver for a in result.attempts][:2] == ["vroom", "pyvrp"]


def test_plan_with_one_thread_runs_no_helper():
    result = solvers.plan(
        vroom_beats_nothing_problem(), time_budget=timedelta(seconds=2.5), threads=1
    )

    # every order served: one PyVRP run on exactly those orders, no helper
    assert [a.detail for a in result.attempts] == [
        "level 5",
        "warm start from vroom, the same orders",
    ]


def test_a_day_that_cannot_all_fit_gets_a_pyvrp_plan():
    # given: three stops, room for two (every order is optional for PyVRP, with a prize)
    problem = line_problem()
    problem.vehicles = [rv.Vehicle(id=1, start=0, end=0, capacity=(2,))]

    # when
    solution, start = solvers.solve_with_pyvrp(problem, time_limit=timedelta(seconds=0.5))

    # then: PyVRP's plan serves two, the nearest, as VROOM's does
    assert start == "cold start"
    assert route_plans(solution) in ({1: [101, 102]}, {1: [102, 101]})
    assert solution.unassigned == [103]
    assert solution.duration == 40


def test_pyvrp_serves_more_orders_rather_than_drive_less():
    # given: one van of 2; two far stops (30 away) and a near one (10 away), none required.
    # Serving the two far ones drives 60 for 2 orders; one near and one far also 60; the
    # near one alone 20. More orders always win, whatever the travel.
    problem = line_problem()
    problem.vehicles = [rv.Vehicle(id=1, start=0, end=0, capacity=(2,))]
    problem.jobs = [
        rv.Job(id=101, location=1, delivery=(1,)),
        rv.Job(id=103, location=3, delivery=(1,)),
        rv.Job(id=104, location=3, delivery=(1,)),
    ]

    solution, _ = solvers.solve_with_pyvrp(problem, time_limit=timedelta(seconds=0.5))

    assert len(solution.unassigned) == 1
    assert solution.duration == 60


def test_plan_keeps_vroom_plan_on_a_tie():
    result = solvers.plan(line_problem(), time_budget=BUDGET)

    assert (result.path, result.reason) == ("vroom", "vroom's plan is as good")
    assert result.pyvrp_supported is True
    assert [(a.solver, a.cost) for a in result.attempts] == [("vroom", 60), ("pyvrp", 60)]


def test_plan_uses_vroom_alone_for_constraints_pyvrp_lacks():
    problem = line_problem(breaks=(rv.Break(id=1, service=30, time_windows=((0, 500),)),))

    result = solvers.plan(problem, time_budget=BUDGET)

    assert (result.path, result.reason) == ("vroom", "constraints only VROOM handles: breaks")
    assert result.pyvrp_supported is False
    # VROOM alone is raw VROOM at level 5 with the budget as its timeout
    assert [(a.solver, a.level) for a in result.attempts] == [("vroom", 5)]
    assert route_plans(result.solution) in ({1: [101, 102, 103]}, {1: [103, 102, 101]})


def test_plan_skips_pyvrp_when_the_budget_is_spent():
    result = solvers.plan(line_problem(), time_budget=timedelta(milliseconds=50))

    assert (result.path, result.reason) == ("vroom", "no time left for pyvrp")
    assert [a.solver for a in result.attempts] == ["vroom"]
    assert result.solution.duration == 60


def test_plan_of_nothing_is_an_empty_solution():
    problem = line_problem()
    problem.jobs = []

    result = solvers.plan(problem, time_budget=BUDGET)

    assert result.solution == rv.Solution(routes=[], unassigned=[])
    assert result.attempts == []


@pytest.mark.parametrize(
    ("jobs", "seconds", "threads", "level"),
    [
        (100, 5, 2, 5),  # Solomon alone: 2 s expected for level 5
        (100, 0.75, 2, 1),  # Solomon's quick run before PyVRP
        (100, 0.75, 1, 0),
        (1000, 60, 2, 1),
        (1000, 9, 2, 0),
    ],
)
def test_exploration_level_fits_the_budget(jobs, seconds, threads, level):
    assert solvers.exploration_level(jobs=jobs, seconds=seconds, threads=threads) == level


@pytest.mark.parametrize(
    ("jobs", "seconds", "level"),
    [
        (80, 30, 5),  # level 5 fits: exactly raw VROOM level 5 with the same budget
        (300, 60, 5),
        (300, 30, 4),
        (1000, 30, 0),  # level 5 would be cut off by its timeout: 26 % more travel than level 0
        (1000, 60, 1),
    ],
)
def test_vroom_alone_runs_level_5_unless_its_timeout_would_cut_it(jobs, seconds, level):
    assert solvers.vroom_alone_level(jobs=jobs, seconds=seconds, threads=2) == level


# --- large problems: improvement in parts, in parallel ----------------------------------------


@pytest.mark.parametrize(
    ("jobs", "seconds", "threads", "parts"),
    [(1000, 60, 2, 2), (1000, 60, 4, 4), (1000, 60, 1, 1), (300, 60, 2, 1), (1000, 10, 2, 1)],
)
def test_decomposition_parts(jobs, seconds, threads, parts):
    assert solvers.decomposition_parts(jobs=jobs, seconds=seconds, threads=threads) == parts


def test_split_gives_each_route_to_one_part_and_shares_the_idle_vehicles():
    # given: PyVRP's three routes on the eight-stop problem, three more idle vans
    problem = vroom_beats_nothing_problem()
    problem.vehicles = [
        *problem.vehicles,
        *(dataclasses.replace(problem.vehicles[0], id=k) for k in (4, 5, 6)),
    ]
    solution, _ = solvers.solve_with_pyvrp(problem, time_limit=timedelta(seconds=0.3))

    # when
    parts = solvers._split(problem, solution, parts=2, round_index=0)

    # then
    plans = route_plans(solution)
    assert len(parts) == 2
    assert sorted(r.vehicle_id for _, start in parts for r in start.routes) == sorted(plans)
    for subproblem, start in parts:
        assert sorted(job.id for job in subproblem.jobs) == sorted(
            job_id for route in start.routes for job_id in route.job_ids
        )
    idle = [sorted({v.id for v in sub.vehicles} - set(plans)) for sub, _ in parts]
    # PyVRP's routes take vans 1-3 (identical vans are handed out in order); 4-6 idle.
    assert sorted(plans) == [1, 2, 3]
    assert idle == [[4, 6], [5]]


@pytest.mark.parametrize(
    ("engine", "options", "duration"),
    [("pyvrp", {"warm_start": "vroom's", "seed": 1}, 45), ("vroom", {"level": 5}, 58)],
)
def test_helper_process_solves_what_it_is_sent(engine, options, duration):
    problem = vroom_beats_nothing_problem()
    if engine == "pyvrp":  # as the parts are sent: from a plan
        options = {**options, "warm_start": rv.solve(problem, exploration_level=1)}
    helper = solvers._Helper()
    try:
        # starting a Python process that imports the solvers takes seconds on a busy machine
        assert helper.ready(time.monotonic() + 60)
        deadline = time.monotonic() + 2
        helper.submit(engine, problem, deadline, **options)
        solution = helper.result(deadline + 10)
    finally:
        helper.close()

    assert solution.duration == duration
    assert solution.unassigned == []
    assert helper.process.poll() is not None  # ended, not left behind


def test_a_helper_answer_sent_right_after_it_starts_is_not_lost():
    # given: a run sent before the helper has started, with its deadline passed already, so the
    # helper says it is ready and answers at once (both may come in one read of the pipe)
    problem = vroom_beats_nothing_problem()
    helper = solvers._Helper()
    try:
        helper.submit("vroom", problem, time.monotonic(), level=0)

        # when
        started = helper.ready(time.monotonic() + 60)
        solution = helper.result(time.monotonic() + 60)
    finally:
        helper.close()

    # then
    assert started
    assert solution.unassigned == []


def test_plan_improves_a_large_problem_in_parts(monkeypatch):
    # given: thresholds lowered so that eight stops count as "large"
    monkeypatch.setattr(solvers, "DECOMPOSE_JOBS_PER_PART", 4)
    monkeypatch.setattr(solvers, "DECOMPOSE_MIN_SECONDS", 0)
    monkeypatch.setattr(solvers, "DECOMPOSE_MIN_ROUND_SECONDS", 0.1)

    # when (the helper process needs a moment to start on a busy machine)
    result = solvers.plan(vroom_beats_nothing_problem(), time_budget=PARALLEL_BUDGET)

    # then
    assert result.path == "pyvrp"
    assert result.solution.duration == 45
    assert result.solution.unassigned == []
    details = [attempt.detail for attempt in result.attempts]
    assert details[:3] == [
        "level 5",
        "warm start from vroom, the same orders",
        "level 1 from the kept plan",
    ]
    assert any(detail.startswith("2 parts in parallel, ") for detail in details)
