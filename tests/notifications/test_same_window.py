"""One arrival window for one ETA: the SMS, the e-mail and the tracking page agree
(delivery.arrival is the only rule; SPEC "Notifications and webhooks")."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.core import mail

from delivery.models import Order, OrderStatus
from delivery.services import order_transition
from delivery.tests.factories import TEST_ACTOR
from notifications.models import Message
from notifications.services import events_dispatch, message_send
from notifications.sms import outbox as sms_outbox
from tests.notifications.factories import make_order_assigned

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def test_the_sms_the_email_and_the_tracking_page_name_the_same_window(tenant_a):
    # given an assigned order with an ETA of 13:52 in the business's zone, at noon that day
    # (a window already over would be left out of the messages)
    noon = datetime(2026, 11, 27, 12, 0, tzinfo=AMSTERDAM)
    with tenant_a.use(), time_machine.travel(noon, tick=True):
        order = make_order_assigned(
            recipient_phone="+31612345678", recipient_email="ada@example.com"
        )
        Order.objects.filter(pk=order.pk).update(
            eta=datetime(2026, 11, 27, 13, 52, tzinfo=AMSTERDAM)
        )
        # when it goes out for delivery and its messages are sent
        order_transition(order_id=order.pk, to=OrderStatus.OUT_FOR_DELIVERY, actor=TEST_ACTOR)
        events_dispatch()
        for pk in Message.objects.values_list("pk", flat=True):
            message_send(message_id=pk)
        order.refresh_from_db()

    with time_machine.travel(noon, tick=True):
        page = tenant_a.anonymous().get(f"/t/{order.tracking_token}/")

    # then all three say 13:15 to 14:15
    (sms,) = sms_outbox
    (email,) = mail.outbox
    shown = re.search(
        r'id="eta-start">([^<]*)</strong>\s*and <strong id="eta-end">([^<]*)<', page.text
    )
    assert "between 13:15 and 14:15" in sms["body"]
    assert "between 13:15 and 14:15" in email.body
    assert (page.status_code, shown.groups()) == (200, ("13:15", "14:15"))
