"""`/api/v1/`: every app's API, in one router."""

from django.urls import re_path

from tenants.accounts.api import ApiKeyViewSet, MeView, UserViewSet
from tenants.api.routers import ApiRouter

router = ApiRouter()
router.register("users", UserViewSet, basename="user")
router.register("api-keys", ApiKeyViewSet, basename="api-key")

urlpatterns = [
    re_path(r"^me/?$", MeView.as_view(), name="me"),
    *router.urls,
]
