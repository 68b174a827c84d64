"""Scale-out: sign-up at the 1st…1,000th business, one tenant migration across 500 businesses,
the API with 1 and N web processes against a bare ASGI app served the same way, live tracking
over two web processes, and planning fairness between businesses.

Every HTTP and websocket figure is taken in production settings (`config.settings.production`,
the web launcher's connection pool) with the servers on this machine's loopback; the load
generator (bench/load.py, asyncio) shares the 2 cores with them, PostgreSQL and Redis. The load
average is printed next to every figure: the machine is shared with other engineers' runs.

    python -m bench scale            # full (≈ 25 min)
    python -m bench scale --quick    # fewer businesses, shorter loads (≈ 10 min)
    BENCH_SCALE_PARTS=http,signup python -m bench scale --quick   # some parts only

Each part replaces its own section of bench/results/scale.md, so parts can be re-run alone.
"""

import asyncio
import json
import math
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import psutil
from django.conf import global_settings, settings
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone
from django_tenants.clone import CloneSchema
from django_tenants.utils import schema_context

from bench import tracking as tracking_bench
from bench.load import LoadResult, load
from bench.report import RESULTS, write
from bench.servers import KINDS, REPO, Server, load_average, production_environment, serve
from delivery.services import depot_save, driver_save, orders_create_many, vehicle_save
from delivery.validation import order_input_parse
from routing.models import OptimizationJob
from routing.services import optimization_start
from scripts.web import DEFAULT_POOL_SIZE
from tenants.accounts.models import Role
from tenants.accounts.services import user_create
from tenants.actors import system_actor
from tenants.models import Tenant
from tenants.schemas import schema_clone
from tenants.services import tenant_create, tenant_delete
from tracking.models import Position

QUICK = os.environ.get("BENCH_QUICK") == "1"
PARTS = ("http", "tracking", "fairness", "signup")
PASSWORD = "a-long-bench-password"  # noqa: S105 - bench data
LOG = Path(f"/tmp/bench-scale-{os.getpid()}.log")  # noqa: S108
ACTOR = system_actor("bench")
CHOSEN_SERVER = "uvicorn"
CPUS = os.cpu_count() or 1


def _parts() -> list[str]:
    chosen = os.environ.get("BENCH_SCALE_PARTS", "").strip()
    return [part for part in chosen.split(",") if part] if chosen else list(PARTS)


def _section(part: str, body: str) -> None:
    """Replace `part`'s section of scale.md (the others stay as they were measured)."""
    path = RESULTS / "scale.md"
    old = path.read_text() if path.exists() else ""
    sections = dict(re.findall(r"<!-- part:(\w+) -->\n(.*?)<!-- /part:\1 -->\n", old, re.S))
    sections[part] = body.rstrip() + "\n"
    text = "".join(
        f"<!-- part:{name} -->\n{sections[name]}<!-- /part:{name} -->\n\n"
        for name in PARTS
        if name in sections
    )
    write("scale", "Scaling out", INTRO + text)


INTRO = (
    "Production settings for every HTTP and websocket figure; servers, load generator, "
    "PostgreSQL and Redis share this machine's cores. Each section says when it was measured "
    "and the load average around it (other engineers' runs share the machine).\n\n"
)


def _stamp(quick: bool) -> str:
    return (
        f"_{'Quick run' if quick else 'Full run'}, {timezone.now():%Y-%m-%d %H:%M} UTC, "
        f"{CPUS} CPUs, load average {load_average():.1f} at the end._\n\n"
    )


# --- the API -------------------------------------------------------------------------------


