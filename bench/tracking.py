"""Live tracking under load: N simulated drivers send positions through real websockets into the
running ASGI server (uvicorn subprocess, Redis channel layer) while dispatcher sockets listen.

Per scenario: accepted positions per second, p50/p99 latency from the driver's send to a
dispatcher's receipt, positions lost (accepted but not in the table: must be 0), and answers
missing. Next to it, measured in the same run: raw channels_redis `group_send` throughput to a
group as big as the dispatchers' (the ceiling of the fan-out alone).

The load generator runs in this process (asyncio, one task per socket), the server in another;
both share the machine's 2 cores with PostgreSQL and Redis. BENCH_QUICK=1 (or
`python -m bench tracking --quick`) runs two short scenarios.
"""

import asyncio
import json
import os
import random
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psutil
import requests
from channels_redis.core import RedisChannelLayer
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django_tenants.utils import schema_context
from redis.exceptions import RedisError
from websockets.asyncio.client import connect

from bench.report import write
from delivery.models import Driver
from tenants.accounts.models import Role, User
from tenants.services import tenant_create, tenant_delete
from tracking.models import Position

REPO = Path(__file__).resolve().parent.parent
DISPATCHERS = 3
CONNECT_CONCURRENCY = 50
SCENARIOS = [  # (drivers, seconds between positions, seconds of sending)
    (200, 5.0, 30),
    (1000, 5.0, 30),
    (2000, 5.0, 30),
    (1000, 1.0, 20),
]
QUICK_SCENARIOS = [(200, 5.0, 10), (1000, 5.0, 15)]
BASELINE_SECONDS = 5
NOTES = """
## Where the time goes

- The server is not CPU-bound: one uvicorn process uses 15–20 % of one core at 200–400
  positions/s. Per position it parses and validates the message, takes a share of one batched
  INSERT (group commit on the writer's own thread and connection, `tracking/ingest.py`), of one
  Redis pipeline (last position) and of one `group_send` per batch to the dispatchers (one
  `tenant.messages` event, not one per driver).
- Latency is waiting, not work. An event-loop lag probe in the server (development only) saw
  100–370 ms stalls at under 20 % CPU while the machine's load average was 8–11 on 2 cores
  (other engineers' test suites, PostgreSQL and Redis shared by all): the process is runnable but
  not running. The batched INSERT took 10–50 ms at the median and up to ~190 ms at worst on the
  shared PostgreSQL. The raw `group_send` baseline, measured in the same run, shows how slow the
  machine is: on an idle machine channels_redis does thousands per second.
- What grows with the number of sockets (not messages): every consumer keeps a pending
  channel-layer receive (channels_redis hands one Redis BZPOPMIN around all of a process's
  consumers through an asyncio lock), and ~1,000 sockets' objects make Python's garbage
  collector pauses longer. Both add to the stalls above at 1,000–2,000 drivers.
- Connecting is serial: the session, tenant and driver look-ups of each new socket run on
  Channels' single database thread; 1,000 sockets take several seconds to become ready (the
  driver socket says `hello` when ready, and the benchmark waits for it). Measured positions
  exclude each driver's first (warm-up) position.
- Already done: driver sockets do not subscribe to the channel layer (they never receive group
  messages) and skip Channels' per-message hop through its database thread; together these took
  the 1,000-driver p99 from 2.6 s to 0.56 s on the loaded machine. A quick run on a quiet machine
  (load average ~1) gave 1,000 drivers every 5 s a p99 of 36 ms (p50 18 ms), nothing lost.
- Next steps, in order of expected gain: more uvicorn workers (the writer batches per process;
  sockets spread over processes) and a dedicated machine for the measurement.
- Nothing accepted was lost in any run: `lost` counts accepted positions missing from the table.
"""


@dataclass
class Tally:
    sent: int = 0
    accepted: int = 0
    rejected: int = 0
    sent_at: dict = field(default_factory=dict)  # (driver id, recorded_at) → perf_counter
    latencies: list = field(default_factory=list)  # seconds, send → dispatcher receipt
    shown: int = 0  # driver.position messages received by dispatchers
    accept_latencies: list = field(default_factory=list)  # send → position.accepted
    warm_accepted: int = 0  # first positions (not measured, but stored)
    first_sent: float = float("inf")
    last_sent: float = 0.0
    load: tuple = ()  # the machine's 1-minute load average before and after
    server_cpu: float = 0.0  # share of one core, over the scenario
    client_cpu: float = 0.0


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server(port: int, log: Path) -> subprocess.Popen:
    from tests.fixtures.live import BIN, server_environment

    env = server_environment()
    env["LOG_LEVEL"] = "WARNING"
    profile = os.environ.get("BENCH_TRACKING_PROFILE")  # a path: the server runs under cProfile
    launcher = (
        [str(BIN / "python"), "-m", "cProfile", "-o", profile, str(BIN / "uvicorn")]
        if profile
        else [str(BIN / "uvicorn")]
    )
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                *launcher,
                "config.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--ws",
                "websockets-sansio",
                "--workers",
                "1",
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", headers={"Host": "x"}, timeout=2)
            return process
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"uvicorn did not start:\n{log.read_text()[-2000:]}") from None
            time.sleep(0.2)


