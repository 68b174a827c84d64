"""Signing in and out on the tenant host: sign in, sign out, a one-time login link, set a
password. The team, API-key and business pages are in web.views.team. Thin: services decide."""

import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse_lazy
from django.views.decorators.http import require_GET

from tenants.accounts.forms import EmailAuthenticationForm
from tenants.accounts.models import Role
from tenants.accounts.services import login_token_redeem
from tenants.accounts.sessions import session_expiry_set
from tenants.errors import ApplicationError


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        session_expiry_set(session=self.request.session, user=form.get_user())
        return response

    def get_default_redirect_url(self):
        # A driver's phone goes straight to their route, unless `next` says otherwise.
        if self.request.user.is_authenticated and self.request.user.role == Role.DRIVER:
            return resolve_url("driver-home")
        return super().get_default_redirect_url()


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("login")


class PasswordSetView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_set.html"
    success_url = reverse_lazy("login")
    post_reset_login = False

    def form_valid(self, form):
        messages.success(self.request, "Your password is set. Sign in to continue.")
        return super().form_valid(form)


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout answer: what happened, when to try again, who can unlock."""
    minutes = max(1, math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    response = render(
        request,
        "accounts/locked_out.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response


@require_GET
def token_login(request, token: str):
    try:
        user = login_token_redeem(token=token)
    except ApplicationError as error:
        return render(
            request, "accounts/token_invalid.html", {"message": error.message}, status=400
        )
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("dashboard")
