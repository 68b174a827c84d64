"""Route quality: VRPTW benchmark instances planned through our path vs. raw VROOM, gap to the BKS.

Our path is the product's: each instance becomes a `routing.vroom.Problem` (distances ×100 and
rounded; travel time equals distance), `routing.solvers.plan` solves it within a time budget, and
its `Solution` is read back. Distances are then measured exactly, on the float Euclidean matrix
along our routes, and each route is replayed in exact (unrounded) time to check windows and
capacity.
The baseline, measured in the same run, is raw pyvroom at exploration level 5 on 2 threads, its
Input built directly from the instance. It needs no database (`python -m bench.routing` works).

BENCH_QUICK=1 runs a subset (6 Solomon, 2 G&H 200, no G&H 1000) for fast iteration.
"""

import csv
import os
import re
import statistics
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
import vroom

from bench.report import RESULTS, write
from bench.solomon import ROOT, Instance, gap, read
from routing import solvers
from routing import vroom as rv

SCALE = 100
SOLOMON_BUDGET = timedelta(seconds=5)
HOMBERGER_200_BUDGET = timedelta(seconds=10)
HOMBERGER_1000_BUDGET = timedelta(seconds=60)
BASELINE_LEVEL = 5
THREADS = 2
FAMILIES = ["C1", "C2", "R1", "R2", "RC1", "RC2"]
QUICK_SOLOMON = ["C101", "C201", "R101", "R201", "RC101", "RC201"]
HOMBERGER_200 = ["C1_2_1", "C2_2_1", "R1_2_1", "R2_2_1", "RC1_2_1", "RC2_2_1"]
QUICK_HOMBERGER_200 = ["R1_2_1", "RC2_2_1"]
HOMBERGER_1000 = ["R1_10_1", "RC2_10_1", "C1_10_1"]
NOTES = """## Notes

- Timing: every plan runs until its budget (PyVRP searches until the deadline), so our wall time
  is the budget; raw VROOM stops when its search is done. The machine is shared: other test
  runs take cores at times, so gaps move by a few tenths between runs.
- R109: both planners land near 1152 while its `distance` row says 1101.37; the optimum
  published for R109 (Kallehauge et al., distances truncated to one decimal) is 1146.9, so
  that row looks wrong, and R109's gap overstates ours (and VROOM's) by about 4 points.
- VROOM alone on 1000 customers, for scale (VROOM-NOTES, same machine, not this run): level 5
  needs 342 s for +4.77 % on R1_10_1 and 377 s for +6.80 % on RC2_10_1.
"""
# Exact-time replay tolerance: times are solved ×100 and rounded, so a route can be late by
# rounding only (a few hundredths); anything above is a real violation.
LATE_TOLERANCE = 0.05


@dataclass(frozen=True)
class BestKnown:
    distance: float
    objective: str
    convention: str
    vehicles: int


@dataclass
class Row:
    instance: str
    family: str
    customers: int
    vehicles: int
    distance: float  # in the BKS row's convention
    best: BestKnown
    seconds: float
    path: str
    late: float  # worst lateness replaying our routes in exact time (instance units)
    over_capacity: int
    missing: int  # customers not served

    @property
    def gap(self) -> float:
        return gap(self.distance, self.best.distance)


@dataclass
class Baseline:
    distance: float
    vehicles: int
    seconds: float

    def gap(self, best: BestKnown) -> float:
        return gap(self.distance, best.distance)


def _scaled(value: float) -> int:
    return int(round(value * SCALE))


def problem_from(instance: Instance) -> rv.Problem:
    matrix = np.rint(instance.euclidean() * SCALE).astype(np.int64)
    jobs = [
        rv.Job(
            id=customer,
            location=customer,
            service=_scaled(instance.service[customer]),
            delivery=(int(instance.demand[customer]),),
            time_windows=((_scaled(instance.ready[customer]), _scaled(instance.due[customer])),),
        )
        for customer in range(1, instance.customers + 1)
    ]
    shift = (_scaled(instance.ready[0]), _scaled(instance.due[0]))
    vehicles = [
        rv.Vehicle(id=number, start=0, end=0, capacity=(instance.capacity,), time_window=shift)
        for number in range(1, instance.vehicles + 1)
    ]
    return rv.Problem(jobs=jobs, vehicles=vehicles, durations={"car": matrix}, distances=matrix)


def route_distance(visits: list[list[int]], matrix: np.ndarray) -> float:
    """Total length of routes given as customer sequences (depot 0 added at both ends)."""
    total = 0.0
    for customers in visits:
        path = [0, *customers, 0]
        total += float(matrix[path[:-1], path[1:]].sum())
    return total


