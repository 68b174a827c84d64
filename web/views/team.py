"""Owners' and admins' pages for the team (invite, deactivate), API keys and the business's name
and logo. Thin: forms parse, the platform's services decide."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from tenants.accounts.invitations import invitation_resend
from tenants.accounts.models import ApiKey, Role, User
from tenants.accounts.selectors import api_keys_list, locked_out_emails, users_list
from tenants.accounts.services import (
    api_key_create,
    api_key_revoke,
    user_deactivate,
    user_invite,
    user_unlock,
)
from tenants.errors import ApplicationError
from tenants.page_limits import invitation_limit_refusal
from tenants.services import (
    tenant_branding_update,
    tenant_close,
    tenant_conventions_update,
    tenant_recipient_options_update,
)
from web.access import MANAGERS, page_view
from web.forms.accounts import ApiKeyForm, BusinessCloseForm, BusinessForm, InviteForm

manager_page = page_view(roles=MANAGERS)


@manager_page
def team(request):
    form = InviteForm(request.POST or None)
    if request.method == "POST" and (refusal := invitation_limit_refusal(request)) is not None:
        return refusal
    if request.method == "POST" and form.is_valid():
        try:
            user = user_invite(actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error("email" if "email" in error.fields else None, error.message)
        else:
            messages.success(
                request,
                _(
                    "Invitation e-mail on its way to %(email)s. Not arrived? Send it again "
                    "from the list below."
                )
                % {"email": user.email},
            )
            return redirect("team")
    return render(
        request,
        "web/accounts/team.html",
        {"form": form, "users": users_list(), "locked_out": locked_out_emails()},
        status=400 if form.errors else 200,
    )


@manager_page
@require_POST
def team_deactivate(request, user_id):
    user = get_object_or_404(User, pk=user_id)
    try:
        user_deactivate(actor=request.user, user=user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(email)s can no longer sign in.") % {"email": user.email})
    return redirect("team")


@manager_page
@require_POST
def team_resend(request, user_id):
    """E-mail an invitee their invitation again (rate limited like every invitation)."""
    user = get_object_or_404(User, pk=user_id)
    if (refusal := invitation_limit_refusal(request)) is not None:
        return refusal
    try:
        invitation_resend(user=user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Invitation e-mail sent again to %(email)s.") % {"email": user.email}
        )
    return redirect("team")


@manager_page
@require_POST
def team_unlock(request, user_id):
    user = get_object_or_404(User, pk=user_id)
    user_unlock(user=user)
    messages.success(request, _("%(email)s can sign in again.") % {"email": user.email})
    return redirect("team")


@manager_page
def api_keys(request):
    form = ApiKeyForm(request.POST or None)
    created_key = None
    if request.method == "POST" and form.is_valid():
        _key, created_key = api_key_create(created_by=request.user, **form.cleaned_data)
        form = ApiKeyForm()
    return render(
        request,
        "web/accounts/api_keys.html",
        {"form": form, "api_keys": api_keys_list(), "created_key": created_key},
    )


@manager_page
@require_POST
def api_key_revoke_view(request, key_id):
    api_key = get_object_or_404(ApiKey, pk=key_id)
    api_key_revoke(api_key=api_key)
    messages.success(request, _("The key %(prefix)s… is revoked.") % {"prefix": api_key.prefix})
    return redirect("api-keys")


@manager_page
def business_settings(request):
    """The business's name, logo, loading lead time, conventions (time zone, country, language,
    clock) and what recipients may do from their tracking link (owner/admin)."""
    tenant = request.tenant
    form = BusinessForm(
        request.POST if request.method == "POST" else None,
        initial={
            "name": tenant.name,
            "logo_url": tenant.logo_url,
            "loading_lead_minutes": tenant.loading_lead_minutes,
            **{name: getattr(tenant, name) for name in CONVENTIONS + RECIPIENT_OPTIONS},
        },
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        # An empty choice keeps the current value (a form posted by an older page).
        conventions = {
            name: data.pop(name) or getattr(tenant, name)
            for name in CONVENTIONS
            if name != "country"
        }
        conventions["country"] = data.pop("country")
        recipient_options = {name: data.pop(name) for name in RECIPIENT_OPTIONS}
        if recipient_options["recipient_reschedule_days"] is None:
            recipient_options["recipient_reschedule_days"] = tenant.recipient_reschedule_days
        try:
            with transaction.atomic():
                tenant_branding_update(tenant=tenant, **data)
                tenant_conventions_update(tenant=tenant, **conventions)
                tenant_recipient_options_update(tenant=tenant, **recipient_options)
        except ApplicationError as error:
            for field, field_messages in error.fields.items():
                for message in field_messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("Saved."))
            return redirect("business-settings")
    return render(
        request, "web/accounts/business.html", {"form": form}, status=400 if form.errors else 200
    )


# The business settings' fields beyond name, logo and loading time.
CONVENTIONS = ["time_zone", "country", "language", "clock"]
RECIPIENT_OPTIONS = [
    "recipient_reschedule_days",
    "recipient_instructions_allowed",
    "recipient_contact_shown",
]


@page_view(roles={Role.OWNER})
def business_close(request):
    """The owner closes the business, confirming with its address name and their password."""
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
                "web/accounts/business_closed.html",
                {"grace_days": settings.TENANT_CLOSE_GRACE_DAYS},
            )
    return render(
        request,
        "web/accounts/business_close.html",
        {"form": form, "grace_days": settings.TENANT_CLOSE_GRACE_DAYS},
        status=400 if form.errors else 200,
    )
