"""A small HTTP/1.1 load generator: N keep-alive clients on asyncio (uvloop), each sending its next
request as soon as the last answer is in, for a fixed time. Raw sockets rather than an HTTP
library, so that the generator's own CPU (it shares the machine with the servers) stays small."""

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import uvloop

# (method, path, headers, body): one request; called once per request.
RequestFactory = Callable[[], tuple[str, str, dict[str, str], bytes]]
TIMEOUT_SECONDS = 30


@dataclass
class LoadResult:
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    client_cpu: float = 0.0

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        """Milliseconds."""
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    status = int(status_line.split()[1])
    length, chunked, close = 0, False, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value:
            chunked = True
        elif name == "connection" and value == "close":
            close = True
    if chunked:
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status, close


async def _client(port: int, host: str, make: RequestFactory, until: float, result: LoadResult):
    loop = asyncio.get_running_loop()
    reader = writer = None
    while loop.time() < until:
        if writer is None:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                result.errors += 1
                await asyncio.sleep(0.05)
                continue
        method, path, headers, body = make()
        head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        started = time.perf_counter()
        try:
            writer.write(head.encode() + b"\r\n" + body)
            status, close = await asyncio.wait_for(_read_response(reader), TIMEOUT_SECONDS)
        except (TimeoutError, OSError, ConnectionError, asyncio.IncompleteReadError):
            result.errors += 1
            writer.close()
            writer = None
            continue
        result.latencies.append(time.perf_counter() - started)
        result.statuses[status] = result.statuses.get(status, 0) + 1
        if close:
            writer.close()
            writer = None
    if writer is not None:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def _load(port, host, make, clients, seconds) -> LoadResult:
    result = LoadResult()
    loop = asyncio.get_running_loop()
    started, cpu = time.perf_counter(), time.process_time()
    until = loop.time() + seconds
    await asyncio.gather(*(_client(port, host, make, until, result) for _ in range(clients)))
    result.seconds = time.perf_counter() - started
    result.client_cpu = (time.process_time() - cpu) / result.seconds
    return result


def load(*, port: int, host: str, make: RequestFactory, clients: int, seconds: float) -> LoadResult:
    """Run `clients` keep-alive clients against 127.0.0.1:`port` for `seconds`."""
    return uvloop.run(_load(port, host, make, clients, seconds))
