"""Mid-day re-planning: new urgent orders go into the day's routes, routes under way keep their
done and current stops first and their remaining stops in their own van."""

import time

from django.db import connection
from django.db.models import Count

from delivery.demo import DRIVERS, demo_deliveries_seed
from delivery.models import Order, OrderStatus
from delivery.services import order_transition
from delivery.tests.factories import TEST_ACTOR, make_order
from routing.edits import route_schedule
from routing.models import Route, Stop
from routing.services import route_status_set
from routing.tests.days import DAY, NORTH, run, small_day
from routing.tests.test_services import DAY as API_DAY
from tenants.accounts.models import Role
from tenants.accounts.services import user_create
from tests.api import send


def test_replanning_keeps_done_and_current_stops_and_inserts_an_urgent_order(
    tenant_a, django_capture_on_commit_callbacks
):
    with tenant_a.use():
        # given a planned day whose first route is under way: one stop done, one current
        small_day()
        assert run(django_capture_on_commit_callbacks).status == "succeeded"
        route = Route.objects.order_by("planned_start", "id").first()
        other = Route.objects.exclude(pk=route.pk).get()
        route_status_set(route=route, to=Route.Status.DISPATCHED, actor=TEST_ACTOR)
        route_status_set(route=route, to=Route.Status.STARTED, actor=TEST_ACTOR)
        stops = list(route.stops.order_by("sequence"))
        order_transition(order_id=stops[0].order_id, to=OrderStatus.DELIVERED, actor=TEST_ACTOR)
        remaining = {stop.order_id for stop in stops[2:]}
        urgent = make_order(
            external_id="URGENT", delivery_date=DAY, location=NORTH[1], items=1, weight_kg=5
        )

        # when the dispatcher re-plans mid-day
        job = run(django_capture_on_commit_callbacks, mode="replan")

        # then the done and the current stop are the same, first and locked
        assert job.status == "succeeded", job.error
        after = list(Stop.objects.filter(route=route).order_by("sequence"))
        assert [(s.pk, s.sequence, s.locked) for s in after[:2]] == [
            (stops[0].pk, 1, True),
            (stops[1].pk, 2, True),
        ]
        # the van's remaining stops stayed in it, after them
        assert remaining <= {s.order_id for s in after[2:]}
        assert not Stop.objects.filter(route=other, order_id__in=remaining).exists()
        assert [s.sequence for s in after] == list(range(1, len(after) + 1))
        # and the urgent order is on a route, out for delivery at once if that van is on its way
        urgent.refresh_from_db()
        urgent_stop = Stop.objects.get(order=urgent)
        assert urgent.route_id == urgent_stop.route_id
        expected = (
            OrderStatus.OUT_FOR_DELIVERY
            if urgent_stop.route_id == route.pk
            else OrderStatus.ASSIGNED
        )
        assert urgent.status == expected
        # and orders of the started route are still on their way, with their new sequence
        for stop in after[2:]:
            order = Order.objects.get(pk=stop.order_id)
            assert (order.route_id, order.sequence) == (route.pk, stop.sequence)
            assert order.status == OrderStatus.OUT_FOR_DELIVERY
        # and the route's distance and driving time cover the whole route as it now stands
        route.refresh_from_db()
        measured = route_schedule(
            route, list(Stop.objects.filter(route=route).order_by("sequence"))
        )
        assert (route.distance_m, route.travel_s) == (measured.distance_m, measured.travel_s)
        assert route.distance_m > 0


def test_a_replan_after_a_later_stop_was_done_first_numbers_the_stops_once(
    tenant_a, django_capture_on_commit_callbacks
):
    with tenant_a.use():
        # given a day planned, dispatched and re-planned for a new order, then started, whose
        # driver failed a later stop before the one they are at
        small_day()
        assert run(django_capture_on_commit_callbacks).status == "succeeded"
        for route in Route.objects.all():
            route_status_set(route=route, to=Route.Status.DISPATCHED, actor=TEST_ACTOR)
        extra = make_order(external_id="EXTRA", delivery_date=DAY, location=NORTH[1], items=1)
        job = run(django_capture_on_commit_callbacks, mode="replan", order_ids=[extra.pk])
        assert job.status == "succeeded", job.error
        route = Route.objects.annotate(count=Count("stops")).filter(count__gte=3).order_by("id")[0]
        route_status_set(route=route, to=Route.Status.STARTED, actor=TEST_ACTOR)
        stops = list(route.stops.order_by("sequence"))
        order_transition(
            order_id=stops[2].order_id,
            to=OrderStatus.FAILED,
            reason="not_home",
            actor=TEST_ACTOR,
        )

        # when the dispatcher re-plans again
        job = run(django_capture_on_commit_callbacks, mode="replan")

        # then the stops are numbered once each, in the driver's order: the failed one, the
        # current one, then the new plan's; each order has its stop's number
        assert job.status == "succeeded", job.error
        after = list(route.stops.order_by("sequence"))
        assert [stop.sequence for stop in after] == list(range(1, len(after) + 1))
        assert [stop.pk for stop in after[:2]] == [stops[2].pk, stops[0].pk]
        on_route = Order.objects.filter(route_id=route.pk)
        assert {order.pk: order.sequence for order in on_route} == {
            stop.order_id: stop.sequence for stop in after
        }
        # and (route, sequence) holds as it will be checked at commit
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_a_plain_plan_leaves_routes_under_way_alone(tenant_a, django_capture_on_commit_callbacks):
    with tenant_a.use():
        small_day()
        run(django_capture_on_commit_callbacks)
        route = Route.objects.order_by("planned_start", "id").first()
        route_status_set(route=route, to=Route.Status.DISPATCHED, actor=TEST_ACTOR)
        before = list(Stop.objects.filter(route=route).order_by("sequence").values())
        make_order(external_id="URGENT", delivery_date=DAY, location=NORTH[1], items=1)

        job = run(django_capture_on_commit_callbacks)

        assert job.status == "succeeded", job.error
        assert list(Stop.objects.filter(route=route).order_by("sequence").values()) == before


