"""Shopify intake: signed orders/create webhooks become orders exactly once, local delivery only;
owners and admins connect shops through the API."""

import copy
import json
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from delivery.customers.models import Customer
from delivery.models import LocationStatus, Order, OrderEvent, ShopifyConnection, ShopifyOrderSync
from delivery.models import ShopifyWebhookReceipt as Receipt
from delivery.shopify import shopify_connection_create, shopify_signature
from delivery.tests.factories import make_order
from tenants.models import Tenant
from tests.isolation.snapshot import schema_fingerprint

SHOP = "bakery-de-vries.myshopify.com"
SECRET = "4f1c0e9b7d2a8c6e5f3b1a9d7c5e3f1a"
WEBHOOK_PATH = "/integrations/shopify/orders"

# An orders/create webhook body as Shopify sends it for a Local Delivery checkout (trimmed of
# the price, tax and discount blocks the intake does not read).
ORDER = {
    "id": 5830231310553,
    "admin_graphql_api_id": "gid://shopify/Order/5830231310553",
    "name": "#1001",
    "order_number": 1001,
    "email": "Ada.Lovelace@Example.com",
    "contact_email": "Ada.Lovelace@Example.com",
    "phone": None,
    "created_at": "2026-11-26T15:02:11+01:00",
    "currency": "EUR",
    "financial_status": "paid",
    "note": "Please ring the upstairs bell",
    "note_attributes": [
        {"name": "Delivery Date", "value": "2026/11/27"},
        {"name": "Gift message", "value": "Happy birthday"},
    ],
    "total_weight": 2500,
    "customer": {
        "id": 7069440819417,
        "email": "ada.lovelace@example.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "phone": None,
    },
    "line_items": [
        {
            "id": 1,
            "name": "Sourdough loaf",
            "quantity": 2,
            "grams": 1000,
            "requires_shipping": True,
        },
        {"id": 2, "name": "Cinnamon bun", "quantity": 1, "grams": 500, "requires_shipping": True},
        {"id": 3, "name": "Gift card", "quantity": 1, "grams": 0, "requires_shipping": False},
    ],
    "shipping_address": {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "name": "Ada Lovelace",
        "company": None,
        "address1": "Prinsengracht 263",
        "address2": "2nd floor",
        "city": "Amsterdam",
        "zip": "1016 GV",
        "province": None,
        "province_code": None,
        "country": "Netherlands",
        "country_code": "NL",
        "phone": "06 12345678",
        "latitude": 52.3752,
        "longitude": 4.884,
    },
    "shipping_lines": [
        {
            "id": 4879512518873,
            "carrier_identifier": None,
            "code": "Local Delivery",
            "delivery_category": None,
            "discounted_price": "3.99",
            "phone": "+31612345678",
            "price": "3.99",
            "requested_fulfillment_service_id": None,
            "source": "shopify",
            "title": "Local Delivery",
            "tax_lines": [],
        }
    ],
}


def payload(**changes) -> dict:
    order = copy.deepcopy(ORDER)
    order.update(changes)
    return order


def webhook_headers(
    raw: bytes,
    *,
    secret: str = SECRET,
    shop: str = SHOP,
    webhook_id: str = "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
    topic: str = "orders/create",
    signature: str | None = None,
) -> dict[str, str]:
    return {
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Hmac-Sha256": (
            shopify_signature(secret=secret, body=raw) if signature is None else signature
        ),
        "X-Shopify-API-Version": "2025-10",
    }


def post_webhook(world, body, **headers):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    client = Client(HTTP_HOST=world.host, enforce_csrf_checks=True)
    return client.post(
        WEBHOOK_PATH,
        data=raw,
        content_type="application/json",
        headers=webhook_headers(raw, **headers),
    )


@pytest.fixture
def shop(tenant_a) -> ShopifyConnection:
    with tenant_a.use():
        return shopify_connection_create(shop_domain=SHOP, webhook_secret=SECRET)


