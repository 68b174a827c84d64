"""Signed webhooks against a real local receiver: signature, stable id, retries, auto-disable,
exactly-once per endpoint, and the sweep after a broker outage."""

import json
import socket
from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone
from kombu.exceptions import OperationalError

from notifications import signing
from notifications.events import event_record
from notifications.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from notifications.services import (
    events_dispatch,
    outbox_sweep,
    webhook_delivery_send,
    webhook_endpoint_create,
    webhook_redeliver,
)
from notifications.targets import TargetRefused, target_check
from notifications.tasks import events_dispatch_task
from notifications.tests.conftest import standard_webhooks_verify
from tenants.errors import ApplicationError
from tests.recorded_http import Recorded

DATA = {"id": "8d1c3f7e-5a55-4b8e-9c1e-0c9a4f0e2b11", "status": "delivered"}


def _endpoint(receiver, **fields):
    return webhook_endpoint_create(url=receiver.url + "/hooks", events=[], **fields)


def _due_now(delivery_id) -> None:
    WebhookDelivery.objects.filter(pk=delivery_id).update(next_attempt_at=timezone.now())


def test_signature_matches_the_standard_webhooks_test_vector():
    # the example of the Standard Webhooks reference libraries
    assert (
        signing.signature(
            secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            message_id="msg_p5jXN8AQM9LWM0D4loKWxJek",
            timestamp=1614265330,
            body=b'{"test": 2432232314}',
        )
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_new_secrets_carry_32_random_bytes():
    secret = signing.secret_new()
    assert secret.startswith("whsec_")
    assert len(signing.secret_key(secret)) == 32
    assert signing.secret_new() != secret


def test_a_delivery_is_signed_and_carries_the_event(tenant_a, receiver):
    with tenant_a.use():
        # given an endpoint and an event
        endpoint, secret = _endpoint(receiver)
        event_record(name="order.delivered", data=DATA)
        event = Event.objects.get()

        # when the outbox is dispatched and the delivery sent
        assert events_dispatch(event_ids=[str(event.pk)]) == 1
        delivery = WebhookDelivery.objects.get()
        assert webhook_delivery_send(delivery_id=delivery.pk) == "succeeded"

        # then the receiver got one signed POST that an independent verifier accepts
        (request,) = receiver.requests
        assert request.method == "POST"
        assert request.path == "/hooks"
        assert request.headers["webhook-id"] == str(event.pk)
        assert request.headers["content-type"] == "application/json"
        assert standard_webhooks_verify(secret=secret, headers=request.headers, body=request.body)
        assert not standard_webhooks_verify(
            secret=signing.secret_new(), headers=request.headers, body=request.body
        )
        assert request.json() == {
            "type": "order.delivered",
            "timestamp": event.created_at.isoformat(),
            "data": DATA,
        }
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
            "succeeded",
            1,
            200,
        )
        assert WebhookAttempt.objects.get().status_code == 200
        assert endpoint.deliveries.count() == 1


def test_endpoints_receive_only_the_events_they_chose(tenant_a, receiver):
    with tenant_a.use():
        webhook_endpoint_create(url=receiver.url, events=["route.started"])
        event_record(name="order.delivered", data=DATA)
        event_record(name="route.started", data={"id": "r"})
        events_dispatch()
        assert list(WebhookDelivery.objects.values_list("event__name", flat=True)) == [
            "route.started"
        ]


