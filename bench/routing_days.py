"""Route quality on realistic days: generated city days planned through `routing.solvers.plan`
vs raw pyvroom level 5, with the same budget and without a time limit, in the same run.

The days are our own (`city_day`): orders spread over a city around one depot; a minority of
orders need a fridge and a minority of vans have one; 2 h windows, 30 min windows, two windows
(morning or late afternoon) or none; early (07–15) and late (11–19) shifts; loads in two
dimensions (kg and items); some drivers start from home, one in ten has an open route, some
have a max driving time or a max number of stops; and more orders than the vans can take, so
some cannot be served. The "breaks + priorities" variant adds a 30 min break to every driver
and a priority to some orders. Sizes: 80 orders / 3 vans, 300 / 10, 1,000 / 30.

Ours: the day (`routing.planning.Day`) → `routing.problem.problem_build` (great-circle matrix,
as the product's default) → `routing.solvers.plan(time_budget=B)` → our plan, whose routes are
then driven exactly as planned by VROOM's plan mode (`routing.vroom.violations`) to show they
break nothing. Raw: a pyvroom `Input` built here from the same day (none of our code), with the
same matrix, solved at exploration level 5 on 2 threads with `timeout=B`, and without a timeout.
Travel is the sum of the routes' travel times on that matrix (the cost both minimise).
Every row reports the load averages (1 / 5 / 15 min) when it started: the machine is shared.

`python -m bench routing_days` (all of it: raw VROOM without a time limit on 1,000 orders alone
takes many minutes, far more on a busy machine), `python -m bench routing_days --quick`
(BENCH_QUICK=1: 80 and 300 orders, both variants, a 20 s budget, raw VROOM's "no limit" run
capped at 60 s; about 5 min). The results file is rewritten after every row, so a run cut short
still reports what it measured. Needs no database. `BENCH_SIZES=80,300` runs only those sizes;
`BENCH_BEST_KNOWN=80:150` also makes the best-known reference of the 80-order day (long PyVRP
runs, 150 s each; see BEST_KNOWN_CACHE).
"""

import hashlib
import json
import math
import os
import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

import numpy as np
import vroom

from bench.report import write
from routing import matrices, solvers
from routing import vroom as rv
from routing.planning import BreakToPlan, Day, DriverToPlan, OrderToPlan, Point, VehicleToPlan
from routing.problem import problem_build

TZ = ZoneInfo("Europe/Amsterdam")
DATE = date(2026, 12, 2)  # a Wednesday
BASE = datetime(2026, 12, 2, tzinfo=TZ)
CENTRE = (51.9225, 4.4792)  # Rotterdam
DEPOT = (51.9050, 4.4600)
# orders: (vans, radius in m, kg per van); the vans hold about 98 % of the day's kilograms.
SIZES = {80: (3, 6_000, 360), 300: (10, 10_000, 400), 1000: (30, 15_000, 450)}
BUDGETS = (30, 60)
QUICK_SIZES = (80, 300)
QUICK_BUDGETS = (20,)
QUICK_NO_LIMIT_CAP = 60  # seconds: the quick run caps raw VROOM's "no limit" run
VARIANTS = ("skills + windows", "breaks + priorities")
THREADS = 2
LEVEL = 5
SEED = 20261202
CAPACITY_ITEMS = 75
FRIDGE_ORDER_SHARE = 0.10
EARLY = ("07:00", "15:00")
LATE = ("11:00", "19:00")
METRES_PER_DEGREE = 111_320.0


def at(clock: str) -> datetime:
    hours, minutes = (int(part) for part in clock.split(":"))
    return BASE + timedelta(hours=hours, minutes=minutes)


def _place(rng: random.Random, radius_m: float) -> Point:
    radius = radius_m * math.sqrt(rng.random())
    angle = rng.uniform(0, 2 * math.pi)
    lat = CENTRE[0] + radius * math.cos(angle) / METRES_PER_DEGREE
    lng = CENTRE[1] + radius * math.sin(angle) / (
        METRES_PER_DEGREE * math.cos(math.radians(CENTRE[0]))
    )
    return (round(lat, 6), round(lng, 6))


