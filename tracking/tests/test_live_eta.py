"""Live ETAs from positions, the once-only approach marker, arrival suggestions, retention."""

from datetime import timedelta

import time_machine
from django.test import override_settings
from django.utils import timezone

from delivery.arrival import arrival_window
from delivery.models import Order
from delivery.services import order_transition
from delivery.tests.factories import TEST_ACTOR, make_driver, make_order
from notifications.models import Event
from routing import matrices
from routing.models import Route, Stop
from tracking import state
from tracking.models import OrderApproach, Position
from tracking.selectors import tracking_snapshot
from tracking.services import (
    PositionEntry,
    order_approach_mark,
    positions_purge,
    positions_store,
    route_live_eta_update,
    stop_arrival_detect,
)
from tracking.validation import PositionInput

FAR = (52.3000, 4.8000)
STOPS = [(52.3752, 4.8840), (52.3600, 4.9000)]


def started_route():
    driver = make_driver()
    now = timezone.now()
    route = Route.objects.create(
        delivery_date=now.date(),
        driver=driver,
        status=Route.Status.STARTED,
        start_lat=FAR[0],
        start_lng=FAR[1],
        planned_start=now,
        planned_end=now + timedelta(hours=4),
        started_at=now,
    )
    stops = []
    for sequence, (lat, lng) in enumerate(STOPS, start=1):
        order = make_order(location=(lat, lng), delivery_date=now.date())
        order_transition(order_id=order.pk, to="assigned", actor=TEST_ACTOR, driver=driver)
        order_transition(order_id=order.pk, to="out_for_delivery", actor=TEST_ACTOR)
        stops.append(
            Stop.objects.create(
                route=route,
                order=order,
                sequence=sequence,
                planned_arrival=now + timedelta(hours=sequence),
                planned_departure=now + timedelta(hours=sequence, minutes=5),
            )
        )
    return route, stops


def at(driver_id, where, seconds_ago=0.0):
    lat, lng = where
    positions_store(
        entries=[
            PositionEntry(
                driver_id=driver_id,
                position=PositionInput(
                    lat=lat,
                    lng=lng,
                    accuracy=5,
                    heading=None,
                    speed=None,
                    recorded_at=timezone.now() - timedelta(seconds=seconds_ago),
                ),
            )
        ]
    )


def test_etas_of_the_remaining_stops_follow_the_driver(tenant_a):
    with tenant_a.use():
        # given a started route and its driver far from the first stop
        route, stops = started_route()
        at(route.driver_id, FAR)
        now = timezone.now()

        # when
        changed = route_live_eta_update(route_id=route.pk, now=now)

        # then both stops have an ETA: travel from here, the first stop's service, travel on
        matrix = matrices.travel_matrix([FAR, *STOPS], profile="van")
        first = now + timedelta(seconds=float(matrix.durations[0][1]))
        second = first + timedelta(seconds=300 + float(matrix.durations[1][2]))
        assert changed == 2
        assert [stop.eta for stop in Stop.objects.filter(route=route).order_by("sequence")] == [
            first,
            second,
        ]
        assert [Order.objects.get(pk=s.order_id).eta for s in stops] == [first, second]
        assert state.next_stop(driver_id=route.driver_id) == {
            "order": str(stops[0].order_id),
            "route": str(route.pk),
        }
        assert OrderApproach.objects.count() == 0  # far away still

        # and a run a moment later, from nearly the same place, changes nothing
        assert route_live_eta_update(route_id=route.pk, now=now + timedelta(seconds=20)) == 0


def test_approaching_is_marked_once_when_close(tenant_a):
    with tenant_a.use():
        route, stops = started_route()
        near = (STOPS[0][0] + 0.002, STOPS[0][1])  # about 220 m
        at(route.driver_id, near)

        route_live_eta_update(route_id=route.pk)
        route_live_eta_update(route_id=route.pk)

        marks = list(OrderApproach.objects.all())
        events = list(Event.objects.filter(name="order.approaching").values_list("data", flat=True))
        assert [(m.order_id, m.driver_id) for m in marks] == [(stops[0].order_id, route.driver_id)]
        # one order.approaching event in the outbox, for the recipient and the webhooks
        assert [(e["id"], e["distance_m"]) for e in events] == [
            (str(stops[0].order_id), marks[0].distance_m)
        ]
        assert 200 <= marks[0].distance_m <= 240
        assert (
            order_approach_mark(order_id=stops[0].order_id, driver_id=None, distance_m=1, eta=None)
            is False
        )


