"""`/ws/driver/` in, `/ws/dispatch/` out: in process (Channels' communicator, real Redis layer)
and through the running ASGI server. The middleware reads sessions from other threads, so these
tests use committed businesses."""

import asyncio
import json
from datetime import timedelta

from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.utils import timezone
from websockets.sync.client import connect

from delivery.models import Order
from delivery.tests.factories import make_order
from tenants.accounts.models import Role
from tenants.channel_layer import RESYNC
from tests.realtime import DISCONNECT_SECONDS, QUIET_SECONDS, communicator, session_cookie
from tracking.consumers import CLOSE_FORBIDDEN, CoalescingSender
from tracking.groups import dispatch_group, driver_group, track_group
from tracking.models import Position
from tracking.tests.helpers import driver_of, point

DRIVER_SOCKET = "/ws/driver/"
DISPATCH_SOCKET = "/ws/dispatch/"


async def _opened(host, cookie, path):
    socket = communicator(host, cookie=cookie, path=path)
    assert await socket.connect(timeout=5) == (True, None)
    assert (await socket.receive_json_from(timeout=5))["type"] == "hello"
    return socket


def test_a_position_is_accepted_stored_and_reaches_only_its_businesss_dispatchers(
    committed_tenant, committed_db
):
    # given a driver of A, a dispatcher of A and one of B watching
    world, other = committed_tenant("trk-in-a"), committed_tenant("trk-in-b")
    driver = driver_of(world)
    someone = driver_of(other)
    cookies = (
        session_cookie(world, Role.DRIVER),
        session_cookie(world, Role.DISPATCHER),
        session_cookie(other, Role.DISPATCHER),
    )
    sent = point(seconds_ago=1)
    claimed = {**sent, "type": "position", "driver": str(someone.pk)}  # not theirs to say

    async def scenario():
        phone = await _opened(world.host, cookies[0], DRIVER_SOCKET)
        ours = await _opened(world.host, cookies[1], DISPATCH_SOCKET)
        theirs = await _opened(other.host, cookies[2], DISPATCH_SOCKET)
        try:
            # when
            await phone.send_json_to(claimed)
            answer = await phone.receive_json_from(timeout=5)
            pushed = await ours.receive_json_from(timeout=5)
            quiet = await theirs.receive_nothing(timeout=QUIET_SECONDS)
            return answer, pushed, quiet
        finally:
            await asyncio.gather(
                *(s.disconnect(timeout=DISCONNECT_SECONDS) for s in (phone, ours, theirs))
            )

    answer, pushed, quiet = async_to_sync(scenario)()

    # then
    assert answer == {"type": "position.accepted", "data": {"recorded_at": sent["recorded_at"]}}
    assert pushed == {
        "type": "driver.position",
        "data": {
            "driver": str(driver.pk),
            "route": None,
            "lat": 52.3702,
            "lng": 4.8952,
            "accuracy": 8.0,
            "heading": 90.0,
            "speed": 6.5,
            "recorded_at": sent["recorded_at"],
        },
    }
    assert quiet is True
    with world.use():
        assert list(Position.objects.values_list("driver_id", flat=True)) == [driver.pk]
    with other.use():
        assert Position.objects.count() == 0


def test_a_resync_hint_reaches_each_socket_in_the_shape_its_page_reads(
    committed_tenant, committed_db
):
    # given a dispatcher's socket, a driver's route socket and a recipient's tracking socket,
    # and a change that was never pushed (as one made while the channel layer was away)
    world = committed_tenant("trk-resync")
    driver = driver_of(world)
    with world.use():
        order = make_order()
    cookies = (session_cookie(world, Role.DISPATCHER), session_cookie(world, Role.DRIVER))
    tenant_id = world.tenant.pk

    async def scenario():
        office = await _opened(world.host, cookies[0], DISPATCH_SOCKET)
        phone = await _opened(world.host, cookies[1], "/ws/driver/route/")
        recipient = communicator(world.host, path=f"/ws/track/{order.tracking_token}/")
        assert await recipient.connect(timeout=5) == (True, None)
        first = await recipient.receive_json_from(timeout=5)
        try:
            await sync_to_async(_silently_assigned)(world, order, driver)
            # when the channel layer tells each socket to resync (it joined its groups again)
            layer = get_channel_layer()
            await layer.group_send(dispatch_group(tenant_id=tenant_id), RESYNC)
            await layer.group_send(driver_group(tenant_id=tenant_id, driver_id=driver.pk), RESYNC)
            await layer.group_send(track_group(tenant_id=tenant_id, order_id=order.pk), RESYNC)
            return (
                await office.receive_json_from(timeout=5),
                await phone.receive_json_from(timeout=5),
                first,
                await recipient.receive_json_from(timeout=5),
            )
        finally:
            await asyncio.gather(
                *(s.disconnect(timeout=DISCONNECT_SECONDS) for s in (office, phone, recipient))
            )

    office, phone, first, recipient = async_to_sync(scenario)()

    # then the dashboard and the phone are told to re-read over the API, and the tracking page
    # is sent its order as it is now
    assert office == {"type": "resync", "data": {}}
    assert phone == {"type": "resync", "data": {}}
    assert (first["type"], first["data"]["status"]) == ("tracking.updated", "unassigned")
    assert (recipient["type"], recipient["data"]["status"]) == ("tracking.updated", "assigned")