def _windows(rng: random.Random) -> tuple[tuple[datetime, datetime], ...]:
    kind = rng.random()
    if kind < 0.30:  # 2 h, starting on the hour 08:00–17:00
        start = at(f"{rng.randint(8, 17):02d}:00")
        return ((start, start + timedelta(hours=2)),)
    if kind < 0.40:  # 30 min, on the half hour 08:00–18:30
        start = at("08:00") + timedelta(minutes=30 * rng.randint(0, 21))
        return ((start, start + timedelta(minutes=30)),)
    if kind < 0.45:  # morning or late afternoon
        return ((at("09:00"), at("11:00")), (at("16:00"), at("18:00")))
    return ()


def city_day(orders: int, variant: str = VARIANTS[0], seed: int = SEED) -> Day:
    """A generated day in Rotterdam: see the module's docstring."""
    vans, radius, capacity_kg = SIZES[orders]
    rng = random.Random(seed + orders)
    fridge_vans = (0, 11, 22)[: max(1, round(vans / 10))]  # one early, then a late one
    drivers = []
    for number in range(vans):
        early = number % 3 != 2  # two in three early
        fridge = number in fridge_vans
        shift = EARLY if early else LATE
        lunch = (
            BreakToPlan(earliest=at("11:30"), latest=at("13:00"), duration_s=1800)
            if early
            else BreakToPlan(earliest=at("15:00"), latest=at("16:30"), duration_s=1800)
        )
        drivers.append(
            DriverToPlan(
                id=UUID(int=10_000 + number),
                name=f"Driver {number + 1}",
                shift_start=at(shift[0]),
                shift_end=at(shift[1]),
                start=_place(rng, radius) if number % 5 == 1 else DEPOT,
                end=None if number % 10 == 2 else DEPOT,
                vehicle=VehicleToPlan(
                    id=UUID(int=20_000 + number),
                    name=f"Van {number + 1}" + (" (fridge)" if fridge else ""),
                    weight_kg=Decimal(capacity_kg),
                    items=CAPACITY_ITEMS,
                    skills=frozenset({"fridge"}) if fridge else frozenset(),
                ),
                breaks=(lunch,) if variant == VARIANTS[1] else (),
                max_stops=30 if number % 6 == 4 else None,
                max_travel_s=5 * 3600 if number % 7 == 3 else None,
            )
        )
    day_orders = []
    for number in range(orders):
        priority = 0
        if variant == VARIANTS[1]:
            priority = rng.choice([0] * 17 + [50, 50, 100])
        day_orders.append(
            OrderToPlan(
                id=UUID(int=number + 1),
                label=f"O-{number + 1:04d}",
                location=_place(rng, radius),
                service_s=rng.randint(120, 360),
                time_windows=_windows(rng),
                weight_kg=Decimal(rng.randint(2, 25)),
                items=rng.randint(1, 4),
                skills=frozenset({"fridge"}) if rng.random() < FRIDGE_ORDER_SHARE else frozenset(),
                priority=priority,
            )
        )
    return Day(delivery_date=DATE, time_base=BASE, orders=day_orders, drivers=drivers)


def provider() -> matrices.GreatCircleProvider:
    from django.conf import settings

    return matrices.GreatCircleProvider(
        detour_factor=settings.ROUTING_DETOUR_FACTOR, speeds_kmh=settings.ROUTING_SPEEDS_KMH
    )


# --- raw pyvroom, built here from the day -------------------------------------------------------


def _seconds(moment: datetime) -> int:
    return int((moment - BASE).total_seconds())


