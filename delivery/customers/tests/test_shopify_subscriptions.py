"""Subscription orders from Shopify become occurrences of the customer's standing order: made on
the first order, reused by the next cycles' orders, one order per date, never generated from."""

from datetime import date

import pytest

from delivery.customers.models import Occurrence, StandingOrder
from delivery.customers.standing import standing_orders_generate
from delivery.models import Order
from delivery.shopify import _interval_weeks, shopify_connection_create
from delivery.tests.test_shopify import ORDER, SECRET, SHOP, payload, post_webhook

PLAN = {"id": 690123, "name": "Delivered every 2 weeks", "description": None}
PLAN_KEY = f"shopify:{SHOP}:selling-plan:690123"


@pytest.fixture
def shop(tenant_a):
    with tenant_a.use():
        return shopify_connection_create(shop_domain=SHOP, webhook_secret=SECRET)


def subscription_order(number: int, delivery_date: str, *, plan=PLAN, **changes) -> dict:
    """An orders/create body whose bread is sold with a selling plan (a subscription)."""
    lines = [dict(line) for line in ORDER["line_items"]]
    lines[0]["selling_plan_allocation"] = {
        "price": "4.50",
        "compare_at_price": "5.00",
        "selling_plan": plan,
    }
    return payload(
        id=5830231310000 + number,
        admin_graphql_api_id=f"gid://shopify/Order/{5830231310000 + number}",
        name=f"#{number}",
        order_number=number,
        line_items=lines,
        note_attributes=[{"name": "Delivery Date", "value": delivery_date}],
        **changes,
    )


def receive(world, body: dict, webhook_id: str) -> dict:
    response = post_webhook(world, body, webhook_id=webhook_id)
    assert response.status_code == 200, response.content
    return response.json()


def occurrences(world) -> list[tuple]:
    with world.use():
        return list(
            Occurrence.objects.order_by("date").values_list(
                "standing_order__external_id", "date", "status", "order__external_id"
            )
        )


def test_a_subscription_order_makes_the_standing_order_and_is_its_occurrence(tenant_a, shop):
    # when the first order of a fortnightly subscription arrives (Friday 27 November)
    answer = receive(tenant_a, subscription_order(1001, "2026/11/27"), "w-1")

    # then the customer has a standing order for it, and the order is its occurrence
    assert answer["outcome"] == "created"
    with tenant_a.use():
        order = Order.objects.get(pk=answer["order"])
        standing = StandingOrder.objects.get()
        shown = {
            "customer": standing.customer_id,
            "place": standing.place_id,
            "weekdays": standing.weekdays,
            "interval_weeks": standing.interval_weeks,
            "start_date": standing.start_date,
            "items": standing.items,
            "source": standing.source,
            "external_id": standing.external_id,
            "notes": standing.notes,
        }
    assert shown == {
        "customer": order.customer_id,
        "place": order.customer_place_id,
        "weekdays": ["fri"],
        "interval_weeks": 2,
        "start_date": date(2026, 11, 27),
        "items": 3,
        "source": "shopify",
        "external_id": PLAN_KEY,
        "notes": "Shopify subscription: Delivered every 2 weeks",
    }
    assert occurrences(tenant_a) == [(PLAN_KEY, date(2026, 11, 27), "generated", "#1001")]


def test_the_next_cycles_orders_reuse_the_standing_order(tenant_a, shop):
    receive(tenant_a, subscription_order(1001, "2026/11/27"), "w-1")

    # when the shop sends the next cycles' orders
    receive(tenant_a, subscription_order(1002, "2026/12/11"), "w-2")
    receive(tenant_a, subscription_order(1003, "2026/12/25"), "w-3")

    # then they are occurrences of the one standing order
    with tenant_a.use():
        assert StandingOrder.objects.count() == 1
    assert occurrences(tenant_a) == [
        (PLAN_KEY, date(2026, 11, 27), "generated", "#1001"),
        (PLAN_KEY, date(2026, 12, 11), "generated", "#1002"),
        (PLAN_KEY, date(2026, 12, 25), "generated", "#1003"),
    ]


def test_a_second_order_for_the_same_date_is_not_a_second_occurrence(tenant_a, shop):
    receive(tenant_a, subscription_order(1001, "2026/11/27"), "w-1")

    # when another subscription order for the same date arrives (and the first webhook again)
    extra = receive(tenant_a, subscription_order(1002, "2026/11/27"), "w-2")
    again = receive(tenant_a, subscription_order(1001, "2026/11/27"), "w-1")

    # then the occurrence keeps its order; the extra order is an ordinary delivery
    assert extra["outcome"] == "created"
    assert again["outcome"] == "duplicate"
    assert occurrences(tenant_a) == [(PLAN_KEY, date(2026, 11, 27), "generated", "#1001")]
    with tenant_a.use():
        assert sorted(Order.objects.values_list("external_id", flat=True)) == ["#1001", "#1002"]


