"""Orders on their way, for the notifications tests, made through the delivery services."""

from delivery.models import OrderStatus
from delivery.services import order_transition
from delivery.tests.factories import TEST_ACTOR, make_driver, make_order


def make_order_assigned(*, driver=None, **fields):
    order = make_order(**fields)
    driver = driver or make_driver()
    return order_transition(
        order_id=order.pk, to=OrderStatus.ASSIGNED, actor=TEST_ACTOR, driver=driver
    )


def make_order_out_for_delivery(**fields):
    order = make_order_assigned(**fields)
    return order_transition(order_id=order.pk, to=OrderStatus.OUT_FOR_DELIVERY, actor=TEST_ACTOR)