def fix(driver_id, where, recorded_at):
    Position.objects.create(
        driver_id=driver_id,
        lat=where[0],
        lng=where[1],
        accuracy=5,
        recorded_at=recorded_at,
        received_at=recorded_at,
    )


def test_arrival_is_suggested_after_staying_inside_the_radius(tenant_a):
    with tenant_a.use():
        # given the driver drove up and has been at the first stop for 40 s
        route, stops = started_route()
        now = timezone.now()
        fix(route.driver_id, FAR, now - timedelta(seconds=200))
        fix(route.driver_id, FAR, now - timedelta(seconds=100))
        for seconds_ago in (40, 20, 0):
            fix(route.driver_id, STOPS[0], now - timedelta(seconds=seconds_ago))

        # then that is not an arrival yet (60 s needed)
        assert stop_arrival_detect(route=route, stop=stops[0]) is False

        # when the driver turns out to have been there 70 s
        fix(route.driver_id, STOPS[0], now - timedelta(seconds=70))

        # then it is suggested, once
        assert stop_arrival_detect(route=route, stop=stops[0]) is True
        assert stop_arrival_detect(route=route, stop=stops[0]) is False


def test_old_positions_are_purged(tenant_a):
    with tenant_a.use():
        driver = make_driver()
        now = timezone.now()
        for days in (31, 29):
            Position.objects.create(
                driver=driver,
                lat=1,
                lng=1,
                accuracy=1,
                recorded_at=now - timedelta(days=days),
                received_at=now,
            )
        with override_settings(TRACKING_RETENTION_DAYS=30):
            assert positions_purge(now=now) == 1
        assert list(Position.objects.values_list("recorded_at", flat=True)) == [
            now - timedelta(days=29)
        ]


def test_the_purge_task_is_registered_and_tenant_aware():
    from tenant_schemas_celery.task import TenantTask

    from config.celery import app
    from tracking.tasks import positions_purge_task, route_live_eta_task

    assert isinstance(positions_purge_task, TenantTask)
    assert isinstance(route_live_eta_task, TenantTask)
    assert app.tasks["tracking.tasks.positions_purge_task"].name == positions_purge_task.name


def test_a_stored_eta_already_past_is_replaced_even_by_a_close_one(tenant_a):
    """The live-ETA run kept an ETA that moved less than TRACKING_ETA_PUSH_SECONDS: a driver
    standing at the stop 30 s after the ETA they had kept it, 30 s in the past."""
    with tenant_a.use():
        # given the driver at the first stop, whose stored ETA passed 30 s ago
        route, stops = started_route()
        now = timezone.now()
        Stop.objects.filter(pk=stops[0].pk).update(eta=now - timedelta(seconds=30))
        Order.objects.filter(pk=stops[0].order_id).update(eta=now - timedelta(seconds=30))
        at(route.driver_id, STOPS[0])

        # when the live ETAs are worked out
        route_live_eta_update(route_id=route.pk, now=now)

        # then the first stop is expected now (it is there), no sooner
        assert Stop.objects.get(pk=stops[0].pk).eta == now
        assert Order.objects.get(pk=stops[0].order_id).eta == now


def test_the_recipient_is_never_told_a_time_already_past(tenant_a):
    start = timezone.now().replace(microsecond=0)
    with tenant_a.use(), time_machine.travel(start, tick=False) as clock:
        # given a started route whose ETAs were set when it left, and no position since
        route, stops = started_route()
        for number, stop in enumerate(stops, start=1):
            eta = start + timedelta(minutes=20 * number)
            Stop.objects.filter(pk=stop.pk).update(eta=eta)
            Order.objects.filter(pk=stop.order_id).update(eta=eta, route_id=route.pk)

        # when the driver is 90 min late and the recipients look
        clock.shift(timedelta(minutes=90))
        now = timezone.now()
        first, second = (tracking_snapshot(Order.objects.get(pk=s.order_id)) for s in stops)

    # then the first is expected now, the second 20 min later (as far apart as they were)
    assert (first["eta"], second["eta"]) == (
        now.isoformat(),
        (now + timedelta(minutes=20)).isoformat(),
    )
    assert first["eta_window"] == arrival_window(now)
