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
