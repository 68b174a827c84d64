"""Shopify write-back, tested against a local fake Shopify (delivery.tests.fake_shopify) at the
HTTP boundary: a delivered or failed order from Shopify becomes one fulfillment with our tracking
link, then a delivered / attempted-delivery event; retries with backoff and Retry-After; never two
fulfillments; a visible status in the API and on the order page, and a retry action."""

import json
from datetime import datetime, timedelta

import pytest
from celery import signals
from django.utils import timezone

from delivery.models import Order, OrderStatus, ShopifyConnection, ShopifyOrderSync
from delivery.services import order_transition
from delivery.shopify import shopify_connection_create
from delivery.shopify_sync import (
    _claim,
    _storable,
    retry_countdown,
    shopify_order_sync,
    shopify_sync_retry,
    shopify_syncs_sweep,
)
from delivery.tasks import shopify_order_sync_task
from delivery.tests.factories import TEST_ACTOR, make_driver, make_order
from delivery.tests.fake_shopify import TOKEN, FakeShopify, json_of, throttled
from delivery.tests.test_shopify import ORDER, SECRET, SHOP, payload, post_webhook
from tenants.queueing import AfterCommitSend
from tests.recorded_http import Recorded

ORDER_GID = "gid://shopify/Order/5830231310553"
SYNC_FIELDS = (
    "status",
    "outcome",
    "attempts",
    "last_error",
    "fulfillment_id",
    "outcome_number",
    "synced_number",
)


@pytest.fixture
def fake_shopify(settings):
    with FakeShopify() as fake:
        settings.SHOPIFY_ADMIN_URL = fake.admin_url()
        settings.SHOPIFY_SYNC_MAX_RETRIES = 3
        fake.add_order(SHOP, ORDER_GID)
        yield fake


@pytest.fixture
def connected_shop(tenant_a):
    with tenant_a.use():
        return shopify_connection_create(
            shop_domain=SHOP, webhook_secret=SECRET, access_token=TOKEN
        )


@pytest.fixture
def shopify_order(tenant_a, connected_shop) -> Order:
    """An order that came in by the shop's orders/create webhook, on its way."""
    response = post_webhook(tenant_a, ORDER)
    assert response.json()["outcome"] == "created", response.content
    with tenant_a.use():
        order = Order.objects.get(pk=response.json()["order"])
        order_transition(
            order_id=order.pk, to=OrderStatus.ASSIGNED, actor=TEST_ACTOR, driver=make_driver()
        )
        return order_transition(
            order_id=order.pk, to=OrderStatus.OUT_FOR_DELIVERY, actor=TEST_ACTOR
        )


def _finish(order: Order, to: str, **arguments) -> Order:
    return order_transition(order_id=order.pk, to=to, actor=TEST_ACTOR, **arguments)


def _sync(order: Order) -> dict:
    row = ShopifyOrderSync.objects.get(order=order)
    return {name: getattr(row, name) for name in SYNC_FIELDS}


def _queued_syncs(callbacks) -> list:
    return [
        callback.args
        for callback in callbacks
        if isinstance(callback, AfterCommitSend) and callback.task is shopify_order_sync_task
    ]


@pytest.fixture
def retry_countdowns():
    """The countdowns of the task's retries, as Celery's task_retry signal reports them."""
    seen: list = []

    def record(sender=None, reason=None, **kwargs):
        if getattr(sender, "name", "") == shopify_order_sync_task.name:
            seen.append(reason.when)

    signals.task_retry.connect(record, weak=False)
    yield seen
    signals.task_retry.disconnect(record)


def test_an_order_from_shopify_waits_for_its_delivery(tenant_a, shopify_order):
    with tenant_a.use():
        assert _sync(shopify_order) == {
            "status": "waiting",
            "outcome": "",
            "attempts": 0,
            "last_error": "",
            "fulfillment_id": "",
            "outcome_number": 0,
            "synced_number": 0,
        }
        row = ShopifyOrderSync.objects.get(order=shopify_order)
        assert (row.shop_domain, row.shopify_order_id) == (SHOP, ORDER_GID)


