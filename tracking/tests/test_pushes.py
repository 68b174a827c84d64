"""`order.updated` / `route.updated` reach the business's dispatchers after every change, and a
driver moving on a started route gets live ETAs pushed (through the real Celery worker)."""

import asyncio
from datetime import timedelta

from asgiref.sync import async_to_sync, sync_to_async
from django.utils import timezone

from delivery.arrival import arrival_window as eta_window
from delivery.models import Order
from delivery.services import order_transition
from delivery.tests.factories import TEST_ACTOR, make_order
from routing.models import Route, Stop
from routing.services import route_status_set
from tenants.accounts.models import Role
from tests.realtime import DISCONNECT_SECONDS, QUIET_SECONDS, communicator, session_cookie
from tracking.tests.helpers import driver_of, point

DISPATCH_SOCKET = "/ws/dispatch/"


async def _watch(world, cookie):
    socket = communicator(world.host, cookie=cookie, path=DISPATCH_SOCKET)
    assert await socket.connect(timeout=5) == (True, None)
    assert (await socket.receive_json_from(timeout=5))["type"] == "hello"
    return socket


def test_order_and_route_changes_are_pushed_with_the_contract_shapes(
    committed_tenant, committed_db
):
    # given a planned route with one assigned order, and dispatchers of A and B watching
    world, other = committed_tenant("push-a"), committed_tenant("push-b")
    driver = driver_of(world)
    now = timezone.now()
    with world.use():
        order = make_order(delivery_date=now.date())
        route = Route.objects.create(
            delivery_date=now.date(),
            driver=driver,
            status=Route.Status.DISPATCHED,
            start_lat=52.3,
            start_lng=4.8,
            planned_start=now,
            planned_end=now + timedelta(hours=2),
        )
        Stop.objects.create(
            route=route,
            order=order,
            sequence=1,
            planned_arrival=now + timedelta(minutes=30),
            planned_departure=now + timedelta(minutes=35),
        )
        order_transition(order_id=order.pk, to="assigned", actor=TEST_ACTOR, driver=driver)
        Order.objects.filter(pk=order.pk).update(
            route_id=route.pk, sequence=1, eta=now + timedelta(minutes=30)
        )
    cookies = session_cookie(world, Role.DISPATCHER), session_cookie(other, Role.DISPATCHER)

    def start():
        with world.use():
            route_status_set(route=route, to=Route.Status.STARTED, actor=TEST_ACTOR)

    async def scenario():
        ours, theirs = await _watch(world, cookies[0]), await _watch(other, cookies[1])
        try:
            # when the route starts (its order goes out for delivery)
            await sync_to_async(start)()
            got = [await ours.receive_json_from(timeout=5) for _ in range(2)]
            return got, await theirs.receive_nothing(timeout=QUIET_SECONDS)
        finally:
            await asyncio.gather(
                *(s.disconnect(timeout=DISCONNECT_SECONDS) for s in (ours, theirs))
            )

    got, quiet = async_to_sync(scenario)()

    # then
    with world.use():
        order.refresh_from_db()
        route.refresh_from_db()
    assert got == [
        {
            "type": "order.updated",
            "data": {
                "id": str(order.pk),
                "status": "out_for_delivery",
                "driver": str(driver.pk),
                "route": str(route.pk),
                "sequence": 1,
                "eta": order.eta.isoformat(),
                "eta_window": eta_window(order.eta),
                "updated_at": order.updated_at.isoformat(),
            },
        },
        {
            "type": "route.updated",
            "data": {
                "id": str(route.pk),
                "status": "started",
                "driver": str(driver.pk),
                "delivery_date": now.date().isoformat(),
                "stops_done": 0,
                "stops_total": 1,
                "updated_at": route.updated_at.isoformat(),
            },
        },
    ]
    assert quiet is True


def test_a_driver_moving_on_a_started_route_gets_live_etas_pushed(
    committed_tenant, committed_db, celery_worker
):
    # given a started route with one order out for delivery
    world = committed_tenant("push-eta")
    driver = driver_of(world)
    now = timezone.now()
    with world.use():
        order = make_order(delivery_date=now.date(), location=(52.3752, 4.8840))
        route = Route.objects.create(
            delivery_date=now.date(),
            driver=driver,
            status=Route.Status.STARTED,
            start_lat=52.3,
            start_lng=4.8,
            planned_start=now,
            planned_end=now + timedelta(hours=2),
            started_at=now,
        )
        Stop.objects.create(
            route=route,
            order=order,
            sequence=1,
            planned_arrival=now + timedelta(minutes=30),
            planned_departure=now + timedelta(minutes=35),
        )
        order_transition(order_id=order.pk, to="assigned", actor=TEST_ACTOR, driver=driver)
        order_transition(order_id=order.pk, to="out_for_delivery", actor=TEST_ACTOR)
    cookies = session_cookie(world, Role.DISPATCHER), session_cookie(world, Role.DRIVER)
    sent = point(seconds_ago=1, lat=52.30, lng=4.80)

    async def scenario():
        dashboard = await _watch(world, cookies[0])
        phone = communicator(world.host, cookie=cookies[1], path="/ws/driver/")
        try:
            assert await phone.connect(timeout=5) == (True, None)
            assert (await phone.receive_json_from(timeout=5))["type"] == "hello"
            # when the driver's phone sends a position
            await phone.send_json_to({"type": "position", **sent})
            accepted = await phone.receive_json_from(timeout=5)
            got = []
            while len(got) < 3:
                got.append(await dashboard.receive_json_from(timeout=30))
            return accepted, got
        finally:
            await asyncio.gather(
                *(s.disconnect(timeout=DISCONNECT_SECONDS) for s in (dashboard, phone))
            )

    accepted, got = async_to_sync(scenario)()

    # then the position, then (from the worker) the new ETA and the route
    with world.use():
        stop = Stop.objects.get(order=order)
        order.refresh_from_db()
    assert accepted["type"] == "position.accepted"
    assert [m["type"] for m in got] == ["driver.position", "order.updated", "route.updated"]
    assert got[0]["data"]["route"] == str(route.pk)
    assert stop.eta is not None and stop.eta == order.eta
    assert got[1]["data"]["eta"] == order.eta.isoformat()
    assert got[1]["data"]["eta_window"] == eta_window(order.eta)
