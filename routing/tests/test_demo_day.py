"""The demo business's day (routing.demo): a week of history for Reports and a live day planned
from now by the real planner, one route under way, no stop late at seeding time."""

from collections import Counter
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from delivery.models import DeliveryAttempt, Driver, Order, OrderStatus
from delivery.tests.test_demo import demo_team
from routing.api import RouteSerializer
from routing.demo import (
    DRIVER_NAMES,
    HISTORY_ORDERS_PER_DAY,
    LATE_ORDERS,
    demo_day_seed,
)
from routing.models import OptimizationJob, Route
from routing.reports import report_build
from routing.tests.days import TZ


def mid_day() -> datetime:
    """11:00 on the next Thursday: a working day after a full working week (one Sunday)."""
    today = timezone.now().astimezone(TZ).date()
    thursday = today + timedelta(days=(3 - today.weekday()) % 7 or 7)
    return datetime.combine(thursday, time(11), tzinfo=TZ)


@pytest.fixture
def demo_day(tenant_a):
    moment = mid_day()
    with time_machine.travel(moment, tick=True), tenant_a.use():
        demo_team()
        made = demo_day_seed()
        routes = list(
            Route.objects.filter(delivery_date=moment.date()).select_related("driver__user")
        )
        shown = RouteSerializer(
            Route.objects.filter(delivery_date=moment.date()).prefetch_related("stops__order"),
            many=True,
        ).data
    return moment, made, routes, shown


def test_today_is_planned_from_now_by_the_planner_with_one_route_under_way(tenant_a, demo_day):
    moment, made, routes, shown = demo_day
    with tenant_a.use():
        job = OptimizationJob.objects.get(delivery_date=moment.date())
        orders = Counter(
            Order.objects.filter(delivery_date=moment.date()).values_list("status", flat=True)
        )
        late = sorted(
            Order.objects.filter(delivery_date=moment.date(), status=OrderStatus.UNASSIGNED)
            .filter(external_id__in=[f"DEMO-{moment.date():%Y%m%d}-06{n}" for n in (1, 2)])
            .values_list("external_id", flat=True)
        )

    assert job.status == "succeeded" and job.params["time_budget_s"] == 3
    assert (made.orders, made.routes) == (62, 3)
    assert sorted(route.status for route in routes) == ["dispatched", "dispatched", "started"]
    started = next(route for route in routes if route.status == "started")
    assert started.planned_start == min(route.planned_start for route in routes)
    # planned from now (plus the demo's 5 minutes of loading), never in the past
    assert all(route.planned_start >= moment for route in routes)
    assert made.unplaced == orders[OrderStatus.UNASSIGNED] >= LATE_ORDERS
    assert late == [f"DEMO-{moment.date():%Y%m%d}-061", f"DEMO-{moment.date():%Y%m%d}-062"]
    assert orders[OrderStatus.OUT_FOR_DELIVERY] == sum(
        1 for route in shown if route["status"] == "started" for _ in route["stops"]
    )
    # no stop is late when the demo starts
    assert [route["late_stops"] for route in shown] == [0, 0, 0]


def test_the_week_before_has_completed_routes_and_attempts_for_reports(tenant_a, demo_day):
    moment, made, routes, shown = demo_day
    start = moment.date() - timedelta(days=7)
    with tenant_a.use():
        history = Counter(
            Route.objects.filter(delivery_date__lt=moment.date()).values_list("status", flat=True)
        )
        outcomes = Counter(DeliveryAttempt.objects.values_list("outcome", flat=True))
        report = report_build(start=start, end=moment.date() - timedelta(days=1), tz=TZ)

    assert (made.history_days, made.history_orders) == (6, 6 * HISTORY_ORDERS_PER_DAY)
    assert history == {"completed": 6 * 3}
    assert outcomes["delivered"] + outcomes["failed"] == 6 * HISTORY_ORDERS_PER_DAY
    assert 0 < outcomes["failed"] < outcomes["delivered"]
    assert report.total.deliveries == outcomes["delivered"]
    assert report.total.failed == outcomes["failed"]
    assert report.total.routes == 18 and report.total.km > 0
    # Sunday stays empty; the other six days each have three routes
    assert [row.routes for row in report.days].count(3) == 6


def test_the_drivers_have_real_names_and_a_second_run_changes_nothing(tenant_a, demo_day):
    moment = demo_day[0]
    with time_machine.travel(moment + timedelta(minutes=5), tick=True), tenant_a.use():
        again = demo_day_seed()
        names = sorted(Driver.objects.values_list("user__full_name", flat=True))

    assert names == sorted(DRIVER_NAMES.values())
    assert (again.history_orders, again.orders, again.routes) == (0, 0, 0)
