"""Channel-layer group names and sends. Every group name carries the tenant's id."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def tenant_group(*, tenant_id: int, name: str) -> str:
    return f"tenant-{tenant_id}.{name}"


def tenant_broadcast(*, tenant_id: int, name: str, message: dict) -> None:
    """Send `message` ({"type": …, "data": …}) to every socket in one tenant's group."""
    async_to_sync(get_channel_layer().group_send)(
        tenant_group(tenant_id=tenant_id, name=name),
        {"type": "tenant.message", "message": message},
    )
