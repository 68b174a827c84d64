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

from django.conf import settings
from django.core.cache import cache
from django.db.models import BooleanField, Count, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncDate

from delivery.models import DeliveryAttempt, Driver, FailureReason, OrderStatus

# Tailpipe CO2 per vehicle-kilometre by fuel, in grams: settings.REPORTS_EMISSION_FACTORS_G_PER_KM
# (defaults from DESNZ/DEFRA, stated on the page with their source). Electric vans emit nothing
# at the tailpipe (the electricity's own emissions depend on the grid and are not counted here).
MAX_REPORT_DAYS = 92
UNOPTIMISED_CACHE_SECONDS = 30 * 24 * 3600
DRIVEN_ROUTE_STATUSES = ("started", "completed")
PICKUP = "pickup"  # routing.models.Stop.Kind.PICKUP


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


# Delivered inside one of the order's windows (bounds included), or the order has none. In SQL:
# the attempts are counted by the database, grouped, never loaded one by one.
ON_TIME_SQL = """
EXISTS (
    SELECT 1 FROM delivery_order o
    WHERE o.id = delivery_deliveryattempt.order_id
      AND (
        jsonb_array_length(o.time_windows) = 0
        OR EXISTS (
            SELECT 1 FROM jsonb_array_elements(o.time_windows) w
            WHERE delivery_deliveryattempt.attempted_at
                  BETWEEN (w->>'start')::timestamptz AND (w->>'end')::timestamptz
        )
      )
)
"""


def _count_attempts(row: ReportRow, group: dict) -> None:
    if group["outcome"] == OrderStatus.DELIVERED:
        row.deliveries += group["n"]
        row.on_time += group["on_time_n"]
    else:
        row.failed += group["n"]
        reason = group["failure_reason"]
        row.failed_reasons[reason] = row.failed_reasons.get(reason, 0) + group["n"]


def route_unoptimised_m(route, stops: list[dict], *, provider=None) -> int:
    """Metres of driving `route`'s stops in the order their orders were created, from the same
    start to the same end (the last stop when the route has no end), by the travel matrix."""
    from routing.matrices import travel_matrix

    # A pickup-and-delivery order's pickup comes before its delivery, at the pickup's place.
    ordered = sorted(
        stops,
        key=lambda stop: (
            stop["order__created_at"],
            str(stop["order_id"]),
            stop["kind"] != PICKUP,
        ),
    )
    points = [(route.start_lat, route.start_lng)]
    points += [
        (stop["order__pickup_lat"], stop["order__pickup_lng"])
        if stop["kind"] == PICKUP
        else (stop["order__lat"], stop["order__lng"])
        for stop in ordered
    ]
    if route.end_lat is not None and route.end_lng is not None:
        points.append((route.end_lat, route.end_lng))
    if len(points) < 2:
        return 0
    profile = route.vehicle.profile if route.vehicle else "van"
    distances = travel_matrix(points, profile=profile, provider=provider).distances
    return int(sum(int(distances[i][i + 1]) for i in range(len(points) - 1)))


def _unoptimised_key(route, provider) -> str:
    # A route's stops change only with the route (its updated_at moves): the key says which.
    name = (provider.name if provider else None) or settings.ROUTING_MATRIX_PROVIDER
    return f"report:unoptimised:{name}:{route.pk}:{route.updated_at.timestamp()}"


def _routes_unoptimised_m(routes: list, *, provider=None) -> dict:
    """Each route's unoptimised distance: from the tenant's cache (one round trip for all), the
    missing ones computed from their stops and remembered."""
    from routing.models import Stop

    keys = {route.pk: _unoptimised_key(route, provider) for route in routes}
    cached = cache.get_many(list(keys.values())) if keys else {}
    result = {pk: cached[key] for pk, key in keys.items() if key in cached}
    missing = [route for route in routes if route.pk not in result]
    if not missing:
        return result
    stops: dict = defaultdict(list)
    for stop in Stop.objects.filter(route__in=[route.pk for route in missing]).values(
        "route_id",
        "order_id",
        "kind",
        "order__lat",
        "order__lng",
        "order__pickup_lat",
        "order__pickup_lng",
        "order__created_at",
    ):
        stops[stop["route_id"]].append(stop)
    computed = {
        route.pk: route_unoptimised_m(route, stops[route.pk], provider=provider)
        for route in missing
    }
    cache.set_many({keys[pk]: metres for pk, metres in computed.items()}, UNOPTIMISED_CACHE_SECONDS)
    return result | computed


def _add_route(row: ReportRow, *, fuel: str, planned_m: int, unoptimised_m: int) -> None:
    row.routes += 1
    row.planned_m += planned_m
    row.unoptimised_m += unoptimised_m
    totals = row.fuels.setdefault(fuel, FuelTotals())
    factor = settings.REPORTS_EMISSION_FACTORS_G_PER_KM.get(fuel, 0)
    totals.km += planned_m / 1000
    totals.co2_kg += planned_m / 1000 * factor / 1000
    totals.co2_saved_kg += (unoptimised_m - planned_m) / 1000 * factor / 1000


def _driver_label(driver: Driver | None) -> str:
    if driver is None:
        return "No driver"
    return driver.user.full_name or driver.user.email


def report_build(*, start: date, end: date, tz: ZoneInfo, provider=None) -> Report:
    """The report for the days start..end (inclusive) in time zone `tz`."""
    from routing.models import Route

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
    groups = (
        DeliveryAttempt.objects.filter(attempted_at__gte=since, attempted_at__lt=until)
        .annotate(
            day=TruncDate("attempted_at", tzinfo=tz),
            on_time=RawSQL(ON_TIME_SQL, [], output_field=BooleanField()),  # noqa: S611 - constant
        )
        .values("day", "driver_id", "outcome", "failure_reason")
        .annotate(n=Count("id"), on_time_n=Count("id", filter=Q(on_time=True)))
        .order_by("day", "driver_id", "outcome", "failure_reason")
    )
    for group in groups:
        for row in (days[group["day"]], by_driver[group["driver_id"]], total):
            _count_attempts(row, group)

    routes = list(
        Route.objects.filter(
            delivery_date__gte=start, delivery_date__lte=end, status__in=DRIVEN_ROUTE_STATUSES
        )
        .select_related("vehicle")
        .order_by("delivery_date", "created_at")
    )
    unoptimised = _routes_unoptimised_m(routes, provider=provider)
    for route in routes:
        fuel = route.vehicle.fuel if route.vehicle else "unknown"
        for row in (days[route.delivery_date], by_driver[route.driver_id], total):
            _add_route(
                row, fuel=fuel, planned_m=route.distance_m, unoptimised_m=unoptimised[route.pk]
            )

    drivers = Driver.objects.select_related("user").in_bulk([key for key in by_driver if key])
    for driver_id, row in by_driver.items():
        row.label = _driver_label(drivers.get(driver_id))
    return Report(
        start=start,
        end=end,
        days=list(days.values()),
        drivers=sorted(by_driver.values(), key=lambda row: row.label.lower()),
        total=total,
        factors=dict(settings.REPORTS_EMISSION_FACTORS_G_PER_KM),
    )
