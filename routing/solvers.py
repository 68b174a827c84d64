"""The solving strategy: which engine plans a `Problem` within a time budget, which plan we keep.

VROOM is the engine that handles every constraint we model (skills, priorities, breaks, shipments,
several time windows, max tasks / travel time, locked steps, open routes), so it always runs and its
plan is always the fallback. On plain capacitated problems with (at most) one time window per stop,
PyVRP's iterated local search reaches far better routes in the same time (Solomon: ~0.3 % vs VROOM
level 5's 1.6 %; 1,000 customers: a few % vs VROOM's 5-7 % after minutes). `pyvrp_supports` decides
when PyVRP can take the problem *exactly* — same constraints, same objective (total travel duration,
every reachable job served) — and only then do both run, one after the other:

1. VROOM first, at a low exploration level on a small share of the budget: a plan that always
   exists (it leaves out what it cannot fit, which a PyVRP solution with required stops cannot),
   and, when it serves every reachable job, PyVRP's warm start.
2. PyVRP for the rest of the budget; its best solution is used only if `is_feasible()`.
3. With a spare thread (and a budget of seconds), a helper process runs VROOM meanwhile at the
   exploration level the whole budget allows on one thread: where PyVRP settles in a local
   optimum (tight windows, e.g. Solomon C203, RC108) VROOM's own search often does not.
4. The best plan wins: fewer unassigned jobs, then lower total travel duration (our cost);
   on a tie VROOM's.

VROOM and PyVRP run one after the other in this thread: `vroom.solve()` holds the GIL for its
whole run, so another thread could not overlap it; parallel work goes to helper processes.
Time: VROOM's own `timeout` overshoots, so its exploration level is chosen so that its expected
run fits half its share (lower levels win under tight budgets at ~1,000 jobs), with the timeout
as the backstop; PyVRP is stopped on our clock between iterations (set-up included), so its
share is met to within one iteration.

Large problems (hundreds of jobs per thread, a budget of tens of seconds) would leave all but one
core idle, as PyVRP's search is single-threaded, and a single search over 1,000 stops improves
slowly. There, after a first whole-problem run, the plan is improved in parts: the routes are cut
into one group of neighbouring routes per thread, each group's jobs re-planned by PyVRP with
those routes' vehicles (and a share of the idle ones) in parallel, the parts merged (never
worse: each part starts from its own routes), and cut differently the next round; a last
whole-problem run then works across the part borders. The parallel parts run in helper
processes started with `subprocess` (`python -m routing.solvers`), not `multiprocessing`,
which refuses to start children from the daemonic processes Celery's prefork pool runs tasks in.
On G&H R1_10_1 (1,000 stops, 60 s, 2 cores) this took the gap from about 4.2 % to 3.1 %.

Jobs no vehicle could serve even alone (too heavy for every vehicle, window unreachable within any
shift) are left out of the PyVRP model up front and reported unassigned: they are unassigned in
every plan, and as required clients they would keep PyVRP from ever finding a feasible solution.
"""

import contextlib
import os
import pickle
import select
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import numpy as np

from routing import vroom as rv
from routing.pyvrp_solve import (
    PYVRP_SEED,
    pyvrp_supports,
    solve_with_pyvrp,
)

