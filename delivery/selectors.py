"""Reads of the delivery app: what a caller may see, filtered, without N+1 queries."""

from django.db.models import QuerySet

from delivery.models import Depot, Driver, Order, OrderEvent, ShopifyOrderSync, Vehicle
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


def order_shopify_sync(*, order: Order) -> ShopifyOrderSync:
    """The write-back of an order from Shopify; not_found for any other order."""
    sync = ShopifyOrderSync.objects.filter(order=order).first()
    if sync is None:
        raise ApplicationError("not_found", "This order did not come from Shopify.")
    return sync
