"""The outbox: turning events into webhook deliveries and recipient messages, the sweep that
re-queues what is due, and the purge of old events."""

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from notifications.models import (
    RECIPIENT_EVENTS,
    Channel,
    Event,
    Message,
    NotificationTemplate,
    OptOut,
    WebhookDelivery,
    WebhookEndpoint,
)
from notifications.rendering import DEFAULTS, TemplateInvalid, context_build, render
from notifications.services.messages import notification_settings, quiet_until, unsubscribe_token
from notifications.services.queueing import task_enqueue
from tenants.locale import business_locale
from tenants.selectors import current_tenant, tenant_url

BATCH = 500
CHOICE_SKIPPED = {
    Channel.SMS: "The customer turned off SMS notifications.",
    Channel.EMAIL: "The customer turned off e-mail notifications.",
}


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
        # The customer's own choices, carried in the snapshot by the app that owns customers.
        notify = recipient.get("notify") if isinstance(recipient.get("notify"), dict) else {}
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
            # The recipient's language when known and shipped, else the business's.
            locale = business_locale(tenant, language=recipient.get("language"))
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
            elif notify.get(channel) is False:
                message.status, message.error = Message.Status.SKIPPED, CHOICE_SKIPPED[channel]
            try:
                with translation.override(locale.language):
                    context = context_build(
                        data=event.data,
                        business_name=tenant.name,
                        tz=tz,
                        settings_row=settings_row,
                        unsubscribe_url=unsubscribe_url,
                        sent_at=held_until or now,
                        locale=locale,
                        days_offered=tenant.recipient_reschedule_days,
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
                task_enqueue(webhook_delivery_send_task, str(delivery_id))
            for message_id in Message.objects.filter(
                event__in=events, status=Message.Status.QUEUED
            ).values_list("pk", flat=True):
                task_enqueue(message_send_task, str(message_id))
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
        task_enqueue(webhook_delivery_send_task, str(delivery_id))
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
        task_enqueue(message_send_task, str(message_id))
    # Last: what it dispatches is queued by the dispatch itself (no second send task).
    dispatched = events_dispatch(older_than=now - grace)
    return {"events": dispatched, "deliveries": len(deliveries), "messages": len(messages)}


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
