"""Every page on the business's host (paths and names are the team's contract)."""

from django.urls import path

from web.views import (
    customers,
    dispatch,
    driver,
    fleet,
    invitations,
    notifications,
    orders,
    places,
    reports,
    team,
    today,
    tracking,
)

dashboard = [
    path("", today.today, name="dashboard"),
    path("orders/", orders.order_list, name="orders"),
    path("orders/new/", orders.order_new, name="order-new"),
    path("orders/import/", orders.orders_import, name="orders-import"),
    path("orders/bulk/", orders.orders_bulk, name="orders-bulk"),
    path("orders/<uuid:order_id>/", orders.order_detail, name="order-detail"),
    path("orders/<uuid:order_id>/edit/", orders.order_edit, name="order-edit"),
    path(
        "orders/<uuid:order_id>/transition/",
        orders.order_transition_view,
        name="order-transition",
    ),
    path(
        "orders/<uuid:order_id>/shopify-retry/",
        orders.order_shopify_retry,
        name="order-shopify-retry",
    ),
    path("plan/", dispatch.plan, name="plan"),
    path("live/", dispatch.live, name="live"),
    path("reports/", reports.reports, name="reports"),
    path("places/search/", places.place_search, name="place-search"),
]

customer_pages = [
    path("customers/", customers.customer_list, name="customers"),
    path("customers/new/", customers.customer_form, name="customer-new"),
    path("customers/import/", customers.customers_import, name="customers-import"),
    path("customers/rounds/", customers.customer_rounds, name="customer-rounds"),
    path("customers/<uuid:customer_id>/", customers.customer_detail, name="customer-detail"),
    path("customers/<uuid:customer_id>/edit/", customers.customer_form, name="customer-edit"),
    path(
        "customers/<uuid:customer_id>/standing-orders/new/",
        customers.standing_order_form,
        name="standing-order-new",
    ),
    path(
        "customers/<uuid:customer_id>/standing-orders/<uuid:standing_order_id>/",
        customers.standing_order_form,
        name="standing-order-edit",
    ),
    path(
        "standing-orders/<uuid:standing_order_id>/skip/",
        customers.standing_order_skip,
        name="standing-order-skip",
    ),
    path(
        "standing-orders/<uuid:standing_order_id>/pause/",
        customers.standing_order_pause_view,
        name="standing-order-pause",
    ),
]

settings_pages = [
    path("team/", team.team, name="team"),
    path("team/<uuid:user_id>/deactivate/", team.team_deactivate, name="team-deactivate"),
    path("team/<uuid:user_id>/unlock/", team.team_unlock, name="team-unlock"),
    path("team/<uuid:user_id>/resend/", team.team_resend, name="team-resend"),
    path("settings/api-keys/", team.api_keys, name="api-keys"),
    path("settings/business/", team.business_settings, name="business-settings"),
    path("settings/business/close/", team.business_close, name="business-close"),
    path(
        "settings/api-keys/<uuid:key_id>/revoke/", team.api_key_revoke_view, name="api-key-revoke"
    ),
    path("settings/depots/", fleet.depots, name="depots"),
    path("settings/depots/new/", fleet.depot_form, name="depot-new"),
    path("settings/depots/<uuid:depot_id>/", fleet.depot_form, name="depot-edit"),
    path("settings/depots/<uuid:depot_id>/active/", fleet.depot_active, name="depot-active"),
    path("settings/vehicles/", fleet.vehicles, name="vehicles"),
    path("settings/vehicles/new/", fleet.vehicle_form, name="vehicle-new"),
    path("settings/vehicles/<uuid:vehicle_id>/", fleet.vehicle_form, name="vehicle-edit"),
    path(
        "settings/vehicles/<uuid:vehicle_id>/active/", fleet.vehicle_active, name="vehicle-active"
    ),
    path("settings/drivers/", fleet.drivers, name="drivers"),
    path("settings/drivers/new/", fleet.driver_form, name="driver-new"),
    path("settings/drivers/<uuid:driver_id>/", fleet.driver_form, name="driver-edit"),
    path("settings/drivers/<uuid:driver_id>/active/", fleet.driver_active, name="driver-active"),
    path(
        "settings/drivers/<uuid:driver_id>/invitation/",
        invitations.driver_invitation,
        name="driver-invitation",
    ),
    path(
        "settings/drivers/<uuid:driver_id>/invitation/resend/",
        invitations.driver_invitation_resend,
        name="driver-invitation-resend",
    ),
    path(
        "settings/drivers/<uuid:driver_id>/invitation/sms/",
        invitations.driver_invitation_sms,
        name="driver-invitation-sms",
    ),
    path(
        "settings/notifications/",
        notifications.notification_settings_page,
        name="notification-settings",
    ),
    path(
        "settings/notifications/templates/<str:event>/<str:channel>/",
        notifications.template_edit_page,
        name="notification-template",
    ),
    path(
        "settings/notifications/templates/<str:event>/<str:channel>/preview/",
        notifications.template_preview_page,
        name="notification-template-preview-page",
    ),
    path(
        "settings/notifications/messages/",
        notifications.messages_page,
        name="notification-messages",
    ),
    path(
        "settings/notifications/opt-outs/<uuid:opt_out_id>/delete/",
        notifications.opt_out_delete_page,
        name="notification-opt-out-delete",
    ),
    path("settings/webhooks/", notifications.webhooks_page, name="webhook-settings"),
    path(
        "settings/webhooks/<uuid:endpoint_id>/",
        notifications.webhook_detail_page,
        name="webhook-detail",
    ),
    path(
        "settings/webhooks/deliveries/<uuid:delivery_id>/redeliver/",
        notifications.webhook_redeliver_page,
        name="webhook-redeliver",
    ),
]

driver_pages = [
    path("driver/", driver.driver_home, name="driver-home"),
    path("driver/data/", driver.driver_data, name="driver-data"),
    path("driver/sw.js", driver.service_worker, name="driver-service-worker"),
]

# Public: the token in the path is the only credential.
recipient_pages = [
    path(
        "notifications/unsubscribe/<str:token>/",
        notifications.unsubscribe_page,
        name="notification-unsubscribe",
    ),
    path("t/<str:token>/", tracking.tracking_page, name="tracking-page"),
    path("t/<str:token>/skip/", customers.tracking_skip, name="tracking-skip"),
    path(
        "t/<str:token>/instructions/",
        tracking.tracking_instructions,
        name="tracking-instructions",
    ),
    path("t/<str:token>/new-day/", tracking.tracking_reschedule, name="tracking-reschedule"),
    path("t/<str:token>/proofs/<uuid:proof_id>/", tracking.tracking_proof, name="tracking-proof"),
]

urlpatterns = dashboard + customer_pages + settings_pages + driver_pages + recipient_pages
