"""Celery tasks for accounts: thin, take ids, safe to run twice."""

from celery import shared_task

from tenants.accounts import emails
from tenants.accounts.invitations import invitation_email_sent_record
from tenants.accounts.models import User
from tenants.accounts.password_reset import password_reset_user
from tenants.api.idempotency import idempotency_records_purge as purge_records


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def invitation_email_send(user_id: str) -> None:
    user = User.objects.select_related("invited_by").filter(pk=user_id, is_active=True).first()
    if user is None or user.has_usable_password():
        return  # gone, or already accepted: nothing to send
    emails.invitation_email_send(user=user)
    invitation_email_sent_record(user=user)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def password_reset_email_send(email: str) -> None:
    """Queued for every address asked about (see password_reset_request): only an active user's
    address gets the e-mail."""
    user = password_reset_user(email=email)
    if user is None:
        return
    emails.password_reset_email_send(user=user)


@shared_task
def idempotency_records_purge() -> int:
    return purge_records()
