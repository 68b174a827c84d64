"""`/ws/dispatch/`: the tenant's dispatchers receive `optimization.updated`, `route.updated`,
`order.updated` and `driver.position` as {"type": …, "data": {…}}."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from tenants.accounts.models import OPERATIONS_ROLES
from tenants.consumers import CLOSE_UNAUTHENTICATED
from tenants.realtime import tenant_group

CLOSE_FORBIDDEN = 4403
DISPATCH_GROUP = "dispatch"


class DispatchConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None

    async def connect(self):
        await self.accept()
        user = self.scope.get("user")
        if user is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if user.role not in OPERATIONS_ROLES:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group = tenant_group(tenant_id=self.scope["tenant"].pk, name=DISPATCH_GROUP)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.send_json({"type": "hello", "data": {"tenant": self.scope["tenant"].slug}})

    async def disconnect(self, code):
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        # Whatever comes in (JSON or not) gets the same answer; parsing it first would let a
        # malformed frame crash the consumer and drop the dispatcher's live feed.
        await self.send_json(
            {
                "type": "error",
                "data": {
                    "code": "read_only",
                    "message": "This socket only sends; use the API to act.",
                },
            }
        )

    async def tenant_message(self, event):
        await self.send_json(event["message"])
