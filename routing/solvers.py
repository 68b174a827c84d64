"""The solving strategy: which engine plans a `Problem` within a time budget, which plan we keep.

VROOM is the engine that handles every constraint we model (skills, priorities, breaks, shipments,
several time windows, max tasks / travel time, locked steps, open routes), so it always runs and its
plan is always the fallback. PyVRP's iterated local search reaches far better routes in the same
time (Solomon: ~0.3 % vs VROOM level 5's 1.6 %; 1,000 customers: a few % vs VROOM's 5-7 % after
minutes). `routing.pyvrp_model` gives PyVRP every problem it can model *exactly* — skills, several
windows, priorities, open routes, max travel time and stops, profiles, every order optional with a
prize — and `pyvrp_unsupported` says why not otherwise (breaks, pickup-and-delivery pairs, locked
steps): then VROOM plans alone, with the whole budget. Otherwise:

1. VROOM first, at a low exploration level on a small share of the budget (a larger one on a
   large day, `first_vroom_share`): a plan that always exists, and PyVRP's warm start.
2. Then, until the deadline, PyVRP and VROOM's local search in turns (`_Search.alternate`): a
   PyVRP run from the kept plan for a share of the time left, then VROOM from PyVRP's plan, given
   as VROOM's initial routes. PyVRP runs of two kinds: with every order optional and a prize
   (looking for more orders served: the first, any after one that found more, every third),
   and serving exactly the kept plan's orders, each required (travel alone, PyVRP's own
   problem, which it searches best; on a 300-order day with 7 orders out, one such run took
   the travel from 77,665 s to 76,405 s where the prized runs had stalled). VROOM's passes
   insert left-out orders their own way, and neither engine ever ends worse than it started.
   When the kept plan serves every order, one PyVRP run goes on to the deadline (restarts
   would lose its search's state). Every PyVRP plan is driven by VROOM exactly as planned
   (`routing.vroom.violations`) first: one VROOM finds anything wrong with is never used.
3. With a spare thread (and a budget of seconds), a helper process runs VROOM meanwhile over
   the budget, at the exploration level that allows on one thread when that is higher than the
   first run's: where PyVRP settles in a local optimum (tight windows, e.g. Solomon C203,
   RC108) VROOM's own search often does not. When that level would only repeat the first run
   (small days), the helper runs a second PyVRP search from VROOM's first plan with a seed of
   its own, so both cores search (`_SecondSearch`).
4. The best plan wins by VROOM's own order: priorities served, then orders served, then total
   travel duration (our cost); on a tie VROOM's first plan.
5. Waiting: neither engine's cost counts the drivers' waiting at a stop for its window (VROOM's
   `per_hour` cost is on travel time only), so among plans of about the same travel the best
   may make a driver wait an hour while open stops could be served meanwhile, and end later
   than needed. When VROOM's first plan waits `WAITING_MIN_SECONDS` or more, the second
   PyVRP search in the helper process (small days, 3.) serves that plan's orders with a cost
   that also counts the routes' duration (`routing.pyvrp_model.build(waiting=True)`), and the
   plan kept is the one, among every plan found serving as many orders at the same
   priorities, with the least weighted travel and waiting (`TRAVEL_PER_WAITING`), but never
   one that drives more than `MAX_EXTRA_TRAVEL` more than the best (`_least_waiting`). The
   search for travel keeps the whole budget: a share of it taken for less waiting cost the
   80-order day of `bench/routing_days.py` 2-5 % more travel at a 5 s budget. Without
   waiting, everything runs as before.

VROOM and PyVRP run one after the other in this thread: `vroom.solve()` holds the GIL for its
whole run, so another thread could not overlap it; parallel work goes to helper processes.
Time: VROOM's own `timeout` overshoots, so its exploration level is chosen so that its expected
run fits half its share (lower levels win under tight budgets at ~1,000 jobs), with the timeout
as the backstop; PyVRP is stopped on our clock between iterations (set-up included), so its
share is met to within one iteration.

Large problems (hundreds of jobs per thread, a budget of tens of seconds) would leave all but one
core idle, as PyVRP's search is single-threaded, and a single search over 1,000 stops improves
slowly. There, after a first whole-problem run, the plan is improved in parts: the routes are cut
into one group of neighbouring routes per thread, each group's jobs (and the left-out jobs nearest
to it) re-planned by PyVRP with those routes' vehicles (and a share of the idle ones) in
parallel, the parts merged (never worse: each part starts from its own routes), and cut
differently the next round, VROOM's local search on the whole plan every few rounds; the last
turns work across the part borders. The parallel parts run in helper processes started with
`subprocess` (`python -m routing.solver_helper`), not `multiprocessing`, which refuses to start
children from the daemonic processes Celery's prefork pool runs tasks in. On G&H R1_10_1 (1,000
stops, 60 s, 2 cores) the parts took the gap from about 4.2 % to 3.1 %.

Jobs no vehicle could serve even alone (too heavy for every vehicle, window unreachable within any
shift) are left out of the PyVRP model up front and reported unassigned: they are unassigned in
every plan.
"""

