"""Dashboard pages of the notifications app on the tenant host."""

from django.urls import path

from notifications import views

urlpatterns = [
    path(
        "settings/notifications/",
        views.notification_settings_page,
        name="notification-settings",
    ),
    path(
        "settings/notifications/templates/<str:event>/<str:channel>/",
        views.template_edit_page,
        name="notification-template",
    ),
    path(
        "settings/notifications/templates/<str:event>/<str:channel>/preview/",
        views.template_preview_page,
        name="notification-template-preview-page",
    ),
    path("settings/notifications/messages/", views.messages_page, name="notification-messages"),
    path(
        "settings/notifications/opt-outs/<uuid:opt_out_id>/delete/",
        views.opt_out_delete_page,
        name="notification-opt-out-delete",
    ),
    path("settings/webhooks/", views.webhooks_page, name="webhook-settings"),
    path("settings/webhooks/<uuid:endpoint_id>/", views.webhook_detail_page, name="webhook-detail"),
    path(
        "settings/webhooks/deliveries/<uuid:delivery_id>/redeliver/",
        views.webhook_redeliver_page,
        name="webhook-redeliver",
    ),
    path(
        "notifications/unsubscribe/<str:token>/",
        views.unsubscribe_page,
        name="notification-unsubscribe",
    ),
]
