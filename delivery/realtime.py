"""Delivery's live pushes: after commit, `order.updated` to the dispatchers, `order.changed`
to the order's own group (whoever watches one order — the recipient's tracking page — re-reads
it) and `order.changed` to its driver's group (the driver's phone re-reads its route). Published
through the platform helper; delivery knows nothing of who listens."""

from delivery.models import Order
from delivery.payloads import order_message
from tenants.realtime import DISPATCH_GROUP, publish_after_commit

ORDER_CHANGED = {"type": "order.changed", "data": {}}


def order_group_name(order_id) -> str:
    """The group of the sockets that follow one order (by id: a replaced tracking token changes
    nothing here)."""
    return f"order.{order_id}"


def driver_group_name(driver_id) -> str:
    """The group of one driver's phone(s): told whenever their route or one of its orders
    changes (`/ws/driver/route/`), so the phone re-reads its data at once."""
    return f"driver.{driver_id}"


def driver_order_changed(order_id) -> dict:
    return {"type": "order.changed", "data": {"order": str(order_id)}}


def orders_changed(*, order_ids) -> None:
    """Call inside the transaction that changed the orders: pushes once it commits."""
    ids = [order_id for order_id in order_ids if order_id]
    if not ids:
        return

    def build():
        for order in Order.objects.filter(pk__in=ids):
            yield DISPATCH_GROUP, order_message(order)
            yield order_group_name(order.pk), ORDER_CHANGED
            if order.driver_id:
                yield driver_group_name(order.driver_id), driver_order_changed(order.pk)

    publish_after_commit(build)