def test_a_delivered_order_is_fulfilled_with_its_tracking_link_then_marked_delivered(
    tenant_a, shopify_order, fake_shopify, django_capture_on_commit_callbacks
):
    # when the driver delivers it
    with tenant_a.use():
        with django_capture_on_commit_callbacks() as callbacks:
            delivered = _finish(shopify_order, OrderStatus.DELIVERED)
        # then the write-back is queued after commit, and the task writes it
        assert _queued_syncs(callbacks) == [[str(shopify_order.pk)]]
        assert _sync(shopify_order)["status"] == "pending"
        result = shopify_order_sync_task.apply(args=[str(shopify_order.pk)])
        assert result.get() == "synced"
        sync = _sync(shopify_order)
        attempt = delivered.attempts.get()

    # the shop got exactly: read the order, one fulfillment, read its events, one event
    assert fake_shopify.operations() == [
        "DeliveryOrderFulfillments",
        "DeliveryFulfillmentCreate",
        "DeliveryFulfillmentEvents",
        "DeliveryFulfillmentEventCreate",
    ]
    first = fake_shopify.requests[0]
    assert first.path == f"/{SHOP}/admin/api/2025-10/graphql.json"
    assert first.headers["x-shopify-access-token"] == TOKEN
    assert json_of(first)["variables"] == {"id": ORDER_GID}
    link = f"http://alpha.localhost/t/{shopify_order.tracking_token}/"
    assert json_of(fake_shopify.requests[1])["variables"] == {
        "fulfillment": {
            "lineItemsByFulfillmentOrder": [
                {"fulfillmentOrderId": "gid://shopify/FulfillmentOrder/58302313105530"}
            ],
            "notifyCustomer": False,
            "trackingInfo": {"url": link, "number": "#1001", "company": "Business ALPHA"},
        }
    }
    (fulfillment,) = fake_shopify.orders[(SHOP, ORDER_GID)].fulfillments
    assert [(e["status"], e["happenedAt"]) for e in fulfillment["events"]] == [
        ("DELIVERED", attempt.attempted_at.isoformat())
    ]
    assert sync == {
        "status": "synced",
        "outcome": "delivered",
        "attempts": 1,
        "last_error": "",
        "fulfillment_id": fulfillment["id"],
        "outcome_number": 1,
        "synced_number": 1,
    }


def test_a_failed_delivery_is_attempted_then_a_later_delivery_reuses_the_fulfillment(
    tenant_a, shopify_order, fake_shopify
):
    with tenant_a.use():
        # given a failed attempt, written back
        _finish(shopify_order, OrderStatus.FAILED, reason="not_home")
        assert shopify_order_sync_task.apply(args=[str(shopify_order.pk)]).get() == "synced"
        assert _sync(shopify_order)["outcome"] == "attempted_delivery"

        # when it is rescheduled and delivered the next day
        _finish(shopify_order, OrderStatus.UNASSIGNED, delivery_date=shopify_order.delivery_date)
        _finish(shopify_order, OrderStatus.ASSIGNED, driver=shopify_order.driver or make_driver())
        _finish(shopify_order, OrderStatus.OUT_FOR_DELIVERY)
        _finish(shopify_order, OrderStatus.DELIVERED)
        assert shopify_order_sync_task.apply(args=[str(shopify_order.pk)]).get() == "synced"
        sync = _sync(shopify_order)

    # then the one fulfillment carries both events, in order
    (fulfillment,) = fake_shopify.orders[(SHOP, ORDER_GID)].fulfillments
    assert [event["status"] for event in fulfillment["events"]] == [
        "ATTEMPTED_DELIVERY",
        "DELIVERED",
    ]
    assert fake_shopify.operations().count("DeliveryFulfillmentCreate") == 1
    assert (sync["status"], sync["outcome"], sync["outcome_number"], sync["synced_number"]) == (
        "synced",
        "delivered",
        2,
        2,
    )


