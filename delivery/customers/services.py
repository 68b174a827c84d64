"""Writes of customers and their places, and the order details a customer's place fills in."""

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from delivery.customers.models import Customer, CustomerPlace
from delivery.customers.validation import CustomerInput, PlaceInput
from tenants.errors import ApplicationError

CUSTOMER_FIELDS = (
    "external_id",
    "name",
    "phones",
    "email",
    "language",
    "notify_sms",
    "notify_email",
    "tags",
    "notes",
)
PLACE_FIELDS = ("label", "address", "instructions", "access_notes", "time_windows", "weekdays")


def _duplicate_external_id(external_id: str | None) -> ApplicationError:
    message = _("A customer with external_id %(external_id)s already exists.") % {
        "external_id": repr(external_id)
    }
    return ApplicationError("validation_error", message, fields={"external_id": [message]})


def _place_apply(place: CustomerPlace, data: PlaceInput, position: int) -> None:
    for name in PLACE_FIELDS:
        setattr(place, name, getattr(data, name))
    place.lat, place.lng = data.location if data.location else (None, None)
    place.position = position


def _places_replace(customer: Customer, places: list[PlaceInput]) -> None:
    """The places in the order given: existing ones are updated in place (position by
    position), so standing orders and past orders keep pointing at them."""
    existing = list(customer.places.order_by("position", "created_at"))
    for position, data in enumerate(places):
        place = existing[position] if position < len(existing) else CustomerPlace(customer=customer)
        _place_apply(place, data, position)
        place.save()
    for place in existing[len(places) :]:
        try:
            with transaction.atomic():
                place.delete()
        except ProtectedError:
            raise ApplicationError(
                "conflict",
                _("The place %(place)s is used by a standing order; change that first.")
                % {"place": place},
                fields={"places": [_("A place used by a standing order cannot be removed.")]},
            ) from None


def customer_create(*, data: CustomerInput) -> Customer:
    customer = Customer(**{name: getattr(data, name) for name in CUSTOMER_FIELDS})
    try:
        with transaction.atomic():
            customer.save()
            _places_replace(customer, data.places or [])
    except IntegrityError:
        raise _duplicate_external_id(data.external_id) from None
    return customer


def customer_update(*, customer_id, data: CustomerInput) -> Customer:
    """Replace a customer's details; its places too when `data.places` is given. Orders already
    made keep the recipient details they were made with."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer_id)
        for name in CUSTOMER_FIELDS:
            setattr(customer, name, getattr(data, name))
        try:
            with transaction.atomic():
                customer.save()
        except IntegrityError:
            raise _duplicate_external_id(data.external_id) from None
        if data.places is not None:
            _places_replace(customer, data.places)
    return customer


def customer_delete(*, customer_id) -> None:
    """Its standing orders go with it; its orders stay (they keep their recipient)."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer_id)
        customer.standing_orders.all().delete()
        customer.delete()


def order_fields_from_customer(raw: dict, *, customer: Customer, place: CustomerPlace) -> dict:
    """An order in the API's input shape with what it leaves empty taken from the customer and
    the place: recipient, address, location, windows (on the delivery date) and notes."""
    filled = dict(raw)
    recipient = dict(filled.get("recipient") or {})
    recipient.setdefault("name", customer.name)
    if not recipient.get("phone") and customer.phone:
        recipient["phone"] = customer.phone
    if not recipient.get("email") and customer.email:
        recipient["email"] = customer.email
    if not recipient.get("language") and customer.language:
        recipient["language"] = customer.language
    filled["recipient"] = recipient
    if not filled.get("address"):
        filled["address"] = place.address
        if not filled.get("location") and place.lat is not None:
            filled["location"] = {"lat": place.lat, "lng": place.lng}
    if not filled.get("time_windows") and place.time_windows:
        filled["time_windows"] = [dict(window) for window in place.time_windows]
    if not filled.get("notes"):
        filled["notes"] = place_notes(place)[:2000]  # the order's limit
    return filled


def place_notes(place: CustomerPlace, extra: str = "") -> str:
    """The driver's notes for a stop at this place."""
    parts = [extra.strip(), place.instructions.strip()]
    if place.access_notes.strip():
        parts.append(f"Access: {place.access_notes.strip()}")
    return "\n".join(part for part in parts if part)


def customer_for_order_contact(
    *,
    external_id: str | None,
    name: str,
    phone: str,
    email: str,
    address: str,
    location: tuple[float, float] | None,
    tags: list[str],
) -> dict:
    """The customer and place of an order that arrives from outside (Shopify): the known
    customer with this external id, phone or e-mail, else a new one; the place with this
    address, else a new one. Returns the order's links."""
    from delivery.customers.selectors import customer_matching

    customer, _created = customer_matching(
        external_id=external_id, phones=[phone] if phone else [], email=email
    )
    if customer is None:
        customer = Customer.objects.create(
            external_id=external_id,
            name=name[:200],
            phones=[phone] if phone else [],
            email=email,
            tags=tags,
        )
    place = next(
        (
            place
            for place in customer.places.all()
            if place.address.strip().lower() == address.strip().lower()
        ),
        None,
    )
    if place is None:
        place = CustomerPlace.objects.create(
            customer=customer,
            address=address,
            lat=location[0] if location else None,
            lng=location[1] if location else None,
            position=customer.places.count(),
        )
    return {"customer_id": customer.pk, "customer_place_id": place.pk}
