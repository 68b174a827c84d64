"""Subscription orders from a shop (a Shopify selling plan): each order becomes the occurrence of
its date in the customer's standing order for that subscription, made on first sight.

The shop makes the orders (one per billing cycle), so such a standing order (`source` "shopify")
is never generated from; it records the round — customer, place, weekday, interval — for the
customer page, the rounds view and the reports. One order per occurrence: the (standing order,
date) constraint decides, and an order is an occurrence at most once (one-to-one)."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from delivery.customers.models import Occurrence, StandingOrder
from delivery.customers.schedule import WEEKDAYS
from delivery.customers.standing import SHOP_DRIVEN
from delivery.models import Order


@dataclass(frozen=True)
class Subscription:
    key: str  # unique per customer, e.g. "shopify:<shop>:selling-plan:<id>"
    name: str  # the plan's name as the shop sells it
    interval_weeks: int


def _standing_order_for(order: Order, subscription: Subscription) -> StandingOrder:
    weekday = WEEKDAYS[order.delivery_date.weekday()]
    defaults = {
        "place_id": order.customer_place_id,
        "weekdays": [weekday],
        "interval_weeks": subscription.interval_weeks,
        "start_date": order.delivery_date,
        "weight_kg": order.weight_kg,
        "volume_l": order.volume_l,
        "items": order.items,
        "service_seconds": order.service_seconds,
        "notes": f"Shopify subscription: {subscription.name}"[:2000],
        "source": SHOP_DRIVEN,
    }
    try:
        with transaction.atomic():
            standing, created = StandingOrder.objects.get_or_create(
                customer_id=order.customer_id, external_id=subscription.key, defaults=defaults
            )
    except IntegrityError:  # the same subscription's first orders, at once
        standing, created = (
            StandingOrder.objects.get(customer_id=order.customer_id, external_id=subscription.key),
            False,
        )
    if not created:
        changed = []
        if weekday not in standing.weekdays:  # the shop delivers on another day now
            standing.weekdays = sorted({*standing.weekdays, weekday}, key=WEEKDAYS.index)
            changed.append("weekdays")
        if order.delivery_date < standing.start_date:
            standing.start_date = order.delivery_date
            changed.append("start_date")
        if changed:
            standing.save(update_fields=[*changed, "updated_at"])
    return standing


def subscription_occurrence_attach(
    *, order: Order, subscription: Subscription
) -> Occurrence | None:
    """Make `order` the occurrence of its date in the customer's standing order for this
    subscription (created on first sight). None when the order has no customer and place, or
    when that date's occurrence has an order already (this one stays an extra delivery)."""
    if order.customer_id is None or order.customer_place_id is None:
        return None
    standing = _standing_order_for(order, subscription)
    try:
        with transaction.atomic():
            occurrence, made = Occurrence.objects.get_or_create(
                standing_order=standing,
                date=order.delivery_date,
                defaults={"status": Occurrence.Status.GENERATED, "order": order},
            )
    except IntegrityError:  # claimed by a concurrent order of the same date
        return None
    if made:
        return occurrence
    if occurrence.order_id == order.pk:
        return occurrence
    if occurrence.order_id is None and occurrence.status == Occurrence.Status.GENERATED:
        occurrence.order = order  # its earlier order was deleted: this one takes its place
        occurrence.save(update_fields=["order"])
        return occurrence
    return None