def test_the_generator_makes_no_orders_for_a_shops_subscription(tenant_a, shop):
    receive(tenant_a, subscription_order(1001, "2026/11/27"), "w-1")

    with tenant_a.use():
        report = standing_orders_generate(today=date(2026, 11, 28), days_ahead=28)
        assert report.created == 0
        assert Order.objects.count() == 1
    assert len(occurrences(tenant_a)) == 1


def test_an_order_tagged_subscription_is_an_occurrence_too(tenant_a, shop):
    body = payload(
        tags="Subscription, Subscription Recurring Order",
        note_attributes=[{"name": "Delivery Date", "value": "2026-11-26"}],
    )

    receive(tenant_a, body, "w-tag")

    key = f"shopify:{SHOP}:subscription"
    assert occurrences(tenant_a) == [(key, date(2026, 11, 26), "generated", "#1001")]
    with tenant_a.use():
        assert list(StandingOrder.objects.values_list("weekdays", "interval_weeks")) == [
            (["thu"], 1)
        ]


def test_a_subscription_delivered_on_another_day_adds_the_weekday(tenant_a, shop):
    receive(tenant_a, subscription_order(1001, "2026/11/27"), "w-1")
    receive(tenant_a, subscription_order(1002, "2026/12/08"), "w-2")  # a Tuesday

    with tenant_a.use():
        assert StandingOrder.objects.get().weekdays == ["tue", "fri"]


def test_orders_that_are_not_subscriptions_make_no_standing_order(tenant_a, shop):
    receive(tenant_a, ORDER, "w-plain")

    with tenant_a.use():
        assert StandingOrder.objects.count() == 0
    assert occurrences(tenant_a) == []


def test_the_tracking_page_offers_no_skip_for_a_shops_subscription(tenant_a, shop):
    answer = receive(tenant_a, subscription_order(1001, "2027/01/08"), "w-1")
    with tenant_a.use():
        order = Order.objects.get(pk=answer["order"])
    response = tenant_a.anonymous().post(f"/t/{order.tracking_token}/skip/")
    assert response.status_code == 302
    assert occurrences(tenant_a) == [(PLAN_KEY, date(2027, 1, 8), "generated", "#1001")]


@pytest.mark.parametrize(
    ("name", "weeks"),
    [
        ("Delivered every week", 1),
        ("Delivery every 2 weeks", 2),
        ("Every 3 Weeks - 10% off", 3),
        ("Every 14 days", 2),
        ("Fortnightly egg box", 2),
        ("Every other week", 2),
        ("Bi-weekly", 2),
        ("Monthly", 4),
        ("Every 2 months", 8),
        ("Weekly milk", 1),
        ("Subscribe & save", 1),
        ("Every 10 days", 1),
    ],
)
def test_the_interval_is_read_from_the_plan_name(name, weeks):
    assert _interval_weeks(name) == weeks


def test_pausing_a_shops_subscription_cancels_none_of_its_orders(tenant_a, shop):
    from delivery.customers.standing import standing_order_pause
    from delivery.tests.factories import TEST_ACTOR

    answer = receive(tenant_a, subscription_order(1001, "2027/01/08"), "w-1")
    with tenant_a.use():
        standing = StandingOrder.objects.get()
        standing_order_pause(standing_order_id=standing.pk, paused=True, actor=TEST_ACTOR)
        assert Order.objects.get(pk=answer["order"]).status == "unassigned"
    shown = tenant_a.api().get(f"/api/v1/standing-orders/{standing.pk}/").json()
    assert (shown["source"], shown["paused"]) == ("shopify", True)


def test_odd_characters_in_the_plan_are_left_out(tenant_a, shop):
    plan = {"id": "69\x0012\ud800", "name": "Every 2 weeks\x00 \ud800box"}
    receive(tenant_a, subscription_order(1001, "2026/11/27", plan=plan), "w-odd")
    with tenant_a.use():
        standing = StandingOrder.objects.get()
    assert (standing.external_id, standing.notes, standing.interval_weeks) == (
        f"shopify:{SHOP}:selling-plan:6912",
        "Shopify subscription: Every 2 weeks box",
        2,
    )
