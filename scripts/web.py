"""The web server: uvicorn serving `config.asgi` (HTTP and websockets) in WEB_CONCURRENCY worker
processes (default: one per CPU), each with a small database connection pool.

    python -m scripts.web --host 0.0.0.0 --port 8000 [--proxy-headers]

uvicorn's own supervisor (`--workers`) was chosen over gunicorn with uvicorn workers and granian:
bench/results/scale.md measures the three on the same endpoints; see the README ("Scaling out").
Websockets work across processes because every group message goes through Redis.
"""

import argparse
import os
import sys
from pathlib import Path

DEFAULT_POOL_SIZE = 4


def web_concurrency() -> int:
    value = os.environ.get("WEB_CONCURRENCY", "").strip()
    return max(1, int(value)) if value else max(1, os.cpu_count() or 1)


def web_command(*, host: str, port: str, workers: int, proxy_headers: bool = False) -> list[str]:
    command = [
        str(Path(sys.executable).parent / "uvicorn"),
        "config.asgi:application",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--ws",
        "websockets-sansio",
        "--no-access-log",
        # Open websockets would hold a stopping worker forever; phones and pages reconnect.
        "--timeout-graceful-shutdown",
        "10",
    ]
    if proxy_headers:
        command.append("--proxy-headers")
    return command


def web_environment(env: dict[str, str]) -> dict[str, str]:
    """Each worker process pools its database connections (DATABASE_POOL_MAX_SIZE, default 4)."""
    env = dict(env)
    env.setdefault("DATABASE_POOL_MAX_SIZE", str(DEFAULT_POOL_SIZE))
    return env


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
    parser.add_argument("--proxy-headers", action="store_true")
    options = parser.parse_args(argv)
    command = web_command(
        host=options.host,
        port=options.port,
        workers=web_concurrency(),
        proxy_headers=options.proxy_headers,
    )
    os.execve(command[0], command, web_environment(dict(os.environ)))  # noqa: S606 (our own argv)


if __name__ == "__main__":
    main(sys.argv[1:])
