"""Webhooks: endpoints (create, update, rotate the secret), signing and sending one delivery
with its retries, disabling an endpoint that keeps failing, and redelivering."""

import json
import logging
import time
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications import signing as webhook_signing
from notifications.models import (
    EVENT_NAMES,
    Event,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from notifications.services.queueing import task_enqueue
from notifications.targets import TargetRefused, guarded_session, target_check
from tenants.errors import ApplicationError
from tenants.selectors import current_tenant, tenant_url
from tenants.validation import url_validate

logger = logging.getLogger(__name__)


def webhook_body(event: Event) -> bytes:
    return json.dumps(
        {"type": event.name, "timestamp": event.created_at.isoformat(), "data": event.data},
        separators=(",", ":"),
    ).encode()


def _retry_delay(attempts: int) -> int | None:
    """Seconds until the next try after `attempts` failed ones; None when we give up."""
    schedule = settings.WEBHOOK_RETRY_SCHEDULE_SECONDS
    return schedule[attempts - 1] if attempts <= len(schedule) else None


def webhook_delivery_send(*, delivery_id) -> str:
    """Make one attempt if the delivery is due and nobody else holds it. Returns what happened:
    "succeeded", "retrying", "failed" or "skipped"."""
    from notifications.tasks import webhook_delivery_send_task

    now = timezone.now()
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    claimed = WebhookDelivery.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        pk=delivery_id,
        status=WebhookDelivery.Status.PENDING,
        endpoint__enabled=True,
        next_attempt_at__lte=now,
    ).update(claimed_until=now + timedelta(seconds=2 * timeout + 30))
    if not claimed:
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("event", "endpoint").get(pk=delivery_id)
    endpoint, event = delivery.endpoint, delivery.event
    body = webhook_body(event)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "delivery-platform-webhooks/1",
        **webhook_signing.headers(
            secret=endpoint.secret,
            message_id=str(event.pk),
            timestamp=int(time.time()),
            body=body,
        ),
    }
    status_code, error, response_body = None, "", ""
    started = time.monotonic()
    try:
        target_check(endpoint.url)
        with guarded_session() as session:
            response = session.post(
                endpoint.url,
                data=body,
                headers=headers,
                timeout=(settings.WEBHOOK_CONNECT_TIMEOUT_SECONDS, timeout),
                allow_redirects=False,
            )
            status_code, response_body = response.status_code, response.text[:1000]
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except TargetRefused as refused:
        error = f"Refused target: {refused}"
    except requests.Timeout:
        error = f"Timed out after {timeout} s"
    except requests.RequestException as failure:
        error = f"{failure.__class__.__name__}: {failure}"
    duration_ms = int((time.monotonic() - started) * 1000)
    finished = timezone.now()
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            attempted_at=finished,
            status_code=status_code,
            duration_ms=duration_ms,
            error=error[:500],
            response_body=response_body,
        )
        delivery.attempts += 1
        delivery.last_status_code = status_code
        delivery.last_error = error[:500]
        delivery.last_duration_ms = duration_ms
        delivery.claimed_until = None
        if not error:
            delivery.status, delivery.delivered_at = WebhookDelivery.Status.SUCCEEDED, finished
            outcome = "succeeded"
            WebhookEndpoint.objects.filter(pk=endpoint.pk).exclude(
                consecutive_failures=0, failing_since__isnull=True
            ).update(consecutive_failures=0, failing_since=None)
        else:
            delay = _retry_delay(delivery.attempts)
            if delay is None:
                delivery.status, outcome = WebhookDelivery.Status.FAILED, "failed"
            else:
                delivery.next_attempt_at, outcome = finished + timedelta(seconds=delay), "retrying"
                if delay <= settings.WEBHOOK_RETRY_QUEUE_MAX_SECONDS:
                    # Longer waits are left to the sweep (the broker's visibility timeout).
                    task_enqueue(webhook_delivery_send_task, str(delivery.pk), countdown=delay)
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
                consecutive_failures=F("consecutive_failures") + 1,
                failing_since=Coalesce(F("failing_since"), finished),
            )
            _endpoint_disable_if_failing(endpoint_id=endpoint.pk, now=finished)
        delivery.save()
    return outcome


