"""Drivers' waiting: how long our plans make drivers wait at stops for their windows, and when
their routes end, before and after the planner's run for less waiting (`routing.solvers`, its
docstring's 5.), against raw pyvroom level 5 on the same days.

The days: one van, 15 stops in Rotterdam, most open all day and a few with a 30 min window
between 11:00 and 14:30 — ten days planned ahead (shift 07:00-19:00, three windows) and ten
mid-day re-plans (the van leaves the depot at 11:00, two windows, its orders pinned to it by
its route's skill as `routing.selectors` does) — the reported case of
`routing/tests/test_waiting.py` (a van leaving at 11:00, a 14:00 window: raw VROOM waits there
111 min while ten open stops are left), and the 80-order, 3-van realistic day of
`bench/routing_days.py` ("skills + windows"). Each is planned with the budget the product
gives it (`routing.services.jobs.default_budget_s`). "Before": `routing.solvers.plan` with the
run for less waiting and the choice by waiting turned off (the planner before this change);
"after": as it is; raw: a pyvroom `Input` built here (none of our code), level 5, 2 threads,
no timeout. Waiting is the sum of the stops' waiting over the routes, the end the latest
route's return, the travel the routes' travel time on the same great-circle matrix; every row
gives the load averages (1 / 5 / 15 min) when it started.

`python -m bench routing_waiting` (about 5 minutes; the waiting-aware search runs in the
helper process, so the time a busy machine gives it to start varies).
"""

import dataclasses
import os
import random
import time
from datetime import timedelta
from decimal import Decimal
from uuid import UUID

from bench.report import write
from bench.routing_days import BASE, DATE, DEPOT, THREADS, _place, at, city_day, provider, raw_input
from routing import solvers
from routing import vroom as rv
from routing.planning import Day, DriverToPlan, OrderToPlan, VehicleToPlan
from routing.problem import problem_build
from routing.services.jobs import default_budget_s

SEED = 20261203
DAYS_EACH = 10
STOPS = 15


def reported_day() -> Day:
    """The day of `routing/tests/test_waiting.py`, as the planner reads it."""
    from routing.tests.test_waiting import STOPS

    skills = frozenset({"route-1"})
    day = van_day(0, replan=True)
    orders = [
        dataclasses.replace(
            order,
            location=place,
            service_s=service,
            time_windows=((BASE + timedelta(hours=window[0]), BASE + timedelta(hours=window[1])),)
            if window
            else (),
            skills=skills,
        )
        for order, (place, service, window) in zip(day.orders, STOPS, strict=True)
    ]
    return dataclasses.replace(day, orders=orders)


def van_day(number: int, *, replan: bool) -> Day:
    """One van, 15 stops, a few with a 30 min window: see the module's docstring."""
    rng = random.Random(SEED + number + (1000 if replan else 0))
    skills = frozenset({"route-1"}) if replan else frozenset()
    driver = DriverToPlan(
        id=UUID(int=1),
        name="Driver 1",
        shift_start=at("11:00" if replan else "07:00"),
        shift_end=at("19:00"),
        start=DEPOT,
        end=DEPOT,
        vehicle=VehicleToPlan(id=UUID(int=2), name="Van 1", weight_kg=Decimal(1000), items=200),
        skills=skills,
    )
    orders = []
    for index in range(STOPS):
        windows = ()
        if index < (2 if replan else 3):
            opens = at(rng.choice(["11:00", "12:00", "13:00", "14:00"]))
            windows = ((opens, opens + timedelta(minutes=30)),)
        orders.append(
            OrderToPlan(
                id=UUID(int=100 + index),
                label=f"O-{index + 1:02d}",
                location=_place(rng, 6000),
                service_s=rng.randint(120, 360),
                time_windows=windows,
                weight_kg=Decimal(rng.randint(2, 25)),
                items=rng.randint(1, 4),
                skills=skills,
            )
        )
    return Day(delivery_date=DATE, time_base=BASE, orders=orders, drivers=[driver])


@dataclasses.dataclass
class Measure:
    served: int
    travel_s: int
    waiting_s: int
    end_s: int  # the latest route's end, seconds from midnight
    seconds: float
    load: tuple[float, float, float]
    search: str = ""  # ours: whether the search for less waiting ran and answered in time


def _ours(day: Day, budget: int, *, wait_less: bool) -> Measure:
    source = provider()
    problem, _ = problem_build(
        day, matrix_for=lambda points, profile: source.matrix(points, profile=profile)
    )
    saved = solvers.WAITING_MIN_SECONDS, solvers.MAX_EXTRA_TRAVEL
    if not wait_less:  # the planner before: no run for less waiting, no choice by waiting
        solvers.WAITING_MIN_SECONDS, solvers.MAX_EXTRA_TRAVEL = 10**9, -1.0
    load = os.getloadavg()
    started = time.perf_counter()
    try:
        result = solvers.plan(problem, time_budget=timedelta(seconds=budget), threads=THREADS)
    finally:
        solvers.WAITING_MIN_SECONDS, solvers.MAX_EXTRA_TRAVEL = saved
    seconds = time.perf_counter() - started
    solution = result.solution
    assert rv.violations(problem, solution) == []
    ends = [route.steps[-1].arrival + route.steps[-1].service for route in solution.routes]
    runs = [attempt for attempt in result.attempts if "less waiting" in attempt.detail]
    search = ("yes" if runs else "no") if wait_less else "–"
    return Measure(
        served=len(problem.jobs) - len(solution.unassigned),
        travel_s=solution.duration,
        waiting_s=solvers.waiting_seconds(solution),
        end_s=max(ends, default=0),
        seconds=seconds,
        load=load,
        search=search,
    )