def _session(user: User) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _people(schema: str, drivers: int) -> tuple[list[tuple[str, str]], str]:
    """(driver id, cookie) for each driver, and a dispatcher's cookie."""
    with schema_context(schema):
        users = [
            User(email=f"driver{n}@bench.test", role=Role.DRIVER, full_name=f"Driver {n}")
            for n in range(drivers)
        ]
        for user in users:
            user.set_unusable_password()
        User.objects.bulk_create(users, batch_size=1000)
        made = Driver.objects.bulk_create([Driver(user=user) for user in users], batch_size=1000)
        dispatcher = User(email="dispatcher@bench.test", role=Role.DISPATCHER)
        dispatcher.set_unusable_password()
        dispatcher.save()
        return (
            [(str(d.pk), _session(user)) for d, user in zip(made, users, strict=True)],
            _session(dispatcher),
        )


def _ws(port: int, host: str, path: str, cookie: str):
    return connect(
        f"ws://{host}:{port}{path}",
        host="127.0.0.1",
        port=port,
        proxy=None,
        additional_headers={"Cookie": cookie},
        open_timeout=60,
        close_timeout=5,
        max_queue=None,
    )


async def _dispatcher(socket, tally: Tally) -> None:
    async for raw in socket:
        received = time.perf_counter()
        message = json.loads(raw)
        if message["type"] != "driver.position":
            continue
        data = message["data"]
        sent = tally.sent_at.get((data["driver"], data["recorded_at"]))
        tally.shown += 1
        if sent is not None:
            tally.latencies.append(received - sent)


async def _driver(socket, driver_id: str, interval: float, until: float, tally: Tally) -> None:
    async def answers():
        async for raw in socket:
            answer = json.loads(raw)
            kind = answer["type"]
            sent = tally.sent_at.get((driver_id, answer["data"]["recorded_at"]))
            if kind == "position.accepted" and sent is None:
                tally.warm_accepted += 1
            elif kind == "position.accepted":
                tally.accepted += 1
                tally.accept_latencies.append(time.perf_counter() - sent)
            elif kind == "position.rejected":
                tally.rejected += 1

    reader = asyncio.create_task(answers())
    loop = asyncio.get_running_loop()
    await asyncio.sleep(random.uniform(0, interval))  # noqa: S311 - spread, not security
    next_at = loop.time()
    lat, lng = 52.3 + random.uniform(0, 0.1), 4.8 + random.uniform(0, 0.1)  # noqa: S311
    warm = True  # each driver's first position warms the path up and is not measured
    while loop.time() < until:
        recorded_at = datetime.now(UTC).isoformat()
        if not warm:
            now = time.perf_counter()
            tally.sent_at[(driver_id, recorded_at)] = now
            tally.first_sent = min(tally.first_sent, now)
            tally.last_sent = max(tally.last_sent, now)
        lat += 0.0001
        await socket.send(
            json.dumps(
                {
                    "type": "position",
                    "lat": lat,
                    "lng": lng,
                    "accuracy": 8,
                    "heading": 10,
                    "speed": 8,
                    "recorded_at": recorded_at,
                }
            )
        )
        tally.sent += 0 if warm else 1
        warm = False
        next_at += interval
        await asyncio.sleep(max(0.0, next_at - loop.time()))
    await asyncio.sleep(5)  # the last answers
    reader.cancel()


async def _scenario(
    port, host, people, dispatcher_cookie, drivers, interval, seconds, on_ready=None
) -> Tally:
    tally = Tally()
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def opened(path, cookie):
        async with gate:
            return await _ws(port, host, path, cookie)

    dashboards = [await opened("/ws/dispatch/", dispatcher_cookie) for _ in range(DISPATCHERS)]
    for socket in dashboards:
        assert json.loads(await socket.recv())["type"] == "hello"
    listeners = [asyncio.create_task(_dispatcher(s, tally)) for s in dashboards]

    async def ready(cookie):
        socket = await opened("/ws/driver/", cookie)
        hello = json.loads(await socket.recv())  # the server has the driver: ready
        assert hello["type"] == "hello", hello
        return socket

    phones = await asyncio.gather(*(ready(cookie) for _, cookie in people[:drivers]))
    if on_ready is not None:  # e.g. bench/scale.py counts the sockets per server process
        on_ready()
    until = asyncio.get_running_loop().time() + seconds
    await asyncio.gather(
        *(
            _driver(phone, driver_id, interval, until, tally)
            for phone, (driver_id, _) in zip(phones, people, strict=False)
        )
    )
    for task in listeners:
        task.cancel()
    await asyncio.gather(*(s.close() for s in [*phones, *dashboards]), return_exceptions=True)
    return tally


