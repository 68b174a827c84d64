"""`/api/v1/`: every app's API, in one router."""

from django.urls import re_path

from delivery.api.fleet import DepotViewSet, DriverViewSet, VehicleViewSet
from delivery.api.orders import OrderViewSet
from tenants.accounts.api import ApiKeyViewSet, MeView, UserViewSet
from tenants.api.routers import ApiRouter

router = ApiRouter()
router.register("users", UserViewSet, basename="user")
router.register("api-keys", ApiKeyViewSet, basename="api-key")
router.register("depots", DepotViewSet, basename="depot")
router.register("vehicles", VehicleViewSet, basename="vehicle")
router.register("drivers", DriverViewSet, basename="driver")
router.register("orders", OrderViewSet, basename="order")

# Order routes that are not about one order (bulk, import, export) come before the router's
# `orders/<id>` so that they are never read as an id.
order_collection_urls: list = []

urlpatterns = [
    re_path(r"^me/?$", MeView.as_view(), name="me"),
    *order_collection_urls,
    *router.urls,
]
