"""The one rule for "early" (routing.lateness.delivered_early_minutes): an order delivered before
its first window opens, in the business's zone (Europe/Amsterdam here, not UTC); the order page
and the routes' API (Live, the driver's phone) show it."""

from datetime import UTC, timedelta

import time_machine

from delivery.models import Order, OrderStatus
from delivery.services import order_transition
from delivery.tests.factories import TEST_ACTOR, make_driver
from routing.lateness import delivered_early_minutes
from routing.models import Route
from routing.tests.days import at, window
from routing.tests.test_lateness import _stop
from routing.tests.test_services import make_route
from tenants.accounts.models import Role

FLORIST = [window("14:00", "16:00")]


def test_a_delivery_before_the_window_opens_is_early_by_its_minutes():
    # 14:00 in Amsterdam is 13:00 UTC in winter (12:00 in summer): 13:25 there is 35 min early
    assert delivered_early_minutes(windows=FLORIST, delivered_at=at("13:25")) == 35
    assert delivered_early_minutes(windows=FLORIST, delivered_at=at("13:25").astimezone(UTC)) == 35
    assert delivered_early_minutes(windows=FLORIST, delivered_at=at("12:30")) == 90


def test_a_part_of_a_minute_early_counts_as_a_minute():
    ten_seconds_before = at("14:00") - timedelta(seconds=10)
    assert delivered_early_minutes(windows=FLORIST, delivered_at=ten_seconds_before) == 1


def test_inside_after_between_windows_without_windows_or_not_delivered_is_not_early():
    two = [window("09:00", "10:00"), window("14:00", "16:00")]
    assert delivered_early_minutes(windows=FLORIST, delivered_at=at("14:00")) is None
    assert delivered_early_minutes(windows=FLORIST, delivered_at=at("15:10")) is None
    assert delivered_early_minutes(windows=FLORIST, delivered_at=at("17:00")) is None
    assert delivered_early_minutes(windows=two, delivered_at=at("12:00")) is None
    assert delivered_early_minutes(windows=two, delivered_at=at("08:50")) == 10
    assert delivered_early_minutes(windows=[], delivered_at=at("08:00")) is None
    assert delivered_early_minutes(windows=FLORIST, delivered_at=None) is None


def _delivered_at(clock: str, *, driver, windows=FLORIST):
    """A started route with one stop, delivered by its driver at `clock` (business zone)."""
    route = make_route(driver, status=Route.Status.STARTED, planned_start=at("12:00"))
    stop = _stop(route, 1, "12:20", [("14:00", "16:00")] if windows else [])
    Order.objects.filter(pk=stop.order_id).update(status=OrderStatus.OUT_FOR_DELIVERY)
    with time_machine.travel(at(clock), tick=False):
        order_transition(order_id=stop.order_id, to=OrderStatus.DELIVERED, actor=TEST_ACTOR)
    return route, stop


def test_the_order_page_and_the_routes_api_say_a_delivery_was_early(tenant_a):
    with tenant_a.use():
        # given a florist's order for 14:00–16:00 (Amsterdam) delivered at 12:30 there
        route, stop = _delivered_at("12:30", driver=make_driver())

        # when the dispatcher opens the order and the route
        page = tenant_a.browser(Role.DISPATCHER).get(f"/orders/{stop.order_id}/")
        api = tenant_a.api().get(f"/api/v1/routes/{route.pk}").json()

    # then both say 1 h 30 min (90 minutes) early
    assert page.status_code == 200
    assert (
        '<span class="chip early" id="delivered-early">Delivered 1 h 30 min early</span>'
        in page.text
    )
    assert [s["delivered_early_minutes"] for s in api["stops"]] == [90]


def test_an_order_delivered_in_its_window_says_nothing_of_early(tenant_a):
    with tenant_a.use():
        route, stop = _delivered_at("14:35", driver=make_driver())

        page = tenant_a.browser(Role.DISPATCHER).get(f"/orders/{stop.order_id}/")
        api = tenant_a.api().get(f"/api/v1/routes/{route.pk}").json()

    assert page.status_code == 200
    assert "delivered-early" not in page.text
    assert "early" not in page.text
    assert [s["delivered_early_minutes"] for s in api["stops"]] == [None]


def test_minutes_early_under_an_hour_read_in_minutes(tenant_a):
    with tenant_a.use():
        _route, stop = _delivered_at("13:25", driver=make_driver())
        page = tenant_a.browser(Role.DISPATCHER).get(f"/orders/{stop.order_id}/")

    assert (
        '<span class="chip early" id="delivered-early">Delivered 35 min early</span>' in page.text
    )


def test_today_lists_the_early_deliveries_beside_the_late_stops_in_the_same_queries(
    tenant_a, django_assert_num_queries
):
    with tenant_a.use():
        # given a started route: a florist's order (14:00–16:00) delivered at 12:30, one
        # delivered in its window at 13:25, and one still open whose window closed at 13:00
        driver = make_driver(email="early@example.test")
        route = make_route(driver, status=Route.Status.STARTED, planned_start=at("12:00"))
        florist = _stop(route, 1, "12:20", [("14:00", "16:00")], recipient_name="Florist")
        in_time = _stop(route, 2, "13:20", [("13:00", "14:00")], recipient_name="In time")
        _stop(route, 3, "12:50", [("12:00", "13:00")], recipient_name="Overdue")
        Order.objects.filter(route_id=route.pk).update(status=OrderStatus.OUT_FOR_DELIVERY)
        for stop, clock in ((florist, "12:30"), (in_time, "13:25")):
            with time_machine.travel(at(clock), tick=False):
                order_transition(order_id=stop.order_id, to=OrderStatus.DELIVERED, actor=TEST_ACTOR)
        client = tenant_a.browser(Role.DISPATCHER)
        with time_machine.travel(at("13:30"), tick=False):
            client.get("/")  # warm caches (content types, tenant lookups)

            # when Today is opened: as many queries as with late stops only
            # (routing/tests/test_lateness.py): the early ones come with the same reads
            with django_assert_num_queries(14):
                response = client.get("/")

    # then the florist's order is listed as delivered 1 h 30 min early, the overdue one late
    assert response.status_code == 200
    assert response.context["early_count"] == 1
    assert [order.pk for order in response.context["early"]] == [florist.order_id]
    assert [order.recipient_name for order in response.context["late"]] == ["Overdue"]
    assert '<h3 id="early-h">Delivered before the window (1)</h3>' in response.text
    assert (
        f'<li><a href="/orders/{florist.order_id}/">Florist</a> '
        '<span class="chip early">Delivered 1 h 30 min early</span> '
        '<span class="muted small">· Van Driver</span></li>'
    ) in response.text