def test_shopify_failing_then_answering_is_retried_with_backoff_and_retry_after(
    tenant_a, shopify_order, fake_shopify, retry_countdowns, settings
):
    # given Shopify that fails the first calls: a 500, a 429 asking for 7 s, a throttled query
    settings.SHOPIFY_SYNC_BACKOFF_SECONDS = 2
    fake_shopify.fail_next(
        Recorded(500, {"errors": "Internal Server Error"}),
        Recorded(429, {"errors": "Exceeded 2 calls per second"}, headers={"Retry-After": "7"}),
        throttled(),
    )
    with tenant_a.use():
        _finish(shopify_order, OrderStatus.DELIVERED)

        # when the task runs (its retries run at once under apply())
        result = shopify_order_sync_task.apply(args=[str(shopify_order.pk)])

        # then it retried with exponential backoff, never before Retry-After, and succeeded
        assert result.get() == "synced"
        sync = _sync(shopify_order)
    assert retry_countdowns == [2, 7, 8]
    assert sync["status"] == "synced"
    assert sync["attempts"] == 4
    assert sync["last_error"] == ""
    assert len(fake_shopify.orders[(SHOP, ORDER_GID)].fulfillments) == 1


def test_a_transient_failure_leaves_the_sync_pending_with_its_error_and_next_try(
    tenant_a, shopify_order, fake_shopify
):
    fake_shopify.fail_next(
        Recorded(429, {"errors": "Exceeded 2 calls per second"}, headers={"Retry-After": "7"})
    )
    with tenant_a.use():
        _finish(shopify_order, OrderStatus.DELIVERED)
        result = shopify_order_sync(order_id=shopify_order.pk, last_try=False)
        sync = _sync(shopify_order)
    assert (result.status, result.retry_after) == ("pending", 7)
    assert sync["status"] == "pending"
    assert sync["attempts"] == 1
    assert sync["last_error"] == "Shopify asked us to slow down (HTTP 429)."


def test_retry_countdowns_grow_and_respect_retry_after(settings):
    settings.SHOPIFY_SYNC_BACKOFF_SECONDS = 30
    settings.SHOPIFY_SYNC_MAX_BACKOFF_SECONDS = 3600
    assert [retry_countdown(retries=n, retry_after=None) for n in range(8)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
    ]
    assert retry_countdown(retries=0, retry_after=120) == 120


def test_an_answer_lost_after_shopify_made_the_fulfillment_does_not_make_a_second(
    tenant_a, shopify_order, fake_shopify
):
    # given Shopify that makes the fulfillment but whose answer is lost (a 500)
    fake_shopify.lost_answers.append("DeliveryFulfillmentCreate")
    with tenant_a.use():
        _finish(shopify_order, OrderStatus.DELIVERED)
        first = shopify_order_sync(order_id=shopify_order.pk, last_try=False)
        assert first.status == "pending"
        assert _sync(shopify_order)["fulfillment_id"] == ""

        # when the retry runs
        second = shopify_order_sync(order_id=shopify_order.pk, last_try=False)
        sync = _sync(shopify_order)

    # then it found the fulfillment carrying our link and used it: one fulfillment, one event
    assert second.status == "synced"
    (fulfillment,) = fake_shopify.orders[(SHOP, ORDER_GID)].fulfillments
    assert sync["fulfillment_id"] == fulfillment["id"]
    assert [event["status"] for event in fulfillment["events"]] == ["DELIVERED"]
    assert fake_shopify.operations() == [
        "DeliveryOrderFulfillments",
        "DeliveryFulfillmentCreate",
        "DeliveryOrderFulfillments",
        "DeliveryFulfillmentEvents",
        "DeliveryFulfillmentEventCreate",
    ]


