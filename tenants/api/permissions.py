"""Role checks shared by every app's API."""

from rest_framework.permissions import BasePermission


class IsManager(BasePermission):
    """Owner or admin: users, API keys, webhooks, templates."""

    message = "Only an owner or admin may do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_manager)


class IsOperations(BasePermission):
    """Owner, admin or dispatcher: everything operational in the tenant."""

    message = "Only an owner, admin or dispatcher may do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_operations)
