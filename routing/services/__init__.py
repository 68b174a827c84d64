"""Every write of the routing app, by topic: `jobs` (start and run a planning job), `plans`
(write a plan's routes), `reaper` (lost and unsent jobs), `routes` (dispatch, start, complete).
The names other modules call are importable from here."""

from routing.services.jobs import (
    MAX_BUDGET_S,
    MIN_BUDGET_S,
    _fail,
    default_budget_s,
    optimization_run,
    optimization_start,
    planning_queue,
)
from routing.services.plans import _day_unchanged, routes_replace
from routing.services.reaper import MAX_ATTEMPTS, WORKER_STOPPED, optimizations_reap
from routing.services.routes import route_status_set

__all__ = [
    "MAX_ATTEMPTS",
    "MAX_BUDGET_S",
    "MIN_BUDGET_S",
    "WORKER_STOPPED",
    "_day_unchanged",
    "_fail",
    "default_budget_s",
    "optimization_run",
    "optimization_start",
    "optimizations_reap",
    "planning_queue",
    "route_status_set",
    "routes_replace",
]