def test_an_event_whose_answer_was_lost_is_not_posted_twice(tenant_a, shopify_order, fake_shopify):
    fake_shopify.lost_answers.append("DeliveryFulfillmentEventCreate")
    with tenant_a.use():
        _finish(shopify_order, OrderStatus.DELIVERED)
        assert shopify_order_sync(order_id=shopify_order.pk, last_try=False).status == "pending"
        assert shopify_order_sync(order_id=shopify_order.pk, last_try=False).status == "synced"
    (fulfillment,) = fake_shopify.orders[(SHOP, ORDER_GID)].fulfillments
    assert [event["status"] for event in fulfillment["events"]] == ["DELIVERED"]
    assert fake_shopify.operations()[-2:] == [
        "DeliveryFulfillmentEventCreate",
        "DeliveryFulfillmentEvents",
    ]


def test_the_task_run_twice_writes_once(tenant_a, shopify_order, fake_shopify):
    with tenant_a.use():
        _finish(shopify_order, OrderStatus.DELIVERED)
        assert shopify_order_sync_task.apply(args=[str(shopify_order.pk)]).get() == "synced"
        assert shopify_order_sync_task.apply(args=[str(shopify_order.pk)]).get() == "skipped"
    (fulfillment,) = fake_shopify.orders[(SHOP, ORDER_GID)].fulfillments
    assert len(fulfillment["events"]) == 1
    assert len(fake_shopify.requests) == 4


def test_shopify_down_for_good_ends_failed_and_a_retry_then_succeeds(
    tenant_a, shopify_order, fake_shopify, settings, retry_countdowns
):
    # given Shopify answering 503 to every try (1 + SHOPIFY_SYNC_MAX_RETRIES = 4)
    settings.SHOPIFY_SYNC_BACKOFF_SECONDS = 1
    fake_shopify.fail_next(*[Recorded(503, {"errors": "Unavailable"}) for _ in range(4)])
    with tenant_a.use():
        _finish(shopify_order, OrderStatus.DELIVERED)
        assert shopify_order_sync_task.apply(args=[str(shopify_order.pk)]).get() == "failed"
        failed = _sync(shopify_order)
    assert retry_countdowns == [1, 2, 4]
    assert (failed["status"], failed["attempts"], failed["last_error"]) == (
        "failed",
        4,
        "Shopify answered HTTP 503.",
    )
    assert fake_shopify.orders[(SHOP, ORDER_GID)].fulfillments == []

    # the API and the order page show it failed, with the error and a retry button
    api = tenant_a.api()
    shown = api.get(f"/api/v1/orders/{shopify_order.pk}/shopify-sync")
    assert shown.status_code == 200
    body = shown.json()
    assert {key: body[key] for key in ("status", "outcome", "attempts", "last_error")} == {
        "status": "failed",
        "outcome": "delivered",
        "attempts": 4,
        "last_error": "Shopify answered HTTP 503.",
    }
    page = tenant_a.browser("dispatcher").get(f"/orders/{shopify_order.pk}/").content.decode()
    assert "Shopify answered HTTP 503." in page
    assert "Retry the write-back now" in page

    # when a dispatcher retries through the API (Shopify is back)
    retried = api.post(f"/api/v1/orders/{shopify_order.pk}/shopify-sync/retry")
    assert retried.status_code == 200, retried.content
    assert retried.json()["status"] == "pending"
    with tenant_a.use():
        assert shopify_order_sync_task.apply(args=[str(shopify_order.pk)]).get() == "synced"
        assert _sync(shopify_order)["status"] == "synced"
    assert len(fake_shopify.orders[(SHOP, ORDER_GID)].fulfillments) == 1
    # and a synced write-back is not retried again
    again = api.post(f"/api/v1/orders/{shopify_order.pk}/shopify-sync/retry")
    assert again.status_code == 409
    assert again.json()["error"]["message"] == "The delivery is already written back to Shopify."


