"""ASGI servers for the scale benchmark, started the way production starts them: production
settings, N worker processes, on a free loopback port; stopped with their workers."""

import contextlib
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import requests
from django.conf import settings

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
START_TIMEOUT_SECONDS = 90
KINDS = ("uvicorn", "gunicorn", "granian")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_environment(**extra: str) -> dict[str, str]:
    """Production settings on the benchmark's database and Redis key space. The secret key is the
    benchmark process's own, so sessions it creates are valid on the servers."""
    from tests.fixtures.live import server_environment

    env = server_environment()
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=settings.SECRET_KEY,
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        SECURE_HSTS_SECONDS="0",
        SITE_SCHEME="http",
        BASE_DOMAIN="localhost",
        ALLOWED_HOSTS="localhost,.localhost",
        REDIS_KEY_PREFIX=settings.REDIS_KEY_PREFIX,
        # The benchmark measures the server, not the per-key limit (20/s by default).
        API_RATE_LIMIT_PER_SECOND="1000000",
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def command(kind: str, app: str, *, port: int, workers: int) -> list[str]:
    if kind == "uvicorn":
        return [
            str(BIN / "uvicorn"),
            app,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--ws",
            "websockets-sansio",
            "--no-access-log",
            "--timeout-graceful-shutdown",
            "10",
            "--log-level",
            "warning",
        ]
    if kind == "gunicorn":
        return [
            str(BIN / "gunicorn"),
            app,
            "--worker-class",
            "uvicorn_worker.UvicornWorker",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ]
    if kind == "granian":
        return [
            str(BIN / "granian"),
            "--interface",
            "asgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            app,
        ]
    raise ValueError(kind)


@dataclass
class Server:
    kind: str
    workers: int
    port: int
    process: subprocess.Popen

    def worker_pids(self) -> list[int]:
        parent = psutil.Process(self.process.pid)
        children = parent.children(recursive=True)
        return [child.pid for child in children] or [parent.pid]

    def cpu_seconds(self) -> float:
        total = 0.0
        parent = psutil.Process(self.process.pid)
        for process in [parent, *parent.children(recursive=True)]:
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
        return total

    def stop(self) -> None:
        """The server and every worker process it started (none outlives the benchmark)."""
        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            children = []
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for child in children:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.terminate()
        _, alive = psutil.wait_procs(children, timeout=10)
        for child in alive:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()


def serve(kind: str, app: str, *, workers: int, env: dict[str, str], log: Path) -> Server:
    port = free_port()
    with log.open("ab") as output:
        process = subprocess.Popen(
            command(kind, app, port=port, workers=workers),
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = Server(kind=kind, workers=workers, port=port, process=process)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        try:
            requests.get(
                f"http://127.0.0.1:{port}/healthz", headers={"Host": "localhost"}, timeout=5
            )
            break
        except requests.RequestException:
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"{kind} did not start:\n{log.read_text()[-3000:]}") from None
            time.sleep(0.2)
    # Every worker answers before the clock starts (each imports Django on its own).
    time.sleep(1.0 + 0.5 * workers)
    return server


def load_average() -> float:
    return os.getloadavg()[0]