def _silently_assigned(world, order, driver) -> None:
    with world.use():
        Order.objects.filter(pk=order.pk).update(status="assigned", driver=driver)


def test_bad_positions_are_rejected_with_a_reason_and_never_stored(committed_tenant, committed_db):
    world = committed_tenant("trk-reject")
    driver_of(world)
    cookie = session_cookie(world, Role.DRIVER)
    now = timezone.now()
    good = point(now - timedelta(seconds=2))
    future = point(now + timedelta(minutes=5))
    far = point(lat=-91)
    older = point(now - timedelta(seconds=10))

    async def scenario():
        phone = await _opened(world.host, cookie, DRIVER_SOCKET)
        answers = []
        try:
            for message in (good, good, future, far, older):
                await phone.send_json_to({"type": "position", **message})
                answers.append(await phone.receive_json_from(timeout=5))
            await phone.send_to(text_data="{not json")
            answers.append(await phone.receive_json_from(timeout=5))
            await phone.send_json_to({"type": "hello"})
            answers.append(await phone.receive_json_from(timeout=5))
            return answers
        finally:
            await phone.disconnect(timeout=DISCONNECT_SECONDS)

    answers = async_to_sync(scenario)()

    def rejected(message, code, reason):
        return {
            "type": "position.rejected",
            "data": {"recorded_at": message["recorded_at"], "code": code, "reason": reason},
        }

    assert answers == [
        {"type": "position.accepted", "data": {"recorded_at": good["recorded_at"]}},
        rejected(good, "duplicate", "A position with this recorded_at was already accepted."),
        rejected(future, "future", "recorded_at is in the future; check the phone's clock."),
        rejected(far, "out_of_range", "lat must be between -90 and 90."),
        rejected(
            older,
            "out_of_order",
            f"recorded_at is before the newest accepted position ({good['recorded_at']}); "
            "send positions in the order they were taken.",
        ),
        {
            "type": "error",
            "data": {"code": "invalid_json", "message": "Messages must be JSON objects."},
        },
        {
            "type": "error",
            "data": {
                "code": "unknown_type",
                "message": 'Send {"type": "position", "lat", "lng", …}.',
            },
        },
    ]
    with world.use():
        assert Position.objects.count() == 1


def test_only_drivers_with_a_profile_may_open_the_driver_socket(committed_tenant, committed_db):
    world = committed_tenant("trk-who")
    dispatcher = session_cookie(world, Role.DISPATCHER)
    driver_without_profile = session_cookie(world, Role.DRIVER)

    async def attempt(cookie):
        socket = communicator(world.host, cookie=cookie, path=DRIVER_SOCKET)
        try:
            assert await socket.connect(timeout=5) == (True, None)
            said = await socket.receive_json_from(timeout=5)
            return said, await socket.receive_output(timeout=5)
        finally:
            await socket.disconnect(timeout=DISCONNECT_SECONDS)

    async def anonymous():
        socket = communicator(world.host, path=DRIVER_SOCKET)
        try:
            await socket.connect(timeout=5)
            return await socket.receive_output(timeout=5)
        finally:
            await socket.disconnect(timeout=DISCONNECT_SECONDS)

    not_a_driver = {
        "type": "error",
        "data": {
            "code": "not_a_driver",
            "message": "Only drivers with a driver profile may send.",
        },
    }
    closed = {"type": "websocket.close", "code": CLOSE_FORBIDDEN}
    assert async_to_sync(attempt)(dispatcher) == (not_a_driver, closed)
    assert async_to_sync(attempt)(driver_without_profile) == (not_a_driver, closed)
    assert async_to_sync(anonymous)() == {"type": "websocket.close", "code": 4401}


