"""Websockets on `/ws/ping/`: the business from the Host header, the user from its session, and
groups that never cross businesses. In-process with Channels' communicator (real Redis channel
layer), and over a real socket against the running ASGI server.

The middleware looks the tenant and the session up from other threads and processes, which see
only committed rows: the tests here use `committed_tenant` and `committed_db`.
"""

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tenants.accounts.models import Role
from tenants.consumers import CLOSE_UNAUTHENTICATED
from tenants.realtime import tenant_broadcast, tenant_group
from tests.realtime import (
    DISCONNECT_SECONDS,
    IDLE_SECONDS,
    QUIET_SECONDS,
    close_after_accept,
    communicator,
    real_exchange,
    real_quiet,
    real_socket,
    refused,
    session_cookie,
    sockets,
)

# --- in process (WebsocketCommunicator on config.asgi.application) ---------------------------


def test_tenant_group_carries_the_tenant_id():
    assert tenant_group(tenant_id=42, name="ping") == "tenant-42.ping"
    assert tenant_group(tenant_id=7, name="ping") != tenant_group(tenant_id=42, name="ping")


def test_ping_answers_with_tenant_user_and_echo(committed_tenant, committed_db):
    # given
    world = committed_tenant("rt-ping")
    cookie = session_cookie(world, Role.DISPATCHER)

    async def scenario():
        async with sockets((world.host, cookie)) as (socket,):
            # when
            await socket.send_json_to({"type": "ping", "data": {"n": 1, "text": "héllo"}})
            return await socket.receive_json_from(timeout=5)

    answer = async_to_sync(scenario)()

    # then
    assert answer == {
        "type": "pong",
        "data": {
            "tenant": "rt-ping",
            "user": "dispatcher@rt-ping.test",
            "echo": {"n": 1, "text": "héllo"},
        },
    }


def test_socket_without_session_is_closed_4401(committed_tenant, committed_db):
    world = committed_tenant("rt-anon")

    accepted, message = async_to_sync(close_after_accept)(world.host)

    assert accepted == (True, None)
    assert message == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}
    assert CLOSE_UNAUTHENTICATED == 4401


def test_socket_with_unknown_session_key_is_closed_4401(committed_tenant, committed_db):
    world = committed_tenant("rt-badkey")

    accepted, message = async_to_sync(close_after_accept)(
        world.host, cookie=f"{settings.SESSION_COOKIE_NAME}=not-a-session-key"
    )

    assert accepted == (True, None)
    assert message == {"type": "websocket.close", "code": 4401}


def test_session_of_another_business_is_closed_4401(committed_tenant, committed_db):
    # given: a valid session of business A
    world_a = committed_tenant("rt-sess-a")
    world_b = committed_tenant("rt-sess-b")
    cookie_a = session_cookie(world_a, Role.OWNER)

    # when: it is presented on B's host
    accepted, message = async_to_sync(close_after_accept)(world_b.host, cookie=cookie_a)

    # then
    assert accepted == (True, None)
    assert message == {"type": "websocket.close", "code": 4401}


def test_session_of_deactivated_user_is_closed_4401(committed_tenant, committed_db):
    # given
    world = committed_tenant("rt-inactive")
    cookie = session_cookie(world, Role.DRIVER)
    with world.use():
        driver = world.users[Role.DRIVER]
        driver.is_active = False
        driver.save(update_fields=["is_active"])

    # when
    accepted, message = async_to_sync(close_after_accept)(world.host, cookie=cookie)

    # then
    assert accepted == (True, None)
    assert message == {"type": "websocket.close", "code": 4401}


def test_unknown_host_is_refused(committed_db):
    assert async_to_sync(refused)("nobody.localhost") == (False, 1000)


def test_public_host_is_refused(committed_db):
    assert async_to_sync(refused)(settings.BASE_DOMAIN) == (False, 1000)


def test_origin_from_another_host_is_refused(committed_tenant, committed_db):
    # given: a signed-in user of A whose browser runs a page of B (or of anyone)
    world_a = committed_tenant("rt-origin-a")
    world_b = committed_tenant("rt-origin-b")
    cookie = session_cookie(world_a, Role.OWNER)

    # when / then
    for origin in (f"http://{world_b.host}", "https://evil.example", "null"):
        assert async_to_sync(refused)(world_a.host, cookie=cookie, origin=origin) == (False, 1000)


