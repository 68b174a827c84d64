"""Reads about users and API keys of the current tenant."""

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from tenants.accounts.models import ApiKey, User


def users_list() -> QuerySet[User]:
    return User.objects.select_related("invited_by").order_by("-created_at", "-id")


def locked_out_emails() -> set[str]:
    """E-mails whose sign-in django-axes refuses now (failures within the cool-off period)."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return set(
        AccessAttempt.objects.filter(
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
        ).values_list("username", flat=True)
    )


def api_keys_list() -> QuerySet[ApiKey]:
    return ApiKey.objects.select_related("created_by").order_by("-created_at", "-id")