def receipts(world) -> list[tuple]:
    with world.use():
        return list(Receipt.objects.values_list("webhook_id", "topic", "outcome", "order_id"))


def order_count(world) -> int:
    with world.use():
        return Order.objects.count()


# --- intake -----------------------------------------------------------------------------------


def test_a_local_delivery_order_becomes_an_order(tenant_a, shop):
    # given a connected shop
    # when Shopify posts a signed orders/create webhook for a Local Delivery checkout
    response = post_webhook(tenant_a, ORDER)

    # then the order exists, mapped from the Shopify order, created by the integration
    assert response.status_code == 200, response.content
    with tenant_a.use():
        order = Order.objects.get()
        event = OrderEvent.objects.get(order=order)
    assert response.json() == {"outcome": "created", "order": str(order.pk), "reason": ""}
    assert {
        "external_id": order.external_id,
        "recipient": (order.recipient_name, order.recipient_phone, order.recipient_email),
        "address": order.address,
        "location": (order.lat, order.lng, order.location_status),
        "delivery_date": order.delivery_date,
        "load": (order.items, order.weight_kg),
        "notes": order.notes,
        "source": order.source,
        "status": order.status,
    } == {
        "external_id": "#1001",
        "recipient": ("Ada Lovelace", "+31612345678", "ada.lovelace@example.com"),
        "address": "Prinsengracht 263, 2nd floor, 1016 GV Amsterdam, Netherlands",
        "location": (52.3752, 4.884, LocationStatus.PROVIDED),
        "delivery_date": date(2026, 11, 27),
        "load": (3, Decimal("2.500")),
        "notes": "Please ring the upstairs bell",
        "source": "shopify",
        "status": "unassigned",
    }
    assert (event.kind, event.actor_kind, event.actor_label) == (
        "created",
        "integration",
        f"Shopify {SHOP}",
    )
    assert receipts(tenant_a) == [
        ("b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", "orders/create", "created", order.pk)
    ]


def test_a_retried_webhook_creates_nothing_more(tenant_a, shop):
    # given a webhook already handled
    first = post_webhook(tenant_a, ORDER)

    # when Shopify delivers it again (same webhook id)
    again = post_webhook(tenant_a, ORDER)

    # then it is acknowledged as a duplicate, and there is still one order and one receipt
    assert first.status_code == 200
    assert again.status_code == 200
    assert again.json() == {
        "outcome": "duplicate",
        "order": None,
        "reason": "This webhook was already received.",
    }
    assert order_count(tenant_a) == 1
    assert [outcome for _, _, outcome, _ in receipts(tenant_a)] == ["created"]


@pytest.mark.parametrize(
    "headers",
    [
        {"signature": "bm90IHRoZSBzaWduYXR1cmU="},
        {"signature": ""},
        {"secret": "another-secret-of-enough-length"},
        {"shop": "someone-else.myshopify.com"},
        {"shop": "bakery-de-vries\u0000.myshopify.com"},
        {"shop": "x" * 5000},
    ],
    ids=[
        "wrong-signature",
        "missing-signature",
        "other-secret",
        "unknown-shop",
        "nul-in-shop",
        "huge-shop",
    ],
)
def test_an_unverified_webhook_is_refused_and_nothing_is_stored(tenant_a, shop, headers):
    # given the business's state
    before = schema_fingerprint(tenant_a.schema)

    # when a webhook arrives that the connected shop did not sign
    response = post_webhook(tenant_a, ORDER, **headers)

    # then it is not authenticated, and nothing changed
    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "authentication_failed",
            "message": "Unknown shop or invalid X-Shopify-Hmac-Sha256.",
            "fields": {},
        }
    }
    assert schema_fingerprint(tenant_a.schema) == before


def test_a_tampered_body_is_refused(tenant_a, shop):
    # given a correctly signed body
    body = json.dumps(ORDER).encode()
    signature = shopify_signature(secret=SECRET, body=body)

    # when the body is changed on the way
    response = post_webhook(tenant_a, body.replace(b"#1001", b"#9999"), signature=signature)

    # then the signature no longer matches
    assert response.status_code == 401
    assert order_count(tenant_a) == 0
    assert receipts(tenant_a) == []