# Expected VROOM run time (seconds, 2 threads, quiet machine) for 100 jobs, per exploration level;
# it grows about with the square of the job count (measured on the Solomon and G&H instances).
VROOM_SECONDS_PER_100_JOBS = {0: 0.15, 1: 0.3, 2: 0.5, 3: 0.8, 4: 1.3, 5: 2.0}
# A level is chosen only when its expected time fits this fraction of its share: the machine is
# shared and VROOM's timeout overshoots.
VROOM_EXPECTED_FRACTION = 0.5
VROOM_TIMEOUT_FRACTION = 0.75
# When PyVRP can take the problem, VROOM's quick plan gets this share of the budget.
VROOM_SHARE_BEFORE_PYVRP = 0.15
# Below this, starting PyVRP is not worth it (model building and the first local search).
PYVRP_MIN_SECONDS = 0.2
# Large problems are improved in parts, one per thread (PyVRP itself uses one core): each part is
# a group of neighbouring routes whose jobs PyVRP re-plans with those routes' vehicles and a share
# of the idle ones, in parallel; the parts change every round so routes meet new neighbours.
DECOMPOSE_JOBS_PER_PART = 200
DECOMPOSE_MIN_SECONDS = 20.0
DECOMPOSE_WHOLE_FIRST = 0.1  # of the time after VROOM: a whole-problem run, to get a plan to cut
DECOMPOSE_FINAL = 0.1  # of the time then left: a last whole-problem run across the part borders
DECOMPOSE_ROUNDS = 6  # the parallel phase in between is cut into this many rounds
DECOMPOSE_MIN_ROUND_SECONDS = 3.0
# With a spare thread, budgets from this size up also get a VROOM run at a higher level in a
# helper process (which takes about half a second to start).
PARALLEL_MIN_SECONDS = 2.0
# A helper is told to stop this much before the deadline, and awaited until this much after it
# (beyond, it is taken as failed and ended).
HELPER_EARLY_SECONDS = 0.05
HELPER_WAIT_SECONDS = 1.0
FINISH_MARGIN_FRACTION = 0.02
FINISH_MARGIN_SECONDS = 0.25
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Attempt:
    """One engine run inside `plan`, for reports: what ran, how long, what it found."""

    solver: str  # "vroom" or "pyvrp"
    detail: str  # e.g. "level 1", "warm start from vroom"
    seconds: float
    feasible: bool
    unassigned: int | None = None
    cost: int | None = None


@dataclass
class PlanResult:
    solution: rv.Solution
    path: str  # the engine whose plan this is: "vroom" or "pyvrp"
    reason: str  # why that plan, in a few words
    pyvrp_supported: bool
    seconds: float
    attempts: list[Attempt] = field(default_factory=list)


def exploration_level(*, jobs: int, seconds: float, threads: int = 2) -> int:
    """The highest VROOM exploration level expected to finish well within `seconds`."""
    size_factor = (max(jobs, 1) / 100) ** 2
    thread_factor = 2 / max(threads, 1)
    level = 0
    for candidate, base in VROOM_SECONDS_PER_100_JOBS.items():
        if base * size_factor * thread_factor <= VROOM_EXPECTED_FRACTION * seconds:
            level = candidate
    return level


def _rank(solution: rv.Solution) -> tuple[int, int]:
    return (len(solution.unassigned), solution.duration)


