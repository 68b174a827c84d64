"""Reports: deliveries, on-time rate, failures, kilometres and CO2, per day and per driver.

Reads only (selectors). The facts are the delivery attempts (when and by whom an order was
delivered or failed, in the business's time zone) and the routes driven (started or completed):
their planned distance, and the distance of driving the same stops in the order the orders were
created ("unoptimised"), from the same travel-matrix provider the planner uses.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from delivery.models import DeliveryAttempt, Driver, FailureReason, Fuel, OrderStatus

# Tailpipe CO2 per vehicle-kilometre by fuel, in grams, rounded from the UK Government GHG
# Conversion Factors for Company Reporting (DESNZ/DEFRA, "Delivery vehicles" → "Vans", average
# up to 3.5 tonnes). Electric vans emit nothing at the tailpipe (the electricity's own emissions
# depend on the grid and are not counted here); human-powered vehicles emit nothing.
EMISSION_FACTORS_G_PER_KM: dict[str, int] = {
    Fuel.DIESEL: 250,
    Fuel.PETROL: 215,
    Fuel.ELECTRIC: 0,
    Fuel.NONE: 0,
}
EMISSION_SOURCE = (
    "UK Government GHG Conversion Factors for Company Reporting (DESNZ/DEFRA), "
    "vans, average up to 3.5 t, tailpipe; "
    "https://www.gov.uk/government/collections/government-conversion-factors-for-company-reporting"
)
MAX_REPORT_DAYS = 92
DRIVEN_ROUTE_STATUSES = ("started", "completed")


@dataclass
class FuelTotals:
    km: float = 0.0
    co2_kg: float = 0.0
    co2_saved_kg: float = 0.0


@dataclass
class ReportRow:
    """One day, one driver, or the whole period."""

    label: str
    deliveries: int = 0
    on_time: int = 0
    failed: int = 0
    failed_reasons: dict[str, int] = field(default_factory=dict)
    routes: int = 0
    planned_m: int = 0
    unoptimised_m: int = 0
    fuels: dict[str, FuelTotals] = field(default_factory=dict)

    @property
    def on_time_rate(self) -> float | None:
        """Share of deliveries made inside one of the order's time windows (no window: on
        time), as a fraction; None without deliveries."""
        return self.on_time / self.deliveries if self.deliveries else None

    @property
    def km(self) -> float:
        return self.planned_m / 1000

    @property
    def unoptimised_km(self) -> float:
        return self.unoptimised_m / 1000

    @property
    def co2_kg(self) -> float:
        return sum(totals.co2_kg for totals in self.fuels.values())

    @property
    def co2_saved_kg(self) -> float:
        return sum(totals.co2_saved_kg for totals in self.fuels.values())

    @property
    def failed_reasons_labelled(self) -> list[tuple[str, int]]:
        labels = dict(FailureReason.choices)
        return sorted(
            (
                (labels.get(reason, reason or "No reason"), n)
                for reason, n in self.failed_reasons.items()
            ),
            key=lambda item: (-item[1], item[0]),
        )


@dataclass
class Report:
    start: date
    end: date
    days: list[ReportRow]
    drivers: list[ReportRow]
    total: ReportRow
    factors: dict[str, int]


def _on_time(attempted_at: datetime, windows: list[dict]) -> bool:
    if not windows:
        return True
    return any(
        datetime.fromisoformat(window["start"])
        <= attempted_at
        <= datetime.fromisoformat(window["end"])
        for window in windows
    )


def _count_attempt(row: ReportRow, attempt: dict) -> None:
    if attempt["outcome"] == OrderStatus.DELIVERED:
        row.deliveries += 1
        row.on_time += _on_time(attempt["attempted_at"], attempt["order__time_windows"] or [])
    else:
        row.failed += 1
        reason = attempt["failure_reason"]
        row.failed_reasons[reason] = row.failed_reasons.get(reason, 0) + 1


def route_unoptimised_m(route, stops: list[dict], *, provider=None) -> int:
    """Metres of driving `route`'s stops in the order their orders were created, from the same
    start to the same end (the last stop when the route has no end), by the travel matrix."""
    from routing.matrices import travel_matrix

    ordered = sorted(stops, key=lambda stop: (stop["order__created_at"], str(stop["order_id"])))
    points = [(route.start_lat, route.start_lng)]
    points += [(stop["order__lat"], stop["order__lng"]) for stop in ordered]
    if route.end_lat is not None and route.end_lng is not None:
        points.append((route.end_lat, route.end_lng))
    if len(points) < 2:
        return 0
    profile = route.vehicle.profile if route.vehicle else "van"
    distances = travel_matrix(points, profile=profile, provider=provider).distances
    return int(sum(int(distances[i][i + 1]) for i in range(len(points) - 1)))


def _add_route(row: ReportRow, *, fuel: str, planned_m: int, unoptimised_m: int) -> None:
    row.routes += 1
    row.planned_m += planned_m
    row.unoptimised_m += unoptimised_m
    totals = row.fuels.setdefault(fuel, FuelTotals())
    factor = EMISSION_FACTORS_G_PER_KM.get(fuel, 0)
    totals.km += planned_m / 1000
    totals.co2_kg += planned_m / 1000 * factor / 1000
    totals.co2_saved_kg += (unoptimised_m - planned_m) / 1000 * factor / 1000


def _driver_label(driver: Driver | None) -> str:
    if driver is None:
        return "No driver"
    return driver.user.full_name or driver.user.email


def report_build(*, start: date, end: date, tz: ZoneInfo, provider=None) -> Report:
    """The report for the days start..end (inclusive) in time zone `tz`."""
    from routing.models import Route, Stop

    if end < start:
        raise ValueError("The end date is before the start date.")
    if (end - start).days + 1 > MAX_REPORT_DAYS:
        raise ValueError(f"Choose at most {MAX_REPORT_DAYS} days.")
    days = {start + timedelta(days=n): ReportRow(label="") for n in range((end - start).days + 1)}
    for day, row in days.items():
        row.label = day.isoformat()
    by_driver: dict = defaultdict(lambda: ReportRow(label=""))
    total = ReportRow(label="Total")

    since = datetime.combine(start, time.min, tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    attempts = (
        DeliveryAttempt.objects.filter(attempted_at__gte=since, attempted_at__lt=until)
        .values("outcome", "failure_reason", "attempted_at", "driver_id", "order__time_windows")
        .order_by("attempted_at")
    )
    for attempt in attempts:
        day = attempt["attempted_at"].astimezone(tz).date()
        for row in (days[day], by_driver[attempt["driver_id"]], total):
            _count_attempt(row, attempt)

    routes = list(
        Route.objects.filter(
            delivery_date__gte=start, delivery_date__lte=end, status__in=DRIVEN_ROUTE_STATUSES
        )
        .select_related("vehicle")
        .order_by("delivery_date", "created_at")
    )
    stops: dict = defaultdict(list)
    for stop in Stop.objects.filter(route__in=[route.pk for route in routes]).values(
        "route_id", "order_id", "order__lat", "order__lng", "order__created_at"
    ):
        stops[stop["route_id"]].append(stop)
    for route in routes:
        fuel = route.vehicle.fuel if route.vehicle else "unknown"
        unoptimised = route_unoptimised_m(route, stops[route.pk], provider=provider)
        for row in (days[route.delivery_date], by_driver[route.driver_id], total):
            _add_route(row, fuel=fuel, planned_m=route.distance_m, unoptimised_m=unoptimised)

    drivers = Driver.objects.select_related("user").in_bulk([key for key in by_driver if key])
    for driver_id, row in by_driver.items():
        row.label = _driver_label(drivers.get(driver_id))
    return Report(
        start=start,
        end=end,
        days=list(days.values()),
        drivers=sorted(by_driver.values(), key=lambda row: row.label.lower()),
        total=total,
        factors=dict(EMISSION_FACTORS_G_PER_KM),
    )