def _endpoint_disable_if_failing(*, endpoint_id, now: datetime) -> None:
    since = now - timedelta(seconds=settings.WEBHOOK_DISABLE_AFTER_SECONDS)
    disabled = WebhookEndpoint.objects.filter(
        pk=endpoint_id,
        enabled=True,
        consecutive_failures__gte=settings.WEBHOOK_DISABLE_AFTER_FAILURES,
        failing_since__lte=since,
    ).update(
        enabled=False,
        disabled_reason=f"Disabled automatically on {now:%Y-%m-%d %H:%M} UTC after failing "
        "deliveries for too long.",
        updated_at=now,
    )
    if disabled:
        endpoint = WebhookEndpoint.objects.get(pk=endpoint_id)
        tenant = current_tenant()
        transaction.on_commit(lambda: _owners_tell_disabled(endpoint=endpoint, tenant=tenant))


def _owners_tell_disabled(*, endpoint: WebhookEndpoint, tenant) -> None:
    from tenants.accounts.models import Role, User

    owners = list(
        User.objects.filter(role=Role.OWNER, is_active=True).values_list("email", flat=True)
    )
    if not owners:
        return
    link = tenant_url(tenant=tenant, path=f"/settings/webhooks/{endpoint.pk}/")
    try:
        send_mail(
            subject=f"{tenant.name}: webhook endpoint disabled",
            message=(
                f"Deliveries to {endpoint.url} kept failing, so we disabled this endpoint "
                f"({endpoint.consecutive_failures} failed attempts in a row).\n\n"
                f"Fix the receiver, then enable the endpoint again and redeliver what it "
                f"missed: {link}"
            ),
            from_email=None,
            recipient_list=owners,
            fail_silently=False,
        )
    except OSError:
        logger.exception("could not tell the owners that webhook %s was disabled", endpoint.pk)


def _endpoint_validate(*, url: str | None, events: list[str] | None) -> None:
    errors = {}
    if url is not None:
        try:
            url_validate(url, schemes=("http", "https"), max_length=2000)
            target_check(url, resolve=True)
        except (ValueError, TargetRefused) as invalid:
            errors["url"] = [str(invalid)]
    if events is not None:
        unknown = sorted(set(events) - set(EVENT_NAMES))
        if unknown:
            errors["events"] = [_("Unknown events: %(events)s.") % {"events": ", ".join(unknown)}]
    if errors:
        name, messages = next(iter(errors.items()))
        raise ApplicationError("validation_error", f"{name}: {messages[0]}", fields=errors)


def webhook_endpoint_create(
    *, url: str, events: list[str], description: str = "", enabled: bool = True
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its secret (shown once; only the endpoint keeps it, to sign)."""
    _endpoint_validate(url=url, events=events)
    secret = webhook_signing.secret_new()
    endpoint = WebhookEndpoint.objects.create(
        url=url,
        events=sorted(set(events)),
        description=description,
        enabled=enabled,
        secret=secret,
    )
    return endpoint, secret


def webhook_endpoint_update(*, endpoint: WebhookEndpoint, fields: dict) -> WebhookEndpoint:
    _endpoint_validate(url=fields.get("url"), events=fields.get("events"))
    if "events" in fields:
        fields["events"] = sorted(set(fields["events"]))
    for name, value in fields.items():
        setattr(endpoint, name, value)
    if fields.get("enabled"):
        # Enabled again by a person: a fresh start.
        endpoint.disabled_reason, endpoint.failing_since, endpoint.consecutive_failures = (
            "",
            None,
            0,
        )
    endpoint.save()
    return endpoint


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()


def webhook_secret_rotate(*, endpoint: WebhookEndpoint) -> str:
    secret = webhook_signing.secret_new()
    endpoint.secret = secret
    endpoint.save(update_fields=["secret", "updated_at"])
    return secret


def webhook_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send again now, with the same webhook-id (the event's id)."""
    from notifications.tasks import webhook_delivery_send_task

    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update(of=("self",)).get(pk=delivery.pk)
        if not delivery.endpoint.enabled:
            raise ApplicationError(
                "endpoint_disabled",
                _("Enable the endpoint before redelivering to it."),
            )
        delivery.status = WebhookDelivery.Status.PENDING
        delivery.next_attempt_at = timezone.now()
        delivery.claimed_until = None
        delivery.save(update_fields=["status", "next_attempt_at", "claimed_until", "updated_at"])
        task_enqueue(webhook_delivery_send_task, str(delivery.pk))
    return delivery
