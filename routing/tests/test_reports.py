"""Reports (routing.reports): deliveries, on-time rate, failures with reasons, kilometres and
CO2 per day and per driver, with exact numbers (the page is tested in web/tests)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import override_settings

from delivery.models import DeliveryAttempt, Order
from delivery.tests.factories import make_driver, make_order, make_vehicle
from routing.matrices import GreatCircleProvider
from routing.models import Route, Stop
from routing.reports import report_build, route_unoptimised_m

TZ = ZoneInfo("Europe/Amsterdam")
DAY1, DAY2 = date(2026, 11, 20), date(2026, 11, 21)
# Straight lines along one meridian: 0.01° of latitude is 1,112 m (rounded), 0.02° 2,224 m,
# 0.03° 3,336 m, with no detour factor.
PROVIDER = GreatCircleProvider(detour_factor=1.0, speeds_kmh={"van": 30, "car": 30})
START = (52.00, 5.0)


def at(day: date, clock: str) -> datetime:
    hour, minute = map(int, clock.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def window(day: date, start: str, end: str) -> dict:
    return {"start": at(day, start).isoformat(), "end": at(day, end).isoformat()}


def attempt(order, driver, when: datetime, outcome: str, reason: str = "") -> None:
    DeliveryAttempt.objects.create(
        order=order, driver=driver, outcome=outcome, failure_reason=reason, attempted_at=when
    )


def route(driver, vehicle, day, *, distance_m: int, orders, status="completed", end=START):
    made = Route.objects.create(
        delivery_date=day,
        driver=driver,
        vehicle=vehicle,
        status=status,
        start_lat=START[0],
        start_lng=START[1],
        end_lat=end[0] if end else None,
        end_lng=end[1] if end else None,
        planned_start=at(day, "08:00"),
        planned_end=at(day, "12:00"),
        distance_m=distance_m,
    )
    for sequence, order in enumerate(orders, start=1):
        Stop.objects.create(
            route=made,
            order=order,
            sequence=sequence,
            planned_arrival=at(day, "09:00"),
            planned_departure=at(day, "09:05"),
        )
    return made


@pytest.fixture
def period(tenant_a):
    """Two days: a diesel van's optimised route and an electric van's, attempts of both."""
    with tenant_a.use():
        diesel = make_vehicle(name="Diesel van", fuel="diesel", profile="van")
        electric = make_vehicle(name="E-van", fuel="electric", profile="van")
        dee = make_driver(email="dee@example.test")
        dee.user.full_name = "Dee Diesel"
        dee.user.save()
        eve = make_driver(email="eve@example.test")
        eve.user.full_name = "Eve Electric"
        eve.user.save()
        # Created A, B, C; driven B, A, C (the optimised order).
        a = make_order(
            delivery_date=DAY1, location=(52.02, 5.0), time_windows=[window(DAY1, "09:00", "10:00")]
        )
        b = make_order(
            delivery_date=DAY1, location=(52.01, 5.0), time_windows=[window(DAY1, "09:00", "10:00")]
        )
        c = make_order(delivery_date=DAY1, location=(52.03, 5.0))
        x = make_order(delivery_date=DAY2, location=(52.01, 5.0))
        y = make_order(delivery_date=DAY2, location=(52.02, 5.0))
        route(dee, diesel, DAY1, distance_m=1112 + 1112 + 1112 + 3336, orders=[b, a, c])
        route(eve, electric, DAY2, distance_m=1112 + 1112, orders=[x, y], end=None)
        route(eve, diesel, DAY1, distance_m=99_000, orders=[], status="planned")  # not driven
        attempt(a, dee, at(DAY1, "09:30"), "delivered")  # on time
        attempt(b, dee, at(DAY1, "11:00"), "delivered")  # after its window
        attempt(c, dee, at(DAY1, "12:00"), "failed", "not_home")
        attempt(x, eve, at(DAY1, "13:00"), "delivered")  # no window: on time
        attempt(y, dee, at(DAY2, "23:30"), "failed", "refused")  # still the 21st here
        attempt(y, dee, at(date(2026, 11, 22), "00:30"), "failed", "refused")  # outside
    return {"dee": dee, "eve": eve}


def test_the_unoptimised_distance_drives_the_stops_in_creation_order(tenant_a, period):
    with tenant_a.use():
        first = Route.objects.get(status="completed", delivery_date=DAY1)
        stops = list(
            Stop.objects.filter(route=first).values(
                "route_id",
                "order_id",
                "kind",
                "order__lat",
                "order__lng",
                "order__pickup_lat",
                "order__pickup_lng",
                "order__created_at",
            )
        )

        metres = route_unoptimised_m(first, stops, provider=PROVIDER)

    # start → A (0.02°) → B (0.01°) → C (0.02°) → back to start (0.03°)
    assert metres == 2224 + 1112 + 2224 + 3336


def test_the_report_per_day_per_driver_and_in_total(tenant_a, period):
    with tenant_a.use():
        report = report_build(start=DAY1, end=DAY2, tz=TZ, provider=PROVIDER)

    day1, day2 = report.days
    assert (day1.label, day1.deliveries, day1.on_time, day1.failed) == ("2026-11-20", 3, 2, 1)
    assert day1.failed_reasons == {"not_home": 1}
    assert (day1.routes, day1.planned_m, day1.unoptimised_m) == (1, 6672, 8896)
    assert day1.on_time_rate == 2 / 3
    assert (day2.label, day2.deliveries, day2.on_time, day2.failed) == ("2026-11-21", 0, 0, 1)
    assert day2.failed_reasons == {"refused": 1}
    assert day2.on_time_rate is None
    assert (day2.routes, day2.planned_m, day2.unoptimised_m) == (1, 2224, 2224)

    dee, eve = report.drivers
    assert (dee.label, dee.deliveries, dee.on_time, dee.failed) == ("Dee Diesel", 2, 1, 2)
    assert dee.failed_reasons_labelled == [("Recipient not home", 1), ("Refused", 1)]
    assert (eve.label, eve.deliveries, eve.on_time, eve.failed) == ("Eve Electric", 1, 1, 0)
    assert (dee.planned_m, dee.unoptimised_m, eve.planned_m, eve.unoptimised_m) == (
        6672,
        8896,
        2224,
        2224,
    )

    total = report.total
    assert (total.deliveries, total.on_time, total.failed, total.routes) == (3, 2, 2, 2)
    assert (total.planned_m, total.unoptimised_m, total.km) == (8896, 11120, 8.896)
    # diesel 250 g/km: 6.672 km → 1.668 kg; 2.224 km fewer than unoptimised → 0.556 kg saved
    assert total.co2_kg == pytest.approx(1.668, abs=1e-12)
    assert total.co2_saved_kg == pytest.approx(0.556, abs=1e-12)
    assert sorted(total.fuels) == ["diesel", "electric"]
    assert total.fuels["electric"].km == 2.224
    assert (total.fuels["electric"].co2_kg, total.fuels["electric"].co2_saved_kg) == (0, 0)
    assert settings.REPORTS_EMISSION_FACTORS_G_PER_KM == {
        "diesel": 250,
        "petrol": 215,
        "electric": 0,
        "none": 0,
    }


def test_the_emission_factors_come_from_the_settings(tenant_a, period):
    factors = {"diesel": 100, "petrol": 215, "electric": 40, "none": 0}
    with override_settings(REPORTS_EMISSION_FACTORS_G_PER_KM=factors), tenant_a.use():
        report = report_build(start=DAY1, end=DAY2, tz=TZ, provider=PROVIDER)

    total = report.total
    # diesel 6.672 km × 100 g; electric 2.224 km × 40 g; saved: 2.224 km fewer diesel km × 100 g
    assert total.co2_kg == pytest.approx(0.6672 + 0.08896, abs=1e-12)
    assert total.co2_saved_kg == pytest.approx(0.2224, abs=1e-12)


def test_a_period_must_be_ordered_and_at_most_92_days(tenant_a):
    with tenant_a.use():
        with pytest.raises(ValueError, match="The end date is before the start date."):
            report_build(start=DAY2, end=DAY1, tz=TZ)
        with pytest.raises(ValueError, match="Choose at most 92 days."):
            report_build(start=date(2026, 1, 1), end=date(2026, 4, 3), tz=TZ)


class Counting:
    """The straight-line provider, counting how often it is asked."""

    name = "great_circle"

    def __init__(self):
        self.calls = 0

    def matrix(self, points, *, profile):
        self.calls += 1
        return PROVIDER.matrix(points, profile=profile)


def test_unoptimised_distances_are_computed_once_per_route_version(tenant_a, period):
    provider = Counting()
    with tenant_a.use():
        first = report_build(start=DAY1, end=DAY2, tz=TZ, provider=provider)
        calls_first = provider.calls
        again = report_build(start=DAY1, end=DAY2, tz=TZ, provider=provider)
        calls_again = provider.calls - calls_first
        changed = Route.objects.get(status="completed", delivery_date=DAY2)
        Order.objects.filter(stops__route=changed, lat=52.02).update(lat=52.04)
        changed.save()  # the route changed: its updated_at moves, its distance is recomputed
        after = report_build(start=DAY1, end=DAY2, tz=TZ, provider=provider)

    assert (calls_first, calls_again, provider.calls - calls_first) == (2, 0, 1)
    assert (first.total.unoptimised_m, again.total.unoptimised_m) == (11120, 11120)
    # the electric route now ends 0.04° north: 1,112 + 3,336 m instead of 1,112 + 1,112 m
    assert after.days[1].unoptimised_m == 1112 + 3336


def test_a_pickup_stop_is_driven_at_the_pickup_before_its_delivery(tenant_a):
    with tenant_a.use():
        driver = make_driver()
        order = make_order(delivery_date=DAY1, location=(52.02, 5.0))
        Order.objects.filter(pk=order.pk).update(pickup_lat=52.01, pickup_lng=5.0)
        made = Route.objects.create(
            delivery_date=DAY1,
            driver=driver,
            status="completed",
            start_lat=START[0],
            start_lng=START[1],
            planned_start=at(DAY1, "08:00"),
            planned_end=at(DAY1, "12:00"),
        )
        for sequence, kind in ((2, "delivery"), (1, "pickup")):
            Stop.objects.create(
                route=made,
                order=order,
                kind=kind,
                sequence=sequence,
                planned_arrival=at(DAY1, "09:00"),
                planned_departure=at(DAY1, "09:05"),
            )
        stops = list(
            Stop.objects.filter(route=made).values(
                "route_id",
                "order_id",
                "kind",
                "order__lat",
                "order__lng",
                "order__pickup_lat",
                "order__pickup_lng",
                "order__created_at",
            )
        )

        metres = route_unoptimised_m(made, stops, provider=PROVIDER)

    # start → pickup (0.01°) → delivery (0.01°); the route has no end
    assert metres == 1112 + 1112
