"""The websocket path's writer: positions of all driver sockets of this process are gathered for
TRACKING_WRITE_INTERVAL_MS and written with one INSERT per business, then fanned out.

A socket's `position.accepted` is answered only once its row is committed: nothing accepted is
lost. The buffer lives in this process only for those few milliseconds; the phone keeps a fix
until it is accepted (and sends it again through the API otherwise).
"""

import asyncio
import logging
from dataclasses import dataclass, field

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import DatabaseError
from django_tenants.utils import schema_context
from redis.exceptions import RedisError

from tracking.groups import dispatch_group, track_group
from tracking.realtime import group_messages_send
from tracking.services import PositionEntry, Stored, positions_store

logger = logging.getLogger(__name__)


@dataclass
class _Pending:
    tenant_id: int
    entries: list[PositionEntry] = field(default_factory=list)
    waiting: list[asyncio.Future] = field(default_factory=list)


@database_sync_to_async
def _store(schema: str, entries: list[PositionEntry]) -> Stored:
    with schema_context(schema):
        return positions_store(entries=entries)


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
    def __init__(self) -> None:
        self.pending: dict[str, _Pending] = {}
        self.task: asyncio.Task | None = None

    async def write(self, *, schema: str, tenant_id: int, entry: PositionEntry) -> bool:
        """True once the position is stored; False if the database refused the batch."""
        future = asyncio.get_running_loop().create_future()
        pending = self.pending.setdefault(schema, _Pending(tenant_id=tenant_id))
        pending.entries.append(entry)
        pending.waiting.append(future)
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._run())
        return await future

    async def _run(self) -> None:
        while self.pending:
            await asyncio.sleep(settings.TRACKING_WRITE_INTERVAL_MS / 1000)
            batches, self.pending = self.pending, {}
            for schema, pending in batches.items():
                await self._flush(schema, pending)

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
        try:
            await group_messages_send(position_sends(tenant_id=pending.tenant_id, stored=stored))
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
