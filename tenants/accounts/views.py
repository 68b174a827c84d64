"""Signing in and out on the tenant host: sign in, sign out, a one-time login link, choose a
password from an invitation, "forgot password?". The team, API-key and business pages are in
web.views.team. Thin: services decide."""

import math

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from tenants.accounts.forms import EmailAuthenticationForm, PasswordResetRequestForm
from tenants.accounts.invitations import invitation_link_days
from tenants.accounts.models import Role
from tenants.accounts.password_reset import password_reset_link_minutes, password_reset_request
from tenants.accounts.services import login_token_redeem
from tenants.accounts.sessions import session_expiry_set
from tenants.accounts.tokens import invitation_tokens, password_reset_tokens
from tenants.errors import ApplicationError
from tenants.page_limits import address_limit_refusal

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def home_for(user) -> str:
    """Where a user lands after signing in: a driver's phone on their route, the rest on Today."""
    return resolve_url("driver-home" if user.role == Role.DRIVER else "dashboard")


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
    """An invitation's link: choose a password and be signed in (a driver lands on /driver/)."""

    template_name = "accounts/password_set.html"
    token_generator = invitation_tokens
    post_reset_login = True
    post_reset_login_backend = MODEL_BACKEND
    done_message = _("Your password is set and you are signed in.")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {
            "account": self.user if self.validlink else None,
            "link_days": invitation_link_days(),
            "link_minutes": password_reset_link_minutes(),
        }

    def form_valid(self, form):
        response = super().form_valid(form)
        user = self.request.user
        session_expiry_set(session=self.request.session, user=user)
        axes_reset(username=user.email)  # a new password lifts a lockout on the old one
        if user.role != Role.DRIVER:  # the driver's view is a phone app with no message area
            messages.success(self.request, self.done_message)
        return response

    def get_success_url(self):
        return home_for(self.request.user)


class PasswordResetConfirmView(PasswordSetView):
    """A "forgot password?" e-mail's link: the same, on its own (shorter-lived) tokens."""

    template_name = "accounts/password_reset_confirm.html"
    token_generator = password_reset_tokens
    done_message = _("Your new password is set and you are signed in.")


def password_reset(request):
    """Ask for a reset link. The answer is the same whether or not the address has an account."""
    form = PasswordResetRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        refusal = address_limit_refusal(
            request,
            action="password-reset",
            limit=settings.PASSWORD_RESET_RATE_LIMIT_PER_HOUR,
            what=_("password reset requests"),
        )
        if refusal is not None:
            return refusal
        if form.is_valid():
            try:
                password_reset_request(email=form.cleaned_data["email"])
            except ApplicationError as error:
                form.add_error("email", error.message)
            else:
                return redirect(reverse("password-reset-sent"))
    return render(
        request,
        "accounts/password_reset.html",
        {"form": form, "link_minutes": password_reset_link_minutes()},
        status=400 if form.errors else 200,
    )


@require_GET
def password_reset_sent(request):
    return render(
        request,
        "accounts/password_reset_sent.html",
        {"link_minutes": password_reset_link_minutes()},
    )


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
    login(request, user, backend=MODEL_BACKEND)
    return redirect("dashboard")