def test_a_refused_token_fails_at_once_without_retries(
    tenant_a, shopify_order, fake_shopify, retry_countdowns
):
    fake_shopify.token = "shpat_another_token_entirely_0000"  # noqa: S105
    with tenant_a.use():
        _finish(shopify_order, OrderStatus.FAILED, reason="not_home")
        assert shopify_order_sync_task.apply(args=[str(shopify_order.pk)]).get() == "failed"
        sync = _sync(shopify_order)
    assert retry_countdowns == []
    assert sync["status"] == "failed"
    assert sync["last_error"] == (
        "Shopify refused the access token (HTTP 401): check the token and that the app may "
        "write fulfillments."
    )


def test_without_an_access_token_the_sync_fails_and_says_what_to_do(
    tenant_a, fake_shopify, connected_shop
):
    with tenant_a.use():
        connected_shop.access_token = ""
        connected_shop.save()
    response = post_webhook(tenant_a, payload())
    with tenant_a.use():
        order = Order.objects.get(pk=response.json()["order"])
        _finish(order, OrderStatus.ASSIGNED, driver=make_driver())
        _finish(order, OrderStatus.OUT_FOR_DELIVERY)
        _finish(order, OrderStatus.DELIVERED)
        assert shopify_order_sync_task.apply(args=[str(order.pk)]).get() == "failed"
        assert _sync(order)["last_error"] == (
            f"Add the Admin API access token of {SHOP}, then retry."
        )
    assert fake_shopify.requests == []


def test_other_orders_have_no_write_back(tenant_a, fake_shopify):
    with tenant_a.use():
        order = make_order()
    api = tenant_a.api()
    response = api.get(f"/api/v1/orders/{order.pk}/shopify-sync")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "This order did not come from Shopify."
    assert api.post(f"/api/v1/orders/{order.pk}/shopify-sync/retry").status_code == 404
    assert "Retry the write-back" not in (
        tenant_a.browser("dispatcher").get(f"/orders/{order.pk}/").content.decode()
    )


def test_an_error_text_postgresql_cannot_store_is_recorded_without_it(
    tenant_a, shopify_order, fake_shopify
):
    # Shopify's own words go into last_error: a NUL must not fail the task (a lone surrogate
    # neither, below: not sent through here, as pytest-xdist cannot carry it in the captured log)
    fake_shopify.fail_next(Recorded(200, {"errors": [{"message": "Bad\u0000 input "}]}))
    with tenant_a.use():
        _finish(shopify_order, OrderStatus.DELIVERED)
        assert shopify_order_sync_task.apply(args=[str(shopify_order.pk)]).get() == "failed"
        sync = _sync(shopify_order)
    assert (sync["status"], sync["last_error"]) == (
        "failed",
        "Shopify refused the query: Bad input ",
    )


def test_error_texts_are_stored_without_nul_or_lone_surrogates():
    assert _storable("Bad\u0000 in\ud800put") == "Bad input"


def test_the_order_page_retry_queues_the_write_back(
    tenant_a, shopify_order, fake_shopify, django_capture_on_commit_callbacks
):
    fake_shopify.fail_next(Recorded(400, {"errors": "Bad Request"}))
    with tenant_a.use():
        _finish(shopify_order, OrderStatus.DELIVERED)
        assert shopify_order_sync_task.apply(args=[str(shopify_order.pk)]).get() == "failed"
    with django_capture_on_commit_callbacks() as callbacks:
        response = tenant_a.browser("dispatcher").post(f"/orders/{shopify_order.pk}/shopify-retry/")
    assert response.status_code == 302
    assert _queued_syncs(callbacks) == [[str(shopify_order.pk)]]
    with tenant_a.use():
        assert _sync(shopify_order)["status"] == "pending"


# --- the connection's token -------------------------------------------------------------------

CONNECTIONS = "/api/v1/integrations/shopify/connections/"


