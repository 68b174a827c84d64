"""Inviting a teammate: the set-password link (to e-mail, copy, show as a QR code or text), what
became of the invitation e-mail, and resending it."""

from datetime import timedelta

import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.accounts.links import user_token_url
from tenants.accounts.models import User
from tenants.accounts.tokens import invitation_tokens
from tenants.errors import ApplicationError
from tenants.queueing import task_send_after_commit

INVITATION_EMAIL_LATE = timedelta(minutes=10)


def invitation_url(*, user: User, host: str) -> str:
    """The link that lets `user` choose a password (and signs them in): single use, bound to this
    business, valid for INVITATION_LINK_SECONDS from now."""
    return user_token_url(user=user, host=host, view="password-set", tokens=invitation_tokens)


def invitation_pending(user: User) -> bool:
    """Invited, still active, and no password chosen yet."""
    return user.is_active and not user.has_usable_password()


def invitation_email_late(user: User) -> bool:
    """The invitation e-mail was asked for a while ago and has still not left (the mail server
    refuses it, or the workers are down)."""
    return (
        user.invitation_requested_at is not None
        and user.invitation_sent_at is None
        and timezone.now() - user.invitation_requested_at > INVITATION_EMAIL_LATE
    )


def invitation_link_days() -> int:
    return max(1, settings.INVITATION_LINK_SECONDS // 86400)


def invitation_email_queue(*, user: User) -> User:
    """Send the invitation e-mail after commit; remember when it was asked for."""
    from tenants.accounts.tasks import invitation_email_send

    user.invitation_requested_at = timezone.now()
    user.invitation_sent_at = None
    user.save(update_fields=["invitation_requested_at", "invitation_sent_at"])
    task_send_after_commit(invitation_email_send, args=[str(user.pk)])
    return user


def invitation_resend(*, user: User) -> User:
    """E-mail the invitation again (the caller's guard: owner or admin, rate limited)."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.is_active:
            raise ApplicationError(
                "invalid_operation",
                _("%(email)s is deactivated: reactivate them first.") % {"email": user.email},
            )
        if user.has_usable_password():
            raise ApplicationError(
                "invalid_operation",
                _("%(email)s has already chosen a password: there is no invitation to resend.")
                % {"email": user.email},
            )
        return invitation_email_queue(user=user)


def invitation_email_sent_record(*, user: User) -> None:
    User.objects.filter(pk=user.pk).update(invitation_sent_at=timezone.now())


def invitation_text(*, user: User, business_name: str, url: str) -> str:
    """The invitation as a text message (kept short: one link, who and why), in English like the
    invitation e-mail: the role by its name (its label follows the active language)."""
    return (
        f"{business_name} invited you to sign in as {user.role}. "
        f"Choose your password (link works {invitation_link_days()} days, once): {url}"
    )


def qr_code_svg(*, text: str) -> str:
    """`text` as a QR code, an inline SVG drawn on the server (no script, no outside service)."""
    code = segno.make(text, error="m", micro=False)
    return code.svg_inline(scale=5, border=2, dark="#111", light="#fff", omitsize=True)
