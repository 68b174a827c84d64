"""Messages to the tenant's dispatchers (`/ws/dispatch/`): {"type": …, "data": {…}}."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from redis.exceptions import RedisError

from tenants.realtime import tenant_group
from tracking.consumers import DISPATCH_GROUP

logger = logging.getLogger(__name__)


def dispatchers_notify(*, tenant_id: int, message: dict) -> None:
    """Best effort: a dashboard that misses a push reloads the state over the API."""
    try:
        async_to_sync(get_channel_layer().group_send)(
            tenant_group(tenant_id=tenant_id, name=DISPATCH_GROUP),
            {"type": "tenant.message", "message": message},
        )
    except RedisError:
        logger.warning("could not notify dispatchers", exc_info=True)
