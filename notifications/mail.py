"""Sending recipient e-mail through Django's e-mail backend (anymail's for real providers)."""

import smtplib
from email.utils import formataddr, make_msgid

from django.conf import settings
from django.core.mail import EmailMessage

from notifications.sms import SendError


def email_send(*, to: str, subject: str, body: str, unsubscribe_url: str, from_name: str) -> str:
    """Send one e-mail; returns the provider's message id (anymail's, or our Message-ID)."""
    sender = settings.NOTIFICATIONS_FROM_EMAIL or settings.DEFAULT_FROM_EMAIL
    message_id = make_msgid(domain=sender.rsplit("@", 1)[-1])
    headers = {"Message-ID": message_id}
    if unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=formataddr((from_name, sender)) if from_name else sender,
        to=[to],
        headers=headers,
    )
    try:
        message.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as error:
        raise SendError(f"Recipient refused: {error.recipients}"[:500], permanent=True) from None
    except (smtplib.SMTPException, OSError) as error:
        raise SendError(f"E-mail failed: {error}"[:500], permanent=False) from None
    except Exception as error:
        _raise_anymail(error)
        raise
    status = getattr(message, "anymail_status", None)
    if status is not None and status.message_id:
        return str(status.message_id)
    return message_id


def _raise_anymail(error: Exception) -> None:
    """Translate anymail's errors (only when anymail is the backend); others propagate."""
    try:
        from anymail.exceptions import AnymailError, AnymailRecipientsRefused
    except ImportError:  # pragma: no cover - anymail is in requirements.txt
        return
    if isinstance(error, AnymailRecipientsRefused):
        raise SendError(f"Recipient refused: {error}"[:500], permanent=True) from None
    if isinstance(error, AnymailError):
        code = getattr(error, "status_code", None)
        permanent = code is not None and 400 <= code < 500 and code != 429
        raise SendError(f"E-mail provider: {error}"[:500], permanent=permanent) from None
