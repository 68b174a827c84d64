"""Celery tasks of the notifications app: thin, take ids, safe to run twice."""

from celery import shared_task

from notifications.services import (
    events_dispatch,
    message_send,
    notifications_purge,
    outbox_sweep,
    webhook_delivery_send,
)


@shared_task
def events_dispatch_task(event_ids: list[str] | None = None) -> int:
    return events_dispatch(event_ids=event_ids)


@shared_task
def webhook_delivery_send_task(delivery_id: str) -> str:
    return webhook_delivery_send(delivery_id=delivery_id)


@shared_task
def message_send_task(message_id: str) -> str:
    return message_send(message_id=message_id)


@shared_task
def outbox_sweep_task() -> dict:
    return outbox_sweep()


@shared_task
def notifications_purge_task() -> int:
    return notifications_purge()
