"""No message to a recipient names an arrival window that ended before it is sent (issue 12,
defect 1): the outbox renders the window only while it is still ahead."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.core import mail

from delivery.models import Order, OrderStatus
from delivery.services import order_transition
from delivery.tests.factories import TEST_ACTOR
from notifications.models import Message
from notifications.rendering import eta_current, window_current
from notifications.services import events_dispatch, message_send
from notifications.sms import outbox as sms_outbox
from tests.notifications.factories import make_order_assigned

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _out_for_delivery_at(tenant, *, eta: datetime, now: datetime) -> tuple[dict, object]:
    with tenant.use(), time_machine.travel(now, tick=False):
        order = make_order_assigned(
            recipient_phone="+31612345678", recipient_email="ada@example.com"
        )
        Order.objects.filter(pk=order.pk).update(eta=eta)
        order_transition(order_id=order.pk, to=OrderStatus.OUT_FOR_DELIVERY, actor=TEST_ACTOR)
        events_dispatch()
        for pk in Message.objects.values_list("pk", flat=True):
            message_send(message_id=pk)
    (sms,) = sms_outbox
    (email,) = mail.outbox
    return sms, email


def test_a_window_over_before_the_message_goes_out_is_left_out(tenant_a):
    # given an order whose ETA 07:52 gives the window 07:15–08:15, going out at 10:38
    sms, email = _out_for_delivery_at(
        tenant_a,
        eta=datetime(2026, 11, 27, 7, 52, tzinfo=AMSTERDAM),
        now=datetime(2026, 11, 27, 10, 38, tzinfo=AMSTERDAM),
    )

    # then neither the SMS nor the e-mail names it
    assert re.fullmatch(
        r"Business ALPHA: your delivery is on its way\. Track it: http://alpha\.localhost/t/\S+/",
        sms["body"],
    )
    assert "between" not in email.body
    assert "is on its way.\n\nFollow your delivery live:" in email.body


def test_a_window_still_ahead_is_named(tenant_a):
    # given the same ETA, going out at 07:00
    sms, email = _out_for_delivery_at(
        tenant_a,
        eta=datetime(2026, 11, 27, 7, 52, tzinfo=AMSTERDAM),
        now=datetime(2026, 11, 27, 7, 0, tzinfo=AMSTERDAM),
    )

    assert "expected between 07:15 and 08:15. Track it:" in sms["body"]
    assert "should arrive between 07:15 and 08:15." in email.body


def test_a_window_ending_at_the_moment_of_sending_is_over():
    window = {"start": "2026-11-27T07:15:00+01:00", "end": "2026-11-27T08:15:00+01:00"}
    end = datetime(2026, 11, 27, 8, 15, tzinfo=AMSTERDAM)

    assert window_current(window, sent_at=end) == {}
    assert window_current(window, sent_at=end.replace(minute=14)) == window
    assert window_current(window, sent_at=None) == window
    assert window_current(None, sent_at=end) == {}


def test_starting_a_route_late_recomputes_its_etas_before_the_messages_go_out(
    tenant_a, django_capture_on_commit_callbacks
):
    from routing.models import Route, Stop
    from routing.services import route_status_set
    from routing.tests.days import DAY, at, run, small_day

    # given the small day planned and dispatched the evening before (routes from about 09:00)
    with tenant_a.use(), time_machine.travel(at("18:00", DAY - timedelta(days=1)), tick=False):
        small_day()
        run(django_capture_on_commit_callbacks)
        Order.objects.update(recipient_phone="+31612345678")
        for route in Route.objects.all():
            route_status_set(route=route, to=Route.Status.DISPATCHED, actor=TEST_ACTOR)
        events_dispatch()
        route = Route.objects.order_by("planned_start").first()
        assert route.planned_start < at("10:00")

    # when its driver starts at 10:38 and the messages go out
    with tenant_a.use(), time_machine.travel(at("10:38"), tick=False):
        route_status_set(route=route, to=Route.Status.STARTED, actor=TEST_ACTOR)
        events_dispatch()
        for pk in Message.objects.filter(status=Message.Status.QUEUED).values_list("pk", flat=True):
            message_send(message_id=pk)
        stops = list(Stop.objects.filter(route=route).select_related("order"))

    # then every ETA is from 10:38 on, in the planned order, and every SMS names a window
    # that ends after 10:38 (or none)
    etas = [stop.eta for stop in sorted(stops, key=lambda stop: stop.sequence)]
    assert len(etas) == 4
    assert etas == sorted(etas)
    assert etas[0] > at("10:38")
    assert [stop.order.eta for stop in stops] == [stop.eta for stop in stops]
    assert len(sms_outbox) == 4
    for sms in sms_outbox:
        named = re.search(r"expected between (\d\d:\d\d) and (\d\d:\d\d)\.", sms["body"])
        assert named is None or named.group(2) > "10:38", sms["body"]
    assert any(
        re.search(r"expected between", sms["body"]) for sms in sms_outbox
    )  # the windows from the new ETAs are still ahead


def test_an_eta_passed_before_the_message_goes_out_is_named_as_the_moment_of_sending():
    sent_at = datetime(2026, 11, 27, 10, 5, tzinfo=AMSTERDAM)

    assert eta_current("2026-11-27T10:02:00+01:00", sent_at=sent_at) == sent_at.isoformat()
    assert eta_current("2026-11-27T10:07:00+01:00", sent_at=sent_at) == "2026-11-27T10:07:00+01:00"
    assert eta_current("2026-11-27T10:02:00+01:00", sent_at=None) == "2026-11-27T10:02:00+01:00"
    assert eta_current(None, sent_at=sent_at) is None