import contextlib
import io
import logging
import os
import pickle
import select
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import numpy as np
from vroom._vroom import VroomInputException, VroomInternalException, VroomRoutingException

from routing import vroom as rv
from routing.pyvrp_model import PRIZE_FACTOR, TRAVEL_PER_WAITING
from routing.pyvrp_solve import (
    PYVRP_SEED,
    pyvrp_supports,  # noqa: F401 (re-exported for the bench and tests)
    pyvrp_unsupported,
    solve_with_pyvrp,
)

logger = logging.getLogger(__name__)

# Expected VROOM run time (seconds, 2 threads, quiet machine) for 100 jobs, per exploration level;
# it grows about with the square of the job count (measured on the Solomon and G&H instances).
VROOM_SECONDS_PER_100_JOBS = {0: 0.15, 1: 0.3, 2: 0.5, 3: 0.8, 4: 1.3, 5: 2.0}
# A level is chosen only when its expected time fits this fraction of its share: the machine is
# shared and VROOM's timeout overshoots.
VROOM_EXPECTED_FRACTION = 0.5
VROOM_TIMEOUT_FRACTION = 0.75
# When PyVRP can take the problem, VROOM's quick plan gets this share of the budget (its level
# is chosen to fit it), and at most this share as its timeout.
VROOM_FIRST_TIMEOUT_SHARE = 0.25
VROOM_SHARE_BEFORE_PYVRP = 0.15
VROOM_LARGE_SHARE = 0.6  # at most, on a large day (see `first_vroom_share`)
# Below this, starting PyVRP is not worth it (model building and the first local search).
PYVRP_MIN_SECONDS = 0.2
# The runs with prizes (every order optional) scale the prizes by one of these factors: a larger
# factor inserts more left-out orders and leaves worse travel (see `routing.pyvrp_model.prizes`),
# so the moderate one comes first, and the next only after a run with it found no more orders.
PRIZE_FACTORS = (10, 100, PRIZE_FACTOR)
# After VROOM's first plan, PyVRP and VROOM's local search (from PyVRP's plan, as VROOM's initial
# routes) take turns: a PyVRP run gets this share of the time left (at least the minimum), then
# VROOM's pass at this level (it stops at its own local optimum, seconds on 1,000 stops).
ALTERNATE_SLICE_FRACTION = 0.35
ALTERNATE_MIN_SLICE_SECONDS = 1.0
VROOM_PASS_LEVEL = 1
VROOM_PASS_MIN_SECONDS = 0.3
# Large problems are improved in parts, one per thread (PyVRP itself uses one core): each part is
# a group of neighbouring routes whose jobs PyVRP re-plans with those routes' vehicles and a share
# of the idle ones, in parallel; the parts change every round so routes meet new neighbours.
DECOMPOSE_JOBS_PER_PART = 200
DECOMPOSE_MIN_SECONDS = 40.0  # below, rounds of parts are too short to pay off
DECOMPOSE_WHOLE_FIRST = 0.1  # of the time after VROOM: a whole-problem run, to get a plan to cut
DECOMPOSE_FINAL = 0.1  # of the time then left: a last whole-problem run across the part borders
DECOMPOSE_ROUNDS = 6  # the parallel phase in between is cut into this many rounds
DECOMPOSE_ROUNDS_PER_PASS = 2  # VROOM's local search on the whole plan after this many rounds
DECOMPOSE_MIN_ROUND_SECONDS = 3.0
# With a spare thread, budgets from this size up also get a second search in a helper process
# (which takes about half a second to start) over the budget (`_SecondSearch`).
PARALLEL_MIN_SECONDS = 2.0
# The helper's PyVRP search (when VROOM there would only repeat its first run) gets this seed
# offset: the in-process runs count up from PYVRP_SEED.
SECOND_SEARCH_SEED_OFFSET = 1000
# A helper is told to stop this much before the deadline, and awaited until this much after it
# (beyond, it is taken as failed and ended).
HELPER_EARLY_SECONDS = 0.05
READY = "ready"  # what a helper says once it has started
HELPER_WAIT_SECONDS = 1.0
FINISH_MARGIN_FRACTION = 0.02
FINISH_MARGIN_SECONDS = 0.25
PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Less waiting (see the module's docstring, 5.): a first plan whose drivers wait this long in
# all is worth a search for less waiting; a plan waiting less is kept only if it drives at most
# this much more than the best.
WAITING_MIN_SECONDS = 300
MAX_EXTRA_TRAVEL = 0.02


@dataclass(frozen=True)
class Attempt:
    """One engine run inside `plan`, for reports: what ran, how long, what it found."""

    solver: str  # "vroom" or "pyvrp"
    detail: str  # e.g. "level 1", "warm start from vroom"
    seconds: float
    feasible: bool
    unassigned: int | None = None
    cost: int | None = None  # total travel duration of its plan
    level: int | None = None  # VROOM's exploration level

    def summary(self) -> dict:
        """For the job summary: which engine, how, how long, what it found."""
        return {
            "engine": self.solver,
            "level": self.level,
            "detail": self.detail,
            "seconds": round(self.seconds, 2),
            "result": "plan" if self.feasible else "no plan",
            "unassigned": self.unassigned,
            "travel_s": self.cost,
        }


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


def _priority_sum(problem: rv.Problem, solution: rv.Solution) -> int:
    priority = {job.id: job.priority for job in problem.jobs}
    return sum(priority.get(job_id, 0) for route in solution.routes for job_id in route.job_ids)


def _rank(problem: rv.Problem, solution: rv.Solution) -> tuple[int, int, int]:
    """VROOM's own order of plans: priorities served, then orders served, then travel."""
    return (-_priority_sum(problem, solution), len(solution.unassigned), solution.duration)


def waiting_seconds(solution: rv.Solution) -> int:
    """How long the drivers wait at stops for their windows, all routes together."""
    return sum(step.waiting for route in solution.routes for step in route.steps)


def _least_waiting(
    problem: rv.Problem, best: rv.Solution, plans: list[tuple[rv.Solution, str]]
) -> tuple[rv.Solution, str | None]:
    """The plan to keep: among `plans` serving as many orders at the same priorities as `best`
    and driving at most `MAX_EXTRA_TRAVEL` more, the one with the least travel and waiting
    (a second of waiting weighs 1 / `TRAVEL_PER_WAITING` of travel); `best` unless one is
    strictly better by that. Returns the plan and its engine (None: `best` itself)."""

    def weighted(solution: rv.Solution) -> int:
        return TRAVEL_PER_WAITING * solution.duration + waiting_seconds(solution)

    served = _rank(problem, best)[:2]
    most_travel = best.duration * (1 + MAX_EXTRA_TRAVEL)
    chosen, engine = best, None
    for solution, by in plans:
        if _rank(problem, solution)[:2] != served or solution.duration > most_travel:
            continue
        if weighted(solution) < weighted(chosen):
            chosen, engine = solution, by
    return chosen, engine


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
        self.writer: threading.Thread | None = None
        self.started = False  # whether it said it is ready (its imports done)
        self.received = b""  # read from its pipe, not yet unpickled

    def submit(self, engine: str, problem: rv.Problem, deadline: float, **options) -> None:
        """Start a run: engine "pyvrp" (options: warm_start, seed) or "vroom" (options: level).

        Written from a thread: a problem is larger than the pipe's buffer, and a helper still
        importing (seconds on a busy machine) reads nothing yet, which would block us."""
        message = pickle.dumps((engine, problem, deadline, options))
        if self.writer is not None:
            self.writer.join()

        def write() -> None:
            with contextlib.suppress(OSError, ValueError):  # the helper was ended meanwhile
                self.process.stdin.write(message)
                self.process.stdin.flush()

        self.writer = threading.Thread(target=write, daemon=True)
        self.writer.start()
        self.submitted = time.monotonic()

    def _receive(self, deadline: float):
        """The next object the helper sent, waiting at most until `deadline` (TimeoutError
        after it). Read from the pipe's descriptor as bytes come: a buffered reader could hold
        the next message already while `select` says there is nothing to read."""
        while True:
            if self.received:
                stream = io.BytesIO(self.received)
                try:
                    message = pickle.load(stream)  # noqa: S301 (only our own child writes here)
                except (EOFError, pickle.UnpicklingError):
                    pass  # not all of it yet
                else:
                    self.received = self.received[stream.tell() :]
                    return message
            wait = max(deadline - time.monotonic(), 0)
            readable, _, _ = select.select([self.process.stdout], [], [], wait)
            if not readable:
                raise TimeoutError("the helper process did not answer in time")
            chunk = os.read(self.process.stdout.fileno(), 1 << 20)
            if not chunk:
                raise EOFError("the helper process ended")
            self.received += chunk

    def ready(self, deadline: float | None = None) -> bool:
        """Whether the helper has started (imports take seconds on a busy machine), waiting at
        most until `deadline` (not at all without one)."""
        if not self.started:
            with contextlib.suppress(TimeoutError, EOFError, OSError, pickle.PickleError):
                message = self._receive(deadline if deadline is not None else 0.0)
                self.started = message == READY
        return self.started

    def result(self, deadline: float) -> rv.Solution | None:
        """The plan sent back, waiting at most until `deadline` (TimeoutError after it)."""
        if not self.ready(deadline):
            raise TimeoutError("the helper process did not start in time")
        return self._receive(deadline)

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
    pickle.dump(READY, results)
    results.flush()
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
    groups = np.array_split(order, parts)
    # Jobs no route serves yet go to the part whose route medoids are nearest: there they may
    # still find room.
    served = {job_id for route in routes for job_id in route.job_ids}
    waiting: list[list[rv.Job]] = [[] for _ in groups]
    for job in problem.jobs:
        if job.id not in served:
            nearest = [symmetric[job.location, medoids[group]].min() for group in groups]
            waiting[int(np.argmin(nearest))].append(job)
    subproblems = []
    for index, group in enumerate(groups):
        group_routes = [routes[i] for i in group]
        vehicles = [vehicles_by_id[route.vehicle_id] for route in group_routes]
        vehicles += idle[index::parts]
        jobs = [jobs_by_id[job_id] for route in group_routes for job_id in route.job_ids]
        jobs += waiting[index]
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
    problem: rv.Problem,
    solution: rv.Solution,
    helpers: list[_Helper],
    deadline: float,
    *,
    round_seconds: float | None = None,
    first_round: int = 0,
    max_rounds: int | None = None,
) -> tuple[rv.Solution, int]:
    """Rounds of parallel PyVRP runs on parts of `solution` (it never gets worse); rounds done.
    Each round cuts the plan differently (`first_round` counts on from earlier calls)."""
    parts = len(helpers) + 1
    if sum(1 for route in solution.routes if route.job_ids) < parts:
        return solution, 0
    if round_seconds is None:
        round_seconds = (deadline - time.monotonic()) / DECOMPOSE_ROUNDS
    rounds = 0
    while max_rounds is None or rounds < max_rounds:
        round_end = min(time.monotonic() + round_seconds, deadline)
        if round_end - time.monotonic() < DECOMPOSE_MIN_ROUND_SECONDS:
            return solution, rounds
        round_index = first_round + rounds
        subproblems = _split(problem, solution, parts, round_index)
        seed = PYVRP_SEED + 1 + round_index * parts
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
    return solution, rounds


