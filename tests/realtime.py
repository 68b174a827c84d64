"""Websocket helpers for tests: sessions as cookies, in-process communicators, real sockets."""

import asyncio
import json
from collections.abc import Callable
from contextlib import asynccontextmanager

from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from websockets.sync.client import ClientConnection, connect

from config.asgi import application
from tenants.accounts.models import Role
from tenants.realtime import tenant_group

PATH = "/ws/ping/"
QUIET_SECONDS = 0.5  # how long a socket that must receive nothing is watched
# channels_redis lets a closing consumer's pending BZPOPMIN run out (5 s); the communicator
# cancels the consumer after this long instead.
DISCONNECT_SECONDS = 0.2
# Longer than channels_redis's blocking read of a socket's channel (BZPOPMIN, brpop_timeout=5 s).
IDLE_SECONDS = 6


def session_cookie(world, role: str = Role.DISPATCHER) -> str:
    """A `Cookie` header value signing `role` of `world` in (a session in its schema)."""
    client = Client(HTTP_HOST=world.host)
    with world.use():
        client.force_login(world.users[role])
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def communicator(
    host: str, *, cookie: str = "", origin: str = "", path: str = PATH
) -> WebsocketCommunicator:
    headers = [(b"host", host.encode())]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    if origin:
        headers.append((b"origin", origin.encode()))
    return WebsocketCommunicator(application, path, headers=headers)


@asynccontextmanager
async def sockets(*peers: tuple[str, str]):
    """One accepted socket per (host, cookie), each in its group: a ping answered after
    `connect` finished proves the group_add is done. All are closed on the way out."""
    opened: list[WebsocketCommunicator] = []
    try:
        for host, cookie in peers:
            socket = communicator(host, cookie=cookie)
            opened.append(socket)
            assert await socket.connect(timeout=5) == (True, None)
            await socket.send_json_to({"type": "ping", "data": "ready"})
            pong = await socket.receive_json_from(timeout=5)
            assert pong["type"] == "pong"
        yield opened
    finally:
        await asyncio.gather(*(s.disconnect(timeout=DISCONNECT_SECONDS) for s in opened))


async def refused(host: str, *, cookie: str = "", origin: str = "") -> tuple[bool, int]:
    socket = communicator(host, cookie=cookie, origin=origin)
    try:
        return await socket.connect(timeout=5)
    finally:
        await socket.disconnect(timeout=DISCONNECT_SECONDS)


async def close_after_accept(host: str, *, cookie: str = "") -> tuple[tuple, dict]:
    socket = communicator(host, cookie=cookie)
    try:
        accepted = await socket.connect(timeout=5)
        return accepted, await socket.receive_output(timeout=5)
    finally:
        await socket.disconnect(timeout=DISCONNECT_SECONDS)


def real_socket(asgi_server, host: str, *, cookie: str = "", origin: str | None = None):
    """A websocket to the ASGI server at 127.0.0.1, with `host` in the URL and Host header."""
    return connect(
        f"ws://{host}:{asgi_server.port}{PATH}",
        address=("127.0.0.1", asgi_server.port),
        proxy=None,
        origin=origin,
        additional_headers={"Cookie": cookie} if cookie else None,
        open_timeout=10,
        close_timeout=5,
    )


def real_exchange(socket: ClientConnection, message: dict) -> dict:
    socket.send(json.dumps(message))
    return json.loads(socket.recv(timeout=10))


def real_quiet(socket: ClientConnection) -> bool:
    try:
        socket.recv(timeout=QUIET_SECONDS)
    except TimeoutError:
        return True
    return False


def heard(*, tenant_id: int, names: list[str], action: Callable[[], object]) -> list[tuple]:
    """Run `action` (in this thread, so inside the test's transaction) while channels on the
    real Redis channel layer listen to the tenant's groups `names` (without the tenant); what
    reached them, as (name, message) pairs, once each group has been quiet for QUIET_SECONDS."""

    async def scenario():
        layer = get_channel_layer()
        channels = {name: await layer.new_channel() for name in names}
        for name, channel in channels.items():
            await layer.group_add(tenant_group(tenant_id=tenant_id, name=name), channel)
        try:
            await sync_to_async(action)()
            received = []
            for name, channel in channels.items():
                while True:
                    try:
                        event = await asyncio.wait_for(layer.receive(channel), QUIET_SECONDS)
                    except TimeoutError:
                        break
                    batch = event.get("messages") or [event["message"]]
                    received.extend((name, message) for message in batch)
            return received
        finally:
            for name, channel in channels.items():
                await layer.group_discard(tenant_group(tenant_id=tenant_id, name=name), channel)

    return async_to_sync(scenario)()
