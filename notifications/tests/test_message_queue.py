"""One-off messages that belong to no event (a driver's invitation by text): queued, then sent
by the same sender as recipients' messages, opt-outs included."""

import pytest

from notifications.models import Channel, Message, OptOut
from notifications.services import message_queue, message_send
from notifications.sms import outbox as sms_outbox
from tenants.errors import ApplicationError


def test_a_text_is_queued_after_commit_and_sent(tenant_a, django_capture_on_commit_callbacks):
    with tenant_a.use():
        with django_capture_on_commit_callbacks() as callbacks:
            message = message_queue(
                channel=Channel.SMS,
                to="+31 6 1234 5678",
                body="Hello",
                event_name="driver.invitation",
            )
        assert [(callback.task.name, callback.args) for callback in callbacks] == [
            ("notifications.tasks.message_send_task", (str(message.pk),))
        ]
        # the number as E.164, like every message's
        assert message.to == "+31612345678"
        assert (message.status, message.order_id, message.event_id) == ("queued", None, None)
        assert message_send(message_id=message.pk) == "sent"
    assert [(sms["to"], sms["body"]) for sms in sms_outbox] == [("+31612345678", "Hello")]


def test_an_opted_out_number_gets_nothing(tenant_a):
    with tenant_a.use():
        OptOut.objects.create(channel=Channel.SMS, address="+31612345678", source="test")
        message = message_queue(
            channel=Channel.SMS, to="+31612345678", body="Hello", event_name="driver.invitation"
        )
        assert message_send(message_id=message.pk) == "skipped"
    assert sms_outbox == []


def test_a_bad_number_is_refused_and_nothing_is_written(tenant_a):
    with tenant_a.use():
        with pytest.raises(ApplicationError) as refused:
            message_queue(
                channel=Channel.SMS, to="not a number", body="Hello", event_name="driver.invitation"
            )
        assert refused.value.code == "validation_error"
        assert not Message.objects.exists()
