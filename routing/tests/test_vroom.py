"""routing.vroom: our Problem in, our Solution out, on small hand-made problems, exact routes."""

import numpy as np

from routing import vroom as rv

# Four places on a line: depot 0, then 1, 2, 3 at 10, 20, 30 (seconds and metres alike).
LINE = np.array([[abs(a - b) * 10 for b in range(4)] for a in range(4)])


def line_problem(**vehicle_options) -> rv.Problem:
    jobs = [rv.Job(id=100 + i, location=i, service=5, delivery=(1,)) for i in (1, 2, 3)]
    vehicle = rv.Vehicle(id=1, start=0, end=0, capacity=(10,), **vehicle_options)
    return rv.Problem(jobs=jobs, vehicles=[vehicle], durations={"car": LINE}, distances=LINE)


def test_a_line_is_driven_out_and_back_in_order():
    solution = rv.solve(line_problem(), exploration_level=1)

    (route,) = solution.routes
    assert route.job_ids in ([101, 102, 103], [103, 102, 101])
    assert route.distance == 60
    assert route.duration == 60
    assert [step.kind for step in route.steps] == ["start", "job", "job", "job", "end"]
    assert solution.unassigned == []


def test_time_windows_set_the_order_and_waiting():
    problem = line_problem()
    problem.jobs = [
        rv.Job(id=101, location=1, delivery=(1,), time_windows=((100, 200),)),
        rv.Job(id=103, location=3, delivery=(1,), time_windows=((0, 40),)),
    ]

    (route,) = rv.solve(problem, exploration_level=1).routes

    assert route.job_ids == [103, 101]
    arrivals = {step.id: (step.arrival, step.waiting) for step in route.steps if step.id}
    # VROOM starts as late as the first window allows, to wait less later on.
    assert arrivals == {103: (40, 0), 101: (60, 40)}


def test_capacity_leaves_the_lowest_priority_job_unassigned():
    problem = line_problem()
    problem.vehicles = [rv.Vehicle(id=1, start=0, end=0, capacity=(2,))]
    problem.jobs = [
        rv.Job(id=101, location=1, delivery=(1,), priority=10),
        rv.Job(id=102, location=2, delivery=(1,), priority=0),
        rv.Job(id=103, location=3, delivery=(1,), priority=50),
    ]

    solution = rv.solve(problem, exploration_level=1)

    assert sorted(solution.routes[0].job_ids) == [101, 103]
    assert solution.unassigned == [102]


def test_skills_keep_a_job_off_a_vehicle_without_them():
    problem = line_problem()
    problem.jobs = [rv.Job(id=101, location=1, delivery=(1,), skills=frozenset({7}))]

    solution = rv.solve(problem, exploration_level=1)

    assert solution.routes == []
    assert solution.unassigned == [101]


def test_matrices_are_rounded_not_truncated():
    assert rv._as_uint_matrix(np.array([[0, 1.9], [2.5, 0]])).tolist() == [[0, 2], [2, 0]]


def test_no_jobs_is_an_empty_solution():
    problem = line_problem()
    problem.jobs = []

    assert rv.solve(problem) == rv.Solution(routes=[], unassigned=[])