def test_origin_of_the_same_host_is_accepted(committed_tenant, committed_db):
    world = committed_tenant("rt-origin-ok")
    cookie = session_cookie(world, Role.OWNER)

    async def scenario():
        socket = communicator(world.host, cookie=cookie, origin=f"http://{world.host}:8000")
        try:
            accepted = await socket.connect(timeout=5)
            await socket.send_json_to({"type": "ping"})
            return accepted, await socket.receive_json_from(timeout=5)
        finally:
            await socket.disconnect(timeout=DISCONNECT_SECONDS)

    accepted, answer = async_to_sync(scenario)()

    assert accepted == (True, None)
    assert answer == {
        "type": "pong",
        "data": {"tenant": "rt-origin-ok", "user": "owner@rt-origin-ok.test", "echo": None},
    }


def test_invalid_json_gets_an_error_and_the_socket_stays_open(committed_tenant, committed_db):
    world = committed_tenant("rt-json")
    cookie = session_cookie(world)

    async def scenario():
        async with sockets((world.host, cookie)) as (socket,):
            answers = []
            for text in ("{not json", "[1, 2]", '"a string"'):
                await socket.send_to(text_data=text)
                answers.append(await socket.receive_json_from(timeout=5))
            await socket.send_json_to({"type": "ping", "data": "still here"})
            answers.append(await socket.receive_json_from(timeout=5))
            return answers

    answers = async_to_sync(scenario)()

    error = {
        "type": "error",
        "data": {"code": "invalid_json", "message": "Messages must be JSON objects."},
    }
    assert answers == [
        error,
        error,
        error,
        {
            "type": "pong",
            "data": {"tenant": "rt-json", "user": "dispatcher@rt-json.test", "echo": "still here"},
        },
    ]


def test_unknown_type_gets_an_error(committed_tenant, committed_db):
    world = committed_tenant("rt-type")
    cookie = session_cookie(world)

    async def scenario():
        async with sockets((world.host, cookie)) as (socket,):
            await socket.send_json_to({"type": "dance", "data": 1})
            first = await socket.receive_json_from(timeout=5)
            await socket.send_json_to({"data": 1})
            return first, await socket.receive_json_from(timeout=5)

    first, second = async_to_sync(scenario)()

    assert first == {
        "type": "error",
        "data": {"code": "unknown_type", "message": "Unknown message type 'dance'; use 'ping'."},
    }
    assert second == {
        "type": "error",
        "data": {"code": "unknown_type", "message": "Unknown message type None; use 'ping'."},
    }


def test_socket_survives_an_idle_period(committed_tenant, committed_db):
    # given: a socket quiet for longer than the channel layer's blocking read
    world = committed_tenant("rt-idle")
    cookie = session_cookie(world)

    async def scenario():
        async with sockets((world.host, cookie)) as (socket,):
            await asyncio.sleep(IDLE_SECONDS)
            # when
            await socket.send_json_to({"type": "ping", "data": "awake"})
            return await socket.receive_json_from(timeout=5)

    answer = async_to_sync(scenario)()

    # then
    assert answer == {
        "type": "pong",
        "data": {"tenant": "rt-idle", "user": "dispatcher@rt-idle.test", "echo": "awake"},
    }


def test_broadcast_reaches_own_business_only(committed_tenant, committed_db):
    # given: two sockets in business A, one in business B
    world_a = committed_tenant("rt-cast-a")
    world_b = committed_tenant("rt-cast-b")
    cookie_a1 = session_cookie(world_a, Role.DISPATCHER)
    cookie_a2 = session_cookie(world_a, Role.DRIVER)
    cookie_b = session_cookie(world_b, Role.DISPATCHER)

    async def scenario():
        async with sockets(
            (world_a.host, cookie_a1), (world_a.host, cookie_a2), (world_b.host, cookie_b)
        ) as (a1, a2, b):
            # when: A's dispatcher broadcasts
            await a1.send_json_to({"type": "broadcast", "data": {"stop": 7}})
            got_a1 = await a1.receive_json_from(timeout=5)
            got_a2 = await a2.receive_json_from(timeout=5)
            b_quiet = await b.receive_nothing(timeout=QUIET_SECONDS)
            # and B's dispatcher broadcasts
            await b.send_json_to({"type": "broadcast", "data": {"stop": 9}})
            got_b = await b.receive_json_from(timeout=5)
            a1_quiet = await a1.receive_nothing(timeout=QUIET_SECONDS)
            a2_quiet = await a2.receive_nothing(timeout=QUIET_SECONDS)
            return got_a1, got_a2, b_quiet, got_b, a1_quiet, a2_quiet

    got_a1, got_a2, b_quiet, got_b, a1_quiet, a2_quiet = async_to_sync(scenario)()

    # then
    assert got_a1 == {"type": "broadcast", "data": {"stop": 7}}
    assert got_a2 == {"type": "broadcast", "data": {"stop": 7}}
    assert b_quiet is True
    assert got_b == {"type": "broadcast", "data": {"stop": 9}}
    assert a1_quiet is True
    assert a2_quiet is True


