"""End-to-end planning: a 1,000-order, 30-van day, API call to routes stored, vs. raw pyvroom.

Our path is the product's: `POST /api/v1/optimizations` on the business's host with an admin API
key, then the job run in this process right after the call, exactly as the Celery worker would
(`optimization_run(job_id=...)` in the tenant's schema; the call's own `apply_async` goes to a
per-process test queue nobody consumes). The clock stops when the job has succeeded and its routes
and stops are in the database.

The baseline, measured in the same run, is a pyvroom `Input` built directly (not through
`routing.vroom`) from the same points, matrix, vans and stops, solved on 2 threads at the
exploration level `routing.solvers.exploration_level` picks for 1,000 jobs in the same budget,
with the budget as VROOM's timeout.
"""

import math
import random
import time
from contextlib import ExitStack, contextmanager
from datetime import date, timedelta
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import numpy as np
import vroom
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from bench.report import write
from delivery.models import Depot
from delivery.services import depot_save, driver_save, orders_create_many, vehicle_save
from delivery.validation import order_input_parse
from routing import matrices, services, solvers
from routing.models import OptimizationJob, Route, Stop
from tenants.accounts.models import Role
from tenants.accounts.services import api_key_create, user_create
from tenants.actors import system_actor
from tenants.services import tenant_create

SLUG = "bench-plan"
TIME_ZONE = "Europe/Amsterdam"
ORDERS = 1000
VANS = 30
BUDGET_S = 25
THREADS = 2
SEED = 20261126
DEPOT = (52.0907, 5.1214)  # Utrecht
RADIUS_M = 15_000
SHIFT = (7, 19)  # local hours
WINDOW_SHARE = 0.4
SERVICE_S = 180
# 60 items per van would not hold the day (1,000 stops × 2 items on average = 2,000 > 1,800):
# 80 items (2,400) keep it feasible at ~83 % load, so every stop can be planned by both.
CAPACITY_ITEMS = 80
CAPACITY_KG = 600
DAYS_AHEAD = 3
ACTOR = system_actor("bench")
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _orders(delivery_date: date) -> list[dict]:
    """`ORDERS` stops uniformly within `RADIUS_M` of the depot, in the API's input shape."""
    rng = random.Random(SEED)  # noqa: S311 - bench data, not secrets
    metres_per_degree = 111_320.0
    orders = []
    for number in range(1, ORDERS + 1):
        radius = RADIUS_M * math.sqrt(rng.random())
        angle = rng.uniform(0, 2 * math.pi)
        lat = DEPOT[0] + radius * math.cos(angle) / metres_per_degree
        lng = DEPOT[1] + radius * math.sin(angle) / (
            metres_per_degree * math.cos(math.radians(DEPOT[0]))
        )
        windows = []
        if rng.random() < WINDOW_SHARE:
            hours = rng.choice([2, 3])
            start_half_hours = rng.randint(2 * SHIFT[0], 2 * (SHIFT[1] - hours))
            start_minutes = start_half_hours * 30
            end_minutes = start_minutes + hours * 60
            windows = [
                {
                    "start": f"{start_minutes // 60:02d}:{start_minutes % 60:02d}",
                    "end": f"{end_minutes // 60:02d}:{end_minutes % 60:02d}",
                }
            ]
        items = rng.randint(1, 3)
        orders.append(
            {
                "external_id": f"BENCH-{number:04d}",
                "recipient": {"name": f"Recipient {number}"},
                "address": f"Benchstraat {number}, Utrecht",
                "location": {"lat": round(lat, 6), "lng": round(lng, 6)},
                "delivery_date": delivery_date.isoformat(),
                "time_windows": windows,
                "service_seconds": SERVICE_S,
                "load": {"weight_kg": round(rng.uniform(1, 10), 1), "items": items},
            }
        )
    return orders


def _seed(delivery_date: date) -> tuple[str, str, str, list[dict]]:
    """The business, its fleet and the day's orders: (host, schema, raw admin API key, orders)."""
    provisioned = tenant_create(
        slug=SLUG,
        name="Bench Planning",
        owner_email="owner@bench-plan.test",
        owner_password="a-long-bench-password",
        time_zone=TIME_ZONE,
        country="NL",
    )
    raw_orders = _orders(delivery_date)
    with schema_context(provisioned.tenant.schema_name):
        depot = depot_save(
            depot=None,
            fields={
                "name": "Bench depot",
                "address": "Stationsplein 1, Utrecht",
                "lat": DEPOT[0],
                "lng": DEPOT[1],
            },
        )
        shift = {
            WEEKDAYS[delivery_date.weekday()]: {
                "start": f"{SHIFT[0]:02d}:00",
                "end": f"{SHIFT[1]:02d}:00",
            }
        }
        for number in range(1, VANS + 1):
            van = vehicle_save(
                vehicle=None,
                fields={
                    "name": f"Van {number}",
                    "capacity_weight_kg": Decimal(CAPACITY_KG),
                    "capacity_items": CAPACITY_ITEMS,
                    "profile": "van",
                    "depot": depot,
                },
            )
            user = user_create(
                email=f"driver{number}@bench-plan.test",
                role=Role.DRIVER,
                password=None,
                full_name=f"Driver {number}",
            )
            driver_save(
                driver=None,
                fields={"shifts": shift, "default_vehicle": van, "depot": depot},
                user=user,
            )
        zone = ZoneInfo(TIME_ZONE)
        inputs = [order_input_parse(raw, tz=zone, phone_region="NL") for raw in raw_orders]
        orders_create_many(inputs=inputs, actor=ACTOR, source="bench")
        _, raw_key = api_key_create(name="bench planner", role="admin")
        assert Depot.objects.count() == 1
    return provisioned.domain.domain, provisioned.tenant.schema_name, raw_key, raw_orders


