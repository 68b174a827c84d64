"""The websocket path's writer: positions of all driver sockets of this process are gathered for
TRACKING_WRITE_INTERVAL_MS and written with one INSERT per business, then fanned out.

A socket's `position.accepted` is answered only once its row is committed: nothing accepted is
lost. The buffer lives in this process only for those few milliseconds; the phone keeps a fix
until it is accepted (and sends it again through the API otherwise).
"""

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connection
from django_tenants.utils import schema_context
from redis.exceptions import RedisError

from tenants.realtime import group_messages_send
from tracking.groups import dispatch_group, track_group
from tracking.services import PositionEntry, Stored, positions_store

logger = logging.getLogger(__name__)


@dataclass
class _Pending:
    tenant_id: int
    entries: list[PositionEntry] = field(default_factory=list)
    waiting: list[asyncio.Future] = field(default_factory=list)


# The writer's own thread keeps one database connection open between batches: opening one per
# batch (what database_sync_to_async does with CONN_MAX_AGE=0) costs more than the INSERT, and
# the thread never waits behind other sockets' session lookups.
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="position-writer")


def _store_now(schema: str, entries: list[PositionEntry]) -> Stored:
    try:
        with schema_context(schema):
            return positions_store(entries=entries)
    except DatabaseError:
        connection.close()  # a broken connection is replaced on the next batch
        raise


async def _store(schema: str, entries: list[PositionEntry]) -> Stored:
    return await asyncio.get_running_loop().run_in_executor(_executor, _store_now, schema, entries)


def position_sends(*, tenant_id: int, stored: Stored) -> list[tuple[str, dict]]:
    """The newest fix of each driver to the dispatchers; to a recipient's page only when the
    driver is heading to that order, and without the driver's identity."""
    sends = []
    for driver, data in stored.newest.items():
        sends.append(
            (dispatch_group(tenant_id=tenant_id), {"type": "driver.position", "data": data})
        )
        heading = stored.heading_to.get(driver)
        if heading is not None:
            public = {key: data[key] for key in ("lat", "lng", "heading", "recorded_at")}
            sends.append(
                (
                    track_group(tenant_id=tenant_id, order_id=heading["order"]),
                    {"type": "driver.position", "data": public},
                )
            )
    return sends


class PositionWriter:
    """Group commit: while one batch is being written, the next one gathers. A lone position
    waits at most TRACKING_WRITE_INTERVAL_MS for company. Fan-out runs in its own task, in
    batch order, so writing never waits for Redis pushes."""

    def __init__(self) -> None:
        self.pending: dict[str, _Pending] = {}
        self.task: asyncio.Task | None = None
        self.fanout: asyncio.Queue = asyncio.Queue()
        self.sender: asyncio.Task | None = None

    async def write(self, *, schema: str, tenant_id: int, entry: PositionEntry) -> bool:
        """True once the position is stored; False if the database refused the batch."""
        future = asyncio.get_running_loop().create_future()
        pending = self.pending.setdefault(schema, _Pending(tenant_id=tenant_id))
        pending.entries.append(entry)
        pending.waiting.append(future)
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._run())
        if self.sender is None or self.sender.done():
            self.sender = asyncio.create_task(self._send())
        return await future

    async def _run(self) -> None:
        await asyncio.sleep(settings.TRACKING_WRITE_INTERVAL_MS / 1000)
        while self.pending:
            batches, self.pending = self.pending, {}
            for schema, pending in batches.items():
                await self._flush(schema, pending)
            if self.pending:
                await asyncio.sleep(0)  # let the sockets that were answered go on

    async def _flush(self, schema: str, pending: _Pending) -> None:
        try:
            stored = await _store(schema, pending.entries)
        except (DatabaseError, RedisError):
            logger.exception("could not store %d positions", len(pending.entries))
            for future in pending.waiting:
                if not future.done():
                    future.set_result(False)
            return
        except BaseException as error:
            for future in pending.waiting:
                if not future.done():
                    future.set_exception(error)
            raise
        for future in pending.waiting:
            if not future.done():
                future.set_result(True)
        self.fanout.put_nowait(position_sends(tenant_id=pending.tenant_id, stored=stored))

    async def _send(self) -> None:
        while True:
            sends = await self.fanout.get()
            # Whatever queued meanwhile goes out together (one group_send per group).
            while not self.fanout.empty():
                sends += self.fanout.get_nowait()
            try:
                await group_messages_send(sends)
            except RedisError:
                logger.warning("could not fan out positions", exc_info=True)


_writers: dict[int, PositionWriter] = {}


def position_writer() -> PositionWriter:
    """One writer per event loop (the server has one; tests may run several)."""
    loop = asyncio.get_running_loop()
    writer = _writers.get(id(loop))
    if writer is None:
        writer = _writers[id(loop)] = PositionWriter()
    return writer


def writer_connection_close() -> None:
    """Close the writer thread's database connection (tests, before the database is dropped)."""
    # `connection` must be looked up in the writer's thread, not bound here.
    _executor.submit(lambda: connection.close()).result(timeout=10)
