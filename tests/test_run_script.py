"""`make run`'s supervisor (scripts/run.py): the demo's simulated phones start once the web
server answers, not before (they logged "Connection refused" errors at every start)."""

import socket
import threading
import time

from scripts.run import web_wait


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_waiting_for_the_web_server_returns_once_it_listens():
    # given a web server that starts listening half a second from now
    port = _free_port()
    server = socket.socket()

    def listen_later():
        time.sleep(0.5)
        server.bind(("127.0.0.1", port))
        server.listen()

    starter = threading.Thread(target=listen_later)
    starter.start()
    try:
        # when the supervisor waits for it
        started = time.monotonic()
        ready = web_wait(host="127.0.0.1", port=port, seconds=10)
        waited = time.monotonic() - started
    finally:
        starter.join()
        server.close()

    # then it was told so once the server listened, well before the limit
    assert ready is True
    assert 0.4 < waited < 5


def test_waiting_for_a_web_server_that_never_comes_gives_up_at_the_limit():
    port = _free_port()

    started = time.monotonic()
    ready = web_wait(host="127.0.0.1", port=port, seconds=1)

    assert ready is False
    assert 0.9 < time.monotonic() - started < 3


def test_platform_setup_on_a_database_that_does_not_exist_says_so_in_one_line():
    import os
    import subprocess
    import sys
    from urllib.parse import urlsplit, urlunsplit

    from scripts.services import REPO

    # given DATABASE_URL naming a database nobody created, on the PostgreSQL the tests use
    url = urlsplit(os.environ["DATABASE_URL"])._replace(path="/never_created_database")

    # when the platform is set up on it
    finished = subprocess.run(
        [sys.executable, "manage.py", "platform_setup"],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": urlunsplit(url)},
        capture_output=True,
        text=True,
        timeout=60,
    )

    # then it stops with one line saying what is wrong and what to do (the server's own words
    # in the middle name its address, which differs between machines)
    assert finished.returncode == 1
    [line] = finished.stderr.strip().splitlines()
    assert line.startswith("CommandError: cannot reach the database of DATABASE_URL: ")
    assert line.endswith(
        'FATAL:  database "never_created_database" does not exist. Create it (createdb) or '
        "unset DATABASE_URL for the embedded one (make run / make test)."
    )


def test_make_run_on_a_database_that_does_not_exist_stops_before_starting_anything():
    import os
    import subprocess
    import sys
    from urllib.parse import urlsplit, urlunsplit

    from scripts.services import REPO

    url = urlsplit(os.environ["DATABASE_URL"])._replace(path="/never_created_database")

    finished = subprocess.run(
        [sys.executable, "-m", "scripts.run"],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": urlunsplit(url), "PORT": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert finished.returncode == 1
    assert "Traceback" not in finished.stderr + finished.stdout
    assert finished.stderr.strip().splitlines()[-1] == (
        "[services] `manage.py platform_setup` failed (exit code 1); not starting"
    )
