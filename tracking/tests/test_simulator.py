"""The demo's simulated phone (tracking.simulator) for a few steps against the live server: it
drives to each stop, delivers, drives back and completes the route, all through the API as the
driver, as a phone would."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from delivery.models import DeliveryAttempt, Order, OrderStatus
from delivery.services import order_transition
from delivery.tests.factories import TEST_ACTOR, make_order
from routing.models import Route, Stop
from routing.services import route_status_set
from tests.recorded_http import Recorded, RecordedServer
from tracking.models import Position
from tracking.simulator import PhoneApi, PhoneSimulator, driver_session, metres
from tracking.tests.helpers import driver_of

DEPOT = (52.0968, 5.1385)
PLACES = [(52.0953, 5.1262), (52.0915, 5.1345)]  # ~850 m and ~600 m from the depot


def under_way(world, *, started=True):
    driver = driver_of(world)
    now = timezone.now()
    today = timezone.localdate(now, ZoneInfo(world.tenant.time_zone))  # the business's day
    with world.use():
        route = Route.objects.create(
            delivery_date=today,
            driver=driver,
            status=Route.Status.DISPATCHED,
            start_lat=DEPOT[0],
            start_lng=DEPOT[1],
            end_lat=DEPOT[0],
            end_lng=DEPOT[1],
            planned_start=now,
            planned_end=now + timedelta(hours=1),
        )
        orders = []
        for sequence, place in enumerate(PLACES, start=1):
            order = make_order(
                delivery_date=today,
                location=place,
                service_seconds=60,
                recipient_name=f"Recipient {sequence}",
            )
            Stop.objects.create(
                route=route,
                order=order,
                sequence=sequence,
                planned_arrival=now + timedelta(minutes=10 * sequence),
                planned_departure=now + timedelta(minutes=10 * sequence + 1),
            )
            order_transition(order_id=order.pk, to="assigned", actor=TEST_ACTOR, driver=driver)
            Order.objects.filter(pk=order.pk).update(route_id=route.pk, sequence=sequence)
            orders.append(order)
        if started:
            route_status_set(route=route, to=Route.Status.STARTED, actor=TEST_ACTOR)
    return driver, route, orders


def test_the_phone_drives_delivers_and_completes_through_the_api(
    asgi_server, committed_tenant, committed_db
):
    # given a started route of two stops, and the driver's phone at the depot
    world = committed_tenant("simulator")
    driver, route, orders = under_way(world)
    with world.use():
        api = PhoneApi(
            base_url=f"http://127.0.0.1:{asgi_server.port}",
            host=world.host,
            session_key=driver_session(driver),
        )
        phone = PhoneSimulator(driver=driver, api=api, speed_kmh=36)  # 10 m/s
        start = timezone.now() - timedelta(minutes=10)

        def step(seconds):
            return phone.step(start + timedelta(seconds=seconds))

        # when: at 10 m/s, one step every 30 or 60 s (fixes minutes old: the server refuses
        # fixes from the future)
        steps = [step(0), step(30)]
        halfway = phone.position
        steps += [step(seconds) for seconds in (60, 90, 120, 180, 240, 300, 360, 420, 480)]
        positions = list(Position.objects.filter(driver=driver).order_by("recorded_at"))
        statuses = [Order.objects.get(pk=order.pk).status for order in orders]
        attempts = list(DeliveryAttempt.objects.filter(order__in=orders).order_by("attempted_at"))
        route.refresh_from_db()

    # then
    assert steps == [
        "driving",  # at the depot, heading out
        "driving",  # 300 m on
        "driving",  # 600 m
        "arrived",  # 859 m: at the first stop, 60 s of handing over
        "waiting",
        "delivered",
        "driving",  # 600 m of 708 to the second stop
        "arrived",
        "delivered",
        "driving",  # 600 m of 649 back to the depot
        "completed",
    ]
    assert round(metres(DEPOT, halfway)) == 300
    assert len(positions) == len(steps)
    assert (positions[0].lat, positions[0].lng) == DEPOT
    assert (positions[-1].lat, positions[-1].lng) == DEPOT
    assert all(p.accuracy == 8.0 and p.route_id == route.pk for p in positions)
    assert statuses == [OrderStatus.DELIVERED, OrderStatus.DELIVERED]
    assert [(a.outcome, a.driver_id, a.recipient_name) for a in attempts] == [
        ("delivered", driver.pk, "Recipient"),
        ("delivered", driver.pk, "Recipient"),
    ]
    assert route.status == Route.Status.COMPLETED


def test_without_a_route_under_way_the_phone_idles(asgi_server, committed_tenant, committed_db):
    world = committed_tenant("simidle")
    driver = driver_of(world)
    with world.use():
        api = PhoneApi(
            base_url=f"http://127.0.0.1:{asgi_server.port}",
            host=world.host,
            session_key=driver_session(driver),
        )
        phone = PhoneSimulator(driver=driver, api=api)

        assert [phone.step(), phone.step()] == ["idle", "idle"]
        assert Position.objects.filter(driver=driver).count() == 0


class RecordingPhone:
    """The API side, recorded (the live-server test above covers the HTTP)."""

    def __init__(self):
        self.positions, self.delivered, self.completed = [], [], []

    def position(self, *, at, moment, bearing, speed):
        self.positions.append((round(at[0], 6), round(at[1], 6)))

    def delivered(self, *, order_id, at, recipient):
        self.delivered.append(order_id)

    def complete(self, *, route_id):
        self.completed.append(route_id)

    def start(self, *, route_id):
        raise AssertionError("this phone's route is under way already")


def test_with_a_routing_server_the_phone_follows_the_road(tenant_a, settings):
    # given a route under way to one stop, and an OSRM server whose road turns a corner
    driver, route, orders = under_way(tenant_a)
    stop = PLACES[0]
    corner = (DEPOT[0], stop[1])  # west along the street first, then north-south

    def osrm(request):
        pairs = [[DEPOT[1], DEPOT[0]], [corner[1], corner[0]], [stop[1], stop[0]]]
        return Recorded(body={"code": "Ok", "routes": [{"geometry": {"coordinates": pairs}}]})

    with RecordedServer(osrm) as server, tenant_a.use():
        settings.ROUTING_MATRIX_PROVIDER, settings.ROUTING_MATRIX_URL = "osrm", server.url
        phone = PhoneSimulator(driver=driver, api=RecordingPhone(), speed_kmh=36)
        start = timezone.now()
        along = metres(DEPOT, corner)  # 843 m to the corner, then 167 m to the stop

        # when: just past the corner, then on
        steps = [phone.step(start), phone.step(start + timedelta(seconds=60))]
        steps.append(phone.step(start + timedelta(seconds=60 + (along - 600 + 50) / 10)))
        at_corner_plus_50 = phone.position
        steps.append(phone.step(start + timedelta(seconds=200)))

    # then: it drove along the street to the corner, turned, and reached the stop
    assert steps == ["driving", "driving", "driving", "arrived"]
    assert at_corner_plus_50[1] == pytest.approx(corner[1], abs=1e-9)  # on the second street
    assert round(metres(corner, at_corner_plus_50)) == 50
    assert phone.position == stop
    assert server.requests[0].path.startswith("/route/v1/driving/")


def test_a_dispatched_route_is_started_by_the_phone_when_its_time_has_come(
    asgi_server, committed_tenant, committed_db
):
    # given a dispatched route planned to leave a minute ago
    world = committed_tenant("simstart")
    driver, route, orders = under_way(world, started=False)
    with world.use():
        Route.objects.filter(pk=route.pk).update(
            planned_start=timezone.now() - timedelta(minutes=1)
        )
        api = PhoneApi(
            base_url=f"http://127.0.0.1:{asgi_server.port}",
            host=world.host,
            session_key=driver_session(driver),
        )
        waiting = PhoneSimulator(driver=driver, api=api)  # a phone that leaves starting to us
        phone = PhoneSimulator(driver=driver, api=api, starts_routes=True)

        # when
        steps = [waiting.step(), phone.step()]
        route.refresh_from_db()
        statuses = [Order.objects.get(pk=order.pk).status for order in orders]

    # then: started through the API, as the driver; its orders are on their way
    assert steps == ["idle", "driving"]
    assert route.status == Route.Status.STARTED
    assert statuses == [OrderStatus.OUT_FOR_DELIVERY, OrderStatus.OUT_FOR_DELIVERY]
