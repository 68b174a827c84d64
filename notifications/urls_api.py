"""The notifications app's part of `/api/v1/` (config/urls_api.py mounts it)."""

from django.urls import re_path

from notifications.api import (
    MessageViewSet,
    NotificationSettingsView,
    OptOutViewSet,
    TemplateListView,
    TemplatePreviewView,
    TemplateResetView,
    WebhookDeliveryView,
    WebhookEndpointViewSet,
    WebhookRedeliverView,
)
from tenants.api.routers import UUID_PATTERN


def notification_urls(router) -> list:
    """Registers the viewsets on the shared router; returns the paths that must come before
    the router's own (`webhooks/deliveries/…` is not a webhook id)."""
    router.register("webhooks", WebhookEndpointViewSet, basename="webhook")
    router.register("notifications/opt-outs", OptOutViewSet, basename="notification-opt-out")
    router.register("notifications/messages", MessageViewSet, basename="notification-message")
    return [
        re_path(
            rf"^webhooks/deliveries/(?P<id>{UUID_PATTERN})/?$",
            WebhookDeliveryView.as_view(),
            name="webhook-delivery-detail",
        ),
        re_path(
            rf"^webhooks/deliveries/(?P<id>{UUID_PATTERN})/redeliver/?$",
            WebhookRedeliverView.as_view(),
            name="webhook-delivery-redeliver",
        ),
        re_path(
            r"^notifications/templates/?$",
            TemplateListView.as_view(),
            name="notification-template-list",
        ),
        re_path(
            r"^notifications/templates/preview/?$",
            TemplatePreviewView.as_view(),
            name="notification-template-preview",
        ),
        re_path(
            r"^notifications/templates/reset/?$",
            TemplateResetView.as_view(),
            name="notification-template-reset",
        ),
        re_path(
            r"^notifications/settings/?$",
            NotificationSettingsView.as_view(),
            name="notification-settings",
        ),
    ]