def test_a_disconnected_shop_is_refused(tenant_a, shop):
    with tenant_a.use():
        ShopifyConnection.objects.filter(pk=shop.pk).update(is_active=False)

    response = post_webhook(tenant_a, ORDER)

    assert response.status_code == 401
    assert receipts(tenant_a) == []


def test_a_webhook_signed_for_one_business_is_refused_by_another(tenant_a, tenant_b, shop):
    # given the same shop connected to B with B's own secret (and to A with A's)
    with tenant_b.use():
        shopify_connection_create(shop_domain=SHOP, webhook_secret="b" * 32)
    before = schema_fingerprint(tenant_b.schema)

    # when a webhook signed with A's secret is posted to B's host
    response = post_webhook(tenant_b, ORDER, secret=SECRET)

    # then B refuses it and stores nothing; A never saw it
    assert response.status_code == 401
    assert schema_fingerprint(tenant_b.schema) == before
    assert receipts(tenant_a) == []
    assert order_count(tenant_a) == 0


def test_other_topics_are_acknowledged_and_ignored(tenant_a, shop):
    response = post_webhook(tenant_a, ORDER, topic="orders/updated", webhook_id="w-updated")

    assert response.status_code == 200
    assert response.json() == {
        "outcome": "ignored",
        "order": None,
        "reason": "Topic 'orders/updated' is not handled.",
    }
    assert receipts(tenant_a) == [("w-updated", "orders/updated", "ignored", None)]
    assert order_count(tenant_a) == 0


@pytest.mark.parametrize(
    "shipping_lines",
    [
        [{"code": "Standard", "title": "Standard shipping", "source": "shopify"}],
        [{"code": "Pickup", "title": "Pick up at the bakery", "source": "shopify"}],
        [],
    ],
    ids=["shipping", "pickup", "no-shipping-line"],
)
def test_orders_that_are_not_local_delivery_are_ignored(tenant_a, shop, shipping_lines):
    response = post_webhook(tenant_a, payload(shipping_lines=shipping_lines))

    assert response.status_code == 200
    assert response.json() == {
        "outcome": "ignored",
        "order": None,
        "reason": "Not a local delivery order.",
    }
    assert [outcome for _, _, outcome, _ in receipts(tenant_a)] == ["ignored"]
    assert order_count(tenant_a) == 0


@pytest.mark.parametrize(
    "shipping_line",
    [
        {"code": "local_delivery", "title": "Bike courier", "source": "shopify"},
        {"code": "custom", "title": "Local delivery (Amsterdam centre)", "source": "shopify"},
        {"code": "custom", "title": "Courier", "delivery_category": "local"},
    ],
    ids=["code", "title", "delivery-category-before-2023-07"],
)
def test_local_delivery_is_recognised_by_code_title_or_category(tenant_a, shop, shipping_line):
    response = post_webhook(tenant_a, payload(shipping_lines=[shipping_line]))

    assert response.json()["outcome"] == "created"
    assert order_count(tenant_a) == 1


def test_without_a_delivery_date_the_order_is_for_tomorrow_in_the_business_time_zone(
    tenant_a, shop
):
    # given a business far east of UTC, whose "tomorrow" is often two UTC days away
    Tenant.objects.filter(pk=tenant_a.tenant.pk).update(time_zone="Pacific/Kiritimati")
    tomorrow = timezone.localdate(timezone=ZoneInfo("Pacific/Kiritimati")) + timedelta(days=1)

    # when an order without a "Delivery Date" attribute arrives
    response = post_webhook(tenant_a, payload(note_attributes=[]))

    # then it is delivered tomorrow, in the business's time zone
    assert response.json()["outcome"] == "created"
    with tenant_a.use():
        assert Order.objects.get().delivery_date == tomorrow


