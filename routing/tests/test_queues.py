"""Fair planning: a large day plans on its own queue, so it never holds other businesses' small
plans (README, "Scaling out")."""

from delivery.models import OrderStatus
from delivery.services import order_transition
from delivery.tests.factories import TEST_ACTOR, make_order
from routing.services import planning_queue
from routing.tests.days import DAY


def test_days_of_more_than_planning_large_orders_go_to_the_large_queue(tenant_a, settings):
    # given a threshold of 3 orders and 3 open orders on the day
    settings.PLANNING_LARGE_ORDERS = 3
    settings.CELERY_PLANNING_QUEUE = "planning"
    settings.CELERY_PLANNING_LARGE_QUEUE = "planning_large"
    with tenant_a.use():
        orders = [make_order(delivery_date=DAY, external_id=f"Q-{n}") for n in range(3)]

        # then the day is small; a fourth open order makes it large
        assert planning_queue(delivery_date=DAY) == "planning"
        fourth = make_order(delivery_date=DAY, external_id="Q-3")
        assert planning_queue(delivery_date=DAY) == "planning_large"

        # a cancelled order is not planned, so it does not count
        order_transition(order_id=fourth.pk, to=OrderStatus.CANCELLED, actor=TEST_ACTOR)
        assert planning_queue(delivery_date=DAY) == "planning"

        # and a job for chosen orders counts those
        chosen = [order.pk for order in orders]
        assert planning_queue(delivery_date=DAY, order_ids=chosen) == "planning"
        assert planning_queue(delivery_date=DAY, order_ids=[*chosen, fourth.pk]) == (
            "planning_large"
        )
