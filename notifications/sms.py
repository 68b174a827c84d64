"""Sending SMS: Twilio's REST API (explicit timeouts), or the console/file/locmem backends for
development and tests. SMS_BACKEND picks one."""

import json
import logging
import uuid
from pathlib import Path

import requests
from django.conf import settings

logger = logging.getLogger(__name__)

outbox: list[dict] = []  # the locmem backend's sent messages (tests)


class SendError(Exception):
    """A provider refused or failed; `permanent` errors are never retried."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


# Twilio error codes that no retry will fix (invalid / unreachable / opted-out numbers).
TWILIO_PERMANENT_CODES = {21211, 21212, 21408, 21610, 21612, 21614, 21617, 21705}


def _twilio(*, to: str, body: str) -> str:
    sid = settings.TWILIO_ACCOUNT_SID
    url = f"{settings.TWILIO_API_URL.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"
    form = {"To": to, "Body": body}
    if settings.TWILIO_MESSAGING_SERVICE_SID:
        form["MessagingServiceSid"] = settings.TWILIO_MESSAGING_SERVICE_SID
    else:
        form["From"] = settings.TWILIO_FROM_NUMBER
    try:
        response = requests.post(
            url,
            data=form,
            auth=(settings.TWILIO_API_KEY_SID or sid, settings.TWILIO_AUTH_TOKEN),
            timeout=(settings.SMS_CONNECT_TIMEOUT, settings.SMS_TIMEOUT),
        )
    except requests.RequestException as error:
        message = f"Twilio unreachable: {error.__class__.__name__}"
        raise SendError(message, permanent=False) from None
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    if response.status_code in (200, 201):
        return str(answer.get("sid", ""))
    code = answer.get("code")
    message = f"Twilio {response.status_code}" + (f" error {code}" if code else "")
    message += f": {answer.get('message', '')}".rstrip(": ")
    retryable = response.status_code == 429 or response.status_code >= 500
    permanent = code in TWILIO_PERMANENT_CODES or not retryable
    raise SendError(message[:500], permanent=permanent)


def sms_send(*, to: str, body: str) -> str:
    """Send one SMS; returns the provider's message id."""
    backend = settings.SMS_BACKEND
    if backend == "twilio":
        return _twilio(to=to, body=body)
    provider_id = f"{backend}-{uuid.uuid4()}"
    record = {"id": provider_id, "to": to, "body": body}
    if backend == "locmem":
        outbox.append(record)
    elif backend == "file":
        path = Path(settings.SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as file:
            file.write(json.dumps(record) + "\n")
    elif backend == "console":
        logger.info("SMS to %s: %s", to, body)
    else:
        raise SendError(f"Unknown SMS_BACKEND {backend!r}.", permanent=True)
    return provider_id
