"""A customer's report (deliveries, failures, on time, km and CO2 of their rounds) and the round
view (one weekday's stops over the weeks)."""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from delivery.customers.standing import business_today
from delivery.customers.tests.factories import make_customer, make_standing_order
from delivery.models import Order
from delivery.services import order_transition, orders_plan_apply
from delivery.tests.factories import TEST_ACTOR, make_driver, make_order, make_vehicle
from routing.customer_reports import customer_report, round_view
from routing.models import Route, Stop
from tenants.accounts.models import Role
from tenants.selectors import tenant_time_zone


def driven_route(driver, day, orders, *, distance_m: int) -> Route:
    tz = tenant_time_zone()
    start = datetime.combine(day, time(8, 0), tzinfo=tz)
    route = Route.objects.create(
        delivery_date=day,
        driver=driver,
        vehicle=driver.default_vehicle,
        status="started",
        start_lat=52.37,
        start_lng=4.89,
        planned_start=start,
        planned_end=start + timedelta(hours=2),
        distance_m=distance_m,
    )
    assignments = []
    for sequence, order in enumerate(orders, start=1):
        arrival = start + timedelta(minutes=10 * sequence)
        Stop.objects.create(
            route=route,
            order=order,
            sequence=sequence,
            planned_arrival=arrival,
            planned_departure=arrival + timedelta(minutes=5),
        )
        assignments.append((order.pk, driver.pk, route.pk, sequence, arrival))
    with transaction.atomic():
        orders_plan_apply(assignments=assignments, unassigned=[], actor=TEST_ACTOR)
    return route


def test_a_customers_deliveries_on_time_failures_and_their_share_of_the_rounds(tenant_a):
    with tenant_a.use():
        # given a weekly customer delivered today on time (a 12 km diesel round with 2 stops)
        today = business_today()
        customer = make_customer()
        make_standing_order(customer, today)
        mine = Order.objects.get(customer=customer, delivery_date=today)
        now = timezone.now()
        window = {
            "start": (now - timedelta(hours=1)).isoformat(),
            "end": (now + timedelta(hours=1)).isoformat(),
        }
        Order.objects.filter(pk=mine.pk).update(time_windows=[window])
        driver = make_driver(default_vehicle=make_vehicle(fuel="diesel"))
        other = make_order(delivery_date=today)
        driven_route(driver, today, [mine, other], distance_m=12_000)
        for step in ("out_for_delivery", "delivered"):
            order_transition(order_id=mine.pk, to=step, actor=TEST_ACTOR)
        # and a failed delivery next week
        failed = Order.objects.get(customer=customer, delivery_date=today + timedelta(weeks=1))
        order_transition(order_id=failed.pk, to="assigned", actor=TEST_ACTOR, driver=driver)
        order_transition(order_id=failed.pk, to="out_for_delivery", actor=TEST_ACTOR)
        order_transition(order_id=failed.pk, to="failed", actor=TEST_ACTOR, reason="not_home")

        report = customer_report(customer_id=customer.pk)

    # then
    assert (report.row.deliveries, report.row.on_time, report.row.failed) == (1, 1, 1)
    assert report.row.failed_reasons_labelled == [("Recipient not home", 1)]
    assert (report.rounds, report.rounds_km, report.rounds_co2_kg) == (1, 12.0, 3.0)
    assert (report.share_km, report.share_co2_kg) == (6.0, 1.5)


def test_the_round_view_lists_one_weekdays_stops_week_by_week(tenant_a):
    with tenant_a.use():
        today = business_today()
        anna, bert = make_customer("Anna"), make_customer("Bert")
        for customer in (anna, bert):
            make_standing_order(customer, today)
        driver = make_driver(default_vehicle=make_vehicle())
        driven_route(
            driver,
            today,
            [
                Order.objects.get(customer=bert, delivery_date=today),
                Order.objects.get(customer=anna, delivery_date=today),
            ],
            distance_m=5_000,
        )

        view = round_view(weekday=today.weekday(), until=today + timedelta(weeks=1), weeks=3)

    assert view.dates == [today - timedelta(weeks=1), today, today + timedelta(weeks=1)]
    assert [name for name, _ in view.rows] == ["Anna", "Bert"]  # next week: unplanned, by name
    cells = dict(view.rows)
    assert today - timedelta(weeks=1) not in cells["Anna"]
    assert (cells["Bert"][today].driver, cells["Bert"][today].sequence) == ("Van Driver", 1)
    assert (cells["Anna"][today].status, cells["Anna"][today].sequence) == ("assigned", 2)
    assert cells["Anna"][today + timedelta(weeks=1)].status == "unassigned"


def test_the_pages_show_the_report_and_the_rounds(tenant_a):
    with tenant_a.use():
        today = business_today()
        customer = make_customer("Anna")
        make_standing_order(customer, today)
    client = tenant_a.browser(Role.DISPATCHER)

    detail = client.get(f"/customers/{customer.pk}/").content.decode()
    rounds = client.get(f"/customers/rounds/?weekday={today.weekday()}&weeks=2")

    assert "0 rounds, 0.0 km, 0.0 kg CO2" in detail
    assert rounds.status_code == 200
    assert rounds.context["rows"][0][0] == "Anna"
    assert [cell.status if cell else None for cell in rounds.context["rows"][0][1]] == [
        None,
        "unassigned",
    ]