def raw_input(day: Day) -> tuple[vroom.Input, np.ndarray]:
    """pyvroom's Input for the day, built directly (none of our code), and its matrix."""
    points: list[Point] = []
    index: dict[Point, int] = {}

    def place(point: Point) -> int:
        if point not in index:
            index[point] = len(points)
            points.append(point)
        return index[point]

    for driver in day.drivers:
        place(driver.start)
        if driver.end is not None:
            place(driver.end)
    for order in day.orders:
        place(order.location)
    durations = provider().matrix(points, profile="van").durations
    problem = vroom.Input()
    problem.set_durations_matrix(profile="van", matrix_input=durations.astype(np.uint32))
    skills = {"fridge": 1}
    for number, driver in enumerate(day.drivers, start=1):
        options = {}
        if driver.max_stops is not None:
            options["max_tasks"] = driver.max_stops
        if driver.max_travel_s is not None:
            options["max_travel_time"] = driver.max_travel_s
        problem.add_vehicle(
            vroom.Vehicle(
                number,
                start=index[driver.start],
                end=index[driver.end] if driver.end is not None else None,
                profile="van",
                capacity=[int(driver.vehicle.weight_kg) * 1000, driver.vehicle.items],
                skills={skills[s] for s in driver.all_skills},
                time_window=vroom.TimeWindow(
                    _seconds(driver.shift_start), _seconds(driver.shift_end)
                ),
                breaks=[
                    vroom.Break(
                        number * 100 + i,
                        time_windows=[vroom.TimeWindow(_seconds(b.earliest), _seconds(b.latest))],
                        service=b.duration_s,
                    )
                    for i, b in enumerate(driver.breaks, start=1)
                ],
                **options,
            )
        )
    for number, order in enumerate(day.orders, start=1):
        problem.add_job(
            vroom.Job(
                number,
                location=index[order.location],
                default_service=order.service_s,
                delivery=[int(order.weight_kg) * 1000, order.items],
                skills={skills[s] for s in order.skills},
                priority=order.priority,
                time_windows=[
                    vroom.TimeWindow(_seconds(start), _seconds(end))
                    for start, end in order.time_windows
                ],
            )
        )
    return problem, durations


@dataclass
class Outcome:
    served: int
    travel_s: int
    priority: int
    seconds: float
    load: tuple[float, float, float]
    detail: str = ""
    violations: int = 0


# Raw VROOM without a time limit is deterministic (same input, same plan, any thread count), and
# on 1,000 orders it runs for most of an hour on a busy machine: its outcome is kept here, keyed
# by a digest of the exact input (the day and its matrix) and pyvroom's version, and reused by a
# later run only when that digest matches. `BENCH_FRESH=1` ignores the file.
NO_LIMIT_CACHE = Path(__file__).resolve().parent / "results" / "routing_days_no_limit.json"
# A reference "best known" travel for a day PyVRP can take (no breaks): long PyVRP runs, far
# beyond any budget, to tell whether "0.95x raw VROOM level 5" is within reach at all on a day
# where VROOM level 5 is already near its own best. Made only when asked
# (`BENCH_BEST_KNOWN=80:240`: sizes and seconds per phase), kept by input digest like the above.
BEST_KNOWN_CACHE = NO_LIMIT_CACHE.with_name("routing_days_best_known.json")
BEST_KNOWN_SEEDS = (7, 8)


def _digest(day: Day, durations: np.ndarray) -> str:
    text = repr((day.drivers, day.orders, version("pyvroom"), LEVEL))
    return hashlib.sha256(text.encode() + durations.astype(np.uint32).tobytes()).hexdigest()


def solve_raw_no_limit(day: Day, cap: float | None = None) -> Outcome:
    """Raw VROOM level 5 without a time limit (`cap`: the quick run's stand-in)."""
    if cap is not None:
        return solve_raw(day, cap)
    _, durations = raw_input(day)
    key = _digest(day, durations)
    cache = json.loads(NO_LIMIT_CACHE.read_text()) if NO_LIMIT_CACHE.exists() else {}
    if key in cache and os.environ.get("BENCH_FRESH") != "1":
        entry = cache[key]
        return Outcome(
            entry["served"],
            entry["travel_s"],
            entry["priority"],
            entry["seconds"],
            tuple(entry["load"]),
            detail=f"kept from {entry['measured']}",
        )
    if len(day.orders) in _skipped_sizes():
        return Outcome(0, 0, 0, 0.0, os.getloadavg(), detail="not measured")
    outcome = solve_raw(day, None)
    cache = json.loads(NO_LIMIT_CACHE.read_text()) if NO_LIMIT_CACHE.exists() else {}
    cache[key] = {
        "served": outcome.served,
        "travel_s": outcome.travel_s,
        "priority": outcome.priority,
        "seconds": round(outcome.seconds, 1),
        "load": list(outcome.load),
        "measured": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "day": f"{len(day.orders)} orders, {len(day.drivers)} vans",
    }
    NO_LIMIT_CACHE.parent.mkdir(parents=True, exist_ok=True)
    NO_LIMIT_CACHE.write_text(json.dumps(cache, indent=1, sort_keys=True) + "\n")
    return outcome


