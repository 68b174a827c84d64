"""`/api/v1/`: every app's API, in one router."""

from django.urls import re_path

from delivery.api.fleet import DepotViewSet, DriverViewSet, VehicleViewSet
from delivery.api.imports import OrderBulkView, OrderExportView, OrderImportView
from delivery.api.proofs import OrderProofsView, ProofFileView
from delivery.api.shopify import ShopifyConnectionViewSet
from delivery.customers.api import (
    CustomerExportView,
    CustomerImportView,
    CustomerViewSet,
    HolidayView,
    StandingOrderViewSet,
)
from notifications.urls_api import notification_urls
from routing.api import OptimizationViewSet, RouteViewSet
from routing.api_orders import OrderViewSet
from tenants.accounts.api import ApiKeyViewSet, MeView, UserViewSet
from tenants.api.routers import UUID_PATTERN, ApiRouter
from tracking.api import (
    DriverTrackView,
    PositionsLatestView,
    PositionsView,
    TrackingLinkRotateView,
)

router = ApiRouter()
router.register("users", UserViewSet, basename="user")
router.register("api-keys", ApiKeyViewSet, basename="api-key")
router.register("depots", DepotViewSet, basename="depot")
router.register("vehicles", VehicleViewSet, basename="vehicle")
router.register("drivers", DriverViewSet, basename="driver")
router.register("orders", OrderViewSet, basename="order")
router.register("optimizations", OptimizationViewSet, basename="optimization")
router.register("routes", RouteViewSet, basename="route")
router.register("customers", CustomerViewSet, basename="customer")
router.register("standing-orders", StandingOrderViewSet, basename="standing-order")
router.register(
    "integrations/shopify/connections", ShopifyConnectionViewSet, basename="shopify-connection"
)

# Order routes that are not about one order (bulk, import, export) come before the router's
# `orders/<id>` so that they are never read as an id.
order_collection_urls: list = [
    re_path(r"^orders/bulk/?$", OrderBulkView.as_view(), name="order-bulk"),
    re_path(r"^orders/import/?$", OrderImportView.as_view(), name="order-import"),
    re_path(r"^orders/export/?$", OrderExportView.as_view(), name="order-export"),
]
# Customers' collection routes (delivery/customers/api.py), before `customers/<id>`.
customer_collection_urls: list = [
    re_path(r"^customers/import/?$", CustomerImportView.as_view(), name="customer-import"),
    re_path(r"^customers/export/?$", CustomerExportView.as_view(), name="customer-export"),
    re_path(r"^holidays/?$", HolidayView.as_view(), name="holidays"),
]
# Live tracking (tracking/api.py).
tracking_urls: list = [
    re_path(r"^positions/?$", PositionsView.as_view(), name="positions"),
    re_path(r"^positions/latest/?$", PositionsLatestView.as_view(), name="positions-latest"),
    re_path(
        rf"^drivers/(?P<id>{UUID_PATTERN})/track/?$", DriverTrackView.as_view(), name="driver-track"
    ),
    re_path(
        rf"^orders/(?P<id>{UUID_PATTERN})/tracking-link/rotate/?$",
        TrackingLinkRotateView.as_view(),
        name="order-tracking-link-rotate",
    ),
]

urlpatterns = [
    re_path(r"^me/?$", MeView.as_view(), name="me"),
    *order_collection_urls,
    *customer_collection_urls,
    *notification_urls(router),
    *tracking_urls,
    *router.urls,
    re_path(
        rf"^orders/(?P<id>{UUID_PATTERN})/proofs/?$", OrderProofsView.as_view(), name="order-proofs"
    ),
    re_path(
        rf"^orders/(?P<id>{UUID_PATTERN})/proofs/(?P<proof_id>{UUID_PATTERN})/file/?$",
        ProofFileView.as_view(),
        name="order-proof-file",
    ),
]
