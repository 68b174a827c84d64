"""`make run`: the whole system on one machine until Ctrl-C.

Starts the embedded PostgreSQL/Redis when DATABASE_URL/REDIS_URL are unset, migrates every schema,
seeds the demo business (its fleet and past week once, a live day planned from now each day),
then runs the ASGI web server, one Celery worker per queue (planning; events and default;
housekeeping), Celery beat and the demo driver's simulated phone (DEMO_SIMULATOR=0: not it).
Ctrl-C (or SIGTERM) stops all of them, then the embedded services.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from scripts.services import REPO, data_dir, log, services_environment
from scripts.web import web_command, web_environment

# Two web processes by default, so websockets always cross processes as in production.
DEFAULT_WEB_CONCURRENCY = 2

STOP_TIMEOUT_SECONDS = 15
WEB_START_SECONDS = 60
# One worker per queue group (settings.CELERY_TASK_ROUTES): (queues, processes, node name).
# Deliveries never wait behind a long plan, and plans never wait behind deliveries.


def _python() -> str:
    return sys.executable


def _run_once(args: list[str], env: dict[str, str]) -> None:
    subprocess.run([_python(), "manage.py", *args], cwd=REPO, env=env, check=True)


def _start(name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
    log(f"starting {name}: {' '.join(args)}")
    # Own session: Ctrl-C reaches only this supervisor, which then stops each child once.
    return subprocess.Popen(args, cwd=REPO, env=env, start_new_session=True)


def _worker_command(bin_dir: Path, queues: str, concurrency: int, node: str) -> list[str]:
    return [
        str(bin_dir / "celery"),
        "-A",
        "config",
        "worker",
        "--loglevel",
        "INFO",
        "-Q",
        queues,
        "--concurrency",
        str(concurrency),
        "-n",
        node,
    ]


def _stop(processes: dict[str, subprocess.Popen]) -> None:
    for name, process in processes.items():
        if process.poll() is None:
            log(f"stopping {name}")
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    for name, process in processes.items():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log(f"{name} did not stop in {STOP_TIMEOUT_SECONDS}s; killing it")
            process.kill()
            process.wait()


def worker_processes(env: dict[str, str]) -> dict[str, tuple[str, int, str]]:
    """The Celery workers of `make run`: name → (queues, processes, node name), one per queue
    (settings.CELERY_TASK_ROUTES) so deliveries never wait behind a plan, and large plans
    (more than PLANNING_LARGE_ORDERS orders) never hold the small ones (README)."""
    planning = env.get("CELERY_PLANNING_QUEUE", "planning")
    large = env.get("CELERY_PLANNING_LARGE_QUEUE", "planning_large")
    default = env.get("CELERY_QUEUE", "default")
    return {
        "worker-planning": (planning, 1, "planning@%h"),
        "worker-planning-large": (large, 1, "planning-large@%h"),
        "worker-events": (f"events,{default}", 2, "celery@%h"),
        "worker-housekeeping": ("housekeeping", 1, "housekeeping@%h"),
    }


def web_wait(*, host: str, port: int, seconds: float) -> bool:
    """True once something accepts connections on host:port; False after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def simulator_command(*, host: str, base: str, port: str) -> list[str]:
    """The demo's simulated phone (DEMO_SIMULATOR=0 leaves it out): it talks to the web server
    like a phone, as the demo business's driver under way."""
    return [
        _python(),
        "manage.py",
        "demo_simulator",
        "--slug",
        "demo",
        "--base-url",
        f"http://{host}:{port}",
        "--host",
        f"demo.{base}:{port}",
    ]


def main() -> int:
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    web_workers = int(os.environ.get("WEB_CONCURRENCY") or DEFAULT_WEB_CONCURRENCY)
    stopping = False

    def request_stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    root = data_dir()
    with services_environment() as env:
        env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")
        env.setdefault("SITE_PORT", port)
        try:
            _run_once(["platform_setup", "-v", "0"], env)
            _run_once(["seed_demo", "--credentials-file", str(root / "demo.json")], env)
            _run_once(["seed_demo_day", "--slug", "demo"], env)
        except subprocess.CalledProcessError as failed:
            # The command said why (one line for a known cause); no second traceback of ours.
            log(f"`manage.py {failed.cmd[2]}` failed (exit code {failed.returncode}); not starting")
            return failed.returncode
        bin_dir = Path(_python()).parent
        processes = {
            "web": _start(
                "web",
                web_command(host=host, port=port, workers=web_workers),
                web_environment(env),
            ),
            **{
                name: _start(name, _worker_command(bin_dir, queues, concurrency, node), env)
                for name, (queues, concurrency, node) in worker_processes(env).items()
            },
            "beat": _start(
                "beat",
                [
                    str(bin_dir / "celery"),
                    "-A",
                    "config",
                    "beat",
                    "--loglevel",
                    "INFO",
                    "--schedule",
                    str(root / "celerybeat-schedule"),
                ],
                env,
            ),
        }
        base = env.get("BASE_DOMAIN", "localhost")
        optional = {}
        if env.get("DEMO_SIMULATOR", "1") != "0":
            # The demo driver's phone, moving along their route (tracking.simulator), once the
            # web server answers: started before, its first posts were refused.
            if not web_wait(host=host, port=int(port), seconds=WEB_START_SECONDS):
                log(f"the web server did not answer in {WEB_START_SECONDS}s")
            optional["demo-simulator"] = _start(
                "demo-simulator", simulator_command(host=host, base=base, port=port), env
            )
        log(f"public site: http://{base}:{port}/   demo business: http://demo.{base}:{port}/")
        log("press Ctrl-C to stop")
        exit_code = 0
        while not stopping:
            for name, process in list(optional.items()):
                if process.poll() is not None:
                    log(f"{name} exited with code {process.returncode}; the rest keeps running")
                    del optional[name]
            for name, process in processes.items():
                if process.poll() is not None:
                    log(f"{name} exited with code {process.returncode}; stopping the rest")
                    exit_code = process.returncode or 1
                    stopping = True
                    break
            time.sleep(0.5)
        _stop({**optional, **processes})
    log("stopped")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
