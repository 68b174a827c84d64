"""A customer's own notification choices (delivery.customers) hold for every order made for
them: delivery carries them in the event snapshot, notifications skips the channel turned off
and logs why. End to end: API order for the customer → lifecycle → outbox → sender."""

import json

from django.core import mail

from delivery.customers.models import Customer
from delivery.customers.tests.factories import make_customer
from delivery.models import Order, OrderStatus
from delivery.services import order_transition
from delivery.tests.factories import TEST_ACTOR, make_driver
from notifications.models import Event, Message
from notifications.services import events_dispatch, message_send
from notifications.sms import outbox as sms_outbox
from tests.notifications.factories import make_order_out_for_delivery

SMS_OFF = "The customer turned off SMS notifications."
EMAIL_OFF = "The customer turned off e-mail notifications."


def _send_all() -> None:
    for pk in Message.objects.values_list("pk", flat=True):
        message_send(message_id=pk)


def _order_for(world, customer: Customer) -> Order:
    """An order made through the API naming only the customer (it inherits phone and e-mail)."""
    response = world.api().post(
        "/api/v1/orders/",
        data=json.dumps({"customer": str(customer.pk), "delivery_date": "2026-11-27"}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    with world.use():
        return Order.objects.get(pk=response.json()["id"])


def _out_for_delivery(order: Order) -> None:
    order_transition(
        order_id=order.pk, to=OrderStatus.ASSIGNED, actor=TEST_ACTOR, driver=make_driver()
    )
    order_transition(order_id=order.pk, to=OrderStatus.OUT_FOR_DELIVERY, actor=TEST_ACTOR)


def test_a_customer_who_turned_off_sms_gets_only_the_email_and_the_log_says_why(tenant_a):
    # given a customer who wants no SMS, and an order made for them through the API
    with tenant_a.use():
        customer = make_customer(notify_sms=False)
    order = _order_for(tenant_a, customer)
    assert (order.recipient_phone, order.recipient_email) == ("+31612345678", "hens@example.test")

    # when the order goes out for delivery and the outbox is dispatched and sent
    with tenant_a.use():
        _out_for_delivery(order)
        events_dispatch()
        _send_all()

        # then the snapshot carried the choice, the SMS was skipped with the reason, the
        # e-mail went out
        event = Event.objects.get(name="order.out_for_delivery")
        assert event.data["recipient"]["notify"] == {"sms": False, "email": True}
        log = {
            (m.event_name, m.channel): (m.status, m.error, m.to)
            for m in Message.objects.filter(order_id=order.pk)
        }
    assert log == {
        ("order.out_for_delivery", "sms"): ("skipped", SMS_OFF, "+31612345678"),
        ("order.out_for_delivery", "email"): ("sent", "", "hens@example.test"),
    }
    assert sms_outbox == []
    assert [email.to for email in mail.outbox] == [["hens@example.test"]]

    # and the customer's page shows the skipped message with its reason
    page = tenant_a.browser("dispatcher").get(f"/customers/{customer.pk}/")
    assert page.status_code == 200
    assert f"Skipped ({SMS_OFF})" in page.content.decode()


def test_a_customer_who_turned_off_both_gets_nothing(tenant_a):
    with tenant_a.use():
        customer = make_customer(notify_sms=False, notify_email=False)
    order = _order_for(tenant_a, customer)

    with tenant_a.use():
        _out_for_delivery(order)
        order_transition(
            order_id=order.pk, to=OrderStatus.FAILED, actor=TEST_ACTOR, reason="not_home"
        )
        events_dispatch()
        _send_all()
        log = sorted(
            Message.objects.filter(order_id=order.pk).values_list(
                "event_name", "channel", "status", "error"
            )
        )
    assert log == [
        ("order.failed", "email", "skipped", EMAIL_OFF),
        ("order.failed", "sms", "skipped", SMS_OFF),
        ("order.out_for_delivery", "email", "skipped", EMAIL_OFF),
        ("order.out_for_delivery", "sms", "skipped", SMS_OFF),
    ]
    assert (sms_outbox, mail.outbox) == ([], [])


def test_a_changed_choice_holds_for_the_next_message_of_an_existing_order(tenant_a):
    # given an order made while the customer still wanted e-mail
    with tenant_a.use():
        customer = make_customer()
    order = _order_for(tenant_a, customer)

    # when the customer turns e-mail off before the order goes out
    with tenant_a.use():
        Customer.objects.filter(pk=customer.pk).update(notify_email=False)
        _out_for_delivery(order)
        events_dispatch()
        _send_all()
        statuses = dict(
            Message.objects.filter(event_name="order.out_for_delivery").values_list(
                "channel", "status"
            )
        )

    # then the message goes by SMS only
    assert statuses == {"sms": "sent", "email": "skipped"}
    assert [sms["to"] for sms in sms_outbox] == ["+31612345678"]
    assert mail.outbox == []


def test_an_order_without_a_customer_notifies_on_both_channels(tenant_a):
    with tenant_a.use():
        make_order_out_for_delivery(
            recipient_phone="+31612345678", recipient_email="ada@example.com"
        )
        event = Event.objects.get(name="order.out_for_delivery")
        events_dispatch()
        _send_all()
        statuses = sorted(Message.objects.values_list("channel", "status"))
    assert event.data["recipient"]["notify"] == {"sms": True, "email": True}
    assert statuses == [("email", "sent"), ("sms", "sent")]
