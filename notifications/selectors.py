"""Reads of the notifications app."""

from notifications.models import (
    Message,
    NotificationTemplate,
    OptOut,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from notifications.rendering import DEFAULTS, TEMPLATE_KEYS


def templates_list() -> list[dict]:
    """Every (event, channel) with the business's wording or the default."""
    own = {(t.event, t.channel): t for t in NotificationTemplate.objects.all()}
    result = []
    for event, channel in TEMPLATE_KEYS:
        template = own.get((event, channel))
        subject, body = DEFAULTS[(event, channel)]
        result.append(
            {
                "event": event,
                "channel": channel,
                "subject": template.subject if template else subject,
                "body": template.body if template else body,
                "enabled": template.enabled if template else True,
                "is_default": template is None,
                "updated_at": template.updated_at if template else None,
            }
        )
    return result


def template_get(*, event: str, channel: str) -> dict:
    for template in templates_list():
        if template["event"] == event and template["channel"] == channel:
            return template
    raise NotificationTemplate.DoesNotExist


def messages_list(*, status: str = "", channel: str = "", order: str = ""):
    messages = Message.objects.all()
    if status:
        messages = messages.filter(status=status)
    if channel:
        messages = messages.filter(channel=channel)
    if order:
        messages = messages.filter(order_id=order)
    return messages


def opt_outs_list():
    return OptOut.objects.all()


def webhook_endpoints_list():
    return WebhookEndpoint.objects.all()


def webhook_deliveries_list(*, endpoint: WebhookEndpoint | None = None, status: str = ""):
    deliveries = WebhookDelivery.objects.select_related("event", "endpoint")
    if endpoint is not None:
        deliveries = deliveries.filter(endpoint=endpoint)
    if status:
        deliveries = deliveries.filter(status=status)
    return deliveries


def webhook_attempts_list(*, delivery: WebhookDelivery):
    return WebhookAttempt.objects.filter(delivery=delivery)