@override_settings(WEBHOOK_TIMEOUT_SECONDS=1, WEBHOOK_RETRY_SCHEDULE_SECONDS=[5, 300, 1800])
def test_retries_after_a_500_and_a_timeout_keep_the_same_id(tenant_a, receiver):
    with tenant_a.use():
        # given a receiver that fails, then hangs, then accepts
        _, secret = _endpoint(receiver)
        receiver.answers.extend([Recorded(status=500, body={}), Recorded(status=200, delay=2.5)])
        event_record(name="order.failed", data=DATA)
        events_dispatch()
        delivery = WebhookDelivery.objects.get()

        # when it is sent, then retried when due (twice)
        before = timezone.now()
        assert webhook_delivery_send(delivery_id=delivery.pk) == "retrying"
        delivery.refresh_from_db()
        assert before + timedelta(seconds=5) <= delivery.next_attempt_at
        assert delivery.next_attempt_at <= timezone.now() + timedelta(seconds=5)
        # not due yet: nothing is sent
        assert webhook_delivery_send(delivery_id=delivery.pk) == "skipped"
        _due_now(delivery.pk)
        assert webhook_delivery_send(delivery_id=delivery.pk) == "retrying"
        delivery.refresh_from_db()
        assert delivery.next_attempt_at >= timezone.now() + timedelta(seconds=299)
        _due_now(delivery.pk)
        assert webhook_delivery_send(delivery_id=delivery.pk) == "succeeded"

        # then three calls with one webhook-id, each signed, and a log of what happened
        assert len(receiver.requests) == 3
        assert {request.headers["webhook-id"] for request in receiver.requests} == {
            str(delivery.event_id)
        }
        for request in receiver.requests:
            assert standard_webhooks_verify(
                secret=secret, headers=request.headers, body=request.body
            )
        log = list(WebhookAttempt.objects.order_by("id").values_list("status_code", "error"))
        assert log == [(500, "HTTP 500"), (None, "Timed out after 1 s"), (200, "")]
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == ("succeeded", 3)
        assert WebhookEndpoint.objects.get().consecutive_failures == 0


@override_settings(WEBHOOK_RETRY_SCHEDULE_SECONDS=[1])
def test_a_delivery_gives_up_after_the_last_retry(tenant_a, receiver):
    with tenant_a.use():
        _endpoint(receiver)
        receiver.answers.extend([Recorded(status=503, body={}), Recorded(status=502, body={})])
        event_record(name="order.failed", data=DATA)
        events_dispatch()
        delivery = WebhookDelivery.objects.get()
        assert webhook_delivery_send(delivery_id=delivery.pk) == "retrying"
        _due_now(delivery.pk)
        assert webhook_delivery_send(delivery_id=delivery.pk) == "failed"
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
            "failed",
            2,
            502,
        )


def test_the_default_schedule_retries_for_more_than_24_hours(settings):
    assert sum(settings.WEBHOOK_RETRY_SCHEDULE_SECONDS) >= 24 * 3600
    assert (
        sorted(settings.WEBHOOK_RETRY_SCHEDULE_SECONDS) == settings.WEBHOOK_RETRY_SCHEDULE_SECONDS
    )


@override_settings(
    WEBHOOK_RETRY_SCHEDULE_SECONDS=[0, 0, 0, 0],
    WEBHOOK_DISABLE_AFTER_FAILURES=3,
    WEBHOOK_DISABLE_AFTER_SECONDS=0,
)
def test_an_endpoint_that_keeps_failing_is_disabled_and_the_owner_told(
    tenant_a, receiver, django_capture_on_commit_callbacks
):
    with tenant_a.use():
        # given a receiver that always answers 500
        endpoint, _ = _endpoint(receiver)
        receiver.answers.extend([Recorded(status=500, body={})] * 10)
        event_record(name="order.failed", data=DATA)
        events_dispatch()
        delivery = WebhookDelivery.objects.get()

        # when deliveries fail three times in a row
        outcomes = []
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(4):
                _due_now(delivery.pk)
                outcomes.append(webhook_delivery_send(delivery_id=delivery.pk))
        assert outcomes == ["retrying", "retrying", "retrying", "skipped"]

        # then the endpoint is disabled, nothing more is sent, and the owner got an e-mail
        endpoint.refresh_from_db()
        assert endpoint.enabled is False
        assert endpoint.disabled_reason.startswith("Disabled automatically on ")
        assert endpoint.consecutive_failures == 3
        assert len(receiver.requests) == 3
        (email,) = mail.outbox
        assert email.to == ["owner@alpha.test"]
        assert email.subject == "Business ALPHA: webhook endpoint disabled"
        assert f"/settings/webhooks/{endpoint.pk}/" in email.body


def test_a_task_running_twice_sends_once(tenant_a, receiver):
    with tenant_a.use():
        _endpoint(receiver)
        event_record(name="order.created", data=DATA)
        event = Event.objects.get()

        # dispatch twice (the after-commit task and the sweep): one delivery
        assert events_dispatch(event_ids=[str(event.pk)]) == 1
        assert events_dispatch(event_ids=[str(event.pk)]) == 0
        assert outbox_sweep(now=timezone.now() + timedelta(minutes=5))["events"] == 0
        delivery = WebhookDelivery.objects.get()

        # the send task delivered twice by the broker: one request
        assert webhook_delivery_send(delivery_id=delivery.pk) == "succeeded"
        assert webhook_delivery_send(delivery_id=delivery.pk) == "skipped"
        assert len(receiver.requests) == 1


