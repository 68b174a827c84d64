"""Objects of the delivery app for tests, made through the services like real ones."""

from datetime import date

from delivery.models import Depot, Driver, Order, Vehicle
from delivery.services import depot_save, driver_save, order_create, vehicle_save
from delivery.validation import OrderInput
from tenants.accounts.models import Role
from tenants.accounts.services import user_create
from tenants.actors import system_actor

TEST_ACTOR = system_actor("tests")


def make_depot(**fields) -> Depot:
    values = {
        "name": "Central depot",
        "address": "Damrak 1, Amsterdam",
        "lat": 52.3738,
        "lng": 4.8910,
        "opening_hours": {},
    }
    return depot_save(depot=None, fields={**values, **fields})


def make_vehicle(**fields) -> Vehicle:
    values = {"name": "Van 1", "capacity_weight_kg": 500, "capacity_items": 200}
    return vehicle_save(vehicle=None, fields={**values, **fields})


def make_driver(email: str = "van.driver@example.test", **fields) -> Driver:
    user = user_create(email=email, role=Role.DRIVER, password=None, full_name="Van Driver")
    return driver_save(driver=None, fields=fields, user=user)


def make_order(**fields) -> Order:
    values = {
        "recipient_name": "Ada Recipient",
        "address": "Prinsengracht 263, Amsterdam",
        "delivery_date": date(2026, 11, 27),
        "location": (52.3752, 4.8840),
    }
    return order_create(data=OrderInput(**{**values, **fields}), actor=TEST_ACTOR)
