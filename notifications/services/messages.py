"""Recipient messages: the business's notification settings (quiet hours), addresses and
opt-outs, unsubscribe links, and sending one SMS or e-mail."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.mail import email_send
from notifications.models import Channel, Message, NotificationSettings, OptOut
from notifications.services.queueing import task_enqueue
from notifications.sms import SendError, sms_send
from tenants.errors import ApplicationError
from tenants.selectors import current_tenant, tenant_phone_region, tenant_url
from tenants.validation import email_normalise, phone_normalise

UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def notification_settings() -> NotificationSettings:
    """The business's settings (defaults until it saves its own; reading writes nothing)."""
    return NotificationSettings.objects.filter(pk=1).first() or NotificationSettings(pk=1)


def notification_settings_save(*, fields: dict) -> NotificationSettings:
    start, end = fields.get("quiet_hours_start"), fields.get("quiet_hours_end")
    if (start is None) != (end is None):
        message = _("Give both the start and the end of the quiet hours, or neither.")
        raise ApplicationError("validation_error", message, fields={"quiet_hours_end": [message]})
    row, _created = NotificationSettings.objects.get_or_create(pk=1)
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    return row


def address_normalize(*, channel: str, address: str) -> str:
    """E.164 for phones (national numbers read in the business's country), lower-case e-mail."""
    try:
        if channel == Channel.EMAIL:
            normalized = email_normalise(address)
        else:
            normalized = phone_normalise(address, region=tenant_phone_region())
    except ValueError as error:
        raise ApplicationError(
            "validation_error", f"address: {error}", fields={"address": [str(error)]}
        ) from None
    if not normalized:
        message = _("This field is required.")
        raise ApplicationError(
            "validation_error", f"address: {message}", fields={"address": [message]}
        )
    return normalized


def opt_out_add(*, channel: str, address: str, source: str) -> OptOut:
    address = address_normalize(channel=channel, address=address)
    opt_out, _created = OptOut.objects.get_or_create(
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
        raise ApplicationError("invalid_link", _("This unsubscribe link is not valid.")) from None
    if value.get("s") != connection.schema_name or value.get("c") not in Channel.values:
        raise ApplicationError("invalid_link", _("This unsubscribe link is not valid."))
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


def message_queue(
    *, channel: str, to: str, body: str, event_name: str, subject: str = ""
) -> Message:
    """One message that belongs to no event (a driver's invitation by text), sent now by the same
    sender as recipients' messages: its retries, opt-outs and log."""
    from notifications.tasks import message_send_task

    message = Message.objects.create(
        event=None,
        event_name=event_name,
        channel=channel,
        to=address_normalize(channel=channel, address=to),
        subject=subject,
        body=body,
        send_after=timezone.now(),
    )
    task_enqueue(message_send_task, str(message.pk))
    return message


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
            task_enqueue(message_send_task, str(message.pk), countdown=delay)
    message.claimed_until = None
    message.save()
    return message.status