def dimacs(matrix: np.ndarray) -> np.ndarray:
    # DIMACS VRPTW convention: each distance truncated to one decimal.
    return np.floor(matrix * 10) / 10


def replay(instance: Instance, visits: list[list[int]]) -> tuple[float, int, int]:
    """Drive the routes in exact time: (worst lateness, routes over capacity, customers missing)."""
    exact = instance.euclidean()
    worst_late, over_capacity = 0.0, 0
    for customers in visits:
        now, previous = float(instance.ready[0]), 0
        for customer in customers:
            now = max(now + exact[previous, customer], float(instance.ready[customer]))
            worst_late = max(worst_late, now - float(instance.due[customer]))
            now += float(instance.service[customer])
            previous = customer
        worst_late = max(worst_late, now + exact[previous, 0] - float(instance.due[0]))
        over_capacity += int(instance.demand[customers].sum() > instance.capacity)
    served = [customer for customers in visits for customer in customers]
    missing = instance.customers - len(set(served))
    return worst_late, over_capacity, missing


def best_known(path: Path) -> dict[tuple[str, str], BestKnown]:
    with path.open() as handle:
        return {
            (row["instance"], row["objective"]): BestKnown(
                float(row["distance_bks"]),
                row["objective"],
                row["distance_convention"],
                int(row["vehicles_bks"]),
            )
            for row in csv.DictReader(handle)
        }


def comparable(table: dict[tuple[str, str], BestKnown], instance: str) -> BestKnown:
    # A distance-minimising plan compares with the `distance` row; G&H 200 has only the
    # vehicles-first (hierarchical) row, whose distance is higher, so gaps there flatter us.
    return table.get((instance, "distance")) or table[(instance, "hierarchical(vehicles,distance)")]


def family(name: str) -> str:
    """R101 -> R1, RC208 -> RC2, R1_10_1 -> R1: the letters and the first digit."""
    return re.match(r"[A-Z]+\d", name.upper()).group(0)


def solve_ours(name: str, path: Path, budget: timedelta, best: BestKnown) -> Row:
    instance = read(path)
    started = time.perf_counter()
    result = solvers.plan(problem_from(instance), time_budget=budget, threads=THREADS)
    seconds = time.perf_counter() - started
    visits = [route.job_ids for route in result.solution.routes if route.job_ids]
    matrix = instance.euclidean()
    if best.convention == "dimacs":
        matrix = dimacs(matrix)
    late, over_capacity, missing = replay(instance, visits)
    return Row(
        instance=name,
        family=family(name),
        customers=instance.customers,
        vehicles=len(visits),
        distance=route_distance(visits, matrix),
        best=best,
        seconds=seconds,
        path=path_label(result),
        late=late,
        over_capacity=over_capacity,
        missing=missing,
    )


def path_label(result: solvers.PlanResult) -> str:
    runs = ", ".join(f"{a.solver} {a.detail} {a.seconds:.1f}s" for a in result.attempts)
    return f"**{result.path}** ({runs})"


def solve_raw_vroom(path: Path) -> Baseline:
    """The baseline: pyvroom's Input built straight from the instance, none of our code."""
    instance = read(path)
    problem_input = vroom.Input()
    matrix = np.rint(instance.euclidean() * SCALE).astype(np.uint32)
    problem_input.set_durations_matrix(profile="car", matrix_input=matrix)
    shift = vroom.TimeWindow(_scaled(instance.ready[0]), _scaled(instance.due[0]))
    for number in range(1, instance.vehicles + 1):
        problem_input.add_vehicle(
            vroom.Vehicle(number, start=0, end=0, capacity=[instance.capacity], time_window=shift)
        )
    for customer in range(1, instance.customers + 1):
        window = vroom.TimeWindow(
            _scaled(instance.ready[customer]), _scaled(instance.due[customer])
        )
        problem_input.add_job(
            vroom.Job(
                customer,
                location=customer,
                default_service=_scaled(instance.service[customer]),
                delivery=[int(instance.demand[customer])],
                time_windows=[window],
            )
        )
    started = time.perf_counter()
    raw = problem_input.solve(exploration_level=BASELINE_LEVEL, nb_threads=THREADS)
    seconds = time.perf_counter() - started
    jobs = raw.routes[raw.routes["type"] == "job"]
    visits = [[int(i) for i in rows["id"]] for _, rows in jobs.groupby("vehicle_id", sort=False)]
    return Baseline(route_distance(visits, instance.euclidean()), len(visits), seconds)


def _pct(value: float) -> str:
    return f"{round(value, 2) + 0.0:+.2f}"  # + 0.0: no "-0.00"


