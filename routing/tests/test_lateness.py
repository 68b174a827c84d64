"""The one rule for "late" (issue 12, defect 5): a stop is late when its best current ETA — from
now for a route not started — passes the end of its window; the API (Plan, Live, the driver's
phone) and Today's "late stops" use it."""

from datetime import datetime, timedelta

import time_machine

from delivery.models import Order, OrderStatus
from delivery.tests.factories import make_driver, make_order
from routing.lateness import late_orders, stops_expected
from routing.models import Route, Stop
from routing.tests.days import DAY, at, window
from routing.tests.test_api import own_driver  # noqa: F401, F811 (fixture)
from routing.tests.test_services import make_route
from tenants.accounts.models import Role
from tests.api import iso


def _stop(route, sequence, arrival, windows, *, waiting_min=0, eta=None, **order_fields):
    order = make_order(
        external_id=f"{str(route.pk)[:6]}-{sequence}",
        delivery_date=DAY,
        time_windows=[window(*w) for w in windows],
        **order_fields,
    )
    Order.objects.filter(pk=order.pk).update(
        status=OrderStatus.ASSIGNED, route_id=route.pk, driver=route.driver, sequence=sequence
    )
    return Stop.objects.create(
        route=route,
        order=order,
        sequence=sequence,
        planned_arrival=at(arrival),
        planned_departure=at(arrival) + timedelta(minutes=5),
        waiting_s=waiting_min * 60,
        eta=at(eta) if eta else None,
    )


def _dispatched_not_started():
    """Planned to leave 07:25, dispatched, still not started at 10:44."""
    route = make_route(
        make_driver(email="late@example.test"),
        status=Route.Status.DISPATCHED,
        planned_start=at("07:25"),
        planned_end=at("14:00"),
    )
    stops = [
        _stop(route, 1, "07:56", [("07:00", "08:00")]),
        _stop(route, 2, "08:30", [("08:00", "12:00")]),
        _stop(route, 3, "09:00", [("13:00", "14:00")], waiting_min=240),
        _stop(route, 4, "13:10", [("13:00", "13:30")]),
    ]
    return route, stops


def test_a_route_not_started_is_expected_from_now_and_its_missed_windows_are_late(tenant_a):
    with tenant_a.use(), time_machine.travel(at("10:44"), tick=False):
        route, stops = _dispatched_not_started()

        expected = stops_expected(route, stops, now=at("10:44"))

    # 3 h 19 min behind: 07:56 → 11:15 (window to 08:00: late), 08:30 → 11:49 (to 12:00),
    # 09:00 → 12:19 (its 4 h wait absorbs the delay), 13:10 stays 13:10
    assert [(expected[s.pk].eta, expected[s.pk].late) for s in stops] == [
        (at("11:15"), True),
        (at("11:49"), False),
        (at("12:19"), False),
        (at("13:10"), False),
    ]


def test_a_started_route_is_never_expected_before_now(tenant_a):
    with tenant_a.use():
        route = make_route(
            make_driver(email="started@example.test"),
            status=Route.Status.STARTED,
            planned_start=at("08:00"),
        )
        done = _stop(route, 1, "08:20", [("08:00", "09:00")], eta="08:20")
        Order.objects.filter(pk=done.order_id).update(status=OrderStatus.DELIVERED)
        current = _stop(route, 2, "09:50", [("09:00", "10:30")], eta="10:00")
        after = _stop(route, 3, "10:55", [("10:00", "11:20")], eta="11:10")
        stops = list(Stop.objects.select_related("order").filter(route=route))

        expected = stops_expected(route, stops, now=at("10:44"))

    # the delivered stop is behind us; the current one, due 10:00, is not done at 10:44: it
    # is expected now, and the next one 44 min later than its live ETA, after its window
    assert [(expected[s.pk].eta, expected[s.pk].late) for s in (done, current, after)] == [
        (None, False),
        (at("10:44"), True),
        (at("11:54"), True),
    ]


def test_the_api_the_driver_and_today_show_the_same_late_stops(tenant_a, own_driver):  # noqa: F811
    with tenant_a.use(), time_machine.travel(at("10:44"), tick=False):
        # given the dispatched route of the signed-in driver, not started at 10:44, and an
        # unplanned order whose window closed at 10:00
        route, stops = _dispatched_not_started()
        Route.objects.filter(pk=route.pk).update(driver=own_driver)
        Order.objects.filter(route_id=route.pk).update(driver=own_driver)
        loose = make_order(delivery_date=DAY, time_windows=[window("09:00", "10:00")])

        # when the dispatcher, the driver and Today look
        api = tenant_a.api().get(f"/api/v1/routes/{route.pk}").json()
        phone = tenant_a.browser(Role.DRIVER).get("/driver/data/").json()
        today = tenant_a.browser(Role.DISPATCHER).get("/")
        late = late_orders(delivery_date=DAY, now=at("10:44"))

    # then all of them say the first stop and the loose order are late
    shown = [(datetime.fromisoformat(s["expected_arrival"]), s["late"]) for s in api["stops"]]
    assert shown == [
        (at("11:15"), True),
        (at("11:49"), False),
        (at("12:19"), False),
        (at("13:10"), False),
    ]
    assert api["late_stops"] == 1
    assert phone["route"]["stops"] == api["stops"]
    assert phone["route"]["late_stops"] == 1
    assert [order.pk for order in late] == [stops[0].order_id, loose.pk]
    assert [(order.expected, order.deadline) for order in late] == [
        (at("11:15"), at("08:00")),
        (None, at("10:00")),  # no van brings it: no ETA to show
    ]
    assert today.context["late_count"] == 2
    assert [order.pk for order in today.context["late"]] == [stops[0].order_id, loose.pk]
    assert "Late stops (2)" in today.text
    assert '<span class="muted small">due by 10:00</span>' in today.text  # and no "ETA 10:44"


