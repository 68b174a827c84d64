"""The phone follows the dispatcher (issue 12, defects 2 and 3): an order rescheduled off a route
under way leaves the driver's list and counts; one assigned by hand joins it."""

import json
from datetime import timedelta

import pytest

from delivery.models import Order
from delivery.services import driver_save, order_transition
from delivery.tests.factories import TEST_ACTOR, make_order
from routing.tests.driver_routes import route_for_day
from tenants.accounts.models import Role
from tenants.selectors import tenant_time_zone
from web.tests.test_driver_view import today_of

EVERY_DAY = {
    day: {"start": "00:00", "end": "23:59"}
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}


@pytest.fixture
def own_driver(tenant_a):
    """The driver profile of tenant A's driver user, on shift all day from the depot."""
    with tenant_a.use():
        fields = {"shifts": EVERY_DAY, "start_lat": 52.3738, "start_lng": 4.8910}
        return driver_save(driver=None, fields=fields, user=tenant_a.users[Role.DRIVER])


def phone(world) -> dict:
    return json.loads(world.browser(Role.DRIVER).get("/driver/data/").content)


def test_a_rescheduled_failed_order_leaves_the_phone_and_its_counts(tenant_a, own_driver):
    # given the driver's started route today: stop 1 delivered, stop 2 failed, stop 3 to go
    today = today_of(tenant_a)
    with tenant_a.use():
        route = route_for_day(own_driver, day=today, tz=tenant_time_zone(), count=3)
        route.status = "started"
        route.save(update_fields=["status"])
        first, second, third = (stop.order for stop in route.stops.order_by("sequence"))
        Order.objects.filter(route_id=route.pk).update(status="out_for_delivery")
        order_transition(order_id=first.pk, to="delivered", actor=TEST_ACTOR)
        order_transition(order_id=second.pk, to="failed", reason="not_home", actor=TEST_ACTOR)
    # when the dispatcher reschedules the failed order to tomorrow
    with tenant_a.use():
        order_transition(
            order_id=second.pk,
            to="unassigned",
            actor=TEST_ACTOR,
            delivery_date=today + timedelta(days=1),
        )
    # then the phone lists the two others, in order, the next one still to do
    data = phone(tenant_a)
    assert [(order["id"], order["status"]) for order in data["orders"]] == [
        (str(first.pk), "delivered"),
        (str(third.pk), "out_for_delivery"),
    ]
    assert [(stop["order"], stop["sequence"]) for stop in data["route"]["stops"]] == [
        (str(first.pk), 1),
        (str(third.pk), 2),
    ]


def test_an_order_assigned_by_hand_reaches_the_phone(tenant_a, own_driver):
    # given the driver's dispatched route today, and a new order near its stops
    today = today_of(tenant_a)
    with tenant_a.use():
        route_for_day(own_driver, day=today, tz=tenant_time_zone(), count=2)
        order = make_order(external_id="by-hand", delivery_date=today, location=(52.3715, 4.89))
    # when the dispatcher assigns it on the order page
    response = tenant_a.browser(Role.DISPATCHER).post(
        f"/orders/{order.pk}/transition/", {"to": "assigned", "driver": str(own_driver.pk)}
    )
    # then it is on the phone, between the two stops
    assert response.status_code == 302
    data = phone(tenant_a)
    assert [item["external_id"] for item in data["orders"]][1] == "by-hand"
    assert [stop["sequence"] for stop in data["route"]["stops"]] == [1, 2, 3]
