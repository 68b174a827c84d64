"""An order that names a customer (and a place) takes from them what it leaves empty."""

import uuid

from django.utils.translation import gettext as _

from delivery.customers.models import Customer, CustomerPlace
from delivery.customers.services import order_fields_from_customer
from tenants.errors import ApplicationError


def _id(raw: dict, name: str):
    value = raw.get(name)
    if value in (None, ""):
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ApplicationError(
            "validation_error",
            _("Not an id: %(name)s.") % {"name": name},
            fields={name: [_("Must be a valid UUID.")]},
        ) from None


def order_raw_for_customer(raw) -> tuple[dict, dict]:
    """For a new order in the API's shape naming `customer` (and optionally `place`, else the
    customer's first): its input with the gaps filled, and its links to customer and place."""
    if not isinstance(raw, dict) or "customer" not in raw:
        return raw, {}
    raw = dict(raw)
    customer_id, place_id = _id(raw, "customer"), _id(raw, "place")
    raw.pop("customer")
    raw.pop("place", None)
    customer = Customer.objects.filter(pk=customer_id).first() if customer_id else None
    if customer is None:
        raise ApplicationError(
            "validation_error",
            _("No such customer."),
            fields={"customer": [_("No such customer.")]},
        )
    places = CustomerPlace.objects.filter(customer=customer)
    place = places.filter(pk=place_id).first() if place_id else places.first()
    if place is None:
        message = (
            _("Must be one of the customer's places.") if place_id else _("Add a place first.")
        )
        raise ApplicationError("validation_error", message, fields={"place": [message]})
    filled = order_fields_from_customer(raw, customer=customer, place=place)
    return filled, {"customer_id": customer.pk, "customer_place_id": place.pk}
