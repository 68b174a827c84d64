"""Routing's side of `delivery.signals.orders_left_routes` (the lower layer telling the higher
one, without importing it): the receiver is connected once, drops the stops of the orders that
left, re-numbers the route in the same transaction, and tells the dispatchers and the route's
driver after commit."""

from django.utils import timezone

from delivery.models import OrderStatus
from delivery.services import order_transition
from delivery.signals import orders_left_routes
from delivery.tests.factories import TEST_ACTOR, make_driver
from routing.models import Stop
from routing.tests.driver_routes import route_for_day
from tenants.selectors import tenant_time_zone
from tests.realtime import heard


def test_routing_listens_once(tenant_a):
    uids = [key[0] for key, *_ in orders_left_routes.receivers]
    assert uids.count("routing.orders_left") == 1


def test_a_cancelled_order_leaves_its_route_and_the_driver_is_told(
    tenant_a, django_capture_on_commit_callbacks
):
    with tenant_a.use():
        # given a dispatched route of three stops
        driver = make_driver()
        today = timezone.localdate(timezone.now(), tenant_time_zone())
        route = route_for_day(driver, day=today, tz=tenant_time_zone(), count=3)
        first, second, third = (stop.order_id for stop in route.stops.order_by("sequence"))

        # when the dispatcher cancels the second order (a delivery service: no routing import)
        def cancel():
            with django_capture_on_commit_callbacks(execute=True):
                order_transition(order_id=second, to=OrderStatus.CANCELLED, actor=TEST_ACTOR)

        sent = heard(tenant_id=tenant_a.tenant.pk, names=[f"driver.{driver.pk}"], action=cancel)

        # then its stop is gone, the others are numbered 1, 2
        assert list(
            Stop.objects.filter(route=route)
            .order_by("sequence")
            .values_list("order_id", "sequence")
        ) == [(first, 1), (third, 2)]
    # and the route's driver hears that their route changed
    assert (
        f"driver.{driver.pk}",
        {"type": "route.changed", "data": {"route": str(route.pk), "status": "dispatched"}},
    ) in sent
