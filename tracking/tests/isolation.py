"""The tracking app's API endpoints, registered in the tenant-isolation harness."""

from delivery.tests.isolation import driver, order
from tests.isolation.registry import Endpoint, register

register(
    Endpoint("positions", "POST", "/api/v1/positions", body={"positions": []}),
    Endpoint("positions-latest", "GET", "/api/v1/positions/latest"),
    Endpoint("driver-track", "GET", "/api/v1/drivers/{id}/track", make_object=driver),
    Endpoint(
        "order-tracking-link-rotate",
        "POST",
        "/api/v1/orders/{id}/tracking-link/rotate",
        make_object=order,
    ),
)