def _vroom_attempt(detail: str, seconds: float, solution: rv.Solution, level: int) -> Attempt:
    return Attempt(
        "vroom", detail, seconds, True, len(solution.unassigned), solution.duration, level
    )


def _pyvrp_attempt(detail: str, seconds: float, solution: rv.Solution | None) -> Attempt:
    detail = "warm start from vroom" if detail == "warm start" else detail
    if solution is None:
        return Attempt("pyvrp", detail, seconds, False)
    return Attempt("pyvrp", detail, seconds, True, len(solution.unassigned), solution.duration)


def _timed_pyvrp(
    problem,
    deadline: float,
    warm_start: rv.Solution | None,
    seed: int = PYVRP_SEED,
    serve: list[int] | None = None,
    prize_factor: int = PRIZE_FACTOR,
):
    run_started = time.monotonic()
    solution, start = solve_with_pyvrp(
        problem,
        time_limit=timedelta(seconds=max(deadline - run_started, 0.0)),
        warm_start=warm_start,
        seed=seed,
        serve=serve,
        prize_factor=prize_factor,
    )
    return solution, start, time.monotonic() - run_started


VROOM_ERRORS = (VroomInputException, VroomInternalException, VroomRoutingException)


class _Search:
    """The plan kept so far (VROOM's order: priorities, orders served, travel), which engine
    made it, and every engine run, for the job summary."""

    def __init__(self, problem: rv.Problem, threads: int) -> None:
        self.problem = problem
        self.threads = threads
        self.best: rv.Solution | None = None
        self.engine = "vroom"  # of the kept plan
        self.by_pyvrp = False  # whether a PyVRP run improved the kept plan at some point
        self.attempts: list[Attempt] = []
        self.pyvrp_runs = 0
        self.prize_runs = 0  # PyVRP runs with prizes (every order optional)
        self.prizes_found = False  # whether the last of them served more orders
        self.prize_level = 0  # which of PRIZE_FACTORS: one up after each that found no more
        self.vroom_started_from: rv.Solution | None = None
        self.plans: list[tuple[rv.Solution, str]] = []  # every plan offered, and its engine

    def rank(self, solution: rv.Solution) -> tuple[int, int, int]:
        return _rank(self.problem, solution)

    def offer(self, solution: rv.Solution | None, engine: str, *, descends: bool = True) -> bool:
        """Keep `solution` when it is strictly better; True if it was. `descends`: it was found
        from the kept plan (not, e.g., the helper's own VROOM plan)."""
        if solution is None:
            return False
        self.plans.append((solution, engine))
        if self.best is None or self.rank(solution) < self.rank(self.best):
            self.by_pyvrp = engine == "pyvrp" or (descends and self.by_pyvrp)
            self.best, self.engine = solution, engine
            return True
        return False

    def pyvrp(
        self, deadline: float, *, same_orders: bool = False, prize_factor: int = PRIZE_FACTOR
    ) -> bool:
        """A PyVRP run from the kept plan until `deadline`; True if it improved the plan. Each
        run has a seed of its own: from an unchanged plan the same seed would search the same.

        `same_orders`: serve exactly the kept plan's orders, each required: only travel is
        searched, where PyVRP is at its best (see `routing.pyvrp_model.build`); otherwise
        every order is optional with a prize, and the search also looks for more served."""
        from_vroom = self.engine == "vroom"
        seed = PYVRP_SEED + self.pyvrp_runs
        self.pyvrp_runs += 1
        serve = None
        if same_orders and self.best is not None:
            serve = [job_id for route in self.best.routes for job_id in route.job_ids]
        solution, start, seconds = _timed_pyvrp(
            self.problem, deadline, self.best, seed, serve, prize_factor
        )
        if start.startswith("warm start"):
            origin = "from vroom" if from_vroom else "from the kept plan"
            start = start.replace("warm start", f"warm start {origin}", 1)
        if serve is not None:
            start += ", the same orders"
        elif prize_factor != PRIZE_FACTOR:
            start += f", prizes ×{prize_factor}"
        self.attempts.append(_pyvrp_attempt(start, seconds, solution))
        return self.offer(solution, "pyvrp")

    def vroom_pass(self, deadline: float) -> bool:
        """VROOM's local search from the kept plan (its routes as VROOM's initial routes): other
        moves than PyVRP's, and VROOM never ends worse than where it started."""
        seconds = deadline - time.monotonic()
        if self.best is None or seconds < VROOM_PASS_MIN_SECONDS:
            return False
        if self.best is self.vroom_started_from:  # VROOM is deterministic: nothing new to find
            return False
        self.vroom_started_from = self.best
        run_started = time.monotonic()
        try:
            solution = rv.solve(
                self.problem,
                exploration_level=VROOM_PASS_LEVEL,
                threads=self.threads,
                timeout=timedelta(seconds=seconds * VROOM_TIMEOUT_FRACTION),
                initial=self.best,
            )
        except VROOM_ERRORS as error:  # VROOM refused the plan as a start: go on without it
            logger.warning("VROOM refused a plan as its initial routes: %s", error)
            solution = None
        seconds = time.monotonic() - run_started
        detail = f"level {VROOM_PASS_LEVEL} from the kept plan"
        if solution is None:
            self.attempts.append(Attempt("vroom", detail, seconds, False, level=VROOM_PASS_LEVEL))
            return False
        self.attempts.append(_vroom_attempt(detail, seconds, solution, VROOM_PASS_LEVEL))
        return self.offer(solution, "vroom")

    def alternate(self, deadline: float) -> None:
        """PyVRP and VROOM's local search in turns on the kept plan until `deadline`: each
        escapes the other's local optima (PyVRP's iterated local search, VROOM's own moves
        and unassigned-job insertions). A PyVRP run takes a share of the time left."""
        while True:
            left = deadline - time.monotonic()
            if left < PYVRP_MIN_SECONDS:
                return
            slice_seconds = max(ALTERNATE_MIN_SLICE_SECONDS, left * ALTERNATE_SLICE_FRACTION)
            if left - slice_seconds < ALTERNATE_MIN_SLICE_SECONDS:
                slice_seconds = left  # the last run: PyVRP until the deadline
            if self.best is not None and not self.best.unassigned:
                # Every order served: PyVRP's own problem (required clients, travel only),
                # where one long search beats restarts (Solomon at 5 s: 0.35 % mean gap).
                slice_seconds = left
            # Prizes (more orders) first and whenever they last found more; else travel alone.
            more_orders = self.prizes_due()
            before = self.best
            factor = PRIZE_FACTORS[min(self.prize_level, len(PRIZE_FACTORS) - 1)]
            improved = self.pyvrp(
                time.monotonic() + slice_seconds,
                same_orders=not more_orders,
                prize_factor=factor,
            )
            if more_orders:
                self.prize_runs += 1
                self.prizes_found = improved and (
                    before is None or len(self.best.unassigned) < len(before.unassigned)
                )
                self.prize_level += int(not self.prizes_found)
            self.vroom_pass(deadline)

    def prizes_due(self) -> bool:
        """Whether the next PyVRP run looks for more orders served (prizes) rather than less
        travel for the same orders: the first, any after one that found more, and every third."""
        if self.best is None or not self.best.unassigned:
            return self.best is None
        return self.prize_runs == 0 or self.prizes_found or self.pyvrp_runs % 3 == 0