def decomposition_parts(*, jobs: int, seconds: float, threads: int) -> int:
    """How many parts to improve a plan in, in parallel: 1 means no decomposition."""
    if seconds < DECOMPOSE_MIN_SECONDS:
        return 1
    return max(1, min(threads, jobs // DECOMPOSE_JOBS_PER_PART))


class _Helper:
    """A child Python process running PyVRP or VROOM on what it is sent through a pipe.

    A process, not a thread: PyVRP's search holds the GIL. Started with subprocess rather than
    multiprocessing, which refuses to start children from a daemonic (Celery prefork) process.
    Deadlines are `time.monotonic()` values: that clock is system-wide, so both sides share it.
    """

    def __init__(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 (our interpreter, our module, no shell)
            [sys.executable, "-m", "routing.solver_helper", str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=PROJECT_ROOT,
        )
        self.submitted = 0.0

    def submit(self, engine: str, problem: rv.Problem, deadline: float, **options) -> None:
        """Start a run: engine "pyvrp" (options: warm_start, seed) or "vroom" (options: level)."""
        pickle.dump((engine, problem, deadline, options), self.process.stdin)
        self.process.stdin.flush()
        self.submitted = time.monotonic()

    def result(self, deadline: float) -> rv.Solution | None:
        """The plan sent back, waiting at most until `deadline` (TimeoutError after it)."""
        ready, _, _ = select.select(
            [self.process.stdout], [], [], max(deadline - time.monotonic(), 0)
        )
        if not ready:
            raise TimeoutError("the helper process did not answer in time")
        # Only our own child writes to this pipe.
        return pickle.load(self.process.stdout)  # noqa: S301

    def close(self) -> None:
        """End the helper now: its answer, if any, has been read, and a clean interpreter exit
        (pandas, PyVRP, VROOM unloading) would cost a tenth of a second of the budget."""
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def _helper_main() -> None:
    """The helper's loop: (engine, problem, deadline, options) in, a plan out, until EOF."""
    results = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write to the results pipe
    while True:
        try:
            engine, problem, deadline, options = pickle.load(sys.stdin.buffer)  # noqa: S301
        except EOFError:
            return
        seconds = max(deadline - time.monotonic(), 0.0)
        if engine == "vroom":
            solution = rv.solve(
                problem,
                exploration_level=options["level"],
                threads=1,
                timeout=timedelta(seconds=max(seconds * VROOM_TIMEOUT_FRACTION, 0.01)),
            )
        else:
            solution, _ = solve_with_pyvrp(
                problem, time_limit=timedelta(seconds=seconds), **options
            )
        pickle.dump(solution, results)
        results.flush()


def _start_helpers(count: int) -> list[_Helper]:
    helpers: list[_Helper] = []
    try:
        for _ in range(count):
            helpers.append(_Helper())
    except OSError:  # no process to spare: go on in this one
        _stop_helpers(helpers)
        return []
    return helpers


def _stop_helpers(helpers: list[_Helper]) -> None:
    for helper in helpers:
        helper.close()


def _split(
    problem: rv.Problem, solution: rv.Solution, parts: int, round_index: int
) -> list[tuple[rv.Problem, rv.Solution]]:
    """Group neighbouring routes into `parts` subproblems, each with its share of idle vehicles.

    Routes are placed along the axis between an anchor route (a different one each round) and
    the route farthest from it, measured between route medoids, and cut into equal groups.
    """
    matrix = np.asarray(problem.durations[problem.vehicles[0].profile], dtype=float)
    symmetric = (matrix + matrix.T) / 2
    routes = [route for route in solution.routes if route.job_ids]
    medoids = []
    for route in routes:
        stops = [step.location for step in route.steps if step.kind == "job"]
        medoids.append(stops[int(symmetric[np.ix_(stops, stops)].sum(axis=1).argmin())])
    medoids = np.asarray(medoids)
    anchor = medoids[int(len(routes) * ((round_index * 0.618034) % 1))]
    farthest = medoids[int(symmetric[medoids, anchor].argmax())]
    order = np.argsort(symmetric[medoids, anchor] - symmetric[medoids, farthest], kind="stable")
    used = {route.vehicle_id for route in routes}
    idle = [vehicle for vehicle in problem.vehicles if vehicle.id not in used]
    vehicles_by_id = {vehicle.id: vehicle for vehicle in problem.vehicles}
    jobs_by_id = {job.id: job for job in problem.jobs}
    subproblems = []
    for index, group in enumerate(np.array_split(order, parts)):
        group_routes = [routes[i] for i in group]
        vehicles = [vehicles_by_id[route.vehicle_id] for route in group_routes]
        vehicles += idle[index::parts]
        jobs = [jobs_by_id[job_id] for route in group_routes for job_id in route.job_ids]
        subproblem = rv.Problem(
            jobs=jobs, vehicles=vehicles, durations=problem.durations, distances=problem.distances
        )
        subproblems.append((subproblem, rv.Solution(routes=group_routes)))
    return subproblems


def _merged(problem: rv.Problem, pieces: list[rv.Solution]) -> rv.Solution:
    routes = [route for piece in pieces for route in piece.routes if route.job_ids]
    served = {job_id for route in routes for job_id in route.job_ids}
    unassigned = sorted(job.id for job in problem.jobs if job.id not in served)
    return rv.Solution(routes=routes, unassigned=unassigned)


def _improve_in_parts(
    problem: rv.Problem, solution: rv.Solution, helpers: list[_Helper], deadline: float
) -> tuple[rv.Solution, int]:
    """Rounds of parallel PyVRP runs on parts of `solution` (it never gets worse); rounds done."""
    parts = len(helpers) + 1
    if sum(1 for route in solution.routes if route.job_ids) < parts:
        return solution, 0
    round_seconds = (deadline - time.monotonic()) / DECOMPOSE_ROUNDS
    rounds = 0
    while True:
        round_end = min(time.monotonic() + round_seconds, deadline)
        if round_end - time.monotonic() < DECOMPOSE_MIN_ROUND_SECONDS:
            return solution, rounds
        subproblems = _split(problem, solution, parts, rounds)
        seed = PYVRP_SEED + 1 + rounds * parts
        try:
            for offset, (helper, (subproblem, start)) in enumerate(
                zip(helpers, subproblems[1:], strict=True), start=1
            ):
                helper.submit(
                    "pyvrp",
                    subproblem,
                    round_end - HELPER_EARLY_SECONDS,
                    warm_start=start,
                    seed=seed + offset,
                )
            subproblem, start = subproblems[0]
            seconds = round_end - time.monotonic()
            pieces = [
                solve_with_pyvrp(
                    subproblem, time_limit=timedelta(seconds=seconds), warm_start=start, seed=seed
                )[0]
            ]
            pieces += [helper.result(round_end + HELPER_WAIT_SECONDS) for helper in helpers]
        except (OSError, EOFError, TimeoutError, pickle.PickleError):
            return solution, rounds  # a helper failed: keep what we have, go on alone
        # A part starts from its own (feasible) routes and PyVRP keeps the best feasible
        # solution, so a part never comes back worse; None would only mean no search ran.
        pieces = [
            piece if piece is not None else start
            for piece, (_, start) in zip(pieces, subproblems, strict=True)
        ]
        solution = _merged(problem, pieces)
        rounds += 1


def _pyvrp_attempt(detail: str, seconds: float, solution: rv.Solution | None) -> Attempt:
    detail = "warm start from vroom" if detail == "warm start" else detail
    if solution is None:
        return Attempt("pyvrp", detail, seconds, False)
    unassigned, cost = _rank(solution)
    return Attempt("pyvrp", detail, seconds, True, unassigned, cost)


def _timed_pyvrp(problem, deadline: float, warm_start: rv.Solution | None, seed: int = PYVRP_SEED):
    run_started = time.monotonic()
    solution, start = solve_with_pyvrp(
        problem,
        time_limit=timedelta(seconds=max(deadline - run_started, 0.0)),
        warm_start=warm_start,
        seed=seed,
    )
    return solution, start, time.monotonic() - run_started


def _pyvrp_in_parts(
    problem: rv.Problem, vroom_solution: rv.Solution, deadline: float, helpers: list[_Helper]
) -> tuple[rv.Solution | None, list[Attempt]]:
    """A whole-problem run, rounds of parallel runs on parts, a last whole-problem run."""
    first_end = time.monotonic() + (deadline - time.monotonic()) * DECOMPOSE_WHOLE_FIRST
    solution, start, seconds = _timed_pyvrp(problem, first_end, vroom_solution)
    attempts = [_pyvrp_attempt(start, seconds, solution)]
    if solution is None:  # nothing feasible to cut: one long run instead
        solution, start, seconds = _timed_pyvrp(problem, deadline, None, PYVRP_SEED + 1)
        return solution, [*attempts, _pyvrp_attempt(start, seconds, solution)]
    parts_end = deadline - (deadline - time.monotonic()) * DECOMPOSE_FINAL
    parts_started = time.monotonic()
    solution, rounds = _improve_in_parts(problem, solution, helpers, parts_end)
    detail = f"{len(helpers) + 1} parts in parallel, {rounds} rounds"
    attempts.append(_pyvrp_attempt(detail, time.monotonic() - parts_started, solution))
    last, _, seconds = _timed_pyvrp(problem, deadline, solution)
    attempts.append(_pyvrp_attempt("whole problem again", seconds, last))
    return last or solution, attempts


def plan(problem: rv.Problem, *, time_budget: timedelta, threads: int = 2) -> PlanResult:
    """Plan routes within `time_budget`: VROOM alone, or VROOM then PyVRP and the better plan."""
    started = time.monotonic()
    budget = time_budget.total_seconds()
    # The searches stop a little early: PyVRP's last iteration, reading its plan back and ending
    # the helpers come after their deadline.
    deadline = started + budget - min(FINISH_MARGIN_FRACTION * budget, FINISH_MARGIN_SECONDS)

    def vroom_run(share: float) -> tuple[rv.Solution, Attempt]:
        level = exploration_level(jobs=len(problem.jobs), seconds=share, threads=threads)
        run_started = time.monotonic()
        solution = rv.solve(
            problem,
            exploration_level=level,
            threads=threads,
            timeout=timedelta(seconds=max(share * VROOM_TIMEOUT_FRACTION, 0.01)),
        )
        seconds = time.monotonic() - run_started
        cost = solution.duration
        return solution, Attempt(
            "vroom", f"level {level}", seconds, True, len(solution.unassigned), cost
        )

    def result(solution, path, reason, supported, attempts) -> PlanResult:
        seconds = time.monotonic() - started
        return PlanResult(solution, path, reason, supported, seconds, attempts)

    if not problem.jobs and not problem.shipments:
        return result(rv.Solution(routes=[]), "vroom", "nothing to plan", False, [])
    if not pyvrp_supports(problem):
        solution, attempt = vroom_run(budget)
        return result(solution, "vroom", "constraints only VROOM handles", False, [attempt])

    parts = decomposition_parts(jobs=len(problem.jobs), seconds=budget, threads=threads)
    # A spare thread on a problem too small to cut runs VROOM at the level its whole budget
    # allows, in parallel: where PyVRP settles in a local optimum (tight windows: Solomon C203,
    # RC108), VROOM's own search often does not, so the better of the two is kept.
    second_opinion = parts == 1 and threads > 1 and budget >= PARALLEL_MIN_SECONDS
    helpers = _start_helpers(parts - 1 if parts > 1 else int(second_opinion))
    vroom_plans: list[rv.Solution] = []
    pyvrp_plans: list[rv.Solution | None] = []
    attempts: list[Attempt] = []
    try:
        if parts == 1 and helpers:
            level = exploration_level(jobs=len(problem.jobs), seconds=budget, threads=1)
            helpers[0].submit("vroom", problem, deadline - HELPER_EARLY_SECONDS, level=level)
        vroom_solution, attempt = vroom_run(budget * VROOM_SHARE_BEFORE_PYVRP)
        vroom_plans.append(vroom_solution)
        attempts.append(attempt)
        if deadline - time.monotonic() < PYVRP_MIN_SECONDS:
            return result(vroom_solution, "vroom", "no time left for pyvrp", True, attempts)
        if parts > 1:
            solution, more = _pyvrp_in_parts(problem, vroom_solution, deadline, helpers)
            pyvrp_plans.append(solution)
            attempts += more
        else:
            solution, start, seconds = _timed_pyvrp(problem, deadline, vroom_solution)
            pyvrp_plans.append(solution)
            attempts.append(_pyvrp_attempt(start, seconds, solution))
            if helpers:
                with contextlib.suppress(OSError, EOFError, TimeoutError, pickle.PickleError):
                    solution = helpers[0].result(deadline + HELPER_WAIT_SECONDS)
                    seconds = time.monotonic() - helpers[0].submitted
                    vroom_plans.append(solution)
                    attempts.append(
                        Attempt(
                            "vroom",
                            f"level {level}, 1 thread, parallel process",
                            seconds,
                            True,
                            *_rank(solution),
                        )
                    )
    finally:
        _stop_helpers(helpers)
    best_vroom = min(vroom_plans, key=_rank)
    feasible = [solution for solution in pyvrp_plans if solution is not None]
    if not feasible:
        return result(best_vroom, "vroom", "pyvrp found no feasible plan", True, attempts)
    best_pyvrp = min(feasible, key=_rank)
    if _rank(best_pyvrp) < _rank(best_vroom):
        return result(best_pyvrp, "pyvrp", "pyvrp's plan is better", True, attempts)
    # On a tie VROOM's plan stays: it is the engine every other path of ours relies on.
    if _rank(best_vroom) == _rank(best_pyvrp):
        return result(best_vroom, "vroom", "vroom's plan is as good", True, attempts)
    return result(best_vroom, "vroom", "vroom's plan is better", True, attempts)


if __name__ == "__main__":
    _helper_main()