def test_a_slow_dashboard_gets_the_newest_position_per_driver_not_a_backlog():
    # given a socket whose sends are slow (a dashboard on a bad connection)
    async def scenario():
        sent, gate = [], asyncio.Event()

        async def slow_send(message):
            await gate.wait()
            sent.append(message)

        outbox = CoalescingSender(slow_send)
        try:
            outbox.put({"type": "order.updated", "data": {"id": "o1", "status": "assigned"}})
            await asyncio.sleep(0)  # the sender takes the first message and blocks on it
            # when 100 positions of two drivers and an order change arrive meanwhile
            for n in range(50):
                for driver in ("d1", "d2"):
                    outbox.put({"type": "driver.position", "data": {"driver": driver, "n": n}})
            outbox.put({"type": "optimization.updated", "data": {"id": "j1"}})
            backlog = len(outbox.pending)
            gate.set()
            for _ in range(20):
                await asyncio.sleep(0)
            return backlog, sent
        finally:
            outbox.stop()

    backlog, sent = async_to_sync(scenario)()

    # then only the newest per driver waited, and went out after the first message
    assert backlog == 3
    assert sent == [
        {"type": "order.updated", "data": {"id": "o1", "status": "assigned"}},
        {"type": "driver.position", "data": {"driver": "d1", "n": 49}},
        {"type": "driver.position", "data": {"driver": "d2", "n": 49}},
        {"type": "optimization.updated", "data": {"id": "j1"}},
    ]


# --- through the real ASGI server and Redis ---------------------------------------------------


def _real(asgi_server, host: str, path: str, cookie: str):
    return connect(
        f"ws://{host}:{asgi_server.port}{path}",
        address=("127.0.0.1", asgi_server.port),
        proxy=None,
        additional_headers={"Cookie": cookie},
        open_timeout=10,
        close_timeout=5,
    )


def test_real_server_driver_to_dispatcher(asgi_server, committed_tenant, committed_db):
    # given
    world, other = committed_tenant("trk-live-a"), committed_tenant("trk-live-b")
    driver = driver_of(world)
    driver_cookie = session_cookie(world, Role.DRIVER)
    dispatcher_cookie = session_cookie(world, Role.DISPATCHER)
    stranger_cookie = session_cookie(other, Role.DISPATCHER)
    sent = [point(seconds_ago=3), point(seconds_ago=2)]

    with (
        _real(asgi_server, world.host, DISPATCH_SOCKET, dispatcher_cookie) as dashboard,
        _real(asgi_server, other.host, DISPATCH_SOCKET, stranger_cookie) as stranger,
        _real(asgi_server, world.host, DRIVER_SOCKET, driver_cookie) as phone,
    ):
        assert json.loads(dashboard.recv(timeout=10))["type"] == "hello"
        assert json.loads(stranger.recv(timeout=10))["type"] == "hello"
        assert json.loads(phone.recv(timeout=10)) == {
            "type": "hello",
            "data": {"driver": str(driver.pk), "newest": None},
        }
        answers, pushed = [], []
        # when the phone sends two positions
        for message in sent:
            phone.send(json.dumps({"type": "position", **message}))
            answers.append(json.loads(phone.recv(timeout=10)))
            pushed.append(json.loads(dashboard.recv(timeout=10)))
        try:
            stranger.recv(timeout=QUIET_SECONDS)
            stranger_quiet = False
        except TimeoutError:
            stranger_quiet = True

    # then both were accepted, stored, and shown to A's dispatcher only
    assert [a["type"] for a in answers] == ["position.accepted"] * 2
    assert [(p["type"], p["data"]["driver"], p["data"]["recorded_at"]) for p in pushed] == [
        ("driver.position", str(driver.pk), message["recorded_at"]) for message in sent
    ]
    assert stranger_quiet
    with world.use():
        assert Position.objects.filter(driver=driver).count() == 2


def test_positions_fan_out_across_two_server_processes(
    asgi_server, asgi_server_b, committed_tenant, committed_db
):
    # given a dispatcher's socket on one server process and the driver's phone on another
    world = committed_tenant("trk-two-proc")
    driver = driver_of(world)
    assert asgi_server.process.pid != asgi_server_b.process.pid
    sent = [point(seconds_ago=3), point(seconds_ago=2)]

    with (
        _real(asgi_server, world.host, DISPATCH_SOCKET, session_cookie(world)) as dashboard,
        _real(
            asgi_server_b, world.host, DRIVER_SOCKET, session_cookie(world, Role.DRIVER)
        ) as phone,
    ):
        assert json.loads(dashboard.recv(timeout=10))["type"] == "hello"
        assert json.loads(phone.recv(timeout=10))["type"] == "hello"
        answers, pushed = [], []
        # when the phone sends two positions to its process
        for message in sent:
            phone.send(json.dumps({"type": "position", **message}))
            answers.append(json.loads(phone.recv(timeout=10)))
            pushed.append(json.loads(dashboard.recv(timeout=10)))

    # then the dispatcher on the other process saw both, through the Redis channel layer
    assert [a["type"] for a in answers] == ["position.accepted"] * 2
    assert [(p["type"], p["data"]["driver"], p["data"]["recorded_at"]) for p in pushed] == [
        ("driver.position", str(driver.pk), message["recorded_at"]) for message in sent
    ]
    with world.use():
        assert Position.objects.filter(driver=driver).count() == 2
