"""`/ws/driver/route/`: a driver's phone hears about changes to its own route at once (issue 12):
only signed-in drivers may listen, each only to their own route, in their own business. In
process (Channels' communicator, real Redis layer), on committed businesses."""

import asyncio

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.test import Client
from django.utils import timezone

from delivery.models import Order
from delivery.tests.factories import TEST_ACTOR, make_driver, make_order
from routing.assignment import order_assign
from routing.tests.driver_routes import route_for_day
from tenants.accounts.models import Role
from tenants.consumers import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED
from tenants.selectors import tenant_time_zone
from tests.realtime import DISCONNECT_SECONDS, QUIET_SECONDS, communicator, session_cookie
from tracking.tests.helpers import driver_of

ROUTE_SOCKET = "/ws/driver/route/"
EVERY_DAY = {
    day: {"start": "00:00", "end": "23:59"}
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}


def _cookie_of(world, user) -> str:
    client = Client(HTTP_HOST=world.host)
    with world.use():
        client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


async def _listening(host: str, cookie: str):
    socket = communicator(host, cookie=cookie, path=ROUTE_SOCKET)
    assert await socket.connect(timeout=5) == (True, None)
    hello = await socket.receive_json_from(timeout=5)
    assert hello["type"] == "hello"
    return socket, hello


def test_only_drivers_may_listen(committed_tenant, committed_db):
    world = committed_tenant("drv-push-auth")
    driver_of(world)
    dispatcher = session_cookie(world, Role.DISPATCHER)

    async def scenario():
        anonymous = communicator(world.host, path=ROUTE_SOCKET)
        assert await anonymous.connect(timeout=5) == (True, None)
        closed_anonymous = await anonymous.receive_output(timeout=5)
        office = communicator(world.host, cookie=dispatcher, path=ROUTE_SOCKET)
        assert await office.connect(timeout=5) == (True, None)
        said = await office.receive_json_from(timeout=5)
        closed_office = await office.receive_output(timeout=5)
        return closed_anonymous, said, closed_office

    closed_anonymous, said, closed_office = async_to_sync(scenario)()

    assert closed_anonymous == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}
    assert said == {
        "type": "error",
        "data": {
            "code": "not_a_driver",
            "message": "Only drivers with a driver profile may listen.",
        },
    }
    assert closed_office == {"type": "websocket.close", "code": CLOSE_FORBIDDEN}


def test_an_order_assigned_to_a_driver_reaches_only_that_drivers_phone(
    committed_tenant, committed_db
):
    # given A's driver with a dispatched route today, another driver of A, and B's driver
    world, other = committed_tenant("drv-push-a"), committed_tenant("drv-push-b")
    driver = driver_of(world)
    theirs = driver_of(other)
    with world.use():
        driver.shifts = EVERY_DAY
        driver.start_lat, driver.start_lng = 52.3738, 4.8910
        driver.save(update_fields=["shifts", "start_lat", "start_lng"])
        today = timezone.localdate(timezone.now(), tenant_time_zone())
        route = route_for_day(driver, day=today, tz=tenant_time_zone(), count=2)
        colleague = make_driver(email="colleague@example.test")
        order = make_order(external_id="pushed", delivery_date=today, location=(52.3715, 4.89))
    cookies = (
        session_cookie(world, Role.DRIVER),
        _cookie_of(world, colleague.user),
        session_cookie(other, Role.DRIVER),
    )

    def assign():
        with world.use():
            order_assign(order_id=order.pk, driver=driver, actor=TEST_ACTOR)

    async def scenario():
        (phone, hello), (colleagues, _), (elsewhere, _) = [
            await _listening(host, cookie)
            for host, cookie in zip((world.host, world.host, other.host), cookies, strict=True)
        ]
        try:
            # when the dispatcher assigns the order to the driver
            await sync_to_async(assign)()
            heard = [await phone.receive_json_from(timeout=5)]
            while not await phone.receive_nothing(timeout=QUIET_SECONDS):
                heard.append(await phone.receive_json_from(timeout=5))
            quiet = [
                await colleagues.receive_nothing(timeout=QUIET_SECONDS),
                await elsewhere.receive_nothing(timeout=QUIET_SECONDS),
            ]
            return hello, heard, quiet
        finally:
            await asyncio.gather(
                *(s.disconnect(timeout=DISCONNECT_SECONDS) for s in (phone, colleagues, elsewhere))
            )

    hello, heard, quiet = async_to_sync(scenario)()

    # then the driver's phone is told its route changed, and which of its orders (the new one,
    # and those re-timed around it), once each; nobody else hears anything
    assert hello == {"type": "hello", "data": {"driver": str(driver.pk)}}
    with world.use():
        assert Order.objects.get(pk=order.pk).route_id == route.pk
        on_route = {
            str(pk) for pk in Order.objects.filter(route_id=route.pk).values_list("pk", flat=True)
        }
    routes = [message for message in heard if message["type"] == "route.changed"]
    orders = [message["data"]["order"] for message in heard if message["type"] == "order.changed"]
    assert routes == [
        {"type": "route.changed", "data": {"route": str(route.pk), "status": "dispatched"}}
    ]
    assert len(heard) == len(routes) + len(orders)
    assert str(order.pk) in orders
    assert len(orders) == len(set(orders)) and set(orders) <= on_route
    assert quiet == [True, True]
    assert theirs.pk != driver.pk
