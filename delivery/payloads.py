"""What delivery hands over when its orders change: event snapshots for notifications (webhooks,
SMS, e-mail) and `order.updated` messages for the dispatchers' sockets. Built here, by the app that
owns the data, so nobody reaches back into delivery's models (README "Notifications and webhooks"
documents the shapes)."""

from collections.abc import Iterable

from delivery.arrival import arrival_window
from delivery.links import tracking_url
from delivery.models import Customer, Driver, Order, OrderStatus

FINAL_STATUSES = (OrderStatus.DELIVERED, OrderStatus.FAILED, OrderStatus.CANCELLED)
ALL_CHANNELS = {"sms": True, "email": True}


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def _driver_names(driver_ids: set) -> dict:
    if not driver_ids:
        return {}
    return dict(Driver.objects.filter(pk__in=driver_ids).values_list("pk", "user__full_name"))


def _customer_choices(customer_ids: set) -> dict:
    """Each customer's notification choices: {customer id: {"sms": bool, "email": bool}}."""
    if not customer_ids:
        return {}
    return {
        pk: {"sms": sms, "email": email}
        for pk, sms, email in Customer.objects.filter(pk__in=customer_ids).values_list(
            "pk", "notify_sms", "notify_email"
        )
    }


def orders_data(orders: Iterable[Order], **extra) -> list[dict]:
    """Order snapshots for events, driver names and customers' notification choices read with
    one query each; `extra` adds what the change knows (reason, note, distance).

    `recipient.notify` carries the customer's own choices (both channels on for an order
    without a customer): notifications leaves out a channel turned off there, without reaching
    back into delivery."""
    orders = list(orders)
    names = _driver_names({order.driver_id for order in orders if order.driver_id})
    choices = _customer_choices({order.customer_id for order in orders if order.customer_id})
    return [
        {
            "id": str(order.pk),
            "external_id": order.external_id,
            "status": order.status,
            "delivery_date": order.delivery_date.isoformat()
            if hasattr(order.delivery_date, "isoformat")
            else order.delivery_date,
            "driver": str(order.driver_id) if order.driver_id else None,
            "driver_name": names.get(order.driver_id) if order.driver_id else None,
            "route": str(order.route_id) if order.route_id else None,
            "sequence": order.sequence,
            "eta": _iso(order.eta),
            "eta_window": arrival_window(order.eta),
            "tracking_url": tracking_url(order),
            "address": order.address,
            "recipient": {
                "name": order.recipient_name,
                "phone": order.recipient_phone,
                "email": order.recipient_email,
                "notify": dict(choices.get(order.customer_id, ALL_CHANNELS)),
                "language": order.recipient_language,
            },
            **extra,
        }
        for order in orders
    ]


def order_data(order: Order, **extra) -> dict:
    """One order's event snapshot."""
    return orders_data([order], **extra)[0]


def order_message(order: Order) -> dict:
    """`order.updated` for the dispatchers (the contract of /ws/dispatch/)."""
    return {
        "type": "order.updated",
        "data": {
            "id": str(order.pk),
            "status": order.status,
            "driver": str(order.driver_id) if order.driver_id else None,
            "route": str(order.route_id) if order.route_id else None,
            "sequence": order.sequence,
            "eta": _iso(order.eta),
            "eta_window": arrival_window(order.eta) if order.status not in FINAL_STATUSES else None,
            "updated_at": order.updated_at.isoformat(),
        },
    }