@pytest.mark.parametrize(
    ("attribute", "expected"),
    [
        ({"name": "delivery_date", "value": "2026-12-01"}, date(2026, 12, 1)),
        ({"name": "Delivery-Date", "value": "2026/12/1"}, date(2026, 12, 1)),
    ],
)
def test_the_delivery_date_attribute_is_read_in_its_common_spellings(
    tenant_a, shop, attribute, expected
):
    response = post_webhook(tenant_a, payload(note_attributes=[attribute]))

    assert response.json()["outcome"] == "created"
    with tenant_a.use():
        assert Order.objects.get().delivery_date == expected


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        (
            {"note_attributes": [{"name": "Delivery Date", "value": "next Friday"}]},
            "delivery_date: Not a date: 'next Friday'; use YYYY-MM-DD.",
        ),
        ({"shipping_address": None}, "address: This field is required."),
        (
            {"total_weight": -5},
            "load.weight_kg: Must not be negative.",
        ),
    ],
    ids=["unreadable-date", "no-shipping-address", "negative-weight"],
)
def test_invalid_orders_are_acknowledged_and_recorded_as_rejected(
    tenant_a, shop, changes, reason, caplog
):
    # when a verified order arrives that cannot become a delivery
    response = post_webhook(tenant_a, payload(**changes), webhook_id="w-bad")

    # then Shopify gets a 200 (a retry would fail the same way), the receipt says rejected,
    # the reason is logged, and no order exists
    assert response.status_code == 200
    assert response.json() == {"outcome": "rejected", "order": None, "reason": reason}
    assert receipts(tenant_a) == [("w-bad", "orders/create", "rejected", None)]
    assert order_count(tenant_a) == 0
    assert f"shopify {SHOP}: webhook w-bad (orders/create) rejected: {reason}" in caplog.text


def test_an_order_whose_number_exists_already_is_rejected(tenant_a, shop):
    # given an order #1001 entered by hand earlier
    with tenant_a.use():
        make_order(external_id="#1001")

    # when Shopify sends #1001
    response = post_webhook(tenant_a, ORDER)

    # then it is not created twice
    assert response.json() == {
        "outcome": "rejected",
        "order": None,
        "reason": "An order with external_id '#1001' already exists.",
    }
    assert order_count(tenant_a) == 1


def test_a_body_that_is_not_json_is_rejected(tenant_a, shop):
    response = post_webhook(tenant_a, b"<order/>")

    assert response.json() == {
        "outcome": "rejected",
        "order": None,
        "reason": "The body is not JSON.",
    }


def test_unusable_contact_details_move_to_the_notes(tenant_a, shop):
    # given a shipping address with a phone number that is not one and a broken e-mail
    address = {**ORDER["shipping_address"], "phone": "call me maybe"}

    # when the order arrives
    response = post_webhook(tenant_a, payload(shipping_address=address, email="ada@", customer={}))

    # then the order is created, and the dispatcher sees what the shop had
    assert response.json()["outcome"] == "created"
    with tenant_a.use():
        order = Order.objects.get()
    assert (order.recipient_phone, order.recipient_email) == ("", "")
    assert order.notes == (
        "Please ring the upstairs bell\n"
        "Phone as given in Shopify: call me maybe\n"
        "E-mail as given in Shopify: ada@"
    )


@pytest.mark.parametrize(
    "coordinates",
    [{"latitude": None, "longitude": None}, {"latitude": 0, "longitude": 0}],
    ids=["none", "null-island"],
)
def test_without_usable_coordinates_the_address_needs_a_location(tenant_a, shop, coordinates):
    # given no geocoder (the test settings) and an address without real coordinates
    address = {**ORDER["shipping_address"], **coordinates}

    # when the order arrives
    response = post_webhook(tenant_a, payload(shipping_address=address))

    # then the order waits for a location instead of being dropped at (0, 0)
    assert response.json()["outcome"] == "created"
    with tenant_a.use():
        order = Order.objects.get()
    assert (order.lat, order.lng, order.location_status) == (
        None,
        None,
        LocationStatus.NEEDS_LOCATION,
    )


