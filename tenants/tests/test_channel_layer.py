"""The channel layer across a Redis restart (tenants/channel_layer.py), on a redis-server of the
test's own (the embedded package's binary, on a free port; the machine's Redis is never touched):
open channels join their groups again and are told to resync, since pushes sent meanwhile are
lost."""

import asyncio
import time

import pytest
from channels_redis.core import RedisChannelLayer
from redis.exceptions import ConnectionError as RedisConnectionError

from tenants.channel_layer import RESYNC, ResilientRedisChannelLayer
from tests.faults.system import FaultRedis

GROUP = "tenant-1.dispatch"
PUSH = {"type": "tenant.message", "message": {"type": "order.updated", "data": {"id": "o-1"}}}
RECEIVE_SECONDS = 30


@pytest.fixture
def own_redis(tmp_path):
    server = FaultRedis(directory=tmp_path)
    server.start()
    yield server
    server.kill()


def _layer(redis: FaultRedis) -> ResilientRedisChannelLayer:
    return ResilientRedisChannelLayer(
        hosts=[{"address": redis.url, "socket_timeout": 10}], prefix="test-layer", expiry=30
    )


def test_open_channels_join_their_groups_again_and_are_told_to_resync(own_redis):
    async def scenario():
        layer = _layer(own_redis)
        # given two sockets' channels in one process, both in the business's dispatch group,
        # both waiting for their next message
        first, second = await layer.new_channel(), await layer.new_channel()
        await layer.group_add(GROUP, first)
        await layer.group_add(GROUP, second)
        waiting = [asyncio.create_task(layer.receive(channel)) for channel in (first, second)]
        await asyncio.sleep(0.5)

        # when Redis restarts (empty: every group membership is gone) and a push is sent
        # before the channels joined their groups again
        await asyncio.to_thread(own_redis.kill)
        await asyncio.sleep(1)
        await asyncio.to_thread(own_redis.start)
        await layer.group_send(GROUP, PUSH)  # (lost: nobody is in the group in Redis yet)
        hints = await asyncio.wait_for(asyncio.gather(*waiting), RECEIVE_SECONDS)

        # then each channel is told to resync, and the next push reaches both again
        started = time.monotonic()
        await layer.group_send(GROUP, PUSH)
        after = await asyncio.wait_for(
            asyncio.gather(layer.receive(first), layer.receive(second)), RECEIVE_SECONDS
        )
        await layer.flush()
        return hints, after, time.monotonic() - started

    hints, after, seconds = asyncio.run(scenario())

    assert hints == [RESYNC, RESYNC]
    assert RESYNC == {"type": "tenant.message", "message": {"type": "resync", "data": {}}}
    assert after == [PUSH, PUSH]
    assert seconds < 5


def test_a_channel_that_left_its_groups_is_not_told_to_resync(own_redis):
    async def scenario():
        layer = _layer(own_redis)
        # given a socket that joined a group and left it (it closed), and one still in it
        gone, staying = await layer.new_channel(), await layer.new_channel()
        await layer.group_add(GROUP, gone)
        await layer.group_discard(GROUP, gone)
        await layer.group_add(GROUP, staying)
        waiting = asyncio.create_task(layer.receive(staying))
        await asyncio.sleep(0.5)

        # when Redis restarts
        await asyncio.to_thread(own_redis.kill)
        await asyncio.sleep(1)
        await asyncio.to_thread(own_redis.start)
        hint = await asyncio.wait_for(waiting, RECEIVE_SECONDS)

        # then only the one still in a group hears of it
        await layer.send(gone, {"type": "probe"})
        left_over = await asyncio.wait_for(layer.receive(gone), RECEIVE_SECONDS)
        await layer.flush()
        return hint, left_over, layer.rejoin

    hint, left_over, rejoin = asyncio.run(scenario())

    assert hint == RESYNC
    assert left_over == {"type": "probe"}
    assert rejoin == set()


def test_a_cancelled_receive_stops_even_when_the_redis_client_answers_with_a_connection_error(
    monkeypatch,
):
    # given a Redis client that, cancelled mid-read, raises a connection error instead of the
    # cancellation (the client's behaviour, outside our control; seen as a socket that never
    # finished closing in a test run)
    reads = []

    async def read_until_cancelled(self, channel):
        reads.append(channel)
        if len(reads) > 1:  # a retry: answered, so that a regression fails instead of hanging
            return {"type": "read.again"}
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            raise RedisConnectionError("Connection closed by server.") from None

    monkeypatch.setattr(RedisChannelLayer, "receive", read_until_cancelled)
    layer = ResilientRedisChannelLayer(hosts=["redis://127.0.0.1:1"], prefix="test-layer")

    async def scenario():
        receiving = asyncio.create_task(layer.receive("specific.abc!def"))
        await asyncio.sleep(0.1)
        # when the socket closes and its receive is cancelled
        receiving.cancel()
        await asyncio.wait([receiving], timeout=2)
        return receiving.done() and receiving.cancelled()

    # then the receive ends, cancelled, instead of retrying
    assert asyncio.run(scenario()) is True
    assert len(reads) == 1