def _http_business() -> tuple[str, str]:
    """A business with 200 orders and an admin key: (host, key)."""
    from tenants.accounts.services import api_key_create

    provisioned = tenant_create(
        slug="bench-http",
        name="Bench HTTP",
        owner_email="o@bench-http.test",
        owner_password=PASSWORD,
    )
    with schema_context(provisioned.tenant.schema_name):
        _, raw_key = api_key_create(name="bench", role="admin", created_by=provisioned.owner)
    client = Client(HTTP_HOST=provisioned.domain.domain, HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    orders = [_order_body(number) for number in range(200)]
    response = client.post(
        "/api/v1/orders/bulk", {"orders": orders}, content_type="application/json"
    )
    assert response.status_code == 201, response.content[:500]
    connection.set_schema_to_public()
    return provisioned.domain.domain, raw_key


def _order_body(number: int | None = None) -> dict:
    body = {
        "recipient": {"name": "Recipient", "phone": "+31612345678"},
        "address": "Keizersgracht 1, Amsterdam",
        "location": {"lat": 52.37, "lng": 4.89},
        "delivery_date": (timezone.now().date() + timedelta(days=2)).isoformat(),
    }
    if number is not None:
        body["external_id"] = f"BENCH-{number}"
    return body


def _endpoints(host: str, key: str) -> dict:
    auth = {"Authorization": f"Bearer {key}"}
    created = json.dumps(_order_body()).encode()
    return {
        "/healthz": ("localhost", lambda: ("GET", "/healthz", {}, b"")),
        "GET /api/v1/orders?limit=50": (
            host,
            lambda: ("GET", "/api/v1/orders?limit=50", auth, b""),
        ),
        "POST /api/v1/orders": (
            host,
            lambda: (
                "POST",
                "/api/v1/orders",
                {**auth, "Content-Type": "application/json"},
                created,
            ),
        ),
    }


def _measure(server: Server, host: str, make, clients: int, seconds: float) -> dict:
    load_before = load_average()
    cpu_before = server.cpu_seconds()
    result: LoadResult = load(
        port=server.port, host=host, make=make, clients=clients, seconds=seconds
    )
    server_cpu = (server.cpu_seconds() - cpu_before) / result.seconds
    good = sum(count for status, count in result.statuses.items() if 200 <= status < 300)
    return {
        "rps": result.per_second,
        "p50": result.percentile(0.5),
        "p99": result.percentile(0.99),
        "bad": result.errors + len(result.latencies) - good,
        "server_cpu": server_cpu,
        "client_cpu": result.client_cpu,
        "load": (load_before, load_average()),
    }


def _http() -> str:
    seconds = 5 if QUICK else 10
    host, key = _http_business()
    endpoints = _endpoints(host, key)
    env = production_environment(DATABASE_POOL_MAX_SIZE=str(DEFAULT_POOL_SIZE))
    orders_path = "GET /api/v1/orders?limit=50"

    # Which server: each kind with 2 processes, 20 clients, the ceiling and the orders list.
    choice = []
    for kind in KINDS:
        row = {"kind": kind}
        for label, app, (target, make) in (
            ("hello", "bench.hello:application", ("localhost", endpoints["/healthz"][1])),
            ("orders", "config.asgi:application", endpoints[orders_path]),
        ):
            server = serve(kind, app, workers=2, env=env, log=LOG)
            try:
                row[label] = _measure(server, target, make, 20, seconds)
            finally:
                server.stop()
        print(f"  {kind}: hello {row['hello']['rps']:.0f}/s, orders {row['orders']['rps']:.0f}/s")
        choice.append(row)

    rows = []
    for workers in sorted({1, 2, CPUS}):
        ceiling = {}
        server = serve(CHOSEN_SERVER, "bench.hello:application", workers=workers, env=env, log=LOG)
        try:
            for clients in (20, 100):
                ceiling[clients] = _measure(
                    server, "localhost", endpoints["/healthz"][1], clients, seconds
                )
                rows.append((workers, clients, "bare ASGI app (ceiling)", ceiling[clients], 1.0))
        finally:
            server.stop()
        server = serve(CHOSEN_SERVER, "config.asgi:application", workers=workers, env=env, log=LOG)
        try:
            for clients in (20, 100):
                for label, (target, make) in endpoints.items():
                    figures = _measure(server, target, make, clients, seconds)
                    ratio = figures["rps"] / ceiling[clients]["rps"]
                    rows.append((workers, clients, label, figures, ratio))
                    print(
                        f"  {workers} proc, {clients} clients, {label}: {figures['rps']:.0f}/s "
                        f"p99 {figures['p99']:.0f} ms ({ratio:.1%} of the ceiling)"
                    )
        finally:
            server.stop()

    choice_table = "\n".join(
        f"| {row['kind']} | {row['hello']['rps']:.0f} | {row['hello']['p99']:.0f} | "
        f"{row['orders']['rps']:.0f} | {row['orders']['p50']:.0f} | {row['orders']['p99']:.0f} | "
        f"{row['orders']['bad']} | {row['hello']['load'][0]:.1f} → {row['orders']['load'][1]:.1f} |"
        for row in choice
    )
    table = "\n".join(
        f"| {workers} | {clients} | {label} | {f['rps']:.0f} | {f['p50']:.0f} | {f['p99']:.0f} | "
        f"{ratio:.1%} | {f['bad']} | {f['server_cpu']:.0%} | "
        f"{1000 * f['server_cpu'] / max(f['rps'], 0.001):.2f} | {f['client_cpu']:.0%} | "
        f"{f['load'][0]:.1f} → {f['load'][1]:.1f} |"
        for workers, clients, label, f, ratio in rows
    )
    by = {(w, c, label): f for w, c, label, f, _ in rows}
    scaling = ", ".join(
        f"{clients} clients {by[(1, clients, orders_path)]['rps']:.0f} → "
        f"{by[(max(2, CPUS), clients, orders_path)]['rps']:.0f} req/s"
        for clients in (20, 100)
    )
    return (
        "## API throughput: 1 and N web processes vs. a bare ASGI app\n\n"
        + _stamp(QUICK)
        + f"{seconds} s per row, keep-alive clients sending their next request as soon as the "
        "last answer is in. The ceiling is `bench/hello.py` (a bare ASGI app answering JSON) "
        "served by the same server with the same number of processes, in the same run. "
        f"Web processes pool {DEFAULT_POOL_SIZE} database connections each. `bad` counts "
        "non-2xx answers and connection errors.\n\n"
        "### Which server (2 processes, 20 clients)\n\n"
        "| server | ceiling req/s | ceiling p99 ms | orders list req/s | p50 ms | p99 ms | bad | "
        "load avg |\n|---|---|---|---|---|---|---|---|\n"
        f"{choice_table}\n\n"
        f"### {CHOSEN_SERVER} (`scripts/web.py`, WEB_CONCURRENCY processes)\n\n"
        "| processes | clients | endpoint | req/s | p50 ms | p99 ms | of ceiling | bad | "
        "server CPU | CPU ms per request | client CPU | load avg |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|\n"
        f"{table}\n\n"
        f"Orders list, 1 → {max(2, CPUS)} processes: {scaling}.\n"
    )


# --- tracking over two web processes ----------------------------------------------------------


def _tracking_round(schema, host, people, dispatcher_cookie, workers, drivers, interval, seconds):
    env = production_environment(DATABASE_POOL_MAX_SIZE=str(DEFAULT_POOL_SIZE))
    with schema_context(schema):
        Position.objects.all().delete()
    connection.set_schema_to_public()
    server = serve(CHOSEN_SERVER, "config.asgi:application", workers=workers, env=env, log=LOG)
    spread: dict[int, int] = {}
    try:

        def count_sockets():
            for pid in server.worker_pids():
                established = [
                    c
                    for c in psutil.Process(pid).net_connections(kind="tcp")
                    if c.status == psutil.CONN_ESTABLISHED and c.laddr.port == server.port
                ]
                if established:
                    spread[pid] = len(established)

        load_before = load_average()
        cpu_before, wall = server.cpu_seconds(), time.perf_counter()
        tally = asyncio.run(
            tracking_bench._scenario(
                server.port,
                host,
                people,
                dispatcher_cookie,
                drivers,
                interval,
                seconds,
                on_ready=count_sockets,
            )
        )
        server_cpu = (server.cpu_seconds() - cpu_before) / (time.perf_counter() - wall)
        load_after = load_average()
    finally:
        server.stop()
    with schema_context(schema):
        stored = Position.objects.count()
    connection.set_schema_to_public()
    lost = max(0, tally.accepted + tally.warm_accepted - stored)
    p50, p99 = tracking_bench._p(tally.latencies, 0.5), tracking_bench._p(tally.latencies, 0.99)
    unanswered = tally.sent - tally.accepted - tally.rejected
    print(f"  tracking, {workers} processes: p99 {p99:.0f} ms, lost {lost}, sockets {spread}")
    return (
        f"| {workers} | {' / '.join(str(n) for n in spread.values())} | {drivers} | "
        f"{tally.sent} | {tally.accepted} | {stored} | {lost} | {unanswered} | {p50:.0f} | "
        f"{p99:.0f} | {server_cpu:.0%} | {load_before:.1f} → {load_after:.1f} |"
    )


def _tracking() -> str:
    drivers, interval, seconds = (2000, 5.0, 20) if QUICK else (2000, 5.0, 30)
    provisioned = tenant_create(
        slug="bench-scale-track",
        name="Bench",
        owner_email="o@bench-scale-track.test",
        owner_password=PASSWORD,
    )
    schema, host = provisioned.tenant.schema_name, provisioned.domain.domain
    try:
        people, dispatcher_cookie = tracking_bench._people(schema, drivers)
        connection.set_schema_to_public()
        rows = [
            _tracking_round(
                schema, host, people, dispatcher_cookie, workers, drivers, interval, seconds
            )
            for workers in (2, 1)
        ]
    finally:
        connection.set_schema_to_public()
        tenant_delete(tenant=provisioned.tenant)
    return (
        "## Tracking over two web processes\n\n"
        + _stamp(QUICK)
        + f"{drivers} drivers send a position every {interval:g} s for {seconds} s over real "
        f"websockets to `{CHOSEN_SERVER}` with 2 worker processes (the kernel spreads the "
        f"connections; {tracking_bench.DISPATCHERS} dispatcher sockets among them), then the "
        "same with 1 process. A dispatcher's socket sees every position whichever process "
        "received it (Redis channel layer). Latency: the driver's send to a dispatcher's "
        "receipt. Goal: p99 < 250 ms, 0 lost.\n\n"
        "| processes | sockets per process | drivers | sent | accepted | stored | lost | "
        "unanswered | p50 ms | p99 ms | server CPU | load avg |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n"
    )


# --- planning fairness ------------------------------------------------------------------------

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DEPOT = (52.0907, 5.1214)


def _planning_business(slug: str, orders: int, vans: int, day: date) -> str:
    provisioned = tenant_create(
        slug=slug,
        name=slug,
        owner_email=f"o@{slug}.test",
        owner_password=PASSWORD,
        time_zone="Europe/Amsterdam",
        country="NL",
    )
    rng = random.Random(slug)  # noqa: S311 - bench data
    with schema_context(provisioned.tenant.schema_name):
        depot = depot_save(
            depot=None,
            fields={"name": "Depot", "address": "Utrecht", "lat": DEPOT[0], "lng": DEPOT[1]},
        )
        shift = {WEEKDAYS[day.weekday()]: {"start": "07:00", "end": "19:00"}}
        for number in range(vans):
            van = vehicle_save(
                vehicle=None,
                fields={
                    "name": f"Van {number}",
                    "capacity_weight_kg": Decimal(600),
                    "capacity_items": 80,
                    "profile": "van",
                    "depot": depot,
                },
            )
            user = user_create(email=f"driver{number}@{slug}.test", role=Role.DRIVER, password=None)
            driver_save(
                driver=None,
                fields={"shifts": shift, "default_vehicle": van, "depot": depot},
                user=user,
            )
        raw = []
        for number in range(orders):
            radius, angle = 15_000 * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
            raw.append(
                {
                    "recipient": {"name": f"R {number}"},
                    "address": f"Benchstraat {number}, Utrecht",
                    "location": {
                        "lat": round(DEPOT[0] + radius * math.cos(angle) / 111_320, 6),
                        "lng": round(DEPOT[1] + radius * math.sin(angle) / 68_500, 6),
                    },
                    "delivery_date": day.isoformat(),
                    "service_seconds": 180,
                    "load": {"weight_kg": 3, "items": 2},
                }
            )
        zone = ZoneInfo("Europe/Amsterdam")
        inputs = [order_input_parse(order, tz=zone, phone_region="NL") for order in raw]
        orders_create_many(inputs=inputs, actor=ACTOR, source="bench")
    connection.set_schema_to_public()
    return provisioned.tenant.schema_name


def _celery_worker(name: str, queues: list[str], concurrency: int, env: dict) -> subprocess.Popen:
    with LOG.open("ab") as output:
        return subprocess.Popen(
            [
                str(Path(sys.executable).parent / "celery"),
                "-A",
                "config",
                "worker",
                "--loglevel",
                "WARNING",
                "--concurrency",
                str(concurrency),
                "--without-gossip",
                "--without-mingle",
                "-Q",
                ",".join(queues),
                "-n",
                f"{name}-{os.getpid()}@%h",
            ],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def _workers_ready(names: list[str]) -> None:
    """Jobs are queued only once every worker answers: waits measure queueing, not start-up."""
    from config.celery import app

    nodes = [f"{name}-{os.getpid()}@{socket.gethostname()}" for name in names]
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        answered = app.control.ping(destination=nodes, timeout=2.0)
        if len(answered) == len(nodes):
            return
    raise RuntimeError(f"Celery workers {nodes} did not start; see {LOG}")


def _fairness_round(schemas: list[str], day: date, *, separate: bool) -> dict:
    """Submit the large plan, then the small ones; wait for all; each job's wait and run."""
    prefix = f"{settings.REDIS_KEY_PREFIX}:fair-{'sep' if separate else 'one'}"
    small_queue, large_queue = f"{prefix}:planning", f"{prefix}:planning_large"
    env = production_environment()
    if separate:  # as make run and docker-compose: planning ×2, planning_large ×1
        workers = [
            _celery_worker("planning", [small_queue], 2, env),
            _celery_worker("large", [large_queue], 1, env),
        ]
    else:  # before: one worker, 2 processes, one queue for everything
        large_queue = small_queue
        workers = [_celery_worker("planning", [small_queue], 2, env)]
    jobs = []
    try:
        _workers_ready(["planning", "large"] if separate else ["planning"])
        with override_settings(
            CELERY_PLANNING_QUEUE=small_queue, CELERY_PLANNING_LARGE_QUEUE=large_queue
        ):
            for schema in schemas:
                with schema_context(schema):
                    job = optimization_start(delivery_date=day, actor=ACTOR)
                    jobs.append((schema, job.pk))
                connection.set_schema_to_public()
        deadline = time.monotonic() + 400
        finished = {}
        while len(finished) < len(jobs) and time.monotonic() < deadline:
            for schema, job_id in jobs:
                if (schema, job_id) in finished:
                    continue
                with schema_context(schema):
                    job = OptimizationJob.objects.get(pk=job_id)
                if job.finished_at:
                    finished[(schema, job_id)] = job
            connection.set_schema_to_public()
            time.sleep(0.5)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
    results = []
    for schema, job_id in jobs:
        job = finished.get((schema, job_id))
        if job is None:
            results.append({"schema": schema, "wait": math.inf, "run": math.inf, "status": "?"})
            continue
        results.append(
            {
                "schema": schema,
                "wait": (job.started_at - job.created_at).total_seconds(),
                "run": (job.finished_at - job.started_at).total_seconds(),
                "status": job.status,
            }
        )
    return {"jobs": results}


def _fairness() -> str:
    day = timezone.now().date() + timedelta(days=3)
    schemas = [_planning_business("bench-fair-large", 1000, 30, day)]
    schemas += [_planning_business(f"bench-fair-{n}", 50, 3, day) for n in range(9)]
    rounds = {}
    try:
        for separate in (False, True):
            load_before = load_average()
            for schema in schemas:  # the same day planned again: start from nothing planned
                with schema_context(schema):
                    OptimizationJob.objects.all().delete()
                connection.set_schema_to_public()
            rounds[separate] = _fairness_round(schemas, day, separate=separate)
            rounds[separate]["load"] = (load_before, load_average())
            small = [job["wait"] for job in rounds[separate]["jobs"][1:]]
            print(f"  fairness separate={separate}: small waits {[round(w, 1) for w in small]}")
    finally:
        for tenant in Tenant.objects.filter(slug__startswith="bench-fair-"):
            tenant_delete(tenant=tenant)

    def line(label: str, result: dict) -> str:
        large, small = result["jobs"][0], result["jobs"][1:]
        waits = sorted(job["wait"] for job in small)
        in_order = ", ".join(f"{job['wait']:.0f}" for job in small)
        succeeded = sum(job["status"] == "succeeded" for job in result["jobs"])
        return (
            f"| {label} | {large['wait']:.1f} / {large['run']:.1f} | "
            f"{statistics.median(waits):.1f} | {waits[-1]:.1f} | "
            f"{statistics.median(job['run'] for job in small):.1f} | "
            f"{in_order} | {succeeded}/{len(result['jobs'])} | "
            f"{result['load'][0]:.1f} → {result['load'][1]:.1f} |"
        )

    return (
        "## Planning fairness: 10 businesses plan at once\n\n"
        + _stamp(QUICK)
        + "One business plans a 1,000-order day (30 vans, its own budget of "
        "`default_budget_s(1000)`), nine plan 50 orders (3 vans, 5 s budget each); the large "
        "job is queued first, the nine right after it. _Wait_ is queued → started, _run_ "
        "started → finished, in seconds. Before: one queue, one worker with 2 processes. "
        "After (make run, docker-compose): plans of more than `PLANNING_LARGE_ORDERS` (200) "
        "orders on `planning_large` (its own worker, 1 process), the rest on `planning` "
        "(2 processes).\n\n"
        "| arrangement | large: wait / run | small: median wait | small: longest wait | "
        "small: median run | small waits, in order | succeeded | load avg |\n"
        "|---|---|---|---|---|---|---|---|\n"
        f"{line('one queue (before)', rounds[False])}\n"
        f"{line('planning + planning_large (after)', rounds[True])}\n\n"
        "The small plans no longer wait for the large one; they still wait for each other "
        "(nine 5-second plans on 2 processes): that wait shrinks with every worker process "
        "added (`docker compose up --scale worker=N`, on as many machines as wanted).\n"
    )


# --- sign-up and migrations -------------------------------------------------------------------


def _filler(index: int) -> float:
    started = time.perf_counter()
    Tenant(schema_name=f"t_fill_{index}", slug=f"fill-{index}", name="Filler").save(verbosity=0)
    return time.perf_counter() - started


def _signed_up(count: int, label: str) -> list[float]:
    """`count` whole sign-ups (schema, host, owner with the production password hasher)."""
    seconds = []
    with override_settings(PASSWORD_HASHERS=global_settings.PASSWORD_HASHERS):
        for index in range(count):
            started = time.perf_counter()
            tenant_create(
                slug=f"signup-{label}-{index}",
                name="Sign-up",
                owner_email=f"o{index}@signup-{label}.test",
                owner_password=PASSWORD,
            )
            seconds.append(time.perf_counter() - started)
    return seconds


def _clone_only(count: int) -> list[float]:
    seconds = []
    for index in range(count):
        started = time.perf_counter()
        schema_clone(template=settings.TENANT_BASE_SCHEMA, schema=f"probe_{index}")
        seconds.append(time.perf_counter() - started)
    with connection.cursor() as cursor:
        for index in range(count):
            cursor.execute(f"DROP SCHEMA probe_{index} CASCADE")
    return seconds


def _old_clone() -> float:
    """django-tenants' clone_schema SQL function, as sign-up used it before."""
    started = time.perf_counter()
    CloneSchema().clone_schema(settings.TENANT_BASE_SCHEMA, "probe_old_clone")
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA probe_old_clone CASCADE")
    return elapsed


def _businesses() -> int:
    return Tenant.objects.filter(kind=Tenant.Kind.BUSINESS).count()


def _migrate_all() -> dict:
    """`platform_setup` (what Docker's `migrate` runs) with one new no-op tenant migration."""
    from tests.fixtures.live import server_environment

    env = server_environment()
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings_noop",
        SECRET_KEY=settings.SECRET_KEY,
        LOG_LEVEL="INFO",
    )
    load_before = load_average()
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "manage.py", "platform_setup", "-v", "0"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, result.stderr[-3000:]
    migrated = re.findall(r"schema (\S+) migrated by process (\d+)", result.stderr)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_namespace n WHERE nspname LIKE 't\\_%%' AND EXISTS "
            "(SELECT 1 FROM pg_class c WHERE c.relnamespace = n.oid "
            "AND c.relname = 'django_migrations')"
        )
        schemas = cursor.fetchone()[0]
    recorded = 0
    with connection.cursor() as cursor:
        for schema, _ in migrated:
            if schema == "public":
                continue
            cursor.execute(
                f"SELECT count(*) FROM {connection.ops.quote_name(schema)}.django_migrations "  # noqa: S608
                "WHERE app = 'scale_noop'"
            )
            recorded += cursor.fetchone()[0]
    return {
        "seconds": elapsed,
        "schemas": len([s for s, _ in migrated if s != "public"]),
        "business_schemas": schemas,
        "recorded": recorded,
        "processes": len({pid for s, pid in migrated if s != "public"}),
        "load": (load_before, load_average()),
    }


