"""The delivery app's API endpoints, registered in the tenant-isolation harness."""

from delivery.tests.factories import make_depot, make_driver, make_order, make_vehicle
from tests.isolation.registry import Endpoint, register


def depot(world) -> str:
    with world.use():
        return str(make_depot().pk)


def vehicle(world) -> str:
    with world.use():
        return str(make_vehicle().pk)


def driver(world) -> str:
    with world.use():
        return str(make_driver().pk)


def order(world) -> str:
    with world.use():
        return str(make_order().pk)


ORDER_BODY = {
    "recipient": {"name": "Bo"},
    "address": "Somewhere 1",
    "delivery_date": "2026-11-27",
    "location": {"lat": 52.1, "lng": 4.3},
}

register(
    Endpoint("depot-list", "GET", "/api/v1/depots/"),
    Endpoint(
        "depot-list",
        "POST",
        "/api/v1/depots/",
        body={"name": "D", "address": "A 1", "location": {"lat": 52.0, "lng": 4.0}},
    ),
    Endpoint("depot-detail", "GET", "/api/v1/depots/{id}/", make_object=depot),
    Endpoint(
        "depot-detail",
        "PUT",
        "/api/v1/depots/{id}/",
        make_object=depot,
        body={"name": "D", "address": "A 1", "location": {"lat": 52.0, "lng": 4.0}},
    ),
    Endpoint(
        "depot-detail", "PATCH", "/api/v1/depots/{id}/", make_object=depot, body={"name": "Renamed"}
    ),
    Endpoint("depot-detail", "DELETE", "/api/v1/depots/{id}/", make_object=depot),
    Endpoint("vehicle-list", "GET", "/api/v1/vehicles/"),
    Endpoint("vehicle-list", "POST", "/api/v1/vehicles/", body={"name": "V"}),
    Endpoint("vehicle-detail", "GET", "/api/v1/vehicles/{id}/", make_object=vehicle),
    Endpoint(
        "vehicle-detail", "PUT", "/api/v1/vehicles/{id}/", make_object=vehicle, body={"name": "V"}
    ),
    Endpoint(
        "vehicle-detail",
        "PATCH",
        "/api/v1/vehicles/{id}/",
        make_object=vehicle,
        body={"name": "V2"},
    ),
    Endpoint("vehicle-detail", "DELETE", "/api/v1/vehicles/{id}/", make_object=vehicle),
    Endpoint("driver-list", "GET", "/api/v1/drivers/"),
    Endpoint("driver-list", "POST", "/api/v1/drivers/", body={"phone": "+31612345678"}),
    Endpoint("driver-detail", "GET", "/api/v1/drivers/{id}/", make_object=driver),
    Endpoint(
        "driver-detail",
        "PUT",
        "/api/v1/drivers/{id}/",
        make_object=driver,
        body={"phone": "+31612345678"},
    ),
    Endpoint(
        "driver-detail",
        "PATCH",
        "/api/v1/drivers/{id}/",
        make_object=driver,
        body={"phone": "+31612345678"},
    ),
    Endpoint("driver-detail", "DELETE", "/api/v1/drivers/{id}/", make_object=driver),
    Endpoint("order-list", "GET", "/api/v1/orders/"),
    Endpoint("order-list", "POST", "/api/v1/orders/", body=ORDER_BODY),
    Endpoint("order-detail", "GET", "/api/v1/orders/{id}/", make_object=order),
    Endpoint("order-detail", "PUT", "/api/v1/orders/{id}/", make_object=order, body=ORDER_BODY),
    Endpoint(
        "order-detail",
        "PATCH",
        "/api/v1/orders/{id}/",
        make_object=order,
        body={"notes": "Ring twice"},
    ),
    Endpoint(
        "order-transition",
        "POST",
        "/api/v1/orders/{id}/transition",
        make_object=order,
        body={"to": "cancelled"},
    ),
    Endpoint("order-events", "GET", "/api/v1/orders/{id}/events", make_object=order),
)

# Orders in bulk. The harness sends JSON: the import (multipart only) rejects it with 415 after
# authentication, so the 401 check still proves that another business's key gets nowhere.
register(
    Endpoint("order-bulk", "POST", "/api/v1/orders/bulk", body={"orders": [ORDER_BODY]}),
    Endpoint("order-import", "POST", "/api/v1/orders/import", body={"file": None}),
    Endpoint("order-export", "GET", "/api/v1/orders/export"),
)


