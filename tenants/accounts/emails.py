"""E-mails the platform itself sends to users (not to recipients: that is `notifications`)."""

from django.core.mail import send_mail

from tenants.accounts.models import User
from tenants.accounts.services import set_password_url
from tenants.selectors import current_tenant, tenant_primary_host


def invitation_email_send(*, user: User) -> None:
    tenant = current_tenant()
    url = set_password_url(user=user, host=tenant_primary_host(tenant=tenant))
    inviter = user.invited_by.full_name or user.invited_by.email if user.invited_by else None
    greeting = f"{inviter} invited you" if inviter else "You have been invited"
    send_mail(
        subject=f"You're invited to {tenant.name}",
        message=(
            f"Hello{(' ' + user.full_name) if user.full_name else ''},\n\n"
            f"{greeting} to join {tenant.name} as {user.get_role_display().lower()}.\n"
            f"Choose your password here (the link works for 3 days):\n\n{url}\n\n"
            f"Your sign-in e-mail is {user.email}.\n"
        ),
        from_email=None,
        recipient_list=[user.email],
        fail_silently=False,
    )
