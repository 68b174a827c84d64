"""Reports about customers: one customer's deliveries, failures, on-time rate and the kilometres
and CO2 of the rounds that served them; and a "round": the same weekday's stops over the weeks,
so a business sees its regular routes. Reads only."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import BooleanField, Count, Q
from django.db.models.expressions import RawSQL

from delivery.models import DeliveryAttempt, Order, OrderStatus
from routing.models import Route, Stop
from routing.reports import DRIVEN_ROUTE_STATUSES, ON_TIME_SQL, ReportRow, _count_attempts


@dataclass
class CustomerReport:
    row: ReportRow  # deliveries, on time, failures (and their reasons)
    rounds: int = 0  # driven routes that stopped at the customer
    rounds_km: float = 0.0  # their whole length
    rounds_co2_kg: float = 0.0
    # The customer's share: each round's km and CO2 divided by its delivery stops.
    share_km: float = 0.0
    share_co2_kg: float = 0.0


def customer_report(*, customer_id) -> CustomerReport:
    report = CustomerReport(row=ReportRow(label="Customer"))
    groups = (
        DeliveryAttempt.objects.filter(order__customer_id=customer_id)
        .annotate(on_time=RawSQL(ON_TIME_SQL, [], output_field=BooleanField()))  # noqa: S611
        .values("outcome", "failure_reason")
        .annotate(n=Count("id"), on_time_n=Count("id", filter=Q(on_time=True)))
        .order_by("outcome", "failure_reason")
    )
    for group in groups:
        _count_attempts(report.row, group)
    routes = list(
        Route.objects.filter(
            status__in=DRIVEN_ROUTE_STATUSES,
            stops__order__customer_id=customer_id,
            stops__kind=Stop.Kind.DELIVERY,
        )
        .distinct()
        .select_related("vehicle")
    )
    # Per route: all its deliveries, and the customer's (usually one). Counted apart: a count
    # over the join above would see only the customer's stops.
    stops = Stop.objects.filter(route__in=routes, kind=Stop.Kind.DELIVERY).values("route_id")
    deliveries = dict(stops.annotate(n=Count("id")).values_list("route_id", "n"))
    mine = dict(
        stops.filter(order__customer_id=customer_id)
        .annotate(n=Count("id"))
        .values_list("route_id", "n")
    )
    for route in routes:
        fuel = route.vehicle.fuel if route.vehicle else "unknown"
        factor = settings.REPORTS_EMISSION_FACTORS_G_PER_KM.get(fuel, 0)
        km = route.distance_m / 1000
        co2 = km * factor / 1000
        share = mine.get(route.pk, 0) / max(deliveries.get(route.pk, 0), 1)
        report.rounds += 1
        report.rounds_km += km
        report.rounds_co2_kg += co2
        report.share_km += km * share
        report.share_co2_kg += co2 * share
    return report


@dataclass
class RoundCell:
    status: str
    driver: str = ""
    sequence: int | None = None


@dataclass
class RoundView:
    weekday: int  # 0 = Monday
    dates: list[date]
    # (customer id, name) → date → cell, rows in the order of their latest stop sequence
    rows: list[tuple[str, dict[date, RoundCell]]] = field(default_factory=list)


def round_view(*, weekday: int, until: date, weeks: int) -> RoundView:
    """The customers' orders on one weekday over `weeks` weeks up to `until`: who was (or is)
    delivered, by whom, at which stop; rows follow the newest week's sequence."""
    last = until - timedelta(days=(until.weekday() - weekday) % 7)
    dates = [last - timedelta(weeks=n) for n in reversed(range(weeks))]
    orders = (
        Order.objects.filter(customer__isnull=False, delivery_date__in=dates)
        .exclude(status=OrderStatus.CANCELLED)
        .select_related("customer", "driver__user")
        .order_by("delivery_date", "sequence")
    )
    cells: dict = defaultdict(dict)
    names: dict = {}
    latest: dict = {}
    for order in orders:
        names[order.customer_id] = order.customer.name
        driver = (order.driver.user.full_name or order.driver.user.email) if order.driver else ""
        cells[order.customer_id][order.delivery_date] = RoundCell(
            status=order.status, driver=driver, sequence=order.sequence
        )
        latest[order.customer_id] = (order.delivery_date, driver, order.sequence or 10**6)
    ordered = sorted(
        cells,
        key=lambda key: (-latest[key][0].toordinal(), latest[key][1], latest[key][2], names[key]),
    )
    return RoundView(
        weekday=weekday, dates=dates, rows=[(names[key], cells[key]) for key in ordered]
    )
