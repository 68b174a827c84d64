"""`make run` on a machine with nothing installed: embedded services, migrations, the demo
business, web + worker + beat; a Celery task round-trips; Ctrl-C stops every process."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import psutil
import requests

REPO = Path(__file__).resolve().parent.parent
START_SECONDS = 240  # a loaded machine: migrations, the demo (a week and a planned day), then web


def _wait_for(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def test_make_run_serves_everything_and_stops_cleanly_on_ctrl_c(tmp_path):
    # given a machine without DATABASE_URL / REDIS_URL and a free port
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env.update(DATA_DIR=str(tmp_path), PORT=str(port))
    log = tmp_path / "run.log"

    # when `make run`'s program starts
    with log.open("wb") as output:
        run = subprocess.Popen(
            [sys.executable, "-m", "scripts.run"],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:

        def public_up():
            try:
                return (
                    requests.get(
                        f"http://127.0.0.1:{port}/", headers={"Host": "localhost"}, timeout=2
                    ).status_code
                    == 200
                )
            except requests.ConnectionError:
                assert run.poll() is None, log.read_text()
                return False

        _wait_for(public_up, START_SECONDS, "the web server")
        _wait_for(
            lambda: "celery@" in log.read_text() and " ready." in log.read_text(),
            START_SECONDS,
            "the worker",
        )

        # then the public site and the demo business answer
        demo = requests.get(
            f"http://127.0.0.1:{port}/login/", headers={"Host": "demo.localhost"}, timeout=30
        )  # generous: the demo's day has just started (its messages go out meanwhile)
        assert demo.status_code == 200
        assert "Sign in to Demo Bakery" in demo.text
        output = log.read_text()
        assert "owner      owner@demo.localhost / demo-" in output
        assert "beat" in output

        # and a tenant-aware Celery task round-trips through the embedded Redis
        redis_port = re.search(r"embedded Redis on 127\.0\.0\.1:(\d+)", output)[1]
        socket_dir = quote(str(tmp_path / "postgres"), safe="")
        ping = subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup();"
                "from django_tenants.utils import schema_context;"
                "from tenants.tasks import tenant_ping;"
                "ctx = schema_context('t_demo'); ctx.__enter__();"
                "print(tenant_ping.delay('from the test').get(timeout=30))",
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={
                **env,
                "DJANGO_SETTINGS_MODULE": "config.settings.development",
                "DATABASE_URL": f"postgresql://postgres@{socket_dir}/delivery",
                "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            },
        )
        assert ping.returncode == 0, ping.stderr
        assert "'schema': 't_demo'" in ping.stdout
        assert "'message': 'from the test'" in ping.stdout

        # and the web server runs two worker processes (WEB_CONCURRENCY defaults to 2 here)
        children = psutil.Process(run.pid).children(recursive=True)
        (web,) = [c for c in children if "config.asgi:application" in " ".join(c.cmdline())]
        workers = [c for c in web.children() if "spawn_main" in " ".join(c.cmdline())]
        assert len(workers) == 2

        # and the demo driver's simulated phone runs beside them (DEMO_SIMULATOR=0: it does not)
        assert [c for c in children if "demo_simulator" in " ".join(c.cmdline())] != []

        # when Ctrl-C is pressed
        assert len(children) >= 3
        run.send_signal(signal.SIGINT)
        assert run.wait(timeout=60) == 0

        # then every process it started is gone, embedded PostgreSQL and Redis included
        _, alive = psutil.wait_procs(children, timeout=20)
        assert alive == []
        assert "[services] stopped" in log.read_text()
        stopped = subprocess.run(
            [
                sys.executable,
                "-c",
                f"import psycopg; psycopg.connect("
                f"'postgresql://postgres@{socket_dir}/delivery', connect_timeout=2)",
            ],
            capture_output=True,
            timeout=30,
            check=False,
        )
        assert stopped.returncode == 1
    finally:
        if run.poll() is None:
            run.kill()