def _signup() -> str:
    checkpoints = [1, 50, 100, 200] if QUICK else [1, 100, 500, 1000]
    migrate_at = checkpoints[-1] if QUICK else 500
    old_at = {checkpoints[0], 100}
    timed = 3
    rows, fill_seconds, migration, old = [], [], None, {}
    filled = 0
    try:
        for checkpoint in checkpoints:
            while _businesses() < checkpoint - 1:
                fill_seconds.append((_businesses() + 1, _filler(filled)))
                filled += 1
            load_before = load_average()
            if checkpoint in old_at:
                old[checkpoint] = _old_clone()
            clone = _clone_only(timed)
            signups = _signed_up(timed, str(checkpoint))
            rows.append((checkpoint, signups, clone, (load_before, load_average())))
            print(
                f"  business {checkpoint}: sign-up {statistics.median(signups):.2f} s, clone "
                f"{statistics.median(clone):.2f} s, old clone {old.get(checkpoint, '-')}"
            )
            if checkpoint == migrate_at:
                migration = _migrate_all()
                print(
                    f"  migrate across {migration['schemas']} schemas: {migration['seconds']:.0f} s"
                )
    finally:
        connection.set_schema_to_public()
    first, last = statistics.median(rows[0][1]), statistics.median(rows[-1][1])
    clone_first, clone_last = statistics.median(rows[0][2]), statistics.median(rows[-1][2])
    table = "\n".join(
        f"| {checkpoint} | {statistics.median(s):.2f} ({', '.join(f'{x:.2f}' for x in s)}) | "
        f"{statistics.median(c):.3f} | "
        f"{f'{old[checkpoint]:.2f}' if checkpoint in old else '—'} | "
        f"{load[0]:.1f} → {load[1]:.1f} |"
        for checkpoint, s, c, load in rows
    )
    early = [s for n, s in fill_seconds if n <= 50]
    late = [s for n, s in fill_seconds if n > checkpoints[-1] - 50]
    fill_line = (
        f"Creating the other {len(fill_seconds)} businesses (the same clone, no host or owner): "
        f"median {statistics.median(early):.3f} s among the first 50, "
        f"{statistics.median(late):.3f} s among the last 50.\n\n"
        if early and late
        else ""
    )
    migration_text = (
        f"**`platform_setup` (Docker's `migrate`) with one new no-op tenant migration** "
        f"(`bench/scale_noop`) across {migration['business_schemas']} business schemas "
        f"(+ the template; {migration['schemas']} migrated in all, by {migration['processes']} "
        f"processes, MIGRATION_PROCESSES's default of 2 per CPU): **{migration['seconds']:.0f} s** "
        f"({migration['seconds'] / max(1, migration['schemas']):.2f} s per schema; "
        f"goal < 300 s: {'met' if migration['seconds'] < 300 else 'not met'}); the migration "
        f"is recorded in {migration['recorded']} schemas. Load average "
        f"{migration['load'][0]:.1f} → {migration['load'][1]:.1f}.\n"
        if migration
        else ""
    )
    return (
        "## Sign-up and migrations at many businesses\n\n"
        + _stamp(QUICK)
        + f"At each point, {timed} whole sign-ups (`tenant_create`: schema, host, owner with "
        "Django's production PBKDF2 hasher) and, separately, 3 schema clones alone "
        "(`tenants.schemas.schema_clone`, dropped again). _Old clone_: django-tenants' "
        "`clone_schema` SQL function, which sign-up used before, once at that point.\n\n"
        "| business # | sign-up s: median (each) | clone alone s (median) | old clone s | "
        "load avg |\n|---|---|---|---|---|\n"
        f"{table}\n\n"
        f"**Ratio last/first (sign-up medians, business {checkpoints[-1]} vs. 1): "
        f"{last / first:.2f}** (goal ≤ 1.3: {'met' if last / first <= 1.3 else 'not met'}); "
        f"clone alone: {clone_last / clone_first:.2f}.\n\n" + fill_line + migration_text
    )


def run():
    started = time.perf_counter()
    for part in _parts():
        if part not in PARTS:
            raise SystemExit(f"unknown part {part!r}; choose from {PARTS}")
        print(f" scale/{part} …")
        section = {"http": _http, "tracking": _tracking, "fairness": _fairness, "signup": _signup}[
            part
        ]()
        _section(part, section)
    print(f" scale: {time.perf_counter() - started:.0f} s; server log {LOG}")
    return RESULTS / "scale.md"
