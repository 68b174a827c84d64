"""`/ws/ping/`: proves the websocket plumbing (tenant, session user, tenant-scoped groups)."""

import json

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from tenants.realtime import tenant_group

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403  # signed in, but this socket is not for your role


class PingConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None

    async def connect(self):
        await self.accept()
        if self.scope.get("user") is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.group = tenant_group(tenant_id=self.scope["tenant"].pk, name="ping")
        await self.channel_layer.group_add(self.group, self.channel_name)

    async def disconnect(self, code):
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        try:
            content = json.loads(text_data or "")
        except ValueError:
            await self.send_error("invalid_json", "Messages must be JSON objects.")
            return
        if not isinstance(content, dict):
            await self.send_error("invalid_json", "Messages must be JSON objects.")
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs):
        kind = content.get("type")
        if kind == "ping":
            await self.send_json(
                {
                    "type": "pong",
                    "data": {
                        "tenant": self.scope["tenant"].slug,
                        "user": self.scope["user"].email,
                        "echo": content.get("data"),
                    },
                }
            )
        elif kind == "broadcast":
            await self.channel_layer.group_send(
                self.group,
                {
                    "type": "tenant.message",
                    "message": {"type": "broadcast", "data": content.get("data")},
                },
            )
        else:
            await self.send_error("unknown_type", f"Unknown message type {kind!r}; use 'ping'.")

    async def send_error(self, code: str, message: str) -> None:
        await self.send_json({"type": "error", "data": {"code": code, "message": message}})

    async def tenant_message(self, event):
        await self.send_json(event["message"])
