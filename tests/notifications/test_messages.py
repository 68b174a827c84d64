"""Recipient messages: from an order's change to the SMS and e-mail, with opt-outs, quiet
hours, provider failures and the message log."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from delivery.models import Order, OrderStatus
from delivery.services import order_transition
from delivery.tests.factories import TEST_ACTOR
from notifications.events import event_record
from notifications.models import Event, Message, OptOut
from notifications.rendering import SAMPLE_DATA
from notifications.services import (
    events_dispatch,
    message_send,
    notification_settings_save,
    opt_out_add,
    outbox_sweep,
    quiet_until,
    unsubscribe_redeem,
    unsubscribe_token,
)
from notifications.sms import outbox as sms_outbox
from tests.notifications.factories import make_order_assigned, make_order_out_for_delivery
from tests.recorded_http import Recorded, RecordedServer

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
RECIPIENT = {"recipient_phone": "+31612345678", "recipient_email": "Ada@Example.com"}


def _send_all() -> list[str]:
    return [message_send(message_id=pk) for pk in Message.objects.values_list("pk", flat=True)]


def test_out_for_delivery_sends_sms_and_email_with_link_and_window(tenant_a):
    # (at noon that day: a window already over would be left out of the texts)
    noon = datetime(2026, 11, 27, 12, 0, tzinfo=AMSTERDAM)
    with tenant_a.use(), time_machine.travel(noon, tick=True):
        # given an assigned order with a phone, an e-mail and an ETA of 13:52 local time
        order = make_order_assigned(external_id="SO-7", **RECIPIENT)
        eta = datetime(2026, 11, 27, 13, 52, tzinfo=AMSTERDAM)
        Order.objects.filter(pk=order.pk).update(eta=eta)

        # when it goes out for delivery and the outbox is dispatched and sent
        order_transition(order_id=order.pk, to=OrderStatus.OUT_FOR_DELIVERY, actor=TEST_ACTOR)
        events_dispatch()
        assert sorted(_send_all()) == ["sent", "sent"]

        # then the event carries the order's snapshot
        event = Event.objects.get(name="order.out_for_delivery")
        order.refresh_from_db()
        link = f"http://alpha.localhost/t/{order.tracking_token}/"
        assert event.data["tracking_url"] == link
        assert event.data["eta_window"] == {
            "start": "2026-11-27T12:15:00+00:00",
            "end": "2026-11-27T13:15:00+00:00",
        }
        assert event.data["recipient"] == {
            "name": "Ada Recipient",
            "phone": "+31612345678",
            "email": "Ada@Example.com",
            "notify": {"sms": True, "email": True},
            "language": "",
        }
        # and the SMS and the e-mail say it
        (sms,) = sms_outbox
        assert sms["to"] == "+31612345678"
        assert sms["body"] == (
            "Business ALPHA: your delivery is on its way, expected between 13:15 and 14:15. "
            f"Track it: {link}"
        )
        (email,) = mail.outbox
        assert email.to == ["ada@example.com"]
        assert email.subject == "Your delivery from Business ALPHA is on its way"
        assert email.from_email == "Business ALPHA <noreply@localhost>"
        assert f"Follow your delivery live: {link}" in email.body
        assert "should arrive between 13:15 and 14:15" in email.body
        assert "/notifications/unsubscribe/" in email.body
        assert email.extra_headers["List-Unsubscribe"].startswith(
            "<http://alpha.localhost/notifications/unsubscribe/"
        )
        # and the log has both, sent, with provider ids
        log = {m.channel: m for m in Message.objects.all()}
        assert log["sms"].status == "sent"
        assert log["sms"].provider_id == sms["id"]
        assert log["email"].provider_id == email.extra_headers["Message-ID"]
        assert log["email"].order_id == order.pk


def test_failed_delivery_says_why_and_how_to_reschedule(tenant_a):
    with tenant_a.use():
        notification_settings_save(
            fields={"reschedule_instructions": "Pick a new day at shop.example/reschedule."}
        )
        order = make_order_out_for_delivery(external_id="SO-9", **RECIPIENT)
        order_transition(
            order_id=order.pk, to=OrderStatus.FAILED, actor=TEST_ACTOR, reason="not_home"
        )
        events_dispatch()
        _send_all()
        failed_sms = [sms for sms in sms_outbox if "could not deliver" in sms["body"]]
        assert [sms["body"] for sms in failed_sms] == [
            "Business ALPHA: we could not deliver your order SO-9 today: nobody was home. "
            "Pick a new day at shop.example/reschedule."
        ]


def test_an_opted_out_recipient_gets_nothing_but_it_is_logged(tenant_a):
    with tenant_a.use():
        opt_out_add(channel="sms", address="+31 6 12345678", source="api")
        assert OptOut.objects.get().address == "+31612345678"
        make_order_out_for_delivery(**RECIPIENT)
        events_dispatch()
        _send_all()
        statuses = dict(Message.objects.values_list("channel", "status"))
        assert statuses == {"sms": "skipped", "email": "sent"}
        assert Message.objects.get(channel="sms").error == "Recipient opted out."
        assert sms_outbox == []


def test_an_opt_out_after_rendering_stops_the_send(tenant_a):
    with tenant_a.use():
        make_order_out_for_delivery(**RECIPIENT)
        events_dispatch()
        opt_out_add(channel="email", address="ADA@example.com", source="api")
        _send_all()
        assert Message.objects.get(channel="email").status == "skipped"
        assert mail.outbox == []


def test_the_unsubscribe_link_opts_out_in_its_own_business_only(tenant_a, tenant_b):
    with tenant_a.use():
        token = unsubscribe_token(channel="email", address="ada@example.com")
        client = tenant_a.anonymous()
        page = client.get(f"/notifications/unsubscribe/{token}/")
        assert page.status_code == 200
        assert OptOut.objects.count() == 0  # a GET (a link scanner) changes nothing
        assert client.post(f"/notifications/unsubscribe/{token}/").status_code == 200
        assert list(OptOut.objects.values_list("channel", "address", "source")) == [
            ("email", "ada@example.com", "unsubscribe_link")
        ]
    response = tenant_b.anonymous().post(f"/notifications/unsubscribe/{token}/")
    assert response.status_code == 400
    with tenant_b.use():
        assert OptOut.objects.count() == 0
        with pytest.raises(Exception, match="not valid"):
            unsubscribe_redeem(token=token + "x")


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ("2026-11-27T21:59", None),
        ("2026-11-27T22:00", "2026-11-28T07:30"),
        ("2026-11-28T03:00", "2026-11-28T07:30"),
        ("2026-11-28T07:30", None),
    ],
)
def test_quiet_hours_spanning_midnight(local, expected):
    now = datetime.fromisoformat(local).replace(tzinfo=AMSTERDAM)
    until = quiet_until(now=now, start=time(22), end=time(7, 30), tz=AMSTERDAM)
    assert (until.replace(tzinfo=None).isoformat(timespec="minutes") if until else None) == (
        expected
    )


def test_messages_in_quiet_hours_wait_until_they_end(tenant_a):
    with tenant_a.use():
        # given quiet hours around now
        local_now = timezone.now().astimezone(AMSTERDAM)
        start = (local_now - timedelta(hours=1)).time().replace(second=0, microsecond=0)
        end = (local_now + timedelta(hours=1)).time().replace(second=0, microsecond=0)
        notification_settings_save(fields={"quiet_hours_start": start, "quiet_hours_end": end})
        make_order_out_for_delivery(**RECIPIENT)

        # when the event is dispatched, the messages are held, not sent, not dropped
        events_dispatch()
        held = list(Message.objects.values_list("status", "send_after"))
        assert {status for status, _ in held} == {"held"}
        ends = {send_after for _, send_after in held}
        assert len(ends) == 1
        (ends_at,) = ends
        assert ends_at.astimezone(AMSTERDAM).time() == end
        assert _send_all() == ["skipped", "skipped"]
        assert outbox_sweep(now=ends_at - timedelta(seconds=1))["messages"] == 0

        # then once they end the sweep finds them and they go out
        assert outbox_sweep(now=ends_at + timedelta(seconds=1))["messages"] == 2
        Message.objects.update(send_after=timezone.now())  # the clock reaches the end
        assert _send_all() == ["sent", "sent"]
        assert len(sms_outbox) == 1
        assert len(mail.outbox) == 1


def test_a_recipient_event_from_another_app_notifies(tenant_a):
    # order.approaching is raised by the tracking code with the same snapshot, 12 min before
    # its ETA (a message never names an ETA already past: see test_past_windows.py)
    with tenant_a.use(), time_machine.travel(datetime(2026, 3, 3, 13, 40, tzinfo=UTC)):
        event_record(name="order.approaching", data=SAMPLE_DATA)
        events_dispatch()
        _send_all()
        (sms,) = sms_outbox
        assert sms["body"] == (
            "Business ALPHA: your driver is almost there, arriving around 14:52. "
            "Track it: https://example.localhost/t/sample-token/"
        )
        assert mail.outbox[0].subject == "Your delivery from Business ALPHA is almost there"


def test_approaching_is_told_once(tenant_a):
    with tenant_a.use():
        for _ in range(2):
            event_record(name="order.approaching", data=SAMPLE_DATA)
            events_dispatch()
        assert Message.objects.count() == 2
        assert Event.objects.count() == 2


def test_events_without_recipient_messages_make_none(tenant_a):
    with tenant_a.use():
        make_order_assigned(**RECIPIENT)
        events_dispatch()
        assert sorted(Event.objects.values_list("name", flat=True)) == [
            "order.assigned",
            "order.created",
        ]
        assert Message.objects.count() == 0


def _twilio(answer: Recorded):
    server = RecordedServer(respond=lambda request: answer)
    return server


@pytest.mark.parametrize(
    ("answer", "status", "error", "attempts"),
    [
        (
            Recorded(status=201, body={"sid": "SM123"}),
            "sent",
            "",
            1,
        ),
        (
            Recorded(
                status=400,
                body={"code": 21211, "message": "The 'To' number is not a valid phone number."},
            ),
            "failed",
            "Twilio 400 error 21211: The 'To' number is not a valid phone number.",
            1,
        ),
        (
            Recorded(status=503, body={"message": "Service unavailable"}),
            "queued",
            "Twilio 503: Service unavailable",
            1,
        ),
    ],
)
def test_twilio_answers(tenant_a, answer, status, error, attempts):
    with (
        _twilio(answer) as twilio,
        override_settings(
            SMS_BACKEND="twilio",
            TWILIO_API_URL=twilio.url,
            TWILIO_ACCOUNT_SID="AC0001",
            TWILIO_AUTH_TOKEN="token",  # noqa: S106
            TWILIO_FROM_NUMBER="+3197010000000",
        ),
        tenant_a.use(),
    ):
        make_order_out_for_delivery(recipient_phone="+31612345678")
        events_dispatch()
        before = timezone.now()
        message = Message.objects.get()
        assert message_send(message_id=message.pk) == status
        message.refresh_from_db()
        assert (message.status, message.error, message.attempts) == (status, error, attempts)
        (request,) = twilio.requests
        assert request.path == "/2010-04-01/Accounts/AC0001/Messages.json"
        assert request.headers["authorization"].startswith("Basic ")
        assert b"To=%2B31612345678" in request.body
        if status == "sent":
            assert message.provider_id == "SM123"
        if status == "queued":  # retried with backoff, not at once
            assert message.send_after >= before + timedelta(seconds=30)
            assert message_send(message_id=message.pk) == "skipped"


@override_settings(SMS_BACKEND="twilio", TWILIO_API_URL="http://127.0.0.1:9", SMS_TIMEOUT=1)
def test_an_unreachable_provider_is_retried_then_given_up(tenant_a, settings):
    with tenant_a.use():
        make_order_out_for_delivery(recipient_phone="+31612345678")
        events_dispatch()
        message = Message.objects.get()
        for _ in settings.MESSAGE_RETRY_SCHEDULE_SECONDS:
            assert message_send(message_id=message.pk) == "queued"
            Message.objects.filter(pk=message.pk).update(send_after=timezone.now())
        assert message_send(message_id=message.pk) == "failed"
        message.refresh_from_db()
        assert message.attempts == len(settings.MESSAGE_RETRY_SCHEDULE_SECONDS) + 1
        assert message.error == "Twilio unreachable: ConnectionError"
