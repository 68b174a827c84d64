"""Dashboard pages on the tenant host: sign in/out, the team, API keys. Thin: services decide."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse_lazy
from django.views.decorators.http import require_GET, require_POST

from tenants.accounts.forms import (
    ApiKeyForm,
    BusinessCloseForm,
    BusinessForm,
    EmailAuthenticationForm,
    InviteForm,
)
from tenants.accounts.models import ApiKey, Role, User
from tenants.accounts.selectors import api_keys_list, users_list
from tenants.accounts.services import (
    api_key_create,
    api_key_revoke,
    login_token_redeem,
    user_deactivate,
    user_invite,
)
from tenants.accounts.sessions import session_expiry_set
from tenants.api.errors import ApplicationError
from tenants.services import tenant_branding_update, tenant_close


def manager_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.is_manager:
            raise PermissionDenied("Only an owner or admin may manage this.")
        return view(request, *args, **kwargs)

    return wrapper


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


@manager_required
def team(request):
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_invite(actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error("email" if "email" in error.fields else None, error.message)
        else:
            messages.success(request, f"Invitation sent to {user.email}.")
            return redirect("team")
    return render(
        request,
        "accounts/team.html",
        {"form": form, "users": users_list()},
        status=400 if form.errors else 200,
    )


@manager_required
@require_POST
def team_deactivate(request, user_id):
    user = get_object_or_404(User, pk=user_id)
    try:
        user_deactivate(actor=request.user, user=user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{user.email} can no longer sign in.")
    return redirect("team")


@manager_required
def api_keys(request):
    form = ApiKeyForm(request.POST or None)
    created_key = None
    if request.method == "POST" and form.is_valid():
        _, created_key = api_key_create(created_by=request.user, **form.cleaned_data)
        form = ApiKeyForm()
    return render(
        request,
        "accounts/api_keys.html",
        {"form": form, "api_keys": api_keys_list(), "created_key": created_key},
    )


@manager_required
@require_POST
def api_key_revoke_view(request, key_id):
    api_key = get_object_or_404(ApiKey, pk=key_id)
    api_key_revoke(api_key=api_key)
    messages.success(request, f"The key {api_key.prefix}… is revoked.")
    return redirect("api-keys")


@manager_required
def business_settings(request):
    """The business's name and logo (owner/admin)."""
    tenant = request.tenant
    form = BusinessForm(
        request.POST if request.method == "POST" else None,
        initial={"name": tenant.name, "logo_url": tenant.logo_url},
    )
    if request.method == "POST" and form.is_valid():
        try:
            tenant_branding_update(tenant=tenant, **form.cleaned_data)
        except ApplicationError as error:
            for field, field_messages in error.fields.items():
                for message in field_messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, "Saved.")
            return redirect("business-settings")
    return render(
        request, "accounts/business.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
def business_close(request):
    """The owner closes the business, confirming with its address name and their password."""
    if request.user.role != Role.OWNER:
        raise PermissionDenied("Only an owner may close the business.")
    form = BusinessCloseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            tenant_close(tenant=request.tenant, user=request.user, **form.cleaned_data)
        except ApplicationError as error:
            for field, field_messages in error.fields.items():
                for message in field_messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            logout(request)
            return render(
                request,
                "accounts/business_closed.html",
                {"grace_days": settings.TENANT_CLOSE_GRACE_DAYS},
            )
    return render(
        request,
        "accounts/business_close.html",
        {"form": form, "grace_days": settings.TENANT_CLOSE_GRACE_DAYS},
        status=400 if form.errors else 200,
    )
