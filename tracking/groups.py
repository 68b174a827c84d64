"""Channel-layer group names of live tracking (each carries the tenant)."""

from tenants.realtime import tenant_group

DISPATCH_GROUP = "dispatch"


def dispatch_group(*, tenant_id: int) -> str:
    return tenant_group(tenant_id=tenant_id, name=DISPATCH_GROUP)


def track_group(*, tenant_id: int, order_id) -> str:
    """The sockets of one order's tracking page (by order id: a replaced token changes nothing
    here, its sockets are told and closed)."""
    return tenant_group(tenant_id=tenant_id, name=f"track.{order_id}")
