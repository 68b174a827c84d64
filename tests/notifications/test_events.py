"""Events are recorded by the delivery and routing services, in their transactions, with the
snapshot README documents; nothing is recorded when the change is refused."""

from datetime import timedelta

import pytest
from django.utils import timezone

from delivery.models import Order, OrderStatus
from delivery.services import order_transition, orders_create_many
from delivery.tests.factories import TEST_ACTOR, make_driver, make_order
from delivery.validation import OrderInput
from notifications.events import event_record
from notifications.models import Event
from routing.models import OptimizationJob, Route
from routing.services import optimizations_reap, route_status_set
from routing.tests.days import run, small_day, start
from routing.tests.test_services import make_route
from tenants.errors import ApplicationError


def _names() -> list[str]:
    return list(Event.objects.order_by("created_at", "name").values_list("name", flat=True))


def test_an_order_snapshot_has_the_documented_shape(tenant_a):
    with tenant_a.use():
        driver = make_driver()
        order = make_order(
            external_id="SO-1", recipient_phone="+31612345678", recipient_email="a@example.com"
        )
        order_transition(
            order_id=order.pk, to=OrderStatus.ASSIGNED, actor=TEST_ACTOR, driver=driver
        )
        order.refresh_from_db()
        event = Event.objects.get(name="order.assigned")
        assert event.data == {
            "id": str(order.pk),
            "external_id": "SO-1",
            "status": "assigned",
            "delivery_date": "2026-11-27",
            "driver": str(driver.pk),
            "driver_name": "Van Driver",
            "route": None,
            "sequence": None,
            "eta": None,
            "eta_window": None,
            "tracking_url": f"http://alpha.localhost/t/{order.tracking_token}/",
            "address": "Prinsengracht 263, Amsterdam",
            "recipient": {
                "name": "Ada Recipient",
                "phone": "+31612345678",
                "email": "a@example.com",
                "notify": {"sms": True, "email": True},
                "language": "",
            },
            "reason": "",
            "note": "",
        }
        assert event.dispatched_at is None


def test_the_lifecycle_records_one_event_per_change(tenant_a):
    with tenant_a.use():
        driver = make_driver()
        first, second = make_order(), make_order()
        for to in (OrderStatus.ASSIGNED, OrderStatus.OUT_FOR_DELIVERY, OrderStatus.FAILED):
            order_transition(
                order_id=first.pk, to=to, actor=TEST_ACTOR, driver=driver, reason="refused"
            )
        order_transition(order_id=first.pk, to=OrderStatus.UNASSIGNED, actor=TEST_ACTOR)
        order_transition(order_id=second.pk, to=OrderStatus.CANCELLED, actor=TEST_ACTOR)
        assert sorted(_names()) == sorted(
            [
                "order.created",
                "order.created",
                "order.assigned",
                "order.out_for_delivery",
                "order.failed",
                "order.cancelled",
            ]
        )
        assert Event.objects.get(name="order.failed").data["reason"] == "refused"


def test_a_refused_change_records_nothing(tenant_a):
    with tenant_a.use():
        order = make_order()
        with pytest.raises(ApplicationError):
            order_transition(order_id=order.pk, to=OrderStatus.DELIVERED, actor=TEST_ACTOR)
        assert _names() == ["order.created"]


def test_many_orders_at_once_record_their_events_in_bulk(tenant_a, django_assert_max_num_queries):
    with tenant_a.use():
        inputs = [
            OrderInput(
                external_id=f"B-{number}",
                recipient_name=f"Recipient {number}",
                address="Damrak 1, Amsterdam",
                delivery_date=timezone.now().date(),
                location=(52.37, 4.89),
            )
            for number in range(300)
        ]
        with django_assert_max_num_queries(8):
            orders = orders_create_many(inputs=inputs, actor=TEST_ACTOR, source="import")
        events = {event.data["external_id"]: event for event in Event.objects.all()}
        assert len(events) == 300
        assert events["B-7"].name == "order.created"
        assert events["B-7"].data["id"] == str(orders[7].pk)
        assert events["B-7"].data["recipient"]["name"] == "Recipient 7"


def test_routes_record_dispatched_started_completed(tenant_a):
    with tenant_a.use():
        driver = make_driver()
        route = make_route(driver)
        order = make_order()
        order_transition(
            order_id=order.pk, to=OrderStatus.ASSIGNED, actor=TEST_ACTOR, driver=driver
        )
        route.stops.create(
            order=order,
            sequence=1,
            planned_arrival=route.planned_start,
            planned_departure=route.planned_start,
        )
        Event.objects.all().delete()
        for to in ("dispatched", "started", "completed"):
            route_status_set(route=route, to=to, actor=TEST_ACTOR)
        assert sorted(_names()) == sorted(
            ["route.dispatched", "route.started", "order.out_for_delivery", "route.completed"]
        )
        completed = Event.objects.get(name="route.completed").data
        assert completed["id"] == str(route.pk)
        assert completed["status"] == "completed"
        assert completed["completed_at"] is not None
        assert Route.objects.get().status == "completed"
        assert Order.objects.get().status == "out_for_delivery"


def test_optimizations_record_succeeded_with_the_assigned_orders(
    tenant_a, django_capture_on_commit_callbacks
):
    with tenant_a.use():
        small_day()
        Event.objects.all().delete()
        job = run(django_capture_on_commit_callbacks)
        assert job.status == "succeeded"
        names = _names()
        assert names.count("optimization.succeeded") == 1
        assert names.count("order.assigned") == 8
        data = Event.objects.get(name="optimization.succeeded").data
        assert (data["id"], data["status"], data["summary"]["routes"]) == (
            str(job.pk),
            "succeeded",
            2,
        )


def test_a_reaped_optimization_records_failed(tenant_a, django_capture_on_commit_callbacks):
    with tenant_a.use():
        job = start(django_capture_on_commit_callbacks)
        OptimizationJob.objects.filter(pk=job.pk).update(
            status="running", started_at=timezone.now() - timedelta(hours=1)
        )
        assert optimizations_reap() == 1
        event = Event.objects.get(name="optimization.failed")
        assert event.data["error"] == (
            "Planning did not finish in time; the routes were left as they were."
        )


def test_unknown_event_names_are_a_bug():
    with pytest.raises(ValueError, match="unknown event 'order.exploded'"):
        event_record(name="order.exploded", data={})