def _pyvrp_in_parts(search: _Search, deadline: float, helpers: list[_Helper]) -> None:
    """A whole-problem run, rounds of parallel runs on parts, a last whole-problem run; VROOM's
    local search on the whole plan after each."""
    problem = search.problem
    first_end = time.monotonic() + (deadline - time.monotonic()) * DECOMPOSE_WHOLE_FIRST
    search.pyvrp(first_end, same_orders=not search.prizes_due())
    search.vroom_pass(deadline)
    parts_end = deadline - (deadline - time.monotonic()) * DECOMPOSE_FINAL
    round_seconds = (parts_end - time.monotonic()) / DECOMPOSE_ROUNDS
    done = 0
    while time.monotonic() < parts_end:
        if not all(helper.ready() for helper in helpers):  # still starting: a turn meanwhile
            turn_end = min(parts_end, time.monotonic() + round_seconds)
            search.pyvrp(turn_end, same_orders=not search.prizes_due())
            search.vroom_pass(turn_end)
            continue
        parts_started = time.monotonic()
        solution, rounds = _improve_in_parts(
            problem,
            search.best,
            helpers,
            parts_end,
            round_seconds=round_seconds,
            first_round=done,
            max_rounds=DECOMPOSE_ROUNDS_PER_PASS,
        )
        done += rounds
        if rounds == 0:
            break
        detail = f"{len(helpers) + 1} parts in parallel, {rounds} rounds"
        search.attempts.append(_pyvrp_attempt(detail, time.monotonic() - parts_started, solution))
        search.offer(solution, "pyvrp")
        search.vroom_pass(parts_end)
    search.alternate(deadline)


