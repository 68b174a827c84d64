""" "Forgot password?": a one-hour, single-use link by e-mail. The answer never tells whether the
address has an account; requests are throttled per address (here) and per client (the view)."""

import hashlib

from django.conf import settings
from django.db import connection

from tenants.accounts.links import user_token_url
from tenants.accounts.models import User
from tenants.accounts.services import email_normalise
from tenants.accounts.tokens import password_reset_tokens
from tenants.queueing import task_send_after_commit
from tenants.throttling import rate_limit_hit


def password_reset_request(*, email: str) -> bool:
    """Queue the reset e-mail to `email` unless the address asked too often; True when queued.
    Whether the address has an account is decided by the worker, so the request does the same
    work, in the same time, for a known and an unknown address (no enumeration by timing)."""
    from tenants.accounts.tasks import password_reset_email_send

    email = email_normalise(email)
    # Counted for every address, known or not, so the limit itself tells nothing.
    digest = hashlib.sha256(email.encode()).hexdigest()[:32]
    limited = rate_limit_hit(
        scope=f"{connection.schema_name}:password-reset:{digest}",
        limit=settings.PASSWORD_RESET_RATE_LIMIT_PER_EMAIL_PER_HOUR,
        window_ms=3600 * 1000,
    )
    if not limited.allowed:
        return False
    task_send_after_commit(password_reset_email_send, args=[email])
    return True


def password_reset_user(*, email: str) -> User | None:
    """The active user of this business with this (normalised) address, if any."""
    return User.objects.filter(email=email, is_active=True).first()


def password_reset_url(*, user: User, host: str) -> str:
    return user_token_url(
        user=user, host=host, view="password-reset-confirm", tokens=password_reset_tokens
    )


def password_reset_link_minutes() -> int:
    return max(1, settings.PASSWORD_RESET_LINK_SECONDS // 60)