def test_sockets_join_the_tenant_group_and_tenant_broadcast_reaches_it(
    committed_tenant, committed_db
):
    # given
    world_a = committed_tenant("rt-group-a")
    world_b = committed_tenant("rt-group-b")
    cookie_a = session_cookie(world_a)
    cookie_b = session_cookie(world_b)

    async def scenario():
        async with sockets((world_a.host, cookie_a), (world_b.host, cookie_b)) as (a, b):
            # when: a message to A's group by its name, then one through tenant_broadcast
            await get_channel_layer().group_send(
                f"tenant-{world_a.tenant.pk}.ping",
                {"type": "tenant.message", "message": {"type": "raw", "data": 1}},
            )
            by_name = await a.receive_json_from(timeout=5)
            await sync_to_async(tenant_broadcast)(
                tenant_id=world_a.tenant.pk,
                name="ping",
                message={"type": "notice", "data": {"text": "hi A"}},
            )
            by_helper = await a.receive_json_from(timeout=5)
            b_quiet = await b.receive_nothing(timeout=QUIET_SECONDS)
            return by_name, by_helper, b_quiet

    by_name, by_helper, b_quiet = async_to_sync(scenario)()

    # then
    assert by_name == {"type": "raw", "data": 1}
    assert by_helper == {"type": "notice", "data": {"text": "hi A"}}
    assert b_quiet is True


# --- through the real ASGI server (uvicorn subprocess) ----------------------------------------


def test_real_server_ping_pong(asgi_server, committed_tenant, committed_db):
    world = committed_tenant("rt-live-ping")
    cookie = session_cookie(world, Role.ADMIN)

    with real_socket(asgi_server, world.host, cookie=cookie) as socket:
        answer = real_exchange(socket, {"type": "ping", "data": [1, "two"]})

    assert answer == {
        "type": "pong",
        "data": {"tenant": "rt-live-ping", "user": "admin@rt-live-ping.test", "echo": [1, "two"]},
    }


def test_real_server_broadcast_stays_in_its_business(asgi_server, committed_tenant, committed_db):
    # given
    world_a = committed_tenant("rt-live-a")
    world_b = committed_tenant("rt-live-b")
    cookie_a1 = session_cookie(world_a, Role.DISPATCHER)
    cookie_a2 = session_cookie(world_a, Role.DRIVER)
    cookie_b = session_cookie(world_b, Role.DISPATCHER)
    with (
        real_socket(asgi_server, world_a.host, cookie=cookie_a1) as a1,
        real_socket(asgi_server, world_a.host, cookie=cookie_a2) as a2,
        real_socket(asgi_server, world_b.host, cookie=cookie_b) as b,
    ):
        pongs = [real_exchange(s, {"type": "ping"})["data"] for s in (a1, a2, b)]

        # when
        a1.send(json.dumps({"type": "broadcast", "data": {"stop": 7}}))

        # then
        got_a1 = json.loads(a1.recv(timeout=10))
        got_a2 = json.loads(a2.recv(timeout=10))
        b_quiet = real_quiet(b)

    assert pongs == [
        {"tenant": "rt-live-a", "user": "dispatcher@rt-live-a.test", "echo": None},
        {"tenant": "rt-live-a", "user": "driver@rt-live-a.test", "echo": None},
        {"tenant": "rt-live-b", "user": "dispatcher@rt-live-b.test", "echo": None},
    ]
    assert got_a1 == {"type": "broadcast", "data": {"stop": 7}}
    assert got_a2 == {"type": "broadcast", "data": {"stop": 7}}
    assert b_quiet is True


def test_real_server_closes_anonymous_socket_4401(asgi_server, committed_tenant, committed_db):
    world = committed_tenant("rt-live-anon")

    with real_socket(asgi_server, world.host) as socket, pytest.raises(ConnectionClosed) as closed:
        socket.recv(timeout=10)

    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4401, "")


def test_real_server_refuses_unknown_host_and_foreign_origin(
    asgi_server, committed_tenant, committed_db
):
    world = committed_tenant("rt-live-deny")
    cookie = session_cookie(world, Role.OWNER)

    with pytest.raises(InvalidStatus) as unknown:
        real_socket(asgi_server, "nobody.localhost", cookie=cookie)
    with pytest.raises(InvalidStatus) as foreign:
        real_socket(asgi_server, world.host, cookie=cookie, origin="https://evil.example")

    assert unknown.value.response.status_code == 403
    assert foreign.value.response.status_code == 403