def first_vroom_share(*, jobs: int, budget: float, threads: int = 2) -> float:
    """Seconds for VROOM's first plan when PyVRP takes part: `VROOM_SHARE_BEFORE_PYVRP` of the
    budget, or on a large day up to `VROOM_LARGE_SHARE` of it, twice what level 0 is expected to
    take. A level-0 run cut short by its timeout leaves many orders out (1,000 orders, 30 s,
    busy machine: 94 out after 11 s, 73 out when it ran to its end), and there PyVRP's search,
    a fraction of a second per iteration on 1,000 stops, cannot make up for it in the rest."""
    level0 = VROOM_SECONDS_PER_100_JOBS[0] * (max(jobs, 1) / 100) ** 2 * 2 / max(threads, 1)
    return max(budget * VROOM_SHARE_BEFORE_PYVRP, min(budget * VROOM_LARGE_SHARE, 2 * level0))


def vroom_alone_level(*, jobs: int, seconds: float, threads: int = 2) -> int:
    """VROOM's exploration level when it plans alone, with the whole budget as its timeout.

    Level 5 whenever it is expected to finish well within the budget: then this is exactly raw
    VROOM level 5 given the same budget. Beyond, level 5 runs into its timeout, which VROOM
    splits evenly among its searches (24 at level 5, 12 per thread), leaving each too little
    time for its local search; a lower level gives each search more. On a 1,000-order realistic
    day at 30 s, 2 threads (`bench/routing_days.py`), level 0 beat level 5 cut at its timeout
    by 26 % travel at a higher priority sum (levels 1-3 fell in between)."""
    return exploration_level(jobs=jobs, seconds=seconds, threads=threads)