def test_a_webhook_without_an_id_is_refused(tenant_a, shop):
    response = post_webhook(tenant_a, ORDER, webhook_id="")

    assert response.status_code == 400
    assert response.json()["error"]["message"] == "X-Shopify-Webhook-Id is missing or too long."
    assert order_count(tenant_a) == 0


@pytest.mark.parametrize("webhook_id", ["w\u00001", "w\n1"], ids=["nul", "line-break"])
def test_a_webhook_id_that_is_not_plain_text_is_refused(tenant_a, shop, webhook_id):
    response = post_webhook(tenant_a, ORDER, webhook_id=webhook_id)

    assert response.status_code == 400
    assert response.json()["error"]["message"] == ("X-Shopify-Webhook-Id is missing or too long.")
    assert (order_count(tenant_a), receipts(tenant_a)) == (0, [])


def test_a_topic_with_control_characters_is_stored_without_them(tenant_a, shop):
    response = post_webhook(tenant_a, ORDER, webhook_id="w-topic", topic="orders/\u0000create")

    assert response.status_code == 200
    assert response.json() == {
        "outcome": "ignored",
        "order": None,
        "reason": "Topic 'orders/\\x00create' is not handled.",
    }
    assert receipts(tenant_a) == [("w-topic", "orders/create", "ignored", None)]


@pytest.mark.parametrize(
    "gid",
    ["gid://shopify/Order/12\u0000", "gid://shopify/Order/\ud800", "gid://shopify/Order/x"],
    ids=["nul", "lone-surrogate", "not-a-number"],
)
def test_an_unusable_graphql_id_falls_back_to_the_order_number(tenant_a, shop, gid):
    raw = json.dumps(payload(admin_graphql_api_id=gid)).encode()

    response = post_webhook(tenant_a, raw)

    assert response.status_code == 200
    assert response.json()["outcome"] == "created"
    with tenant_a.use():
        sync = ShopifyOrderSync.objects.get()
    assert sync.shopify_order_id == "gid://shopify/Order/5830231310553"


@pytest.mark.parametrize(
    "customer_id",
    ["70\u000069", "7" * 120, "\ud800", True],
    ids=["nul", "long", "surrogate", "bool"],
)
def test_an_unusable_customer_id_is_not_kept(tenant_a, shop, customer_id):
    raw = json.dumps(payload(customer={**ORDER["customer"], "id": customer_id})).encode()

    response = post_webhook(tenant_a, raw)

    assert response.status_code == 200
    assert response.json()["outcome"] == "created"
    with tenant_a.use():
        customer = Customer.objects.get()
    assert (customer.name, customer.external_id) == ("Ada Lovelace", None)


def test_a_customer_id_is_kept_as_shopify_writes_it(tenant_a, shop):
    response = post_webhook(tenant_a, ORDER)

    assert response.json()["outcome"] == "created"
    with tenant_a.use():
        assert Customer.objects.get().external_id == "shopify:7069440819417"


def test_only_post_is_accepted(tenant_a, shop):
    response = Client(HTTP_HOST=tenant_a.host).get(WEBHOOK_PATH)

    assert response.status_code == 405
    assert response["Allow"] == "POST"


# --- connections API --------------------------------------------------------------------------

CONNECTIONS = "/api/v1/integrations/shopify/connections/"


