"""The one guard of every signed-in page: who may open it, where the others go, and the business's
time zone for everything the page renders."""

from collections.abc import Collection
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils import timezone

from tenants.accounts.models import MANAGER_ROLES, OPERATIONS_ROLES, Role
from tenants.selectors import tenant_time_zone

DRIVER_HOME = "/driver/"
DASHBOARD_HOME = "/"

OPERATIONS = OPERATIONS_ROLES  # Today, Orders, Plan, Live, Reports
MANAGERS = MANAGER_ROLES  # the settings pages
DRIVERS = frozenset({Role.DRIVER})  # the driver's view


def page_view(*, roles: Collection[str]):
    """Decorate a page view. A visitor signs in first (back to this page after); a user whose
    role belongs to the other side of the app (a driver on a dashboard page, a dispatcher on the
    driver's view) is sent to their own home; any other role not in `roles` gets the 403 page.
    The view runs with the business's time zone active."""
    roles = frozenset(roles)
    drivers_page = Role.DRIVER in roles

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if user.role not in roles:
                is_driver = user.role == Role.DRIVER
                if is_driver != drivers_page:
                    return redirect(DRIVER_HOME if is_driver else DASHBOARD_HOME)
                raise PermissionDenied("Your role may not open this page.")
            with timezone.override(tenant_time_zone()):
                return view(request, *args, **kwargs)

        return wrapper

    return decorator


def posted(request, *, files: bool = False):
    """A form's data: bound on POST even when empty (so "required" is reported), else None."""
    if request.method != "POST":
        return (None, None) if files else None
    return (request.POST, request.FILES) if files else request.POST
