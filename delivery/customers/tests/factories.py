"""Customers and standing orders for tests, made through the services like real ones."""

from datetime import date

from delivery.customers.models import Customer, StandingOrder
from delivery.customers.schedule import WEEKDAYS
from delivery.customers.services import customer_create
from delivery.customers.standing import standing_order_create
from delivery.customers.validation import CustomerInput, PlaceInput, StandingOrderInput


def make_customer(name: str = "Hen House Household", **fields) -> Customer:
    place = PlaceInput(
        address="Keizersgracht 1, Amsterdam",
        location=(52.3791, 4.8890),
        instructions="Eggs in the blue box by the door",
        access_notes="Gate code 1234",
        time_windows=[{"start": "08:00", "end": "12:00"}],
    )
    values = {
        "name": name,
        "phones": ["+31612345678"],
        "email": "hens@example.test",
        "places": [place],
    }
    return customer_create(data=CustomerInput(**{**values, **fields}))


def make_standing_order(customer: Customer, start: date, **fields) -> StandingOrder:
    values = {
        "weekdays": [WEEKDAYS[start.weekday()]],
        "start_date": start,
        "items": 30,
        "notes": "30 eggs",
    }
    return standing_order_create(
        customer_id=customer.pk,
        place=customer.places.first(),
        data=StandingOrderInput(**{**values, **fields}),
    )
