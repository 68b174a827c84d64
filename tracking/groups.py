"""Channel-layer group names of live tracking (each carries the tenant)."""

from delivery.realtime import driver_group_name, order_group_name
from tenants.realtime import DISPATCH_GROUP, dispatch_group, tenant_group

__all__ = ["DISPATCH_GROUP", "dispatch_group", "driver_group", "track_group"]


def track_group(*, tenant_id: int, order_id) -> str:
    """The sockets of one order's tracking page: the order's own group, where delivery says
    `order.changed` (a replaced token changes nothing here, its sockets are told and closed)."""
    return tenant_group(tenant_id=tenant_id, name=order_group_name(order_id))


def driver_group(*, tenant_id: int, driver_id) -> str:
    """The sockets of one driver's phone(s) (`/ws/driver/route/`): routing says
    `route.changed` and delivery `order.changed` here when the driver's route changes."""
    return tenant_group(tenant_id=tenant_id, name=driver_group_name(driver_id))