def _best_known_asked() -> tuple[set[int], float]:
    text = os.environ.get("BENCH_BEST_KNOWN", "")
    if not text:
        return set(), 0.0
    sizes, _, seconds = text.partition(":")
    return {int(part) for part in sizes.split(",") if part.strip()}, float(seconds or 240)


def best_known(day: Day) -> dict | None:
    """The kept best-known plan of this day (see BEST_KNOWN_CACHE), made now if asked."""
    from routing.pyvrp_solve import solve_with_pyvrp

    _, durations = raw_input(day)
    key = _digest(day, durations)
    cache = json.loads(BEST_KNOWN_CACHE.read_text()) if BEST_KNOWN_CACHE.exists() else {}
    sizes, seconds = _best_known_asked()
    if len(day.orders) not in sizes or day.drivers[0].breaks:
        return cache.get(key)
    source = provider()
    problem, _ = problem_build(
        day, matrix_for=lambda points, profile: source.matrix(points, profile=profile)
    )
    started = time.perf_counter()
    load = os.getloadavg()
    best = rv.solve(problem, exploration_level=LEVEL, threads=THREADS)
    runs = [f"vroom level 5, no limit: {len(best.unassigned)} out, {best.duration}"]
    for seed in BEST_KNOWN_SEEDS:
        # every order optional with a prize (which orders to leave out), then the same orders
        # each required (travel alone), each `seconds` long, from the best so far
        for serve in (None, "same"):
            served = [j for route in best.routes for j in route.job_ids] if serve else None
            solution, _ = solve_with_pyvrp(
                problem,
                time_limit=timedelta(seconds=seconds),
                warm_start=best,
                seed=seed,
                serve=served,
            )
            what = "same orders" if serve else "prizes"
            if solution is None:
                runs.append(f"pyvrp {what} seed {seed} {seconds:.0f}s: none")
                continue
            runs.append(
                f"pyvrp {what} seed {seed} {seconds:.0f}s: "
                f"{len(solution.unassigned)} out, {solution.duration}"
            )
            if solvers._rank(problem, solution) < solvers._rank(problem, best):
                best = solution
    cache = json.loads(BEST_KNOWN_CACHE.read_text()) if BEST_KNOWN_CACHE.exists() else {}
    cache[key] = {
        "day": f"{len(day.orders)} orders, {len(day.drivers)} vans",
        "served": len(problem.jobs) - len(best.unassigned),
        "travel_s": best.duration,
        "seconds": round(time.perf_counter() - started, 1),
        "load": list(load),
        "measured": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "runs": runs,
        "violations": len(rv.violations(problem, best)),
    }
    BEST_KNOWN_CACHE.write_text(json.dumps(cache, indent=1, sort_keys=True) + "\n")
    return cache[key]


def _skipped_sizes() -> set[int]:
    """Sizes whose raw no-limit run is not started when it is not kept from an earlier run
    (`BENCH_NO_LIMIT_SKIP=1000`): on a busy machine it takes hours there."""
    text = os.environ.get("BENCH_NO_LIMIT_SKIP", "")
    return {int(part) for part in text.split(",") if part.strip()}


def solve_raw(day: Day, budget: float | None) -> Outcome:
    load = os.getloadavg()
    problem, durations = raw_input(day)
    started = time.perf_counter()
    timeout = timedelta(seconds=budget) if budget is not None else None
    solution = problem.solve(exploration_level=LEVEL, nb_threads=THREADS, timeout=timeout)
    seconds = time.perf_counter() - started
    travel = 0
    for _, rows in solution.routes.groupby("vehicle_id", sort=False):
        places = [int(p) for p in rows["location_index"] if int(p) < len(durations)]
        travel += int(durations[places[:-1], places[1:]].sum())
    unassigned = {int(item["id"]) for item in solution.to_dict().get("unassigned", [])}
    served = [n for n in range(1, len(day.orders) + 1) if n not in unassigned]
    priority = sum(day.orders[n - 1].priority for n in served)
    return Outcome(len(served), travel, priority, seconds, load)