# Proofs of delivery and Shopify connections. Imports stay inside the makers: this block is
# appended after other apps' registrations.
def order_out_for_delivery(world):
    from delivery.services import order_transition
    from delivery.tests.factories import TEST_ACTOR

    with world.use():
        made = make_order()
        driver_of_order = make_driver(email="proof.driver@example.test")
        order_transition(order_id=made.pk, to="assigned", actor=TEST_ACTOR, driver=driver_of_order)
        return order_transition(order_id=made.pk, to="out_for_delivery", actor=TEST_ACTOR)


def proof_file(world) -> str:
    """The order's id *and* the proof's: the harness fills one "{id}", so this returns the
    path's middle part and a "#" that turns the template's rest into an unsent fragment."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from delivery.proofs import ProofUpload, proofs_add
    from delivery.tests.factories import TEST_ACTOR

    made = order_out_for_delivery(world)
    photo = SimpleUploadedFile("door.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 60, "image/jpeg")
    with world.use():
        (proof,) = proofs_add(
            order_id=made.pk,
            actor=TEST_ACTOR,
            uploads=[ProofUpload(kind="photo", file=photo, content_type="image/jpeg")],
        )
    return f"{made.pk}/proofs/{proof.pk}/file#"


def shopify_connection(world) -> str:
    from delivery.shopify import shopify_connection_create

    with world.use():
        return str(
            shopify_connection_create(
                shop_domain="isolated-shop.myshopify.com", webhook_secret="s" * 32
            ).pk
        )


SHOPIFY_CONNECTIONS = "/api/v1/integrations/shopify/connections/"

register(
    Endpoint("order-proofs", "GET", "/api/v1/orders/{id}/proofs", make_object=order),
    Endpoint("order-proofs", "POST", "/api/v1/orders/{id}/proofs", make_object=order),
    Endpoint(
        "order-proof-file",
        "GET",
        "/api/v1/orders/{id}/proofs/{proof_id}/file",
        make_object=proof_file,
    ),
    Endpoint("shopify-connection-list", "GET", SHOPIFY_CONNECTIONS),
    Endpoint(
        "shopify-connection-list",
        "POST",
        SHOPIFY_CONNECTIONS,
        body={"shop_domain": "isolated-shop.myshopify.com", "webhook_secret": "s" * 32},
    ),
    Endpoint(
        "shopify-connection-detail",
        "GET",
        SHOPIFY_CONNECTIONS + "{id}/",
        make_object=shopify_connection,
    ),
    Endpoint(
        "shopify-connection-detail",
        "DELETE",
        SHOPIFY_CONNECTIONS + "{id}/",
        make_object=shopify_connection,
    ),
)


def shopify_order(world) -> str:
    """An order from Shopify whose write-back failed (its owner could retry it)."""
    from delivery.models import ShopifyConnection, ShopifyOrderSync

    with world.use():
        made = make_order()
        connection = ShopifyConnection.objects.create(
            shop_domain="isolated-sync.myshopify.com", webhook_secret="s" * 32
        )
        ShopifyOrderSync.objects.create(
            order=made,
            connection=connection,
            shop_domain=connection.shop_domain,
            shopify_order_id="gid://shopify/Order/1",
            status=ShopifyOrderSync.Status.FAILED,
            outcome=ShopifyOrderSync.Outcome.DELIVERED,
            outcome_number=1,
            last_error="Shopify answered HTTP 503.",
        )
        return str(made.pk)


register(
    Endpoint(
        "shopify-connection-detail",
        "PATCH",
        SHOPIFY_CONNECTIONS + "{id}/",
        make_object=shopify_connection,
        body={"access_token": "shpat_isolation_token_0000000000"},
    ),
    Endpoint(
        "order-shopify-sync", "GET", "/api/v1/orders/{id}/shopify-sync", make_object=shopify_order
    ),
    Endpoint(
        "order-shopify-sync-retry",
        "POST",
        "/api/v1/orders/{id}/shopify-sync/retry",
        make_object=shopify_order,
    ),
)
