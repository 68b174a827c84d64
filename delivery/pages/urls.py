"""The dashboard's pages on the tenant host (paths and names are the team's contract)."""

from django.urls import path

from delivery.pages import fleet, orders, reports, today

urlpatterns = [
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
    path("reports/", reports.reports, name="reports"),
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
]
