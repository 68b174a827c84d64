"""Standing orders: the generator (exactly once, even concurrently), skips, holidays, pauses and
changes that affect only the future, not-yet-planned occurrences."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from delivery.customers.models import Holiday, Occurrence, StandingOrder
from delivery.customers.schedule import WEEKDAYS
from delivery.customers.standing import (
    business_today,
    holiday_add,
    occurrence_skip,
    standing_order_pause,
    standing_order_update,
    standing_orders_generate,
)
from delivery.customers.tests.factories import make_customer, make_standing_order
from delivery.customers.validation import StandingOrderInput
from delivery.models import Order, OrderEvent, OrderStatus
from delivery.services import order_transition
from delivery.tests.factories import TEST_ACTOR, make_driver


def weeks_from(day, count: int) -> list:
    return [day + timedelta(weeks=week) for week in range(count)]


def live_orders(standing):
    return list(
        Order.objects.filter(occurrence__standing_order=standing)
        .exclude(status=OrderStatus.CANCELLED)
        .order_by("delivery_date")
        .values_list("delivery_date", flat=True)
    )


def test_a_new_standing_order_generates_its_orders_ahead_with_the_customers_details(tenant_a):
    with tenant_a.use():
        # given a customer and today
        today = business_today()
        customer = make_customer()

        # when a weekly standing order starts today
        standing = make_standing_order(customer, today)

        # then its orders exist for every week within 14 days (the default), today included
        assert live_orders(standing) == weeks_from(today, 3)
        order = Order.objects.get(delivery_date=today, customer=customer)
        assert order.recipient_name == "Hen House Household"
        assert order.recipient_phone == "+31612345678"
        assert order.recipient_email == "hens@example.test"
        assert order.address == "Keizersgracht 1, Amsterdam"
        assert (order.lat, order.lng) == (52.3791, 4.8890)
        assert order.items == 30
        assert order.notes == "30 eggs\nEggs in the blue box by the door\nAccess: Gate code 1234"
        assert order.customer_place_id == customer.places.first().pk
        assert order.source == "standing_order"
        assert [window["start"][11:16] for window in order.time_windows] == ["08:00"]
        assert order.status == OrderStatus.UNASSIGNED
        assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.CREATED).count() == 1


def test_running_the_generator_again_creates_nothing(tenant_a):
    with tenant_a.use():
        today = business_today()
        standing = make_standing_order(make_customer(), today)
        before = Order.objects.count()

        report = standing_orders_generate()

        assert report.created == 0
        assert Order.objects.count() == before
        assert Occurrence.objects.filter(standing_order=standing).count() == 3


def test_the_horizon_moves_with_the_days(tenant_a):
    with tenant_a.use():
        today = business_today()
        standing = make_standing_order(make_customer(), today)

        report = standing_orders_generate(today=today + timedelta(days=7))

        assert report.created == 1
        assert live_orders(standing)[-1] == today + timedelta(weeks=3)


def test_two_concurrent_generators_make_one_order_per_occurrence(committed_db, committed_tenant):
    # given 20 customers, each with a standing order on three weekdays, nothing generated yet
    world = committed_tenant("eggs")
    with world.use():
        today = business_today()
        standings = []
        for number in range(20):
            customer = make_customer(name=f"Household {number}", phones=[], email="")
            standings.append(
                make_standing_order(
                    customer,
                    today,
                    weekdays=["mon", "wed", "fri"],
                    is_paused=True,
                )
            )
        StandingOrder.objects.update(is_paused=False)
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def run():
        try:
            with schema_context(world.schema):
                barrier.wait(timeout=10)
                reports.append(standing_orders_generate(days_ahead=28))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    # when two generators run at the same moment, each on its own connection
    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then every occurrence has exactly one order, and together they made each once
    assert errors == []
    with world.use():
        occurrences = Occurrence.objects.count()
        expected = (
            sum(
                1
                for day in (today + timedelta(days=offset) for offset in range(29))
                if WEEKDAYS[day.weekday()] in ("mon", "wed", "fri")
            )
            * 20
        )
        assert occurrences == expected
        assert Order.objects.count() == expected
        assert Occurrence.objects.filter(order__isnull=True).count() == 0
        assert len(reports) == 2
        assert sum(report.created for report in reports) == expected
        pairs = list(Order.objects.values_list("customer_id", "delivery_date"))
        assert len(pairs) == len(set(pairs))


def test_skipping_a_week_cancels_its_order_and_it_is_never_made_again(tenant_a):
    with tenant_a.use():
        today = business_today()
        standing = make_standing_order(make_customer(), today)
        next_week = today + timedelta(weeks=1)
        order = Order.objects.get(occurrence__date=next_week)

        occurrence = occurrence_skip(
            standing_order_id=standing.pk,
            day=next_week,
            reason=Occurrence.SkipReason.RECIPIENT,
            actor=TEST_ACTOR,
        )
        standing_orders_generate()

        assert occurrence.status == Occurrence.Status.SKIPPED
        order.refresh_from_db()
        assert order.status == OrderStatus.CANCELLED
        assert order.events.last().reason == "skipped"
        assert live_orders(standing) == [today, today + timedelta(weeks=2)]


def test_a_week_skipped_before_it_is_generated_gets_no_order(tenant_a):
    with tenant_a.use():
        today = business_today()
        standing = make_standing_order(make_customer(), today)
        far = today + timedelta(weeks=3)

        occurrence_skip(
            standing_order_id=standing.pk,
            day=far,
            reason=Occurrence.SkipReason.DISPATCHER,
            actor=TEST_ACTOR,
        )
        report = standing_orders_generate(today=today + timedelta(days=7))

        assert report.created == 0
        assert not Order.objects.filter(delivery_date=far).exists()


def test_holidays_skip_their_occurrences_made_or_not(tenant_a):
    with tenant_a.use():
        today = business_today()
        Holiday.objects.create(date=today + timedelta(weeks=2), name="Christmas")
        standing = make_standing_order(make_customer(), today)
        assert live_orders(standing) == [today, today + timedelta(weeks=1)]

        holiday_add(day=today + timedelta(weeks=1), name="Boxing day", actor=TEST_ACTOR)

        assert live_orders(standing) == [today]
        assert sorted(
            Occurrence.objects.filter(status="skipped").values_list("skip_reason", flat=True)
        ) == ["holiday", "holiday"]


def test_pausing_cancels_the_unplanned_future_and_resuming_brings_it_back(tenant_a):
    with tenant_a.use():
        today = business_today()
        standing = make_standing_order(make_customer(), today)
        driver = make_driver()
        planned = Order.objects.get(delivery_date=today)
        order_transition(order_id=planned.pk, to="assigned", actor=TEST_ACTOR, driver=driver)

        standing_order_pause(standing_order_id=standing.pk, paused=True, actor=TEST_ACTOR)
        assert live_orders(standing) == [today]  # the planned one stays

        standing_order_pause(standing_order_id=standing.pk, paused=False, actor=TEST_ACTOR)
        assert live_orders(standing) == weeks_from(today, 3)
        assert Order.objects.filter(status=OrderStatus.CANCELLED).count() == 2


def test_a_change_updates_the_unplanned_future_only(tenant_a):
    with tenant_a.use():
        # given a weekly standing order whose first order is already planned
        today = business_today()
        standing = make_standing_order(make_customer(), today)
        driver = make_driver()
        planned = Order.objects.get(delivery_date=today)
        order_transition(order_id=planned.pk, to="assigned", actor=TEST_ACTOR, driver=driver)

        # when it changes: 60 eggs, a later window, and a second weekday
        tomorrow = today + timedelta(days=1)
        standing_order_update(
            standing_order_id=standing.pk,
            data=StandingOrderInput(
                weekdays=sorted({WEEKDAYS[today.weekday()], WEEKDAYS[tomorrow.weekday()]}),
                start_date=today,
                items=60,
                weight_kg=Decimal("3.5"),
                time_windows=[{"start": "14:00", "end": "16:00"}],
                notes="60 eggs",
            ),
            actor=TEST_ACTOR,
        )

        # then the planned order kept its details; the later ones follow; the new day is made
        planned.refresh_from_db()
        assert planned.items == 30
        later = Order.objects.get(delivery_date=today + timedelta(weeks=1))
        assert later.items == 60
        assert later.weight_kg == Decimal("3.500")
        assert [window["start"][11:16] for window in later.time_windows] == ["14:00"]
        assert later.notes.startswith("60 eggs\n")
        assert later.events.filter(kind=OrderEvent.Kind.UPDATED).count() == 1
        assert tomorrow in live_orders(standing)


def test_dropping_a_weekday_cancels_its_unplanned_orders(tenant_a):
    with tenant_a.use():
        today = business_today()
        tomorrow = today + timedelta(days=1)
        standing = make_standing_order(
            make_customer(),
            today,
            weekdays=sorted({WEEKDAYS[today.weekday()], WEEKDAYS[tomorrow.weekday()]}),
        )
        assert len(live_orders(standing)) == 5  # 14 days ahead: three of one, two of the other

        standing_order_update(
            standing_order_id=standing.pk,
            data=StandingOrderInput(weekdays=[WEEKDAYS[today.weekday()]], start_date=today),
            actor=TEST_ACTOR,
        )

        assert live_orders(standing) == weeks_from(today, 3)


def test_a_past_date_cannot_be_skipped_and_a_delivery_under_way_neither(tenant_a):
    from tenants.errors import ApplicationError

    with tenant_a.use():
        today = business_today()
        standing = make_standing_order(make_customer(), today)
        with pytest.raises(ApplicationError) as past:
            occurrence_skip(
                standing_order_id=standing.pk,
                day=today - timedelta(days=1),
                reason="dispatcher",
                actor=TEST_ACTOR,
            )
        assert past.value.code == "validation_error"
        order = Order.objects.get(delivery_date=today)
        driver = make_driver()
        order_transition(order_id=order.pk, to="assigned", actor=TEST_ACTOR, driver=driver)
        order_transition(order_id=order.pk, to="out_for_delivery", actor=TEST_ACTOR)
        with pytest.raises(ApplicationError) as locked:
            occurrence_skip(
                standing_order_id=standing.pk, day=today, reason="recipient", actor=TEST_ACTOR
            )
        assert locked.value.code == "order_locked"
        order.refresh_from_db()
        assert order.status == OrderStatus.OUT_FOR_DELIVERY
