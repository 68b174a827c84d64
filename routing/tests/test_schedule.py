"""A route's times in the dispatcher's order, and the constraints that order breaks."""

from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

from routing.planning import DriverToPlan, OrderToPlan, VehicleToPlan
from routing.schedule import schedule_route
from tenants.locale import BusinessLocale

TZ = ZoneInfo("Europe/Amsterdam")
BASE = datetime(2026, 11, 27, tzinfo=TZ)
PLACES = [(52.0, 5.0 + 0.01 * i) for i in range(6)]


def at(hours: float) -> datetime:
    return BASE + timedelta(hours=hours)


def leg(origin, destination, profile):
    steps = abs(PLACES.index(origin) - PLACES.index(destination))
    return steps * 600, steps * 1000  # 10 minutes and 1 km per step


def order(number, place, **fields):
    return OrderToPlan(
        id=UUID(int=number), label=f"#{number}", location=PLACES[place], service_s=300, **fields
    )


DRIVER = DriverToPlan(
    id=UUID(int=99),
    name="Dee",
    shift_start=at(8),
    shift_end=at(12),
    start=PLACES[0],
    end=PLACES[0],
    vehicle=VehicleToPlan(id=UUID(int=98), name="Van", weight_kg=Decimal(10)),
)


def test_times_and_loads_in_the_given_order():
    orders = [order(1, 2, weight_kg=Decimal(3)), order(2, 1, weight_kg=Decimal(2))]

    schedule = schedule_route(DRIVER, orders, start=at(8), leg=leg)

    first, second = schedule.stops
    assert (first.arrival, first.departure) == (
        at(8) + timedelta(minutes=20),
        at(8) + timedelta(minutes=25),
    )
    assert (second.arrival, second.departure) == (
        at(8) + timedelta(minutes=35),
        at(8) + timedelta(minutes=40),
    )
    assert first.load_after["weight_kg"] == 2.0
    assert second.load_after["weight_kg"] == 0.0
    assert schedule.end == at(8) + timedelta(minutes=50)
    assert (schedule.travel_s, schedule.distance_m) == (40 * 60, 4000)
    assert schedule.violations == []


def test_waiting_for_a_window():
    schedule = schedule_route(
        DRIVER, [order(1, 1, time_windows=((at(9), at(10)),))], start=at(8), leg=leg
    )

    (stop,) = schedule.stops
    assert stop.arrival == at(8) + timedelta(minutes=10)
    assert stop.waiting_s == 50 * 60
    assert stop.departure == at(9) + timedelta(minutes=5)


def test_an_edit_that_breaks_constraints_says_which():
    orders = [
        order(1, 5, weight_kg=Decimal(8)),
        order(2, 1, weight_kg=Decimal(4), time_windows=((at(8), at(8.5)),)),
    ]

    schedule = schedule_route(DRIVER, orders, start=at(8), leg=leg)

    assert [v.as_dict() for v in schedule.violations] == [
        {
            "order": None,
            "kind": "over_capacity",
            "message": "12 kg on board exceeds the vehicle's 10 kg",
        },
        {
            "order": str(UUID(int=2)),
            "kind": "late",
            "message": "#2 arrives 09:35, 65 min after its window 08:00–08:30",
        },
    ]


def test_a_business_on_a_12_hour_clock_reads_the_violations_times_on_it():
    us = BusinessLocale(
        language="en", country="US", time_zone=at(8).tzinfo, hour12=True, month_first=True
    )
    orders = [order(2, 1, time_windows=((at(13), at(13.5)),))]

    schedule = schedule_route(DRIVER, orders, start=at(14), leg=leg, locale=us)

    assert [v.message for v in schedule.violations] == [
        "#2 arrives 2:10 PM, 40 min after its window 1:00 PM–1:30 PM",
        "the route ends 2:25 PM, after the shift ends at 12:00 PM",
    ]


def test_ending_after_the_shift_is_a_violation():
    late_driver = DriverToPlan(
        id=UUID(int=97),
        name="Late",
        shift_start=at(8),
        shift_end=at(8.5),
        start=PLACES[0],
        end=PLACES[0],
    )

    schedule = schedule_route(late_driver, [order(1, 3)], start=at(8), leg=leg)

    assert [v.message for v in schedule.violations] == [
        "the route ends 09:05, after the shift ends at 08:30"
    ]