def solve_ours(day: Day, budget: float) -> Outcome:
    load = os.getloadavg()
    started = time.perf_counter()
    source = provider()
    problem, _ = problem_build(
        day, matrix_for=lambda points, profile: source.matrix(points, profile=profile)
    )
    result = solvers.plan(problem, time_budget=timedelta(seconds=budget), threads=THREADS)
    seconds = time.perf_counter() - started
    solution = result.solution
    priority = {job.id: job.priority for job in problem.jobs}
    runs = ", ".join(
        f"{a.solver} {a.detail} {a.seconds:.1f}s"
        + (f" → {a.unassigned} out, {a.cost}" if a.feasible else " → none")
        for a in result.attempts
    )
    broken = rv.violations(problem, solution)
    return Outcome(
        served=len(problem.jobs) - len(solution.unassigned),
        travel_s=solution.duration,
        priority=sum(priority[j] for route in solution.routes for j in route.job_ids),
        seconds=seconds,
        load=load,
        detail=f"**{result.path}** ({runs})",
        violations=len(broken),
    )


# --- the report ---------------------------------------------------------------------------------


def _load(load: tuple[float, float, float]) -> str:
    return " / ".join(f"{value:.2f}" for value in load)


def run() -> str:
    quick = os.environ.get("BENCH_QUICK") == "1"
    sizes = QUICK_SIZES if quick else tuple(SIZES)
    if os.environ.get("BENCH_SIZES"):  # e.g. BENCH_SIZES=80,300
        sizes = tuple(int(part) for part in os.environ["BENCH_SIZES"].split(","))
    budgets = QUICK_BUDGETS if quick else BUDGETS
    rows, checks, references = [], [], []
    for size in sizes:  # smaller days first: a run cut short still covers every variant
        for variant in VARIANTS:
            day = city_day(size, variant)
            unlimited = solve_raw_no_limit(day, QUICK_NO_LIMIT_CAP if quick else None)
            reference = best_known(day)
            if reference is not None:
                references.append((variant, size, reference, unlimited))
            print(
                f"  {variant}, {size}: raw L5 unlimited {unlimited.served} served, "
                f"{unlimited.travel_s} s travel, {unlimited.seconds:.1f} s",
                flush=True,
            )
            for budget in budgets:
                ours = solve_ours(day, budget)
                same = solve_raw(day, budget)
                print(
                    f"  {variant}, {size}, {budget}s: ours {ours.served} / {ours.travel_s} "
                    f"({ours.seconds:.1f}s), raw {same.served} / {same.travel_s} "
                    f"({same.seconds:.1f}s), load {_load(ours.load)}",
                    flush=True,
                )
                rows.append((variant, size, budget, ours, same, unlimited))
                checks.append(ours.violations)
                # a run cut short still reports
                _report(rows, checks, quick, references, partial=True)
    return _report(rows, checks, quick, references)


def _ratio(ours: Outcome, raw: Outcome) -> str:
    """Travel ratio, and per order served in brackets (plans serving more orders drive more)."""
    if raw.detail == "not measured" or not raw.travel_s or not ours.served or not raw.served:
        return "–"
    per_order = (ours.travel_s / ours.served) / (raw.travel_s / raw.served)
    return f"{ours.travel_s / raw.travel_s:.3f} ({per_order:.3f})"


def _verdict(ours: Outcome, same: Outcome, unlimited: Outcome) -> str:
    measured = unlimited.detail != "not measured"
    served = ours.served >= same.served and (not measured or ours.served >= unlimited.served)
    vs_same = ours.travel_s <= 0.95 * same.travel_s
    vs_unlimited = ours.travel_s <= unlimited.travel_s
    marks = [
        "served ≥" if served else "**served <**",
        "≤ 0.95×" if vs_same else "**> 0.95×**",
    ]
    if measured:
        marks.append("≤ 1.00×" if vs_unlimited else "**> 1.00×**")
    else:
        marks.append("no-limit run not measured")
    if ours.priority != same.priority or ours.priority != unlimited.priority:
        marks.append(f"priority {ours.priority} vs {same.priority} / {unlimited.priority}")
    return ", ".join(marks)