def plan(problem: rv.Problem, *, time_budget: timedelta, threads: int = 2) -> PlanResult:
    """Plan routes within `time_budget`: VROOM alone, or VROOM then PyVRP and VROOM's local
    search in turns, and the best plan."""
    started = time.monotonic()
    budget = time_budget.total_seconds()
    # The searches stop a little early: PyVRP's last iteration, reading its plan back and ending
    # the helpers come after their deadline.
    deadline = started + budget - min(FINISH_MARGIN_FRACTION * budget, FINISH_MARGIN_SECONDS)

    def vroom_run(level: int, timeout: float) -> tuple[rv.Solution, Attempt]:
        run_started = time.monotonic()
        solution = rv.solve(
            problem,
            exploration_level=level,
            threads=threads,
            timeout=timedelta(seconds=max(timeout, 0.01)),
        )
        seconds = time.monotonic() - run_started
        return solution, _vroom_attempt(f"level {level}", seconds, solution, level)

    def result(solution, path, reason, supported, attempts) -> PlanResult:
        seconds = time.monotonic() - started
        return PlanResult(solution, path, reason, supported, seconds, attempts)

    if not problem.jobs and not problem.shipments:
        return result(rv.Solution(routes=[]), "vroom", "nothing to plan", False, [])
    unsupported = pyvrp_unsupported(problem)
    if unsupported is not None:
        # VROOM alone, with the whole budget as its timeout (see `vroom_alone_level`).
        level = vroom_alone_level(jobs=len(problem.jobs), seconds=budget, threads=threads)
        solution, attempt = vroom_run(level, deadline - time.monotonic())
        reason = f"constraints only VROOM handles: {unsupported}"
        return result(solution, "vroom", reason, False, [attempt])

    parts = decomposition_parts(jobs=len(problem.jobs), seconds=budget, threads=threads)
    share = first_vroom_share(jobs=len(problem.jobs), budget=budget, threads=threads)
    quick_level = exploration_level(jobs=len(problem.jobs), seconds=share, threads=threads)
    # A spare thread on a problem too small to cut gets a second search in a helper process,
    # over the budget, whose plan is offered too (`_second_search`).
    spare = parts == 1 and threads > 1 and budget >= PARALLEL_MIN_SECONDS
    helper_level = exploration_level(jobs=len(problem.jobs), seconds=budget, threads=1)
    helpers = _start_helpers(parts - 1 if parts > 1 else int(spare))
    second = _SecondSearch(helper_level if helper_level > quick_level else None)
    search = _Search(problem, threads)
    try:
        if parts == 1 and helpers and second.level is not None:
            helpers[0].submit("vroom", problem, deadline - HELPER_EARLY_SECONDS, level=second.level)
        # Its level is the one expected to finish within its share; its timeout is looser, so
        # that a busy machine slows it down rather than cutting it short (a cut-short VROOM
        # plan, on 80 orders with a load average of 22, drove 5 % more than raw VROOM's).
        timeout = max(share * VROOM_TIMEOUT_FRACTION, budget * VROOM_FIRST_TIMEOUT_SHARE)
        first, attempt = vroom_run(quick_level, timeout)
        search.offer(first, "vroom")
        search.attempts.append(attempt)
        if deadline - time.monotonic() < PYVRP_MIN_SECONDS:
            return result(first, "vroom", "no time left for pyvrp", True, search.attempts)
        waits = waiting_seconds(first) >= WAITING_MIN_SECONDS
        if parts == 1 and helpers and second.level is None:
            options = {"warm_start": first, "seed": PYVRP_SEED + SECOND_SEARCH_SEED_OFFSET}
            if waits:  # the second search looks for less waiting (the module's docstring, 5.)
                second.waiting = True
                options["serve"] = [job for route in first.routes for job in route.job_ids]
                options["waiting"] = True
            helpers[0].submit("pyvrp", problem, deadline - HELPER_EARLY_SECONDS, **options)
        if parts > 1:
            _pyvrp_in_parts(search, deadline, helpers)
        else:
            if helpers:
                # The helper's run has a thread of its own: VROOM's passes take the rest.
                search.threads = max(1, threads - len(helpers))
            search.alternate(deadline)
            if helpers:
                second.collect(search, helpers[0], deadline)
    finally:
        _stop_helpers(helpers)
    best, engine = search.best, None
    if waits:
        best, engine = _least_waiting(problem, search.best, search.plans)
    if engine is not None:
        extra = best.duration / search.best.duration - 1 if search.best.duration else 0.0
        waited = (waiting_seconds(search.best) - waiting_seconds(best)) // 60
        reason = f"{engine}'s plan waits {waited} min less for {extra:.1%} more travel"
        return result(best, engine, reason, True, search.attempts)
    if second.plan is not None and best is second.plan:
        reason = f"{second.engine}'s plan in a parallel process is better"
        return result(best, second.engine, reason, True, search.attempts)
    if best is first:
        return result(best, "vroom", _first_reason(search, first), True, search.attempts)
    if not search.by_pyvrp:
        reason = "vroom's local search improved its plan"
        return result(best, "vroom", reason, True, search.attempts)
    reason = "pyvrp's plan is better"
    if search.engine == "vroom":
        reason = "pyvrp's plan, improved by vroom's local search, is better"
    return result(best, "pyvrp", reason, True, search.attempts)