def test_a_claimed_delivery_is_left_to_its_sender(tenant_a, receiver):
    with tenant_a.use():
        _endpoint(receiver)
        event_record(name="order.created", data=DATA)
        events_dispatch()
        delivery = WebhookDelivery.objects.get()
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            claimed_until=timezone.now() + timedelta(seconds=60)
        )
        assert webhook_delivery_send(delivery_id=delivery.pk) == "skipped"
        assert receiver.requests == []


def test_broker_down_after_commit_the_sweep_delivers(
    tenant_a, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    with tenant_a.use():
        # given an endpoint, and a broker that refuses connections
        _endpoint(receiver)

        def broker_down(*args, **kwargs):
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

        monkeypatch.setattr(events_dispatch_task, "apply_async", broker_down)

        # when an event is committed: its dispatch cannot be queued, the change still commits
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            event_record(name="order.delivered", data=DATA)
        assert len(callbacks) == 1
        event = Event.objects.get()
        assert event.dispatched_at is None
        assert WebhookDelivery.objects.count() == 0

        # then the sweep (beat, a minute later) dispatches it; the send goes out once
        monkeypatch.undo()
        sent = []
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            result = outbox_sweep(now=timezone.now() + timedelta(minutes=1))
        assert result == {"events": 1, "deliveries": 0, "messages": 0}
        assert len(callbacks) == 1  # the delivery's send task
        delivery = WebhookDelivery.objects.get()
        sent.append(webhook_delivery_send(delivery_id=delivery.pk))
        assert sent == ["succeeded"]
        (request,) = receiver.requests
        assert request.headers["webhook-id"] == str(event.pk)
        event.refresh_from_db()
        assert event.dispatched_at is not None


def test_the_sweep_resends_a_delivery_whose_task_was_lost(tenant_a, receiver):
    with tenant_a.use():
        _endpoint(receiver)
        event_record(name="order.created", data=DATA)
        events_dispatch()  # its send task never reaches a worker
        result = outbox_sweep(now=timezone.now() + timedelta(minutes=1))
        assert result == {"events": 0, "deliveries": 1, "messages": 0}


def test_redeliver_sends_again_with_the_same_id(tenant_a, receiver):
    with tenant_a.use():
        _endpoint(receiver)
        event_record(name="order.created", data=DATA)
        events_dispatch()
        delivery = WebhookDelivery.objects.get()
        webhook_delivery_send(delivery_id=delivery.pk)
        webhook_redeliver(delivery=delivery)
        assert webhook_delivery_send(delivery_id=delivery.pk) == "succeeded"
        first, second = receiver.requests
        assert first.headers["webhook-id"] == second.headers["webhook-id"]
        assert first.body == second.body
        delivery.refresh_from_db()
        assert delivery.attempts == 2


@override_settings(WEBHOOKS_ALLOW_PRIVATE_TARGETS=False)
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.1.10/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://0.0.0.0/hook",
    ],
)
def test_private_targets_are_refused(url):
    with pytest.raises(TargetRefused):
        target_check(url)


@pytest.mark.parametrize(
    "url", ["ftp://example.com/x", "file:///etc/passwd", "http://user:pw@example.com/"]
)
def test_only_http_urls_without_credentials(url):
    with pytest.raises(TargetRefused):
        target_check(url)


@pytest.mark.parametrize(
    "url", ["http://exa mple.test/in", "https://", "http://x.test/<script>", "https://[::1/in"]
)
def test_every_way_in_refuses_a_url_that_is_not_one(tenant_a, url):
    with tenant_a.use(), pytest.raises(ApplicationError) as refused:
        webhook_endpoint_create(url=url, events=[])

    assert refused.value.fields == {"url": ["Enter a valid http:// or https:// address."]}
    with tenant_a.use():
        assert WebhookEndpoint.objects.count() == 0