def _raw(day: Day) -> Measure:
    # The route's skill pins orders to the one van they are all for: nothing to tell raw VROOM.
    day = dataclasses.replace(
        day,
        drivers=[dataclasses.replace(d, skills=d.skills - {"route-1"}) for d in day.drivers],
        orders=[dataclasses.replace(o, skills=o.skills - {"route-1"}) for o in day.orders],
    )
    problem, durations = raw_input(day)
    load = os.getloadavg()
    started = time.perf_counter()
    solution = problem.solve(exploration_level=5, nb_threads=THREADS)
    seconds = time.perf_counter() - started
    travel, ends = 0, []
    for _, rows in solution.routes.groupby("vehicle_id", sort=False):
        places = [int(p) for p in rows["location_index"] if int(p) < len(durations)]
        travel += int(durations[places[:-1], places[1:]].sum())
        last = rows.iloc[-1]
        ends.append(int(last["arrival"]) + int(last["service"]))
    unassigned = solution.to_dict().get("unassigned", [])
    return Measure(
        served=len(day.orders) - len(unassigned),
        travel_s=travel,
        waiting_s=int(solution.routes["waiting_time"].sum()),
        end_s=max(ends, default=0),
        seconds=seconds,
        load=load,
    )


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _load(load: tuple[float, float, float]) -> str:
    return " / ".join(f"{value:.2f}" for value in load)


def _cell(measure: Measure) -> str:
    return (
        f"{measure.served} / {measure.travel_s} / {measure.waiting_s / 60:.0f} / "
        f"{_clock(measure.end_s)}"
    )


def run() -> str:
    days = [(f"planned ahead #{n + 1}", van_day(n, replan=False)) for n in range(DAYS_EACH)]
    days += [(f"mid-day re-plan #{n + 1}", van_day(n, replan=True)) for n in range(DAYS_EACH)]
    days.append(("the reported case (test_waiting)", reported_day()))
    days.append(("80 orders, 3 vans (routing_days)", city_day(80)))
    rows = []
    for name, day in days:
        budget = default_budget_s(len(day.orders))
        raw = _raw(day)
        before = _ours(day, budget, wait_less=False)
        after = _ours(day, budget, wait_less=True)
        print(
            f"  {name}: raw {_cell(raw)}, before {_cell(before)}, after {_cell(after)}", flush=True
        )
        rows.append((name, budget, raw, before, after))
        _report(rows, partial=True)
    return _report(rows)


def _report(rows, partial: bool = False) -> str:
    lines = [
        "| day | budget s | raw L5: served / travel s / waiting min / end | before | after | "
        "after vs before: travel, waiting min, end min | search for less waiting answered | "
        "wall s: raw / before / after | "
        "load avg at start: before; after |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    totals = {"raw": [0, 0], "before": [0, 0], "after": [0, 0]}
    fewer = more_travel = 0
    for name, budget, raw, before, after in rows:
        for key, measure in (("raw", raw), ("before", before), ("after", after)):
            totals[key][0] += measure.travel_s
            totals[key][1] += measure.waiting_s
        travel = after.travel_s / before.travel_s - 1 if before.travel_s else 0.0
        fewer += after.served < before.served
        more_travel += travel > solvers.MAX_EXTRA_TRAVEL
        lines.append(
            f"| {name} | {budget} | {_cell(raw)} | {_cell(before)} | {_cell(after)} | "
            f"{travel:+.1%}, {(after.waiting_s - before.waiting_s) / 60:+.0f}, "
            f"{(after.end_s - before.end_s) / 60:+.0f} | {after.search} | {raw.seconds:.1f} / "
            f"{before.seconds:.1f} / {after.seconds:.1f} | {_load(before.load)}; "
            f"{_load(after.load)} |"
        )
    summary = ", ".join(
        f"{key} {travel} s travel, {waiting / 60:.0f} min waiting"
        for key, (travel, waiting) in totals.items()
    )
    body = (
        __doc__.split("\n\n", 1)[1].rsplit("\n\n", 1)[0]
        + "\n\n## Results\n\n"
        + "\n".join(lines)
        + f"\n\nAll days together: {summary}. Days where after serves fewer orders than before: "
        f"{fewer}; where it drives more than {solvers.MAX_EXTRA_TRAVEL:.0%} more: {more_travel} "
        "(before and after are separate timed runs: PyVRP's search differs between them, so "
        "travel may differ either way by a little even where no waiting was traded). "
        '"search for less waiting answered": "no" when VROOM\'s first plan waits under '
        f"{solvers.WAITING_MIN_SECONDS // 60} min, when the helper process runs VROOM (the "
        "80-order day at 5 s) or when it did not answer in time (a busy machine).\n"
    )
    title = "Drivers' waiting: routing.solvers.plan before / after the run for less waiting"
    if partial:
        title += " (partial: the run is still going or was cut short)"
    return write("routing_waiting", title, body)
