"""Reads of the delivery app: what a caller may see, filtered, without N+1 queries."""

from datetime import date, datetime, timedelta

from django.db.models import OuterRef, QuerySet, Subquery

from delivery.models import (
    DeliveryAttempt,
    Depot,
    Driver,
    Holiday,
    Order,
    OrderEvent,
    OrderStatus,
    ShopifyOrderSync,
    Vehicle,
)
from delivery.validation import WEEKDAYS
from tenants.accounts.models import Role, User
from tenants.errors import ApplicationError


def depots_list() -> QuerySet[Depot]:
    return Depot.objects.order_by("-created_at", "-id")


def vehicles_list() -> QuerySet[Vehicle]:
    return Vehicle.objects.select_related("depot").order_by("-created_at", "-id")


def drivers_list() -> QuerySet[Driver]:
    return Driver.objects.select_related("user", "default_vehicle", "depot").order_by(
        "-created_at", "-id"
    )


def driver_for_user(*, user) -> Driver | None:
    """The Driver record of a signed-in, active user whose role is driver; None for anyone else."""
    if not isinstance(user, User) or user.role != Role.DRIVER or not user.is_active:
        return None
    return Driver.objects.select_related("user").filter(user=user).first()


def orders_visible_to(actor) -> QuerySet[Order]:
    """Everything for operations roles; for a driver, only the orders assigned to them."""
    orders = Order.objects.all()
    if actor.role == Role.DRIVER:
        orders = orders.filter(driver__user=actor.user)
    return orders


def orders_list(*, actor, filters: dict) -> QuerySet[Order]:
    orders = orders_visible_to(actor)
    if filters.get("status"):
        orders = orders.filter(status__in=filters["status"])
    if filters.get("date"):
        orders = orders.filter(delivery_date=filters["date"])
    if filters.get("route"):
        orders = orders.filter(route_id=filters["route"])
    if filters.get("driver"):
        orders = orders.filter(driver_id=filters["driver"])
    if filters.get("external_id"):
        orders = orders.filter(external_id=filters["external_id"])
    if filters.get("updated_since"):
        orders = orders.filter(updated_at__gte=filters["updated_since"])
    if filters.get("location_status"):
        orders = orders.filter(location_status=filters["location_status"])
    return orders.order_by("-created_at", "-id")


def order_events(*, order: Order) -> QuerySet[OrderEvent]:
    return order.events.select_related("actor_user", "actor_api_key").order_by("occurred_at", "id")


def delivered_at_subquery(order_field: str = "pk") -> Subquery:
    """When the order at `order_field` was delivered (its delivered attempt; delivered is final,
    so there is at most one), as an annotation: a list reads it without a query per row."""
    attempts = DeliveryAttempt.objects.filter(
        order_id=OuterRef(order_field), outcome=OrderStatus.DELIVERED
    )
    return Subquery(attempts.order_by("-attempted_at").values("attempted_at")[:1])


def order_delivered_at(*, order: Order) -> datetime | None:
    """When `order` was delivered; None when it was not (yet)."""
    if order.status != OrderStatus.DELIVERED:
        return None
    attempts = order.attempts.filter(outcome=OrderStatus.DELIVERED).order_by("-attempted_at")
    return attempts.values_list("attempted_at", flat=True).first()


def order_shopify_sync(*, order: Order) -> ShopifyOrderSync:
    """The write-back of an order from Shopify; not_found for any other order."""
    sync = ShopifyOrderSync.objects.filter(order=order).first()
    if sync is None:
        raise ApplicationError("not_found", "This order did not come from Shopify.")
    return sync


def delivery_days_next(*, after: date, count: int) -> list[date]:
    """The next `count` days after `after` on which the business delivers: a day some active
    depot opens (every day when no depot has opening hours), not a holiday."""
    if count <= 0:
        return []
    open_weekdays = set()
    for hours in Depot.objects.filter(is_active=True).values_list("opening_hours", flat=True):
        open_weekdays |= {day for day, spans in (hours or {}).items() if spans}
    if not open_weekdays:
        open_weekdays = set(WEEKDAYS)
    # A year ahead is enough to find them; a closed week or a holiday season is skipped.
    horizon = [after + timedelta(days=offset) for offset in range(1, 366)]
    holidays = set(
        Holiday.objects.filter(date__gt=after, date__lte=horizon[-1]).values_list("date", flat=True)
    )
    days = [
        day for day in horizon if WEEKDAYS[day.weekday()] in open_weekdays and day not in holidays
    ]
    return days[:count]