@override_settings(WEBHOOKS_ALLOW_PRIVATE_TARGETS=False)
def test_a_private_target_is_refused_again_at_send_time(tenant_a, receiver):
    with tenant_a.use():
        # given an endpoint saved while private targets were allowed (or DNS changed since)
        with override_settings(WEBHOOKS_ALLOW_PRIVATE_TARGETS=True):
            _endpoint(receiver)
        event_record(name="order.created", data=DATA)
        events_dispatch()
        delivery = WebhookDelivery.objects.get()
        assert webhook_delivery_send(delivery_id=delivery.pk) == "retrying"
        assert receiver.requests == []
        attempt = WebhookAttempt.objects.get()
        assert attempt.error.startswith("Refused target: The host 127.0.0.1 resolves to a private")


def _rebinding_dns(receiver, *, public: str):
    """The DNS of a rebinding attack on the receiver's host and port: its first answer is
    `public`, every later one the receiver's own (private) address. Other look-ups are real."""
    real = socket.getaddrinfo
    receiver_host, receiver_port = receiver.server.server_address[:2]
    answers = []

    def getaddrinfo(host, port, *args, **kwargs):
        if (host, port) != (receiver_host, receiver_port):
            return real(host, port, *args, **kwargs)
        answers.append(host)
        address = public if len(answers) == 1 else receiver_host
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    return getaddrinfo


@override_settings(WEBHOOKS_ALLOW_PRIVATE_TARGETS=False)
def test_a_host_that_resolves_elsewhere_at_connect_time_is_refused(tenant_a, receiver, monkeypatch):
    with tenant_a.use():
        # given a host whose first DNS answer (the check) was public, the second private
        with override_settings(WEBHOOKS_ALLOW_PRIVATE_TARGETS=True):
            _endpoint(receiver)
        event_record(name="order.created", data=DATA)
        events_dispatch()
        monkeypatch.setattr(socket, "getaddrinfo", _rebinding_dns(receiver, public="93.184.216.34"))

        # when the delivery is sent
        delivery = WebhookDelivery.objects.get()
        assert webhook_delivery_send(delivery_id=delivery.pk) == "retrying"

        # then the connection itself refused the private address: nothing reached it
        assert receiver.requests == []
        assert (
            "Refused target: 127.0.0.1 resolves to 127.0.0.1" in WebhookAttempt.objects.get().error
        )


@override_settings(WEBHOOKS_ALLOW_PRIVATE_TARGETS=False)
def test_the_guarded_connection_reaches_allowed_addresses(tenant_a, receiver, monkeypatch):
    # 127.0.0.1 counted as public for this test: the guarded connection then connects normally
    monkeypatch.setattr("notifications.targets._address_refused", lambda address: False)
    with tenant_a.use():
        _endpoint(receiver)
        event_record(name="order.created", data=DATA)
        events_dispatch()
        assert webhook_delivery_send(delivery_id=WebhookDelivery.objects.get().pk) == "succeeded"
        assert len(receiver.requests) == 1


def test_the_body_is_compact_json(tenant_a):
    from notifications.services import webhook_body

    with tenant_a.use():
        event_record(name="route.started", data={"id": "r1"})
        event = Event.objects.get()
        assert json.loads(webhook_body(event)) == {
            "type": "route.started",
            "timestamp": event.created_at.isoformat(),
            "data": {"id": "r1"},
        }


def test_old_events_and_their_delivery_logs_are_purged_when_done(tenant_a, receiver):
    from notifications.models import Message
    from notifications.rendering import SAMPLE_DATA
    from notifications.services import notifications_purge

    with tenant_a.use():
        _endpoint(receiver)
        receiver.answers.append(Recorded(status=500, body={}))
        event_record(name="order.delivered", data=SAMPLE_DATA)  # will stay pending (retrying)
        event_record(name="order.created", data=DATA)  # delivered
        event_record(name="route.started", data={"id": "r"})  # not yet dispatched
        events_dispatch(event_ids=[str(e.pk) for e in Event.objects.exclude(name="route.started")])
        for delivery in WebhookDelivery.objects.order_by("event__created_at"):
            webhook_delivery_send(delivery_id=delivery.pk)
        assert list(
            WebhookDelivery.objects.order_by("event__created_at").values_list("status", flat=True)
        ) == ["pending", "succeeded"]

        later = timezone.now() + timedelta(days=31)
        assert notifications_purge(now=timezone.now()) == 0
        assert notifications_purge(now=later) == 1
        assert sorted(Event.objects.values_list("name", flat=True)) == [
            "order.delivered",
            "route.started",
        ]
        assert WebhookAttempt.objects.count() == 1  # the pending delivery's log stays
        assert Message.objects.count() == 2  # the message log stays
