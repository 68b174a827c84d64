"""Every write of the notifications app: dispatching the outbox, sending webhooks and messages,
templates, opt-outs, settings and webhook endpoints."""

import json
import logging
import time
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import requests
from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from notifications import signing as webhook_signing
from notifications.mail import email_send
from notifications.models import (
    EVENT_NAMES,
    RECIPIENT_EVENTS,
    Channel,
    Event,
    Message,
    NotificationSettings,
    NotificationTemplate,
    OptOut,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from notifications.rendering import (
    DEFAULTS,
    SAMPLE_DATA,
    TemplateInvalid,
    context_build,
    render,
    template_compile,
)
from notifications.sms import SendError, sms_send
from notifications.targets import TargetRefused, guarded_session, target_check
from tenants.errors import ApplicationError
from tenants.selectors import current_tenant, tenant_url

logger = logging.getLogger(__name__)

BATCH = 500
UNSUBSCRIBE_SALT = "notifications.unsubscribe"


# --- queueing ---------------------------------------------------------------------------------


def _enqueue(task, *args, countdown: float | None = None) -> None:
    """Queue `task` after commit, in this tenant. A broker outage only delays the work: the
    sweep finds everything still due."""
    schema = connection.schema_name

    def send() -> None:
        from django_tenants.utils import schema_context
        from kombu.exceptions import KombuError, OperationalError

        try:
            with schema_context(schema):
                task.apply_async(args=list(args), countdown=countdown, retry=False)
        except (OperationalError, KombuError, OSError) as error:
            logger.warning("%s not queued (%s); the sweep will pick it up", task.name, error)

    transaction.on_commit(send)


# --- settings, templates, opt-outs ------------------------------------------------------------


def notification_settings() -> NotificationSettings:
    """The business's settings (defaults until it saves its own; reading writes nothing)."""
    return NotificationSettings.objects.filter(pk=1).first() or NotificationSettings(pk=1)


def notification_settings_save(*, fields: dict) -> NotificationSettings:
    start, end = fields.get("quiet_hours_start"), fields.get("quiet_hours_end")
    if (start is None) != (end is None):
        message = "Give both the start and the end of the quiet hours, or neither."
        raise ApplicationError("validation_error", message, fields={"quiet_hours_end": [message]})
    row, _ = NotificationSettings.objects.get_or_create(pk=1)
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    return row


def _template_check(*, event: str, channel: str) -> None:
    if event not in RECIPIENT_EVENTS or channel not in Channel.values:
        raise NotificationTemplate.DoesNotExist


def _template_validate(*, channel: str, subject: str, body: str) -> None:
    errors = {}
    if not body.strip():
        errors["body"] = ["The message cannot be empty."]
    if channel == Channel.EMAIL and not subject.strip():
        errors["subject"] = ["An e-mail needs a subject."]
    for name, source in (("subject", subject), ("body", body)):
        try:
            template_compile(source)
        except TemplateInvalid as error:
            errors.setdefault(name, []).append(f"Template error: {error}")
    if not errors:
        try:
            render(subject=subject, body=body, context=_sample_context(), channel=channel)
        except TemplateInvalid as error:
            errors["body"] = [f"Template error: {error}"]
    if errors:
        name, messages = next(iter(errors.items()))
        raise ApplicationError("validation_error", f"{name}: {messages[0]}", fields=errors)


def template_save(
    *, event: str, channel: str, subject: str, body: str, enabled: bool
) -> NotificationTemplate:
    _template_check(event=event, channel=channel)
    if channel == Channel.SMS:
        subject = ""
    _template_validate(channel=channel, subject=subject, body=body)
    template, _ = NotificationTemplate.objects.update_or_create(
        event=event,
        channel=channel,
        defaults={"subject": subject, "body": body, "enabled": enabled},
    )
    return template


def template_reset(*, event: str, channel: str) -> None:
    _template_check(event=event, channel=channel)
    NotificationTemplate.objects.filter(event=event, channel=channel).delete()


def _sample_context() -> dict:
    tenant = current_tenant()
    return context_build(
        data=SAMPLE_DATA,
        business_name=tenant.name,
        tz=ZoneInfo(tenant.time_zone),
        settings_row=notification_settings(),
        unsubscribe_url=tenant_url(tenant=tenant, path="/notifications/unsubscribe/sample/"),
    )


def template_preview(*, event: str, channel: str, subject: str, body: str) -> dict:
    """What the recipient would read, with sample order data."""
    _template_check(event=event, channel=channel)
    if channel == Channel.SMS:
        subject = ""
    _template_validate(channel=channel, subject=subject, body=body)
    rendered_subject, rendered_body = render(
        subject=subject, body=body, context=_sample_context(), channel=channel
    )
    return {"subject": rendered_subject, "body": rendered_body, "length": len(rendered_body)}


def address_normalize(*, channel: str, address: str) -> str:
    """E.164 for phones (national numbers read in the business's country), lower-case e-mail."""
    from delivery.validation import email_normalise, phone_normalise

    try:
        if channel == Channel.EMAIL:
            normalized = email_normalise(address)
        else:
            normalized = phone_normalise(address, region=current_tenant().country or None)
    except ValueError as error:
        raise ApplicationError(
            "validation_error", f"address: {error}", fields={"address": [str(error)]}
        ) from None
    if not normalized:
        message = "This field is required."
        raise ApplicationError(
            "validation_error", f"address: {message}", fields={"address": [message]}
        )
    return normalized


def opt_out_add(*, channel: str, address: str, source: str) -> OptOut:
    address = address_normalize(channel=channel, address=address)
    opt_out, _ = OptOut.objects.get_or_create(
        channel=channel, address=address, defaults={"source": source}
    )
    return opt_out


def opt_out_remove(*, opt_out: OptOut) -> None:
    opt_out.delete()


def unsubscribe_token(*, channel: str, address: str) -> str:
    return signing.dumps(
        {"c": channel, "a": address, "s": connection.schema_name}, salt=UNSUBSCRIBE_SALT
    )


def unsubscribe_redeem(*, token: str) -> OptOut:
    """Opt out the address an e-mail's unsubscribe link names (only in its own business)."""
    try:
        value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        raise ApplicationError("invalid_link", "This unsubscribe link is not valid.") from None
    if value.get("s") != connection.schema_name or value.get("c") not in Channel.values:
        raise ApplicationError("invalid_link", "This unsubscribe link is not valid.")
    return opt_out_add(channel=value["c"], address=value["a"], source="unsubscribe_link")


def quiet_until(*, now: datetime, start, end, tz: ZoneInfo) -> datetime | None:
    """The end of the quiet period `now` falls in (local times, may span midnight), or None."""
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(tz)
    moment = local.time()
    if start < end:
        inside, end_day = start <= moment < end, local.date()
    else:
        inside = moment >= start or moment < end
        end_day = local.date() + timedelta(days=1) if moment >= start else local.date()
    if not inside:
        return None
    return datetime.combine(end_day, end, tzinfo=tz)


# --- the outbox: dispatch ---------------------------------------------------------------------


def _uuid_or_none(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _messages_for(events: list[Event], *, now: datetime) -> list[Message]:
    """The recipient messages of these events, rendered now (held in quiet hours)."""
    wanted = [event for event in events if event.name in RECIPIENT_EVENTS]
    if not wanted:
        return []
    tenant = current_tenant()
    tz = ZoneInfo(tenant.time_zone)
    settings_row = notification_settings()
    templates = {(t.event, t.channel): t for t in NotificationTemplate.objects.all()}
    held_until = quiet_until(
        now=now, start=settings_row.quiet_hours_start, end=settings_row.quiet_hours_end, tz=tz
    )
    addresses = {
        (Channel.SMS, (event.data.get("recipient") or {}).get("phone") or "") for event in wanted
    } | {
        (Channel.EMAIL, ((event.data.get("recipient") or {}).get("email") or "").lower())
        for event in wanted
    }
    opted_out = set(
        OptOut.objects.filter(
            address__in=[address for _, address in addresses if address]
        ).values_list("channel", "address")
    )
    # Live ETAs may say "approaching" more than once: the recipient hears it once a day.
    approached = set(
        Message.objects.filter(
            event_name="order.approaching",
            order_id__in=[
                _uuid_or_none(event.data.get("id"))
                for event in wanted
                if event.name == "order.approaching"
            ],
            created_at__gte=now - timedelta(hours=12),
        ).values_list("order_id", "channel")
    )
    messages = []
    for event in wanted:
        recipient = event.data.get("recipient") or {}
        for channel, address in (
            (Channel.SMS, recipient.get("phone") or ""),
            (Channel.EMAIL, (recipient.get("email") or "").lower()),
        ):
            if not address:
                continue
            if (
                event.name == "order.approaching"
                and (
                    _uuid_or_none(event.data.get("id")),
                    channel,
                )
                in approached
            ):
                continue
            template = templates.get((event.name, channel))
            subject, body = (
                (template.subject, template.body) if template else DEFAULTS[(event.name, channel)]
            )
            unsubscribe_url = ""
            if channel == Channel.EMAIL:
                token = unsubscribe_token(channel=channel, address=address)
                unsubscribe_url = tenant_url(
                    tenant=tenant, path=f"/notifications/unsubscribe/{token}/"
                )
            message = Message(
                event=event,
                event_name=event.name,
                order_id=_uuid_or_none(event.data.get("id")),
                channel=channel,
                to=address,
                status=Message.Status.QUEUED,
                send_after=now,
            )
            if template is not None and not template.enabled:
                message.status, message.error = Message.Status.SKIPPED, "Template switched off."
            elif (channel, address) in opted_out:
                message.status, message.error = Message.Status.SKIPPED, "Recipient opted out."
            try:
                context = context_build(
                    data=event.data,
                    business_name=tenant.name,
                    tz=tz,
                    settings_row=settings_row,
                    unsubscribe_url=unsubscribe_url,
                )
                message.subject, message.body = render(
                    subject=subject, body=body, context=context, channel=channel
                )
            except TemplateInvalid as error:
                message.status, message.error = Message.Status.FAILED, str(error)[:500]
            if message.status == Message.Status.QUEUED and held_until is not None:
                message.status, message.send_after = Message.Status.HELD, held_until
            messages.append(message)
    return messages


def events_dispatch(*, event_ids: list | None = None, older_than: datetime | None = None) -> int:
    """Turn undispatched events into webhook deliveries and recipient messages, then queue
    their sending. Safe to run concurrently and twice: rows are claimed with SKIP LOCKED and
    the (event, endpoint) and (event, channel) pairs are unique."""
    from notifications.tasks import message_send_task, webhook_delivery_send_task

    pending = Event.objects.filter(dispatched_at__isnull=True)
    if event_ids is not None:
        pending = pending.filter(pk__in=event_ids)
    if older_than is not None:
        pending = pending.filter(created_at__lt=older_than)
    count = 0
    while True:
        with transaction.atomic():
            claimed = pending.select_for_update(skip_locked=True).order_by("created_at")
            events = list(claimed[:BATCH])
            if not events:
                return count
            now = timezone.now()
            endpoints = list(WebhookEndpoint.objects.filter(enabled=True))
            WebhookDelivery.objects.bulk_create(
                [
                    WebhookDelivery(event=event, endpoint=endpoint, next_attempt_at=now)
                    for event in events
                    for endpoint in endpoints
                    if endpoint.wants(event.name)
                ],
                ignore_conflicts=True,
            )
            Message.objects.bulk_create(_messages_for(events, now=now), ignore_conflicts=True)
            Event.objects.filter(pk__in=[event.pk for event in events]).update(dispatched_at=now)
            for delivery_id in WebhookDelivery.objects.filter(
                event__in=events, status=WebhookDelivery.Status.PENDING
            ).values_list("pk", flat=True):
                _enqueue(webhook_delivery_send_task, str(delivery_id))
            for message_id in Message.objects.filter(
                event__in=events, status=Message.Status.QUEUED
            ).values_list("pk", flat=True):
                _enqueue(message_send_task, str(message_id))
            count += len(events)


def outbox_sweep(*, now: datetime | None = None) -> dict:
    """The safety net (beat, per business): dispatch events nobody dispatched, re-queue due
    webhook retries and messages (held by quiet hours, waiting to retry, or lost)."""
    from notifications.tasks import message_send_task, webhook_delivery_send_task

    now = now or timezone.now()
    grace = timedelta(seconds=settings.OUTBOX_SWEEP_GRACE_SECONDS)
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    deliveries = list(
        WebhookDelivery.objects.filter(
            free,
            status=WebhookDelivery.Status.PENDING,
            endpoint__enabled=True,
            next_attempt_at__lte=now,
        ).values_list("pk", flat=True)[:BATCH]
    )
    for delivery_id in deliveries:
        _enqueue(webhook_delivery_send_task, str(delivery_id))
    # A sender that died mid-send: try again (the claim ran out).
    Message.objects.filter(status=Message.Status.SENDING, claimed_until__lt=now).update(
        status=Message.Status.QUEUED, claimed_until=None
    )
    messages = list(
        Message.objects.filter(
            free,
            status__in=[Message.Status.QUEUED, Message.Status.HELD],
            send_after__lte=now,
        ).values_list("pk", flat=True)[:BATCH]
    )
    for message_id in messages:
        _enqueue(message_send_task, str(message_id))
    # Last: what it dispatches is queued by the dispatch itself (no second send task).
    dispatched = events_dispatch(older_than=now - grace)
    return {"events": dispatched, "deliveries": len(deliveries), "messages": len(messages)}


# --- webhooks: sending ------------------------------------------------------------------------


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
                    _enqueue(webhook_delivery_send_task, str(delivery.pk), countdown=delay)
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


# --- webhooks: endpoints ----------------------------------------------------------------------


def _endpoint_validate(*, url: str | None, events: list[str] | None) -> None:
    errors = {}
    if url is not None:
        try:
            target_check(url, resolve=True)
        except TargetRefused as refused:
            errors["url"] = [str(refused)]
    if events is not None:
        unknown = sorted(set(events) - set(EVENT_NAMES))
        if unknown:
            errors["events"] = [f"Unknown events: {', '.join(unknown)}."]
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
                "Enable the endpoint before redelivering to it.",
            )
        delivery.status = WebhookDelivery.Status.PENDING
        delivery.next_attempt_at = timezone.now()
        delivery.claimed_until = None
        delivery.save(update_fields=["status", "next_attempt_at", "claimed_until", "updated_at"])
        _enqueue(webhook_delivery_send_task, str(delivery.pk))
    return delivery


# --- recipient messages: sending --------------------------------------------------------------


def message_send(*, message_id) -> str:
    """Send one due message unless another sender holds it. Returns its new status."""
    from notifications.tasks import message_send_task

    now = timezone.now()
    claimed = Message.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        pk=message_id,
        status__in=[Message.Status.QUEUED, Message.Status.HELD],
        send_after__lte=now,
    ).update(
        status=Message.Status.SENDING,
        claimed_until=now + timedelta(seconds=settings.MESSAGE_CLAIM_SECONDS),
    )
    if not claimed:
        return "skipped"
    message = Message.objects.get(pk=message_id)
    if OptOut.objects.filter(channel=message.channel, address=message.to).exists():
        message.status, message.error, message.claimed_until = (
            Message.Status.SKIPPED,
            "Recipient opted out.",
            None,
        )
        message.save(update_fields=["status", "error", "claimed_until", "updated_at"])
        return message.status
    message.attempts += 1
    try:
        if message.channel == Channel.SMS:
            message.provider_id = sms_send(to=message.to, body=message.body)
        else:
            token = unsubscribe_token(channel=message.channel, address=message.to)
            message.provider_id = email_send(
                to=message.to,
                subject=message.subject,
                body=message.body,
                unsubscribe_url=tenant_url(
                    tenant=current_tenant(), path=f"/notifications/unsubscribe/{token}/"
                ),
                from_name=current_tenant().name,
            )
        message.status, message.sent_at, message.error = Message.Status.SENT, timezone.now(), ""
    except SendError as error:
        message.error = str(error)[:500]
        schedule = settings.MESSAGE_RETRY_SCHEDULE_SECONDS
        if error.permanent or message.attempts > len(schedule):
            message.status = Message.Status.FAILED
        else:
            delay = schedule[message.attempts - 1]
            message.status = Message.Status.QUEUED
            message.send_after = timezone.now() + timedelta(seconds=delay)
            _enqueue(message_send_task, str(message.pk), countdown=delay)
    message.claimed_until = None
    message.save()
    return message.status


def notifications_purge(*, now: datetime | None = None) -> int:
    """Forget events (with their deliveries and attempt logs) older than
    NOTIFICATIONS_RETENTION_DAYS once nothing about them is still pending; the message log
    keeps its rows (their event link is cleared). Returns how many events went."""
    now = now or timezone.now()
    old = Event.objects.filter(
        created_at__lt=now - timedelta(days=settings.NOTIFICATIONS_RETENTION_DAYS),
        dispatched_at__isnull=False,
    ).exclude(deliveries__status=WebhookDelivery.Status.PENDING)
    deleted, by_model = old.delete()
    return by_model.get(Event._meta.label, 0)
