"""Customers', standing orders' and holidays' API endpoints in the tenant-isolation harness."""

from datetime import date, timedelta

from delivery.customers.standing import business_today
from delivery.customers.tests.factories import make_customer, make_standing_order
from tests.isolation.registry import Endpoint, register


def customer(world) -> str:
    with world.use():
        return str(make_customer().pk)


def standing_order(world) -> str:
    with world.use():
        return str(make_standing_order(make_customer(), business_today()).pk)


CUSTOMER_BODY = {"name": "Hen House", "places": [{"address": "Keizersgracht 1"}]}
NEXT_YEAR = (date.today() + timedelta(days=400)).isoformat()  # noqa: DTZ011 - any future date

register(
    Endpoint("customer-list", "GET", "/api/v1/customers/"),
    Endpoint("customer-list", "POST", "/api/v1/customers/", body=CUSTOMER_BODY),
    Endpoint("customer-detail", "GET", "/api/v1/customers/{id}/", make_object=customer),
    Endpoint(
        "customer-detail",
        "PUT",
        "/api/v1/customers/{id}/",
        make_object=customer,
        body=CUSTOMER_BODY,
    ),
    Endpoint(
        "customer-detail",
        "PATCH",
        "/api/v1/customers/{id}/",
        make_object=customer,
        body={"name": "Renamed"},
    ),
    Endpoint("customer-detail", "DELETE", "/api/v1/customers/{id}/", make_object=customer),
    Endpoint("customer-import", "POST", "/api/v1/customers/import", body={"file": None}),
    Endpoint("customer-export", "GET", "/api/v1/customers/export"),
    Endpoint("holidays", "GET", "/api/v1/holidays"),
    Endpoint("holidays", "POST", "/api/v1/holidays", body={"date": NEXT_YEAR, "name": "Closed"}),
    Endpoint("standing-order-list", "GET", "/api/v1/standing-orders/"),
    Endpoint(
        "standing-order-list",
        "POST",
        "/api/v1/standing-orders/",
        body={"customer": "00000000-0000-4000-8000-000000000000", "start_date": NEXT_YEAR},
    ),
    Endpoint(
        "standing-order-detail", "GET", "/api/v1/standing-orders/{id}/", make_object=standing_order
    ),
    Endpoint(
        "standing-order-detail",
        "PATCH",
        "/api/v1/standing-orders/{id}/",
        make_object=standing_order,
        body={"interval_weeks": 2},
    ),
    Endpoint(
        "standing-order-detail",
        "DELETE",
        "/api/v1/standing-orders/{id}/",
        make_object=standing_order,
    ),
    Endpoint(
        "standing-order-pause",
        "POST",
        "/api/v1/standing-orders/{id}/pause",
        make_object=standing_order,
    ),
    Endpoint(
        "standing-order-resume",
        "POST",
        "/api/v1/standing-orders/{id}/resume",
        make_object=standing_order,
    ),
    Endpoint(
        "standing-order-skip",
        "POST",
        "/api/v1/standing-orders/{id}/skip",
        make_object=standing_order,
        body={"date": NEXT_YEAR},
    ),
    Endpoint(
        "standing-order-occurrences",
        "GET",
        "/api/v1/standing-orders/{id}/occurrences",
        make_object=standing_order,
    ),
)