async def _baseline() -> dict:
    """Raw channels_redis: group_send to a group of DISPATCHERS channels, receivers draining."""
    layer = RedisChannelLayer(
        hosts=[{"address": settings.REDIS_URL}],
        prefix=f"{settings.REDIS_KEY_PREFIX}:bench-{uuid.uuid4().hex[:6]}",
        capacity=100_000,
    )
    channels = [await layer.new_channel() for _ in range(DISPATCHERS)]
    for channel in channels:
        await layer.group_add("bench", channel)
    received = 0

    async def drain(channel):
        nonlocal received
        while True:
            try:
                await layer.receive(channel)
            except RedisError:  # a shared Redis may drop idle clients; keep draining
                continue
            received += 1

    drains = [asyncio.create_task(drain(c)) for c in channels]
    results = {}
    for label, in_flight in (("sequential", 1), ("50 in flight", 50)):
        sent = 0
        until = time.perf_counter() + BASELINE_SECONDS

        async def sender(until=until):
            nonlocal sent
            while time.perf_counter() < until:
                await layer.group_send("bench", {"type": "x", "data": {"n": sent}})
                sent += 1

        started = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(in_flight)))
        results[label] = sent / (time.perf_counter() - started)
    for task in drains:
        task.cancel()
    await layer.flush()
    return results


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


def run():
    quick = os.environ.get("BENCH_QUICK") == "1"
    scenarios = QUICK_SCENARIOS if quick else SCENARIOS
    most = max(drivers for drivers, _, _ in scenarios)
    provisioned = tenant_create(
        slug="bench-track",
        name="Bench",
        owner_email="o@bench.test",
        owner_password="a-long-bench-password",
    )
    schema, host = provisioned.tenant.schema_name, provisioned.domain.domain
    port = _free_port()
    log = Path(f"/tmp/bench-tracking-{os.getpid()}.log")  # noqa: S108
    server = None
    rows = []
    try:
        people, dispatcher_cookie = _people(schema, most)
        connection.set_schema_to_public()
        baseline = asyncio.run(_baseline())
        server = _server(port, log)
        for drivers, interval, seconds in scenarios:
            with schema_context(schema):
                Position.objects.all().delete()
            load_before = os.getloadavg()[0]
            server_cpu = psutil.Process(server.pid).cpu_times()
            own_cpu = time.process_time()
            wall = time.perf_counter()
            tally = asyncio.run(
                _scenario(port, host, people, dispatcher_cookie, drivers, interval, seconds)
            )
            wall = time.perf_counter() - wall
            after = psutil.Process(server.pid).cpu_times()
            tally.server_cpu = (
                after.user + after.system - server_cpu.user - server_cpu.system
            ) / wall
            tally.client_cpu = (time.process_time() - own_cpu) / wall
            tally.load = (load_before, os.getloadavg()[0])
            with schema_context(schema):
                stored = Position.objects.count()
            rows.append((drivers, interval, seconds, tally, stored))
            print(
                f"  {drivers} drivers / {interval:g}s: sent {tally.sent}, accepted "
                f"{tally.accepted} (+{tally.warm_accepted} warm-up), stored {stored}, "
                f"p99 {_p(tally.latencies, 0.99):.0f} ms, "
                f"accept p99 {_p(tally.accept_latencies, 0.99):.0f} ms, server CPU "
                f"{tally.server_cpu:.0%}, client CPU {tally.client_cpu:.0%}"
            )
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        connection.set_schema_to_public()
        tenant_delete(tenant=provisioned.tenant)
    table = "\n".join(
        f"| {drivers} | {interval:g} s | {tally.sent} | {tally.accepted} | "
        f"{tally.accepted / max(1.0, tally.last_sent - tally.first_sent):.0f} | "
        f"{_p(tally.latencies, 0.5):.0f} | "
        f"{_p(tally.latencies, 0.99):.0f} | {_p(tally.accept_latencies, 0.99):.0f} | "
        f"{max(0, tally.accepted + tally.warm_accepted - stored)} | "
        f"{tally.sent - tally.accepted - tally.rejected} | {tally.shown} | "
        f"{tally.server_cpu:.0%} | {tally.client_cpu:.0%} | "
        f"{tally.load[0]:.1f} → {tally.load[1]:.1f} |"
        for drivers, interval, seconds, tally, stored in rows
    )
    body = (
        f"{'Quick run. ' if quick else ''}One uvicorn worker, Redis channel layer, "
        f"{DISPATCHERS} dispatcher sockets listening; drivers connect over real websockets and "
        "send one position per interval each (phases spread). Latency: the driver's send to a "
        "dispatcher's receipt of that position (every dispatcher's receipt counts).\n\n"
        "| drivers | every | sent | accepted | accepted/s | p50 ms | p99 ms | accept p99 ms | "
        "lost (accepted, not stored) | unanswered | shown to dispatchers | server CPU | "
        "client CPU | load avg |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
        f"{table}\n\n"
        f"Baseline, same run: raw channels_redis `group_send` to a group of {DISPATCHERS} "
        f"channels (receivers draining): **{baseline['sequential']:.0f}/s** one at a time, "
        f"**{baseline['50 in flight']:.0f}/s** with 50 in flight.\n"
        f"{NOTES}"
    )
    return write("tracking", "Live tracking: positions in, dispatchers out", body)
