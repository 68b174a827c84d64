"""The notifications app's API endpoints, registered in the tenant-isolation harness."""

from notifications.events import event_record
from notifications.models import Message, WebhookDelivery
from notifications.services import events_dispatch, opt_out_add, webhook_endpoint_create
from tests.isolation.registry import Endpoint, register

URL = "https://hooks.example.com/in"


def endpoint(world) -> str:
    with world.use():
        made, _ = webhook_endpoint_create(url=URL, events=[])
        return str(made.pk)


def delivery(world) -> str:
    with world.use():
        webhook_endpoint_create(url=URL, events=["route.started"])
        event_record(name="route.started", data={"id": "isolation"})
        events_dispatch()
        return str(WebhookDelivery.objects.latest("created_at").pk)


def opt_out(world) -> str:
    with world.use():
        return str(opt_out_add(channel="email", address="iso@example.com", source="api").pk)


def message(world) -> str:
    with world.use():
        event_record(
            name="order.delivered",
            data={"id": "isolation", "recipient": {"name": "I", "email": "iso@example.com"}},
        )
        events_dispatch()
        return str(Message.objects.latest("created_at").pk)


TEMPLATE = {"event": "order.delivered", "channel": "sms", "body": "Delivered."}

register(
    Endpoint("webhook-list", "GET", "/api/v1/webhooks"),
    Endpoint("webhook-list", "POST", "/api/v1/webhooks", body={"url": URL}),
    Endpoint("webhook-detail", "GET", "/api/v1/webhooks/{id}", make_object=endpoint),
    Endpoint(
        "webhook-detail",
        "PATCH",
        "/api/v1/webhooks/{id}",
        make_object=endpoint,
        body={"enabled": False},
    ),
    Endpoint("webhook-detail", "DELETE", "/api/v1/webhooks/{id}", make_object=endpoint),
    Endpoint(
        "webhook-rotate-secret", "POST", "/api/v1/webhooks/{id}/rotate-secret", make_object=endpoint
    ),
    Endpoint("webhook-deliveries", "GET", "/api/v1/webhooks/{id}/deliveries", make_object=endpoint),
    Endpoint(
        "webhook-delivery-detail",
        "GET",
        "/api/v1/webhooks/deliveries/{id}",
        make_object=delivery,
    ),
    Endpoint(
        "webhook-delivery-redeliver",
        "POST",
        "/api/v1/webhooks/deliveries/{id}/redeliver",
        make_object=delivery,
    ),
    Endpoint("notification-template-list", "GET", "/api/v1/notifications/templates"),
    Endpoint("notification-template-list", "PUT", "/api/v1/notifications/templates", body=TEMPLATE),
    Endpoint(
        "notification-template-reset",
        "POST",
        "/api/v1/notifications/templates/reset",
        body={"event": "order.delivered", "channel": "sms"},
    ),
    Endpoint(
        "notification-template-preview",
        "POST",
        "/api/v1/notifications/templates/preview",
        body=TEMPLATE,
    ),
    Endpoint("notification-settings", "GET", "/api/v1/notifications/settings"),
    Endpoint(
        "notification-settings",
        "PUT",
        "/api/v1/notifications/settings",
        body={"contact_phone": "+31201234567"},
    ),
    Endpoint("notification-opt-out-list", "GET", "/api/v1/notifications/opt-outs"),
    Endpoint(
        "notification-opt-out-list",
        "POST",
        "/api/v1/notifications/opt-outs",
        body={"channel": "email", "address": "x@example.com"},
    ),
    Endpoint(
        "notification-opt-out-detail",
        "DELETE",
        "/api/v1/notifications/opt-outs/{id}",
        make_object=opt_out,
    ),
    Endpoint("notification-message-list", "GET", "/api/v1/notifications/messages"),
    Endpoint(
        "notification-message-detail",
        "GET",
        "/api/v1/notifications/messages/{id}",
        make_object=message,
    ),
)