class _Clock:
    """Wall time of the stages of `optimization_run`, by wrapping what it calls."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def wrap(self, name: str, function):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started

        return timed

    @contextmanager
    def patched(self):
        with ExitStack() as stack:
            for stage, name in (
                ("day read", "day_to_plan"),
                ("matrix + problem", "problem_build"),
                ("solve", "plan"),
                ("write", "routes_replace"),
            ):
                original = getattr(services, name)
                stack.enter_context(mock.patch.object(services, name, self.wrap(stage, original)))
            yield self


def _ours(host: str, raw_key: str, schema: str, delivery_date: date) -> dict:
    client = Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    clock = _Clock()
    started = time.perf_counter()
    response = client.post(
        "/api/v1/optimizations",
        {"date": delivery_date.isoformat(), "time_budget_s": BUDGET_S},
        content_type="application/json",
    )
    api_s = time.perf_counter() - started
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    connection.set_schema_to_public()
    with schema_context(schema), clock.patched():
        run_started = time.perf_counter()
        job = services.optimization_run(job_id=job_id)
        run_s = time.perf_counter() - run_started
        job.refresh_from_db()
        assert job.status == OptimizationJob.Status.SUCCEEDED, job.error
        routes = Route.objects.filter(optimization=job).count()
        stops = Stop.objects.filter(route__optimization=job).count()
    total_s = time.perf_counter() - started
    return {
        "total_s": total_s,
        "api_s": api_s,
        "run_s": run_s,
        "stages": clock.seconds,
        "summary": job.summary,
        "routes_stored": routes,
        "stops_stored": stops,
    }


def _seconds_of_day(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def _raw(raw_orders: list[dict]) -> dict:
    """pyvroom on the same problem, its Input built here from the same data."""
    from django.conf import settings

    points = [DEPOT] + [(o["location"]["lat"], o["location"]["lng"]) for o in raw_orders]
    provider = matrices.GreatCircleProvider(
        detour_factor=settings.ROUTING_DETOUR_FACTOR, speeds_kmh=settings.ROUTING_SPEEDS_KMH
    )
    matrix = provider.matrix(points, profile="van")
    durations = np.rint(matrix.durations).astype(np.uint32)
    level = solvers.exploration_level(jobs=len(raw_orders), seconds=BUDGET_S, threads=THREADS)

    build_started = time.perf_counter()
    problem = vroom.Input()
    problem.set_durations_matrix(profile="car", matrix_input=durations)
    shift = vroom.TimeWindow(SHIFT[0] * 3600, SHIFT[1] * 3600)
    for number in range(1, VANS + 1):
        problem.add_vehicle(
            vroom.Vehicle(
                number,
                start=0,
                end=0,
                profile="car",
                capacity=[CAPACITY_KG * 1000, CAPACITY_ITEMS],  # grams, items
                time_window=shift,
            )
        )
    for number, order in enumerate(raw_orders, start=1):
        problem.add_job(
            vroom.Job(
                number,
                location=number,
                default_service=order["service_seconds"],
                delivery=[round(order["load"]["weight_kg"] * 1000), order["load"]["items"]],
                time_windows=[
                    vroom.TimeWindow(_seconds_of_day(w["start"]), _seconds_of_day(w["end"]))
                    for w in order["time_windows"]
                ],
            )
        )
    build_s = time.perf_counter() - build_started

    solve_started = time.perf_counter()
    solution = problem.solve(
        exploration_level=level, nb_threads=THREADS, timeout=timedelta(seconds=BUDGET_S)
    )
    solve_s = time.perf_counter() - solve_started

    distance = travel = routes = 0
    for _, rows in solution.routes.groupby("vehicle_id", sort=False):
        locations = np.asarray(rows["location_index"].to_numpy(), dtype=np.int64)
        if len(locations) > 2:
            routes += 1
        distance += int(matrix.distances[locations[:-1], locations[1:]].sum())
        travel += int(matrix.durations[locations[:-1], locations[1:]].sum())
    unassigned = len(solution.to_dict().get("unassigned", []))
    return {
        "build_s": build_s,
        "solve_s": solve_s,
        "level": level,
        "routes": routes,
        "distance_m": distance,
        "travel_s": travel,
        "unassigned": unassigned,
    }


def run():
    delivery_date = timezone.now().date() + timedelta(days=DAYS_AHEAD)
    seed_started = time.perf_counter()
    host, schema, raw_key, raw_orders = _seed(delivery_date)
    seed_s = time.perf_counter() - seed_started
    ours = _ours(host, raw_key, schema, delivery_date)
    raw = _raw(raw_orders)
    return write("optimization", "Planning a 1,000-order day end to end", _body(ours, raw, seed_s))


def _body(ours: dict, raw: dict, seed_s: float) -> str:
    summary = ours["summary"]
    stages = ours["stages"]
    ratio = ours["total_s"] / raw["solve_s"]
    non_solver_s = ours["total_s"] - stages.get("solve", summary["solver_seconds"])
    accounted = ours["api_s"] + sum(stages.values())
    raw_end = (
        "in this run it ran into that timeout, so both used the whole budget"
        if raw["solve_s"] >= 0.98 * BUDGET_S
        else f"in this run it finished its search after {raw['solve_s']:.1f} s"
    )
    split = [
        ("API call (`POST /api/v1/optimizations`, job row, queueing)", ours["api_s"]),
        ("day read (`day_to_plan`)", stages.get("day read", 0.0)),
        ("matrix + problem (`problem_build`, great-circle matrix)", stages.get("matrix + problem")),
        ("solve (`routing.solvers.plan`)", stages.get("solve", 0.0)),
        ("write (`routes_replace`: routes, stops, order updates)", stages.get("write", 0.0)),
        ("rest (read-back, explanations, job rows, commit, counts)", ours["total_s"] - accounted),
    ]
    split_rows = "\n".join(
        f"| {label} | {seconds:.2f} | {100 * seconds / ours['total_s']:.1f} % |"
        for label, seconds in split
    )
    return (
        f"{ORDERS} orders within {RADIUS_M // 1000} km of a depot in Utrecht (seed {SEED}, "
        f"{int(WINDOW_SHARE * 100)} % with a 2–3 h window, 1–3 items, 1–10 kg, "
        f"{SERVICE_S} s service), {VANS} vans ({CAPACITY_ITEMS} items, {CAPACITY_KG} kg), shifts "
        f"{SHIFT[0]:02d}:00–{SHIFT[1]:02d}:00; great-circle matrix; time budget "
        f"**B = {BUDGET_S} s**, {THREADS} threads. Seeding the business took {seed_s:.1f} s "
        "(not timed below).\n\n"
        "## Result\n\n"
        "| | seconds |\n|---|---|\n"
        f"| ours, end to end (API call → routes stored) | {ours['total_s']:.2f} |\n"
        f"| raw pyvroom solve (level {raw['level']}, timeout {BUDGET_S} s) | "
        f"{raw['solve_s']:.2f} |\n"
        f"| raw pyvroom Input building (not in the ratio) | {raw['build_s']:.2f} |\n\n"
        f"**Overhead ratio (ours end to end / raw solve): {ratio:.2f}.** "
        f"End to end {'within' if ours['total_s'] <= 30 else 'over'} the 30 s goal.\n\n"
        f"**Non-solver overhead** (end to end − our solver's {stages.get('solve', 0.0):.2f} s): "
        f"{non_solver_s:.2f} s = {100 * non_solver_s / raw['solve_s']:.1f} % of the raw solve "
        f"time.\n\n"
        "## Where our time goes\n\n"
        "| stage | seconds | share |\n|---|---|---|\n"
        f"{split_rows}\n\n"
        f"Job summary: solver `{summary['solver']}` ({summary['solver_reason']}), solver "
        f"{summary['solver_seconds']} s, job {summary['seconds']} s; {summary['routes']} routes, "
        f"{summary['orders_planned']} orders planned, {summary['orders_unassigned']} unassigned; "
        f"stored: {ours['routes_stored']} routes, {ours['stops_stored']} stops.\n\n"
        "## Quality\n\n"
        "| | routes | unassigned | distance (km) | travel (h) |\n|---|---|---|---|---|\n"
        f"| ours | {summary['routes']} | {summary['orders_unassigned']} | "
        f"{summary['distance_m'] / 1000:.1f} | {summary['travel_s'] / 3600:.2f} |\n"
        f"| raw pyvroom | {raw['routes']} | {raw['unassigned']} | "
        f"{raw['distance_m'] / 1000:.1f} | {raw['travel_s'] / 3600:.2f} |\n\n"
        "Both minimise total travel time (VROOM's and our cost); distance is measured on the "
        "same matrix along each plan's routes.\n\n"
        "## Reading the ratio\n\n"
        "Our planner deliberately spends its whole time budget: VROOM first for a plan that "
        "always exists, then PyVRP's search (on 1,000 stops improved in parallel parts) until the "
        "deadline, with VROOM at a higher level in a helper process meanwhile, keeping the best. "
        "Raw pyvroom stops as soon as its own search at the chosen level is done or at its "
        f"timeout ({raw_end}), so the ratio includes whatever part of the budget our "
        "search spends beyond it, spent on better routes (see the quality table), not overhead. "
        "The product's own overhead is what is left when our solver's time is taken out: the "
        "API call, reading the day, the matrix, reading the plan back, the explanations and "
        "writing routes and stops, given above as a share of the raw solve.\n"
    )