def test_the_access_token_is_stored_and_never_shown_back(tenant_a):
    client = tenant_a.api()
    created = client.post(
        CONNECTIONS,
        data=json.dumps({"shop_domain": SHOP, "webhook_secret": SECRET, "access_token": TOKEN}),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["access_token"] == "••••••••cdef"
    assert TOKEN not in created.content.decode()
    connection_id = created.json()["id"]

    changed = client.patch(
        f"{CONNECTIONS}{connection_id}/",
        data=json.dumps({"access_token": "shpat_new_token_new_token_9999"}),
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["access_token"] == "••••••••9999"
    listed = client.get(CONNECTIONS).content.decode()
    assert "shpat_" not in listed

    refused = client.patch(
        f"{CONNECTIONS}{connection_id}/",
        data=json.dumps({"access_token": "short token"}),
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {
        "access_token": [
            "Paste the Admin API access token of the shop's app (shpat_…, 20–255 characters, "
            "no spaces)."
        ]
    }
    with tenant_a.use():
        assert ShopifyConnection.objects.get().access_token == "shpat_new_token_new_token_9999"


def test_happened_at_is_the_attempt_time(tenant_a, shopify_order, fake_shopify):
    with tenant_a.use():
        _finish(shopify_order, OrderStatus.DELIVERED)
        shopify_order_sync_task.apply(args=[str(shopify_order.pk)])
        attempt = shopify_order.attempts.get()
    (fulfillment,) = fake_shopify.orders[(SHOP, ORDER_GID)].fulfillments
    (event,) = fulfillment["events"]
    assert datetime.fromisoformat(event["happenedAt"]) == attempt.attempted_at


def test_the_sweep_requeues_a_write_back_whose_task_was_lost(
    tenant_a, shopify_order, fake_shopify, django_capture_on_commit_callbacks
):
    with tenant_a.use():
        _finish(shopify_order, OrderStatus.DELIVERED)  # its task never reaches a worker
        # not yet: the write-back was asked for a moment ago
        with django_capture_on_commit_callbacks() as soon:
            assert shopify_syncs_sweep() == 0
        # a few minutes later, still pending: queued again
        later = timezone.now() + timedelta(minutes=5)
        with django_capture_on_commit_callbacks() as callbacks:
            assert shopify_syncs_sweep(now=later) == 1
        # a synced one is left alone
        shopify_order_sync_task.apply(args=[str(shopify_order.pk)])
        assert shopify_syncs_sweep(now=later + timedelta(minutes=5)) == 0
    assert _queued_syncs(soon) == []
    assert _queued_syncs(callbacks) == [[str(shopify_order.pk)]]


def test_an_unreachable_shop_is_retried_and_says_so(tenant_a, shopify_order, settings):
    # given an Admin API address where nothing listens (a closed port)
    with FakeShopify() as gone:
        address = gone.admin_url()
    settings.SHOPIFY_ADMIN_URL = address
    with tenant_a.use():
        _finish(shopify_order, OrderStatus.DELIVERED)
        result = shopify_order_sync(order_id=shopify_order.pk, last_try=False)
        sync = _sync(shopify_order)
    assert (result.status, result.retry_after) == ("pending", 0)
    assert (sync["status"], sync["last_error"]) == (
        "pending",
        "Shopify could not be reached (no connection).",
    )


def test_a_slow_shop_times_out(tenant_a, shopify_order, fake_shopify, settings):
    settings.SHOPIFY_TIMEOUT_SECONDS = 0.5
    fake_shopify.fail_next(Recorded(200, {"data": {}}, delay=2))
    with tenant_a.use():
        _finish(shopify_order, OrderStatus.DELIVERED)
        result = shopify_order_sync(order_id=shopify_order.pk, last_try=True)
        sync = _sync(shopify_order)
    assert result.status == "failed"
    assert sync["last_error"] == "Shopify did not answer in time."


def test_a_retry_while_a_try_is_under_way_does_not_start_a_second(
    tenant_a, shopify_order, fake_shopify
):
    with tenant_a.use():
        _finish(shopify_order, OrderStatus.DELIVERED)
        assert _claim(shopify_order.pk)  # a sender is busy with it
        shopify_sync_retry(order_id=shopify_order.pk)
        assert shopify_order_sync(order_id=shopify_order.pk).status == "skipped"
    assert fake_shopify.requests == []