def _mean(values) -> float:
    values = list(values)
    return statistics.fmean(values) if values else float("nan")


def _instance_rows(rows: list[Row], baselines: dict[str, Baseline] | None) -> str:
    header = "| instance | customers | vehicles | distance | BKS | gap % | wall s | path |"
    rule = "|---|---|---|---|---|---|---|---|"
    if baselines is not None:
        header += " VROOM L5 distance | VROOM L5 gap % | VROOM L5 wall s |"
        rule += "---|---|---|"
    lines = [header, rule]
    for row in rows:
        line = (
            f"| {row.instance} | {row.customers} | {row.vehicles} | {row.distance:.2f} | "
            f"{row.best.distance:.2f} | {_pct(row.gap)} | {row.seconds:.1f} | {row.path} |"
        )
        if baselines is not None:
            base = baselines[row.instance]
            line += f" {base.distance:.2f} | {_pct(base.gap(row.best))} | {base.seconds:.1f} |"
        lines.append(line)
    return "\n".join(lines)


def _family_table(rows: list[Row], baselines: dict[str, Baseline]) -> str:
    lines = [
        "| family | instances | ours: mean gap % | ours: mean wall s | VROOM L5: mean gap % | "
        "VROOM L5: mean wall s | won by pyvrp |",
        "|---|---|---|---|---|---|---|",
    ]
    groups = [(name, [r for r in rows if r.family == name]) for name in FAMILIES]
    for name, members in [*groups, ("**all**", rows)]:
        if not members:
            continue
        lines.append(
            f"| {name} | {len(members)} | {_pct(_mean(r.gap for r in members))} | "
            f"{_mean(r.seconds for r in members):.1f} | "
            f"{_pct(_mean(baselines[r.instance].gap(r.best) for r in members))} | "
            f"{_mean(baselines[r.instance].seconds for r in members):.1f} | "
            f"{sum('**pyvrp**' in r.path for r in members)} |"
        )
    return "\n".join(lines)


def _plot(rows: list[Row], baselines: dict[str, Baseline], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(14, 4.5))
    positions = range(len(rows))
    ours = [row.gap for row in rows]
    raw = [baselines[row.instance].gap(row.best) for row in rows]
    axes.plot(positions, raw, "x", color="tab:red", label=f"raw VROOM level {BASELINE_LEVEL}")
    axes.plot(positions, ours, "o", color="tab:blue", label="ours (routing.solvers.plan, 5 s)")
    axes.axhline(_mean(raw), color="tab:red", linewidth=0.8, linestyle="--")
    axes.axhline(_mean(ours), color="tab:blue", linewidth=0.8, linestyle="--")
    axes.axhline(0, color="black", linewidth=0.5)
    axes.set_xticks(list(positions), [row.instance for row in rows], rotation=90, fontsize=7)
    axes.set_ylabel("gap to BKS distance, %")
    axes.set_title("Solomon VRPTW: gap per instance (dashed: means)")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot.close(figure)


def _checks(rows: list[Row]) -> str:
    late = [row for row in rows if row.late > LATE_TOLERANCE]
    worst = max(rows, key=lambda row: row.late)
    broken = [row for row in rows if row.over_capacity or row.missing]
    return (
        f"Replayed in exact (unrounded) time, the worst lateness over all our routes is "
        f"{max(worst.late, 0):.3f} time units ({worst.instance}); {len(late)} instance(s) exceed "
        f"{LATE_TOLERANCE} (rounding the ×100 times can shift arrivals by a few hundredths). "
        f"Routes over capacity or customers left out: {len(broken)} instance(s)"
        + (": " + ", ".join(row.instance for row in broken) if broken else "")
        + ".\n"
    )


