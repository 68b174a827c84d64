"""PyVRP's side of the planner: which problems it can model exactly (`routing.pyvrp_model`
builds the model), a search from a warm start, and its plan read back in VROOM's shape and
checked by VROOM's plan mode (so both engines' plans are compared and stored the same way)."""

import logging
import time
import warnings
from collections.abc import Collection
from datetime import timedelta

from pyvrp.exceptions import PenaltyBoundWarning

from routing import pyvrp_model as pm
from routing import vroom as rv

logger = logging.getLogger(__name__)

PYVRP_SEED = 1


def pyvrp_unsupported(problem: rv.Problem) -> str | None:
    """Why PyVRP cannot take this problem exactly (see `routing.pyvrp_model`), or None."""
    return pm.unsupported(problem)


def pyvrp_supports(problem: rv.Problem) -> bool:
    """Whether PyVRP can take this problem exactly: same constraints, same objective as VROOM."""
    return pm.unsupported(problem) is None


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
    check: bool = True,
    serve: Collection[int] | None = None,
    prize_factor: int = pm.PRIZE_FACTOR,
    waiting: bool = False,
) -> tuple[rv.Solution | None, str]:
    """PyVRP's plan for a problem it supports, or None when it has none VROOM accepts.

    Every order is optional (with a prize), so PyVRP always has a plan; it is used only when
    VROOM, driving exactly those routes, finds nothing broken (`routing.vroom.violations`).
    `time_limit` covers building the model too. Returns the plan and how the search started.
    (`check=False` skips VROOM's check: for tests of the model itself.) `serve`: serve exactly
    these jobs, each required (see `routing.pyvrp_model.build`); `prize_factor`: see
    `routing.pyvrp_model.prizes`; `waiting`: the drivers' waiting counts too (with `serve`, see
    `routing.pyvrp_model.build`).
    """
    started = time.monotonic()
    left_out = warm_start.unassigned if warm_start is not None else None
    model = pm.build(
        problem,
        left_out_before=left_out,
        serve=serve,
        prize_factor=prize_factor,
        waiting=waiting,
    )
    if not model.client_jobs:
        return rv.Solution(
            routes=[], unassigned=sorted(j.id for j in problem.jobs)
        ), "nothing servable"
    initial = None
    if warm_start is not None and any(route.job_ids for route in warm_start.routes):
        initial = pm.warm_start(model, warm_start)
    with warnings.catch_warnings():
        # PyVRP warns when its penalties hit their bound, i.e. when it struggles for a feasible
        # solution: an infeasible best is refused below, so the warning is noise.
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        best = pm.search(
            model, stop=_Deadline(started + time_limit.total_seconds()), seed=seed, initial=initial
        )
    start = "warm start" if initial is not None else "cold start"
    if not best.is_feasible():
        return None, start
    solution = pm.read(problem, model, best)
    broken = rv.violations(problem, solution) if check else []
    if broken:  # never expected: the model is exact. Never used if it happens.
        logger.warning("PyVRP plan refused by VROOM's check: %s", ", ".join(broken[:5]))
        return None, f"{start}, refused by vroom's check ({broken[0]})"
    return solution, start