def test_today_reads_its_late_stops_in_a_fixed_number_of_queries(
    tenant_a, django_assert_num_queries
):
    with tenant_a.use(), time_machine.travel(at("10:44"), tick=False):
        # given 25 late stops on a route and a late order on none: more than Today lists
        route = make_route(
            make_driver(email="many@example.test"),
            status=Route.Status.DISPATCHED,
            planned_start=at("07:25"),
            planned_end=at("14:00"),
        )
        for sequence in range(1, 26):
            _stop(route, sequence, "07:56", [("07:00", "08:00")])
        make_order(delivery_date=DAY, time_windows=[window("09:00", "10:00")])
        client = tenant_a.browser(Role.DISPATCHER)
        client.get("/")  # warm caches (content types, tenant lookups)

        # when Today is opened: tenant by host (3), session, user, orders by status, the
        # lateness rule's routes, stops with their orders' windows and orders on no route (3),
        # the 20 late orders shown with their drivers (1, never one per row), routes, drivers
        # on shift, depots, the setup checklist
        with django_assert_num_queries(14):
            response = client.get("/")

    # then
    assert response.status_code == 200
    assert response.context["late_count"] == 26
    assert len(response.context["late"]) == 20


def test_a_stops_shape_written_directly_is_the_one_drf_writes_field_by_field(tenant_a):
    from rest_framework import serializers

    from routing.api import StopSerializer

    with tenant_a.use(), time_machine.travel(at("10:44"), tick=False):
        # given stops in every state: done with a live ETA, late, waiting, locked, with a load
        # and no reference, and a pickup collected
        route = make_route(
            make_driver(email="shape@example.test"),
            status=Route.Status.STARTED,
            planned_start=at("08:00"),
        )
        done = _stop(route, 1, "08:20", [("08:00", "09:00")], eta="08:20")
        Order.objects.filter(pk=done.order_id).update(status=OrderStatus.DELIVERED)
        late = _stop(route, 2, "09:50", [("09:00", "10:30")], eta="10:00")
        waiting = _stop(route, 3, "10:55", [("13:00", "14:00")], waiting_min=90)
        Order.objects.filter(pk=waiting.order_id).update(external_id=None)
        Stop.objects.filter(pk=late.pk).update(locked=True, load_after={"items": 2})
        Stop.objects.filter(pk=done.pk).update(kind=Stop.Kind.PICKUP, picked_up_at=at("08:21"))
        stops = list(Stop.objects.select_related("order").filter(route=route))
        expected = stops_expected(route, stops, now=at("10:44"))
        serializer = StopSerializer(context={"expected": expected})

        # when each stop is written directly and by DRF's walk field by field
        direct = [serializer.to_representation(stop) for stop in stops]
        walked = [serializers.ModelSerializer.to_representation(serializer, s) for s in stops]

    # then they are the same
    assert direct == walked
    assert [stop["late"] for stop in direct] == [False, True, False]
    assert direct[2]["external_id"] is None


def test_a_stop_is_never_expected_before_the_stop_before_it(tenant_a):
    """A live ETA (from the driver's position) far behind the plan, then a stop with no live
    ETA (no location): it used to follow its planned arrival pushed only to now, and was
    expected before the stop the driver has to reach first."""
    with tenant_a.use(), time_machine.travel(at("10:00"), tick=False):
        route = make_route(
            make_driver(email="behind@example.test"),
            status=Route.Status.STARTED,
            planned_start=at("08:00"),
            planned_end=at("12:00"),
        )
        far = _stop(route, 1, "09:30", [], eta="10:40")
        no_place = _stop(route, 2, "09:45", [("09:00", "10:30")])
        after = _stop(route, 3, "11:00", [], eta="11:20")
        stops = list(Stop.objects.select_related("order").filter(route=route))

        expected = stops_expected(route, stops, now=at("10:00"))
        body = tenant_a.api().get(f"/api/v1/routes/{route.pk}").json()

    # the stop without a live ETA comes no sooner than the one before it (late for its
    # window), the next one 15 min later than its live ETA (the 09:45 stop was due 15 min
    # ago), and the route is back an hour after its last stop's ETA, as planned
    assert [
        (expected[s.pk].eta, expected[s.pk].late, expected[s.pk].running_late)
        for s in (far, no_place, after)
    ] == [
        (at("10:40"), False, False),
        (at("10:40"), True, True),
        (at("11:35"), False, True),
    ]
    assert [(s["expected_arrival"], s["running_late"]) for s in body["stops"]] == [
        (iso(at("10:40")), False),
        (iso(at("10:40")), True),
        (iso(at("11:35")), True),
    ]
    assert (body["planned_end"], body["expected_end"]) == (iso(at("12:00")), iso(at("12:35")))


def test_a_started_route_with_nothing_left_is_not_back_before_now(tenant_a):
    with tenant_a.use(), time_machine.travel(at("13:00"), tick=False):
        route = make_route(
            make_driver(email="back@example.test"),
            status=Route.Status.STARTED,
            planned_start=at("08:00"),
            planned_end=at("12:00"),
        )
        done = _stop(route, 1, "09:30", [])
        Order.objects.filter(pk=done.order_id).update(status=OrderStatus.DELIVERED)

        body = tenant_a.api().get(f"/api/v1/routes/{route.pk}").json()

    assert (body["planned_end"], body["expected_end"]) == (iso(at("12:00")), iso(at("13:00")))
    assert body["stops"][0]["expected_arrival"] is None
