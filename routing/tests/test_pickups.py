"""Pickup-and-delivery pairs: small hand-made days with exact answers (pure), then through the
planner, the database, manual edits, re-planning and the API."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from delivery.models import Order, OrderEvent
from delivery.tests.factories import TEST_ACTOR, make_order
from routing.explanations import explain
from routing.models import Route, Stop
from routing.planning import Day, PickupToPlan
from routing.schedule import schedule_route
from routing.tests.days import DAY, NORTH, SOUTH, run, small_day, window
from routing.tests.test_problem import (
    BASE,
    PLACES,
    at,
    driver,
    line_travel,
    order,
    plan,
    uid,
    van,
)
from tests.api import send


def pickup_at(place: int, **fields) -> PickupToPlan:
    return PickupToPlan(location=PLACES[place], service_s=60, **fields)


# --- the solver's problem and its answer (pure) ------------------------------------------------


def test_a_pair_is_collected_then_delivered_by_one_van_and_the_load_rises_at_the_pickup():
    # an order collected at place 1 and delivered at place 3, another delivered from the depot
    day = Day(
        date(2026, 11, 27),
        BASE,
        [
            order(1, 3, weight_kg=Decimal(40), pickup=pickup_at(1)),
            order(2, 2, weight_kg=Decimal(10)),
        ],
        [driver(1, vehicle=van(weight_kg=Decimal(100)), end=None)],
    )

    (route,), solution, mapping = plan(day)

    assert len(solution.routes[0].steps) == 5  # start, pickup, job, delivery, end
    assert [(stop.order_id, stop.kind) for stop in route.stops] == [
        (uid(1), "pickup"),
        (uid(2), "delivery"),
        (uid(1), "delivery"),
    ]
    # 10 kg on board from the depot; +40 at the pickup; −10; −40
    assert [stop.load_after["weight_kg"] for stop in route.stops] == [50.0, 40.0, 0.0]
    pickup, _, delivery = route.stops
    assert pickup.arrival == at(8) + timedelta(seconds=60)
    assert pickup.departure == pickup.arrival + timedelta(seconds=60)
    assert delivery.arrival == at(8) + timedelta(seconds=60 + 60 + 60 + 120 + 60)
    assert sorted(mapping.order_ids.values()) == [uid(1), uid(1), uid(2)]


def test_pairs_that_each_fill_the_van_are_done_one_after_the_other():
    # two pairs of 80 kg in a 100 kg van: never both on board
    day = Day(
        date(2026, 11, 27),
        BASE,
        [
            order(1, 2, weight_kg=Decimal(80), pickup=pickup_at(1)),
            order(2, 4, weight_kg=Decimal(80), pickup=pickup_at(3)),
        ],
        [driver(1, vehicle=van(weight_kg=Decimal(100)), end=None)],
    )

    (route,), solution, _ = plan(day)

    assert [(stop.order_id, stop.kind) for stop in route.stops] == [
        (uid(1), "pickup"),
        (uid(1), "delivery"),
        (uid(2), "pickup"),
        (uid(2), "delivery"),
    ]
    assert [stop.load_after["weight_kg"] for stop in route.stops] == [80.0, 0.0, 80.0, 0.0]
    assert solution.unassigned == []


def test_a_pair_that_cannot_be_done_is_one_unassigned_order_with_a_reason():
    # the pickup closes at 08:01 but the place is 5 minutes from the start
    day = Day(
        date(2026, 11, 27),
        BASE,
        [order(1, 2, pickup=pickup_at(5, time_windows=((at(8), at(8 + 1 / 60)),)))],
        [driver(1)],
    )

    routes, solution, mapping = plan(day)

    assert routes == []
    assert sorted(mapping.order_ids[number] for number in solution.unassigned) == [uid(1), uid(1)]
    assert explain(day.orders[0], day, travel_s=line_travel) == (
        "pickup window 08:00–08:01 cannot be reached from the start (earliest arrival 08:05)"
    )


def test_reason_delivery_window_closes_before_the_goods_can_arrive():
    # collected at place 5 from 10:00, delivered at place 1 whose window ends 10:03
    day = Day(
        date(2026, 11, 27),
        BASE,
        [
            order(
                1,
                1,
                time_windows=((at(9), at(10.05)),),
                pickup=pickup_at(5, time_windows=((at(10), at(11)),)),
            )
        ],
        [driver(1)],
    )

    assert explain(day.orders[0], day, travel_s=line_travel) == (
        "window 09:00–10:03 cannot be reached after the pickup (earliest delivery 10:05)"
    )


def leg(origin, destination, profile):
    return line_travel(origin, destination, profile), 1000


def test_a_manual_order_that_delivers_before_collecting_is_flagged():
    paired = order(1, 3, pickup=pickup_at(1))

    schedule = schedule_route(
        driver(1, end=None), [paired, paired], start=at(8), leg=leg, kinds=["delivery", "pickup"]
    )

    assert [violation.as_dict() for violation in schedule.violations] == [
        {
            "order": str(uid(1)),
            "kind": "pickup_after_delivery",
            "message": "#1 is delivered before it is collected",
        }
    ]
    assert [stop.kind for stop in schedule.stops] == ["delivery", "pickup"]


def test_a_manual_order_counts_the_load_collected_on_the_way():
    # 10 kg from the depot, then 40 kg collected: 50 kg on board in a 45 kg van
    paired = order(1, 3, weight_kg=Decimal(40), pickup=pickup_at(1))
    other = order(2, 2, weight_kg=Decimal(10))

    schedule = schedule_route(
        driver(1, vehicle=van(weight_kg=Decimal(45)), end=None),
        [paired, other, paired],
        start=at(8),
        leg=leg,
        kinds=["pickup", "delivery", "delivery"],
    )

    assert [violation.as_dict() for violation in schedule.violations] == [
        {
            "order": None,
            "kind": "over_capacity",
            "message": "50 kg on board exceeds the vehicle's 45 kg",
        }
    ]
    assert [stop.load_after["weight_kg"] for stop in schedule.stops] == [50.0, 40.0, 0.0]


def test_a_pair_split_over_two_routes_is_flagged_on_each():
    paired = order(1, 3, pickup=pickup_at(1))

    collecting = schedule_route(driver(1), [paired], start=at(8), leg=leg, kinds=["pickup"])
    delivering = schedule_route(driver(2), [paired], start=at(8), leg=leg, kinds=["delivery"])

    assert [v.message for v in collecting.violations] == [
        "#1 is collected on this route but delivered on another"
    ]
    assert [v.message for v in delivering.violations] == [
        "#1 is delivered on this route but collected on another"
    ]


# --- through the planner and the database ------------------------------------------------------


def test_a_planned_pair_is_stored_as_two_stops_and_the_order_points_at_its_delivery(
    tenant_a, django_capture_on_commit_callbacks
):
    with tenant_a.use():
        small = small_day()
        # collected in the north at 09:30–10:30, delivered in the south in the afternoon
        pair = make_order(
            external_id="PAIR-1",
            delivery_date=DAY,
            location=SOUTH[3],
            time_windows=[window("14:00", "16:00")],
            pickup_location=NORTH[1],
            pickup_time_windows=[window("09:30", "10:30")],
            pickup_service_seconds=120,
            weight_kg=5,
        )

        job = run(django_capture_on_commit_callbacks)

        stops = {stop.kind: stop for stop in Stop.objects.filter(order=pair)}
        pair.refresh_from_db()
    assert job.status == "succeeded", job.error
    assert job.summary["orders_planned"] == len(small.orders) + 1
    assert job.unassigned == []
    assert set(stops) == {"pickup", "delivery"}
    assert stops["pickup"].route_id == stops["delivery"].route_id
    assert stops["pickup"].sequence < stops["delivery"].sequence
    assert (pair.route_id, pair.sequence, pair.eta) == (
        stops["delivery"].route_id,
        stops["delivery"].sequence,
        stops["delivery"].planned_arrival,
    )
    assert pair.status == "assigned"


@pytest.fixture
def started_pair_route(tenant_a, django_capture_on_commit_callbacks):
    """A started route with a pickup-and-delivery order, as planned and dispatched."""
    with tenant_a.use():
        small_day()
        pair = make_order(
            external_id="PAIR-2",
            delivery_date=DAY,
            location=NORTH[3],
            pickup_location=NORTH[0],
            pickup_time_windows=[window("08:00", "12:00")],
        )
        run(django_capture_on_commit_callbacks)
        route = Stop.objects.get(order=pair, kind="pickup").route
        Route.objects.filter(pk=route.pk).update(status=Route.Status.STARTED)
    return route, pair


def test_the_driver_confirms_a_pickup_once(tenant_a, started_pair_route):
    route, pair = started_pair_route
    with tenant_a.use():
        pickup = Stop.objects.get(order=pair, kind="pickup")
        client = tenant_a.browser("driver")
        route.driver.user = tenant_a.users["driver"]
        route.driver.save()
    path = f"/api/v1/routes/{route.pk}/stops/{pickup.pk}/picked-up"

    first = client.post(
        path, data={"location": {"lat": 52.385, "lng": 4.891}}, content_type="application/json"
    )
    again = client.post(path, content_type="application/json")

    assert first.status_code == 200, first.content
    shown = next(stop for stop in first.json()["stops"] if stop["id"] == str(pickup.pk))
    assert shown["kind"] == "pickup"
    assert shown["location"] == {"lat": NORTH[0][0], "lng": NORTH[0][1]}
    assert shown["picked_up_at"] is not None
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_picked_up"
    with tenant_a.use():
        events = list(
            OrderEvent.objects.filter(order=pair, kind="picked_up").values_list("lat", "lng")
        )
    assert events == [(52.385, 4.891)]


def test_a_delivery_stop_cannot_be_confirmed_as_a_pickup(tenant_a, started_pair_route):
    route, pair = started_pair_route
    with tenant_a.use():
        delivery = Stop.objects.get(order=pair, kind="delivery")

    response = send(
        tenant_a.api(tenant_a.dispatcher_key),
        "post",
        f"/api/v1/routes/{route.pk}/stops/{delivery.pk}/picked-up",
        {},
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_a_pickup"


def test_replanning_after_the_pickup_keeps_it_and_delivers_from_the_van(
    tenant_a, started_pair_route, django_capture_on_commit_callbacks
):
    route, pair = started_pair_route
    with tenant_a.use():
        pickup = Stop.objects.get(order=pair, kind="pickup")
        Stop.objects.filter(pk=pickup.pk).update(picked_up_at=pickup.planned_departure)
        Order.objects.filter(route_id=route.pk).update(status="out_for_delivery")

        job = run(django_capture_on_commit_callbacks, mode="replan")

        stops = list(Stop.objects.filter(order=pair).order_by("kind"))
    assert job.status == "succeeded", job.error
    assert [(stop.kind, stop.route_id) for stop in stops] == [
        ("delivery", route.pk),
        ("pickup", route.pk),
    ]
    assert stops[1].pk == pickup.pk  # the collected pickup stays as it was
    assert stops[1].locked is True
    assert stops[0].sequence > stops[1].sequence


def test_an_unplannable_pair_is_explained_through_the_job(
    tenant_a, django_capture_on_commit_callbacks
):
    with tenant_a.use():
        small_day()
        make_order(
            external_id="LATE-PICKUP",
            delivery_date=DAY,
            location=NORTH[0],
            pickup_location=SOUTH[3],
            pickup_time_windows=[window("07:00", "08:01")],
        )

        job = run(django_capture_on_commit_callbacks, actor=TEST_ACTOR)

    assert [(item["label"], item["reason"]) for item in job.unassigned] == [
        (
            "LATE-PICKUP",
            "pickup window 07:00–08:01 cannot be reached from the start (earliest arrival 08:11)",
        )
    ]


def test_moving_a_pairs_delivery_to_another_route_says_so_on_both(
    tenant_a, django_capture_on_commit_callbacks
):
    with tenant_a.use():
        small_day()
        pair = make_order(
            external_id="PAIR-3",
            delivery_date=DAY,
            location=NORTH[2],
            pickup_location=NORTH[1],
        )
        run(django_capture_on_commit_callbacks)
        delivery = Stop.objects.get(order=pair, kind="delivery")
        other = Route.objects.filter(delivery_date=DAY).exclude(pk=delivery.route_id).get()
        target = [*other.stops.order_by("sequence").values_list("pk", flat=True), delivery.pk]

    response = send(
        tenant_a.api(tenant_a.dispatcher_key),
        "post",
        f"/api/v1/routes/{other.pk}/reorder",
        {"stops": [str(pk) for pk in target]},
    )

    assert response.status_code == 200, response.content
    violations = {
        route["id"]: [(v["kind"], v["message"]) for v in route["violations"]]
        for route in response.json()["routes"]
    }
    assert violations == {
        str(other.pk): [
            ("pickup_elsewhere", "PAIR-3 is delivered on this route but collected on another")
        ],
        str(delivery.route_id): [
            ("pickup_elsewhere", "PAIR-3 is collected on this route but delivered on another")
        ],
    }
    with tenant_a.use():
        pair.refresh_from_db()
    assert pair.route_id == other.pk