def run() -> Path:
    quick = os.environ.get("BENCH_QUICK") == "1"
    solomon_table = best_known(ROOT / "solomon" / "bks.csv")
    homberger_table = best_known(ROOT / "homberger" / "bks.csv")
    solomon_files = sorted((ROOT / "solomon").glob("*.txt"))
    if quick:
        solomon_files = [p for p in solomon_files if p.stem in QUICK_SOLOMON]
    solomon_files.sort(key=lambda p: (FAMILIES.index(family(p.stem)), p.stem))

    rows, baselines = [], {}
    for path in solomon_files:
        best = comparable(solomon_table, path.stem)
        rows.append(solve_ours(path.stem, path, SOLOMON_BUDGET, best))
        baselines[path.stem] = solve_raw_vroom(path)
        print(
            f"  {path.stem}: ours {rows[-1].gap:+.2f}% {rows[-1].seconds:.1f}s, "
            f"vroom {baselines[path.stem].gap(best):+.2f}% {baselines[path.stem].seconds:.1f}s",
            flush=True,
        )
    large_rows = []
    samples = [(name, "200", HOMBERGER_200_BUDGET) for name in HOMBERGER_200]
    if quick:
        samples = [(name, "200", HOMBERGER_200_BUDGET) for name in QUICK_HOMBERGER_200]
    else:
        samples += [(name, "1000", HOMBERGER_1000_BUDGET) for name in HOMBERGER_1000]
    for name, folder, budget in samples:
        path = ROOT / "homberger" / folder / f"{name.lower()}.txt"
        large_rows.append(solve_ours(name, path, budget, comparable(homberger_table, name)))
        print(
            f"  {name}: ours {large_rows[-1].gap:+.2f}% {large_rows[-1].seconds:.1f}s", flush=True
        )

    plot_path = RESULTS / "routing.png"
    _plot(rows, baselines, plot_path)
    ours_seconds = _mean(row.seconds for row in rows)
    raw_seconds = _mean(base.seconds for base in baselines.values())
    large_lines = [
        "| instance | customers | vehicles | distance | BKS | BKS row | gap % | wall s | path |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in large_rows:
        large_lines.append(
            f"| {row.instance} | {row.customers} | {row.vehicles} | {row.distance:.1f} | "
            f"{row.best.distance:.1f} | {row.best.objective}, {row.best.convention} "
            f"({row.best.vehicles} veh.) | {_pct(row.gap)} | {row.seconds:.1f} | {row.path} |"
        )
    for size in ("200", "1000"):
        members = [row for row in large_rows if row.customers == int(size)]
        if members:
            large_lines.append(
                f"| **mean, {size}** | | | | | | {_pct(_mean(r.gap for r in members))} | "
                f"{_mean(r.seconds for r in members):.1f} | |"
            )
    body = (
        "Each instance is solved **through our path**: a `routing.vroom.Problem` built from the "
        f"file (distances and times ×{SCALE}, rounded), `routing.solvers.plan(time_budget=…, "
        f"threads={THREADS})`, our `Solution` read back; distance is then summed exactly on the "
        "float Euclidean matrix along our routes. **path** says whose plan was kept "
        "(`pyvrp` or `vroom`) and lists every engine run inside the budget. The baseline is raw "
        f"pyvroom at exploration level {BASELINE_LEVEL}, nb_threads={THREADS}, its Input built "
        "directly (none of our code), measured in the same run. Solomon gaps are to the BKS "
        "`distance` row (some published values are not the lowest known, so gaps can be "
        "negative).\n\n"
        f"## Solomon (budget {SOLOMON_BUDGET.total_seconds():.0f} s per instance)\n\n"
        f"{_family_table(rows, baselines)}\n\n"
        f"**Overall mean gap: ours {_mean(r.gap for r in rows):.2f} % vs raw VROOM level "
        f"{BASELINE_LEVEL} {_mean(baselines[r.instance].gap(r.best) for r in rows):.2f} %. "
        f"Mean wall time: ours {ours_seconds:.1f} s vs {raw_seconds:.1f} s "
        f"(ratio {ours_seconds / raw_seconds:.2f}: we spend the whole budget on purpose).** "
        f"Max wall time (ours): {max(r.seconds for r in rows):.2f} s.\n\n"
        f"![gap per instance](routing.png)\n\n"
        f"{_instance_rows(rows, baselines)}\n\n"
        "## Gehring & Homberger sample "
        f"(budget {HOMBERGER_200_BUDGET.total_seconds():.0f} s for 200 customers, "
        f"{HOMBERGER_1000_BUDGET.total_seconds():.0f} s for 1000)\n\n"
        "BKS row: the 1000-customer instances have a pure-`distance` BKS in the DIMACS convention "
        "(each distance truncated to one decimal); our routes are measured in that convention "
        "for them (truncation only shortens edges, so our routes stay feasible). The "
        "200-customer instances only have the vehicles-first `hierarchical` row (exact "
        "distances): its distance is not the shortest known, so those gaps flatter us and can "
        "be negative.\n\n"
        + "\n".join(large_lines)
        + "\n\n"
        + (
            f"Max wall time (ours): {max(r.seconds for r in large_rows):.2f} s.\n\n"
            if large_rows
            else ""
        )
        + "## Checks\n\n"
        + _checks(rows + large_rows)
        + "\n"
        + NOTES
    )
    title = "Route quality: VRPTW benchmarks through routing.solvers.plan"
    if quick:
        title += " (BENCH_QUICK subset)"
    return write("routing", title, body)


if __name__ == "__main__":
    print(run())
