"""Every write of the notifications app, by topic: `messages` (settings, opt-outs, sending to
recipients), `templates`, `webhooks` (endpoints and deliveries) and `dispatch` (the outbox).
The names are re-exported here so callers import them from `notifications.services`."""

from notifications.services.dispatch import events_dispatch, notifications_purge, outbox_sweep
from notifications.services.messages import (
    address_normalize,
    message_queue,
    message_send,
    notification_settings,
    notification_settings_save,
    opt_out_add,
    opt_out_remove,
    quiet_until,
    unsubscribe_redeem,
    unsubscribe_token,
)
from notifications.services.templates import template_preview, template_reset, template_save
from notifications.services.webhooks import (
    webhook_body,
    webhook_delivery_send,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_update,
    webhook_redeliver,
    webhook_secret_rotate,
)

__all__ = [
    "address_normalize",
    "events_dispatch",
    "message_queue",
    "message_send",
    "notification_settings",
    "notification_settings_save",
    "notifications_purge",
    "opt_out_add",
    "opt_out_remove",
    "outbox_sweep",
    "quiet_until",
    "template_preview",
    "template_reset",
    "template_save",
    "unsubscribe_redeem",
    "unsubscribe_token",
    "webhook_body",
    "webhook_delivery_send",
    "webhook_endpoint_create",
    "webhook_endpoint_delete",
    "webhook_endpoint_update",
    "webhook_redeliver",
    "webhook_secret_rotate",
]