@dataclass
class _SecondSearch:
    """What a spare thread does on a problem too small to cut, in a helper process over the
    budget. VROOM at `level`, the highest its whole budget allows on one thread, when that is
    higher than its first run's: where PyVRP settles in a local optimum (tight windows: Solomon
    C203, RC108) VROOM's own search often does not. Otherwise (`level` None: VROOM would only
    repeat its first, deterministic run) PyVRP from VROOM's first plan, every order optional,
    with a seed of its own: a second, independent iterated local search, so both cores search;
    when VROOM's plan makes drivers wait (`waiting`), that search serves VROOM's plan's orders
    and counts the waiting too (the module's docstring, 5.). Its plan is offered like any other
    (`plan`)."""

    level: int | None
    plan: rv.Solution | None = None
    waiting: bool = False

    @property
    def engine(self) -> str:
        return "vroom" if self.level is not None else "pyvrp"

    def collect(self, search: _Search, helper: _Helper, deadline: float) -> None:
        """The helper's plan, offered to the search; nothing if it has not answered in time."""
        try:
            solution = helper.result(deadline + HELPER_WAIT_SECONDS)
        except (OSError, EOFError, TimeoutError, pickle.PickleError):
            return
        seconds = time.monotonic() - helper.submitted
        if self.level is None:
            seed = PYVRP_SEED + SECOND_SEARCH_SEED_OFFSET
            detail = f"warm start from vroom, seed {seed}, parallel process"
            if self.waiting:
                detail = f"warm start from vroom, seed {seed}, the same orders, less waiting, "
                detail += "parallel process"
            search.attempts.append(_pyvrp_attempt(detail, seconds, solution))
        else:
            detail = f"level {self.level}, 1 thread, parallel process"
            search.attempts.append(_vroom_attempt(detail, seconds, solution, self.level))
        if search.offer(solution, self.engine, descends=False):
            self.plan = solution


def _first_reason(search: _Search, first: rv.Solution) -> str:
    """Why VROOM's first plan stayed: no PyVRP plan, or none better."""
    pyvrp_runs = [a for a in search.attempts if a.solver == "pyvrp"]
    if not any(a.feasible for a in pyvrp_runs):
        return "pyvrp found no feasible plan"
    feasible = [a for a in pyvrp_runs if a.feasible]
    best = min((a.unassigned, a.cost) for a in feasible)
    if best == (len(first.unassigned), first.duration):
        return "vroom's plan is as good"
    return "vroom's plan is better"


if __name__ == "__main__":
    _helper_main()