def _references(references) -> str:
    if not references:
        return ""
    lines = [
        "## Best known (long PyVRP runs, far beyond any budget)\n",
        "What the day allows at all: raw VROOM level 5 without a limit, then PyVRP runs from the "
        "best so far, each seed a run with prizes (which orders to leave out) and a run serving "
        "those orders, each required (travel alone); made with `BENCH_BEST_KNOWN=<sizes>:"
        "<seconds per run>`, kept by input digest (`routing_days_best_known.json`).\n",
        "| variant | orders / vans | best known: served / travel s | ÷ raw L5 no limit | "
        "0.95× raw L5 no limit | wall s | load avg at start | runs |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for variant, size, reference, unlimited in references:
        ratio = reference["travel_s"] / unlimited.travel_s if unlimited.travel_s else 0
        lines.append(
            f"| {variant} | {size} / {SIZES[size][0]} | {reference['served']} / "
            f"{reference['travel_s']} | {ratio:.3f} | {0.95 * unlimited.travel_s:.0f} | "
            f"{reference['seconds']} ({reference['measured']}) | {_load(reference['load'])} | "
            f"{'; '.join(reference['runs'])} |"
        )
    return "\n".join(lines) + "\n\n"


def _report(rows, checks, quick: bool, references=(), partial: bool = False) -> str:
    lines = [
        "| variant | orders / vans | budget s | ours: served / travel h | raw L5, same budget: "
        "served / travel h | raw L5, no limit: served / travel h | wall s: ours / raw same / "
        "raw no limit | ours ÷ raw same: travel (per order) | ours ÷ raw no limit: travel (per "
        "order) | targets | load avg at start: ours; raw same |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for variant, size, budget, ours, same, unlimited in rows:
        no_limit = f"{unlimited.served} / {unlimited.travel_s / 3600:.2f}"
        no_limit_wall = f"{unlimited.seconds:.1f}"
        if unlimited.detail == "not measured":
            no_limit, no_limit_wall = "not measured", "–"
        elif unlimited.detail:
            no_limit_wall += f" ({unlimited.detail})"
        lines.append(
            f"| {variant} | {size} / {SIZES[size][0]} | {budget} | {ours.served} / "
            f"{ours.travel_s / 3600:.2f} | {same.served} / {same.travel_s / 3600:.2f} | "
            f"{no_limit} | {ours.seconds:.1f} / "
            f"{same.seconds:.1f} / {no_limit_wall} | {_ratio(ours, same)} | "
            f"{_ratio(ours, unlimited)} | {_verdict(ours, same, unlimited)} | "
            f"{_load(ours.load)}; {_load(same.load)} |"
        )
    paths = [
        f"| {variant} | {size} | {budget} | {ours.detail} |"
        for variant, size, budget, ours, _, _ in rows
    ]
    cap = f" (quick run: capped at {QUICK_NO_LIMIT_CAP} s)" if quick else ""
    body = (
        __doc__.split("\n\n", 1)[1].rsplit("\n\n", 1)[0]
        + "\n\n## Results\n\n"
        + "\n".join(lines)
        + "\n\nTargets: orders served ≥ raw VROOM's (same budget and no limit); travel ≤ 0.95× "
        "raw VROOM level 5 with the same budget and ≤ 1.00× without a limit. Both planners "
        "rank plans by priorities served, then orders served, then travel (VROOM's own order), "
        "so a plan that serves more orders may drive more: the ratio per order served is given "
        "in brackets. The raw no-limit run is made once per day and size, shared by both "
        f"budgets{cap}; it is deterministic, and an outcome measured by an earlier run on the "
        "exact same input (digest of the day, its matrix and pyvroom's version) is reused, "
        'marked "kept from" with its date; "not measured": it was neither kept nor run '
        "(BENCH_NO_LIMIT_SKIP: level 5 without a limit on 1,000 orders takes hours on this "
        "machine when it is busy).\n\n"
        f"Our plans driven exactly as planned by VROOM's plan mode: "
        f"{sum(checks)} violation(s) over {len(checks)} plans.\n\n"
        + _references(references)
        + "## Engine runs inside our budget\n\n"
        "| variant | orders | budget s | path (engine, what, seconds → orders left out, "
        "travel s) |\n|---|---|---|---|\n" + "\n".join(paths) + "\n"
    )
    title = "Route quality on realistic days: routing.solvers.plan vs raw VROOM"
    if quick:
        title += " (BENCH_QUICK subset)"
    if partial:
        title += " (partial: the run is still going or was cut short)"
    return write("routing_days", title, body)


if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    django.setup()
    print(run())
