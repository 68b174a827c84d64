"""E-mails the platform itself sends to users (not to recipients: that is `notifications`)."""

from django.core.mail import send_mail

from tenants.accounts.invitations import invitation_link_days, invitation_url
from tenants.accounts.models import User
from tenants.accounts.password_reset import password_reset_link_minutes, password_reset_url
from tenants.selectors import current_tenant, tenant_primary_host


def invitation_email_send(*, user: User) -> None:
    tenant = current_tenant()
    url = invitation_url(user=user, host=tenant_primary_host(tenant=tenant))
    inviter = user.invited_by.full_name or user.invited_by.email if user.invited_by else None
    greeting = f"{inviter} invited you" if inviter else "You have been invited"
    days = invitation_link_days()
    send_mail(
        subject=f"You're invited to {tenant.name}",
        message=(
            f"Hello{(' ' + user.full_name) if user.full_name else ''},\n\n"
            f"{greeting} to join {tenant.name} as {user.role}.\n"
            f"Choose your password here (the link works once, for {days} days):\n\n{url}\n\n"
            f"Your sign-in e-mail is {user.email}.\n"
        ),
        from_email=None,
        recipient_list=[user.email],
        fail_silently=False,
    )


def password_reset_email_send(*, user: User) -> None:
    tenant = current_tenant()
    url = password_reset_url(user=user, host=tenant_primary_host(tenant=tenant))
    minutes = password_reset_link_minutes()
    send_mail(
        subject=f"Choose a new password for {tenant.name}",
        message=(
            f"Hello{(' ' + user.full_name) if user.full_name else ''},\n\n"
            f"Someone (we hope you) asked to choose a new password for {user.email} at "
            f"{tenant.name}. Choose it here (the link works once, for {minutes} minutes):\n\n"
            f"{url}\n\n"
            "If you did not ask, ignore this e-mail: your password stays as it is.\n"
        ),
        from_email=None,
        recipient_list=[user.email],
        fail_silently=False,
    )
