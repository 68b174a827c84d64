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
