"""Reads about users and API keys of the current tenant."""

from django.db.models import QuerySet

from tenants.accounts.models import ApiKey, User


def users_list() -> QuerySet[User]:
    return User.objects.select_related("invited_by").order_by("-created_at", "-id")


def api_keys_list() -> QuerySet[ApiKey]:
    return ApiKey.objects.select_related("created_by").order_by("-created_at", "-id")
