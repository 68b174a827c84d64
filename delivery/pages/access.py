"""Who may open which dashboard page: operations roles for operations, owners/admins for
settings; drivers are sent to their own view."""

from functools import wraps
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils import timezone

from tenants.accounts.models import Role

DRIVER_HOME = "/driver/"


def _guarded(allowed):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if request.user.role == Role.DRIVER:
                return redirect(DRIVER_HOME)
            if not allowed(request.user):
                raise PermissionDenied("Your role may not open this page.")
            # Times on the page are the business's wall-clock times.
            with timezone.override(ZoneInfo(request.tenant.time_zone)):
                return view(request, *args, **kwargs)

        return wrapper

    return decorator


operations_required = _guarded(lambda user: user.is_operations)
manager_required = _guarded(lambda user: user.is_manager)


def posted(request, *, files: bool = False):
    """A form's data: bound on POST even when empty (so "required" is reported), else None."""
    if request.method != "POST":
        return (None, None) if files else None
    return (request.POST, request.FILES) if files else request.POST
