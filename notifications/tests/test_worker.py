"""The outbox through the real broker and a real Celery worker (another process): an event
committed in a business reaches its webhook once; with the broker down at commit time, the
beat's fan-out sweep delivers it later."""

import time
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from notifications.events import event_record
from notifications.models import Event, WebhookDelivery
from notifications.services import webhook_endpoint_create
from notifications.tasks import events_dispatch_task
from notifications.tests.conftest import standard_webhooks_verify
from tenants.tasks import tenants_fan_out

SECONDS = 30


def wait_until(check, seconds: float = SECONDS) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_a_committed_event_reaches_the_webhook_through_the_worker(
    celery_worker, committed_tenant, committed_db, receiver
):
    world = committed_tenant("hooks-live")
    with world.use():
        # given an endpoint
        _, secret = webhook_endpoint_create(url=receiver.url + "/in", events=[])

        # when an event commits
        with transaction.atomic():
            event_record(name="order.delivered", data={"id": "live"})
        event = Event.objects.get()

        # then the worker dispatches and delivers it, once, signed
        assert wait_until(lambda: len(receiver.requests) == 1)
        time.sleep(1)
        (request,) = receiver.requests
        assert request.headers["webhook-id"] == str(event.pk)
        assert standard_webhooks_verify(secret=secret, headers=request.headers, body=request.body)
        assert wait_until(lambda: WebhookDelivery.objects.filter(status="succeeded").count() == 1)


def test_broker_down_at_commit_then_the_beat_sweep_delivers(
    celery_worker, committed_tenant, committed_db, receiver, monkeypatch
):
    world = committed_tenant("hooks-sweep")
    with world.use():
        webhook_endpoint_create(url=receiver.url, events=[])

        # given the broker refusing connections when the change commits
        def broker_down(*args, **kwargs):
            raise OperationalError("Error 111 connecting to the broker. Connection refused.")

        monkeypatch.setattr(events_dispatch_task, "apply_async", broker_down)
        with transaction.atomic():
            event_record(name="route.completed", data={"id": "swept"})
        monkeypatch.undo()
        event = Event.objects.get()
        time.sleep(1)
        assert Event.objects.get().dispatched_at is None
        assert receiver.requests == []
        # a minute passes (the sweep leaves events younger than its grace period alone)
        Event.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(minutes=1))

    # when the beat's fan-out runs (in the public schema, as beat sends it)
    tenants_fan_out.delay("notifications.tasks.outbox_sweep_task").get(timeout=SECONDS)

    # then the event is delivered, once
    assert wait_until(lambda: len(receiver.requests) == 1)
    time.sleep(1)
    assert len(receiver.requests) == 1
    assert receiver.requests[0].headers["webhook-id"] == str(event.pk)
    with world.use():
        assert Event.objects.get().dispatched_at is not None
