"""`delivery.signals.orders_left_routes`: delivery tells the apps above it (routing drops the
stops and re-times the routes) that orders left their routes, without importing them. It is
sent once per change, with the order ids and the actor, inside the transaction that made the
change: a receiver that fails undoes the change."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from delivery.models import Order, OrderStatus
from delivery.services import order_reschedule, order_transition, orders_plan_apply
from delivery.signals import orders_left_routes
from delivery.tests.factories import TEST_ACTOR, make_driver, make_order

DAY = timezone.localdate() + timedelta(days=3)


@pytest.fixture
def heard():
    """What the signal carried, and whether it came inside a transaction."""
    calls = []

    def receiver(sender, *, order_ids, actor, **kwargs):
        calls.append((list(order_ids), actor, len(connection.atomic_blocks)))

    orders_left_routes.connect(receiver, dispatch_uid="test.heard")
    yield calls
    orders_left_routes.disconnect(dispatch_uid="test.heard")


def _on_a_route(world, *, failed: bool = False) -> Order:
    driver = make_driver()
    order = make_order(delivery_date=DAY)
    with transaction.atomic():
        orders_plan_apply(
            assignments=[(order.pk, driver.pk, uuid.uuid4(), 1, None)],
            unassigned=[],
            actor=TEST_ACTOR,
        )
    if failed:
        order_transition(order_id=order.pk, to=OrderStatus.OUT_FOR_DELIVERY, actor=TEST_ACTOR)
        order_transition(
            order_id=order.pk, to=OrderStatus.FAILED, reason="not_home", actor=TEST_ACTOR
        )
    order.refresh_from_db()
    return order


@pytest.mark.parametrize(
    ("failed", "leave"),
    [
        pytest.param(
            False,
            lambda order: order_transition(
                order_id=order.pk, to=OrderStatus.CANCELLED, actor=TEST_ACTOR
            ),
            id="cancelled",
        ),
        pytest.param(
            True,  # only a failed order becomes unassigned again
            lambda order: order_transition(
                order_id=order.pk, to=OrderStatus.UNASSIGNED, actor=TEST_ACTOR
            ),
            id="failed-then-unassigned",
        ),
        pytest.param(
            False,
            lambda order: order_reschedule(
                order_id=order.pk, delivery_date=DAY + timedelta(days=1), actor=TEST_ACTOR
            ),
            id="rescheduled",
        ),
    ],
)
def test_an_order_leaving_its_route_is_announced_in_its_transaction(tenant_a, heard, failed, leave):
    with tenant_a.use():
        # given an order on a route
        order = _on_a_route(tenant_a, failed=failed)
        heard.clear()

        # when it leaves the route
        outside = len(connection.atomic_blocks)  # the test's own transaction
        leave(order)

        # then the signal said so once, with the order and the actor, inside the service's
        # transaction
        assert len(heard) == 1
        order_ids, actor, depth = heard[0]
        assert (order_ids, actor) == ([order.pk], TEST_ACTOR)
        assert depth > outside
        order.refresh_from_db()
        assert (order.route_id, order.sequence) == (None, None)


def test_a_failing_receiver_undoes_the_change(tenant_a):
    with tenant_a.use():
        order = _on_a_route(tenant_a)
        assert order.status == OrderStatus.ASSIGNED

        def refuse(sender, **kwargs):
            raise RuntimeError("the planner could not re-time the route")

        orders_left_routes.connect(refuse, dispatch_uid="test.refuse")
        try:
            with pytest.raises(RuntimeError):
                order_transition(order_id=order.pk, to=OrderStatus.CANCELLED, actor=TEST_ACTOR)
        finally:
            orders_left_routes.disconnect(dispatch_uid="test.refuse")

        order.refresh_from_db()
        assert order.status == OrderStatus.ASSIGNED


def test_no_announcement_without_orders(heard):
    from delivery.signals import orders_left_routes_send

    orders_left_routes_send(order_ids=[None], actor=TEST_ACTOR)

    assert heard == []
