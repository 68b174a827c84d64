"""Standing orders: generating 10,000 occurrences (2,000 customers × 5 weeks) vs. a bare
bulk_create of the same orders, in the same run.

Our path is `standing_orders_generate` as the beat task runs it: read the standing orders with
their customers and places, compute the dates, claim the occurrences (INSERT … ON CONFLICT …
RETURNING), build every order, COPY the orders, their "created" audit events and `order.created`
outbox events, and link the occurrences to their orders — all in one transaction. The baseline is
`Order.objects.bulk_create` of the same orders, already built as model objects: the least any
generator of these rows must cost. The goal is at most 3× the baseline.
"""

import os
import time
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django_tenants.utils import schema_context

from bench.report import summary, write
from delivery.customers.models import Customer, CustomerPlace, Occurrence, StandingOrder
from delivery.customers.schedule import WEEKDAYS
from delivery.customers.standing import occurrence_order_input, standing_orders_generate
from delivery.models import Order, OrderEvent
from delivery.services.orders import _order_from_input
from notifications.models import Event
from tenants.services import tenant_create, tenant_delete

CUSTOMERS = 2_000
WEEKS = 5
ROUNDS = 3
GOAL = 3.0
START = date(2027, 1, 4)  # a Monday; the customers' days spread over the week
DAYS_AHEAD = 7 * WEEKS - 1  # from START: exactly WEEKS dates of each weekly standing order


def _customers() -> None:
    customers = [
        Customer(
            name=f"Household {number}",
            phones=[f"+316{10_000_000 + number}"],
            email=f"household{number}@example.test",
        )
        for number in range(CUSTOMERS)
    ]
    Customer.objects.bulk_create(customers, batch_size=1000)
    places = [
        CustomerPlace(
            customer=customer,
            address=f"Dorpsstraat {number % 400 + 1}, Amsterdam",
            lat=52.30 + (number % 1000) / 10_000,
            lng=4.80 + (number % 997) / 10_000,
            instructions="Eggs in the box by the door" if number % 2 else "",
            access_notes="Gate code 1234" if number % 5 == 0 else "",
            time_windows=[{"start": "08:00", "end": "12:00"}],
        )
        for number, customer in enumerate(customers)
    ]
    CustomerPlace.objects.bulk_create(places, batch_size=1000)
    StandingOrder.objects.bulk_create(
        [
            StandingOrder(
                customer=customer,
                place=place,
                weekdays=[WEEKDAYS[number % 6]],
                start_date=START,
                items=30,
                weight_kg=Decimal("2.100"),
                notes="30 eggs",
            )
            for number, (customer, place) in enumerate(zip(customers, places, strict=True))
        ],
        batch_size=1000,
    )


def _clear() -> None:
    tables = [Occurrence, Order, OrderEvent, Event]
    with connection.cursor() as cursor:
        cursor.execute(
            f"TRUNCATE {', '.join(model._meta.db_table for model in tables)} CASCADE"  # noqa: S608
        )


def _generate_once() -> float:
    started = time.perf_counter()
    report = standing_orders_generate(today=START, days_ahead=DAYS_AHEAD)
    elapsed = time.perf_counter() - started
    assert report.created == CUSTOMERS * WEEKS, report.created
    return elapsed


def _baseline_orders(tz: ZoneInfo) -> list[Order]:
    """The same orders as model objects, built before the clock starts."""
    orders = []
    for standing in StandingOrder.objects.select_related("customer", "place"):
        first = START + timedelta(days=WEEKDAYS.index(standing.weekdays[0]))
        for week in range(WEEKS):
            day = first + timedelta(weeks=week)
            order = _order_from_input(
                occurrence_order_input(standing, standing.place, day, tz), source="standing_order"
            )
            order.customer_id, order.customer_place_id = standing.customer_id, standing.place_id
            orders.append(order)
    return orders


def _bulk_create_once(tz: ZoneInfo) -> float:
    orders = _baseline_orders(tz)
    assert len(orders) == CUSTOMERS * WEEKS
    started = time.perf_counter()
    with transaction.atomic():
        Order.objects.bulk_create(orders, batch_size=2000)
    return time.perf_counter() - started


def _twice_concurrently_check() -> tuple[int, int]:
    """After a full run, a second run claims nothing: (orders, occurrences)."""
    again = standing_orders_generate(today=START, days_ahead=DAYS_AHEAD)
    assert again.created == 0
    return Order.objects.count(), Occurrence.objects.count()


def run():
    provisioned = tenant_create(
        slug="bench-standing",
        name="Bench standing orders",
        owner_email="owner@bench-standing.test",
        owner_password="a-long-bench-password",
        time_zone="Europe/Amsterdam",
    )
    load_before = os.getloadavg()
    try:
        with schema_context(provisioned.tenant.schema_name):
            tz = ZoneInfo("Europe/Amsterdam")
            _customers()
            ours, baseline = [], []
            for _ in range(ROUNDS):
                _clear()
                baseline.append(_bulk_create_once(tz))
                _clear()
                ours.append(_generate_once())
            counts = _twice_concurrently_check()
            _clear()
    finally:
        tenant_delete(tenant=provisioned.tenant)
    load_after = os.getloadavg()

    ours_stats, baseline_stats = summary(ours), summary(baseline)
    ratio = ours_stats["median"] / baseline_stats["median"]
    rows = "\n".join(
        f"| {label} | {stats['median']:.2f} | {stats['min']:.2f} | {stats['max']:.2f} |"
        for label, stats in (
            ("`standing_orders_generate` (our path, everything in it)", ours_stats),
            ("baseline: `Order.objects.bulk_create` of the same orders", baseline_stats),
        )
    )
    body = (
        f"{CUSTOMERS:,} customers, each with a weekly standing order, {WEEKS} weeks ahead: "
        f"{CUSTOMERS * WEEKS:,} occurrences and orders; {ROUNDS} rounds each, seconds.\n\n"
        "| path | median | min | max |\n|---|---|---|---|\n"
        f"{rows}\n\n"
        f"**Ratio (median, generator / bulk_create): {ratio:.2f}** (goal: at most {GOAL:.0f}; "
        f"{'met' if ratio <= GOAL else 'NOT met'}).\n\n"
        "Our path also writes what the baseline does not: the occurrences (claimed with "
        "INSERT … ON CONFLICT DO NOTHING RETURNING, then linked to their orders), one `created` "
        "audit event per order and one `order.created` outbox event per order. A second run "
        f"right after created nothing ({counts[0]:,} orders, {counts[1]:,} occurrences "
        "remained).\n\n"
        f"Load average (1, 5, 15 min) before: {', '.join(f'{v:.2f}' for v in load_before)}; "
        f"after: {', '.join(f'{v:.2f}' for v in load_after)} "
        f"({os.cpu_count()} CPUs, shared with other work).\n"
    )
    return write("standing_orders", "Generating 10,000 standing-order occurrences", body)