def test_remaining_stops_that_no_longer_fit_stay_in_their_van(
    tenant_a, django_capture_on_commit_callbacks
):
    with tenant_a.use():
        # given a started route whose driver's shift was cut short: the rest cannot fit
        small_day()
        run(django_capture_on_commit_callbacks)
        route = Route.objects.order_by("planned_start", "id").first()
        route_status_set(route=route, to=Route.Status.DISPATCHED, actor=TEST_ACTOR)
        route_status_set(route=route, to=Route.Status.STARTED, actor=TEST_ACTOR)
        before = list(route.stops.order_by("sequence").values_list("order_id", flat=True))
        driver = route.driver
        driver.shifts = {"wed": {"start": "08:00", "end": "08:30"}}
        driver.save(update_fields=["shifts"])

        # when re-planning
        job = run(django_capture_on_commit_callbacks, mode="replan")

        # then the van keeps every stop in the same order, and the job says which don't fit
        assert job.status == "succeeded", job.error
        after = list(route.stops.order_by("sequence").values_list("order_id", flat=True))
        assert after == before
        assert {entry["order"] for entry in job.unassigned} == {str(i) for i in before[1:]}
        assert set(Order.objects.filter(pk__in=before).values_list("status", flat=True)) == {
            OrderStatus.OUT_FOR_DELIVERY
        }


def _finished(client, job_id: str, *, timeout_s: float = 90) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        job = client.get(f"/api/v1/optimizations/{job_id}").json()
        if job["status"] in ("succeeded", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.25)


def test_a_mid_day_replan_through_the_api_and_the_worker(
    committed_tenant, committed_db, celery_worker
):
    # given the demo bakery's day planned by the worker, its first route started with one
    # delivery done
    world = committed_tenant("replan-live")
    with world.use():
        for email, _ in DRIVERS:
            user_create(email=email, role=Role.DRIVER, password=None, full_name=email[:7])
        demo_deliveries_seed(today=API_DAY)
    client = world.api(key=world.dispatcher_key)
    planned = send(client, "post", "/api/v1/optimizations", {"date": API_DAY.isoformat()})
    assert _finished(client, planned.json()["id"])["status"] == "succeeded"
    route = client.get(f"/api/v1/routes?date={API_DAY.isoformat()}").json()["results"][0]
    for step in ("dispatch", "start"):
        assert send(client, "post", f"/api/v1/routes/{route['id']}/{step}", {}).status_code == 200
    first, second = route["stops"][0], route["stops"][1]
    delivered = send(
        client, "post", f"/api/v1/orders/{first['order']}/transition", {"to": "delivered"}
    )
    assert delivered.status_code == 200, delivered.content
    urgent = send(
        client,
        "post",
        "/api/v1/orders",
        {
            "external_id": "URGENT-1",
            "recipient": {"name": "Urgent"},
            "address": second["address"],
            "location": second["location"],
            "delivery_date": API_DAY.isoformat(),
            "priority": 100,
        },
    ).json()

    # when the dispatcher re-plans the day
    replan = send(
        client, "post", "/api/v1/optimizations", {"date": API_DAY.isoformat(), "mode": "replan"}
    )
    job = _finished(client, replan.json()["id"])

    # then the done and current stops lead the started route, locked, and the urgent order is
    # planned (on its way at once if it joined the started route)
    assert job["status"] == "succeeded", job
    after = client.get(f"/api/v1/routes/{route['id']}").json()
    assert [(s["id"], s["sequence"], s["locked"]) for s in after["stops"][:2]] == [
        (first["id"], 1, True),
        (second["id"], 2, True),
    ]
    assert after["status"] == "started"
    order = client.get(f"/api/v1/orders/{urgent['id']}").json()
    assert order["route"] is not None
    on_started_route = order["route"] == route["id"]
    assert order["status"] == ("out_for_delivery" if on_started_route else "assigned")