def post_json(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def test_an_admin_connects_a_shop_and_the_secret_is_never_shown_back(tenant_a):
    # when an admin connects a shop with the secret Shopify gave them
    client = tenant_a.api()
    created = post_json(
        client,
        CONNECTIONS,
        {"shop_domain": " Bakery-De-Vries.myshopify.com ", "webhook_secret": SECRET},
    )

    # then it is stored as given, and every answer masks the secret
    assert created.status_code == 201, created.content
    with tenant_a.use():
        connection = ShopifyConnection.objects.get()
    expected = {
        "id": str(connection.pk),
        "shop_domain": SHOP,
        "webhook_secret": "••••••••3f1a",
        "webhook_url": f"http://{tenant_a.host}/integrations/shopify/orders",
        "access_token": "",
        "is_active": True,
        "created_at": connection.created_at.isoformat().replace("+00:00", "Z"),
    }
    assert created.json() == expected
    assert connection.webhook_secret == SECRET
    assert client.get(CONNECTIONS).json() == {"results": [expected], "next": None}
    assert client.get(f"{CONNECTIONS}{connection.pk}/").json() == expected


def test_a_shop_is_disconnected(tenant_a, shop):
    response = tenant_a.api().delete(f"{CONNECTIONS}{shop.pk}/")

    assert response.status_code == 204
    with tenant_a.use():
        assert ShopifyConnection.objects.count() == 0
    assert post_webhook(tenant_a, ORDER).status_code == 401


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (
            {"shop_domain": "bakery.example.com", "webhook_secret": SECRET},
            {"shop_domain": ["Give the shop's permanent domain, e.g. my-bakery.myshopify.com."]},
        ),
        (
            {"shop_domain": SHOP, "webhook_secret": "short"},
            {
                "webhook_secret": [
                    "Paste the webhook signing secret from Shopify (16–255 characters, no spaces)."
                ]
            },
        ),
        ({"shop_domain": SHOP}, {"webhook_secret": ["This field is required."]}),
    ],
    ids=["not-myshopify", "short-secret", "no-secret"],
)
def test_bad_connections_are_refused(tenant_a, body, fields):
    response = post_json(tenant_a.api(), CONNECTIONS, body)

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == fields
    with tenant_a.use():
        assert ShopifyConnection.objects.count() == 0


def test_a_shop_is_connected_once(tenant_a, shop):
    response = post_json(
        tenant_a.api(), CONNECTIONS, {"shop_domain": SHOP, "webhook_secret": "c" * 32}
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"shop_domain": [f"{SHOP} is already connected."]}


@pytest.mark.parametrize("role", ["dispatcher", "driver"])
def test_only_owners_and_admins_manage_connections(tenant_a, shop, role):
    client = tenant_a.browser(role)

    responses = [
        client.get(CONNECTIONS),
        post_json(
            client, CONNECTIONS, {"shop_domain": "x.myshopify.com", "webhook_secret": SECRET}
        ),
        client.delete(f"{CONNECTIONS}{shop.pk}/"),
    ]

    assert [response.status_code for response in responses] == [403, 403, 403]
    with tenant_a.use():
        assert list(ShopifyConnection.objects.values_list("shop_domain", flat=True)) == [SHOP]


def test_the_owner_manages_connections_from_the_dashboard(tenant_a):
    response = post_json(
        tenant_a.browser("owner"), CONNECTIONS, {"shop_domain": SHOP, "webhook_secret": SECRET}
    )

    assert response.status_code == 201


# --- through the real web server --------------------------------------------------------------


def test_a_webhook_through_the_web_server_creates_the_order_once(
    asgi_server, committed_tenant, committed_db
):
    # given a committed business with a connected shop
    world = committed_tenant("shopify-live")
    with world.use():
        shopify_connection_create(shop_domain=SHOP, webhook_secret=SECRET)
    raw = json.dumps(ORDER, indent=2).encode()

    # when Shopify delivers the signed webhook twice to the running server
    first, again = (
        asgi_server.request(
            "POST",
            world.host,
            WEBHOOK_PATH,
            headers={"Content-Type": "application/json", **webhook_headers(raw)},
            data=raw,
        )
        for _ in range(2)
    )

    # then the raw body's signature held, and one order exists
    assert first.status_code == 200, first.content
    assert first.json()["outcome"] == "created"
    assert (again.status_code, again.json()["outcome"]) == (200, "duplicate")
    with world.use():
        assert list(Order.objects.values_list("external_id", "source")) == [("#1001", "shopify")]
