"""Who may open which dashboard page: operations roles for operations, owners/admins for
settings; drivers are sent to their own view."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

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
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


operations_required = _guarded(lambda user: user.is_operations)
manager_required = _guarded(lambda user: user.is_manager)
